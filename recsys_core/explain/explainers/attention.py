"""Explainers read from the model's own attention: the soft weights, the hard pick, weights scaled by
the norm of what each item contributes (Kobayashi et al. 2020), and attention rollout through the
layers (Abnar & Zuidema 2020).

They read what `model.explain` returns: "maps" (per-layer (B, H, L, L) weights) marks a stacked
self-attention model whose last position explains every candidate; "contribution" marks target
attention, where each candidate has its own row and the values are the encoded history.
"""
import torch

from .common import valid_mask


@torch.no_grad()
def attention(model, seq, candidates):
    """The soft weights behind each score (for a hard model, its pre-argmax distribution)."""
    return model.explain(seq, candidates)["soft"].float() * valid_mask(seq)


@torch.no_grad()
def hard(model, seq, candidates):
    """One-hot on the item the attention picks: the hard pick, or the argmax of soft weights."""
    w = model.explain(seq, candidates)["weights"].float()
    w = w.masked_fill(valid_mask(seq) == 0, float("-inf"))
    return torch.zeros_like(w).scatter_(-1, w.argmax(-1, keepdim=True), 1.0) * valid_mask(seq)


def _last_block_values(model, seq):
    """Stacked self-attention: each key's value vector after the output projection, per head,
    (B, H, L, D), read from the last block's input with a forward pre-hook (no model changes)."""
    seen = {}
    mha = model.blocks[-1].attn
    handle = mha.register_forward_pre_hook(lambda mod, args: seen.__setitem__("x", args[0]))
    try:
        model.encode(seq)
    finally:
        handle.remove()
    x = seen["x"]  # (B, L, D) the last block's attention input, after its LayerNorm
    B, L, D = x.shape
    H = mha.heads
    v = mha.qkv(x)[..., 2 * D:].view(B, L, H, D // H).transpose(1, 2)  # (B, H, L, dh)
    wo = mha.proj.weight.view(D, H, D // H)  # (D, H, dh): head h's slice of the output projection
    return torch.einsum("bhld,ehd->bhle", v, wo)  # (B, H, L, D)


@torch.no_grad()
def attention_norm(model, seq, candidates):
    """||sum over heads of weight x transformed value|| per history item (Kobayashi et al. 2020)."""
    expl = model.explain(seq, candidates)
    K = candidates.shape[1]
    if "maps" in expl:
        last = expl["maps"][-1][:, :, -1].float()  # (B, H, L) the last position's row, per head
        fx = _last_block_values(model, seq).float()  # (B, H, L, D)
        norm = (last[..., None] * fx).sum(1).norm(dim=-1)  # (B, L)
        return norm[:, None].expand(-1, K, -1) * valid_mask(seq)
    if "contribution" in expl:
        values = model.encode(seq)[1].float()  # (B, L, D) the attended values (target attention)
    else:
        values = model.item(seq).float()  # (B, L, D) a bag of item embeddings
    return expl["weights"].float() * values.norm(dim=-1)[:, None] * valid_mask(seq)


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
def rollout(model, seq, candidates):
    """The last position's rolled-out attention over the input items; for one attention layer
    (target attention, the mean baseline) the rollout is the weights themselves."""
    expl = model.explain(seq, candidates)
    if "maps" not in expl:
        return expl["weights"].float() * valid_mask(seq)
    row = rollout_maps(expl["maps"])[:, -1]  # (B, L)
    return row[:, None].expand(-1, candidates.shape[1], -1) * valid_mask(seq)
