"""Checkpoints: weights and JSON metadata in one file, written atomically, loaded with weights_only=True.

The metadata says what the model is (arch, attention, full name, configs), what it was trained on
(dataset spec, name and fingerprint, id maps), how well it did and how long it took, and the
library versions. A file for another dataset, a truncated file, or a file that is not a checkpoint
is refused with a one-line message. Every checkpoint written here gets its light metadata in a sidecar
(sidecar.py), which `read_meta` reads instead of the weights.
"""
import json
import os
import platform
import re
import time
import warnings
from functools import lru_cache

import torch

from ..atomic import STALE_SECONDS, atomic_write_bytes, fsync_path, remove_stale_temps  # noqa: F401 (re-exported)
from ..data.preprocess import Prepared, PrepConfig
from ..errors import CheckpointError
from ..models import FAMILIES, build_for_weights
from ..models.config import ModelConfig
from .meta import FORMAT, VERSION, CheckpointMeta, DatasetInfo, IdMaps, TrainingInfo
from .sidecar import identity, read_sidecar, sha256, write_sidecar

FILENAME = "model.pt"

# torch warns about odd pickle protocols and TorchScript archives; the one-line refusal says enough. A
# filter set once at import: catch_warnings around each load would change the process's filters from
# whichever server thread reads a checkpoint.
warnings.filterwarnings("ignore", message=r"Detected pickle protocol \d+ in the checkpoint", category=UserWarning)
warnings.filterwarnings("ignore", message=r"'torch.load' received a zip file that looks like a TorchScript",
                        category=UserWarning)


def atomic_write_json(path: str, obj):
    atomic_write_bytes(path, lambda f: f.write(json.dumps(obj, indent=2).encode()))


def make_meta(model, data: Prepared, model_cfg: ModelConfig, train_cfg=None, metrics=None, result=None,
              dataset_spec: str = "sample", evaluation_seconds: float = 0.0) -> CheckpointMeta:
    return CheckpointMeta(
        arch=model_cfg.arch, attention=model_cfg.attention if "attention" in model_cfg.family.settings else None,
        model_name=model_cfg.name, model_config=model_cfg,
        train_config=train_cfg.to_dict() if train_cfg else None,
        prep_config=PrepConfig(min_rating=data.config.min_rating, k_core=data.config.k_core),
        dataset=DatasetInfo(spec=dataset_spec, name=data.name, fingerprint=data.fingerprint,
                            users=data.n_users, items=data.n_items),
        ids=IdMaps.of(data), metrics=metrics or {},
        training=None if result is None else TrainingInfo(
            seconds=round(result.train_seconds, 3), best_epoch=result.best_epoch, stopped=str(result.stopped),
            validation_seconds=round(result.validation_seconds, 3), evaluation_seconds=round(evaluation_seconds, 3),
            stop_metric=result.stop_metric, max_seconds=train_cfg.max_seconds if train_cfg else None,
            loss=result.loss, lr=result.lr, device=result.device,
            sequences_per_second=round(result.windows_per_second, 1), history=[v.to_json() for v in result.history]),
        versions={"torch": torch.__version__, "python": platform.python_version(), "attention_lens": "0.1"},
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def save_checkpoint(path: str, model, meta: CheckpointMeta):
    """Write the checkpoint atomically, then its sidecar (light metadata for menus)."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    atomic_write_bytes(path, lambda f: torch.save({"meta": json.dumps(meta.to_dict()), "state_dict": state}, f))
    st = os.stat(path)
    write_sidecar(path, meta, st.st_size, st.st_mtime_ns, sha256(path))


def resolve_checkpoint_path(path: str) -> str:
    """`--model` accepts the folder `train` wrote or the checkpoint file in it."""
    if os.path.isdir(path):
        path = os.path.join(path, FILENAME)
    if not os.path.exists(path):
        raise CheckpointError(f"{path}: no checkpoint there. Fix: pass the folder `train --out` wrote, or its {FILENAME}.")
    return path


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # deleted meanwhile
        return 0


def read_blob(path: str, fix: str = "re-download or retrain the model") -> tuple[dict, dict]:
    """(metadata dict, state_dict) of a file written by save_checkpoint or the rating model's save, or a
    one-line CheckpointError. The only place a model file is unpickled: weights_only, so a file never
    runs code. `fix`: what to do about a damaged file, in the reader's words."""
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)  # never runs code from the file
    except FileNotFoundError:
        raise CheckpointError(f"{path}: the file was deleted while it was read. "
                              "Fix: refresh the list, or retrain.") from None
    except Exception as e:  # noqa: BLE001  truncated zip, pickle of something else, random bytes: one message
        code = re.search(r"Unsupported global: GLOBAL (\S+)", str(e))
        if code:
            raise CheckpointError(f"{path}: refused: loading it would run code ({code.group(1)}); a checkpoint holds "
                                  "only weights and metadata. Fix: load only files made by `train`.") from None
        kind = "truncated or corrupt" if _size(path) > 0 else "empty"
        raise CheckpointError(f"{path}: not a readable checkpoint ({kind}: {type(e).__name__}). Fix: {fix}.") from None
    if not isinstance(blob, dict) or "meta" not in blob or "state_dict" not in blob:
        raise CheckpointError(f"{path}: a PyTorch file, but not an Attention Lens checkpoint. Fix: load a file made by `train`.")
    try:
        meta = json.loads(blob["meta"])
    except (TypeError, ValueError):
        raise CheckpointError(f"{path}: checkpoint metadata is unreadable. Fix: {fix}.") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: checkpoint metadata is unreadable. Fix: {fix}.")
    return meta, blob["state_dict"]


