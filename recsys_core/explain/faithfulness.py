"""Is an explanation faithful? For one recommendation and one explainer's ranking of the history:

  deletion curve    remove the history items in the explainer's order, re-score:
                    the item's score and rank after each removal; its area (trapezoid over the share
                    removed, 0..1) is lower when the explainer finds what the score rests on
  insertion curve   start from an empty history and add the items back in that order; area higher is better
  comprehensiveness@k  s(history) - s(history without the top k)      (DeYoung et al. 2020)
  sufficiency@k        s(history) - s(only the top k)                  (lower is better)
  AOPC              the mean of those over k in KS, as ferret's aopc_compr / aopc_suff over its k thresholds
  kendall_tau       tau-b between the explainer's importance and occlusion's (leave-one-out)
and the same numbers for random orders (their mean over RANDOM_ORDERS permutations) as the floor
(its rank curve is left NaN: ranking the whole catalogue for every random row would double the cost).

Removing items follows the one removal rule (removal.py: they go, the history closes the gap, and
they may be recommended again, as in the what-if editor); adding one back restores it in its original
order. Scores are the model's raw scores (logits over the catalogue), not probabilities. Ranks are
0-based among the items the user (still) has not interacted with, as in explain_user. Every variant of every order
is scored in batched forward passes; past the first max(KS) steps the curves are sampled at
MAX_POINTS evenly spaced cuts. Ties in importance are broken oldest first.
"""
from dataclasses import asdict, dataclass

import numpy as np
import torch

from .removal import Viewed, rescore

KS = (1, 3, 5)  # comprehensiveness / sufficiency after removing / keeping the top k
RANDOM_ORDERS = 5  # random permutations averaged for the floor
MAX_POINTS = 11  # curve points beyond the first KS steps (every 10%): a history of 200 is scored at 16 cuts, not 201


@dataclass
class Curve:
    k: list[int]  # items removed (deletion) or kept (insertion)
    score: list[float]
    rank: list[float] | None  # 0-based (None: not ranked, as for the random floor)


@dataclass
class Faithfulness:
    explainer: str
    deletion: Curve
    insertion: Curve
    deletion_area: float  # lower: the score falls faster when the top items go
    insertion_area: float  # higher: the score comes back faster when the top items return
    comprehensiveness: dict  # k -> score drop without the top k (higher is better)
    sufficiency: dict  # k -> score drop with only the top k (lower is better)
    aopc_comprehensiveness: float
    aopc_sufficiency: float
    kendall_tau: float | None  # against occlusion (None: undefined, e.g. all ties)

    def to_json(self) -> dict:
        out = asdict(self)
        out["comprehensiveness"] = {str(k): v for k, v in self.comprehensiveness.items()}
        out["sufficiency"] = {str(k): v for k, v in self.sufficiency.items()}
        return out


def order_of(importance: np.ndarray) -> np.ndarray:
    """History positions (0 = oldest visible) from most to least important; ties oldest first."""
    return np.argsort(-np.asarray(importance, dtype=np.float64), kind="stable")


def importance_of(order: np.ndarray) -> np.ndarray:
    """The inverse of order_of for a permutation: n for the first position in the order, 1 for the last."""
    imp = np.empty(len(order))
    imp[np.asarray(order)] = np.arange(len(order), 0, -1)
    return imp


def curve_points(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """0..n: every step up to max(KS), then about max_points evenly spaced cuts."""
    first = np.arange(min(n, max(KS)) + 1)
    return np.unique(np.concatenate([first, np.rint(np.linspace(0, n, max_points)).astype(int)]))


def trapezoid(y, x) -> float:
    y, x = np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)
    return float(((y[1:] + y[:-1]) * np.diff(x)).sum() / 2)


