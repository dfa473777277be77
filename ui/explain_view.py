"""The Explain page's explanation, computed once per (model, hard-trained partner, user, K) by the core
(recsys_core.explain.page.explain_page) and shown as the top-K list with the soft and hard maps beside
it, above the fold; the maps' window and colour scale; their tables; the self-attention layers.

Every number and sentence comes from the core; this module only arranges them. Choosing models and
users: model_pick and user_pick; one recommendation and "why not X?": why_view.
"""
import numpy as np
import pandas as pd
import streamlit as st

from recsys_core.explain.explanation import Explanation, Recommendation
from recsys_core.explain.page import PageExplanation, explain_page
from ui import charts
from ui.state import Version, data_dir, opened, version_of
from ui.user_pick import planted_of

WINDOW = 30  # history items a map shows by default: every column labelled and readable
WIDE = 40  # wider than this, the maps stack under the list at full width


@st.cache_data(max_entries=256, show_spinner="Explaining…")
def _page(version: Version, hard: Version | None, data_dir_: str | None, user_id: str, k: int) -> PageExplanation:
    partner = opened(hard, data_dir_) if hard else None
    return explain_page(opened(version, data_dir_), user_id, k, partner=partner, planted=planted_of(version, data_dir_),
                        partner_planted=planted_of(hard, data_dir_) if hard else None)


def page_for(path: str, hard_path: str | None, user_id: str, k: int) -> PageExplanation:
    """explain_page for a model file (and its partner), cached per file versions, user and K for every session."""
    return page_at(version_of(path), version_of(hard_path), data_dir(), user_id, k)


def page_at(version: Version, hard: Version | None, data_dir_: str | None, user_id: str, k: int) -> PageExplanation:
    """page_for with the versions and data directory in hand (for other cached functions)."""
    return _page(version, hard, data_dir_, str(user_id), int(k))


def history_caption(res: Explanation) -> str:
    shown = len(res.history)
    if shown < res.history_total:
        return f"The {shown:,} most recent of {res.history_total:,} interactions (what the model reads), most recent first."
    return f"All {shown:,} interactions, most recent first."


def _ago(seconds: float) -> str:
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
                       ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} before the last"
    return "same time as the last" if seconds <= 0 else "seconds before the last"


def history_frame(res: Explanation) -> pd.DataFrame:
    """The visible history as a timeline, most recent first."""
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
            row["Planted cause"] = f"follow-up of {h.trigger_title}" if h.trigger_title else h.cause
        rows.append(row)
    return pd.DataFrame(rows[::-1])


def top_frame(page: PageExplanation, predicted: dict | None = None) -> pd.DataFrame:
    """The top-K, compact: rank, title, score and the history item the removal test says holds it up most."""
    res = page.expl
    rows = []
    for r in res.recommendations:
        row = {"#": r.rank + 1, "Recommendation": r.title, "Score": r.score}
        if predicted:
            row["Predicted rating"] = predicted.get(r.item_id)
        rows.append(row)
    return pd.DataFrame(rows)


def details_frame(page: PageExplanation) -> pd.DataFrame:
    """Every column of the list: category, attention's top item beside the removal test's, planted trigger."""
    res, rows = page.expl, []
    for r in res.recommendations:
        row = {"#": r.rank + 1, "Recommendation": r.title, "Category": r.category, "Score": r.score}
        if r.soft is not None and res.has_focus:
            row["Attention's top item"] = res.history[int(np.argmax(r.soft))].title
        if r.honesty is not None:
            row["Removal test's top item"] = res.history[r.honesty.top_influence].title
            if res.has_focus:
                row["Same item?"] = "yes" if r.honesty.agree else "no"
        if any(x.planted for x in res.recommendations):
            row["Planted trigger"] = r.planted.trigger_title if r.planted else ""
        rows.append(row)
    return pd.DataFrame(rows)


def weights_frame(rows: list[str], weights: list[list[float]], res: Explanation) -> pd.DataFrame:
    """A heatmap as a table: rows as labelled, one column per history item ("3 back · title")."""
    cols = [f"{h.steps_back} back · {h.title}" for h in res.history[-len(weights[0]):]] if weights else []
    return pd.DataFrame(weights, index=rows, columns=cols).round(4)


