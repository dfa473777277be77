"""Which ratings are held out, and the history each rating is predicted from.

Two splits, over the flat interactions of a `Prepared` dataset:
- `random_split`: a random 80/20 split of all rated interactions (fixed seed), the split the classic
  matrix-factorisation figures use (ml-100k RMSE about 0.91-0.94). 10% of the 80% is set aside for
  early stopping.
- `leave_one_out`: the ranking metrics' split: each user's last interaction is the test, the one
  before it the validation, the rest training (preprocess.split_ends).

A rating is predicted from the user's history: their known interactions strictly earlier in their
sequence, with those ratings, the most recent `max_len` of them. Training targets and validation see
only `fit` interactions as history; test targets see every `known` one (for leave-one-out: the
validation item too, as in the ranking test).
"""
from dataclasses import dataclass

import numpy as np
import torch

from ..data.preprocess import Prepared
from ..errors import DataError, check_number


@dataclass
class RatingSplit:
    name: str  # says which split, for reports: "random 80/20 (seed 0)" or "leave-one-out (last item per user)"
    fit: np.ndarray  # (I,) bool: training targets, and the history of training and validation targets
    valid: np.ndarray  # (V,) flat positions used for early stopping
    test: np.ndarray  # (T,) flat positions held out for the reported figures
    known: np.ndarray  # (I,) bool: every rating not in `test`: the test history, and what baselines fit
    spec: dict  # how to make it again (`split_from`), JSON-able: {"kind": "loo"} or {"kind": "random", ...}


def require_ratings(data: Prepared):
    if data.ratings is None:
        raise DataError(f"{data.name}: rating prediction needs ratings, and this dataset has none. "
                        "Fix: use a dataset with a rating column (e.g. MovieLens), or drop --ratings.")


def random_split(data: Prepared, test_share: float = 0.2, valid_share: float = 0.1, seed: int = 0) -> RatingSplit:
    """Random held-out interactions: `test_share` of all, and `valid_share` of the rest for early stopping."""
    require_ratings(data)
    check_number("test_share", test_share, low=0, high=1, low_open=True, high_open=True)
    check_number("valid_share", valid_share, low=0, high=1, high_open=True)
    n = len(data.items)
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(test_share * n)))
    n_valid = int(round(valid_share * (n - n_test)))
    test, valid = np.sort(order[:n_test]), np.sort(order[n_test:n_test + n_valid])
    known = np.ones(n, bool)
    known[test] = False
    fit = known.copy()
    fit[valid] = False
    pct = int(round(100 * test_share))
    spec = {"kind": "random", "test_share": test_share, "valid_share": valid_share, "seed": seed}
    return RatingSplit(name=f"random {100 - pct}/{pct} (seed {seed})", fit=fit, valid=valid, test=test, known=known,
                       spec=spec)


def leave_one_out(data: Prepared) -> RatingSplit:
    """The ranking metrics' split: test = each user's last interaction, validation = the one before."""
    require_ratings(data)
    ends = data.offsets[1:]
    test, valid = ends - 1, ends - 2
    known = np.ones(len(data.items), bool)
    known[test] = False
    fit = known.copy()
    fit[valid] = False
    return RatingSplit(name="leave-one-out (last item per user)", fit=fit, valid=valid, test=test, known=known,
                       spec={"kind": "loo"})


def split_from(data: Prepared, spec: dict) -> RatingSplit:
    """The split a spec describes (as saved with a rating model)."""
    if spec.get("kind") == "random":
        return random_split(data, spec["test_share"], spec["valid_share"], spec["seed"])
    return leave_one_out(data)


def users_of(data: Prepared, positions: np.ndarray) -> np.ndarray:
    """(n,) user index of each flat interaction position."""
    return np.searchsorted(data.offsets, positions, side="right") - 1


def histories(data: Prepared, source: np.ndarray, targets: np.ndarray, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded (B, max_len) item indices and ratings: for each target position, the user's `source`
    interactions strictly before it, most recent last. Padding is item 0 with rating 0."""
    targets = np.asarray(targets, dtype=np.int64)
    src = np.flatnonzero(source)
    before = np.cumsum(source) - source  # (I,) source positions strictly before each position, globally
    hi = before[targets]  # (B,) end (exclusive) of each target's history within `src`
    lo = before[data.offsets[users_of(data, targets)]]  # (B,) where the user's source positions start
    idx = hi[:, None] - max_len + np.arange(max_len)[None, :]  # (B, L) positions within `src`
    valid = idx >= lo[:, None]
    flat = src[np.clip(idx, 0, max(len(src) - 1, 0))] if len(src) else np.zeros_like(idx)
    items = np.where(valid, data.items[flat], 0)
    ratings = np.where(valid, data.ratings[flat], 0.0)
    return torch.from_numpy(items.astype(np.int64)), torch.from_numpy(ratings.astype(np.float32))
