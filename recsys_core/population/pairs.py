"""Because-of pairs: which history item drives which recommendation, over a whole population.

Every (user, recommendation, history item) of the sweep counts once: the pair (history item ->
recommended item) adds the recommendation's measured score drop when that item is removed (the removal
test: signed, so an item that holds a recommendation down subtracts). Pairs are ranked by that total.
Beside it: the users the pair covers (the recommendation in their top-K with the item in view), how
often the item is the removal test's top item for them, how often it is attention's top item, and on
the embedded shop whether the pair is a planted trigger -> follow-up (planted_precision: the share of
the top k pairs that are).
"""
from dataclasses import asdict, dataclass, field

import numpy as np

from ..data.preprocess import Prepared
from .sweep import Chunk

EXAMPLE_USERS = 5  # users listed per pair, the largest influence first


@dataclass
class Pair:
    history_item: str  # item ids, as the dataset names them
    history_title: str
    history_category: str
    item: str  # the recommended item
    title: str
    category: str
    influence: float  # total score drop over the population when the history item is removed
    users: int  # users whose top-K holds `item` while `history_item` is in view
    top_by_removal: int  # of them, users for whom this item's removal lowers the score most (and by > 0)
    top_by_attention: int | None  # ... for whom attention's top item is this one (None: no focused attention)
    planted: bool | None  # a planted trigger -> follow-up pair (None: no planted truth for this data)
    example_users: list[str] = field(default_factory=list)

    @property
    def mean_influence(self) -> float:
        return self.influence / self.users if self.users else 0.0

    def to_json(self) -> dict:
        return {**asdict(self), "mean_influence": round(self.mean_influence, 6)}


@dataclass(frozen=True)
class PlantedPrecision:
    k: int  # pairs looked at (the top k by total influence, fewer when fewer exist)
    hits: int  # of those, planted trigger -> follow-up pairs

    @property
    def precision(self) -> float:
        return self.hits / self.k if self.k else 0.0

    def to_json(self) -> dict:
        return {"k": self.k, "hits": self.hits, "precision": round(self.precision, 4)}


def _first_max(values, real) -> np.ndarray:
    """(B, K, W) bool: the first position of each row's largest value over real items."""
    v = values.masked_fill(~real, float("-inf"))
    top = v.argmax(-1, keepdim=True)
    out = np.zeros(v.shape, dtype=bool)
    np.put_along_axis(out, top.numpy(), True, axis=-1)
    return out & real.numpy()


class PairTally:
    """Collects the sweep's rows; `finish` ranks the pairs."""

    def __init__(self, data: Prepared, planted: dict | None = None):
        self.data, self.planted = data, planted or {}
        self.parts: list[dict] = []  # per chunk: one entry per (user, recommendation, history item)

    def add(self, c: Chunk):
        real = c.real
        m = real.numpy()
        B, K, W = real.shape
        hist = np.broadcast_to(c.seq.numpy()[:, None, :], (B, K, W))
        rec = np.broadcast_to(c.items.numpy()[:, :, None], (B, K, W))
        user = np.broadcast_to(np.asarray(c.users)[:, None, None], (B, K, W))
        infl = c.influence.numpy()
        by_removal = _first_max(c.influence, real) & (c.influence.numpy() > 0)
        part = {"hist": hist[m], "rec": rec[m], "user": user[m], "infl": infl[m], "removal": by_removal[m]}
        if c.soft is not None:
            part["attention"] = _first_max(c.soft, real)[m]
        self.parts.append(part)

    def finish(self, n: int = 100) -> list[Pair]:
        """The n pairs with the largest total influence, largest first (ties: by item indices); only pairs
        whose total is positive."""
        if not self.parts:
            return []
        col = {key: np.concatenate([p[key] for p in self.parts]) for key in self.parts[0]}
        width = self.data.n_items + 1
        keys = col["hist"].astype(np.int64) * width + col["rec"]
        uniq, inv = np.unique(keys, return_inverse=True)
        total = np.bincount(inv, weights=col["infl"], minlength=len(uniq))
        users = np.bincount(np.unique(inv * np.int64(self.data.n_users) + col["user"]) // self.data.n_users,
                            minlength=len(uniq))
        removal = np.bincount(inv, weights=col["removal"], minlength=len(uniq))
        attention = np.bincount(inv, weights=col["attention"], minlength=len(uniq)) if "attention" in col else None
        best = np.lexsort((uniq, -total))[:n]
        best = best[total[best] > 0]  # a pair whose removals do not lower the recommendation drives nothing
        order = np.lexsort((-col["infl"], inv))  # rows grouped by pair, the largest influence first
        starts = np.searchsorted(inv[order], best)
        rows = [order[s:s + EXAMPLE_USERS * 4] for s in starts]  # enough rows for EXAMPLE_USERS distinct users
        return [self._pair(int(uniq[i]) // width, int(uniq[i]) % width, float(total[i]), int(users[i]),
                           int(removal[i]), None if attention is None else int(attention[i]),
                           self._examples(col["user"][r][inv[r] == i]))
                for i, r in zip(best, rows)]

    def _examples(self, users: np.ndarray) -> list[str]:
        """Distinct user ids, in order, at most EXAMPLE_USERS."""
        out = []
        for u in users:
            uid = str(self.data.user_ids[u])
            if uid not in out:
                out.append(uid)
            if len(out) == EXAMPLE_USERS:
                break
        return out

    def _pair(self, h: int, r: int, total: float, users: int, removal: int, attention, examples) -> Pair:
        d = self.data
        return Pair(history_item=str(d.item_ids[h]), history_title=str(d.titles[h]), history_category=str(d.categories[h]),
                    item=str(d.item_ids[r]), title=str(d.titles[r]), category=str(d.categories[r]),
                    influence=round(total, 6), users=users, top_by_removal=removal, top_by_attention=attention,
                    planted=(self.planted.get(r) == h) if self.planted else None, example_users=examples)


def planted_precision(pairs: list[Pair], k: int = 20) -> PlantedPrecision | None:
    """Of the top k pairs (by total influence), how many the generator planted; None without planted truth."""
    top = pairs[:k]
    if not top or top[0].planted is None:
        return None
    return PlantedPrecision(k=len(top), hits=sum(bool(p.planted) for p in top))
