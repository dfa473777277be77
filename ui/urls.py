"""Shareable URLs: ?dataset=...&model=...&user=... restore a view for built-in datasets and saved
models. Values from the URL are validated like any input and ignored (with a notice) when invalid."""
import os

import streamlit as st

from recsys_core.data.loaders import BUILTIN

MAX_USER_ID = 64  # longer "ids" in a link are not ids: say so instead of looking them up


def restore_from_url():
    """Apply query parameters once per session."""
    if st.session_state.get("_url_restored"):
        return
    st.session_state["_url_restored"] = True
    qp = st.query_params
    ds = qp.get("dataset")
    if ds:
        if ds in BUILTIN:
            st.session_state["dataset_spec"] = ds
        else:
            st.session_state["_url_notice"] = f"Ignored dataset {ds!r} from the link: only built-in datasets can be shared."
    model = qp.get("model")
    if model:
        from recsys_core.store.library import (
            list_models,  # imports torch: only links that name a model pay for it
        )
        match = [e for e in list_models() if e.id == model]
        if match:
            st.session_state["model_path"] = match[0].path
            st.session_state["dataset_spec"] = _spec_of(match[0])
        else:
            st.session_state["_url_notice"] = f"Ignored model {model!r} from the link: it is not in the library."
    user = qp.get("user")
    if user and len(user) <= MAX_USER_ID:
        st.session_state["user_id"] = user
    elif user:
        st.session_state["_url_notice"] = (f"Ignored the user from the link: {len(user):,} characters is longer than any "
                                           f"user id here ({MAX_USER_ID} at most).")


def _spec_of(entry) -> str:
    spec = getattr(entry, "spec", None) or entry.dataset
    return spec if spec in BUILTIN else st.session_state.get("dataset_spec", "sample")


def share_params(user_id: str | None = None):
    """Write the current selection into the address bar so the URL can be shared."""
    spec = st.session_state.get("dataset_spec")
    if spec in BUILTIN:
        st.query_params["dataset"] = spec
    path = st.session_state.get("model_path")
    if path:
        st.query_params["model"] = os.path.basename(os.path.dirname(path))
    if user_id:
        st.query_params["user"] = str(user_id)


def show_url_notice():
    note = st.session_state.pop("_url_notice", None)
    if note:
        st.info(note)
