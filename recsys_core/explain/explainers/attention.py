"""Explainers read from the model's own attention: the soft weights, the hard pick, weights scaled by
the norm of what each item contributes (Kobayashi et al. 2020), and attention rollout through the
layers (Abnar & Zuidema 2020).

They read the model's AttentionReadout (models/readout.py): `maps` are the layers of a stacked
self-attention model whose last position explains every candidate; `value_vectors` is what each
history item adds to the read-out per unit of weight.
"""
import torch

from .common import valid_mask


@torch.no_grad()
def attention(model, seq, candidates, older=None):
    """The soft weights behind each score (for a hard model, its pre-argmax distribution)."""
    return model.explain(seq, candidates).soft.float() * valid_mask(seq)


@torch.no_grad()
def hard(model, seq, candidates, older=None):
    """One-hot on the item the attention picks: the hard pick, or the argmax of soft weights."""
    w = model.explain(seq, candidates).weights.float()
    w = w.masked_fill(valid_mask(seq) == 0, float("-inf"))
    return torch.zeros_like(w).scatter_(-1, w.argmax(-1, keepdim=True), 1.0) * valid_mask(seq)


@torch.no_grad()
def attention_norm(model, seq, candidates, older=None):
    """||sum over heads of weight x transformed value|| per history item (Kobayashi et al. 2020)."""
    readout = model.explain(seq, candidates)
    K = candidates.shape[1]
    values = model.value_vectors(seq).float()  # (B, H, L, D)
    if readout.head_rows is not None:  # one read-out row per head, shared by every candidate
        norm = (readout.head_rows.float()[..., None] * values).sum(1).norm(dim=-1)  # (B, L)
        return norm[:, None].expand(-1, K, -1) * valid_mask(seq)
    return readout.weights.float() * values[:, 0].norm(dim=-1)[:, None] * valid_mask(seq)


def rollout_maps(maps: list[torch.Tensor], residual_last: bool = False) -> torch.Tensor:
    """Attention rollout: maps, one (B, H, L, L) per layer (query rows) -> (B, L, L).

    Each layer's heads are averaged; a layer with a skip connection contributes 0.5 A + 0.5 I
    (rows renormalised), as in Abnar & Zuidema. Our `self` family's last block has no skip
    around its attention, so its map enters as it is unless `residual_last`."""
    rolled = None
    for i, m in enumerate(maps):
        a = m.float().mean(1)  # (B, L, L)
        if i < len(maps) - 1 or residual_last:
            a = 0.5 * a + 0.5 * torch.eye(a.shape[-1], device=a.device)
            a = a / a.sum(-1, keepdim=True).clamp(min=1e-12)
        rolled = a if rolled is None else a @ rolled  # (B, L, L) from the input to layer i's output
    return rolled


@torch.no_grad()
def rollout(model, seq, candidates, older=None):
    """The last position's rolled-out attention over the input items; for one attention layer
    (target attention, the mean baseline) the rollout is the weights themselves."""
    readout = model.explain(seq, candidates)
    if readout.maps is None:
        return readout.weights.float() * valid_mask(seq)
    row = rollout_maps(readout.maps, readout.residual_last)[:, -1]  # (B, L)
    return row[:, None].expand(-1, candidates.shape[1], -1) * valid_mask(seq)
