"""One recommendation, explained: bars of attention against the removal test, plain sentences that
say whether attention tells the truth, the planted cause on the embedded data, and the table.

Every number comes from the Explanation (recsys_core.explain); this module only words and draws it.
"""
import numpy as np
import pandas as pd
import streamlit as st

from recsys_core.explain.explanation import Explanation, Recommendation
from ui import charts


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
    return f"lowers it by {drop:.3f}" if drop > 0 else f"even raises it by {-drop:.3f}"


def honesty_words(rec: Recommendation, res: Explanation) -> list[tuple[str, str]]:
    """(kind, markdown) sentences a product manager can read: does attention point at what drove the score?"""
    hist, soft = res.history, rec.soft
    if soft is None:
        return [("info", f"This model has no attention to show: it explains {res.explained_by}.")]
    if rec.influence is None or not rec.honesty:
        return [("info", "With a single history item there is nothing to compare attention against.")]
    h = rec.honesty
    a, b = hist[h.top_attention].title, hist[h.top_influence].title
    n = len(hist)
    if max(soft) - min(soft) < 1e-6:
        out = [("info", f"Attention is spread evenly over all {n} items, so it points at nothing in particular. "
                        f"Taking out **{b}** lowers the score the most ({h.max_drop:.3f}).")]
    elif h.agree:
        out = [("success", f"Attention points most at **{a}**, and taking {a} out of the history is also what lowers "
                           f"this score the most ({h.max_drop:.3f}). Here attention tells the truth about what "
                           "drove the recommendation.")]
    else:
        out = [("warning", f"Attention points most at **{a}**, but taking out **{b}** lowers the score the most "
                           f"({h.max_drop:.3f}), while taking out {a} "
                           f"{_change(h.drop_when_top_attention_removed)} "
                           f"(#{h.attention_top_influence_rank + 1} of {n} by influence). Attention is not the "
                           "whole story here: read the heatmap with care.")]
    if h.spearman is not None:
        # After "attention tells the truth", a low rank correlation would read as a contradiction: it
        # is about the near-zero weights of the other items, so say so.
        lead = ("Beyond that item, the small weights are a poor guide: across" if h.agree and h.spearman < 0.1
                else "Across")
        out.append(("info", f"{lead} all {n} history items, attention and influence rank them "
                            f"{_agreement(h.spearman)} (Spearman ρ = {h.spearman:+.2f}; 1 = the same order, "
                            "0 = unrelated)."))
    return out


def planted_words(rec: Recommendation, res: Explanation) -> tuple[str, str] | None:
    """The known cause on the embedded data, and whether soft and hard attention found it."""
    p = rec.planted
    if not p:
        return None
    soft, hist = rec.soft, res.history
    text = (f"**Planted truth:** in this shop, buying **{p.trigger_title}** brings customers back for "
            f"**{rec.title}**; this user bought it {p.steps_back} step{'s' if p.steps_back > 1 else ''} ago.")
    if soft is None:
        return "info", text
    place = 1 + sum(w > soft[p.position] for w in soft)
    text += f" Soft attention gives it {p.soft_weight:.3f}, the #{place} weight of {len(hist)}."
    if p.hard_hit:
        text += " Hard attention picks it too."
    else:
        text += f" Hard attention picks **{hist[int(np.argmax(rec.hard))].title}** instead."
    return ("success" if p.hard_hit else "warning"), text


def say(kind: str, text: str):
    {"success": st.success, "warning": st.warning, "info": st.info}[kind](text)


def why_frame(rec: Recommendation, res: Explanation) -> pd.DataFrame:
    """One row per history item: what attention says and what removing it does; most influential first."""
    trigger = rec.planted.position if rec.planted else None
    rows = []
    for p, h in enumerate(res.history):
        row = {"Steps back": h.steps_back, "History item": h.title, "Category": h.category}
        if rec.soft is not None:
            row["Soft weight"] = rec.soft[p]
            if res.has_focus:
                row["Hard pick"] = bool(rec.hard[p] == 1.0)
        if rec.contribution is not None:
            row["Contribution to score"] = rec.contribution[p]
        if rec.influence is not None:
            row["Score drop when removed"] = rec.influence[p]
        if trigger is not None:
            row["Planted trigger"] = p == trigger
        rows.append(row)
    df = pd.DataFrame(rows)
    sort = next((c for c in ("Score drop when removed", "Soft weight") if c in df.columns), None)
    return df.sort_values(sort, ascending=False, kind="stable") if sort else df


def why_chart(rec: Recommendation, res: Explanation, show_all: bool, n: int = 12):
    df = why_frame(rec, res)
    if not show_all:
        df = df.head(n)
    labels = [("★ " if r.get("Planted trigger") else "") + ("◆ " if r.get("Hard pick") else "")
              + f"{charts.short(r['History item'], 26)} ({r['Steps back']} back)" for r in df.to_dict("records")]
    hover = [f"{r['History item']} · {r['Category']} · {r['Steps back']} back" for r in df.to_dict("records")]
    return charts.why_figure(labels, df["Soft weight"].tolist() if "Soft weight" in df else None,
                             df["Score drop when removed"].tolist() if "Score drop when removed" in df else None,
                             hover)


def explain_one(rec: Recommendation, res: Explanation, key: str):
    """Bars, plain words and the table for one recommendation (or a why-not item)."""
    if rec.soft is None:
        st.info(f"Nothing to show: this model explains {res.explained_by}.")
        return
    chart, words = st.columns([3, 2], gap="medium")
    with words:
        for kind, text in honesty_words(rec, res):
            say(kind, text)
        planted_note = planted_words(rec, res)
        if planted_note:
            say(*planted_note)
        st.caption("**Soft weight**: how much attention the item gets (0 to 1). **Hard pick**: the one item hard "
                   "attention keeps. **Score drop when removed**: how much this score falls when the item is taken "
                   "out of the history, the model's real sensitivity. "
                   + ("**Contribution**: the item's exact share of the score. " if rec.contribution is not None else "")
                   + "★ planted trigger, ◆ hard pick.")
    with chart:
        show_all = st.toggle("Show every history item", key=f"{key}_all", value=len(res.history) <= 12)
        st.plotly_chart(why_chart(rec, res, show_all), key=f"{key}_bars")
    with st.expander("Table of the history items behind it"):
        st.dataframe(why_frame(rec, res), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.4f") for c in
                                    ("Soft weight", "Contribution to score", "Score drop when removed")})
