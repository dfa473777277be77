"""The Explain page's explanations as tables and figures: the history timeline, the recommendations,
soft and hard heatmaps side by side over a window of recent items, and the self-attention layers.

Every number comes from `recsys_core.explain.user.explain_user` (an Explanation); this module only
arranges them. Choosing models and users: model_pick and user_pick; one recommendation and "why not X?": why_view.
"""
import os
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from recsys_core.explain.explanation import Explanation, Recommendation
from recsys_core.explain.user import explain_user
from ui import charts
from ui.state import data_dir, opened
from ui.user_pick import planted_at


@st.cache_data(max_entries=256, show_spinner="Explaining…")
def _explain(path: str, mtime: float, data_dir_: str | None, user_id: str, k: int, extra: tuple) -> Explanation:
    return explain_user(opened(path, data_dir_), user_id, k, extra_items=extra, planted=planted_at(path, data_dir_))


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


def history_caption(res: Explanation) -> str:
    shown = len(res.history)
    if shown < res.history_total:
        return (f"The {shown:,} most recent of {res.history_total:,} interactions (what the model reads), "
                "most recent first.")
    return f"All {shown:,} interactions, most recent first."


def history_frame(res: Explanation, data) -> pd.DataFrame:
    """The visible history as a timeline, most recent first: the items that matter most lead the table."""
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
    return pd.DataFrame(rows[::-1])


def history_labels(res: Explanation) -> tuple[list[str], list[str]]:
    """Full titles and "n steps back" notes for the history columns of every heatmap."""
    hist = res.history
    notes = [f"{h.steps_back} step{'s' if h.steps_back > 1 else ''} back" for h in hist]
    return [h.title for h in hist], notes


def rec_labels(recs: list[Recommendation]) -> list[str]:
    return [f"why not: {r.title}" if r.is_why_not else f"{j + 1}. {r.title}" for j, r in enumerate(recs)]


def recommendations_frame(res: Explanation, predicted: dict[str, float] | None = None) -> pd.DataFrame:
    hist = res.history
    rows = []
    for j, r in enumerate(res.recommendations):
        row = {"#": j + 1, "Recommendation": r.title}  # the "why" columns next to the title, in view
        if r.honesty and res.has_focus:  # the yes/no first: it fits even a narrow column
            row["Agree"] = "yes" if r.honesty.agree else "no"
        if r.soft is not None and res.has_focus:
            row["Attention's top item"] = hist[int(np.argmax(r.soft))].title
        if r.honesty and res.has_focus:
            row["Most influential item"] = hist[r.honesty.top_influence].title
        if any(x.planted for x in res.recommendations):
            p = r.planted
            row["Planted trigger"] = "" if not p else (
                f"{p.trigger_title} ({'found' if p.hard_hit else 'missed'} by hard)")
        row["Score"] = r.score
        if predicted:
            row["Predicted rating"] = predicted.get(r.item_id)
        row["Category"] = r.category
        rows.append(row)
    return pd.DataFrame(rows)


def weights_frame(rows: list[str], weights: list[list[float]], res: Explanation) -> pd.DataFrame:
    """A heatmap as a table: rows as labelled, one column per history item ("3 back · title")."""
    cols = [f"{h.steps_back} back · {h.title}" for h in res.history[-len(weights[0]):]] if weights else []
    return pd.DataFrame(weights, index=rows, columns=cols).round(4)


WINDOW = 30  # history items a map shows by default: enough to read every title under its column
COMPACT = 60  # wider than this, columns are labelled "n back" and the maps stack at full width


def window_note(recent: int, older: int, total: int) -> str:
    hidden = total - recent - older
    if hidden <= 0:
        return ""
    also = f" + {older:,} pointed at" if older else ""
    return f"the recent {recent:,}{also} · {hidden:,} older items hidden"


def pinned(res: Explanation | None) -> set[int]:
    """Steps back of the items the rows point at (top soft weight, hard pick, planted trigger): kept in
    view however old, so a map never hides the item its recommendation's words talk about."""
    out = set()
    for r in (res.recommendations if res and res.has_focus else []):
        n = len(res.history)
        for w in (r.soft, r.hard):
            if w is not None:
                out.add(n - int(np.argmax(w)))
        if r.planted:
            out.add(n - r.planted.position)
    return out


