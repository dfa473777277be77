"""Dataset-level faithfulness (`evaluate --faithfulness`): per explainer, over a sample of test users
(the history before each user's held-out item, explaining their top recommendation),

  deletion_area      mean area under the deletion curve, beside random order's (lower: more faithful)
  area_vs_random     the mean per-user difference explainer - random (negative: beats random)
  top_hurts_more     the share of users for whom removing the explainer's top item lowers the score
                     more than removing a random one (the mean single-removal drop)
each with a 95% interval: mean +- 1.96 standard errors; Wilson's interval for the share.
"""
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..data.preprocess import split_ends
from ..models.ranking import top_items, usable_scores
from ..store.opened import Loaded
from .explainers import EXPLAINERS, chosen
from .faithfulness import RANDOM_ORDERS, faithfulness
from .removal import Viewed, stacked

MAX_USERS = 200  # enough for intervals of a few hundredths; every user costs one batched pass per order


@dataclass
class Interval:
    value: float
    low: float
    high: float


@dataclass
class DatasetFaithfulness:
    explainer: str
    users: int
    deletion_area: Interval
    random_deletion_area: Interval
    area_vs_random: Interval
    top_hurts_more: Interval

    def to_json(self) -> dict:
        return asdict(self)


def mean_interval(x) -> Interval:
    x = np.asarray(x, dtype=np.float64)
    m = float(x.mean())
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else float("nan")
    return Interval(round(m, 4), round(m - half, 4), round(m + half, 4))


def wilson_interval(hits: int, n: int, z: float = 1.96) -> Interval:
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(round(p, 4), round(centre - half, 4), round(centre + half, 4))


@torch.no_grad()
def _top_items(model, seq, users, data, ends) -> list[int]:
    """Each user's top recommendation before their held-out item, by the one ranking path."""
    scores = usable_scores(model.score(seq))
    for j, u in enumerate(users):
        scores[j, torch.from_numpy(data.items[data.offsets[u]:ends[u]]).to(scores.device)] = float("-inf")
    return [top_items(row, 1)[0] for row in scores]


def dataset_faithfulness(loaded: Loaded, names=None, max_users: int = MAX_USERS, seed: int = 0,
                         random_orders: int = RANDOM_ORDERS, progress=None) -> dict:
    """{explainer: DatasetFaithfulness} over up to max_users test users with at least 2 items in view."""
    model, data, L = loaded.model, loaded.data, loaded.max_len
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    names = chosen(model, names)
    ends, _ = split_ends(data, "test")
    users = np.flatnonzero(ends - data.offsets[:-1] >= 2)
    rng = np.random.default_rng(seed)
    users = np.sort(rng.choice(users, min(max_users, len(users)), replace=False))
    if len(users) == 0:
        return {}
    views = [Viewed.of(data.items[data.offsets[u]:ends[u]], L, data.n_items, device) for u in users]
    seq, older = stacked(views)  # (U, L), (U, E)
    items = torch.tensor(_top_items(model, seq, users, data, ends), device=device)[:, None]  # (U, 1)
    imp = {name: EXPLAINERS[name](model, seq, items, older)[:, 0].float().cpu().numpy() for name in names}  # (U, L)
    occl = imp["occlusion"] if "occlusion" in imp else \
        EXPLAINERS["occlusion"](model, seq, items, older)[:, 0].cpu().numpy()
    area = {name: [] for name in names}
    rand_area, hurts = [], {name: 0 for name in names}
    for j in range(len(users)):
        n = views[j].n
        per = {name: imp[name][j, -n:] for name in names}
        f = faithfulness(model, views[j], int(items[j, 0]), per, occlusion=occl[j, -n:], random_orders=random_orders,
                         seed=seed + j, with_rank=False)
        rand_area.append(f["random"].deletion_area)
        random_drop = float(occl[j, -n:].mean())  # removing one item drawn at random, on average
        for name in names:
            area[name].append(f[name].deletion_area)
            hurts[name] += f[name].comprehensiveness[1] > random_drop
        if progress:
            progress(j + 1, len(users))
    rand = np.asarray(rand_area)
    return {name: DatasetFaithfulness(explainer=name, users=len(users), deletion_area=mean_interval(area[name]),
                                      random_deletion_area=mean_interval(rand),
                                      area_vs_random=mean_interval(np.asarray(area[name]) - rand),
                                      top_hurts_more=wilson_interval(hurts[name], len(users)))
            for name in names}
