"""`patterns()`: what drives a model's recommendations across all users of its dataset (or a seeded
sample), as one typed Patterns: because-of pairs, category flows, the look-back profile, where
attention can be trusted, slices, popularity bias and coverage, and the item map.

    p = patterns(loaded, users=None, k=10, planted=planted_for_model(loaded), progress=fn)
    p.to_json()

progress(stage, done, total): stage "recommendations" (the batched removal test over every user's
top-K), then "slices" (ranking each user's held-out item).
"""
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..store.opened import Loaded
from .flows import Flows, FlowTally
from .itemmap import ItemMap, item_map
from .pairs import Pair, PairTally, PlantedPrecision, planted_precision
from .profile import Profile, ProfileTally, planted_distances
from .slices import Reach, ReachTally, Slices, slices
from .sweep import CHUNK_USERS, pick_users, sweep
from .trust import Agreement, TrustTally, explainers_for

PAIRS_KEPT = 100  # pairs reported (the page shows the top 20)
PRECISION_AT = 20


@dataclass
class Patterns:
    model: str
    family: str
    dataset: str
    users: int  # users looked at
    population: int  # users in the dataset
    seed: int  # the sample's seed (when users < population)
    k: int  # recommendations per user
    recommendations: int  # recommendations looked at (users x k, fewer where few items are unseen)
    weights: bool  # the model exposes attention weights (Recommender.has_attention), perhaps uniform ones
    has_attention: bool  # attention that singles out items (False: none, or uniform weights)
    has_layers: bool  # a per-layer look-back profile (a self-attention stack)
    explained_by: str  # what explains one recommendation, in words (the model family's own)
    categories: bool  # the catalogue has categories
    pairs: list[Pair]
    precision: PlantedPrecision | None  # of the top PRECISION_AT pairs (None: no planted truth)
    flows: Flows | None
    profile: Profile
    trust: list[Agreement]
    slices: Slices
    reach: Reach
    item_map: ItemMap | None
    seconds: float

    @property
    def sample(self) -> bool:
        return self.users < self.population

    def to_json(self) -> dict:
        out = {k: v for k, v in self.__dict__.items()
               if k not in ("pairs", "precision", "flows", "profile", "trust", "slices", "reach", "item_map")}
        return {**out, "sample": self.sample, "pairs": [p.to_json() for p in self.pairs],
                "precision": None if self.precision is None else self.precision.to_json(),
                "flows": None if self.flows is None else self.flows.to_json(), "profile": self.profile.to_json(),
                "trust": [a.to_json() for a in self.trust], "slices": self.slices.to_json(),
                "reach": self.reach.to_json(), "item_map": None if self.item_map is None else self.item_map.to_json()}


def patterns(loaded: Loaded, users: int | None = None, k: int = 10, seed: int = 0, planted: dict | None = None,
             explainers=None, progress: Callable[[str, int, int], None] | None = None,
             chunk_users: int = CHUNK_USERS) -> Patterns:
    """users: how many (a seeded sample), None for all. planted: follow-up -> trigger item indices
    (explain.planted.planted_for_model), {} or None without planted truth. explainers: names whose
    agreement with the removal test is measured (default: every one that applies but the costly ones)."""
    t0 = time.perf_counter()
    model, data, L = loaded.model, loaded.data, loaded.max_len
    chosen = pick_users(data, users, seed)
    names = explainers_for(model, explainers)
    pairs, flows, profile, trust, reach = (PairTally(data, planted), FlowTally(data), ProfileTally(L),
                                           TrustTally(names), ReachTally(data))
    tallies = (pairs, flows, profile, trust, reach)
    tick = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress else (lambda stage: None)
    for chunk in sweep(model, data, L, chosen, k, names, tick("recommendations"), chunk_users):
        for tally in tallies:
            tally.add(chunk)
    ranked = pairs.finish(PAIRS_KEPT)
    focus = bool(model.has_attention and model.attention_has_focus)
    out_profile = profile.finish(planted_distances(data, L) if planted else None)
    return Patterns(model=loaded.name, family=str(getattr(model, "family", "")), dataset=data.name,
                    users=len(chosen), population=data.n_users, seed=seed, k=k,
                    recommendations=int(reach.times.sum()), weights=bool(model.has_attention), has_attention=focus,
                    has_layers=out_profile.layers is not None, explained_by=str(getattr(model, "explained_by", "")),
                    categories=flows.has_categories, pairs=ranked, precision=planted_precision(ranked, PRECISION_AT),
                    flows=flows.finish(), profile=out_profile, trust=trust.finish(),
                    slices=slices(model, data, L, chosen, tick("slices")), reach=reach.finish(),
                    item_map=item_map(model, data), seconds=round(time.perf_counter() - t0, 3))