def rec_labels(recs: list[Recommendation]) -> list[str]:
    """Row labels numbered as in the page's list (a partner model's rows are that list's items, in its order)."""
    return [f"why not: {r.title}" if r.is_why_not else f"{j + 1}. {r.title}" for j, r in enumerate(recs)]


def pinned(res: Explanation | None) -> set[int]:
    """Steps back of the items the rows point at (top soft weight, hard pick, planted trigger): kept in
    view however old, so a map never hides the item its words talk about."""
    out = set()
    for r in (res.recommendations if res and res.has_focus else []):
        n = len(res.history)
        for w in (r.soft, r.hard):
            if w is not None:
                out.add(n - int(np.argmax(w)))
        if r.planted:
            out.add(r.planted.steps_back)
    return out


def shared_row(res: Explanation) -> bool:
    """One read-out explains every recommendation (self-attention, uniform weights): one row says it all."""
    return res.attention_maps is not None or not res.has_focus


def heatmap(res: Explanation, key: str, title: str, recs: list[Recommendation] | None = None, show_scale: bool = True,
            window: int | None = None, columns: Explanation | None = None, keep: set[int] | None = None,
            scale: str = "weight", max_height: int = 420):
    """Recommendations x history heatmap of `soft` or `hard` weights; None when the model has no attention.

    window: the most recent `window` history items (None: all), plus the older ones in `keep` (steps
    back; default: those this map's rows point at), left of a white line. columns: the explanation whose
    history gives the columns (another model's, for maps side by side), matched by steps back; cells
    outside this model's own view stay blank. Identical rows (self-attention) become one row. Rows are
    numbered as in the list; the hover names every row and column in full."""
    recs = res.recommendations if recs is None else recs
    if not recs or getattr(recs[0], key) is None:
        return None
    cols_res = columns or res
    keep = pinned(Explanation(**{**vars(res), "recommendations": recs})) if keep is None else keep
    w = window or len(cols_res.history)
    shown = [p for p, h in enumerate(cols_res.history) if h.steps_back <= w or h.steps_back in keep]
    cols = [cols_res.history[p].title for p in shown]
    back = [cols_res.history[p].steps_back for p in shown]
    older = sum(b > w for b in back)
    n_own = len(res.history)
    rows = [[v[n_own - b] if b <= n_own else None for b in back] for v in (getattr(r, key) for r in recs)]
    labels = rec_labels(recs)
    ticks = [lab.split(".", 1)[0] if not r.is_why_not else "why not" for lab, r in zip(labels, recs)]
    marks = [(j, back.index(r.planted.steps_back)) for j, r in enumerate(recs)
             if r.planted and r.planted.steps_back in back]
    if len(recs) > 1 and shared_row(res):
        rows, labels, ticks = rows[:1], [f"all {len(recs)} recommendations"], ["all"]
        marks = sorted({(0, c) for _, c in marks})
    col_ticks, tick_note = charts.column_ticks(cols, back)
    hidden = len(cols_res.history) - len(back)
    note = "; ".join(x for x in (tick_note, f"{hidden:,} older items hidden" if hidden else "") if x)
    if title:  # a titled map names user and dataset too, so a PNG saved from it says what it shows
        title = f"{title} · user {res.user_id} on {res.dataset}"
    fig = charts.attention_heatmap(rows, labels, cols, title=title, marks=marks,
                                   col_notes=[f"{b} back" for b in back],
                                   cell_word="soft weight" if key == "soft" else "hard pick", show_scale=show_scale,
                                   x_title=note, col_ticks=col_ticks, row_ticks=ticks, scale=scale,
                                   max_height=max_height)
    if older and older < len(back):  # the line between the older items kept in view and the recent window
        fig.add_shape(type="line", x0=older - 0.5, x1=older - 0.5, y0=0, y1=1, yref="paper",
                      line=dict(color="white", width=3))
    return fig
