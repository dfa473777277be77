"""Rating accuracy: MAE, RMSE, and precision/recall/F1 of "liked" items.

Liked: rated at least `threshold` (default 4 on a 1-5 scale). Over a set of held-out interactions,
an interaction is predicted liked when its predicted rating is >= threshold and truly liked when its
true rating is >= threshold; then
    precision = TP / (TP + FP)   recall = TP / (TP + FN)   F1 = 2 P R / (P + R)
with 0 where a denominator is 0 (nothing predicted liked, nothing truly liked).
"""
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import check_number

LIKE_THRESHOLD = 4.0  # "liked" on MovieLens' 1-5 stars: 4 and 5


@dataclass(frozen=True)
class RatingMetrics:
    mae: float
    rmse: float
    precision: float  # of liked items, see the module docstring
    recall: float
    f1: float
    n: int  # held-out interactions scored
    like_threshold: float

    def to_dict(self) -> dict:
        return asdict(self)


def rating_metrics(predicted, true, threshold: float = LIKE_THRESHOLD) -> RatingMetrics:
    """predicted, true: (n,) ratings of the same held-out interactions."""
    check_number("like_threshold", threshold)
    p, t = np.asarray(predicted, dtype=np.float64), np.asarray(true, dtype=np.float64)
    if p.shape != t.shape or p.ndim != 1:
        raise ValueError(f"predicted {p.shape} and true {t.shape} must be the same 1-d shape")
    if len(p) == 0:
        return RatingMetrics(mae=float("nan"), rmse=float("nan"), precision=0.0, recall=0.0, f1=0.0, n=0,
                             like_threshold=float(threshold))
    err = p - t
    pred_like, true_like = p >= threshold, t >= threshold
    tp = int((pred_like & true_like).sum())
    precision = tp / int(pred_like.sum()) if pred_like.any() else 0.0
    recall = tp / int(true_like.sum()) if true_like.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return RatingMetrics(mae=float(np.abs(err).mean()), rmse=float(np.sqrt((err ** 2).mean())),
                         precision=precision, recall=recall, f1=f1, n=len(p), like_threshold=float(threshold))
