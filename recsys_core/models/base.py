"""What every recommender shares: the interface the training loop, evaluation and explanations use,
what a model family declares about itself (FamilyDefaults and the class attributes of Recommender),
and the three losses.

    scores, loss = model(seq, targets, loss="full"|"sampled"|"bce", negatives=S)
    scores = model.score(seq, candidates=None)        # (B, N+1) or (B, C): next-item scores
    readout = model.explain(seq, candidates)           # AttentionReadout (readout.py) or None: the attention
                                                       # behind each candidate's score

seq (B, L) is left-padded with 0; targets (B, L) holds the next item after each position (0: none).
"""
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F

from .random_pool import RandomPool
from .readout import AttentionReadout

# ModelConfig fields a family may use; `settings` below names the subset that applies to it.
ALL_SETTINGS = frozenset({"attention", "window", "encoder", "dim", "layers", "heads", "max_len", "dropout",
                          "item_features", "last_skip"})


@dataclass(frozen=True)
class FamilyDefaults:
    """How a family trains when TrainConfig leaves a setting to it (see TrainConfig.resolved_*)."""
    loss: str = "auto"  # "auto": full softmax up to TrainConfig.full_max_items (or sparse_full_items), sampled above; else always this loss
    lr: float = 1e-2  # Adam's learning rate
    lr_large: float | None = None  # instead of lr above TrainConfig.full_max_items items (None: lr)
    negatives: int = 256  # sampled negatives for the sampled loss
    # "auto" also picks the full softmax up to this many items on sparse data (the median user's history at
    # most SPARSE_HISTORY): few training positions per epoch, so scoring the whole catalogue stays affordable.
    sparse_full_items: int = 0
    weight_average: float = 0.99  # EMA weight on the past per step (0: keep the last weights)
    min_eval_steps: int = 50  # training steps between validations


