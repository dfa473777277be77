"""One training loop for every model. Reports through a callback, never prints, and can be
cancelled from another thread between steps.

    train()                 the run: plan, then epochs until a stop rule fires
      plan_for()            what the config leaves open, filled in from the model family's defaults
      _Run.epoch()          one pass over the batches (batching.py), one optimiser step each
      _Run.validate()       NDCG@10 on held-out validation items; keeps the best weights, early stopping
                            (at epoch ends, and inside epochs longer than config.eval_windows)

Batches are windows of each user's training sequence (items before the validation item); see
batching.py for how they are cut and weighted. Under torchrun each rank trains on its share of every
epoch's batches and rank 0 validates (distributed.py); a single process is a world of one.
"""
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import torch

from ..data.preprocess import Prepared, pad_left
from ..errors import Cancelled, UserError
from ..models.config import DataProfile
from .averaging import WeightAverage
from .batching import epoch_batches, item_counts, training_ends
from .config import TrainConfig
from .device import DeviceRun, resolve_device
from .distributed import (
    World,
    agree_step,
    broadcast_flag,
    current,
    rank_device,
    shard,
    wrap,
)
from .early_stop import EarlyStop
from .epochs import run_epochs
from .evaluate import evaluate
from .heap import heap_mode
from .records import Progress, TrainResult, Validation
from .stop import Stop

__all__ = ["Progress", "TrainResult", "Validation", "Plan", "plan_for", "train"]


@dataclass(kw_only=True)
class Plan:
    """The settings of one run once the model family has filled in what the config leaves open."""
    loss: str
    lr: float
    negatives: int
    min_eval_steps: int  # training steps between validations
    weight_average: float  # 0: validate and keep the last weights
    smoothing: float  # early stopping follows an EMA of the validation curve with this weight on the past
    stride: int  # sequence models: a training window every this many items
    pool: int  # length-bucket pool in batches (0: mixed batches)
    stop_metric: str = "ndcg@10"  # the validation metric early stopping and the kept weights follow


def plan_for(model, data: Prepared, cfg: TrainConfig) -> Plan:
    family = type(model)  # its FamilyDefaults fill in the settings the config leaves open
    weight_average, smoothing = cfg.resolved_averaging(family)
    # Length buckets: the model's own pool unless the config overrides it (only for models that may drop padding).
    pool = model.bucket_pool if cfg.bucket is None else (model.bucket_pool or 32) if cfg.bucket else 0
    return Plan(loss=cfg.resolved_loss(data.n_items, family, DataProfile.of(data).median_history), lr=cfg.resolved_lr(family, data.n_items),
                negatives=cfg.resolved_negatives(family), min_eval_steps=cfg.resolved_min_eval_steps(family),
                weight_average=weight_average, smoothing=smoothing,
                stride=cfg.window_stride if cfg.window_stride is not None else max(1, model.cfg.max_len // 5),
                pool=pool if model.trim_padding else 0, stop_metric=cfg.resolved_stop_metric(data.n_items))


def make_adam(model, lr: float, weight_decay: float) -> torch.optim.Adam:
    """Fused Adam: one kernel over all parameters. On CPU the per-op version spends more time
    updating a large item table than the model spends on the batch (7 ms vs 0.4 ms a step at 24K items)."""
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, ValueError):  # a device without a fused kernel
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)


def anneal(model, progress: float):
    """Advance every annealed module (hard attention's Gumbel temperature)."""
    for m in model.modules():
        if hasattr(m, "anneal"):
            m.anneal(progress)


