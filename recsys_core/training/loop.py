"""One training loop for every model. Reports through a callback, never prints, and can be
cancelled from another thread between steps.

Batches are windows of each user's training sequence (items before the validation item):
`sequence` models (SASRec) learn from every position of one window per user; `prefix` models
(target attention, mean) learn from one example per training interaction, the window ending there.
"""
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .averaging import WeightAverage
from .config import TrainConfig
from .device import resolve_device, set_threads
from .early_stop import EarlyStop
from ..errors import Cancelled, UserError
from .evaluate import evaluate
from ..data.preprocess import Prepared, pad_left, split_ends


@dataclass
class Progress:
    phase: str  # "train", "eval" or "done"
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    elapsed: float  # seconds since training started
    eta: float | None  # seconds left at the current pace, for the epoch budget
    metrics: dict | None = None  # validation metrics after an epoch


@dataclass
class TrainResult:
    history: list = field(default_factory=list)  # per epoch: epoch, loss, seconds, ndcg@10, hr@10
    best_epoch: int = 0
    best_ndcg: float = 0.0
    train_seconds: float = 0.0
    sequences_per_second: float = 0.0  # training windows processed per second of training steps
    stopped: str = "epochs"  # epochs | early | time | cancelled | not-trainable
    loss: str = ""
    lr: float | None = None  # the Adam learning rate used (None: nothing was trained)
    device: str = "cpu"


