"""The look-back profile: how far back in the history a model looks, over a whole population.

For each number of steps back s (1 = the latest item), summed over every recommendation:
    soft[s]       attention's soft weight on the item s back
    hard[s]       recommendations whose hard pick (or argmax) is the item s back
    influence[s]  the score drop when the item s back is removed (the removal test)
    layers[l][s]  (self-attention stacks) layer l's last-position row, mean over heads, once per user
each reported as its share of its own total (of the sizes, for influence: see _shares), so the curves
compare; `reach[s]` counts the recommendations whose history reaches s back at all (a curve falls
there partly because fewer do).
`planted[s]`: on the embedded shop, the share of planted follow-ups bought s steps after their trigger:
where the generator put what attention should find.
"""
from dataclasses import dataclass

import numpy as np

from ..data.preprocess import Prepared
from .sweep import Chunk


@dataclass
class Profile:
    steps_back: list[int]  # 1 .. max_len
    influence: list[float]  # shares of the total size of the score drops (negative: removing raises it)
    soft: list[float] | None  # shares of the attention mass (None: no focused attention)
    hard: list[float] | None  # shares of the hard picks
    layers: list[list[float]] | None  # per layer, shares of its last-position row's mass
    reach: list[int]  # recommendations whose history reaches this far back
    planted: list[float] | None  # shares of planted follow-ups at this distance from their trigger

    def to_json(self) -> dict:
        return dict(self.__dict__)

    def within(self, curve: str, steps: int) -> float | None:
        """The share of `curve` ("influence", "soft", "hard", "planted") at 1..steps back."""
        values = getattr(self, curve)
        return None if values is None else float(sum(values[:steps]))


def _shares(x: np.ndarray) -> list[float]:
    """x over the sum of its sizes: shares that sum to 1 when nothing is negative, and a negative share
    where removing items raises the score (a signed total could be near 0, or below it)."""
    total = float(np.abs(x).sum())
    return [round(float(v) / total, 6) if total else 0.0 for v in x]


def planted_distances(data: Prepared, max_steps: int) -> np.ndarray | None:
    """(max_steps + 1,) counts of planted follow-ups by steps after their trigger (index 0 unused; longer
    distances are clipped into the last), from the generator's `cause` column; None without one."""
    if data.causes is None:
        return None
    index = data.item_index()
    out = np.zeros(max_steps + 1)
    for u in range(data.n_users):
        lo, hi = data.offsets[u], data.offsets[u + 1]
        where = {int(i): p for p, i in enumerate(data.items[lo:hi])}
        for p, cause in enumerate(data.causes[lo:hi]):
            trig = index.get(str(cause))
            if trig is not None and trig in where and where[trig] < p:
                out[min(p - where[trig], max_steps)] += 1
    return out if out.sum() else None


class ProfileTally:
    def __init__(self, max_len: int):
        self.L = max_len
        self.influence, self.reach = np.zeros(max_len + 1), np.zeros(max_len + 1, dtype=np.int64)
        self.soft = self.hard = self.layers = None

    def _by_back(self, values: np.ndarray, c: Chunk) -> np.ndarray:
        """values (W,) summed over rows -> (L + 1,) indexed by steps back."""
        out = np.zeros(self.L + 1)
        np.add.at(out, c.steps_back.numpy(), values)
        return out

    def add(self, c: Chunk):
        real = c.real
        self.influence += self._by_back((c.influence * real).sum((0, 1)).double().numpy(), c)
        self.reach += self._by_back(real.sum((0, 1)).double().numpy(), c).astype(np.int64)
        if c.soft is not None:
            soft = self._by_back((c.soft * real).sum((0, 1)).double().numpy(), c)
            hard = self._by_back((c.hard * real).sum((0, 1)).double().numpy(), c)
            self.soft = soft if self.soft is None else self.soft + soft
            self.hard = hard if self.hard is None else self.hard + hard
        if c.layers is not None:
            rows = [self._by_back(m.sum(0).double().numpy(), c) for m in c.layers]
            self.layers = rows if self.layers is None else [a + b for a, b in zip(self.layers, rows)]

    def finish(self, planted: np.ndarray | None = None) -> Profile:
        return Profile(steps_back=list(range(1, self.L + 1)), influence=_shares(self.influence[1:]),
                       soft=None if self.soft is None else _shares(self.soft[1:]),
                       hard=None if self.hard is None else _shares(self.hard[1:]),
                       layers=None if self.layers is None else [_shares(x[1:]) for x in self.layers],
                       reach=[int(x) for x in self.reach[1:]],
                       planted=None if planted is None else _shares(planted[1:self.L + 1]))
