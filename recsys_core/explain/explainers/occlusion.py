"""Occlusion (leave-one-out): how much each candidate's score drops when one history item is removed,
by the one removal rule (explain/removal.py: the item goes and the history closes the gap, as the
what-if editor removes it). Every removal of every row is scored in batched forward passes."""
import torch

from .common import chunked_scores, remove_items


@torch.no_grad()
def occlusion(model, seq, candidates, older=None):
    """(B, K, L): score(seq) - score(seq without item l); 0 on padding. older (B, E): the items before
    the window, which slide into view as in an edited history (removal.py)."""
    B, L = seq.shape
    K = candidates.shape[1]
    rows, cols = torch.nonzero(seq > 0, as_tuple=True)  # (M,) each real item once
    drop = torch.zeros(len(rows), L, dtype=torch.bool, device=seq.device)
    drop[torch.arange(len(rows), device=seq.device), cols] = True
    variants = remove_items(seq[rows], drop, None if older is None else older[rows])  # (M, L)
    base = model.score(seq, candidates).float()  # (B, K)
    without = chunked_scores(model, variants, candidates[rows]).float()  # (M, K)
    out = torch.zeros(B, K, L, device=seq.device)
    out[rows, :, cols] = base[rows] - without
    return out
