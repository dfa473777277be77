"""Session state and caches shared by every page.

What belongs to one browser session lives in st.session_state (selected dataset, model, user,
uploads, the running job); what is read-only and shared (built-in datasets, shipped and library
models) is cached with st.cache_resource, keyed so a changed file is reloaded: a checkpoint by its
identity (path, size, mtime_ns), opened once per server process. Cached functions take everything
they depend on as arguments; the session is read by the small wrappers around them.

The core modules that import torch (checkpoint, explain, preprocess) are imported inside the functions
that need them: app.py imports this module on every page, and the Data page should not wait ~2 s for
torch on a cold start (ui.warmup loads it in the background instead).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from typing import TYPE_CHECKING

import streamlit as st

from recsys_core.data.loaders import BUILTIN
from recsys_core.data.registry import load_dataset
from recsys_core.errors import SettingError, UserError
from ui.wording import FORM

if TYPE_CHECKING:
    from recsys_core.data.preprocess import Prepared
    from recsys_core.store.meta import CheckpointMeta
    from recsys_core.store.opened import Loaded

DEFAULTS = {
    "dataset_spec": "sample",  # "sample", "ml-100k", ..., a stored dataset's id (uploads), or a folder's path
    "model_path": None,  # path of the selected model.pt
    "user_id": None,  # selected user (the dataset's own id, as a string)
    "hard_model_path": None,  # optional hard-trained model compared on the Explain page
    "columns": None,  # column mapping for an uploaded CSV/Parquet
}


def init_state():
    for k, v in DEFAULTS.items():
        st.session_state.setdefault(k, v)


def data_dir() -> str | None:
    """The session's data directory (set on the Data page), else $ATTENTION_LENS_DATA, else None (the core's default)."""
    return st.session_state.get("data_dir") or os.environ.get("ATTENTION_LENS_DATA") or None


def _mtime(path: str | None) -> float:
    return os.path.getmtime(path) if path and os.path.exists(path) else 0.0


Version = tuple[str, int, int]  # (path, size, mtime_ns): one version of a checkpoint, what its caches are keyed by


def version_of(path: str | None) -> Version | None:
    """The version of the checkpoint at `path` (None for no path), to key a cached function by; a one-line
    CheckpointError when the file is gone."""
    if not path:
        return None
    from recsys_core.errors import CheckpointError
    from recsys_core.store.sidecar import identity
    version = identity(path)
    if version is None:
        raise CheckpointError(f"{path}: the model is not there any more (deleted meanwhile). Fix: pick another model.")
    return version


@st.cache_resource(show_spinner="Loading dataset…", max_entries=8)
def _load_raw(spec: str, data_dir_: str | None, columns_key: tuple | None, mtime: float):
    return load_dataset(spec, data_dir_, dict(columns_key) if columns_key else None)


@st.cache_resource(show_spinner="Preparing sequences…", max_entries=8)
def _prepare(spec: str, data_dir_: str | None, columns_key: tuple | None, mtime: float, min_rating, k_core) -> Prepared:
    from recsys_core.data.preprocess import PrepConfig, prepare
    ds = _load_raw(spec, data_dir_, columns_key, mtime)
    return prepare(ds, PrepConfig(min_rating=min_rating, k_core=k_core))


def _path_of(spec: str) -> str | None:
    return spec if spec not in BUILTIN else None


def current_dataset():
    """The raw Dataset for the session's selection (raises UserError with a friendly message)."""
    spec = st.session_state.get("dataset_spec", "sample")
    cols = st.session_state.get("columns")
    return _load_raw(spec, data_dir(), tuple(sorted(cols.items())) if cols else None, _mtime(_path_of(spec)))


def prepared(spec: str | None = None, min_rating=None, k_core: int = 0) -> Prepared:
    spec = spec or st.session_state.get("dataset_spec", "sample")
    cols = st.session_state.get("columns") if spec == st.session_state.get("dataset_spec") else None
    return _prepare(spec, data_dir(), tuple(sorted(cols.items())) if cols else None, _mtime(_path_of(spec)),
                    min_rating, k_core)


@st.cache_resource(show_spinner="Loading model…", max_entries=32)
def open_checkpoint(path: str, size: int, mtime_ns: int, data_dir_: str | None) -> Loaded:
    """The checkpoint version (path, size, mtime_ns) with its dataset, opened once per server process and
    shared read-only by every session; a model a training job has just handed over is taken as it is."""
    from recsys_core.store.checkpoint import read_checkpoint
    from recsys_core.store.opened import loaded_from, take_offered
    if (handed := take_offered(path, size, mtime_ns)) is not None:
        return handed
    # The dataset comes through the caches above, not open_model's own loading: the soft and hard models
    # on the Explain page (and the Train page) then share one read and preparation of it.
    meta, state = read_checkpoint(path)  # read once: the model is built from these
    spec = meta.dataset.spec
    data = _prepare(spec, data_dir_, None, _mtime(_path_of(spec)), meta.prep_config.min_rating, meta.prep_config.k_core)
    return loaded_from(meta, state, data, path)