def same_rows(hard_res: Explanation, res: Explanation) -> Explanation:
    """hard_res (explained with res's recommendations as extra items) with those as its rows, in res's order:
    row 1 of the hard map is row 1 of the soft map."""
    rows = [replace(r, kind="recommendation") for r in hard_res.why_not]
    return replace(hard_res, recommendations=rows, why_not=[])


def shared_row(res: Explanation) -> bool:
    """Whether one read-out explains every recommendation, so every row would repeat the same weights:
    self-attention (it has layer maps; the last position's row is the read-out) and uniform weights."""
    return res.attention_maps is not None or not res.has_focus


def heatmap(res: Explanation, key: str, title: str, recs: list[Recommendation] | None = None, show_scale: bool = True,
            max_labels: int = 24, window: int | None = None, columns: Explanation | None = None,
            keep: set[int] | None = None):
    """Recommendations x history heatmap of `soft` or `hard` weights; None when the model has no attention.

    window: the most recent `window` history items (None: all), plus the older ones in `keep` (steps
    back; default: those this map's rows point at), left of a white line. columns: the explanation whose
    history gives the columns (another model's, for maps side by side), matched by steps back; cells
    outside this model's own view stay blank. Identical rows (self-attention) become one row."""
    recs = res.recommendations if recs is None else recs
    if not recs or getattr(recs[0], key) is None:
        return None
    cols_res = columns or res
    keep = pinned(replace(res, recommendations=recs)) if keep is None else keep
    w = window or len(cols_res.history)
    shown = [p for p, h in enumerate(cols_res.history) if h.steps_back <= w or h.steps_back in keep]
    all_cols, all_notes = history_labels(cols_res)
    cols, notes = [all_cols[p] for p in shown], [all_notes[p] for p in shown]
    back = [cols_res.history[p].steps_back for p in shown]
    older = sum(b > w for b in back)
    n_own = len(res.history)
    rows = [[v[n_own - b] if b <= n_own else None for b in back] for v in (getattr(r, key) for r in recs)]
    labels = rec_labels(recs)
    marks = [(j, back.index(n_own - r.planted.position)) for j, r in enumerate(recs)
             if r.planted and n_own - r.planted.position in back]
    if len(recs) > 1 and shared_row(res):
        rows, labels = rows[:1], [f"all {len(recs)} recommendations"]  # one read-out for every one
        marks = sorted({(0, c) for _, c in marks})
    compact = len(back) > COMPACT
    # The title names user, model and dataset, so a PNG saved from the chart's camera button says what it shows.
    if title:  # a titled map also names user, model and dataset (Compare's maps have headings instead)
        title = f"{title} · user {res.user_id} · {'' if res.model in title else res.model + ' '}on {res.dataset}"
    fig = charts.attention_heatmap(rows, labels, cols, title=title, marks=marks, col_notes=notes,
                                   cell_word="soft weight" if key == "soft" else "hard pick",
                                   show_scale=show_scale, max_labels=max_labels,
                                   x_title=window_note(len(back) - older, older, len(cols_res.history)),
                                   col_ticks=[f"{b} back" for b in back] if compact else None,
                                   always_label=range(older))
    if older and older < len(back):  # the line between the older items kept in view and the recent window
        fig.add_shape(type="line", x0=older - 0.5, x1=older - 0.5, y0=0, y1=1, yref="paper",
                      line=dict(color="white", width=3))
    return fig


def choose_window(n: int, key: str = "_explain_window") -> int:
    """A slider over how many recent history items the maps show, when there are more than WINDOW."""
    if n <= WINDOW:
        return n
    w = st.slider("History items in the maps (most recent)", 10, n, WINDOW, key=key, help=f"Wider than {COMPACT}, "
                  "the maps switch to a compact view: columns labelled by steps back, full titles on hover.")
    if w < n:
        st.caption(f"Showing the most recent {w:,} of {n:,} history items; {n - w:,} older items hidden. "
                   "Widen the slider to see them.")
    return w


