"""What a training epoch is made of: the examples (a window of a user's training sequence, ending
before a target), batches of similar-length windows, and the per-step weights that keep every
target counting the same.

`sequence` models (self, target) learn from several positions of windows cut from each user's
sequence; `prefix` models (mean) learn from one example per training interaction, the window ending there.
"""
import numpy as np
import torch

from ..data.preprocess import Prepared, split_ends


def training_ends(data: Prepared, sampling: str, stride: int = 0, rng=None, per_user: int = 0) -> np.ndarray:
    """(n_examples, 2) rows of (user, end): the window for an example ends before flat index `end`.

    sequence: windows ending every `stride` items back from the last training item, shifted by a
    random phase each epoch (0: one window per user). Without these crops one fixed window per user
    is all a SASRec-style model ever sees, and it overfits within a few hundred steps.
    per_user: at most this many windows per user, the most recent (0: all of them).
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
        if per_user:
            counts = np.minimum(counts, per_user)  # k counts back from the last window: the recent ones stay
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


def epoch_batches(examples: np.ndarray, data: Prepared, model, batch_size: int, pool: int, max_len: int, rng):
    """(batches, lengths, step_weight) for one pass over `examples`.

    lengths: items available in each window (target included), capped at the model's window.
    step_weight: each model averages its loss over the batch's targets, and batches of short windows
    hold fewer targets, so each step is weighted by its share: every target then counts the same, as
    it would in randomly mixed batches (without this, bucketing over-weights short histories).
    """
    lengths = np.minimum(examples[:, 1] - data.offsets[examples[:, 0]], max_len + 1)
    if pool:
        batches = length_batches(lengths, batch_size, rng, pool)
    else:
        order = rng.permutation(len(examples))
        batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    targets = np.minimum(lengths - 1, model.positions_per_window or max_len)
    per_batch = np.array([targets[b].sum() for b in batches], dtype=np.float64)
    return batches, lengths, per_batch / per_batch.mean()
