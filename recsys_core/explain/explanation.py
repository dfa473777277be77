"""What an explanation is, as typed objects: one user's visible history, the recommendations with the
weights and checks behind each, and the self-attention maps. The pages read these attributes;
`Explanation.to_json()` is the `recommend --json` document (a contract: its keys never change,
optional ones are left out when there is nothing to say rather than written as null).
"""
from dataclasses import dataclass, field


def _json(obj, omit_none: tuple = ()) -> dict:
    """The dataclass's fields in order, leaving out the optional ones that are None."""
    return {k: v for k, v in vars(obj).items() if not (k in omit_none and v is None)}


@dataclass
class HistoryItem:
    item_id: str
    title: str
    category: str
    timestamp: int  # epoch seconds, or the row order for data without times
    steps_back: int  # 1 = the most recent
    rating: float | None = None
    cause: str | None = None  # embedded data: "taste", "popular" or "trigger <item id>" (the JSON's form)
    trigger_title: str | None = None  # a planted follow-up: the title of the trigger it follows (not in the JSON)

    def to_json(self) -> dict:
        out = _json(self, ("rating", "cause"))
        del out["trigger_title"]
        return out


@dataclass
class Honesty:
    """Does the attention's top item match the item whose removal hurts the score most?"""
    top_attention: int  # history position of the largest soft weight
    top_influence: int  # history position whose removal lowers the score most
    agree: bool
    attention_top_influence_rank: int  # 0-based place of the top-attention item by influence
    spearman: float | None  # rank correlation of weights and influence (None: undefined)
    drop_when_top_attention_removed: float
    max_drop: float

    def to_json(self) -> dict:
        return _json(self)


@dataclass
class PlantedCause:
    """Embedded data: the known trigger behind a recommended follow-up, and whether attention found it."""
    trigger_item_id: str
    trigger_title: str
    position: int  # in the visible history
    steps_back: int
    soft_weight: float | None
    hard_hit: bool | None

    def to_json(self) -> dict:
        return _json(self)


@dataclass
class Recommendation:
    item_id: str
    title: str
    category: str
    score: float
    rank: int | None  # 0-based among the items the user has not interacted with (None: in the history)
    kind: str  # "recommendation" or "why-not" (an item the user asked about)
    soft: list[float] | None  # weights over the visible history (None: the model has no attention)
    hard: list[float] | None  # one-hot: the hard pick (or the argmax of the soft weights)
    contribution: list[float] | None = None  # each history item's exact share of the score (target)
    influence: list[float] | None = None  # score drop when each history item is removed
    honesty: Honesty | None = None
    planted: PlantedCause | None = None
    # Models with item features: attribute value -> the item attention that reached it through each
    # history item's attention over its attributes, largest first (e.g. {"Camping": 0.61, "Tents": 0.22}).
    feature_attention: dict[str, float] | None = None
    # The same models: score drop when each of the top attended attribute values is removed from every item.
    feature_influence: dict[str, float] | None = None

    @property
    def is_why_not(self) -> bool:
        return self.kind == "why-not"

    def to_json(self) -> dict:
        out = _json(self, ("contribution", "influence", "honesty", "planted", "feature_attention", "feature_influence"))
        for key in ("honesty", "planted"):
            if out.get(key) is not None:
                out[key] = out[key].to_json()
        return out


@dataclass
class AttentionMap:
    layer: int
    head: int
    weights: list[list[float]]  # (visible history) x (visible history), query rows

    def to_json(self) -> dict:
        return _json(self)


@dataclass
class Explanation:
    model: str
    dataset: str
    user_id: str
    history_total: int  # all of the user's interactions; the model sees the last `max_len`
    history: list[HistoryItem]  # what the model sees, oldest first
    max_len: int
    arch: str
    attention: str | None
    recommendations: list[Recommendation] = field(default_factory=list)
    why_not: list[Recommendation] = field(default_factory=list)
    attention_maps: list[AttentionMap] | None = None  # self-attention: every layer and head
    explained_by: str = ""  # what explains a recommendation of this family, in words
    # Not in the JSON: what the pages need to know about the family behind it.
    has_focus: bool = True  # weights that single out items (False: uniform, as the mean baseline's)

    @property
    def has_attention(self) -> bool:
        return bool(self.recommendations) and self.recommendations[0].soft is not None

    def to_json(self) -> dict:
        out = _json(self, ("attention_maps",))
        del out["has_focus"]
        out["history"] = [h.to_json() for h in self.history]
        out["recommendations"] = [r.to_json() for r in self.recommendations]
        out["why_not"] = [r.to_json() for r in self.why_not]
        if self.attention_maps is not None:
            out["attention_maps"] = [m.to_json() for m in self.attention_maps]
        return out
