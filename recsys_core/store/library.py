"""The model library: shipped models (read-only, in sample_data/models) and the server's saved models
(a folder shared by every session on the server, so the teacher trains and the class explores).

Each saved model is a folder `<library>/<id>/` holding model.pt and metrics.json. Saving is atomic
(write and fsync a hidden temp folder, then rename); deleting renames the folder away before removing it,
so a listing never sees half a model. A disk budget evicts the longest-saved models first; saves and
evictions take turns through a lock file, so an eviction never removes a model while it is being saved.
Listing takes no lock and loads no weights: it reads each checkpoint's sidecar (checkpoint.read_meta),
once per file version.
"""
import errno
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass

from ..data.sample import SAMPLE_DIR
from ..errors import UserError
from .checkpoint import FILENAME, fsync_path, read_meta, remove_stale_temps
from .sidecar import sidecar_path

SHIPPED_DIR = os.path.join(SAMPLE_DIR, "models")
DEFAULT_BUDGET_MB = 500  # a class of thirty with a few models each fits comfortably
DEFAULT_MAX_MODELS = 100


def library_dir(explicit: str | None = None) -> str:
    from ..data.registry import cache_dir
    return explicit or os.environ.get("ATTENTION_LENS_MODELS") or os.path.join(cache_dir(), "models")


@dataclass
class Entry:
    id: str  # folder name; stable
    path: str  # the model.pt
    name: str  # model name, e.g. target-soft
    dataset: str
    fingerprint: str
    shipped: bool
    created: str
    size_bytes: int
    metrics: dict
    label: str = ""  # free text from the person who saved it
    spec: str = ""  # the dataset spec it was trained on (what load_dataset takes): "sample", "ml-100k" or a path
    saved: float = 0.0  # when it entered the library (folder mtime); shipped models: file mtime

    @property
    def title(self) -> str:
        ndcg = self.metrics.get("full", {}).get("ndcg@10")
        score = f", NDCG@10 {ndcg:.3f}" if ndcg is not None else ""
        who = "shipped" if self.shipped else (self.label or "saved")
        return f"{self.name} on {self.dataset} ({who}{score})"


def _entry(folder: str, shipped: bool) -> Entry | None:
    path = os.path.join(folder, FILENAME)
    try:
        st = os.stat(path)
        try:
            meta = read_meta(path)
        except UserError:
            return None  # a broken file is skipped, never fatal to listing
        label = ""
        label_file = os.path.join(folder, "label.txt")
        if os.path.exists(label_file):
            with open(label_file, encoding="utf-8") as f:
                label = " ".join(f.read().split())[:80]
        saved = st.st_mtime if shipped else os.stat(folder).st_mtime
    except OSError:  # missing, or deleted by another session while we looked
        return None
    return Entry(id=os.path.basename(folder), path=path, name=meta.model_name, dataset=meta.dataset.name,
                 fingerprint=meta.dataset.fingerprint, shipped=shipped, created=meta.created,
                 size_bytes=st.st_size, metrics=meta.metrics, label=label, spec=meta.dataset.spec, saved=saved)


def _scan(root: str, shipped: bool) -> list[Entry]:
    try:
        names = sorted(os.listdir(root))
    except OSError:  # no library yet
        return []
    found = (_entry(os.path.join(root, d), shipped) for d in names if not d.startswith("."))
    return [e for e in found if e is not None]


