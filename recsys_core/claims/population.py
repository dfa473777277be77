"""Claims about a whole population (recsys_core/population: the Patterns page, its HTML report and the
`patterns` command): what drives the recommendations, how far back the model looks, whether its
attention can be trusted, whom it serves badly and how much it pushes popular items. Every number in a
sentence is one of its facts' (the same fmt_* functions write both), as for one user's claims.
"""
from dataclasses import dataclass

from ..population.report import Patterns
from ..population.trust import agreement_of
from .facts import Claim, Fact, NoAttention, fmt_count, fmt_score

WINDOW = 10  # "the last 10 items": the look-back sentence's window (the shop plants follow-ups 1-10 back)
MIN_SLICE_USERS = 30  # a slice smaller than this is too noisy to single out


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


@dataclass(frozen=True)
class PairTotal(Fact):
    """Over the population, removing `history_id` lowers `item_id`'s score by `total` in all, for `users`
    users whose top-K holds `item_id` with `history_id` in view."""
    history_id: str
    item_id: str
    total: float
    users: int

    def shown(self):
        return {fmt_score(self.total), fmt_score(self.total / self.users), fmt_count(self.users)}


@dataclass(frozen=True)
class PlantedShare(Fact):
    """`hits` of the top `of` because-of pairs are planted trigger -> follow-up pairs."""
    hits: int
    of: int

    def shown(self):
        return {fmt_count(self.hits), fmt_count(self.of)}


@dataclass(frozen=True)
class Share(Fact):
    """A share `value` (0..1) of what `of` says, e.g. 'influence from Photography to Lenses'."""
    of: str
    value: float

    def shown(self):
        return {pct(self.value).rstrip("%")}


@dataclass(frozen=True)
class Interval95(Fact):
    """`what` is `value` with 95% interval `low`..`high` over `n` cases."""
    what: str
    value: float
    low: float
    high: float
    n: int

    def shown(self):
        return {pct(v).rstrip("%") for v in (self.value, self.low, self.high)} | {fmt_count(self.n), "95"}


@dataclass(frozen=True)
class Count(Fact):
    """`what` counts `n`."""
    what: str
    n: int

    def shown(self):
        return {fmt_count(self.n)}


@dataclass(frozen=True)
class SliceScore(Fact):
    """Users in slice `group` (`users` of them) have NDCG@10 `ndcg` on their held-out item."""
    group: str
    users: int
    ndcg: float

    def shown(self):
        return {f"{self.ndcg:.3f}", fmt_count(self.users)}


def _drivers(p: Patterns) -> list[Claim]:
    if not p.pairs:
        return [Claim("drivers", "info", f"No history item holds up any recommendation of `{p.model}`: removing any one "
                      "of them never lowers a recommendation's score. The history does not drive this model.")]
    top = p.pairs[0]
    facts = [PairTotal(top.history_item, top.item, top.influence, top.users)]
    recent = p.profile.within("influence", WINDOW)
    where = ""
    if recent is not None and recent >= 0.5:  # most of it is recent: say so first, it is the pattern
        facts += [Count("window", WINDOW), Share(f"influence within {WINDOW}", recent)]
        where = f"the last {fmt_count(WINDOW)} items ({pct(recent)} of the measured influence). The strongest single pair: "
    out = [Claim("drivers", "success", f"What drives recommendations most: {where}having *{top.history_title}* gets "
                 f"*{top.title}* recommended: removing it lowers that score by {fmt_score(top.influence / top.users)} "
                 f"on average, for {fmt_count(top.users)} users.", tuple(facts))]
    if p.precision is not None:
        hits, of = p.precision.hits, p.precision.k
        out.append(Claim("planted-pairs", "success" if hits * 2 >= of else "warning",
                         f"{fmt_count(hits)} of the top {fmt_count(of)} because-of pairs are the shop's planted "
                         "trigger → follow-up pairs (a product → its accessory, game or next volume): the pairs its "
                         "generator put there.", (PlantedShare(hits, of),)))
    return out


def _flows(p: Patterns) -> list[Claim]:
    if not p.categories:
        return [Claim("no-categories", "info", "This catalogue has no categories, so there are no category flows or "
                      "category slices.")]
    best = p.flows.strongest() if p.flows else None
    if best is None:
        return []
    a, b, _, share = best
    facts = [Share(f"influence {a} -> {b}", share)]
    text = (f"Across users, *{a}* in the history drives *{b}* recommendations most: {pct(share)} of the measured "
            f"influence{_attention_share(p, a, b, facts)}")
    cross = p.flows.strongest(across=True)
    if a == b and cross is not None:
        c, d, _, cross_share = cross
        facts.append(Share(f"influence {c} -> {d}", cross_share))
        text += (f". Between two categories, *{c}* drives *{d}* most: {pct(cross_share)}"
                 f"{_attention_share(p, c, d, facts)}")
    return [Claim("flows", "info", text + ".", tuple(facts))]


def _attention_share(p: Patterns, a: str, b: str, facts: list) -> str:
    """' (x% of the attention)' for the flow a -> b, its fact added; '' without attention."""
    if p.flows.attention is None:
        return ""
    cats, att = p.flows.categories, p.flows.attention
    size = sum(abs(v) for row in att for v in row)
    mine = att[cats.index(a)][cats.index(b)] / size if size else 0.0
    facts.append(Share(f"attention {a} -> {b}", mine))
    return f" ({pct(mine)} of the attention)"