class Recommender(nn.Module):
    """One model family. Everything the rest of the code needs to know about a family is declared
    here, as class attributes, so that nothing outside models/ compares family names."""
    family: ClassVar[str] = ""  # the registry name (ModelConfig.arch), e.g. "target"
    label: ClassVar[str] = ""  # for menus, e.g. "target (DIN)"
    about: ClassVar[str] = ""  # one sentence for a person choosing a family
    settings: ClassVar[frozenset] = ALL_SETTINGS  # the ModelConfig fields that apply to this family
    # Whether the weights behind a score single out items, so that a top item, an argmax and a hard
    # pick mean something (False for uniform weights, and for no weights at all).
    attention_has_focus: ClassVar[bool] = True
    explained_by: ClassVar[str] = ""  # what explains one of its recommendations, in words
    defaults: ClassVar[FamilyDefaults] = FamilyDefaults()
    # "sequence": the loss uses every position (SASRec); "prefix": only the last position, so the
    # data sampler cuts each training sequence at random points instead (DIN-style examples).
    sampling = "sequence"
    positions_per_window = None  # targets the loss averages over per training window (None: every position)
    # Train on batches of similar-length windows: each pool of this many batches is sorted by length
    # before it is cut, so batches can drop their all-padding columns (see training/batching.length_batches). 0: mixed.
    bucket_pool = 0
    trim_padding = True  # scores do not depend on leading padding, so training may drop it
    trainable = True
    has_attention = True
    # Trained by another library and imported (recsys_core.imports): never trained or offered for
    # training here, not an automatic baseline, and explained without a hard-trained partner by default.
    imported: ClassVar[bool] = False

    @classmethod
    def model_name(cls, cfg) -> str:
        """The full name of a configured model, e.g. target-hard-w5-gru or target-soft-feat (with item
        features), used by checkpoints, shipped folders and the app."""
        if "attention" not in cls.settings:
            return cls.family
        parts = [cls.family, cfg.attention] + ([f"w{cfg.window}"] if cfg.window else [])
        if "encoder" in cls.settings and cfg.encoder != "none":
            parts.append(cfg.encoder)
        if "item_features" in cls.settings and getattr(cfg, "item_features", False):
            parts.append("feat")
        return "-".join(parts)

    @classmethod
    def check(cls, cfg) -> list[tuple[str, str]]:
        """(field, problem, fix) for each setting this family cannot take (ModelConfig.validate checks the rest)."""
        return []

    @classmethod
    def resolve(cls, cfg, profile) -> dict[str, tuple[object, str]]:
        """Settings `cfg` leaves to the data (None), chosen from a models.config.DataProfile:
        {field: (value, the reason in one sentence)}. None by default: nothing depends on the data."""
        return {}

    @classmethod
    def upgrade_state(cls, state: dict, model: "Recommender") -> dict:
        """A state dict saved by an older version of this family, made loadable (identity by default)."""
        return state

    def fit_statistics(self, item_counts: torch.Tensor):
        """Called once before training with interaction counts per item index (N+1,)."""

    def score(self, seq: torch.Tensor, candidates: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def prefix_loss(self, seq, targets, loss, negatives):
        """Loss for families that predict only after the last position, through `score`."""
        t = targets[:, -1]  # (B,) the item after the last position
        keep = t > 0
        seq, t = seq[keep], t[keep]
        if loss == "full":
            scores = self.score(seq)  # (B, N+1)
            return scores, full_softmax_loss(scores, t)
        if loss == "sampled":
            neg_ids = sample_negatives(self.n_items, (len(t), negatives), seq.device)  # per example: more items see a gradient
            scores = self.score(seq, torch.cat([t[:, None], neg_ids], dim=1))  # (B, 1+S)
            return scores, sampled_softmax_loss(scores[:, 0], scores[:, 1:], neg_ids == t[:, None])
        scores = self.score(seq, torch.stack([t, sample_negatives(self.n_items, t.shape, seq.device)], dim=1))  # (B, 2)
        return scores, bce_loss(scores[:, 0], scores[:, 1])

    def explain(self, seq: torch.Tensor, candidates: torch.Tensor) -> AttentionReadout | None:
        """The attention behind each candidate's score (see readout.py); None for a model without attention."""
        return None

    def value_vectors(self, seq: torch.Tensor) -> torch.Tensor | None:
        """(B, H, L, D): what each history item adds to the read-out per unit of attention weight, per head
        (H = 1 when one set of weights reads the history), for the attention-norm explainer; None when
        the family has no such vectors. Default: the history's item embeddings."""
        item = getattr(self, "item", None)
        return item(seq)[:, None] if isinstance(item, nn.Embedding) else None


def sample_negatives(n_items: int, shape, device, generator=None) -> torch.Tensor:
    """Uniform item indices in 1..n_items (never padding)."""
    return torch.randint(1, n_items + 1, shape, device=device, generator=generator)


def full_softmax_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits (M, N+1) over the whole catalogue, column 0 (padding) excluded; targets (M,)."""
    logits = logits.clone()
    logits[:, 0] = torch.finfo(logits.dtype).min
    return F.cross_entropy(logits, targets)


def sampled_softmax_loss(pos: torch.Tensor, neg: torch.Tensor, hit: torch.Tensor) -> torch.Tensor:
    """pos (M,), neg (M, S) logits; hit (M, S) marks negatives that are the positive itself."""
    logits = torch.cat([pos[:, None], neg.masked_fill(hit, torch.finfo(neg.dtype).min)], dim=1)  # (M, 1+S)
    return F.cross_entropy(logits, torch.zeros(len(pos), dtype=torch.long, device=pos.device))


def bce_loss(pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
    """SASRec's loss: one positive and one negative logit per position."""
    return F.binary_cross_entropy_with_logits(pos, torch.ones_like(pos)) + \
        F.binary_cross_entropy_with_logits(neg, torch.zeros_like(neg))


def dot_scores(u: torch.Tensor, item: nn.Embedding, bias: nn.Embedding, candidates=None) -> torch.Tensor:
    """u (B, D) · item embeddings + item bias: all items (B, N+1), shared candidates (C,) -> (B, C),
    or per-row candidates (B, C) -> (B, C)."""
    if candidates is None:
        return mask_padding_column(u @ item.weight.T + bias.weight.T)
    if candidates.dim() == 1:
        return u @ item(candidates).T + bias(candidates).T
    return (u[:, None, :] * item(candidates)).sum(-1) + bias(candidates).squeeze(-1)


def mask_padding_column(scores: torch.Tensor) -> torch.Tensor:
    scores[:, 0] = float("-inf")
    return scores


class PoolDropout(nn.Module):
    """Dropout whose masks are slices of a pre-drawn pool (see random_pool): on CPU a fresh Bernoulli
    mask cost a third of a SASRec training step. Identity in eval mode, like nn.Dropout."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self._masks = RandomPool(lambda n, device: (torch.rand(n, device=device) >= self.p).float() / (1 - self.p))

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return x * self._masks.take(x)