def kendall_tau(a, b) -> float | None:
    """Kendall's tau-b (ties in either ranking allowed); None when either side is all ties."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2:
        return None
    iu = np.triu_indices(len(a), 1)
    da, db = np.sign(a[:, None] - a[None, :])[iu], np.sign(b[:, None] - b[None, :])[iu]
    n1, n2 = int((da != 0).sum()), int((db != 0).sum())
    if n1 == 0 or n2 == 0:
        return None
    return float((da * db).sum() / np.sqrt(n1 * n2))


def _variants(seq: torch.Tensor, n: int, order: np.ndarray, ks: np.ndarray) -> torch.Tensor:
    """(2 * len(ks), L) bool, what each row removes: the deletion rows (the top k) then the insertion rows
    (everything but the top k)."""
    L = seq.shape[1]
    pos = torch.as_tensor(L - n + order, device=seq.device)  # padded positions, most important first
    place = torch.full((L,), L + 1, dtype=torch.long, device=seq.device)  # padding: never among the top k
    place[pos] = torch.arange(n, device=seq.device)  # each position's place in the order
    top = place[None, :] < torch.as_tensor(ks, device=seq.device)[:, None]  # (P, L) position within the top k
    real = seq > 0  # (1, L)
    return torch.cat([top & real, ~top & real])


def _summary(name, ks, n, dele, dr, ins, ir, tau) -> Faithfulness:
    base = dele[0] if ks[0] == 0 else np.nan  # ks always starts at 0: the full history
    at = {int(k): j for j, k in enumerate(ks)}
    comp = {k: float(base - dele[at[k]]) for k in KS if k in at and k <= n}
    suff = {k: float(base - ins[at[k]]) for k in KS if k in at and k <= n}
    x = ks / max(n, 1)
    return Faithfulness(
        explainer=name, deletion=Curve(ks.tolist(), dele.tolist(), dr.tolist()),
        insertion=Curve(ks.tolist(), ins.tolist(), ir.tolist()),
        deletion_area=trapezoid(dele, x), insertion_area=trapezoid(ins, x),
        comprehensiveness=comp, sufficiency=suff,
        aopc_comprehensiveness=float(np.mean(list(comp.values()))) if comp else float("nan"),
        aopc_sufficiency=float(np.mean(list(suff.values()))) if suff else float("nan"),
        kendall_tau=tau)


def faithfulness(model, base: Viewed, item: int, importance: dict, occlusion: np.ndarray | None = None,
                 random_orders: int = RANDOM_ORDERS, seed: int = 0, max_points: int = MAX_POINTS,
                 with_rank: bool = True) -> dict:
    """{explainer name: Faithfulness} plus "random" (the mean over random orders) for one recommendation.

    base: the history the model sees and what the user has (for ranks); importance {name: (n,)} over its n
    real items, oldest first; occlusion (n,): leave-one-out importance for kendall_tau (taken from
    importance["occlusion"] if absent)."""
    seq, n = base.seq, base.n
    if occlusion is None:
        occlusion = importance.get("occlusion")
    ks = curve_points(n, max_points)
    rng = np.random.default_rng(seed)
    orders = {name: order_of(imp) for name, imp in importance.items()}
    randoms = [rng.permutation(n) for _ in range(random_orders)]
    P = len(ks)

    def curves(order_list, ranked):
        if not order_list:
            return np.zeros((0, 2, P)), np.zeros((0, 2, P))
        drops = torch.cat([_variants(seq, n, o, ks) for o in order_list])  # (orders x 2P, L)
        s, r = rescore(model, base, drops, item, ranked)
        return s.reshape(len(order_list), 2, P), r.reshape(len(order_list), 2, P)

    # The random floor needs scores only (areas, AOPC): its rows skip the catalogue-wide ranking.
    s, r = curves(list(orders.values()), with_rank)
    rs_, rr_ = curves(randoms, False)
    s, r = np.concatenate([s, rs_]), np.concatenate([r, rr_])

    def tau(imp):
        return None if occlusion is None else kendall_tau(imp, occlusion)

    out = {name: _summary(name, ks, n, s[j, 0], r[j, 0], s[j, 1], r[j, 1], tau(importance[name]))
           for j, name in enumerate(orders)}
    if random_orders:
        rs = [_summary("random", ks, n, s[j, 0], r[j, 0], s[j, 1], r[j, 1], tau(importance_of(o)))
              for j, o in enumerate(randoms, start=len(orders))]
        out["random"] = _mean_of(rs)
    return out


def _mean_of(runs: list[Faithfulness]) -> Faithfulness:
    """Field by field mean of several runs (the random floor)."""
    def avg(get):
        vals = [get(x) for x in runs]
        vals = [v for v in vals if v is not None]
        return float(np.mean(vals)) if vals else None

    first = runs[0]
    def curve(which):
        ranks = np.array([getattr(x, which).rank for x in runs], dtype=np.float64)
        return Curve(getattr(first, which).k, np.mean([getattr(x, which).score for x in runs], 0).tolist(),
                     None if np.isnan(ranks).all() else ranks.mean(0).tolist())

    return Faithfulness(
        explainer="random", deletion=curve("deletion"), insertion=curve("insertion"),
        deletion_area=avg(lambda x: x.deletion_area), insertion_area=avg(lambda x: x.insertion_area),
        comprehensiveness={k: avg(lambda x, k=k: x.comprehensiveness[k]) for k in first.comprehensiveness},
        sufficiency={k: avg(lambda x, k=k: x.sufficiency[k]) for k in first.sufficiency},
        aopc_comprehensiveness=avg(lambda x: x.aopc_comprehensiveness),
        aopc_sufficiency=avg(lambda x: x.aopc_sufficiency), kendall_tau=avg(lambda x: x.kendall_tau))
