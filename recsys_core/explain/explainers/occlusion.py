"""Occlusion (leave-one-out): how much each candidate's score drops when one history item is removed.
Every removal of every row is scored in batched forward passes.

close_gap=True (the explainer): the item is deleted and the history closes up (common.remove_items);
close_gap=False: it is set to padding in place, as `recommend`'s influence has always done."""
import torch

from .common import chunked_scores, remove_items


@torch.no_grad()
def occlusion(model, seq, candidates, close_gap: bool = True):
    """(B, K, L): score(seq) - score(seq without item l); 0 on padding."""
    B, L = seq.shape
    K = candidates.shape[1]
    rows, cols = torch.nonzero(seq > 0, as_tuple=True)  # (M,) each real item once
    variants = seq[rows].clone()  # (M, L)
    at = torch.arange(len(rows), device=seq.device)
    if close_gap:
        drop = torch.zeros_like(variants, dtype=torch.bool)
        drop[at, cols] = True
        variants = remove_items(variants, drop)
    else:
        variants[at, cols] = 0
    base = model.score(seq, candidates).float()  # (B, K)
    without = chunked_scores(model, variants, candidates[rows]).float()  # (M, K)
    out = torch.zeros(B, K, L, device=seq.device)
    out[rows, :, cols] = base[rows] - without
    return out
