"""What the explainers share: the padding mask, model device, and chunked batched scoring."""
import torch

from ..removal import ROW_BUDGET, remove_items  # noqa: F401 (the one removal rule, re-exported)


def valid_mask(seq: torch.Tensor) -> torch.Tensor:
    """(B, L) -> (B, 1, L) float: 1 on real items, 0 on padding."""
    return (seq > 0).float()[:, None, :]


def chunked_scores(model, variants: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
    """model.score over many rows in chunks: variants (M, L), cand (M, K) -> (M, K)."""
    out = [model.score(variants[i:i + ROW_BUDGET], cand[i:i + ROW_BUDGET]) for i in range(0, len(variants), ROW_BUDGET)]
    return torch.cat(out) if out else variants.new_zeros((0, cand.shape[1]), dtype=torch.float)
