"""Training a rating model: mean squared error on the split's training ratings, Adam, L2 on the
user and candidate parameters each batch touches, early stopping on validation RMSE (best weights
kept). Runs on the main loop's epoch driver (training/epochs.run_epochs) with its stop vocabulary
(Stop), patience rule (EarlyStop), progress reports (Progress) and cancel flag (a threading.Event
checked between steps); never prints; knows the model only through its forward contract.
"""
import copy
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ..data.preprocess import Prepared
from ..errors import Cancelled, UserError, check_number
from ..models.config import ModelConfig
from ..training.early_stop import EarlyStop
from ..training.epochs import run_epochs
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


class _RatingRun:
    """One rating model's training, driven by the main loop's epoch driver (training/epochs.py)."""

    def __init__(self, *, model, data: Prepared, split: RatingSplit, cfg: RatingTrainConfig, device, report, cancel):
        self.model, self.data, self.split, self.cfg, self.device = model, data, split, cfg, device
        self.report, self.cancel = report, cancel
        self.rng = np.random.default_rng(cfg.seed)
        self.opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        self.fit = np.flatnonzero(split.fit)
        self.anneal = getattr(model.attn, "anneal", None)  # only variants with a temperature schedule have one
        self.stopper = EarlyStop(cfg.patience)  # fed -RMSE: the higher the better, as the main loop's NDCG
        self.result = RatingResult(model=model, best_epoch=0, valid_rmse=float("inf"), seconds=0.0, stopped=Stop.EPOCHS)
        self.best_state, self.start, self.seen = None, time.time(), 0
        self.steps = -(-len(self.fit) // cfg.batch_size)

    def _out_of_time(self) -> bool:
        return self.cfg.max_seconds is not None and time.time() - self.start > self.cfg.max_seconds

    def epoch(self, epoch: int) -> tuple[float, int]:
        model, data, split, cfg, device = self.model, self.data, self.split, self.cfg, self.device
        model.train()
        order, total, self.seen, steps = self.rng.permutation(self.fit), 0.0, 0, 0
        for step, i in enumerate(range(0, len(order), cfg.batch_size)):
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled()
            if (self.seen or epoch > 1) and self._out_of_time():  # mid-epoch: validate what it has so far, then stop
                self.result.stopped = Stop.TIME
                break
            pos = order[i:i + cfg.batch_size]
            items, ratings = histories(data, split.fit, pos, model.cfg.max_len)
            users = torch.from_numpy(users_of(data, pos)).to(device)
            cand = torch.from_numpy(data.items[pos]).to(device)
            target = torch.from_numpy(data.ratings[pos]).to(device)
            _, mse = model(users, items.to(device), ratings.to(device), cand, target)
            loss = mse + cfg.l2 * model.penalty(users, cand)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            total, self.seen, steps = total + mse.detach().item() * len(pos), self.seen + len(pos), step + 1
            self.report(Progress(phase="train", epoch=epoch, epochs=cfg.epochs, step=step + 1, steps=self.steps,
                                 loss=float(mse.detach().item()), elapsed=time.time() - self.start, eta=None))
        if self.anneal is not None:
            self.anneal(epoch / cfg.epochs)
        return total / max(1, self.seen), steps

    def due(self, epoch: int) -> bool:
        return True  # every epoch's end

    def validate(self, epoch: int, loss: float, steps: int) -> bool:
        split, result = self.split, self.result
        if self.seen == 0:  # out of time before this epoch's first batch: nothing new to validate
            return False
        valid = _rmse(self.model, self.data, split) if len(split.valid) else float(np.sqrt(loss))
        seconds = time.time() - self.start
        if not np.isfinite(valid):  # diverged: the weights kept are the last validated ones, if any
            result.stopped = Stop.DIVERGED
            return False
        result.history.append(RatingValidation(epoch=epoch, train_mse=loss, valid_rmse=valid, seconds=seconds))
        self.report(Progress(phase="eval", epoch=epoch, epochs=self.cfg.epochs, step=steps, steps=self.steps,
                             loss=loss, elapsed=seconds, eta=None, metrics={"rmse": valid, "train_mse": loss}))
        if valid < result.valid_rmse:
            result.valid_rmse, result.best_epoch = valid, epoch
            self.best_state = copy.deepcopy(self.model.state_dict())
        return self.stopper.update(-valid)


def train_rating_model(data: Prepared, split: RatingSplit, model_cfg: ModelConfig,
                       train_cfg: RatingTrainConfig | None = None, *, device: str = "cpu", callback=None,
                       cancel: threading.Event | None = None) -> RatingResult:
    """Train on `split.fit`, stop on `split.valid`. callback(Progress) after each step and validation (its
    metrics: rmse, train_mse); a set `cancel` raises Cancelled at the next step."""
    require_ratings(data)
    train_cfg = (train_cfg or RatingTrainConfig()).validate()
    torch.manual_seed(train_cfg.seed)
    model = build_rating_model(data, split, model_cfg).to(device)
    run = _RatingRun(model=model, data=data, split=split, cfg=train_cfg, device=device,
                     report=callback or (lambda p: None), cancel=cancel)
    run_epochs(run, train_cfg.epochs)
    if run.best_state is None and run.result.stopped == Stop.DIVERGED:
        raise UserError("Training the rating model diverged: its predictions became NaN or infinite before any "
                        "validation, so there are no good weights to keep. Fix: lower the learning rate.")
    if run.best_state is not None:
        model.load_state_dict(run.best_state)
    model.eval()
    run.result.seconds = time.time() - run.start
    return run.result
