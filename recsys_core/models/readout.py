"""What a model's attention says about its scores, as one typed object: `Recommender.explain()` returns
an AttentionReadout (None for a model without attention), and every explainer, the explanation and
the planted-truth checks read its named fields instead of keys of a dict.

    readout = model.explain(seq, candidates)      # seq (B, L), candidates (B, K)
    readout.weights      (B, K, L)  the attention that produced each candidate's score (hard: one-hot)
    readout.soft         (B, K, L)  its soft view (a hard model's pre-argmax distribution)
    readout.contribution (B, K, L)  each history item's exact share of the score, when the family has one
    readout.maps         per layer (B, H, L, L), query rows: a stack of self-attention layers
    readout.head_rows    (B, H, L)  the last position's row of the last layer, per head (self)
    readout.feature_weights (B, K, L, A), feature_ids (B, L, A): item-feature models
"""
from dataclasses import dataclass

import torch


@dataclass
class AttentionReadout:
    weights: torch.Tensor  # (B, K, L) exactly 0 on padding
    soft: torch.Tensor  # (B, K, L)
    contribution: torch.Tensor | None = None  # (B, K, L): w_l * (h_l · e_c), target attention
    maps: list[torch.Tensor] | None = None  # per layer (B, H, L, L): every layer and head of a self-attention stack
    soft_maps: list[torch.Tensor] | None = None  # the same layers' soft views
    # One read-out row explains every candidate (self-attention: the last position's row), so the
    # K rows of `weights` are copies; False: each candidate queries the history itself (target).
    shared_row: bool = False
    feature_weights: torch.Tensor | None = None  # (B, K, L, A): each history item's attention over its attributes
    feature_ids: torch.Tensor | None = None  # (B, L, A): those attributes (ids into cfg.feature_vocab, 0: none)
    # Whether the last layer of `maps` has a skip connection around its attention (a standard transformer
    # layer); `self`'s last block has none. Attention rollout weighs the identity in such layers.
    residual_last: bool = False

    @property
    def head_rows(self) -> torch.Tensor | None:
        """(B, H, L): the last position's row of the last layer, per head (None without layer maps)."""
        return None if self.maps is None else self.maps[-1][:, :, -1]
