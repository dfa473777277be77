"""The Data page's upload: an interactions file and an optional item catalogue, each previewed with
its detected delimiter and guessed columns before anything is converted, then stored once in the
dataset store (recsys_core.data.stored) under a name the user picks. The stored dataset outlives the
session and the server: models trained on it record its id."""
import os

import streamlit as st

from recsys_core.data.loaders import ROLES
from recsys_core.errors import UserError
from ui.data_view import NONE, flash, save_upload
from ui.state import data_dir, friendly, remember_stored, select_dataset, session_dir

RATINGS_TYPES = ("csv", "tsv", "parquet", "pq", "txt", "inter", "zip")
TABLE_TYPES = ("csv", "tsv", "parquet", "pq")  # the ones with a column mapping
CATALOGUE_TYPES = ("csv", "tsv", "parquet", "pq", "dat", "txt", "item")
SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", "::": "double colon (::)", "": "Parquet"}


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
        raise type(e)(str(e).replace(path, name)) from None


def _preview(path: str, name: str, what: str):
    """Show the first rows with the detected delimiter; returns the TablePreview (None on an error)."""
    from recsys_core.data.catalogue import sniff
    preview = friendly(_named, sniff, path, name)
    if preview is None:
        return None
    sep = SEPARATORS.get(preview.sep, repr(preview.sep))
    st.markdown(f"**{what} `{name}`** · {len(preview.columns)} columns · delimiter: {sep}")
    st.dataframe(preview.rows, hide_index=True, height=min(38 + 35 * len(preview.rows), 250))
    return preview


def _choices(prefix: str, roles, required, columns: list[str], guess: dict):
    cells = st.columns(3)
    for i, role in enumerate(roles):
        need = " (required)" if role in required else ""
        cells[i % 3].selectbox(role.capitalize() + need, [NONE] + columns,
                               index=columns.index(guess[role]) + 1 if guess.get(role) in columns else 0,
                               key=f"{prefix}_{role}")


def _mapping(prefix: str, roles, required, name: str) -> dict | None:
    mapping = {r: v for r in roles if (v := st.session_state.get(f"{prefix}_{r}", NONE)) != NONE}
    missing = [r for r in required if r not in mapping]
    if missing:
        st.error(f"{name}: no column chosen for the {' and '.join(missing)} ids. "
                 "Fix: pick the column that holds them above.", icon=":material/error:")
        return None
    return mapping


def upload():
    from recsys_core.data.catalogue import CATALOGUE_ROLES, guess_catalogue_columns
    st.caption("Interactions: one row per (user, item, time); time may be Unix seconds or dates, rating is optional. "
               "Any delimiter (comma, tab, semicolon, pipe, ::) is detected. A catalogue adds titles and categories. "
               "The converted dataset is kept on this server, so models trained on it survive a restart.")
    up = st.file_uploader("Interactions: CSV, TSV, Parquet, SASRec .txt, RecBole .inter, or a MovieLens/RecBole .zip",
                          type=list(RATINGS_TYPES), key="data_upload")
    cat = st.file_uploader("Item catalogue (optional): item id, title, category or genres, any other columns",
                           type=list(CATALOGUE_TYPES), key="data_catalogue")
    if up is None:
        if cat is not None:
            st.info("Add the interactions file too: the catalogue only names the items in it.", icon=":material/info:")
        return
    path = _saved(up, RATINGS_TYPES)
    if path is None:
        return
    table = up.name.lower().endswith(tuple("." + t for t in TABLE_TYPES))
    preview = _preview(path, up.name, "Interactions") if table else None
    if table and preview is None:
        return
    cat_path = cat_preview = None
    if cat is not None:
        cat_path = _saved(cat, CATALOGUE_TYPES)
        cat_preview = _preview(cat_path, cat.name, "Catalogue") if cat_path else None
        if cat_preview is None:
            return
    key = f"{up.file_id}_{cat.file_id if cat else ''}"
    with st.form(f"data_mapping_{key}", border=False):
        if preview is not None:
            st.markdown(f"**Which column is which in `{up.name}`?**")
            _choices(f"data_map_{up.file_id}", ROLES, ("user", "item"), preview.columns, preview.guess)
            st.caption("Without a timestamp the row order is used as time.")
        if cat_preview is not None:
            st.markdown(f"**Which column is which in `{cat.name}`?** Other columns are kept as item attributes.")
            _choices(f"data_cat_{cat.file_id}", CATALOGUE_ROLES, ("item",), cat_preview.columns,
                     guess_catalogue_columns(cat_preview.columns))
        st.text_input("Name", value=os.path.splitext(up.name)[0], max_chars=80, key=f"data_name_{key}",
                      help="How the dataset is listed; you can rename it later.")
        if not st.form_submit_button("Use this file", type="primary"):
            return
    columns = _mapping(f"data_map_{up.file_id}", ROLES, ("user", "item"), up.name) if preview is not None else None
    item_columns = _mapping(f"data_cat_{cat.file_id}", CATALOGUE_ROLES, ("item",), cat.name) if cat_preview else None
    if (preview is not None and columns is None) or (cat_preview is not None and item_columns is None):
        return
    _store(path, up.name, cat_path, cat.name if cat else None, columns, item_columns, st.session_state[f"data_name_{key}"])


def _store(path, name, cat_path, cat_name, columns, item_columns, display):
    from recsys_core.data import stored
    shown = {path: name, **({cat_path: cat_name} if cat_path else {})}
    with st.spinner(f"Converting {name}…"):
        meta = friendly(stored.add, path, cat_path, name=display, columns=columns, item_columns=item_columns,
                        shown=shown)
    if meta is None:
        return
    remember_stored(meta.id)
    select_dataset(meta.id)
    note = f"Using {name}: {meta.interactions:,} interactions, stored as “{meta.name}”."
    if c := meta.catalogue:
        note += (f" Catalogue {c.file}: {c.matched:,} of {c.matched + c.unmatched:,} items matched ({c.share:.0%})"
                 + (f", {c.unmatched:,} without a title (e.g. {', '.join(c.unmatched_examples[:3])})" if c.unmatched else "")
                 + ".")
    flash(note)
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
        text += f" Unmatched ids (shown as “Item <id>”), e.g. {', '.join(c.unmatched_examples)}."
    (st.warning if c.share < 0.5 else st.caption)(text)
