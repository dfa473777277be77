"""What the explainers share: the padding mask, model device, and chunked batched scoring."""
import torch

ROW_BUDGET = 2048  # perturbed histories scored per forward pass (memory, not speed, sets it)


def valid_mask(seq: torch.Tensor) -> torch.Tensor:
    """(B, L) -> (B, 1, L) float: 1 on real items, 0 on padding."""
    return (seq > 0).float()[:, None, :]


def chunked_scores(model, variants: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
    """model.score over many rows in chunks: variants (M, L), cand (M, K) -> (M, K)."""
    out = [model.score(variants[i:i + ROW_BUDGET], cand[i:i + ROW_BUDGET]) for i in range(0, len(variants), ROW_BUDGET)]
    return torch.cat(out) if out else variants.new_zeros((0, cand.shape[1]), dtype=torch.float)


def remove_items(seq: torch.Tensor, drop: torch.Tensor) -> torch.Tensor:
    """seq (M, L), drop (M, L) bool -> the histories without the dropped items, the rest moved up to
    close the gap and left-padded again: "the history as if these items had never been there".

    Not the same as setting them to padding in place: a self-attention model reads its prediction
    from the last position, so blanking the latest item in place blanks the prediction itself."""
    L = seq.shape[1]
    keep = (seq > 0) & ~drop
    order = torch.argsort(keep.to(torch.int8), dim=1, stable=True)  # dropped and padding first, kept in order last
    moved = seq.gather(1, order)
    n_keep = keep.sum(1, keepdim=True)  # (M, 1)
    return torch.where(torch.arange(L, device=seq.device)[None, :] >= L - n_keep, moved, 0)
