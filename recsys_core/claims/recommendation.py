"""Claims about one recommendation (or why-not item) of an Explanation: does attention point at what the
score rests on (the removal test), the planted truth with the hard map each sentence means named, the
attributes behind it, and where a why-not item stands. The Explain page, the HTML report, the exports
and the CLI print these and nothing else."""
import numpy as np

from ..explain.explanation import Explanation, Recommendation
from .facts import (
    Claim,
    Correlation,
    FeatureWeight,
    HistoryItem,
    InHistory,
    NoAttention,
    Planted,
    RemovalPlace,
    ScoreDrop,
    ScoreGap,
    TopRemoval,
    TopWeight,
    WeightOf,
    back_words,
    fmt_count,
    fmt_rank,
    fmt_score,
    fmt_weight,
)

ATTRIBUTES_SHOWN = 6
PLACE_TIE = 1e-6  # weights closer than this share a place: the order of near-zero weights is float noise


def _named(expl: Explanation, p: int) -> tuple[str, HistoryItem]:
    """"*Title* (3 items back)" for history position p, and the fact behind it."""
    h = expl.history[p]
    return f"*{h.title}* ({back_words(h.steps_back)})", HistoryItem(h.item_id, h.title, h.steps_back)


def _agreement(rho: float) -> str:
    if rho >= 0.7:
        return "in much the same order"
    if rho >= 0.4:
        return "in a fairly similar order"
    if rho >= 0.1:
        return "in only a slightly similar order"
    if rho > -0.1:
        return "in unrelated orders"
    return "in opposite orders"


def _change(drop: float) -> str:
    if abs(drop) < 5e-4:
        return "barely changes it"
    return f"lowers it by {fmt_score(drop)}" if drop > 0 else f"raises it by {fmt_score(-drop)}"


def attention_claims(rec: Recommendation, expl: Explanation) -> list[Claim]:
    """Does the attention's top item match the item whose removal lowers this score most?"""
    if rec.soft is None:
        return [Claim("no-attention", "info", f"This model exposes no attention weights: it explains "
                      f"{expl.explained_by}.", (NoAttention(expl.model, False),))]
    if rec.influence is None or rec.honesty is None:
        if len(expl.history) > 1:
            return []  # the removal test was not run (recommend --no-influence): nothing to compare
        return [Claim("no-attention", "info", "With a single history item there is nothing to compare attention "
                      "against.")]
    h, n = rec.honesty, len(expl.history)
    b_text, b_fact = _named(expl, h.top_influence)
    top = TopRemoval(rec.item_id, expl.history[h.top_influence].steps_back, h.max_drop)
    if not expl.has_focus:
        return [Claim("attention-vs-removal", "info", f"Attention is spread evenly over all {fmt_count(n)} items, so "
                      f"it points at nothing in particular. Removing {b_text} lowers the score the most (by "
                      f"{fmt_score(h.max_drop)}).", (NoAttention(expl.model, True, n), b_fact, top))]
    if h.max_drop <= 0:
        return [Claim("attention-vs-removal", "info", "No single past item holds this score up: removing any one of "
                      "them does not lower it.", (top,))]
    a_text, a_fact = _named(expl, h.top_attention)
    picked = TopWeight(expl.model, "soft", rec.item_id, expl.history[h.top_attention].steps_back,
                       rec.soft[h.top_attention])
    out = []
    if h.agree:
        out.append(Claim("attention-vs-removal", "success",
                         f"Attention points most at {a_text}, weight {fmt_weight(picked.weight)}, and removing it is "
                         f"also what lowers this score the most (by {fmt_score(h.max_drop)}): here attention's top item "
                         "is the item the score rests on.", (a_fact, picked, top)))
    else:
        drop_a = ScoreDrop(rec.item_id, a_fact.back, h.drop_when_top_attention_removed)
        place = RemovalPlace(rec.item_id, a_fact.back, h.attention_top_influence_rank + 1, n)
        out.append(Claim("attention-vs-removal", "warning",
                         f"Attention points most at {a_text}, weight {fmt_weight(picked.weight)}, but removing "
                         f"{b_text} lowers this score the most (by {fmt_score(h.max_drop)}); removing *{a_fact.title}* "
                         f"{_change(drop_a.drop)}, #{fmt_count(place.place)} of {fmt_count(n)} by the removal test. "
                         "Believe the removal test: it is measured on the model, attention is only read from it.",
                         (a_fact, b_fact, picked, top, drop_a, place)))
    if h.spearman is not None:
        rho = Correlation(rec.item_id, h.spearman, n)
        out.append(Claim("correlation", "info", f"Across all {fmt_count(n)} history items, attention's weights and the "
                         f"removal test rank the items {_agreement(h.spearman)} (Spearman ρ = {h.spearman:+.2f}; +1: "
                         "the same order, 0: unrelated, -1: opposite orders).", (rho,), detail=True))
    return out


