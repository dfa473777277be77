"""The Models section of the Train page: the selected model, shipped and saved models (load,
download, delete with a confirmation), the library's disk use, uploading a checkpoint, and importing
one trained elsewhere (import_view)."""
import functools
import os
import time

import streamlit as st

from recsys_core.data.registry import resolve_path
from recsys_core.errors import UserError
from recsys_core.store import library
from ui import import_view
from ui.data_view import save_upload
from ui.state import data_dir, friendly, model_meta, select_model, session_dir


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def _inside(path: str, root: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(root) + os.sep)


def _source(path: str) -> str:
    """Where the selected model lives, in the words of this page."""
    if _inside(path, library.SHIPPED_DIR):
        return "shipped"
    if _inside(path, library.library_dir()):
        return "saved in the library"
    if _inside(path, session_dir()):
        return "uploaded"
    return "trained in this tab, not saved"


def dataset_problem(spec: str) -> str | None:
    """Why a model's dataset cannot be opened here, as a one-line hint; None when it can."""
    from recsys_core.data import stored
    if stored.is_id(spec) and stored.find(spec, data_dir()) is None:
        return ("It was trained on an uploaded dataset that was deleted from this server: upload the same file "
                "(and catalogue) on the Data page again, and this model finds it.")
    try:
        path = resolve_path(spec, data_dir())
    except UserError:
        return f"It was trained on {spec}, which is not in the data folder: download it on the Data page first."
    if path is not None and not os.path.exists(path):
        return ("It was trained on an uploaded file that is not on this server any more: upload the same file on "
                "the Data page to explain it.")
    return None


def _selected_note(meta):
    st.toast(f"Selected {meta.model_name}.", icon=":material/check_circle:")
    if hint := dataset_problem(meta.dataset.spec):
        st.session_state["_lib_hint"] = hint


def selected():
    path = st.session_state.get("model_path")
    meta = model_meta(path)
    if meta is None:
        st.info("No model selected yet: train one, or load one below.", icon=":material/info:")
        return
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    ndcg = meta.metric("full", "ndcg@10")
    c1.markdown(f"**Selected model:** `{meta.model_name}` on **{meta.dataset.name}** · "
                f"NDCG@10 {float('nan') if ndcg is None else ndcg:.3f} · "
                f"{_source(path)}")
    c2.page_link("pages/explain.py", label="Explain it", icon=":material/search:")
    if hint := st.session_state.pop("_lib_hint", None):
        st.warning(hint, icon=":material/warning:")


def _row(e: library.Entry):
    current = st.session_state.get("model_path") == e.path
    with st.container(border=True):
        c1, c2, c3 = st.columns([5, 3, 3], vertical_alignment="center")
        full = e.metrics.get("full", {})
        c1.markdown(f"**{e.name}**" + (f" · {e.label}" if e.label else "") + ("  :green-badge[selected]" if current else ""))
        when = "shipped with the app" if e.shipped else time.strftime("saved %Y-%m-%d %H:%M", time.localtime(e.saved))
        c1.caption(f"{e.dataset} · {when} · {_size(e.size_bytes)}")
        if full:
            c2.markdown(f"NDCG@10 **{full.get('ndcg@10', 0):.3f}** · HR@10 **{full.get('hr@10', 0):.3f}**")
        buttons = c3.columns(3)
        if buttons[0].button("Load", key=f"lib_load_{e.shipped}_{e.id}", disabled=current, width="stretch"):
            meta = friendly(select_model, e.path)
            if meta is not None:
                _selected_note(meta)
                st.rerun()
        buttons[1].download_button("", functools.partial(_read, e.path), file_name=f"{e.id}.pt",
                                   mime="application/octet-stream", key=f"lib_dl_{e.shipped}_{e.id}",
                                   icon=":material/download:", on_click="ignore", help="Download the checkpoint",
                                   width="stretch")
        if not e.shipped and buttons[2].button("", key=f"lib_del_{e.id}", icon=":material/delete:",
                                               help="Delete from the library", width="stretch"):
            st.session_state["lib_confirm"] = e.id
            st.rerun()
        if st.session_state.get("lib_confirm") == e.id:
            st.warning(f"Delete **{e.name}**{f' ({e.label})' if e.label else ''} for everyone on this server?")
            y, n, _ = st.columns([1, 1, 4])
            if y.button("Delete", key=f"lib_yes_{e.id}", type="primary"):
                st.session_state.pop("lib_confirm", None)
                friendly(library.delete_model, e.id)
                if not os.path.exists(e.path):
                    if current:
                        st.session_state["model_path"] = None
                    st.toast(f"Deleted {e.name}.", icon=":material/delete:")
                    st.rerun()
            if n.button("Keep", key=f"lib_no_{e.id}"):
                st.session_state.pop("lib_confirm", None)
                st.rerun()


def usage():
    u = library.usage()
    budget = library.DEFAULT_BUDGET_MB * 1e6
    st.progress(min(1.0, u["bytes"] / budget),
                text=f"{_size(u['bytes'])} of {library.DEFAULT_BUDGET_MB} MB · {u['models']} model(s) · "
                     f"when full, the models saved longest ago are removed first")


def upload_checkpoint():
    up = st.file_uploader("Checkpoint (.pt) made by Attention Lens", type=["pt"], key="lib_upload")
    if up is None:
        return
    done = st.session_state.setdefault("_ckpt_uploads", {})
    if up.file_id in done:
        return
    path = friendly(save_upload, up.getvalue(), up.name, os.path.join(session_dir(), "models", up.file_id), ("pt",))
    if path is None:
        return
    try:
        meta = select_model(path)
    except UserError as e:
        st.error(str(e).replace(path, up.name), icon=":material/error:")
        return
    done[up.file_id] = path
    _selected_note(meta)
    st.rerun()


def models():
    import_view.done_note()
    selected()
    entries = library.list_models()
    shipped = [e for e in entries if e.shipped]
    saved = [e for e in entries if not e.shipped]
    st.subheader("Saved on this server")
    usage()
    if not saved:
        st.caption("Nothing saved yet. Train a model and press **Save to library**; saved models are shared with "
                   "everyone using this server and survive a refresh.")
    for e in saved:
        _row(e)
    st.subheader("Shipped with the app")
    if not shipped:
        st.caption("No shipped models found in sample_data/models.")
    for e in shipped:
        _row(e)
    st.subheader("Upload a checkpoint")
    upload_checkpoint()
    st.subheader("Import a model trained elsewhere")
    import_view.section()