class _Run:
    """The state of one training run: optimiser, averaged weights, the best validated weights, clocks."""

    def __init__(self, *, model, data: Prepared, cfg: TrainConfig, plan: Plan, device, rng, report,
                 cancel: threading.Event | None, result: TrainResult, world: World = World(), examples: np.ndarray):
        self.model, self.data, self.cfg, self.plan, self.max_len = model, data, cfg, plan, model.cfg.max_len
        self.device, self.rng, self.report, self.cancel, self.result = device, rng, report, cancel, result
        self.examples = examples  # training windows' ends (batching.training_ends), fresh crops every epoch
        self.world, self.on_device = world, DeviceRun(device)  # bf16 autocast and pinned batches on CUDA only
        self.val_users = np.sort(rng.choice(data.n_users, min(cfg.eval_users, data.n_users), replace=False))
        self.opt = make_adam(model, plan.lr, cfg.weight_decay)
        self.average = WeightAverage(model, plan.weight_average) if plan.weight_average else None
        self.trained = wrap(model, device, world)  # the module whose forward trains (DDP on several ranks)
        self.judged = self.average.model if self.average else model  # the weights that are validated and kept
        self.stopper = EarlyStop(cfg.patience, smoothing=plan.smoothing, min_improvement=cfg.min_improvement,
                                 growth=cfg.patience_growth)  # judges the (smoothed) curve
        self.best_state, self.best_score = None, float("-inf")
        self.t0, self.step_time, self.seen, self.total_steps, self.since_eval = time.perf_counter(), 0.0, 0, 0, 0
        self.last_validation = 0.0  # seconds the last validation took: a run stops early enough to fit the final one

    def step(self, window: torch.Tensor, weight: float, stop: bool = False) -> tuple[float, bool]:
        """One optimiser step on a (B, <= L+1) window batch; returns (the unweighted loss, whether to stop
        after it). `stop`: this rank wants to stop (several ranks stop together; one stops at once)."""
        anneal(self.model, self.total_steps * self.world.size / self.cfg.anneal_steps)
        with self.on_device.autocast():
            _, loss = self.trained(window[:, :-1], window[:, 1:], loss=self.plan.loss, negatives=self.plan.negatives)
        value, stop = agree_step(loss.item(), stop, self.world)
        if not math.isfinite(value):
            return value, stop  # never step on it: the weights stay as they were before this batch
        self.opt.zero_grad(set_to_none=True)
        (loss * weight).backward()
        self.opt.step()
        if self.average:
            self.average.update()
        return value, stop

    def epoch(self, epoch: int) -> tuple[float, int]:
        """One pass over the batches; returns (mean loss, steps in the epoch). Sets result.stopped when
        cancelled, out of time or diverged."""
        model, data, cfg, result = self.model, self.data, self.cfg, self.result
        if epoch > 1 and model.sampling == "sequence":  # fresh crops every epoch
            self.examples = training_ends(data, model.sampling, self.plan.stride, self.rng, cfg.windows_per_user)
        examples = self.examples
        model.train()
        batches, lengths, step_weight = epoch_batches(examples, data, model, cfg.batch_size, self.plan.pool,
                                                      self.max_len, self.rng)
        mine = shard(len(batches), self.world)  # every batch in a world of one
        steps, total, done_steps, over_time = len(mine), 0.0, 0, False
        for step, b in enumerate(mine):
            if self.cancel is not None and self.cancel.is_set():
                result.stopped = Stop.CANCELLED
                break
            ts = time.perf_counter()
            batch = examples[batches[b]]
            width = max(2, int(lengths[batches[b]].max())) if model.trim_padding else self.max_len + 1
            window = self.on_device.put(pad_left(data, batch[:, 1], width, batch[:, 0]))  # (B, <= L+1): no all-padding columns
            loss, stop = self.step(window, float(step_weight[b]), over_time)
            if not math.isfinite(loss):
                result.stopped = Stop.DIVERGED
                break
            total += loss
            done_steps = step + 1
            self.step_time += time.perf_counter() - ts
            self.total_steps += 1
            self.seen += len(batch)
            elapsed = time.perf_counter() - self.t0
            done = (epoch - 1) * steps + step + 1
            self.report(Progress(phase="train", epoch=epoch, epochs=cfg.epochs, step=step + 1, steps=steps, loss=loss,
                                 elapsed=elapsed, eta=elapsed / done * (cfg.epochs * steps - done)))
            # The run ends with a validation: stop when that one would no longer fit the time limit.
            over_time = bool(cfg.max_seconds and elapsed + self.last_validation > cfg.max_seconds)
            if stop or (over_time and not self.world.active):  # several ranks: stop after the step that agrees
                result.stopped = Stop.TIME
                break
            self.since_eval += self.world.size  # single-process steps: the same count on every rank
            if step + 1 < steps and cfg.eval_windows and self.since_eval * cfg.batch_size >= cfg.eval_windows:
                # Inside a long epoch (config.eval_windows); the epoch's end validates as before.
                early = self.validate(epoch, total / done_steps, step + 1, steps)
                model.train()  # evaluate() left the judged weights in eval mode, and they may be the model's
                if early:
                    result.stopped = Stop.EARLY
                    break
        return total / max(1, done_steps), steps

    def due(self, epoch: int) -> bool:
        """Validate at this epoch's end? Tiny epochs (few users) validate after enough steps, not after
        every pass. Steps are counted in single-process steps: the same examples between validations."""
        return (self.since_eval >= self.plan.min_eval_steps or epoch >= self.cfg.epochs
                or self.result.stopped == Stop.TIME)

    def validate(self, epoch: int, loss: float, steps: int, of_steps: int | None = None) -> bool:
        """Validate the judged weights, keep them if best; True when early stopping says stop (rank 0
        validates; every rank gets its answer)."""
        self.since_eval = 0
        start = time.perf_counter()
        if self.average:
            self.average.sync_buffers()
        if not self.world.main:
            return broadcast_flag(False, self.world)
        stop = broadcast_flag(self._validate_here(epoch, loss, steps, of_steps or steps), self.world)
        self.last_validation = time.perf_counter() - start
        self.result.validation_seconds += self.last_validation
        return stop

    def _validate_here(self, epoch: int, loss: float, steps: int, of_steps: int) -> bool:
        whole = self.data.n_items + 1  # a cutoff no rank reaches: NDCG over the whole ranking
        metrics = evaluate(self.judged, self.data, ("full",), split="valid", ks=(10, whole), users=self.val_users,
                           max_len=self.max_len)["full"]
        metrics = {k: v for k, v in metrics.items() if not k.endswith(f"@{whole}")} | {"ndcg": metrics[f"ndcg@{whole}"]}
        result = self.result
        result.history.append(Validation(epoch=epoch, loss=loss, seconds=time.perf_counter() - self.t0,
                                         windows=self.total_steps * self.world.size * self.cfg.batch_size,
                                         ndcg_at_10=metrics["ndcg@10"], hr_at_10=metrics["hr@10"], ndcg=metrics["ndcg"]))
        self.report(Progress(phase="eval", epoch=epoch, epochs=self.cfg.epochs, step=steps, steps=of_steps, loss=loss,
                             elapsed=time.perf_counter() - self.t0, eta=None, metrics=metrics))
        score = metrics[self.plan.stop_metric]
        if score > self.best_score or self.best_state is None:
            self.best_score, result.best_ndcg_at_10, result.best_epoch = score, metrics["ndcg@10"], epoch
            result.best_score = score
            self.best_state = {k: v.detach().clone() for k, v in self.judged.state_dict().items()}
        return self.stopper.update(score, self.total_steps * self.world.size * self.cfg.batch_size)


