"""One recommendation, explained: bars of attention against the removal test, the claims the core makes
about it (recsys_core.claims: plain words first, the statistics behind an expander), the table; and
"why not X?" for an item the user asks about.

Every number and sentence comes from the core; this module only draws them.
"""
import pandas as pd
import streamlit as st

from recsys_core.data.lookup import search_items
from recsys_core.explain.explanation import Explanation, Recommendation
from recsys_core.explain.page import PageExplanation, WhyNot, why_not_item
from ui import charts
from ui import explain_view as ev
from ui.keys import keyed
from ui.state import Version, data_dir, friendly, opened, version_of
from ui.user_pick import planted_of

TONES = {"success": st.success, "warning": st.warning, "info": st.info}


def say(claims):
    """The claims in reading order: plain words as boxes, the statistics behind one expander."""
    plain, detail = [c for c in claims if not c.detail], [c for c in claims if c.detail]
    for c in plain:
        TONES[c.tone](c.text)
    if detail:
        with st.expander("The statistics behind it"):
            for c in detail:
                st.markdown(c.text)


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


def named_backs(rec: Recommendation, res: Explanation) -> set[int]:
    """Steps back of the history items the words and marks talk about."""
    n, named = len(res.history), set()
    if rec.honesty:
        named |= {n - rec.honesty.top_attention, n - rec.honesty.top_influence}
    if rec.hard is not None and res.has_focus:
        named.add(n - max(range(n), key=rec.hard.__getitem__))
    if rec.planted:
        named.add(rec.planted.steps_back)
    return named


def why_chart(rec: Recommendation, res: Explanation, show_all: bool, n: int = 12):
    """Bars for the n most influential items plus every item the sentences name (all items: show_all)."""
    df = why_frame(rec, res)
    if not show_all:
        keep = df.head(n).index.union(df.index[df["Steps back"].isin(named_backs(rec, res))])
        df = df.loc[[i for i in df.index if i in keep]]  # most influential first, as sorted
    labels = [("★ " if r.get("Planted trigger") else "") + ("◆ " if r.get("Hard pick") else "")
              + f"{charts.short(r['History item'], 26)} ({r['Steps back']:,} back)" for r in df.to_dict("records")]
    hover = [f"{r['History item']} · {r['Category']} · {r['Steps back']:,} back" for r in df.to_dict("records")]
    return charts.why_figure(labels, df["Soft weight"].tolist() if "Soft weight" in df else None,
                             df["Score drop when removed"].tolist() if "Score drop when removed" in df else None,
                             hover)


def explain_one(rec: Recommendation, res: Explanation, claims, key: str):
    """Bars, the claims and the table for one recommendation (or a why-not item)."""
    if rec.soft is None:
        say(claims)
        return
    chart, words = st.columns([3, 2], gap="medium")
    with words:
        say(claims)
        st.caption("**Soft weight**: how much attention the item gets (0 to 1). **Hard pick**: the one item hard "
                   "attention keeps. **Score drop when removed**: how much this score falls when the item is taken "
                   "out of the history (the rest close up, as the what-if editor does): the model's real sensitivity. "
                   + ("**Contribution**: the item's exact share of the score. " if rec.contribution is not None else "")
                   + "★ planted trigger, ◆ hard pick.")
    with chart:
        show_all = st.toggle(f"Show every history item ({len(res.history):,})", key=f"{key}_all",
                             value=len(res.history) <= 12)
        charts.show(why_chart(rec, res, show_all), key=f"{key}_bars")
    with st.expander("Table of the history items behind it"):
        st.dataframe(why_frame(rec, res), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.4f") for c in
                                    ("Soft weight", "Contribution to score", "Score drop when removed")})


@st.cache_data(max_entries=128, show_spinner="Scoring that item…")
def _why_not(version: Version, hard: Version | None, data_dir_: str | None, user_id: str, k: int,
             item_id: str) -> WhyNot:
    page = ev.page_at(version, hard, data_dir_, user_id, k)
    return why_not_item(opened(version, data_dir_), page, item_id, planted=planted_of(version, data_dir_))


def why_not(path: str, hard_path: str | None, page: PageExplanation, k: int, data, window: int, scale: str
            ) -> WhyNot | None:
    """Search an item, explain it as an extra candidate: where it stands and its attention row. Widgets are
    keyed by model and user, so another user's search never acts here."""
    about = (path, page.expl.user_id)
    query = st.text_input("Search an item by title", key=keyed("_explain_whynot_q", *about), placeholder="e.g. Lens")
    hits = search_items(data, query, limit=30) if query.strip() else []
    if query.strip() and not hits:
        st.caption("No item title contains that text.")
    if not hits:
        return None
    titles = {h.item_id: h.title for h in hits}
    item = st.selectbox("Item", list(titles), format_func=titles.get, key=keyed("_explain_whynot_item", *about, query))
    wn = friendly(lambda: _why_not(version_of(path), version_of(hard_path), data_dir(), page.expl.user_id, k, item))
    if wn is None:
        return None
    if wn.in_history or (wn.row.rank is not None and wn.row.rank < len(page.expl.recommendations)):
        say(wn.claims)  # one line and nothing else
        return wn
    say(wn.claims[:1])
    fig = ev.heatmap(wn.expl, "soft", f"Soft attention for {wn.row.title} (same colour scale as above)", recs=[wn.row],
                     show_scale=False, window=window, scale=scale)
    if fig is not None:
        charts.show(fig, key="heat_whynot")
    explain_one(wn.row, wn.expl, wn.claims[1:], "whynot")
    return wn
