"""Whom the model serves badly, and how much it pushes what is popular.

Slices: NDCG@10 and HR@10 on the held-out (test) item, by the one ranking path and evaluation protocol
(training/evaluate.rank_targets, full catalogue), grouped by the length of the history before it, by
the held-out item's popularity decile (1 = the 10% most interacted items, counted in the histories
before the held-out items) and by its category (an item in several categories counts in each). Each
with a 95% interval: NDCG's mean +- 1.96 standard errors, HR's Wilson interval.

Reach (of the population's top-K, from the sweep): the share of recommendations that are among the
10% most interacted items against those items' share of all interactions, and catalogue coverage.
"""
from dataclasses import asdict, dataclass

import numpy as np

from ..data.preprocess import Prepared, split_ends
from ..explain.dataset_faithfulness import Interval, mean_interval, wilson_interval
from ..training.evaluate import rank_targets
from .flows import MAX_CATEGORIES
from .sweep import Chunk

LENGTH_EDGES = (5, 10, 20, 50, 100, 200, 500)  # history-length buckets: <= 5, 6-10, ..., > 500
TOP_SHARE = 0.10  # "popular": the 10% most interacted items


@dataclass
class SliceRow:
    group: str
    users: int
    ndcg: Interval  # NDCG@10
    hr: Interval  # HR@10

    def to_json(self) -> dict:
        return {"group": self.group, "users": self.users, "ndcg@10": asdict(self.ndcg), "hr@10": asdict(self.hr)}


@dataclass
class Slices:
    overall: SliceRow
    by_length: list[SliceRow]
    by_popularity: list[SliceRow]
    by_category: list[SliceRow]  # empty when the catalogue has no categories

    def to_json(self) -> dict:
        return {"overall": self.overall.to_json(), **{key: [r.to_json() for r in getattr(self, key)]
                                                     for key in ("by_length", "by_popularity", "by_category")}}


@dataclass
class Reach:
    recommendations: int
    popular_items: int  # the 10% most interacted items
    popular_share_of_recommendations: float
    popular_share_of_interactions: float
    distinct_recommended: int
    catalogue: int

    @property
    def coverage(self) -> float:
        return self.distinct_recommended / self.catalogue if self.catalogue else 0.0

    def to_json(self) -> dict:
        return {**asdict(self), "coverage": round(self.coverage, 4)}


def _row(group: str, ranks: np.ndarray) -> SliceRow:
    hit = ranks < 10
    ndcg = np.where(hit, 1 / np.log2(ranks + 2), 0.0)  # as training/metrics.metrics_from_ranks
    m = mean_interval(ndcg)  # the normal approximation can pass 0 or 1 on a small slice: NDCG cannot
    clipped = Interval(m.value, max(0.0, m.low), min(1.0, m.high)) if m.low == m.low else m
    return SliceRow(group, len(ranks), clipped, wilson_interval(int(hit.sum()), len(ranks)))


def _length_label(lo: int, hi: int | None) -> str:
    return f"> {lo}" if hi is None else (f"<= {hi}" if lo == 0 else f"{lo + 1}-{hi}")


def popularity(data: Prepared) -> np.ndarray:
    """(N+1,) interactions per item in the histories before each user's held-out item."""
    ends, _ = split_ends(data, "test")
    keep = np.ones(len(data.items), dtype=bool)
    keep[ends] = False
    return np.bincount(data.items[keep], minlength=data.n_items + 1)


def slices(model, data: Prepared, max_len: int, users: np.ndarray, progress=None) -> Slices:
    ranks = rank_targets(model, data, "test", "full", users=users, max_len=max_len, progress=progress)
    ends, targets = split_ends(data, "test")
    targets, lengths = targets[users], (ends - data.offsets[:-1])[users]
    by_length = []
    for lo, hi in zip((0, *LENGTH_EDGES), (*LENGTH_EDGES, None)):
        m = (lengths > lo) & (True if hi is None else lengths <= hi)
        if m.any():
            by_length.append(_row(_length_label(lo, hi), ranks[m]))
    counts = popularity(data)
    order = np.argsort(-counts[1:], kind="stable") + 1  # items, most interacted first
    decile = np.zeros(data.n_items + 1, dtype=np.int64)
    decile[order] = np.arange(data.n_items) * 10 // data.n_items + 1
    by_pop = [_row(f"decile {d}", ranks[decile[targets] == d]) for d in range(1, 11) if (decile[targets] == d).any()]
    cats: dict[str, list[int]] = {}
    for j, t in enumerate(targets):
        for c in str(data.categories[t]).split("|"):
            if c.strip():
                cats.setdefault(c, []).append(j)
    named = sorted(cats, key=lambda c: (-len(cats[c]), c))[:MAX_CATEGORIES]
    return Slices(overall=_row("all users", ranks), by_length=by_length, by_popularity=by_pop,
                  by_category=[_row(c, ranks[cats[c]]) for c in named])


class ReachTally:
    def __init__(self, data: Prepared):
        self.data = data
        self.times = np.zeros(data.n_items + 1, dtype=np.int64)

    def add(self, c: Chunk):
        np.add.at(self.times, c.items[c.valid].numpy(), 1)

    def finish(self) -> Reach:
        counts = np.bincount(self.data.items, minlength=self.data.n_items + 1)
        n_top = max(1, int(round(TOP_SHARE * self.data.n_items)))
        top = np.argsort(-counts[1:], kind="stable")[:n_top] + 1
        total = int(self.times.sum())
        return Reach(recommendations=total, popular_items=n_top,
                     popular_share_of_recommendations=round(float(self.times[top].sum()) / total, 4) if total else 0.0,
                     popular_share_of_interactions=round(float(counts[top].sum()) / max(1, int(counts.sum())), 4),
                     distinct_recommended=int((self.times[1:] > 0).sum()), catalogue=self.data.n_items)
