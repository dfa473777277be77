"""What the CLI, Compare and Explain ask of rating prediction: every method's figures on a split's
test ratings, and one user's predicted ratings for candidate items."""
import numpy as np
import torch

from ..data.preprocess import Prepared
from .baselines import BASELINES, fit_baseline
from .metrics import LIKE_THRESHOLD, RatingMetrics, rating_metrics
from .model import TargetRatingModel
from .split import RatingSplit, require_ratings, users_of
from .train import predict_ratings

MODEL_ROW = "ours"  # the rating model's row in rating_report


def rating_report(data: Prepared, split: RatingSplit, model: TargetRatingModel | None = None,
                  threshold: float = LIKE_THRESHOLD) -> dict[str, RatingMetrics]:
    """Figures on `split.test` for each baseline (fit on `split.known`) and, if given, the model."""
    require_ratings(data)
    true = data.ratings[split.test]
    users, items = users_of(data, split.test), data.items[split.test]
    out = {name: rating_metrics(fit_baseline(name, data, split).predict(users, items), true, threshold)
           for name in BASELINES}
    if model is not None:
        out[MODEL_ROW] = rating_metrics(predict_ratings(model, data, split.test, split.known), true, threshold)
    return out


def predict_for_user(model: TargetRatingModel, data: Prepared, user: int, candidates) -> np.ndarray:
    """Predicted ratings (C,) of candidate item indices for user index `user`, from their whole rated
    history (the Explain page's "predicted rating" beside each recommendation)."""
    require_ratings(data)
    cand = torch.as_tensor(np.asarray(candidates, dtype=np.int64))
    seq = data.seq(user)[-model.cfg.max_len:]
    r = data.ratings[data.offsets[user]:data.offsets[user + 1]][-model.cfg.max_len:]
    pad = model.cfg.max_len - len(seq)
    items = torch.tensor(np.concatenate([np.zeros(pad, np.int64), seq]))[None].expand(len(cand), -1)
    ratings = torch.tensor(np.concatenate([np.zeros(pad, np.float32), r]))[None].expand(len(cand), -1)
    users = torch.full((len(cand),), int(user), dtype=torch.long)
    device = next(model.parameters()).device
    model.eval()
    return model.predict(users.to(device), items.to(device), ratings.to(device), cand.to(device)).cpu().numpy()
