"""The one batched pass over a population of users. For each chunk of users:

    seq (B, W)         each user's whole history as the model reads it (the last max_len items, the
                       items before them kept for removals: they slide into view, removal.py)
    items (B, K)       their top-K by the one ranking path: never an item they have (models/ranking.py)
    influence (B,K,W)  the removal test: the score drop of each recommendation when each history item is
                       removed (explainers/occlusion.py), every removal of the chunk in batched passes
    soft, hard         attention's soft weights and its hard pick (argmax) behind each recommendation
    layers             per layer of a self-attention stack, the last position's row averaged over heads

This is what the Explain page computes for one user (explain/user.py), for many at once. Users go in
order of history length, so a chunk can drop its all-padding columns when the model's scores do not
depend on leading padding (Recommender.trim_padding); W is then that chunk's longest history.
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from ..data.preprocess import Prepared
from ..explain.explainers import EXPLAINERS
from ..explain.explainers.memo import ExplainMemo
from ..explain.removal import Viewed, stacked
from ..models.ranking import usable_scores
from ..training.evaluate import chunk_for

CHUNK_USERS = 128  # users per chunk: with ~40 history items each, ~5K removals scored per chunk


@dataclass
class Chunk:
    users: np.ndarray  # (B,) user indices
    seq: torch.Tensor  # (B, W) left-padded visible history, oldest first
    items: torch.Tensor  # (B, K) recommended item indices, best first
    valid: torch.Tensor  # (B, K) bool: a real recommendation (fewer than K when few items are left unseen)
    influence: torch.Tensor  # (B, K, W) score drop when each history item is removed; 0 on padding
    soft: torch.Tensor | None = None  # (B, K, W) soft attention (None: no attention that singles out items)
    hard: torch.Tensor | None = None  # (B, K, W) one-hot on the hard pick / the argmax of the weights
    layers: list[torch.Tensor] | None = None  # per layer (B, W): the last position's row, mean over heads
    explained: dict[str, torch.Tensor] = field(default_factory=dict)  # explainer -> (B, K, W) importance

    @property
    def real(self) -> torch.Tensor:
        """(B, K, W) bool: a real history item behind a real recommendation."""
        return (self.seq > 0)[:, None, :] & self.valid[:, :, None]

    @property
    def steps_back(self) -> torch.Tensor:
        """(W,) how many steps back each column is: W .. 1 (1 = the latest item)."""
        return torch.arange(self.seq.shape[1], 0, -1)


def device_of(model) -> torch.device:
    """The model's device (a model without parameters, e.g. popular, by its buffers)."""
    t = next(iter(model.parameters()), None)
    if t is None:
        t = next(iter(model.buffers()), None)
    return t.device if t is not None else torch.device("cpu")


def pick_users(data: Prepared, n: int | None, seed: int = 0) -> np.ndarray:
    """Every user (n None or >= the population), else a seeded sample of n, in index order."""
    if n is None or n >= data.n_users:
        return np.arange(data.n_users)
    if n < 1:
        raise ValueError("a sample needs at least one user")
    return np.sort(np.random.default_rng(seed).choice(data.n_users, n, replace=False))


def _one_hot_argmax(w: torch.Tensor, seq: torch.Tensor) -> torch.Tensor:
    """(B, K, W): 1 on the largest weight of each row over real items (the first of ties), else 0."""
    real = (seq > 0)[:, None, :]
    top = w.float().masked_fill(~real, float("-inf")).argmax(-1, keepdim=True)
    return torch.zeros_like(w, dtype=torch.float).scatter_(-1, top, 1.0) * real


@torch.no_grad()
def sweep(model, data: Prepared, max_len: int, users: np.ndarray, k: int = 10, explainers=(),
          progress: Callable[[int, int], None] | None = None, chunk_users: int = CHUNK_USERS) -> Iterator[Chunk]:
    """Chunks (on the CPU) covering `users`, each user once; progress(done, total) after each."""
    model.eval()
    device = device_of(model)
    k = max(1, min(k, data.n_items))
    visible = np.minimum(data.lengths()[users], max_len)
    order = np.asarray(users)[np.argsort(visible, kind="stable")]
    trim = bool(getattr(model, "trim_padding", False))
    focus = bool(model.has_attention and model.attention_has_focus)
    step = max(1, min(chunk_users, chunk_for(data.n_items, chunk_users)))
    for start in range(0, len(order), step):
        part = order[start:start + step]
        views = [Viewed.of(data.seq(int(u)), max_len, data.n_items, device) for u in part]
        seq, older = stacked(views)  # (B, L), (B, E)
        if trim:  # every user here has at most `width` items in view; only those with max_len have older ones
            width = max(v.n for v in views)
            seq = seq[:, max_len - width:]
        had = torch.stack([v.had > 0 for v in views])  # (B, N+1)
        scores = usable_scores(model.score(seq)).masked_fill(had, float("-inf"))
        top, items = scores.topk(k, dim=1)
        valid = torch.isfinite(top)
        memo = ExplainMemo(model)  # one read of the attention for this chunk, whichever explainers ask
        chunk = Chunk(users=part, seq=seq, items=items, valid=valid,
                      influence=EXPLAINERS["occlusion"](model, seq, items, older).float())
        readout = memo.explain(seq, items) if focus else None
        if readout is not None:  # None: a model that declares attention but gave none for these rows
            chunk.soft = readout.soft.float() * (seq > 0)[:, None, :]
            chunk.hard = _one_hot_argmax(readout.weights, seq)
            if readout.maps is not None:
                chunk.layers = [m[:, :, -1, :].float().mean(1) * (seq > 0) for m in readout.maps]
        chunk.explained = {name: EXPLAINERS[name](memo, seq, items, older).float() for name in explainers}
        yield _to_cpu(chunk)
        if progress:
            progress(min(start + step, len(order)), len(order))


def _to_cpu(c: Chunk) -> Chunk:
    def cpu(t):
        return None if t is None else t.cpu()
    return Chunk(users=c.users, seq=c.seq.cpu(), items=c.items.cpu(), valid=c.valid.cpu(),
                 influence=c.influence.cpu() * c.valid.cpu()[:, :, None], soft=cpu(c.soft), hard=cpu(c.hard),
                 layers=None if c.layers is None else [t.cpu() for t in c.layers],
                 explained={n: t.cpu() for n, t in c.explained.items()})
