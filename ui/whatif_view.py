"""The Explain page's what-if editing and exports.

What-if: remove, add (searched by title) and move history items; the edit is the text that
recsys_core.explain.whatif applies (also kept in the link as ?edit=…), and the page shows the new
recommendations with their ranks before and after (↑/↓/new), what left the list, and the attention
and removal-test checks on the edited history. Exports: the explanation as JSON (the recommend /
explain --json document), CSV, and a self-contained HTML report (recsys_core.explain.export).
"""
import json
import os

import pandas as pd
import streamlit as st

from recsys_core.data.lookup import search_items
from recsys_core.errors import UserError
from recsys_core.explain.export import to_csv, to_html
from recsys_core.explain.whatif import WhatIf, apply_edit, what_if
from ui.state import data_dir, friendly, loaded_model, opened
from ui.user_pick import planted_at

KEY = "_whatif_edit"  # the session's edit text, per user (cleared when the user changes)


@st.cache_data(max_entries=64, show_spinner="Re-scoring the edited history…")
def _what_if(path: str, mtime: float, data_dir_: str | None, user_id: str, edit: str, k: int) -> WhatIf:
    return what_if(opened(path, data_dir_), user_id, edit, k=k, planted=planted_at(path, data_dir_))


def _steps(edit: str) -> list[str]:
    return [s for s in edit.split(",") if s]


def _push(step: str):
    st.session_state[KEY] = ",".join(_steps(st.session_state.get(KEY, "")) + [step])


def current_edit(user_id: str) -> str:
    """The edit for this user: from the link on the first run, then from the controls."""
    if st.session_state.get("_whatif_user") != user_id:
        st.session_state["_whatif_user"] = user_id
        st.session_state[KEY] = st.session_state.pop("_url_edit", "") or ""
    return st.session_state.get(KEY, "")


def _controls(res, edited: list[str], data):
    titles = dict(zip(map(str, data.item_ids), map(str, data.titles)))
    n = len(edited)
    label = {back: f"{back} back · {titles.get(edited[n - back], edited[n - back])}" for back in range(1, n + 1)}
    c1, c2, c3 = st.columns(3)
    gone = c1.selectbox("Remove an item", list(label), format_func=label.get, key="_whatif_remove")
    if c1.button("Remove", icon=":material/remove_circle:", key="_whatif_remove_go"):
        _push(f"-{gone}")
        st.rerun()
    q = c2.text_input("Add an item (search by title)", key="_whatif_q", placeholder="e.g. Lens")
    hits = search_items(data, q) if q.strip() else []
    if hits:
        pick = c2.selectbox("Found", [h["item_id"] for h in hits], key="_whatif_add",
                            format_func=lambda i: titles.get(str(i), str(i)))
        if c2.button("Add as the most recent", icon=":material/add_circle:", key="_whatif_add_go"):
            _push(f"+{pick}")
            st.rerun()
    elif q.strip():
        c2.caption("No item title contains that text.")
    src = c3.selectbox("Move an item", list(label), format_func=label.get, key="_whatif_move")
    dst = c3.number_input("to this many back", 1, n, 1, key="_whatif_to")
    if c3.button("Move", icon=":material/swap_vert:", key="_whatif_move_go"):
        _push(f"{src}>{int(dst)}")
        st.rerun()


def moves_frame(res: WhatIf) -> pd.DataFrame:
    after = {r.item_id: r for r in res.after.recommendations}
    rows = []
    for m in res.moves:
        r = after.get(m.item_id)
        h = r.honesty if r else None
        top = None if r is None or r.soft is None else res.after.history[max(range(len(r.soft)), key=r.soft.__getitem__)]
        moved = {"↑": f"↑ {m.before - m.after:,}" if m.before and m.after else "↑", "↓": f"↓ {m.after - m.before:,}"
                 if m.before and m.after else "↓", "=": "=", "new": "new", "out": "left the list"}[m.arrow]
        rows.append({"Now": m.after, "Recommendation": m.title, "Before": m.before, "Moved": moved,
                     "Attention's top item": top.title if top else "", "Agree": None if h is None else h.agree})
    return pd.DataFrame(rows)


def what_if_editor(path: str, res, k: int):
    """Edit the history and see what the model would recommend then."""
    data = loaded_model(path).data
    edit = current_edit(res.user_id)
    original = [h.item_id for h in res.history]
    try:
        edited = apply_edit(original, edit) if edit else original
    except UserError as e:  # e.g. a link's edit that does not fit this history
        st.warning(f"Ignored the edit {edit!r}: {e}", icon=":material/warning:")
        st.session_state[KEY] = edit = ""
        edited = original
    _controls(res, edited, data)
    if not edit:
        st.caption("Change the history above: the recommendations, their ranks and the checks are recomputed on it.")
        st.query_params.pop("edit", None)
        return
    st.query_params["edit"] = edit  # the shareable link keeps the edit
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    c1.markdown("**Edit:** " + " · ".join(f"`{s}`" for s in _steps(edit)) + " (−N removes N back, +ID adds, N>M moves)")
    if c2.button("Reset", icon=":material/restart_alt:", key="_whatif_reset"):
        st.session_state[KEY] = ""
        st.rerun()
    out = friendly(_what_if, path, os.path.getmtime(path), data_dir(), res.user_id, edit, k)
    if out is None:
        return
    frame = moves_frame(out)
    frame["Now"] = [f"#{int(v)}" if v == v and v is not None else "—" for v in frame["Now"]]
    frame["Before"] = [f"#{int(v):,}" if v == v and v is not None else "not ranked (in the history)" for v in frame["Before"]]
    frame["Agree"] = [{True: "yes", False: "no"}.get(v, "—") for v in frame["Agree"]]
    st.table(frame.set_index("Now"))  # a plain table: every rank is text on the page (and for a screen reader)
    st.caption("Before: the rank before the edit. Agree: attention's top item is the one whose removal hurts most, "
               "on the edited history.")
    return out


def exports(res, meta):
    """Download the explanation the page shows: JSON, CSV and an HTML report that opens offline."""
    stem = f"attention-lens-{res.model}-user-{res.user_id}".replace(" ", "-")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Explanation as JSON", json.dumps(res.to_json(), indent=2), f"{stem}.json", "application/json",
                       icon=":material/data_object:", key="_export_json")
    c2.download_button("As CSV (one row per item pair)", to_csv(res), f"{stem}.csv", "text/csv",
                       icon=":material/table:", key="_export_csv")
    c3.download_button("HTML report (opens offline)", to_html(res), f"{stem}.html", "text/html",
                       icon=":material/description:", key="_export_html")
    st.caption("Each chart's camera button saves it as PNG, with its colour scale and a title naming user, model "
               f"and dataset ({meta.dataset.name}).")