def opened(version: Version, data_dir_: str | None) -> Loaded:
    """The checkpoint version through open_checkpoint: for cached functions, which are keyed by the version
    they open and must not read the session."""
    return open_checkpoint(*version, data_dir_)


def loaded_model(path: str | None = None) -> Loaded | None:
    """The selected model (or `path`) with the dataset it was trained on; None when no model is selected."""
    path = path or st.session_state.get("model_path")
    if not path:
        return None
    return opened(version_of(path), data_dir())


def friendly(fn, *args, names: dict[str, str] | None = None, **kwargs):
    """Run fn; show a UserError as an error box with its one-line fix instead of a traceback.
    names: what the page calls each setting, for a SettingError (which names the config field)."""
    try:
        return fn(*args, **kwargs)
    except SettingError as e:
        st.error(e.phrased(names or {}), icon=":material/warning:")
        return None
    except UserError as e:
        st.error(e.worded(FORM), icon=":material/warning:")  # columns named as the upload form names them
        return None


# --- selection helpers (Data and Train pages) ----------------------------------------------------

class _TempFolder:
    """A temp folder deleted with the session state that holds this object (when the session ends)."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="attention-lens-session-")
        weakref.finalize(self, shutil.rmtree, self.path, True)


def session_dir() -> str:
    """This browser session's private temp folder for uploads (datasets, checkpoints)."""
    folder = st.session_state.get("_session_dir")
    if folder is None or not os.path.isdir(folder.path):
        folder = st.session_state["_session_dir"] = _TempFolder()
    return folder.path


def model_meta(path: str | None) -> CheckpointMeta | None:
    """A checkpoint's light metadata (its sidecar: no weights, no id maps), None when missing or unreadable.
    Cached per file version in the core, shared by every session; read-only."""
    if not path:
        return None
    from recsys_core.store.checkpoint import read_meta  # imports torch: not on the Data page's first run
    try:
        return read_meta(path)
    except UserError:
        return None


def select_dataset(spec: str, columns: dict | None = None):
    """Make `spec` the session's dataset; a selected model or user that belongs to another dataset is cleared."""
    from recsys_core.data.stored import is_id
    if is_id(spec):
        remember_stored(spec)
    changed = spec != st.session_state.get("dataset_spec")
    st.session_state["dataset_spec"] = spec
    st.session_state["columns"] = columns
    if changed:
        st.session_state["user_id"] = None
    for key in ("model_path", "hard_model_path"):
        meta = model_meta(st.session_state.get(key))
        if st.session_state.get(key) and (meta is None or meta.dataset.spec != spec):
            st.session_state[key] = None


def remember_stored(dataset_id: str):
    """This session added or opened a stored dataset: list it in its menus from now on."""
    known = st.session_state.setdefault("_stored_known", [])
    if dataset_id not in known:
        known.append(dataset_id)


def visible_stored() -> list:
    """The stored datasets this session may list: those it added or opened, and those with a model in the
    shared library (the library already shows them to everyone). On a one-person machine
    (ATTENTION_LENS_OPEN_FOLDERS=1) every stored dataset. Another visitor's upload stays private otherwise."""
    from recsys_core.data import stored
    found = stored.list_stored(data_dir())
    if os.environ.get("ATTENTION_LENS_OPEN_FOLDERS") == "1" or not found:
        return found
    from recsys_core.store.library import (
        list_models,  # imports torch: only when something is stored
    )
    known = set(st.session_state.get("_stored_known", [])) | {e.spec for e in list_models(include_shipped=False)}
    return [m for m in found if m.id in known]


def select_model(path: str) -> CheckpointMeta:
    """Make the checkpoint at `path` the session's model and its dataset the session's dataset.

    Raises UserError for an unreadable checkpoint. Returns its light metadata (no weights are loaded here)."""
    from recsys_core.store.checkpoint import read_meta
    meta = read_meta(path)
    spec = meta.dataset.spec
    if spec != st.session_state.get("dataset_spec"):
        select_dataset(spec)
    st.session_state["model_path"] = path
    if st.session_state.get("hard_model_path") == path:
        st.session_state["hard_model_path"] = None
    return meta


def dataset_for(spec: str, columns: dict | None = None):
    """The raw Dataset for `spec` (and a column mapping), through the same cache as current_dataset()."""
    return raw_dataset(spec, data_dir(), columns)


def raw_dataset(spec: str, data_dir_: str | None, columns: dict | None = None):
    """dataset_for with the data directory in hand (for cached functions, which must not read the session)."""
    return _load_raw(spec, data_dir_, tuple(sorted(columns.items())) if columns else None, _mtime(_path_of(spec)))
