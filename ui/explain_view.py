"""The Explain page's explanations as tables and figures: the history timeline, the recommendations,
soft and hard heatmaps side by side, the self-attention layers and "why not X?".

Every number comes from `recsys_core.explain.user.explain_user` (an Explanation); this module only
arranges them. Choosing models and users: model_pick and user_pick; one recommendation: why_view.
"""
import os

import numpy as np
import pandas as pd
import streamlit as st

from recsys_core.data.lookup import find_user, search_items
from recsys_core.explain.explanation import Explanation, Recommendation
from recsys_core.explain.user import explain_user
from recsys_core.store import library
from ui import charts, why_view
from ui.state import data_dir, friendly, loaded_model
from ui.user_pick import planted


@st.cache_data(max_entries=256, show_spinner="Explaining…")
def _explain(path: str, mtime: float, data_dir_: str | None, user_id: str, k: int, extra: tuple) -> Explanation:
    return explain_user(loaded_model(path), user_id, k, extra_items=extra, planted=planted(path))


def explain(path: str, user_id: str, k: int, extra: tuple = ()) -> Explanation:
    """explain_user for a model file, cached per (file version, user, k, extra items) for every session."""
    return _explain(path, os.path.getmtime(path), data_dir(), str(user_id), int(k), tuple(extra))


def _ago(seconds: float) -> str:
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
                       ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} before the last"
    return "same time as the last" if seconds <= 0 else "seconds before the last"


def title_of(data, item_id: str) -> str:
    i = data.item_index().get(str(item_id))
    return str(data.titles[i]) if i else f"item {item_id}"


def history_frame(res: Explanation, data) -> pd.DataFrame:
    """The visible history as a timeline, oldest first, as the model reads it."""
    hist = res.history
    last = hist[-1].timestamp
    real_time = last > 1e8  # epoch seconds; data without times carries the row order instead
    rows = []
    for h in hist:
        when = "the last" if h.steps_back == 1 else (_ago(last - h.timestamp) if real_time
                                                         else f"{h.steps_back - 1} steps before the last")
        row = {"Steps back": h.steps_back, "When": when, "Title": h.title, "Category": h.category}
        if h.rating is not None:
            row["Rating"] = h.rating
        if h.cause is not None:
            c = h.cause
            trigger = c.split(" ", 1)[1] if c.startswith("trigger ") else None
            row["Planted cause"] = f"follow-up of {title_of(data, trigger)}" if trigger else c
        rows.append(row)
    return pd.DataFrame(rows)


def history_labels(res: Explanation) -> tuple[list[str], list[str]]:
    """Full titles and "n steps back" notes for the history columns of every heatmap."""
    hist = res.history
    notes = [f"{h.steps_back} step{'s' if h.steps_back > 1 else ''} back" for h in hist]
    return [h.title for h in hist], notes


def rec_labels(recs: list[Recommendation]) -> list[str]:
    return [f"why not: {r.title}" if r.is_why_not else f"{j + 1}. {r.title}"
            for j, r in enumerate(recs)]


def recommendations_frame(res: Explanation) -> pd.DataFrame:
    hist = res.history
    rows = []
    for j, r in enumerate(res.recommendations):
        row = {"#": j + 1, "Recommendation": r.title, "Score": r.score}
        if r.soft is not None and res.has_focus:
            row["Attention's top item"] = hist[int(np.argmax(r.soft))].title
        if r.honesty and res.has_focus:
            row["Most influential item"] = hist[r.honesty.top_influence].title
            row["Agree"] = "yes" if r.honesty.agree else "no"
        if any(x.planted for x in res.recommendations):
            p = r.planted
            row["Planted trigger"] = "" if not p else (
                f"{p.trigger_title} ({'found' if p.hard_hit else 'missed'} by hard)")
        row["Category"] = r.category
        rows.append(row)
    return pd.DataFrame(rows)


def weights_frame(rows: list[str], weights: list[list[float]], res: Explanation) -> pd.DataFrame:
    """A heatmap as a table: rows as labelled, one column per history item ("3 back · title")."""
    cols = [f"{h.steps_back} back · {h.title}" for h in res.history]
    return pd.DataFrame(weights, index=rows, columns=cols).round(4)


def heatmap(res: Explanation, key: str, title: str, recs: list[Recommendation] | None = None, show_scale: bool = True,
            max_labels: int = 24):
    """Recommendations x history heatmap of `soft` or `hard` weights; None when the model has no attention."""
    recs = res.recommendations if recs is None else recs
    if not recs or getattr(recs[0], key) is None:
        return None
    cols, notes = history_labels(res)
    marks = [(j, r.planted.position) for j, r in enumerate(recs) if r.planted]
    return charts.attention_heatmap([getattr(r, key) for r in recs], rec_labels(recs), cols, title=title, marks=marks,
                                    col_notes=notes, cell_word="soft weight" if key == "soft" else "hard pick",
                                    show_scale=show_scale, max_labels=max_labels)