def _look_back(p: Patterns) -> list[Claim]:
    infl = p.profile.within("influence", WINDOW)
    if not p.pairs or infl is None:
        return []
    facts = [Count("window", WINDOW), Share(f"influence within {WINDOW}", infl)]
    if infl > 0:
        text = f"{pct(infl)} of the measured influence comes from the last {fmt_count(WINDOW)} items"
    else:
        text = (f"The last {fmt_count(WINDOW)} items hold recommendations down on balance: removing them raises the "
                f"scores more than it lowers them ({pct(infl)} of the measured influence)")
    soft = p.profile.within("soft", WINDOW)
    if soft is not None:
        facts.append(Share(f"attention within {WINDOW}", soft))
        text += f"; attention puts {pct(soft)} of its weight there"
    planted = p.profile.within("planted", WINDOW)
    if planted is not None:
        facts.append(Share(f"planted within {WINDOW}", planted))
        text += f"; the shop's generator placed {pct(planted)} of its follow-ups there"
    return [Claim("look-back", "info", text + ".", tuple(facts))]


def _trust(p: Patterns) -> list[Claim]:
    if not p.has_attention:
        what = "only uniform attention weights" if p.weights else "no attention"
        return [Claim("trust", "info", f"`{p.model}` has {what}: no weights single out an item, so there is no "
                      "attention to trust or distrust. The removal test alone says what drives it.",
                      (NoAttention(p.model, uniform=p.weights),))]
    att = agreement_of(p.trust)
    if att is None:
        return []
    a = att.agree
    fact = Interval95("attention top = removal top", a.value, a.low, a.high, att.recommendations)
    tone = "success" if a.low >= 0.8 else ("warning" if a.high < 0.5 else "info")
    text = (f"Attention's top item is the removal test's top item for {pct(a.value)} of recommendations (95% "
            f"interval {pct(a.low)}–{pct(a.high)}, {fmt_count(att.recommendations)} recommendations).")
    best = max(p.trust, key=lambda r: r.agree.value)
    facts = [fact]
    if best.explainer != "attention" and best.agree.value > a.value:
        facts.append(Share(f"{best.explainer} agreement", best.agree.value))
        text += f" `{best.explainer}` agrees more often: {pct(best.agree.value)}."
    return [Claim("trust", tone, text, tuple(facts))]


def _slices(p: Patterns) -> list[Claim]:
    rows = [r for r in p.slices.by_length if r.users >= MIN_SLICE_USERS]
    overall = p.slices.overall
    if len(rows) < 2:
        return []
    worst = min(rows, key=lambda r: r.ndcg.value)
    if worst.ndcg.high >= overall.ndcg.value:
        return []  # within the noise of the whole: nothing to single out
    return [Claim("slices", "warning", f"It serves users with **{worst.group}** past items worst: NDCG@10 "
                  f"{worst.ndcg.value:.3f} for {fmt_count(worst.users)} users, against {overall.ndcg.value:.3f} for all "
                  f"{fmt_count(overall.users)}.", (SliceScore(worst.group, worst.users, worst.ndcg.value),
                                                  SliceScore(overall.group, overall.users, overall.ndcg.value)))]


def _popularity(p: Patterns) -> list[Claim]:
    r = p.reach
    if not r.recommendations:
        return []
    facts = (Share("recommendations from popular items", r.popular_share_of_recommendations),
             Share("interactions with popular items", r.popular_share_of_interactions), Count("top percent", 10),
             Count("popular items", r.popular_items))
    pushes = r.popular_share_of_recommendations > 1.25 * r.popular_share_of_interactions
    bias = Claim("popularity", "warning" if pushes else "info",
                 f"{pct(r.popular_share_of_recommendations)} of recommendations are among the 10% most interacted items "
                 f"({fmt_count(r.popular_items)} items), which hold {pct(r.popular_share_of_interactions)} of "
                 "interactions" + (": it pushes what is already popular." if pushes else "."), facts)
    cover = Claim("coverage", "info", f"Recommendations cover {pct(r.coverage)} of the catalogue "
                  f"({fmt_count(r.distinct_recommended)} of {fmt_count(r.catalogue)} items).",
                  (Share("coverage", r.coverage), Count("recommended", r.distinct_recommended),
                   Count("catalogue", r.catalogue)))
    return [bias, cover]


def _scope(p: Patterns) -> list[Claim]:
    facts = (Count("users", p.users), Count("population", p.population), Count("k", p.k),
             Count("recommendations", p.recommendations))
    who = (f"a seeded sample of {fmt_count(p.users)} of the {fmt_count(p.population)} users" if p.sample
           else f"all {fmt_count(p.users)} users")
    return [Claim("scope", "info", f"Over {who}: their top {fmt_count(p.k)} ({fmt_count(p.recommendations)} "
                  "recommendations), each tested by removing every history item in turn.", facts)]


def population_claims(p: Patterns) -> list[Claim]:
    """The sentences of the Patterns page, the headline (what drives the recommendations) first."""
    out = _drivers(p) + _flows(p) + _look_back(p) + _trust(p) + _slices(p) + _popularity(p) + _scope(p)
    if p.item_map is None:
        out.append(Claim("no-item-map", "info", f"`{p.model}` has no item embeddings, so there is no item map."))
    return out
