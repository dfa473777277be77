"""What `train --ratings` and `evaluate --json` call: train a rating model beside a ranking model and
save it, and the JSON figures of a saved one (with the three baselines on the same split)."""
import os

import numpy as np

from ..data.preprocess import Prepared
from ..models.config import ModelConfig
from .metrics import LIKE_THRESHOLD
from .report import MODEL_ROW, rating_report
from .split import leave_one_out, random_split, split_from
from .store import load_rating_model, rating_path, read_rating_meta, save_rating_model
from .train import RatingResult, RatingTrainConfig, train_rating_model

SPLIT_KINDS = ("loo", "random")  # "loo": the ranking metrics' test items; "random": 80/20, seed from the config


def train_and_save_ratings(data: Prepared, model_cfg: ModelConfig, out_dir: str, *,
                           train_cfg: RatingTrainConfig | None = None, split: str = "loo",
                           threshold: float = LIKE_THRESHOLD, device: str = "cpu",
                           callback=None, cancel=None) -> tuple[RatingResult, dict]:
    """Train on the split, save `out_dir`/rating.pt with its test figures; returns (result, figures)."""
    if split not in SPLIT_KINDS:
        raise ValueError(f"split must be one of {SPLIT_KINDS}, not {split!r}")
    train_cfg = train_cfg or RatingTrainConfig()
    s = leave_one_out(data) if split == "loo" else random_split(data, seed=train_cfg.seed)
    result = train_rating_model(data, s, model_cfg, train_cfg, device=device, callback=callback, cancel=cancel)
    figures = _figures(rating_report(data, s, result.model, threshold), s)
    figures["training"] = {"seconds": round(result.seconds, 2), "best_epoch": result.best_epoch,
                           "stopped": str(result.stopped), "valid_rmse": result.valid_rmse}
    save_rating_model(out_dir, result.model.cpu(), data,
                      metrics={**figures, "split_spec": s.spec, "train_config": train_cfg.to_dict()})
    return result, figures


def evaluate_saved_ratings(path: str, data: Prepared, threshold: float = LIKE_THRESHOLD) -> dict | None:
    """`evaluate --json`'s rating keys for the rating model in folder `path`; None when it has none."""
    if not os.path.isfile(rating_path(path)):
        return None
    meta, _ = read_rating_meta(path)  # a damaged file is a CheckpointError, not "no rating model"
    model = load_rating_model(path, data)
    spec = meta.get("metrics", {}).get("split_spec", {"kind": "loo"})
    s = split_from(data, spec)
    return _figures(rating_report(data, s, model, threshold), s)


def _figures(report: dict, split) -> dict:
    """{mae, rmse, precision, recall, f1, like_threshold, rating_split, rating_n, rating_baselines}."""
    ours = report[MODEL_ROW].to_dict()
    base = {name: {k: _num(v) for k, v in m.to_dict().items() if k in ("mae", "rmse", "precision", "recall", "f1")}
            for name, m in report.items() if name != MODEL_ROW}
    return {**{k: _num(ours[k]) for k in ("mae", "rmse", "precision", "recall", "f1")},
            "like_threshold": ours["like_threshold"], "rating_split": split.name, "rating_n": ours["n"],
            "rating_baselines": base}


def _num(v):
    return None if v is None or not np.isfinite(v) else round(float(v), 6)
