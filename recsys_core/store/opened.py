"""A checkpoint opened for use: its model, typed metadata and the dataset it was trained on; and models
offered for a checkpoint version without reading it (a model just trained, handed over in memory)."""
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import torch

from ..data.preprocess import Prepared, prepare
from ..data.registry import load_dataset
from .checkpoint import check_dataset, model_from, read_checkpoint
from .meta import CheckpointMeta
from .sidecar import identity

OFFERED_MAX = 16  # models offered but not yet opened; more would only keep memory for nobody


@dataclass
class Loaded:
    model: torch.nn.Module
    meta: CheckpointMeta
    data: Prepared
    path: str = ""

    @property
    def name(self) -> str:
        return self.meta.model_name

    @property
    def max_len(self) -> int:
        return self.meta.max_len


def prepare_for(meta: CheckpointMeta, dataset_spec: str | None = None, data_dir: str | None = None) -> Prepared:
    """The preprocessed dataset a checkpoint was trained on (or `dataset_spec` instead)."""
    return prepare(load_dataset(dataset_spec or meta.dataset.spec, data_dir), meta.prep_config)


def open_model(path: str, dataset_spec: str | None = None, data_dir: str | None = None,
               data: Prepared | None = None, device="cpu") -> Loaded:
    """The checkpoint at `path` (read once) with its dataset, refused if `data` is another dataset."""
    meta, state = read_checkpoint(path)
    return loaded_from(meta, state, data or prepare_for(meta, dataset_spec, data_dir), path, device)


def loaded_from(meta: CheckpointMeta, state: dict, data: Prepared, path: str = "model", device="cpu") -> Loaded:
    """A checkpoint already read, with its dataset: refused if `data` is another dataset."""
    check_dataset(meta, data, path)
    return Loaded(model_from(meta, state, path).to(device), meta, data, path)


_offered: OrderedDict = OrderedDict()  # (path, size, mtime_ns) -> Loaded
_offered_lock = threading.Lock()


def offer(loaded: Loaded, path: str | None = None):
    """`loaded` is what opening the checkpoint at `path` (default loaded.path), in its current version,
    gives: the next opener of that version takes it instead of reading the file. For the model a training
    job has just saved, and the library's copy of it."""
    key = identity(path or loaded.path)
    if key is None:
        return
    with _offered_lock:
        _offered[key] = loaded if key[0] == loaded.path else replace(loaded, path=key[0])
        while len(_offered) > OFFERED_MAX:
            _offered.popitem(last=False)


def take_offered(path: str, size: int, mtime_ns: int) -> Loaded | None:
    """The model offered for this checkpoint version, if any (taken: the opener keeps it from now on)."""
    with _offered_lock:
        return _offered.pop((path, size, mtime_ns), None)
