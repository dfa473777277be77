"""The rating baselines: global mean, user mean, item mean of the known (training) ratings.

A user or item with no known rating gets the global mean.
"""
from dataclasses import dataclass

import numpy as np

from ..data.preprocess import Prepared
from .split import RatingSplit, users_of

BASELINES = ("global mean", "user mean", "item mean")


@dataclass
class MeanBaseline:
    name: str  # one of BASELINES
    mean: float  # global mean of the known ratings
    by_user: np.ndarray | None  # (U,) mean rating per user index (NaN: none known), for "user mean"
    by_item: np.ndarray | None  # (N+1,) mean rating per item index, for "item mean"

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """(n,) user indices and (n,) item indices -> (n,) predicted ratings."""
        table, keys = (self.by_user, users) if self.by_user is not None else (self.by_item, items)
        if table is None:
            return np.full(len(users), self.mean)
        out = table[np.asarray(keys)]
        return np.where(np.isnan(out), self.mean, out)


def _group_mean(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    counts = np.bincount(keys, minlength=size)
    sums = np.bincount(keys, weights=values, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def fit_baseline(name: str, data: Prepared, split: RatingSplit) -> MeanBaseline:
    """Fit one baseline on the split's known ratings (everything not held out for the test)."""
    if name not in BASELINES:
        raise ValueError(f"unknown rating baseline {name!r}; choose one of {', '.join(BASELINES)}")
    known = np.flatnonzero(split.known)
    r = data.ratings[known].astype(np.float64)
    mean = float(r.mean())
    by_user = _group_mean(users_of(data, known), r, data.n_users) if name == "user mean" else None
    by_item = _group_mean(data.items[known], r, data.n_items + 1) if name == "item mean" else None
    return MeanBaseline(name=name, mean=mean, by_user=by_user, by_item=by_item)