@heap_mode("train")  # a step's tensors reused from the heap; validation switches to "evaluate" (see heap.py)
def train(model, data: Prepared, cfg: TrainConfig, *, callback=None,
          cancel: threading.Event | None = None) -> TrainResult:
    """Train `model` (its history length is its config's max_len) on `data`; keeps the best validated weights."""
    cfg.validate()
    world = current()  # a world of one unless torchrun started this process and run.py joined its group
    torch.manual_seed(cfg.seed + world.rank)  # own dropout and negatives per rank; DDP copies rank 0's weights
    rng = np.random.default_rng(cfg.seed)  # the same on every rank: one epoch plan, sharded
    device = rank_device(resolve_device(cfg.device), world)
    if not world.main:
        callback = None  # rank 0 reports
    model.to(device)
    model.fit_statistics(item_counts(data).to(device))
    plan = plan_for(model, data, cfg)
    result = TrainResult(loss=plan.loss, device=str(device), stop_metric=plan.stop_metric)
    if not model.trainable:
        result.stopped = Stop.NOT_TRAINABLE
        return result
    if data.n_users < 2:
        raise UserError(f"Only {data.n_users} user has enough interactions: a model learns what users share, and its "
                        "test metrics would describe one person. Fix: use a dataset with more users.")
    examples = training_ends(data, model.sampling, plan.stride, rng, cfg.windows_per_user)
    if len(examples) == 0:
        raise UserError("No user has two training interactions, so there is nothing to learn from. "
                        "Fix: use a dataset whose users have at least 4 interactions each.")
    run = _Run(model=model, data=data, cfg=cfg, plan=plan, device=device, rng=rng, report=callback or (lambda p: None),
               cancel=cancel, result=result, world=world, examples=examples)
    result.lr = plan.lr
    return _finish(run, run_epochs(run, cfg.epochs))


def _finish(run: _Run, steps: int) -> TrainResult:
    """Keep the best validated weights, and say how the run ended."""
    model, result = run.model, run.result
    if result.stopped == Stop.DIVERGED and run.best_state is None:
        raise UserError("Training diverged: the loss became NaN or infinite before any validation, so there are "
                        "no good weights to keep. Fix: lower the learning rate (e.g. 1e-3) or leave it to the default.")
    if run.best_state is not None:
        model.load_state_dict(run.best_state)
    model.eval()
    result.train_seconds = time.perf_counter() - run.t0
    result.windows_per_second = run.seen * run.world.size / run.step_time if run.step_time else 0.0  # all ranks
    run.report(Progress(phase="done", epoch=result.best_epoch, epochs=run.cfg.epochs, step=steps, steps=steps, loss=0.0,
                        elapsed=result.train_seconds, eta=0.0, metrics={"ndcg@10": result.best_ndcg_at_10}))
    if result.stopped == Stop.CANCELLED and run.best_state is None:
        raise Cancelled()
    return result
