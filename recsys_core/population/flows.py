"""Category flows: how much of the recommendations' attention mass and measured influence goes from
each history category to each recommended category, over the whole population.

An item with several categories ("Action|Comedy") splits its share evenly among them, on both sides.
The most interacted categories (MAX_CATEGORIES) keep their names; the rest are summed as "other", and
items without a category as "(no category)". A catalogue without any category gives no flows.

    flow[a, b] = sum over users, recommendations r and history items h of
                 value(h -> r) * share(h in a) * share(r in b)
with value the soft attention weight (attention) or the score drop when h is removed (influence).
"""
from dataclasses import dataclass

import numpy as np
import torch

from ..data.preprocess import Prepared
from .sweep import Chunk

MAX_CATEGORIES = 16  # a matrix people can read (the embedded shop has 15, MovieLens 20 genres); the rest: "other"
OTHER, NONE = "other", "(no category)"


@dataclass
class Flows:
    categories: list[str]  # rows (history) and columns (recommended) alike
    influence: list[list[float]]  # [history category][recommended category] total score drop
    attention: list[list[float]] | None  # total soft attention mass (None: no focused attention)

    def to_json(self) -> dict:
        return {"categories": self.categories, "influence": self.influence, "attention": self.attention}

    def strongest(self, by: str = "influence", across: bool = False) -> tuple[str, str, float, float] | None:
        """(history category, recommended category, value, its share of the matrix's total size) of the
        largest cell (across: the largest between two different categories); None when none is positive."""
        m = np.asarray(self.influence if by == "influence" else self.attention, dtype=np.float64)
        total = np.abs(m).sum()
        if across:
            m = m.copy()
            np.fill_diagonal(m, -np.inf)
        if m.size == 0 or m.max() <= 0:
            return None
        a, b = np.unravel_index(int(np.argmax(m)), m.shape)
        return self.categories[a], self.categories[b], float(m[a, b]), float(m[a, b] / total)


def category_shares(data: Prepared, max_categories: int = MAX_CATEGORIES) -> tuple[list[str], torch.Tensor] | None:
    """(names, shares (N+1, C)): each item's share in each named category (rows sum to 1; padding 0);
    None when no item has a category."""
    lists = [[c for c in str(x).split("|") if c.strip()] for x in data.categories]
    if not any(lists[1:]):
        return None
    counts = np.bincount(data.items, minlength=data.n_items + 1).astype(np.float64)
    mass: dict[str, float] = {}
    for i in range(1, data.n_items + 1):
        for c in lists[i]:
            mass[c] = mass.get(c, 0.0) + counts[i] / len(lists[i])
    named = sorted(mass, key=lambda c: (-mass[c], c))[:max_categories]
    extra = [OTHER] if len(mass) > len(named) else []
    extra += [NONE] if any(not x for x in lists[1:]) else []
    names = named + extra
    col = {c: j for j, c in enumerate(names)}
    shares = torch.zeros(data.n_items + 1, len(names))
    for i in range(1, data.n_items + 1):
        cats = lists[i] or [NONE]
        for c in cats:
            shares[i, col.get(c, col.get(OTHER, 0))] += 1.0 / len(cats)
    return names, shares


class FlowTally:
    def __init__(self, data: Prepared):
        found = category_shares(data)
        self.names, self.shares = found if found else (None, None)
        self.influence = self.attention = None

    @property
    def has_categories(self) -> bool:
        return self.names is not None

    def _flow(self, values: torch.Tensor, c: Chunk) -> torch.Tensor:
        hist = self.shares[c.seq]  # (B, W, C)
        rec = self.shares[c.items] * c.valid[:, :, None]  # (B, K, C)
        from_cat = torch.einsum("bkw,bwc->bkc", values.double() * c.real, hist.double())  # (B, K, C)
        return torch.einsum("bkc,bkd->cd", from_cat, rec.double())  # (C, C)

    def add(self, c: Chunk):
        if not self.has_categories:
            return
        f = self._flow(c.influence, c)
        self.influence = f if self.influence is None else self.influence + f
        if c.soft is not None:
            a = self._flow(c.soft, c)
            self.attention = a if self.attention is None else self.attention + a

    def finish(self) -> Flows | None:
        if not self.has_categories or self.influence is None:
            return None
        def rows(m):
            return [[round(float(v), 6) for v in r] for r in m.tolist()]
        return Flows(categories=self.names, influence=rows(self.influence),
                     attention=None if self.attention is None else rows(self.attention))
