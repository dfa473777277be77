"""What a sentence may say: a Claim is its text, its tone and the typed facts it cites. Every number in
a claim's text is the rendering of one of its facts (the same `fmt_*` functions write both), and every
fact names what the checker re-scores to confirm it (check.py).

Conventions of the text, which the checker relies on: titles are wrapped in *...* or **...**, model
names in `...`, so numbers inside names are never read as numbers the claim cites.
"""
from dataclasses import dataclass


def fmt_rank(rank: int | None) -> str:
    """0-based rank -> "#1" (None: not ranked)."""
    return "not ranked" if rank is None else f"#{rank + 1:,}"


def fmt_score(x: float) -> str:
    return f"{x:.3f}"


def fmt_weight(w: float) -> str:
    return f"{w:.3f}"


def fmt_count(n: int) -> str:
    return f"{n:,}"


def back_words(back: int) -> str:
    """Where a history item sits, counted from the latest (1)."""
    return "the latest item" if back == 1 else f"{back:,} items back"


class Fact:
    """A checkable statement; `shown()` lists the numbers a claim citing it may print."""

    def shown(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class HistoryItem(Fact):
    """The item `back` steps back in the history the model read is `item_id` (titled `title`)."""
    item_id: str
    title: str
    back: int

    def shown(self):
        return {fmt_count(self.back)}


@dataclass(frozen=True)
class RankAfter(Fact):
    """With the history items `removed` (steps back) taken out by the one removal rule (none: the
    history as it is), `item_id` is at 0-based `rank` among the items the user does not have."""
    item_id: str
    removed: tuple[int, ...]
    rank: int | None
    top_k: int = 10

    def shown(self):
        return {fmt_rank(self.rank).lstrip("#"), fmt_count(self.top_k), fmt_count(len(self.removed))}


@dataclass(frozen=True)
class SearchDepth(Fact):
    """A counterfactual search tried every prefix of up to `max_removals` removals."""
    max_removals: int

    def shown(self):
        return {fmt_count(self.max_removals)}


@dataclass(frozen=True)
class ScoreDrop(Fact):
    """Removing the history item `back` steps back lowers `item_id`'s score by `drop` (negative: raises)."""
    item_id: str
    back: int
    drop: float

    def shown(self):
        return {fmt_score(abs(self.drop)), fmt_count(self.back)}


@dataclass(frozen=True)
class RemovalPlace(Fact):
    """Removing the history item `back` steps back lowers `item_id`'s score the `place`-th most (1 = most)
    of the `of` history items."""
    item_id: str
    back: int
    place: int
    of: int

    def shown(self):
        return {fmt_count(self.place), fmt_count(self.of), fmt_count(self.back)}


@dataclass(frozen=True)
class TopRemoval(Fact):
    """Of all history items, removing the one `back` steps back lowers `item_id`'s score most (by `drop`)."""
    item_id: str
    back: int
    drop: float

    def shown(self):
        return {fmt_score(abs(self.drop)), fmt_count(self.back)}


@dataclass(frozen=True)
class HoldsDown(Fact):
    """Of all history items, removing the one `back` steps back raises `item_id`'s score most (drop < 0)."""
    item_id: str
    back: int
    drop: float

    def shown(self):
        return {fmt_score(abs(self.drop)), fmt_count(self.back)}


@dataclass(frozen=True)
class TopWeight(Fact):
    """In model `model`'s `view` of the row for `item_id` ("soft" weights, a "hard" pick, or the
    "argmax" of soft weights), the largest weight is on the history item `back` steps back; `weight` is
    that weight (for "argmax": the soft weight there)."""
    model: str
    view: str
    item_id: str
    back: int
    weight: float

    def shown(self):
        return {fmt_weight(self.weight), fmt_count(self.back)}


@dataclass(frozen=True)
class WeightOf(Fact):
    """Model `model`'s soft weight for `item_id` on the history item `back` steps back is `weight`, the
    `place`-th largest (1 = the largest) of the `of` weights over the history."""
    model: str
    item_id: str
    back: int
    weight: float
    place: int
    of: int

    def shown(self):
        return {fmt_weight(self.weight), fmt_count(self.place), fmt_count(self.of), fmt_count(self.back)}


@dataclass(frozen=True)
class Correlation(Fact):
    """Spearman's rank correlation between `item_id`'s soft weights and its score drops (None: undefined)."""
    item_id: str
    rho: float | None
    of: int  # history items compared

    def shown(self):
        scale = {"+1", "1", "0", "-1"}  # the scale's ends and middle, named beside the value
        return scale | ({f"{self.rho:+.2f}", f"{abs(self.rho):.2f}", fmt_count(self.of)} if self.rho is not None else
                        {fmt_count(self.of)})


@dataclass(frozen=True)
class Planted(Fact):
    """The embedded shop plants `trigger_id` -> `item_id`, and the trigger is `back` steps back."""
    item_id: str
    trigger_id: str
    back: int

    def shown(self):
        return {fmt_count(self.back)}


@dataclass(frozen=True)
class ScoreGap(Fact):
    """`item_id` scores `score` at 0-based `rank`; the k-th recommendation (k = `top_k`) scores `kth_score`."""
    item_id: str
    score: float
    rank: int | None
    top_k: int
    kth_score: float
    catalogue: int  # items ranked

    def shown(self):
        return {fmt_score(self.score), fmt_score(self.kth_score), f"{self.kth_score - self.score:+.3f}",
                fmt_rank(self.rank).lstrip("#"), fmt_count(self.top_k), fmt_count(self.catalogue)}


@dataclass(frozen=True)
class InHistory(Fact):
    """`item_id` is (or is not) one the user already has."""
    item_id: str
    present: bool


@dataclass(frozen=True)
class NoAttention(Fact):
    """The model `model` exposes no attention weights (or only uniform ones)."""
    model: str
    uniform: bool
    of: int = 0

    def shown(self):
        return {fmt_count(self.of)}


@dataclass(frozen=True)
class EditStep(Fact):
    """A what-if step: `kind` remove | add | move of `item_id`, from `back` to `to` steps back
    (add: to 1; remove: to None), on the history as it was before this step."""
    kind: str
    item_id: str
    title: str
    back: int | None
    to: int | None

    def shown(self):
        return {fmt_count(x) for x in (self.back, self.to) if x is not None}


@dataclass(frozen=True)
class TrainingRun(Fact):
    """What a training run recorded (metrics.json / the checkpoint)."""
    seconds: float
    best_epoch: int
    stopped: str
    stop_metric: str | None
    validation_seconds: float | None
    evaluation_seconds: float | None
    max_seconds: float | None

    def shown(self):
        from ..training.stop import seconds_words
        out = {str(self.best_epoch)}
        for s in (self.seconds, self.validation_seconds, self.evaluation_seconds, self.max_seconds):
            if s:
                out.add(seconds_words(s).split(" ")[0])
        return out


@dataclass(frozen=True)
class FeatureWeight(Fact):
    """Attribute value `value` gets `weight` of `item_id`'s attention (item attention x attribute attention);
    removing it from every item lowers the score by `drop` (None: not tested)."""
    item_id: str
    value: str
    weight: float
    drop: float | None = None

    def shown(self):
        return {f"{self.weight:.2f}"} | ({fmt_score(abs(self.drop))} if self.drop is not None else set())


@dataclass(frozen=True)
class Claim:
    kind: str  # what it is about, e.g. "attention-vs-removal", "planted", "removal", "counterfactual"
    tone: str  # "success" | "warning" | "info": how the page shows it
    text: str  # markdown
    facts: tuple[Fact, ...] = ()
    detail: bool = False  # for readers who want the statistics (ρ, τ, AOPC): shown behind an expander

    def numbers(self) -> set[str]:
        """Every number the facts allow this claim to print."""
        return set().union(*(f.shown() for f in self.facts)) if self.facts else set()

    def to_json(self) -> dict:
        return {"kind": self.kind, "tone": self.tone, "text": self.text, "detail": self.detail}