def _pick_words(expl: Explanation, pick: int, trigger: int | None) -> str:
    if pick == trigger:
        return "picks it too"
    text, _ = _named(expl, pick)
    return f"picks {text} instead"


def planted_claim(rec: Recommendation, expl: Explanation, partner: Recommendation | None = None,
                  partner_expl: Explanation | None = None) -> Claim | None:
    """The known cause on the embedded data; which hard map (the hard-trained partner's, this model's own
    pick or its argmax) finds it, each named."""
    p = rec.planted
    if not p:
        return None
    fact = Planted(rec.item_id, p.trigger_item_id, p.steps_back)
    text = (f"**Planted truth:** in this shop, buying **{p.trigger_title}** brings customers back for "
            f"**{rec.title}**; this user bought it {back_words(p.steps_back)}.")
    facts = [fact]
    if rec.soft is None:
        return Claim("planted", "info", text, tuple(facts))
    soft = rec.soft
    place = 1 + sum(w > soft[p.position] + PLACE_TIE for w in soft)
    weight = WeightOf(expl.model, rec.item_id, p.steps_back, soft[p.position], place, len(soft))
    facts.append(weight)
    text += (f" This model's soft attention gives it {fmt_weight(weight.weight)}, the #{fmt_count(place)} weight of "
             f"{fmt_count(len(soft))}.")
    hit = None
    if partner is not None and partner.hard is not None and partner_expl is not None:
        back = {h.steps_back: i for i, h in enumerate(partner_expl.history)}
        trig = back.get(p.steps_back)
        pick = int(np.argmax(partner.hard))
        facts.append(TopWeight(partner_expl.model, "hard", rec.item_id, partner_expl.history[pick].steps_back,
                               partner.hard[pick]))
        text += f" The hard-trained model `{partner_expl.model}` {_pick_words(partner_expl, pick, trig)}."
        hit = pick == trig
    if expl.has_focus and rec.hard is not None:
        pick = int(np.argmax(rec.hard))
        view = "hard" if expl.attention == "hard" else "argmax"
        facts.append(TopWeight(expl.model, view, rec.item_id, expl.history[pick].steps_back,
                               rec.hard[pick] if view == "hard" else soft[pick]))
        who = "This model's hard pick" if view == "hard" else "This model's argmax"
        text += f" {who} {_pick_words(expl, pick, p.position)}."
        hit = pick == p.position if hit is None else hit
    return Claim("planted", "info" if hit is None else "success" if hit else "warning", text, tuple(facts))


def attribute_claim(rec: Recommendation) -> Claim | None:
    """A model with item features: the attribute values its attention reached, and the removal test of each."""
    if not rec.feature_attention:
        return None
    tested = rec.feature_influence or {}
    facts = tuple(FeatureWeight(rec.item_id, k, v, tested.get(k))
                  for k, v in list(rec.feature_attention.items())[:ATTRIBUTES_SHOWN])
    parts = [f"*{f.value}* {f.weight:.2f}" + (f" (removing it from every item {_change(f.drop)})" if f.drop is not None
                                               else "") for f in facts]
    return Claim("attributes", "info", "**Attributes behind it** (item attention × each item's attention over its "
                 "attributes): " + ", ".join(parts) + ".", facts)


def recommendation_claims(rec: Recommendation, expl: Explanation, partner: Recommendation | None = None,
                          partner_expl: Explanation | None = None) -> list[Claim]:
    """Everything the page says about one recommendation's attention, in reading order."""
    out = attention_claims(rec, expl)
    for extra in (planted_claim(rec, expl, partner, partner_expl), attribute_claim(rec)):
        if extra is not None:
            out.append(extra)
    return out


def why_not_claims(wn: Recommendation, expl: Explanation, in_history: bool, n_items: int) -> list[Claim]:
    """Where an item the user asked about stands. An item they already have gets one line and nothing else."""
    if in_history:
        return [Claim("why-not", "info", f"*{wn.title}* is already in this user's history, and the model never "
                      "recommends what a user already has.", (InHistory(wn.item_id, True),))]
    recs = expl.recommendations
    k = len(recs)
    gap = ScoreGap(wn.item_id, wn.score, wn.rank, k, recs[-1].score if recs else float("nan"), n_items)
    if wn.rank is not None and wn.rank < k:
        return [Claim("why-not", "success", f"*{wn.title}* is already recommended, at {fmt_rank(wn.rank)}.", (gap,))]
    return [Claim("why-not", "warning", f"*{wn.title}* ranks {fmt_rank(wn.rank)} of {fmt_count(n_items)} for this user: "
                  f"score {fmt_score(wn.score)}, while #{fmt_count(k)} scores {fmt_score(gap.kth_score)}. It would need "
                  f"{gap.kth_score - wn.score:+.3f} to make the list.", (gap, InHistory(wn.item_id, False)))]