def attention_maps(res: Explanation, hard_res: Explanation | None, hard_trained: bool):
    """Soft (left) and hard (right: the hard-trained model, and the argmax of this one) on one 0..1 scale,
    over the same recommendation rows and the same recent window, each with a table alternative, and the
    self-attention layers when there are any. hard_res: see same_rows."""
    if not res.has_attention:
        st.info(f"This model has no attention to show: it explains {res.explained_by}.")
        return
    window = choose_window(len(res.history))
    wide = window > COMPACT
    stacked = st.toggle("Stack the maps (more room for long histories)", key="_explain_stack") or wide
    left, right = (st.container(), st.container()) if stacked else st.columns(2, gap="medium")
    max_labels = 48 if stacked else 24
    keep = pinned(res) | pinned(hard_res)  # the same columns in every map
    with left:
        title = f"Soft: {'pre-argmax view of ' if hard_trained else ''}{res.model}"
        st.plotly_chart(heatmap(res, "soft", title, show_scale=stacked, max_labels=max_labels, window=window,
                                keep=keep), key="heat_soft")
    with right:
        maps = {}
        if res.has_focus:
            maps[f"Hard: {res.model}{'' if hard_trained else ' (argmax)'}"] = (res, "heat_hard")
        if hard_res and hard_res.recommendations and hard_res.recommendations[0].hard is not None:
            maps = {f"Hard-trained: {hard_res.model}": (hard_res, "heat_hard_trained"), **maps}
        if not maps:
            st.info("The mean baseline weighs every history item equally, so it has no hard pick. Train a "
                    "hard-attention model to see one here.")
        for tab, name, (r, key) in zip(st.tabs(list(maps)) if maps else [], maps, maps.values()):
            with tab:
                st.plotly_chart(heatmap(r, "hard", name, max_labels=max_labels, window=window, columns=res,
                                        keep=keep), key=key)
    planted = any(r.planted for r in res.recommendations)
    shared = shared_row(res)
    st.caption(("Left of the white line: older items the rows point at. " if max(keep, default=0) > window else "")
               + ("One row: this model reads the history once and scores every recommendation from that one "
                "read-out, so every recommendation has the same weights. Columns" if shared else
                "Rows: recommendations, in the same order in every map; columns")
               + ": the history, oldest left; hover a cell for the full titles. Every map "
               "uses the same colour scale, 0 to 1, stretched at the low end so small weights stay visible. Soft "
               "attention spreads weight over the history; hard attention keeps exactly one item per row"
               + (" (the argmax view shows what this model would keep)." if not hard_trained else ".")
               + (" Orange outline: the planted trigger behind a follow-up." if planted else ""))
    with st.expander("Tables of these heatmaps (for screen readers and copying)"):
        tables = {"Soft": (res, "soft")}
        if res.has_focus:
            tables["Hard (argmax)" if not hard_trained else "Hard"] = (res, "hard")
        if hard_res and hard_res.recommendations and hard_res.recommendations[0].hard is not None:
            tables[f"Hard-trained ({hard_res.model})"] = (hard_res, "hard")
        for tab, (r, key) in zip(st.tabs(list(tables)), tables.values()):
            with tab:
                recs = r.recommendations
                st.dataframe(weights_frame(rec_labels(recs), [getattr(x, key) for x in recs], r))
    if res.attention_maps:
        with st.expander("Every layer and head of the self-attention"):
            layer_maps(res, "layers", window)


def layer_maps(res: Explanation, key: str, window: int | None = None):
    """Self-attention: the last position's row of every layer and head, and any one full map, over the
    most recent `window` positions so both fit one screen."""
    maps = res.attention_maps
    if not maps:
        return
    n = len(res.history)
    w = min(window or n, n)
    cols, notes = history_labels(res)
    cols, notes = cols[n - w:], notes[n - w:]
    ticks = [note.split(" ")[0] + " back" for note in notes] if w > COMPACT else None
    names = [f"layer {m.layer + 1} · head {m.head + 1}" for m in maps]
    st.markdown("**The last position's row in every layer and head** (the explanation above averages the last "
                "layer's heads)")
    last_rows = [m.weights[-1][n - w:] for m in maps]
    note = window_note(w, 0, n)
    st.plotly_chart(charts.attention_heatmap(last_rows, names, cols, col_notes=notes, row_name="Layer · head",
                                             max_labels=48, x_title=note, col_ticks=ticks, max_height=320),
                    key=f"{key}_last_rows")
    which = st.selectbox("Full map of", range(len(maps)), format_func=lambda i: names[i], key=f"{key}_map")
    full = [row[n - w:] for row in maps[which].weights[n - w:]]
    st.plotly_chart(charts.attention_heatmap(full, cols, cols, col_notes=notes, max_labels=48, col_ticks=ticks,
                                             row_name="Position (query)", col_name="Attends to", x_title=note,
                                             max_height=540), key=f"{key}_full_map")
    with st.expander("Table of these maps"):
        st.dataframe(weights_frame(names, last_rows, res))
        st.dataframe(weights_frame([f"{c} (query)" for c in cols], full, res))
