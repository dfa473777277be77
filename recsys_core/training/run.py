"""Train, evaluate and save in one call: shared by the CLI, the app's worker and the shipped-models script.

Under torchrun (RANK / WORLD_SIZE in the environment) every rank trains data-parallel and rank 0
alone evaluates, saves and prints (see distributed.py); metrics.json records the world size."""
import os
import tempfile
import time
from dataclasses import dataclass, field

from ..data.preprocess import Prepared
from ..errors import UserError
from ..models import build_model
from ..models.config import ModelConfig
from ..store.checkpoint import FILENAME, atomic_write_json, make_meta, save_checkpoint
from ..store.meta import CheckpointMeta
from . import distributed
from .config import TrainConfig
from .device import resolve_device
from .evaluate import evaluate
from .loop import train


@dataclass
class TrainOutcome:
    path: str  # the model.pt written
    metrics: dict  # protocol -> metric -> value on the test split
    seconds: float
    best_epoch: int
    stopped: str  # a training.stop.Stop value: epochs | early | time | cancelled | diverged | not-trainable
    meta: CheckpointMeta | None = None
    history: list = field(default_factory=list)  # training.loop.Validation, one per validation
    model: object = field(default=None, repr=False)  # the trained model (on the CPU), as saved


def check_writable(out_dir: str):
    """A UserError unless `out_dir` is (or can be made) a folder this process can write into."""
    try:
        os.makedirs(out_dir, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as e:
        what = "is a file, not a folder" if os.path.isfile(out_dir) else f"cannot be written ({e.strerror or e})"
        raise UserError(f"{out_dir}: the output folder {what}. Fix: pass a folder you can write to.") from None


def train_and_save(data: Prepared, model_cfg: ModelConfig, train_cfg: TrainConfig, out_dir: str,
                   dataset_spec: str = "sample", callback=None, cancel=None) -> TrainOutcome:
    """Train, evaluate on the test split under both protocols, write model.pt + metrics.json atomically.
    Settings the model config leaves to the data are chosen first (ModelConfig.resolved_for) and saved
    as chosen. Under torchrun, ranks other than 0 return after training, with no metrics and nothing written."""
    model_cfg, _ = model_cfg.resolved_for(data)
    world = distributed.start(resolve_device(train_cfg.device))  # a world of one outside torchrun
    path = os.path.join(out_dir, FILENAME)
    if world.main:
        check_writable(out_dir)  # before training: minutes of work must not end in "cannot write there"
    model = build_model(model_cfg, data.n_items, seed=train_cfg.seed)
    try:
        result = train(model, data, train_cfg, callback=callback if world.main else None, cancel=cancel)
    finally:
        distributed.finish()  # the group is for training only: rank 0 evaluates and saves alone
    if not world.main:
        return TrainOutcome(path=path, metrics={}, seconds=result.train_seconds, best_epoch=result.best_epoch,
                            stopped=result.stopped, history=result.history)
    start = time.perf_counter()
    metrics = evaluate(model, data, max_len=model_cfg.max_len)
    evaluation_seconds = time.perf_counter() - start
    meta = make_meta(model, data, model_cfg, train_cfg, metrics, result, dataset_spec, evaluation_seconds)
    try:
        save_checkpoint(path, model.cpu(), meta)
        atomic_write_json(os.path.join(out_dir, "metrics.json"),
                          {"model": model_cfg.name, "dataset": data.name, "seconds": round(result.train_seconds, 3),
                           "validation_seconds": round(result.validation_seconds, 3),
                           "evaluation_seconds": round(evaluation_seconds, 3), "max_seconds": train_cfg.max_seconds,
                           "best_epoch": result.best_epoch, "stopped": str(result.stopped),
                           "stop_metric": result.stop_metric, "loss": result.loss,
                           "lr": result.lr, "world_size": world.size,
                           "sequences_per_second": round(result.windows_per_second, 1), **metrics})  # windows; the key is kept
    except OSError as e:  # e.g. the disk filled up while training: the previous model there is left as it was
        raise UserError(f"{out_dir}: cannot save the model there ({e.strerror or e}). "
                        "Fix: free some disk space or pass another output folder.") from None
    return TrainOutcome(path=path, metrics=metrics, seconds=result.train_seconds, best_epoch=result.best_epoch,
                        stopped=result.stopped, meta=meta, history=result.history, model=model)


def checked_settings(model_cfg: ModelConfig, train_cfg: TrainConfig) -> tuple[ModelConfig, TrainConfig]:
    """The checks every front end makes before loading data to train on: both configs valid, and the
    device there (a missing GPU is known at once). Raises SettingError or DeviceError."""
    model_cfg.validate()
    train_cfg.validate()
    resolve_device(train_cfg.device)
    return model_cfg, train_cfg


def with_features(model_cfg: ModelConfig, data: Prepared, item_features: bool) -> ModelConfig:
    """`model_cfg` with the dataset's item attribute table when item features are asked for (DataError
    when its items have none, SettingError when the family takes none)."""
    if not item_features:
        return model_cfg
    from ..models.features import with_item_features
    return with_item_features(model_cfg, data.categories).validate()
