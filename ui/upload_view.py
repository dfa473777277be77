"""The Data page's upload: an interactions file and an optional item catalogue, each previewed with
its detected delimiter and guessed columns (with what each guess rests on, or the mapping confirmed
before for the same header) before anything is converted, then stored once in the dataset store
(recsys_core.data.stored) under a name the user picks. A catalogue that names under half the items is
not stored until the user says how (with it anyway, or without it). The stored dataset outlives the
session and the server: models trained on it record its id."""
import os

import streamlit as st

from recsys_core.data.loaders import ROLES
from recsys_core.errors import UserError
from ui.data_view import NONE, flash, save_upload
from ui.state import data_dir, friendly, remember_stored, select_dataset, session_dir
from ui.wording import FORM, label

# Other spreadsheets (.xls, .ods, .numbers) are accepted by the widget so that the core can say in words
# why they are not read; a type the widget refuses shows only a red icon.
SPREADSHEETS = ("xlsx", "xlsm", "xls", "ods", "numbers")
RATINGS_TYPES = ("csv", "tsv", "parquet", "pq", *SPREADSHEETS, "txt", "inter", "zip")
TABLE_TYPES = ("csv", "tsv", "parquet", "pq", "xlsx", "xlsm")  # the ones with a column mapping
CATALOGUE_TYPES = ("csv", "tsv", "parquet", "pq", *SPREADSHEETS, "dat", "txt", "item")
SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", "::": "double colon (::)", "": "none"}
LEAST_MATCH = 0.5  # a catalogue naming fewer of the items is most likely the wrong file or id column


def _saved(up, types) -> str | None:
    """The upload written once (per file version) into the session's temp folder."""
    saved = st.session_state.setdefault("_upload_paths", {})  # file_id -> path
    if up.file_id not in saved:
        path = friendly(save_upload, up.getvalue(), up.name, session_dir(), types)
        if path is None:
            return None
        saved[up.file_id] = path
    return saved[up.file_id]


def _named(fn, path: str, name: str, *args):
    """fn(path, *args), with the temp path in an error message replaced by the name the user knows."""
    try:
        return fn(path, *args)
    except UserError as e:
        raise e.retold(lambda text: text.replace(path, name)) from None


def _sniff(path: str, kind: str):
    """The preview, with the guess replaced by the mapping confirmed before for this header, if any."""
    from recsys_core.data.mappings import with_remembered
    from recsys_core.data.preview import sniff
    return with_remembered(sniff(path, kind), data_dir())


def _readable(path: str, name: str) -> bool:
    """False, with the reason in words, for a spreadsheet this app does not read (.xls, .ods, .numbers)."""
    from recsys_core.data.loaders.excel import refuse_other_spreadsheet
    try:
        _named(refuse_other_spreadsheet, path, name)
    except UserError as e:
        st.error(e.worded(FORM), icon=":material/block:")
        return False
    return True


def _preview(path: str, name: str, what: str, kind: str):
    """Show the first rows with the detected format and delimiter; returns the TablePreview (None on an error)."""
    preview = friendly(_named, _sniff, path, name, kind)
    if preview is None:
        return None
    layout = f"delimiter: {SEPARATORS.get(preview.sep, repr(preview.sep))}" if preview.fmt == "text" else preview.fmt
    st.markdown(f"**{what} `{name}`** · {len(preview.columns)} columns · {layout}")
    st.dataframe(preview.rows, hide_index=True, height=min(38 + 35 * len(preview.rows), 250))
    return preview