def training_ends(data: Prepared, sampling: str, stride: int = 0, rng=None) -> np.ndarray:
    """(n_examples, 2) rows of (user, end): the window for an example ends before flat index `end`.

    sequence: windows ending every `stride` items back from the last training item, shifted by a
    random phase each epoch (0: one window per user). Without these crops one fixed window per user
    is all a SASRec-style model ever sees, and it overfits within a few hundred steps.
    """
    starts, valid_ends = data.offsets[:-1], split_ends(data, "valid")[0]  # training items are [start, valid_end)
    if sampling == "sequence":
        if stride <= 0:
            users = np.flatnonzero(valid_ends - starts >= 2)  # need one input and one target
            return np.stack([users, valid_ends[users]], 1)
        phase = rng.integers(0, stride, data.n_users) if rng is not None else np.zeros(data.n_users, np.int64)
        last = valid_ends - phase
        counts = np.maximum((last - (starts + 2)) // stride + 1, 0)
        counts[valid_ends - starts >= 2] = np.maximum(counts[valid_ends - starts >= 2], 1)
        last = np.where(last - starts >= 2, last, valid_ends)
        users = np.repeat(np.arange(data.n_users), counts)
        k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.stack([users, last[users] - k * stride], 1)
    lens = np.maximum(valid_ends - starts - 1, 0)  # examples with at least one history item
    users = np.repeat(np.arange(data.n_users), lens)
    first = np.repeat(starts + 2, lens)
    within = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
    return np.stack([users, first + within], 1)


def length_batches(lengths: np.ndarray, batch_size: int, rng, pool: int = 32) -> list:
    """Index batches of similar-length windows, in random order.

    Most windows are far shorter than max_len (on the embedded data the median is 18 of 51), and a
    batch costs as much as its longest window: sorting each pool of `pool` batches by length before
    cutting it lets every batch drop its all-padding columns. Left padding is masked everywhere, so
    a trimmed window gives the same outputs; only which windows share a batch changes.
    """
    order = rng.permutation(len(lengths))
    batches = []
    for s in range(0, len(order), batch_size * pool):
        part = order[s:s + batch_size * pool]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def item_counts(data: Prepared) -> torch.Tensor:
    """Interactions per item index in the training part only (no peeking at held-out items)."""
    ends = split_ends(data, "valid")[0]
    mask = np.zeros(len(data.items), bool)
    for s, e in zip(data.offsets[:-1], ends):
        mask[s:e] = True
    return torch.from_numpy(np.bincount(data.items[mask], minlength=data.n_items + 1).astype(np.float32))


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


def train(model, data: Prepared, cfg: TrainConfig, max_len: int, callback=None,
          cancel: threading.Event | None = None) -> TrainResult:
    cfg.validate()
    family = type(model)  # its FamilyDefaults fill in the settings the config leaves open
    weight_average, smoothing = cfg.resolved_averaging(family)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    set_threads(cfg.threads)
    device = resolve_device(cfg.device)
    model.to(device)
    model.fit_statistics(item_counts(data).to(device))
    loss_kind = cfg.resolved_loss(data.n_items, family)
    result = TrainResult(loss=loss_kind, device=str(device))
    if not model.trainable:
        result.stopped = "not-trainable"
        return result
    report = callback or (lambda p: None)
    stride = cfg.window_stride if cfg.window_stride is not None else max(1, max_len // 5)
    examples = training_ends(data, model.sampling, stride, rng)
    if len(examples) == 0:
        raise UserError("No user has two training interactions, so there is nothing to learn from. "
                        "Fix: use a dataset whose users have at least 4 interactions each.")
    val_users = np.sort(rng.choice(data.n_users, min(cfg.eval_users, data.n_users), replace=False))
    result.lr = cfg.resolved_lr(family, data.n_items)
    opt = make_adam(model, result.lr, cfg.weight_decay)
    best_state, t0, step_time, seen, since_eval, total_steps = None, time.perf_counter(), 0.0, 0, 0, 0
    stopper = EarlyStop(cfg.patience, smoothing, cfg.min_improvement)  # judges the (smoothed) validation curve
    negatives = cfg.resolved_negatives(family)
    min_eval_steps = cfg.resolved_min_eval_steps(family)
    # Length buckets: the model's own pool unless the config overrides it (only for models that may drop padding).
    pool = model.bucket_pool if cfg.bucket is None else (model.bucket_pool or 32) if cfg.bucket else 0
    pool = pool if model.trim_padding else 0
    average = WeightAverage(model, weight_average) if weight_average else None
    judged = average.model if average else model  # the weights that are validated and kept
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        if epoch > 1 and model.sampling == "sequence":
            examples = training_ends(data, model.sampling, stride, rng)  # fresh crops every epoch
        # Items available in each window (target included), capped at the model's window.
        lengths = np.minimum(examples[:, 1] - data.offsets[examples[:, 0]], max_len + 1)
        if pool:
            batches = length_batches(lengths, cfg.batch_size, rng, pool)
        else:
            order = rng.permutation(len(examples))
            batches = [order[i:i + cfg.batch_size] for i in range(0, len(order), cfg.batch_size)]
        steps = len(batches)
        # Each model averages its loss over the batch's targets. Batches of short windows hold fewer
        # targets, so weight each step by its share: every target then counts the same, as it would
        # in randomly mixed batches (without this, bucketing over-weights short histories).
        targets = np.minimum(lengths - 1, model.positions_per_window or max_len)
        per_batch = np.array([targets[b].sum() for b in batches], dtype=np.float64)
        step_weight = per_batch / per_batch.mean()
        total = 0.0
        for step in range(steps):
            if cancel is not None and cancel.is_set():
                result.stopped = "cancelled"
                break
            ts = time.perf_counter()
            batch = examples[batches[step]]
            width = max(2, int(lengths[batches[step]].max())) if model.trim_padding else max_len + 1
            window = pad_left(data, batch[:, 1], width, batch[:, 0]).to(device)  # (B, <= L+1): no all-padding columns
            anneal(model, total_steps / cfg.anneal_steps)
            _, loss = model(window[:, :-1], window[:, 1:], loss=loss_kind, negatives=negatives)
            opt.zero_grad(set_to_none=True)
            (loss * float(step_weight[step])).backward()
            opt.step()
            if average:
                average.update()
            total += loss.item()
            step_time += time.perf_counter() - ts
            total_steps += 1
            seen += len(batch)
            elapsed = time.perf_counter() - t0
            done = (epoch - 1) * steps + step + 1
            report(Progress("train", epoch, cfg.epochs, step + 1, steps, loss.item(), elapsed,
                            elapsed / done * (cfg.epochs * steps - done)))
            if cfg.max_seconds and elapsed > cfg.max_seconds:
                result.stopped = "time"
                break
        if result.stopped == "cancelled":
            break
        since_eval += steps
        if since_eval < min_eval_steps and epoch < cfg.epochs and result.stopped != "time":
            continue  # tiny epochs (few users): evaluate after enough steps, not after every pass
        since_eval = 0
        if average:
            average.sync_buffers()
        metrics = evaluate(judged, data, ("full",), split="valid", ks=(10,), users=val_users, max_len=max_len)["full"]
        result.history.append({"epoch": epoch, "loss": total / max(1, step + 1), "seconds": time.perf_counter() - t0,
                               "ndcg@10": metrics["ndcg@10"], "hr@10": metrics["hr@10"]})
        report(Progress("eval", epoch, cfg.epochs, steps, steps, total / max(1, step + 1),
                        time.perf_counter() - t0, None, metrics))
        if metrics["ndcg@10"] > result.best_ndcg or best_state is None:
            result.best_ndcg, result.best_epoch = metrics["ndcg@10"], epoch
            best_state = {k: v.detach().clone() for k, v in judged.state_dict().items()}
        if stopper.update(metrics["ndcg@10"]):
            result.stopped = "early"
            break
        if result.stopped == "time":
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    result.train_seconds = time.perf_counter() - t0
    result.sequences_per_second = seen / step_time if step_time else 0.0
    report(Progress("done", result.best_epoch, cfg.epochs, steps, steps, 0.0, result.train_seconds, 0.0,
                    {"ndcg@10": result.best_ndcg}))
    if result.stopped == "cancelled" and best_state is None:
        raise Cancelled()
    return result
