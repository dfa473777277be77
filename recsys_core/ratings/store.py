"""The rating model's file: rating.pt beside a ranking model's model.pt in the same folder, written
atomically (recsys_core.atomic) and read back by the checkpoints' reader (store.checkpoint.read_blob:
weights only, plain numbers, strings and tensors), with the dataset fingerprint so a file for other data is refused."""
import json
import os

import torch

from ..atomic import atomic_write_bytes
from ..data.preprocess import Prepared
from ..errors import CheckpointError
from ..models.config import ModelConfig
from ..store.checkpoint import read_blob
from .model import TargetRatingModel

RATING_FILENAME = "rating.pt"
FORMAT = "attention-lens-rating"
VERSION = 1


def rating_path(path: str) -> str:
    """The rating file for a model folder, for the ranking checkpoint in it (model.pt), or itself."""
    if os.path.isdir(path) or not path.endswith(".pt"):
        return os.path.join(path, RATING_FILENAME)
    return path if os.path.basename(path) == RATING_FILENAME else os.path.join(os.path.dirname(path), RATING_FILENAME)


def save_rating_model(path: str, model: TargetRatingModel, data: Prepared, metrics: dict | None = None) -> str:
    """Write `model` to `path` (a folder gets rating.pt); metrics: JSON-able figures to keep with it."""
    target = rating_path(path)
    meta = {"format": FORMAT, "version": VERSION, "model_config": model.cfg.to_dict(), "n_users": model.n_users,
            "n_items": model.n_items, "mean": model.mean, "low": model.low, "high": model.high,
            "dataset": data.name, "fingerprint": data.fingerprint, "metrics": metrics or {}}
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    atomic_write_bytes(target, lambda f: torch.save({"meta": json.dumps(meta), "state_dict": state}, f))
    return target


def read_rating_meta(path: str) -> tuple[dict, dict]:
    """(metadata, state_dict) of a rating model, read by the checkpoints' own reader (store/checkpoint.py)."""
    target = rating_path(path)
    if not os.path.isfile(target):
        raise CheckpointError(f"{target}: no rating model here. Fix: train one with `train --ratings`.")
    meta, state = read_blob(target, fix="train it again with `train --ratings`")
    if meta.get("format") != FORMAT or meta.get("version", 0) > VERSION:
        raise CheckpointError(f"{target}: not a rating model of a version this program reads. "
                              "Fix: train it again with `train --ratings`.")
    return meta, state


def load_rating_model(path: str, data: Prepared | None = None, device: str = "cpu") -> TargetRatingModel:
    """Open a rating model; with `data`, refuse one trained on other data."""
    meta, state = read_rating_meta(path)
    if data is not None and meta["fingerprint"] != data.fingerprint:
        raise CheckpointError(f"{rating_path(path)}: this rating model was trained on other data "
                              f"({meta['dataset']}). Fix: open it with the dataset it was trained on.")
    model = TargetRatingModel(ModelConfig.from_dict(meta["model_config"]), n_users=meta["n_users"],
                              n_items=meta["n_items"], mean=meta["mean"], low=meta["low"], high=meta["high"])
    try:
        model.load_state_dict(state)
    except RuntimeError:
        raise CheckpointError(f"{rating_path(path)}: its weights do not fit its settings. "
                              "Fix: train it again with `train --ratings`.") from None
    return model.to(device).eval()
