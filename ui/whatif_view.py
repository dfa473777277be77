"""The Explain page's what-if editing and exports.

What-if: remove, add (searched by title) and move history items. The edit is the text that
recsys_core.explain.whatif applies (also kept in the link as ?edit=…); the page says what each step did
("Removed *X* (1 back)", recsys_core.claims.edits) and shows the new recommendations with their ranks
before and after (↑/↓/new) and what left the list. Its widgets are keyed by model, user and the edit
so far: after a switch or an edit they offer only items of the history they act on.
Exports: the page as JSON (`recommend --json` plus the why-not item, the what-if edit and the claims),
CSV, and a self-contained HTML report, each built only when its button is pressed.
"""
import json

import pandas as pd
import streamlit as st

from recsys_core.claims.edits import edit_claims
from recsys_core.data.lookup import search_items
from recsys_core.errors import UserError
from recsys_core.explain.export import to_csv, to_html
from recsys_core.explain.page import PageExplanation, WhyNot, page_document
from recsys_core.explain.whatif import WhatIf, apply_edit, what_if
from ui.keys import keyed
from ui.state import Version, data_dir, friendly, loaded_model, opened, version_of
from ui.user_pick import planted_of

KEY = "_whatif_edit"  # the session's edit text, per user (cleared when the user changes)


@st.cache_data(max_entries=64, show_spinner="Re-scoring the edited history…")
def _what_if(version: Version, data_dir_: str | None, user_id: str, edit: str, k: int) -> WhatIf:
    return what_if(opened(version, data_dir_), user_id, edit, k=k, planted=planted_of(version, data_dir_))


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


def _controls(path: str, user_id: str, edit: str, edited: list[str], data):
    """Remove / add / move, offering exactly the items of the history as edited so far."""
    titles = dict(zip(map(str, data.item_ids), map(str, data.titles)))
    n = len(edited)
    shown = min(n, 200)  # the boxes list the most recent items; older ones are out of the model's view anyway
    label = {back: f"{back} back · {titles.get(edited[n - back], edited[n - back])}" for back in range(1, shown + 1)}
    about = (path, user_id, edit)  # a new user, model or step: fresh widgets, never a stale item
    c1, c2, c3 = st.columns(3)
    # Each button applies its step in its callback, before the script runs again: one run per edit, not two.
    gone = keyed("_whatif_remove", *about)
    c1.selectbox("Remove an item", list(label), format_func=label.get, key=gone)
    c1.button("Remove", icon=":material/remove_circle:", key=keyed("_whatif_remove_go", *about),
              on_click=lambda: _push(f"-{st.session_state[gone]}"))
    q = c2.text_input("Add an item (search by title)", key=keyed("_whatif_q", path, user_id), placeholder="e.g. Lens")
    hits = search_items(data, q) if q.strip() else []
    if hits:
        pick = keyed("_whatif_add", *about, q)
        c2.selectbox("Found", [h.item_id for h in hits], key=pick, format_func=lambda i: titles.get(str(i), str(i)))
        c2.button("Add as the most recent", icon=":material/add_circle:", key=keyed("_whatif_add_go", *about),
                  on_click=lambda: _push(f"+{st.session_state[pick]}"))
    elif q.strip():
        c2.caption("No item title contains that text.")
    src, dst = keyed("_whatif_move", *about), keyed("_whatif_to", *about)
    c3.selectbox("Move an item", list(label), format_func=label.get, key=src)
    c3.number_input("to this many back", 1, n, 1, key=dst)
    c3.button("Move", icon=":material/swap_vert:", key=keyed("_whatif_move_go", *about),
              on_click=lambda: _push(f"{st.session_state[src]}>{int(st.session_state[dst])}"))


def moves_frame(res: WhatIf) -> pd.DataFrame:
    after = {r.item_id: r for r in res.after.recommendations}
    rows = []
    for m in res.moves:
        r = after.get(m.item_id)
        top = None if r is None or r.soft is None or not res.after.has_focus else \
            res.after.history[max(range(len(r.soft)), key=r.soft.__getitem__)]
        moved = {"↑": f"↑ {m.before - m.after:,}" if m.before and m.after else "↑", "↓": f"↓ {m.after - m.before:,}"
                 if m.before and m.after else "↓", "=": "=", "new": "new", "out": "left the list"}[m.arrow]
        rows.append({"Now": f"#{m.after}" if m.after else "—", "Recommendation": m.title,
                     "Before": f"#{m.before:,}" if m.before else "not ranked (in the history)", "Moved": moved,
                     "Attention's top item": top.title if top else ""})
    return pd.DataFrame(rows)


def what_if_editor(path: str, page: PageExplanation, k: int) -> WhatIf | None:
    """Edit the history and see what the model would recommend then."""
    loaded = loaded_model(path)
    data, user_id = loaded.data, page.expl.user_id
    edit = current_edit(user_id)
    original = [str(data.item_ids[i]) for i in data.seq(data.user_index()[user_id])]
    titles = dict(zip(map(str, data.item_ids), map(str, data.titles)))
    try:
        edited = apply_edit(original, edit) if edit else original
        steps = edit_claims(original, edit, titles) if edit else []
    except UserError as e:  # e.g. a link's edit that does not fit this history
        st.warning(f"Ignored the edit {edit!r}: {e}", icon=":material/warning:")
        st.session_state[KEY] = edit = ""
        edited, steps = original, []
    _controls(path, user_id, edit, edited, data)
    if not edit:
        st.caption("Change the history above: the recommendations, their ranks and the checks are recomputed on it.")
        st.query_params.pop("edit", None)
        return None
    st.query_params["edit"] = edit  # the shareable link keeps the edit
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    with c1:
        st.markdown("**Your edit:** " + " ".join(c.text for c in steps))
    if c2.button("Reset", icon=":material/restart_alt:", key=keyed("_whatif_reset", path, user_id)):
        st.session_state[KEY] = ""
        st.rerun()
    out = friendly(lambda: _what_if(version_of(path), data_dir(), user_id, edit, k))
    if out is None:
        return None
    st.table(moves_frame(out).set_index("Now"))  # a plain table: every rank is text on the page
    st.caption("Before: the rank before the edit (an item removed from the history can be recommended again).")
    return out


def exports(page: PageExplanation, meta, why_not: WhyNot | None, whatif: WhatIf | None, data):
    """Download what the page shows: JSON, CSV and an HTML report that opens offline, built on request."""
    res = page.expl
    stem = f"attention-lens-{res.model}-user-{res.user_id}".replace(" ", "-")
    titles = dict(zip(map(str, data.item_ids), map(str, data.titles)))
    steps = edit_claims(whatif.original, whatif.edit, titles) if whatif is not None else None
    extra = [why_not.row] if why_not is not None else []
    c1, c2, c3 = st.columns(3)
    c1.download_button("Explanation as JSON", lambda: json.dumps(page_document(page, why_not, whatif, titles), indent=2),
                       f"{stem}.json", "application/json", icon=":material/data_object:", key="_export_json",
                       on_click="ignore")
    c2.download_button("As CSV (one row per item pair)", lambda: to_csv(res, extra), f"{stem}.csv", "text/csv",
                       icon=":material/table:", key="_export_csv", on_click="ignore")
    c3.download_button("HTML report (opens offline)", lambda: to_html(page, why_not, whatif, steps), f"{stem}.html",
                       "text/html", icon=":material/description:", key="_export_html", on_click="ignore")
    st.caption("Each chart's camera button saves it as PNG, with its colour scale and a title naming user, model "
               f"and dataset ({meta.dataset.name}).")
