"""The embedded shop's planted truth, per explainer: over users whose held-out (test) item is a
planted follow-up with its trigger in view, hit@1 and hit@3 of the trigger in each explainer's
ranking of the history. Ties count fairly (a trigger tied with t items for the last of k places
scores the chance it would be drawn), so `uniform` scores chance, never a lucky tie-break."""
from dataclasses import dataclass, field

import numpy as np
import torch

from ..data.preprocess import split_ends
from ..store.opened import Loaded
from .explainers import EXPLAINERS, chosen
from .removal import Viewed, stacked


@dataclass
class PlantedCases:
    """The test cases whose held-out item is a planted follow-up with its trigger in the model's view."""
    seq: torch.Tensor  # (B, L) the history before the held-out item
    follow_up: torch.Tensor  # (B, 1) the held-out item: a planted follow-up
    position: torch.Tensor  # (B,) its trigger's position in seq
    older: torch.Tensor  # (B, E) the items before the window (removals let them slide in)

    def __len__(self) -> int:
        return len(self.seq)


@dataclass(frozen=True)
class HitRate:
    hit_at_1: float  # expected share of cases whose trigger is the explainer's top item
    hit_at_3: float  # ... among its top 3

    def to_json(self) -> dict:
        return {"hit@1": self.hit_at_1, "hit@3": self.hit_at_3}


@dataclass
class PlantedHits:
    cases: int
    chance_at_1: float  # hit@1 of a random pick
    chance_at_3: float
    by_explainer: dict[str, HitRate] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"cases": self.cases, "chance@1": self.chance_at_1, "chance@3": self.chance_at_3,
                "by_explainer": {k: v.to_json() for k, v in self.by_explainer.items()}}


def planted_cases(loaded: Loaded, planted: dict) -> PlantedCases | None:
    """The test cases (None when there are none)."""
    data, L = loaded.data, loaded.max_len
    device = next((p.device for p in loaded.model.parameters()), torch.device("cpu"))
    ends, targets = split_ends(data, "test")
    views, cands, pos = [], [], []
    for u, (e, t) in enumerate(zip(ends, targets)):
        if int(t) not in planted:
            continue
        hist = data.items[max(data.offsets[u], e - L):e]
        where = np.flatnonzero(hist == planted[int(t)])
        if len(where):
            views.append(Viewed.of(data.items[data.offsets[u]:e], L, data.n_items, device))
            cands.append(int(t))
            pos.append(L - len(hist) + int(where[-1]))
    if not views:
        return None
    seq, older = stacked(views)
    return PlantedCases(seq, torch.tensor(cands, device=device)[:, None], torch.tensor(pos, device=device), older)


def hit_at(importance: torch.Tensor, seq: torch.Tensor, pos: torch.Tensor, k: int) -> torch.Tensor:
    """(B,) expected hit@k of position `pos` in importance (B, L) over real items, ties drawn at random."""
    imp = importance.float().masked_fill(seq == 0, float("-inf"))
    mine = imp.gather(1, pos[:, None])  # (B, 1)
    greater = (imp > mine).sum(1).float()
    tied = (imp == mine).sum(1).float()
    return ((k - greater) / tied).clamp(0, 1)


def planted_hits(loaded: Loaded, planted: dict, names=None) -> PlantedHits | None:
    """Each explainer's hit@1 and hit@3 of the planted trigger (None without cases)."""
    cases = planted_cases(loaded, planted) if planted else None
    if cases is None:
        return None
    seq, pos = cases.seq, cases.position
    out = {}
    for name in chosen(loaded.model, names):
        imp = EXPLAINERS[name](loaded.model, seq, cases.follow_up, cases.older)[:, 0]  # (B, L)
        out[name] = HitRate(*(round(float(hit_at(imp, seq, pos, k).mean()), 4) for k in (1, 3)))
    n_real = (seq > 0).sum(1).float()
    return PlantedHits(cases=len(cases), chance_at_1=round(float((1 / n_real).mean()), 4),
                       chance_at_3=round(float((3 / n_real).clamp(max=1).mean()), 4), by_explainer=out)
