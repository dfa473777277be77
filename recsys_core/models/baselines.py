"""Baselines with no attention, shown beside the attention models so users see what attention adds.

`popular`: everyone gets the most interacted items. `mean`: the history's mean embedding (uniform
weights over the history, the "attention" of a bag of items).
"""
import torch
import torch.nn as nn

from .base import (
    FamilyDefaults,
    PoolDropout,
    Recommender,
    dot_scores,
    mask_padding_column,
)
from .config import ModelConfig
from .readout import AttentionReadout


class PopularRecommender(Recommender):
    family = "popular"
    label = "popular (baseline)"
    about = "Recommends the most popular items to everyone: nothing to train, no attention. A floor to beat."
    settings = frozenset()  # ignores the history
    attention_has_focus = False
    explained_by = "nothing: the popularity baseline ignores the history"
    trainable = False
    has_attention = False
    sampling = "prefix"
    positions_per_window = 1

    def __init__(self, cfg: ModelConfig, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        self.register_buffer("counts", torch.zeros(n_items + 1))

    def fit_statistics(self, item_counts):
        self.counts.copy_(item_counts.float())

    def score(self, seq, candidates=None):
        pop = torch.log1p(self.counts).to(seq.device)
        if candidates is None:
            return mask_padding_column(pop[None, :].repeat(len(seq), 1))  # (B, N+1)
        return pop[candidates].expand(len(seq), -1) if candidates.dim() == 1 else pop[candidates]


class MeanRecommender(Recommender):
    family = "mean"
    label = "mean (baseline)"
    about = "Scores candidates against the average of the history: trains, but weighs every past item the same."
    settings = frozenset({"dim", "max_len", "dropout"})
    attention_has_focus = False  # uniform weights: no top item, no argmax, no hard pick
    explained_by = "uniform weights: the mean baseline has no attention"
    # 5e-3: at 1e-3 it trained 4.7x as long on ml-latest-small. Averaged weights, as for target.
    defaults = FamilyDefaults(loss="auto", lr=5e-3, negatives=256, weight_average=0.99, min_eval_steps=50)
    sampling = "prefix"
    positions_per_window = 1

    def __init__(self, cfg: ModelConfig, n_items: int):
        super().__init__()
        self.cfg, self.n_items = cfg, n_items
        self.item = nn.Embedding(n_items + 1, cfg.dim, padding_idx=0)
        self.bias = nn.Embedding(n_items + 1, 1)
        self.drop = PoolDropout(cfg.dropout)
        nn.init.normal_(self.item.weight, std=cfg.dim ** -0.5)
        nn.init.zeros_(self.bias.weight)

    def user(self, seq):
        valid = (seq > 0).float()  # (B, L)
        return (self.drop(self.item(seq)) * valid[..., None]).sum(1) / valid.sum(1, keepdim=True).clamp(min=1)  # (B, D)

    def score(self, seq, candidates=None):
        return dot_scores(self.user(seq), self.item, self.bias, candidates)

    def forward(self, seq, targets, loss="full", negatives=256):
        return self.prefix_loss(seq, targets, loss, negatives)

    def explain(self, seq, candidates):
        valid = (seq > 0).float()
        w = (valid / valid.sum(1, keepdim=True).clamp(min=1))[:, None].expand(-1, candidates.shape[1], -1)  # (B, K, L)
        return AttentionReadout(weights=w, soft=w)
