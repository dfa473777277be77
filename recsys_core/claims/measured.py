"""Claims from the measured report of one recommendation (explain/report.py): what removing the most
influential item does to its rank, what attention's top item does, and the counterfactual, every rank
re-scored by the one removal rule, so each equals what the what-if editor shows for the same removal.

When attention's top item is not the item whose removal hurts most, the sentence says so and says to
believe the removal test: that one is measured on the model, attention is only read from it.
"""
from dataclasses import dataclass

from ..explain.counterfactual import Counterfactual
from .facts import (
    Claim,
    HistoryItem,
    HoldsDown,
    RankAfter,
    SearchDepth,
    TopRemoval,
    TopWeight,
    back_words,
    fmt_count,
    fmt_rank,
)


@dataclass
class Evidence:
    """The measured numbers behind one recommendation's sentences."""
    model: str
    item_id: str
    item_title: str
    kind: str  # "recommendation" or "why-not"
    rank: int  # 0-based
    top_k: int
    history: list[HistoryItem]  # the visible history, oldest first
    top_removal: int | None  # position whose removal lowers the score most (occlusion's top)
    rank_without_top_removal: int | None  # re-scored rank with that item removed
    top_removal_drop: float | None  # its score drop (<= 0: no single removal lowers the score)
    top_attention: int | None  # position of the largest attention weight (None: no focused attention)
    top_attention_weight: float | None
    rank_without_top_attention: int | None
    counterfactual: Counterfactual | None


def _item(ev: Evidence, pos: int) -> str:
    h = ev.history[pos]
    return f"*{h.title}* ({back_words(h.back)})"


def _backs(ev: Evidence, positions) -> tuple[int, ...]:
    return tuple(ev.history[p].back for p in positions)


def _moves(before: int, after: int) -> str:
    if after == before:
        return f"leaves it at {fmt_rank(before)}"
    return f"{'drops' if after > before else 'lifts'} this item from {fmt_rank(before)} to {fmt_rank(after)}"


def _attention_clause(ev: Evidence, facts: list) -> str:
    if ev.top_attention is None or ev.top_removal is None:
        return ""
    if ev.top_attention == ev.top_removal:
        facts.append(TopWeight(ev.model, "soft", ev.item_id, ev.history[ev.top_attention].back, ev.top_attention_weight))
        return "; it is also the item attention points at most."
    a, r = ev.rank_without_top_attention, ev.rank_without_top_removal
    facts += [ev.history[ev.top_attention], RankAfter(ev.item_id, _backs(ev, [ev.top_attention]), a, ev.top_k),
              TopWeight(ev.model, "soft", ev.item_id, ev.history[ev.top_attention].back, ev.top_attention_weight)]
    if a > r:
        return (f"; attention points at {_item(ev, ev.top_attention)} instead, and removing that "
                f"{_moves(ev.rank, a)}, further still: both items hold it up.")
    if a == r:
        return (f"; attention points at {_item(ev, ev.top_attention)} instead, and removing that has the same "
                f"effect on the rank ({fmt_rank(a)}).")
    return (f". Attention points at {_item(ev, ev.top_attention)} instead, but removing that {_moves(ev.rank, a)}: "
            "believe the removal test, which is measured, over the attention weights.")


def counterfactual_claim(ev: Evidence) -> Claim | None:
    cf = ev.counterfactual
    if cf is None:
        return None
    names = ", ".join(f"*{ev.history[p].title}*" for p in cf.removed)
    facts = [ev.history[p] for p in cf.removed]
    if ev.kind == "recommendation":
        if not cf.found:
            return Claim("counterfactual", "info", f"No set of up to {fmt_count(cf.max_removals)} removals takes it out "
                         f"of the top {fmt_count(cf.top_k)}.",
                         (RankAfter(ev.item_id, (), ev.rank, cf.top_k), SearchDepth(cf.max_removals)))
        after = RankAfter(ev.item_id, _backs(ev, cf.removed), cf.rank_after, cf.top_k)
        return Claim("counterfactual", "info", f"Removing {names} ({fmt_count(len(cf.removed))} "
                     f"item{'s' if len(cf.removed) > 1 else ''}) takes it out of the top {fmt_count(cf.top_k)}, to "
                     f"{fmt_rank(cf.rank_after)} (re-scored).", (*facts, after))
    if not cf.holding_down:
        return Claim("counterfactual", "info", "Nothing in the history holds it down: removing any one item does not "
                     "raise its score.")
    p, gain = cf.holding_down[0]
    text = (f"{_item(ev, p)} holds it down most (removing it raises its score by {gain:.3f}).")
    facts = [ev.history[p], HoldsDown(ev.item_id, ev.history[p].back, -gain), *facts]
    if cf.found:
        facts.append(RankAfter(ev.item_id, _backs(ev, cf.removed), cf.rank_after, cf.top_k))
        return Claim("counterfactual", "info", text + f" Removing {names} brings it into the top {fmt_count(cf.top_k)}, "
                     f"to {fmt_rank(cf.rank_after)} (re-scored).", tuple(facts))
    best = min(s.rank for s in cf.steps)
    facts += [RankAfter(ev.item_id, tuple(_backs(ev, s.removed)), s.rank, cf.top_k) for s in cf.steps if s.rank == best][:1]
    facts.append(SearchDepth(cf.max_removals))
    return Claim("counterfactual", "info", text + f" Removing up to {fmt_count(cf.max_removals)} of those items does not "
                 f"bring it into the top {fmt_count(cf.top_k)} (best: {fmt_rank(best)}).", tuple(facts))


def report_claims(ev: Evidence) -> list[Claim]:
    """One or two sentences for one recommendation (or why-not item), from the measured evidence."""
    now = RankAfter(ev.item_id, (), ev.rank, ev.top_k)
    out = []
    if ev.kind == "why-not":
        out.append(Claim("removal", "info", f"*{ev.item_title}* is {fmt_rank(ev.rank)}, outside the top "
                         f"{fmt_count(ev.top_k)}.", (now,)))
    elif ev.top_removal is None or ev.rank_without_top_removal is None:
        out.append(Claim("removal", "info", f"*{ev.item_title}* is {fmt_rank(ev.rank)}; the history is too short to test "
                         "by removal.", (now,)))
    elif ev.top_removal_drop is not None and ev.top_removal_drop <= 0:
        out.append(Claim("removal", "info", "No past item holds it up: removing any one of them does not lower its "
                         "score.", (now,)))
    else:
        after = ev.rank_without_top_removal
        facts = [now, ev.history[ev.top_removal], RankAfter(ev.item_id, _backs(ev, [ev.top_removal]), after, ev.top_k),
                 TopRemoval(ev.item_id, ev.history[ev.top_removal].back, ev.top_removal_drop)]
        if after > ev.rank:
            first = f"Recommended because of {_item(ev, ev.top_removal)}: removing it {_moves(ev.rank, after)}"
        else:
            first = (f"No single past item decides it: removing the most influential one, {_item(ev, ev.top_removal)}, "
                     f"{_moves(ev.rank, after)}")
        first += _attention_clause(ev, facts) or "."
        out.append(Claim("removal", "success" if after > ev.rank else "info", first, tuple(facts)))
    cf = counterfactual_claim(ev)
    return out + ([cf] if cf else [])
