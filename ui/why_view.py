"""One recommendation, explained: bars of attention against the removal test, plain sentences that
say whether attention tells the truth, the planted cause on the embedded data, the table, and
"why not X?" for an item the user asks about.

Every number comes from the Explanation (recsys_core.explain); this module only words and draws it.
"""
import numpy as np
import pandas as pd
import streamlit as st

from recsys_core.data.lookup import find_user, search_items
from recsys_core.explain.explanation import Explanation, Recommendation
from ui import charts
from ui import explain_view as ev
from ui.state import friendly


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
    rho = h.spearman
    order = (f"attention and influence rank them {_agreement(rho)} (Spearman ρ = {rho:+.2f}; 1 = the same order, "
             "0 = unrelated)") if rho is not None else ""
    if max(soft) - min(soft) < 1e-6:
        out = [("info", f"Attention is spread evenly over all {n:,} items, so it points at nothing in particular. "
                        f"Taking out **{b}** lowers the score the most ({h.max_drop:.3f}).")]
    elif h.agree and rho is not None and rho < 0:
        # The top item matches, but the weights as a whole point the wrong way: no green box, no "truth".
        return [("warning", f"Attention points most at **{a}**, and taking {a} out is also what lowers this score "
                            f"the most ({h.max_drop:.3f}). But across all {n:,} history items {order}: beyond "
                            "that one item, do not read the weights as importance.")]
    elif h.agree:
        out = [("success", f"Attention points most at **{a}**, and taking {a} out of the history is also what lowers "
                           f"this score the most ({h.max_drop:.3f}). Here attention tells the truth about what "
                           "drove the recommendation.")]
    else:
        out = [("warning", f"Attention points most at **{a}**, but taking out **{b}** lowers the score the most "
                           f"({h.max_drop:.3f}), while taking out {a} "
                           f"{_change(h.drop_when_top_attention_removed)} "
                           f"(#{h.attention_top_influence_rank + 1:,} of {n:,} by influence). Attention is not the "
                           "whole story here: read the heatmap with care.")]
    if rho is not None:
        # After "attention tells the truth", a low rank correlation would read as a contradiction: it
        # is about the near-zero weights of the other items, so say so.
        lead = "Beyond that item, the small weights are a poor guide: across" if h.agree and rho < 0.1 else "Across"
        out.append(("info", f"{lead} all {n:,} history items, {order}."))
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
    text += f" Soft attention gives it {p.soft_weight:.3f}, the #{place:,} weight of {len(hist):,}."
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


def named_positions(rec: Recommendation, res: Explanation) -> set[int]:
    """History positions the words and marks talk about: attention's top item, the most influential
    one, the hard pick and the planted trigger."""
    named = set()
    if rec.honesty:
        named |= {rec.honesty.top_attention, rec.honesty.top_influence}
    if rec.hard is not None and res.has_focus:
        named.add(int(np.argmax(rec.hard)))
    if rec.planted:
        named.add(rec.planted.position)
    return named


def why_chart(rec: Recommendation, res: Explanation, show_all: bool, n: int = 12):
    """Bars for the n most influential items plus every item the sentences name (all items: show_all)."""
    df = why_frame(rec, res)
    if not show_all:
        named = {res.history[p].steps_back for p in named_positions(rec, res)}
        keep = df.head(n).index.union(df.index[df["Steps back"].isin(named)])
        df = df.loc[[i for i in df.index if i in keep]]  # most influential first, as sorted
    labels = [("★ " if r.get("Planted trigger") else "") + ("◆ " if r.get("Hard pick") else "")
              + f"{charts.short(r['History item'], 26)} ({r['Steps back']:,} back)" for r in df.to_dict("records")]
    hover = [f"{r['History item']} · {r['Category']} · {r['Steps back']:,} back" for r in df.to_dict("records")]
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
        if rec.feature_attention:  # a model with item features: which attribute values its attention reached
            top = list(rec.feature_attention.items())[:6]
            tested = rec.feature_influence or {}
            say("info", "**Attributes behind it** (item attention × each item's attention over its attributes): "
                + ", ".join(f"{k} {v:.2f}" + (f" (removing it from every item {_change(tested[k])})"
                                               if k in tested else "") for k, v in top) + ".")
        st.caption("**Soft weight**: how much attention the item gets (0 to 1). **Hard pick**: the one item hard "
                   "attention keeps. **Score drop when removed**: how much this score falls when the item is taken "
                   "out of the history, the model's real sensitivity. "
                   + ("**Contribution**: the item's exact share of the score. " if rec.contribution is not None else "")
                   + "★ planted trigger, ◆ hard pick.")
    with chart:
        show_all = st.toggle(f"Show every history item ({len(res.history):,})", key=f"{key}_all",
                             value=len(res.history) <= 12)
        st.plotly_chart(why_chart(rec, res, show_all), key=f"{key}_bars")
    with st.expander("Table of the history items behind it"):
        st.dataframe(why_frame(rec, res), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.4f") for c in
                                    ("Soft weight", "Contribution to score", "Score drop when removed")})


def why_not(path: str, res: Explanation, k: int, data):
    """Search an item, explain it as an extra candidate: its rank, score and attention row."""
    query = st.text_input("Search an item by title", key="_explain_whynot_q", placeholder="e.g. Lens")
    hits = search_items(data, query, limit=30) if query.strip() else []
    if query.strip() and not hits:
        st.caption("No item title contains that text.")
    if not hits:
        return
    titles = {h["item_id"]: h["title"] for h in hits}
    item = st.selectbox("Item", list(titles), format_func=titles.get, key="_explain_whynot_item")
    wn_res = friendly(ev.explain, path, res.user_id, k, (item,))
    if not wn_res:
        return
    wn, recs = wn_res.why_not[0], res.recommendations
    kth = recs[-1].score
    if in_history(data, res.user_id, item):
        st.info(f"**{wn.title}** is already in this user's history, and the model never recommends what a user "
                "already has.")
    elif wn.rank is not None and wn.rank < len(recs):
        st.success(f"**{wn.title}** is already recommended, at #{wn.rank + 1}.")
    else:
        where = f"#{wn.rank + 1:,} of {data.n_items:,}" if wn.rank is not None else "below the top 2,000"
        st.warning(f"**{wn.title}** ranks {where} for this user: score {wn.score:.3f}, while #{len(recs)} "
                   f"scores {kth:.3f}. It would need {kth - wn.score:+.3f} to make the list.")
    fig = ev.heatmap(wn_res, "soft", f"Soft attention for {wn.title} (same colour scale as above)", recs=[wn],
                     show_scale=False, window=st.session_state.get("_explain_window"))
    if fig is not None:
        st.plotly_chart(fig, key="heat_whynot")
    explain_one(wn, wn_res, "whynot")


def follow_list(key: str, item_ids: list[str]):
    """Keep the "See why" select (options: positions in `item_ids`) on the same item when the list changes
    (another user, model or K), else on the first; setting it here makes the server send the new label,
    where the browser would otherwise keep showing the previous list's title."""
    seen, picked = st.session_state.get(f"{key}_items"), st.session_state.get(key)
    if seen is not None and list(seen) != item_ids:
        was = seen[picked] if isinstance(picked, int) and 0 <= picked < len(seen) else None
        st.session_state[key] = item_ids.index(was) if was in item_ids else 0
    st.session_state[f"{key}_items"] = item_ids


def in_history(data, user_id: str, item_id: str) -> bool:
    i = data.item_index().get(str(item_id))
    return i is not None and i in set(data.seq(find_user(data, user_id)).tolist())
