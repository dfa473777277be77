"""Sentences a product manager can trust: one or two per recommendation, written only from measured
numbers (ranks after verified removals), so the words can never contradict the figures beside them.

When attention's top item is not the item whose removal hurts most, the sentence says so and says
to believe the removal test: that one is measured on the model, attention is only read from it.
Ranks are shown 1-based (#1 is the top).
"""
from dataclasses import dataclass

from .counterfactual import Counterfactual


@dataclass
class Evidence:
    item_title: str
    kind: str  # "recommendation" or "why-not"
    rank: int  # 0-based
    top_k: int
    history_titles: list[str]  # visible history, oldest first
    top_removal: int | None  # position whose removal lowers the score most (occlusion's top)
    rank_without_top_removal: int | None  # re-scored rank with that item removed
    top_removal_drop: float | None  # its score drop (<= 0: no single removal lowers the score)
    top_attention: int | None  # position of the largest attention weight (None: no focused attention)
    rank_without_top_attention: int | None
    counterfactual: Counterfactual | None


def _item(ev: Evidence, pos: int) -> str:
    back = len(ev.history_titles) - pos
    when = "your latest item" if back == 1 else f"{back} items back"
    return f"*{ev.history_titles[pos]}* ({when})"


def _moves(before: int, after: int) -> str:
    if after == before:
        return f"leaves it at #{before + 1}"
    return f"{'drops' if after > before else 'lifts'} this item from #{before + 1} to #{after + 1}"


def _attention_clause(ev: Evidence) -> str:
    if ev.top_attention is None or ev.top_removal is None:
        return ""
    if ev.top_attention == ev.top_removal:
        return "; attention agrees."
    a, r = ev.rank_without_top_attention, ev.rank_without_top_removal
    if a > r:
        return (f"; attention points at {_item(ev, ev.top_attention)} instead, and removing that {_moves(ev.rank, a)}, "
                "further still: both items hold it up.")
    if a == r:
        return (f"; attention points at {_item(ev, ev.top_attention)} instead, and removing that has the same "
                f"effect on the rank (#{a + 1}).")
    return (f". Attention points at {_item(ev, ev.top_attention)} instead, but removing that {_moves(ev.rank, a)}: "
            "believe the removal test, which is measured, over the attention weights.")


def _counterfactual(ev: Evidence) -> str:
    cf = ev.counterfactual
    if cf is None:
        return ""
    if ev.kind == "recommendation":
        if not cf.found:
            return f"No set of up to {cf.max_removals} removals takes it out of the top {cf.top_k}."
        names = ", ".join(f"*{ev.history_titles[p]}*" for p in cf.removed)
        return (f"Removing {names} ({len(cf.removed)} item{'s' if len(cf.removed) > 1 else ''}) takes it out of the "
                f"top {cf.top_k}, to #{cf.rank_after + 1} (re-scored).")
    if not cf.holding_down:
        return "Nothing in the history holds it down: removing any one item does not raise its score."
    lead = f"{_item(ev, cf.holding_down[0][0])} holds it down most (removing it raises its score by {cf.holding_down[0][1]:.3f})."
    if cf.found:
        names = ", ".join(f"*{ev.history_titles[p]}*" for p in cf.removed)
        return lead + f" Removing {names} brings it into the top {cf.top_k}, to #{cf.rank_after + 1} (re-scored)."
    best = min(s.rank for s in cf.steps)
    return lead + (f" Removing up to {cf.max_removals} of those items does not bring it into the top {cf.top_k} "
                   f"(best: #{best + 1}).")


def recommendation_words(ev: Evidence) -> list[str]:
    """One or two sentences for one recommendation (or why-not item), from the measured evidence."""
    if ev.kind == "why-not":
        first = f"*{ev.item_title}* is #{ev.rank + 1}, outside the top {ev.top_k}."
        return [first, _counterfactual(ev)]
    if ev.top_removal is None or ev.rank_without_top_removal is None:
        return [f"*{ev.item_title}* is #{ev.rank + 1}; the history is too short to test by removal."]
    after = ev.rank_without_top_removal
    if ev.top_removal_drop is not None and ev.top_removal_drop <= 0:
        first = "No past item holds it up: removing any one of them does not lower its score"
        return [first + ".", _counterfactual(ev)]
    if after > ev.rank:
        first = f"Recommended because of {_item(ev, ev.top_removal)}: removing it {_moves(ev.rank, after)}"
    else:
        first = (f"No single past item decides it: removing the most influential one, {_item(ev, ev.top_removal)}, "
                 f"{_moves(ev.rank, after)}")
    clause = _attention_clause(ev) or "."
    return [first + clause, _counterfactual(ev)]
