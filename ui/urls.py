"""Shareable URLs: ?dataset=...&model=...&user=... restore a view for built-in and stored datasets
and saved models, also after a server restart. Values from the URL are validated like any input and
ignored (with a notice) when invalid; a server path never goes into a link."""
import os

import streamlit as st

from recsys_core.data.loaders import BUILTIN
from ui.state import remember_stored

MAX_USER_ID = 64  # longer "ids" in a link are not ids: say so instead of looking them up


def restore_from_url():
    """Apply query parameters once per session."""
    if st.session_state.get("_url_restored"):
        return
    st.session_state["_url_restored"] = True
    qp = st.query_params
    ds = qp.get("dataset")
    if ds:
        if _shareable(ds):
            st.session_state["dataset_spec"] = ds
            if ds not in BUILTIN:
                remember_stored(ds)
        else:
            st.session_state["_url_notice"] = (f"Ignored dataset {ds[:80]!r} from the link: it is not a built-in or "
                                               "stored dataset on this server (it may have been deleted).")
    model = qp.get("model")
    if model:
        from recsys_core.store.library import (
            list_models,  # imports torch: only links that name a model pay for it
        )
        match = [e for e in list_models() if e.id == model]
        if match and (_shareable(match[0].spec) or _server_folder(match[0].spec)):
            st.session_state["model_path"] = match[0].path
            st.session_state["dataset_spec"] = match[0].spec
            if match[0].spec not in BUILTIN:
                remember_stored(match[0].spec)
        elif match:
            st.session_state["_url_notice"] = (f"Ignored model {model!r} from the link: the dataset it was trained on "
                                               f"({match[0].dataset}) is not on this server any more.")
        else:
            st.session_state["_url_notice"] = f"Ignored model {model!r} from the link: it is not in the library."
    edit = qp.get("edit")
    if edit and len(edit) <= 500:
        st.session_state["_url_edit"] = edit  # checked against the user's history on the Explain page
    elif edit:
        st.session_state["_url_notice"] = f"Ignored the history edit from the link: {len(edit):,} characters is too long."
    user = qp.get("user")
    if user and len(user) <= MAX_USER_ID:
        st.session_state["user_id"] = user
    elif user:
        st.session_state["_url_notice"] = (f"Ignored the user from the link: {len(user):,} characters is longer than any "
                                           f"user id here ({MAX_USER_ID} at most).")


def _server_folder(spec: str) -> bool:
    """A library model's dataset that is a folder or file on this server which the app may read (inside its
    data folder, or anywhere with ATTENTION_LENS_OPEN_FOLDERS=1): its model links work too."""
    from recsys_core.data.registry import data_dir, folder_within
    from recsys_core.errors import UserError
    if not spec or not os.path.exists(spec):
        return False
    if os.environ.get("ATTENTION_LENS_OPEN_FOLDERS") == "1":
        return True
    try:
        folder_within(spec, data_dir(None))
        return True
    except UserError:
        return False


def _shareable(spec: str) -> bool:
    """A built-in dataset, or a stored one that is still here: what a link may name (never a server path)."""
    from recsys_core.data import stored
    return spec in BUILTIN or (stored.is_id(spec) and stored.find(spec) is not None)


def share_params(user_id: str | None = None):
    """Write the current selection into the address bar so the URL can be shared."""
    spec = st.session_state.get("dataset_spec")
    if _shareable(spec or ""):
        st.query_params["dataset"] = spec
    path = st.session_state.get("model_path")
    if path:
        st.query_params["model"] = os.path.basename(os.path.dirname(path))
    if user_id:
        st.query_params["user"] = str(user_id)


def keep_dataset_in_link():
    """Keep a stored dataset (an upload) in the address bar from the moment it is selected: a browser
    refresh starts a new session, which lists only the stored datasets it added or opened, so it finds
    the dataset there again (restore_from_url). A built-in dataset only replaces one already in the link,
    and a selection a link cannot name (a server folder) removes it, so a refresh never brings back the
    dataset before."""
    from recsys_core.data.stored import is_id
    spec = st.session_state.get("dataset_spec") or ""
    current = st.query_params.get("dataset")
    if current == spec:
        return
    if is_id(spec) or (current and spec in BUILTIN):
        st.query_params["dataset"] = spec
    elif current:
        del st.query_params["dataset"]


def show_url_notice():
    note = st.session_state.pop("_url_notice", None)
    if note:
        st.info(note)