def _choices(prefix: str, roles, required, preview):
    """One menu per role, pre-filled with the guess; what each guess rests on is said under them."""
    columns, guess = preview.columns, preview.guess
    cells = st.columns(3)
    for i, role in enumerate(roles):
        need = " (required)" if role in required else ""
        why = preview.reasons.get(role)
        cells[i % 3].selectbox(label(role) + need, [NONE] + columns,
                               index=columns.index(guess[role]) + 1 if guess.get(role) in columns else 0,
                               key=f"{prefix}_{role}", help=f"Guessed from {why}." if why else None)
    if preview.remembered:
        st.caption(f"Mapped as you confirmed for this header on {preview.remembered[:10]}; change it if this "
                   "file differs.")
    elif preview.reasons:
        said = " · ".join(f"{label(r)} ← {why}" for r, why in preview.reasons.items())
        st.caption(f"Guessed, please check: {said}.")


def _mapping(prefix: str, roles, required, name: str) -> dict | None:
    """role -> column for every role, "" where the form says "—" (so the loader does not guess it again)."""
    mapping = {r: "" if (v := st.session_state.get(f"{prefix}_{r}", NONE)) == NONE else v for r in roles}
    missing = [r for r in required if not mapping[r]]
    if missing:
        named = " and ".join(FORM.column(r) for r in missing)
        st.error(f"{name}: no column chosen as {named}. Fix: choose the column that holds those ids above.",
                 icon=":material/error:")
        return None
    return mapping


def upload():
    from recsys_core.data.catalogue import CATALOGUE_ROLES
    st.caption("Interactions: one row per (user, item, time); time may be Unix seconds or dates, rating is optional. "
               "CSV, TSV, Parquet or Excel (.xlsx); any delimiter (comma, tab, semicolon, pipe, ::) is detected, and "
               "the columns are guessed from their names (in several languages) and values, for you to check. "
               "A catalogue adds titles and categories. The converted dataset is kept on this server, so models "
               "trained on it survive a restart.")
    up = st.file_uploader("Interactions: CSV, TSV, Parquet, Excel .xlsx, SASRec .txt, RecBole .inter, or a "
                          "MovieLens/RecBole .zip", type=list(RATINGS_TYPES), key="data_upload")
    cat = st.file_uploader("Item catalogue (optional): item id, title, category or genres, any other columns",
                           type=list(CATALOGUE_TYPES), key="data_catalogue")
    if up is None:
        if cat is not None:
            st.info("Add the interactions file too: the catalogue only names the items in it.", icon=":material/info:")
        return
    path = _saved(up, RATINGS_TYPES)
    if path is None or not _readable(path, up.name):
        return
    table = up.name.lower().endswith(tuple("." + t for t in TABLE_TYPES))
    preview = _preview(path, up.name, "Interactions", "ratings") if table else None
    if table and preview is None:
        return
    cat_path = cat_preview = None
    if cat is not None:
        cat_path = _saved(cat, CATALOGUE_TYPES)
        readable = cat_path is not None and _readable(cat_path, cat.name)
        cat_preview = _preview(cat_path, cat.name, "Catalogue", "catalogue") if readable else None
        if cat_preview is None:
            return
    key = f"{up.file_id}_{cat.file_id if cat else ''}"
    with st.form(f"data_mapping_{key}", border=False):
        if preview is not None:
            st.markdown(f"**Which column is which in `{up.name}`?**")
            _choices(f"data_map_{up.file_id}", ROLES, ("user", "item"), preview)
            st.caption("Without a timestamp the row order is used as time.")
        if cat_preview is not None:
            st.markdown(f"**Which column is which in `{cat.name}`?** Other columns are kept as item attributes.")
            _choices(f"data_cat_{cat.file_id}", CATALOGUE_ROLES, ("item",), cat_preview)
        st.text_input("Name", value=os.path.splitext(up.name)[0], max_chars=80, key=f"data_name_{key}",
                      help="How the dataset is listed; you can rename it later.")
        submitted = st.form_submit_button("Use this file", type="primary")
    pending = f"_data_pending_{key}"
    if submitted:
        st.session_state.pop(pending, None)
        columns = _mapping(f"data_map_{up.file_id}", ROLES, ("user", "item"), up.name) if preview else None
        item_columns = _mapping(f"data_cat_{cat.file_id}", CATALOGUE_ROLES, ("item",), cat.name) if cat_preview else None
        if (preview is not None and columns is None) or (cat_preview is not None and item_columns is None):
            return
        request = {"path": path, "name": up.name, "cat_path": cat_path, "cat_name": cat.name if cat else None,
                   "columns": columns, "item_columns": item_columns, "display": st.session_state[f"data_name_{key}"],
                   "headers": (preview.columns if preview else None, cat_preview.columns if cat_preview else None)}
        _store(request, pending, LEAST_MATCH)
    if st.session_state.get(pending):
        _ask_about_catalogue(pending)


