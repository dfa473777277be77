"""Rating prediction: held-out rating splits, the global/user/item mean baselines, a target-attention
rating model built from the attention families' parts, its training and its file (rating.pt beside a
ranking model's model.pt), and the accuracy figures (MAE, RMSE, precision/recall/F1 of liked items).

    split = random_split(data, seed=0)                   # or leave_one_out(data): the ranking test items
    result = train_rating_model(data, split, ModelConfig(dim=32))
    report = rating_report(data, split, result.model)    # {"global mean": RatingMetrics, ..., "ours": ...}

Front ends: train_and_save_ratings (train --ratings), evaluate_saved_ratings (evaluate --json),
predict_for_user (Explain's predicted rating).
"""
from .baselines import BASELINES, MeanBaseline, fit_baseline
from .metrics import LIKE_THRESHOLD, RatingMetrics, rating_metrics
from .model import TargetRatingModel
from .report import predict_for_user, rating_report
from .run import SPLIT_KINDS, evaluate_saved_ratings, train_and_save_ratings
from .split import RatingSplit, leave_one_out, random_split, split_from
from .store import RATING_FILENAME, load_rating_model, save_rating_model
from .train import RatingResult, RatingTrainConfig, predict_ratings, train_rating_model

__all__ = ["BASELINES", "LIKE_THRESHOLD", "RATING_FILENAME", "MeanBaseline", "RatingMetrics", "RatingResult",
           "RatingSplit", "RatingTrainConfig", "SPLIT_KINDS", "TargetRatingModel", "fit_baseline", "leave_one_out",
           "load_rating_model", "predict_for_user", "predict_ratings", "random_split", "rating_metrics",
           "rating_report", "save_rating_model", "split_from", "train_rating_model",
           "evaluate_saved_ratings", "train_and_save_ratings"]
