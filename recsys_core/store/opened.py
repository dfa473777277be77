"""A checkpoint opened for use: its model, typed metadata and the dataset it was trained on."""
from dataclasses import dataclass

import torch

from ..data.preprocess import Prepared, prepare
from ..data.registry import load_dataset
from .checkpoint import check_dataset, model_from, read_checkpoint
from .meta import CheckpointMeta


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