def read_checkpoint(path: str) -> tuple[CheckpointMeta, dict]:
    """(meta, state_dict) or a one-line CheckpointError. The only place a checkpoint file is read."""
    path = resolve_checkpoint_path(path)
    meta, state = read_blob(path)
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an Attention Lens checkpoint. Fix: load a file made by `train`.")
    if not isinstance(meta.get("version", 0), int) or meta.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: made by a newer Attention Lens (format {meta['version']}). Fix: upgrade.")
    try:
        typed = CheckpointMeta.from_dict(meta)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CheckpointError(f"{path}: checkpoint metadata is incomplete. Fix: retrain the model.") from None
    if typed.arch not in FAMILIES:
        raise CheckpointError(f"{path}: a model of the family {typed.arch!r}, which this version does not know. "
                              "Fix: upgrade Attention Lens, or retrain the model.")
    return typed, state


def read_meta(path: str) -> CheckpointMeta:
    """A checkpoint's light metadata (CheckpointMeta.light: no id maps, no item-attribute table) without
    loading its weights; or a one-line CheckpointError. Cached per file version, for the whole process."""
    path = resolve_checkpoint_path(path)
    found = identity(path)
    if found is None:
        raise CheckpointError(f"{path}: no checkpoint there (deleted meanwhile?). Fix: refresh the list, or retrain.")
    meta = _meta_of_version(*found)
    if isinstance(meta, str):
        raise CheckpointError(meta)
    return meta


@lru_cache(maxsize=1024)
def _meta_of_version(path: str, size: int, mtime_ns: int) -> CheckpointMeta | str:
    """The light metadata of this file version, or its one-line refusal (cached too: a broken file in a
    folder is not read again at every listing)."""
    meta = read_sidecar(path, size, mtime_ns)
    if meta is not None:
        return meta
    try:
        full, _ = read_checkpoint(path)
    except CheckpointError as e:
        return str(e)
    try:  # describe it now, for next time (and for other processes)
        write_sidecar(path, full, size, mtime_ns, sha256(path), make_folder=False)
    except OSError:  # a read-only folder, or the model was deleted meanwhile: the cache above still holds it
        pass
    return full.light()


def check_dataset(meta: CheckpointMeta, data: Prepared, path: str = "model"):
    got, want = data.fingerprint, meta.dataset.fingerprint
    if got != want:
        raise CheckpointError(f"{path}: trained on dataset '{meta.dataset.name}' ({want}), not on "
                              f"'{data.name}' ({got}). Fix: pick that dataset, or train a model on this one.")


def model_from(meta: CheckpointMeta, state: dict, path: str = "model"):
    """The model a checkpoint describes, with its weights, in eval mode on the CPU. Built without random
    initial weights (models.build_for_weights): they would be overwritten at once, and drawing them would
    move torch's global generator from whichever server thread opens a model."""
    model = build_for_weights(meta.model_config, meta.dataset.items)
    state = type(model).upgrade_state(state, model)  # an older version of the family's weights, made loadable
    try:
        model.load_state_dict(state)  # strict: every parameter and persistent buffer is overwritten
    except RuntimeError as e:
        raise CheckpointError(f"{path}: weights do not fit the model it describes ({str(e).splitlines()[0]}). "
                              "Fix: retrain; the model code may have changed since.") from None
    return model.eval()


def load_model(path: str, data: Prepared | None = None, device="cpu"):
    """(model, meta); with `data`, refuse a checkpoint made for another dataset."""
    meta, state = read_checkpoint(path)
    if data is not None:
        check_dataset(meta, data, path)
    return model_from(meta, state, path).to(device), meta
