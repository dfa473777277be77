"""The Models tab's "Import a model trained elsewhere": a RecBole, SASRec.pytorch or TorchScript checkpoint,
the dataset it was trained on (picked, or uploaded here), an optional id map or args.txt; converted by
recsys_core.imports into our own checkpoint, saved to the library and selected. A refused file leaves
nothing behind: the conversion happens before anything is saved."""
import os
import tempfile

import streamlit as st

from recsys_core.errors import UserError
from ui.data_view import dataset_options, save_upload
from ui.state import data_dir, remember_stored, select_model, session_dir

CHECKPOINT_TYPES = ("pth", "pt", "zip", "ckpt")
EXTRA_TYPES = ("txt", "json")
DATASET_TYPES = ("inter", "csv", "tsv", "txt", "parquet", "zip")
LIBRARIES = "RecBole 1.x (SASRec, BERT4Rec, GRU4Rec), SASRec.pytorch, or any PyTorch model exported with TorchScript"


def _saved(up, folder: str, types) -> str:
    return save_upload(up.getvalue(), up.name, os.path.join(session_dir(), "imports", folder), types)


def _dataset(picked: str, upload) -> tuple[str, str | None]:
    """(the dataset spec, the raw .inter file when one was uploaded): an upload is stored first."""
    if upload is None:
        return picked, None
    from recsys_core.data import stored
    path = _saved(upload, upload.file_id, DATASET_TYPES)
    meta = stored.add(path, shown={path: upload.name}, data_dir_=data_dir())
    remember_stored(meta.id)
    return meta.id, path if path.endswith(".inter") else None


def _run(ckpt, extras, picked, data_upload, fmt, name, max_len):
    from recsys_core.imports import import_model, save_imported
    from recsys_core.store.library import save_to_library
    path = _saved(ckpt, ckpt.file_id, CHECKPOINT_TYPES)
    extra = {up.name: _saved(up, up.file_id, EXTRA_TYPES) for up in extras}
    args_file = next((p for n, p in extra.items() if n == "args.txt"), None)
    id_map = next((p for n, p in extra.items() if n != "args.txt"), None)
    spec, inter = _dataset(picked, data_upload)
    try:
        imported = import_model(path, spec, fmt=fmt, name=name or None, id_map=id_map, args_path=args_file,
                                max_len=max_len, data_dir=data_dir(), inter_file=inter)
    except UserError as e:
        shown = {path: ckpt.name, **{p: n for n, p in extra.items()}}
        text = str(e)
        for long, short in shown.items():
            text = text.replace(long, short)
        raise type(e)(text) from None
    src = imported.meta.model_config.source
    with tempfile.TemporaryDirectory(prefix="attention-lens-import-") as tmp:
        save_imported(imported, tmp)
        entry = save_to_library(tmp, imported.meta.model_name, imported.meta.dataset.name,
                                label=f"imported from {src.library}")
    return entry, imported


def section():
    st.caption(f"{LIBRARIES}. Nothing in the file is run: RecBole's pickle is read with an allow-list, a "
               "TorchScript archive is checked before it is opened. The model is converted once into this app's "
               "own checkpoint and saved to the library.")
    options = dataset_options()
    with st.form("import_form", clear_on_submit=False, border=True):
        ckpt = st.file_uploader("Checkpoint", type=list(CHECKPOINT_TYPES), key="imp_ckpt",
                                help="RecBole: saved/<Model>-<date>.pth. SASRec.pytorch: SASRec.epoch=….pth. "
                                     "TorchScript: the file torch.jit.save wrote.")
        extras = st.file_uploader("Id map or args.txt (optional; a TorchScript model needs its id map)",
                                  type=list(EXTRA_TYPES), accept_multiple_files=True, key="imp_extra",
                                  help="Id map: the dataset's item id of the model's item number 1, 2, … one per line.")
        left, right = st.columns(2)
        picked = left.selectbox("Dataset it was trained on", list(options), format_func=options.get,
                                index=list(options).index(st.session_state["dataset_spec"]), key="imp_dataset")
        data_upload = right.file_uploader("…or upload that dataset's interactions file (e.g. RecBole's .inter)",
                                          type=list(DATASET_TYPES), key="imp_data")
        a, b, c = st.columns(3)
        fmt = a.selectbox("Format", ["auto", "recbole", "sasrec-pytorch", "torchscript"], key="imp_format")
        name = b.text_input("Name (optional)", key="imp_name", max_chars=60)
        max_len = c.number_input("History length (TorchScript)", min_value=2, max_value=10_000, value=50,
                                 key="imp_max_len")
        go = st.form_submit_button("Import", type="primary", icon=":material/upload:")
    if not go:
        return
    if ckpt is None:
        st.error("Choose a checkpoint file first.", icon=":material/warning:")
        return
    try:
        with st.spinner("Importing and evaluating…"):
            entry, imported = _run(ckpt, extras or [], picked, data_upload, fmt, name, int(max_len))
    except UserError as e:
        st.error(str(e), icon=":material/warning:")
        return
    select_model(entry.path)
    st.session_state["_import_done"] = (f"Imported {imported.meta.model_name} for {imported.meta.dataset.name} "
                                        "and selected it.", imported.notices)
    st.rerun()


def done_note():
    """The note an import leaves for the page that reruns after it."""
    if note := st.session_state.pop("_import_done", None):
        text, notices = note
        st.success(text, icon=":material/check_circle:")
        for n in notices:
            st.info(n, icon=":material/info:")
