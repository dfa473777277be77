"""The embedded shop's planted truth: which trigger item brings customers back for which follow-up,
how often a model's attention finds that trigger, and users worth a look (of several kinds)."""
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch

from ..data.preprocess import Prepared
from ..data.registry import load_dataset
from ..store.opened import Loaded
from .planted_hits import planted_cases
from .user import explain_user


def planted_map(data: Prepared, items_table=None) -> dict:
    """follow-up item index -> trigger item index, from the embedded data's items table."""
    if items_table is None or "follow_up" not in items_table.columns:
        return {}
    index = data.item_index()
    out = {}
    for trig, fu in zip(items_table["item_id"], items_table["follow_up"]):
        if fu and str(fu) in index and str(trig) in index:
            out[index[str(fu)]] = index[str(trig)]
    return out


def interesting_users(data: Prepared, planted: dict, n: int = 8, seed: int = 0,
                      loaded: Loaded | None = None) -> list[dict]:
    """Users worth a look, of several kinds, each {"user_id", "kind", "why"} with `why` opening with the kind:

      follow-up due         (embedded data) a trigger among the last 10 items whose follow-up is still
                            due: attention should find it
      taste / popularity    most of the last 10 items come from the user's taste (their main category)
                            or from the most popular items (the embedded data's planted causes say which)
      attention vs removal  (with `loaded`) the top recommendation's attention points at another item than
                            the one whose removal lowers its score most
      long history          the longest histories, where the maps need their window
    The first user is a follow-up-due one when there is any (the page opens on it)."""
    rng = np.random.default_rng(seed)
    lens = data.lengths()
    users = rng.permutation(data.n_users)
    pools: dict[str, list[dict]] = {k: [] for k in ("follow-up due", "taste", "popularity", "attention vs removal",
                                                    "long history")}

    def add(kind: str, u: int, why: str):
        pools[kind].append({"user_id": str(data.user_ids[u]), "kind": kind, "why": f"{kind}: {why}"})

    triggers = {}
    for f, t in planted.items():
        triggers.setdefault(t, []).append(f)
    counts = np.bincount(data.items, minlength=data.n_items + 1)
    popular = set(np.argsort(-counts)[: max(1, data.n_items // 20)].tolist())  # the top 5% of items
    taste, pop = [], []
    for u in users:
        seq = data.seq(int(u))
        recent = seq[-10:]
        if triggers and seq[-1] not in triggers:  # the trigger is not simply the last item
            have = set(seq.tolist())
            due = [t for t in recent if t in triggers and any(f not in have for f in triggers[t])]
            if due:
                add("follow-up due", u, f"bought {data.titles[due[0]]}; its follow-up is still due")
        if len(recent) < 5:
            continue
        if data.causes is not None:
            causes = data.causes[data.offsets[u]:data.offsets[u + 1]][-10:]
            n_taste, n_pop = int((causes == "taste").sum()), int((causes == "popular").sum())
        else:
            cats = [str(data.categories[i]).split("|")[0] for i in recent]
            n_taste = max(cats.count(c) for c in set(cats)) if any(cats) else 0
            n_pop = sum(int(i) in popular for i in recent)
        taste.append((-n_taste, len(taste), u, f"{n_taste} of the last {len(recent)} items follow the user's taste"))
        pop.append((-n_pop, len(pop), u, f"{n_pop} of the last {len(recent)} items are among the most popular"))
    for kind, ranked in (("taste", taste), ("popularity", pop)):
        for _, _, u, why in sorted(ranked)[:n]:
            add(kind, u, why)
    for u in np.argsort(-lens, kind="stable")[:n]:
        add("long history", u, f"{lens[u]:,} interactions")
    model = loaded.model if loaded is not None else None
    if model is not None and model.has_attention and model.attention_has_focus:
        # Short histories, a few checks: each is a removal test, one forward pass per history item over the
        # model's whole window (max_len), so long-window models get fewer checks.
        checks = 12 if loaded.max_len <= 50 else 3
        for u in [u for u in users if 3 <= lens[u] <= 30][:checks]:
            top = explain_user(loaded, data.user_ids[u], k=1).recommendations[0]
            if top.honesty and not top.honesty.agree:
                hist = data.seq(int(u))[-loaded.max_len:]
                add("attention vs removal", u, f"attention points at {data.titles[hist[top.honesty.top_attention]]}, "
                                               f"removal at {data.titles[hist[top.honesty.top_influence]]}")
                if len(pools["attention vs removal"]) >= 2:
                    break
    want = ({"follow-up due": 3, "taste": 2, "popularity": 1, "attention vs removal": 2} if triggers and pools[
        "follow-up due"] else {"taste": 2, "popularity": 2, "attention vs removal": 2, "long history": 2})
    out, seen = [], set()

    def take(kind: str, m: int):
        for pick in pools[kind]:
            if m <= 0 or len(out) >= n:
                return
            if pick["user_id"] not in seen:
                seen.add(pick["user_id"])
                out.append(pick)
                m -= 1

    for kind, m in want.items():  # the wanted mix ...
        take(kind, m)
    for kind in pools:  # ... then anything left, to make n
        take(kind, n)
    return out


def planted_for_model(loaded: Loaded, data_dir: str | None = None, items: pd.DataFrame | None = None) -> dict:
    """The planted follow-up -> trigger map in this model's own item indexing ({} when the data has none).

    Built from the model's prepared data, so a model trained with a rating filter or k-core still
    gets indices that match its history. `items`: the dataset's item table, when the caller has it
    already (the app does), to save reading the dataset again."""
    if loaded.data.causes is None:
        return {}
    if items is None:
        items = load_dataset(loaded.meta.dataset.spec, data_dir).items
    return planted_map(loaded.data, items)


@dataclass(frozen=True)
class PlantedAccuracy:
    """How often attention's top item is the planted trigger, over the planted test cases."""
    cases: int
    soft_top_is_trigger: float  # share where the soft weights' argmax is the trigger
    hard_pick_is_trigger: float  # share where the hard pick (or the argmax of this model's weights) is
    chance: float  # a random history item's share

    def to_json(self) -> dict:
        return asdict(self)


@torch.no_grad()
def planted_accuracy(loaded: Loaded, planted: dict) -> PlantedAccuracy | None:
    """How often attention finds the known cause: over users whose held-out (test) item is a planted
    follow-up with its trigger in view, the share where the attention's top history item is that
    trigger (soft weights' argmax, and the hard pick). None for models without attention."""
    model = loaded.model
    if not model.attention_has_focus or not planted:
        return None  # no weights (popular), or uniform ones by construction (mean)
    cases = planted_cases(loaded, planted)  # the same test cases every explainer's hit rate is taken over
    if cases is None:
        return None
    readout = model.explain(cases.seq, cases.follow_up)
    soft_hit = (readout.soft[:, 0].argmax(-1) == cases.position).float().mean().item()
    hard_hit = (readout.weights[:, 0].argmax(-1) == cases.position).float().mean().item()
    chance = float(np.mean([1 / max(1, int((s > 0).sum())) for s in cases.seq.cpu()]))
    return PlantedAccuracy(cases=len(cases), soft_top_is_trigger=round(soft_hit, 4),
                           hard_pick_is_trigger=round(hard_hit, 4), chance=round(chance, 4))