def _ask_about_catalogue(pending: str):
    """The catalogue matched under half the items: say so with ids from both files, store only when asked."""
    request, message = st.session_state[pending]
    st.warning(f"{message} Nothing is stored yet.", icon=":material/warning:")
    c1, c2 = st.columns(2)
    if c1.button("Store with this catalogue anyway", key=f"{pending}_anyway"):
        del st.session_state[pending]
        _store(request, pending, None)
    if c2.button("Store without the catalogue", key=f"{pending}_without"):
        del st.session_state[pending]
        _store({**request, "cat_path": None, "cat_name": None, "item_columns": None}, pending, None)


def _store(request: dict, pending: str, least_match: float | None):
    from recsys_core.data import stored
    from recsys_core.data.catalogue import CatalogueMismatch
    from recsys_core.data.mappings import remember
    r = request
    shown = {r["path"]: r["name"], **({r["cat_path"]: r["cat_name"]} if r["cat_path"] else {})}
    try:
        with st.spinner(f"Converting {r['name']}…"):
            meta = stored.add(r["path"], r["cat_path"], name=r["display"], columns=r["columns"],
                              item_columns=r["item_columns"], shown=shown, data_dir_=data_dir(), least_match=least_match)
    except CatalogueMismatch as e:
        st.session_state[pending] = (request, e.worded(FORM))
        return
    except UserError as e:
        st.error(e.worded(FORM), icon=":material/warning:")
        return
    for kind, header, mapping in zip(("ratings", "catalogue"), r["headers"], (r["columns"], r["item_columns"])):
        if header and mapping:  # confirmed and it worked: the next file with this header is mapped alike
            friendly(remember, kind, header, mapping, data_dir())
    remember_stored(meta.id)
    select_dataset(meta.id)
    note = f"Using {r['name']}: {meta.interactions:,} interactions, stored as “{meta.name}”."
    c = meta.catalogue
    if c:
        note += (f" Catalogue {c.file}: {c.matched:,} of {c.matched + c.unmatched:,} items matched ({c.share:.0%})"
                 + (f", {c.unmatched:,} without a title (e.g. {', '.join(c.unmatched_examples[:3])})" if c.unmatched else "")
                 + ".")
    flash(note, warn=bool(c and c.share < LEAST_MATCH))
    st.rerun()


def catalogue_report(spec: str):
    """A stored dataset's catalogue match, kept with it: shown whenever the dataset is selected."""
    from recsys_core.data import stored
    meta = stored.find(spec, data_dir()) if stored.is_id(spec) else None
    c = meta.catalogue if meta else None
    if c is None:
        return
    text = (f"Titles from **{c.file}**: {c.matched:,} of {c.matched + c.unmatched:,} items matched ({c.share:.1%}); "
            f"{c.catalogue_only:,} catalogue entries were never interacted with.")
    if c.unmatched:
        text += f" Unmatched ids (shown as “Item <id>”), e.g. {', '.join(c.unmatched_examples)}"
        text += (f"; ids only in {c.file}, e.g. {', '.join(c.catalogue_only_examples)}."
                 if c.catalogue_only_examples else ".")
    (st.warning if c.share < LEAST_MATCH else st.caption)(text)