def attention_maps(res: Explanation, hard_res: Explanation | None, hard_trained: bool):
    """Soft (left) and hard (right: the hard-trained model, and the argmax of this one) on one 0..1 scale,
    each with a table alternative, and the self-attention layers when there are any."""
    if not res.has_attention:
        st.info(f"This model has no attention to show: it explains {res.explained_by}.")
        return
    stacked = st.toggle("Stack the maps (more room for long histories)", key="_explain_stack")
    left, right = (st.container(), st.container()) if stacked else st.columns(2, gap="medium")
    max_labels = 48 if stacked else 24
    with left:
        title = f"Soft: {'pre-argmax view of ' if hard_trained else ''}{res.model}"
        st.plotly_chart(heatmap(res, "soft", title, show_scale=stacked, max_labels=max_labels), key="heat_soft")
    with right:
        maps = {}
        if res.has_focus:
            maps[f"Hard: {res.model}{'' if hard_trained else ' (argmax)'}"] = (res, "heat_hard")
        if hard_res and hard_res.recommendations[0].hard is not None:
            maps = {f"Hard-trained: {hard_res.model}": (hard_res, "heat_hard_trained"), **maps}
        if not maps:
            st.info("The mean baseline weighs every history item equally, so it has no hard pick. Train a "
                    "hard-attention model to see one here.")
        for tab, (r, key) in zip(st.tabs(list(maps)) if maps else [], maps.values()):
            with tab:
                st.plotly_chart(heatmap(r, "hard", "", max_labels=max_labels), key=key)
    planted = any(r.planted for r in res.recommendations)
    st.caption("Rows: recommendations; columns: the history, oldest left; hover a cell for the full titles. Every map "
               "uses the same colour scale, 0 to 1, stretched at the low end so small weights stay visible. Soft "
               "attention spreads weight over the history; hard attention "
               "keeps exactly one item per row"
               + (" (the argmax view shows what this model would keep)." if not hard_trained else ".")
               + (" Orange outline: the planted trigger behind a follow-up." if planted else ""))
    with st.expander("Tables of these heatmaps (for screen readers and copying)"):
        tables = {"Soft": (res, "soft")}
        if res.has_focus:
            tables["Hard (argmax)" if not hard_trained else "Hard"] = (res, "hard")
        if hard_res and hard_res.recommendations[0].hard is not None:
            tables[f"Hard-trained ({hard_res.model})"] = (hard_res, "hard")
        for tab, (r, key) in zip(st.tabs(list(tables)), tables.values()):
            with tab:
                recs = r.recommendations
                st.dataframe(weights_frame(rec_labels(recs), [getattr(x, key) for x in recs], r))
    if res.attention_maps:
        with st.expander("Every layer and head of the self-attention"):
            layer_maps(res, "layers")


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
    wn_res = friendly(explain, path, res.user_id, k, (item,))
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
    fig = heatmap(wn_res, "soft", f"Soft attention for {wn.title} (same colour scale as above)", recs=[wn],
                  show_scale=False)
    if fig is not None:
        st.plotly_chart(fig, key="heat_whynot")
    why_view.explain_one(wn, wn_res, "whynot")


def layer_maps(res: Explanation, key: str):
    """Self-attention: the last position's row of every layer and head, and any one full map."""
    maps = res.attention_maps
    if not maps:
        return
    cols, notes = history_labels(res)
    names = [f"layer {m.layer + 1} · head {m.head + 1}" for m in maps]
    st.markdown("**The last position's row in every layer and head** (the explanation above averages the last "
                "layer's heads)")
    last_rows = [m.weights[-1] for m in maps]
    st.plotly_chart(charts.attention_heatmap(last_rows, names, cols, col_notes=notes, row_name="Layer · head",
                                             max_labels=48), key=f"{key}_last_rows")
    which = st.selectbox("Full map of", range(len(maps)), format_func=lambda i: names[i], key=f"{key}_map")
    st.plotly_chart(charts.attention_heatmap(maps[which].weights, cols, cols, col_notes=notes, max_labels=48,
                                             row_name="Position (query)", col_name="Attends to"),
                    key=f"{key}_full_map")
    with st.expander("Table of these maps"):
        st.dataframe(weights_frame(names, last_rows, res))
        st.dataframe(weights_frame([f"{c} (query)" for c in cols], maps[which].weights, res))


def in_history(data, user_id: str, item_id: str) -> bool:
    i = data.item_index().get(str(item_id))
    return i is not None and i in set(data.seq(find_user(data, user_id)).tolist())


def metrics_frame(entries: list[library.Entry], seconds: dict[str, float | None]) -> pd.DataFrame:
    """One row per model: @10 metrics under both protocols (from each checkpoint's meta) and training time."""
    rows = []
    for e in entries:
        row = {"Model": e.name, "Kind": "shipped" if e.shipped else (e.label or "saved")}
        for protocol in ("full", "sampled"):
            for metric in ("ndcg@10", "hr@10", "mrr@10"):
                value = e.metrics.get(protocol, {}).get(metric)
                row[f"{metric.upper()} · {protocol}"] = None if value is None else round(value, 4)
        row["Training (s)"] = seconds.get(e.path)
        rows.append(row)
    return pd.DataFrame(rows)
