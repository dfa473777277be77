"""Train, evaluate and save in one call: shared by the CLI, the app's worker and the shipped-models script."""
import os
from dataclasses import dataclass, field

from ..data.preprocess import Prepared
from ..models import build_model
from ..models.config import ModelConfig
from ..store.checkpoint import FILENAME, atomic_write_json, make_meta, save_checkpoint
from ..store.meta import CheckpointMeta
from .config import TrainConfig
from .evaluate import evaluate
from .loop import train


@dataclass
class TrainOutcome:
    path: str  # the model.pt written
    metrics: dict  # protocol -> metric -> value on the test split
    seconds: float
    best_epoch: int
    stopped: str  # epochs | early | time | cancelled | diverged | not-trainable
    meta: CheckpointMeta | None = None
    history: list = field(default_factory=list)  # per validation: epoch, loss, seconds, ndcg@10, hr@10


def train_and_save(data: Prepared, model_cfg: ModelConfig, train_cfg: TrainConfig, out_dir: str,
                   dataset_spec: str = "sample", callback=None, cancel=None) -> TrainOutcome:
    """Train, evaluate on the test split under both protocols, write model.pt + metrics.json atomically."""
    model = build_model(model_cfg, data.n_items, seed=train_cfg.seed)
    result = train(model, data, train_cfg, model_cfg.max_len, callback=callback, cancel=cancel)
    metrics = evaluate(model, data, max_len=model_cfg.max_len)
    meta = make_meta(model, data, model_cfg, train_cfg, metrics, result, dataset_spec)
    path = os.path.join(out_dir, FILENAME)
    save_checkpoint(path, model.cpu(), meta)
    atomic_write_json(os.path.join(out_dir, "metrics.json"),
                      {"model": model_cfg.name, "dataset": data.name, "seconds": round(result.train_seconds, 3),
                       "best_epoch": result.best_epoch, "stopped": result.stopped, "loss": result.loss,
                       "lr": result.lr, **metrics})
    return TrainOutcome(path=path, metrics=metrics, seconds=result.train_seconds, best_epoch=result.best_epoch,
                        stopped=result.stopped, meta=meta, history=result.history)
