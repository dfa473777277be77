"""Training a rating model: mean squared error on the split's training ratings, Adam, L2 on the
user and candidate parameters each batch touches, early stopping on validation RMSE (best weights
kept). Shares the main loop's parts (training/): its stop vocabulary (Stop), its patience rule
(EarlyStop), its progress reports (Progress) and its cancel flag (a threading.Event checked between
steps); never prints; knows the model only through its forward contract.
"""
import copy
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..data.preprocess import Prepared
from ..errors import Cancelled, check_number
from ..models.config import ModelConfig
from ..training.early_stop import EarlyStop
from ..training.records import Progress
from ..training.stop import Stop
from .model import TargetRatingModel
from .split import RatingSplit, histories, require_ratings, users_of

PREDICT_BATCH = 4096


@dataclass
class RatingTrainConfig:
    lr: float = 3e-3  # Adam; 1e-2 overfit ml-100k within two epochs
    batch_size: int = 256
    epochs: int = 40  # at most; early stopping usually ends it sooner
    patience: int = 3  # epochs without a better validation RMSE before stopping
    l2: float = 0.05  # weight of the per-example squared norm of user and candidate parameters
    seed: int = 0
    # Checked every batch (None: no limit). ml-100k's best validation RMSE came at epoch 3 of 6, 75-125 s on
    # a busy 2-core machine, so 100 s keeps a training near two minutes with validation.
    max_seconds: float | None = 100.0

    def validate(self):
        check_number("lr", self.lr, low=0, low_open=True)
        check_number("batch_size", self.batch_size, low=1, integer=True)
        check_number("epochs", self.epochs, low=1, integer=True)
        check_number("patience", self.patience, low=1, integer=True)
        check_number("l2", self.l2, low=0)
        check_number("max_seconds", self.max_seconds, low=0, low_open=True, optional=True)
        return self

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class RatingValidation:
    """One epoch's end: the training MSE over the epoch and the validation RMSE of the weights then."""
    epoch: int
    train_mse: float
    valid_rmse: float
    seconds: float  # since training started


@dataclass(kw_only=True)
class RatingResult:
    model: TargetRatingModel
    best_epoch: int
    valid_rmse: float  # at the best epoch
    seconds: float
    stopped: Stop  # epochs, early or time: the main loop's vocabulary
    history: list[RatingValidation] = field(default_factory=list)


def build_rating_model(data: Prepared, split: RatingSplit, model_cfg: ModelConfig) -> TargetRatingModel:
    r = data.ratings[split.fit]
    return TargetRatingModel(model_cfg, n_users=data.n_users, n_items=data.n_items, mean=float(r.mean()),
                             low=float(data.ratings.min()), high=float(data.ratings.max()))


def predict_ratings(model: TargetRatingModel, data: Prepared, positions: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Predicted ratings (n,) of the interactions at flat `positions`, each from its `source` history."""
    model.eval()
    positions = np.asarray(positions, dtype=np.int64)
    device = next(model.parameters()).device
    out = []
    for i in range(0, len(positions), PREDICT_BATCH):
        pos = positions[i:i + PREDICT_BATCH]
        items, ratings = histories(data, source, pos, model.cfg.max_len)
        users = torch.from_numpy(users_of(data, pos))
        cand = torch.from_numpy(data.items[pos])
        out.append(model.predict(users.to(device), items.to(device), ratings.to(device), cand.to(device)).cpu().numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def _rmse(model, data, split) -> float:
    pred = predict_ratings(model, data, split.valid, split.fit)
    return float(np.sqrt(np.mean((pred - data.ratings[split.valid]) ** 2)))


def train_rating_model(data: Prepared, split: RatingSplit, model_cfg: ModelConfig,
                       train_cfg: RatingTrainConfig | None = None, *, device: str = "cpu", callback=None,
                       cancel: threading.Event | None = None) -> RatingResult:
    """Train on `split.fit`, stop on `split.valid`. callback(Progress) after each step and validation (its
    metrics: rmse, train_mse); a set `cancel` raises Cancelled at the next step."""
    require_ratings(data)
    train_cfg = (train_cfg or RatingTrainConfig()).validate()
    torch.manual_seed(train_cfg.seed)
    rng = np.random.default_rng(train_cfg.seed)
    model = build_rating_model(data, split, model_cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=train_cfg.lr)
    fit = np.flatnonzero(split.fit)
    report = callback or (lambda p: None)
    anneal = getattr(model.attn, "anneal", None)  # only variants with a temperature schedule have one
    stopper = EarlyStop(train_cfg.patience)  # fed -RMSE: the higher the better, as for the main loop's NDCG
    start, best, best_state, best_epoch, stopped, history = time.time(), float("inf"), None, 0, Stop.EPOCHS, []
    steps = -(-len(fit) // train_cfg.batch_size)

    def out_of_time() -> bool:
        return train_cfg.max_seconds is not None and time.time() - start > train_cfg.max_seconds

    for epoch in range(1, train_cfg.epochs + 1):
        model.train()
        order, total, seen = rng.permutation(fit), 0.0, 0
        for step, i in enumerate(range(0, len(order), train_cfg.batch_size)):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if (seen or epoch > 1) and out_of_time():  # mid-epoch: validate what it has so far, then stop
                stopped = Stop.TIME
                break
            pos = order[i:i + train_cfg.batch_size]
            items, ratings = histories(data, split.fit, pos, model_cfg.max_len)
            users = torch.from_numpy(users_of(data, pos)).to(device)
            cand = torch.from_numpy(data.items[pos]).to(device)
            target = torch.from_numpy(data.ratings[pos]).to(device)
            _, mse = model(users, items.to(device), ratings.to(device), cand, target)
            loss = mse + train_cfg.l2 * model.penalty(users, cand)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, seen = total + mse.detach().item() * len(pos), seen + len(pos)
            report(Progress(phase="train", epoch=epoch, epochs=train_cfg.epochs, step=step + 1, steps=steps,
                            loss=float(mse.detach().item()), elapsed=time.time() - start, eta=None))
        if anneal is not None:
            anneal(epoch / train_cfg.epochs)
        if seen == 0:
            break
        valid = _rmse(model, data, split) if len(split.valid) else float(np.sqrt(total / seen))
        history.append(RatingValidation(epoch=epoch, train_mse=total / seen, valid_rmse=valid, seconds=time.time() - start))
        report(Progress(phase="eval", epoch=epoch, epochs=train_cfg.epochs, step=steps, steps=steps, loss=total / seen,
                        elapsed=time.time() - start, eta=None, metrics={"rmse": valid, "train_mse": total / seen}))
        if valid < best:
            best, best_epoch, best_state = valid, epoch, copy.deepcopy(model.state_dict())
        if stopper.update(-valid) and stopped == Stop.EPOCHS:
            stopped = Stop.EARLY
        if stopped != Stop.EPOCHS:
            break
    model.load_state_dict(best_state)
    model.eval()
    return RatingResult(model=model, best_epoch=best_epoch, valid_rmse=best, seconds=time.time() - start,
                        stopped=stopped, history=history)