@contextmanager
def _turn(root: str):
    """Hold the library's lock file: one save-or-eviction at a time across processes and threads."""
    try:
        import fcntl
        fd = os.open(os.path.join(root, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except (ImportError, OSError):  # Windows or a read-only library: renames still keep each model whole
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _remove(folder: str) -> bool:
    """Rename the model folder out of sight, then delete it: False if another process got there first."""
    gone = os.path.join(os.path.dirname(folder), f".tmp-gone-{os.path.basename(folder)}-{os.urandom(3).hex()}")
    try:
        os.rename(folder, gone)
    except OSError:
        return False
    shutil.rmtree(gone, ignore_errors=True)
    return True


def list_models(lib: str | None = None, include_shipped: bool = True) -> list[Entry]:
    saved = sorted(_scan(library_dir(lib), False), key=lambda e: (e.saved, e.id), reverse=True)
    return (_scan(SHIPPED_DIR, True) if include_shipped else []) + saved


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "model"


def save_to_library(src_dir: str, name: str, dataset: str, label: str = "", lib: str | None = None,
                    budget_mb: float = DEFAULT_BUDGET_MB, max_models: int = DEFAULT_MAX_MODELS) -> Entry:
    """Copy a trained model folder (model.pt, its sidecar, metrics.json) into the library, atomically."""
    read_meta(os.path.join(src_dir, FILENAME))  # refuse a missing or broken model with its one-line error
    root = library_dir(lib)
    try:
        os.makedirs(root, exist_ok=True)
        remove_stale_temps(root)  # folders of saves and deletes that were killed half-way
        tmp = tempfile.mkdtemp(dir=root, prefix=".tmp-")
    except OSError as e:
        raise UserError(f"{root}: cannot write the model library ({e.strerror or e}). "
                        "Fix: set ATTENTION_LENS_MODELS to a writable folder.") from None
    try:
        # rating.pt: train --ratings' rating model. copy2 keeps the modification time the sidecar names.
        for f in (FILENAME, os.path.basename(sidecar_path(FILENAME)), "metrics.json", "rating.pt"):
            if os.path.exists(os.path.join(src_dir, f)):
                shutil.copy2(os.path.join(src_dir, f), os.path.join(tmp, f))
        label = " ".join(label.split())[:80]  # one line: it is shown in lists
        if label:
            with open(os.path.join(tmp, "label.txt"), "w", encoding="utf-8") as f:
                f.write(label)
        for f in os.listdir(tmp):
            fsync_path(os.path.join(tmp, f))
        fsync_path(tmp)  # every byte is on disk before the folder gets a visible name
        with _turn(root):
            model_id = _move_in(tmp, root, f"{_slug(name)}-{_slug(dataset)}")
            _enforce(root, budget_mb, max_models, keep=model_id)
            entry = _entry(os.path.join(root, model_id), False)
    except OSError as e:
        raise UserError(f"{root}: cannot save the model ({e.strerror or e}). "
                        "Fix: free some disk space, or delete models from the library.") from None
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return entry


def _move_in(tmp: str, root: str, stem: str) -> str:
    """Give the finished temp folder its id by one rename; a new id if another save took that one."""
    for _ in range(5):
        model_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}-{os.urandom(3).hex()}"
        try:
            os.rename(tmp, os.path.join(root, model_id))  # fails, never merges, when the name exists
        except OSError as e:
            if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
                continue
            raise
        fsync_path(root)
        return model_id
    raise OSError(errno.EEXIST, "no free model id")


def delete_model(model_id: str, lib: str | None = None):
    root = library_dir(lib)
    # Only a plain folder name: "", "x/" or ".." would otherwise name the library itself or its parent.
    plain = bool(model_id) and model_id == os.path.basename(model_id) and not model_id.startswith(".")
    folder = os.path.join(root, model_id) if plain else ""
    if not plain or not os.path.isdir(folder) or not _remove(folder):
        raise UserError(f"model {model_id!r} is not in the library (it may have been deleted already). Fix: refresh the list.")


def enforce_budget(lib: str | None = None, budget_mb: float = DEFAULT_BUDGET_MB, max_models: int = DEFAULT_MAX_MODELS,
                   keep: str = "") -> list[str]:
    """Delete the longest-saved models until the library fits; returns the ids removed. Never raises
    for a model another process deletes meanwhile."""
    root = library_dir(lib)
    if not os.path.isdir(root):
        return []
    with _turn(root):
        return _enforce(root, budget_mb, max_models, keep)


def _enforce(root: str, budget_mb: float, max_models: int, keep: str) -> list[str]:
    """enforce_budget with the lock held; `keep` (the model just saved) stays but counts towards the limits."""
    entries = sorted(_scan(root, False), key=lambda e: (e.saved, e.id))
    kept = [e for e in entries if e.id == keep]
    victims = [e for e in entries if e.id != keep]
    total = sum(e.size_bytes for e in entries)
    removed = []
    while victims and (total > budget_mb * 1e6 or len(victims) + len(kept) > max_models):
        victim = victims.pop(0)
        if _remove(os.path.dirname(victim.path)):
            removed.append(victim.id)
        total -= victim.size_bytes  # gone either way: removed here or by someone else
    return removed


def usage(lib: str | None = None) -> dict:
    entries = _scan(library_dir(lib), False)
    return {"models": len(entries), "bytes": sum(e.size_bytes for e in entries)}


def read_metrics(entry: Entry) -> dict:
    try:
        with open(os.path.join(os.path.dirname(entry.path), "metrics.json"), encoding="utf-8") as f:
            return json.load(f)
    except OSError:  # none saved, or the model was deleted meanwhile
        return {}


def models_of(spec: str, lib: str | None = None) -> list[Entry]:
    """The saved models trained on dataset `spec` (a stored dataset's id, a built-in name or a path)."""
    return [e for e in _scan(library_dir(lib), False) if e.spec == spec]


def delete_dataset(spec: str, data_dir: str | None = None, lib: str | None = None):
    """Delete a stored dataset and every saved model trained on it; returns (its record, the model ids removed).
    Models go first: a crash half-way leaves the dataset with fewer models, never models without their data."""
    from ..data import stored
    meta = stored.find(spec, data_dir)
    if meta is None:
        raise UserError(f"{spec}: no stored dataset has that id or name. Fix: see `python -m recsys_core datasets`.")
    removed = [e.id for e in models_of(meta.id, lib) if _remove(os.path.dirname(e.path))]
    return stored.delete(meta.id, data_dir), removed


def hard_partner(path: str, candidates: dict) -> str | None:
    """The hard-trained model the Explain page shows beside the model at `path` by default, among
    `candidates` (path -> CheckpointMeta, models on the same dataset): the shipped target-hard, else the
    first hard-trained one; never the model itself, and none for a model imported from another library
    (it is explained on its own unless the user picks a partner)."""
    mine = candidates.get(path)
    if mine is not None and mine.family.imported:
        return None
    hard = [p for p, m in candidates.items() if p != path and m is not None and m.hard_trained]
    shipped = [p for p in hard if p.startswith(SHIPPED_DIR) and candidates[p].model_name == "target-hard"]
    return (shipped or hard or [None])[0]
