"""Counterfactuals for one recommendation, every claim verified by re-scoring the edited history.

  drop_counterfactual   the smallest set of history items whose removal drops a recommended item out
                        of the top k: removals in each explainer's order (prefixes of it, at most
                        `max_removals`), all re-scored in one batched pass; the shortest prefix wins
                        (ties: the one that pushes the item furthest down), "none found within N" otherwise
  why_not               for an item outside the top k: the history items holding it down (removing
                        each alone raises its score, by occlusion) and whether removing up to N of
                        them, strongest first, brings it into the top k
Positions are 0-based over the visible history, oldest first; ranks are 0-based among the items the
user has not interacted with, removals by the one removal rule (removal.py), as the what-if editor.
"""
from dataclasses import asdict, dataclass

import numpy as np
import torch

from .removal import Viewed, rescore

MAX_REMOVALS = 5  # "a few removals": beyond that a counterfactual says little about one recommendation


@dataclass
class Step:
    removed: list[int]  # positions removed so far
    score: float
    rank: int


@dataclass
class Counterfactual:
    kind: str  # "drop" (leave the top k) or "why-not" (enter it)
    top_k: int
    rank_before: int
    score_before: float
    found: bool
    removed: list[int]  # the verified set (empty when not found)
    rank_after: int | None  # rank with `removed` taken out, re-scored (None when not found)
    max_removals: int
    order_from: str  # the explainer whose order was followed ("occlusion" for why-not)
    steps: list[Step]  # every prefix tried along the chosen order, re-scored
    holding_down: list[tuple[int, float]] | None = None  # why-not: (position, score gain if removed)

    def to_json(self) -> dict:
        out = asdict(self)
        if self.holding_down is None:
            del out["holding_down"]
        else:
            out["holding_down"] = [{"position": p, "score_gain": g} for p, g in self.holding_down]
        return out


def _prefix_rows(seq: torch.Tensor, n: int, order: np.ndarray, upto: int) -> torch.Tensor:
    """(upto + 1, L) bool: nothing removed, then order[:1], order[:2], ..."""
    L = seq.shape[1]
    drop = torch.zeros(upto + 1, L, dtype=torch.bool, device=seq.device)
    for k in range(1, upto + 1):
        drop[k:, L - n + int(order[k - 1])] = True  # row j has the first j items of the order removed
    return drop


def _steps(order, s, r, upto) -> list[Step]:
    return [Step(removed=[int(p) for p in order[:k]], score=float(s[k]), rank=int(r[k])) for k in range(upto + 1)]


@torch.no_grad()
def drop_counterfactual(model, base: Viewed, item: int, orders: dict, top_k: int = 10,
                        max_removals: int = MAX_REMOVALS) -> Counterfactual:
    """orders {explainer: positions most important first}; base: the history and what the user has."""
    seq, n = base.seq, base.n
    upto = min(max_removals, n)
    names = list(orders)
    rows = torch.cat([_prefix_rows(seq, n, np.asarray(orders[name]), upto) for name in names])
    s, r = rescore(model, base, rows, item)
    s, r = s.reshape(len(names), upto + 1), r.reshape(len(names), upto + 1)
    best, best_key = 0, None
    for j in range(len(names)):
        out = np.flatnonzero(r[j, 1:] >= top_k)
        key = (int(out[0]) + 1, -r[j, out[0] + 1]) if len(out) else (upto + 1, -r[j, upto])
        if best_key is None or key < best_key:
            best, best_key = j, key
    k = best_key[0]
    found = k <= upto and r[best, 0] < top_k
    order = np.asarray(orders[names[best]])
    return Counterfactual(kind="drop", top_k=top_k, rank_before=int(r[best, 0]), score_before=float(s[best, 0]),
                          found=bool(found), removed=[int(p) for p in order[:k]] if found else [],
                          rank_after=int(r[best, k]) if found else None, max_removals=upto,
                          order_from=names[best], steps=_steps(order, s[best], r[best], upto))


@torch.no_grad()
def why_not(model, base: Viewed, item: int, occlusion: np.ndarray, top_k: int = 10,
            max_removals: int = MAX_REMOVALS) -> Counterfactual:
    """occlusion (n,): score drop when each item is removed (negative: its removal raises the score)."""
    seq, n = base.seq, base.n
    occlusion = np.asarray(occlusion, dtype=np.float64)
    down = [int(p) for p in np.argsort(occlusion, kind="stable") if occlusion[p] < 0]
    upto = min(max_removals, len(down))
    s, r = rescore(model, base, _prefix_rows(seq, n, np.asarray(down, dtype=int), upto), item)
    inside = np.flatnonzero(r[1:] < top_k)
    found = len(inside) > 0 and r[0] >= top_k
    k = int(inside[0]) + 1 if found else 0
    return Counterfactual(kind="why-not", top_k=top_k, rank_before=int(r[0]), score_before=float(s[0]), found=bool(found),
                          removed=down[:k], rank_after=int(r[k]) if found else None, max_removals=upto,
                          order_from="occlusion", steps=_steps(down, s, r, upto),
                          holding_down=[(p, float(-occlusion[p])) for p in down])
