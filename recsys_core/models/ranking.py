"""Ranking the catalogue for a history: the one path that explanations, the item report, what-if,
counterfactuals and evaluation all take from a model's scores to a rank.

    s = usable_scores(model.score(seq))        # (M, N+1): NaN/inf and the padding column become -inf
    s = s.masked_fill(had, -inf)               # what the user has is never recommended (had: (M, N+1) bool)
    rank = rank_of(s, s_target)                # 0-based: how many items score strictly higher
    rank = rank_of(s, s_target, ties="split")  # evaluation: ties split evenly (a constant scorer gets no credit)
    top = top_items(s[0], k)

A broken model's NaN never outranks a finite score, and a non-finite target ranks last.
"""
import torch

NEG = float("-inf")


def usable_scores(scores: torch.Tensor) -> torch.Tensor:
    """(M, N+1) float scores with NaN/inf as -inf and column 0 (padding, not an item) as -inf; a copy."""
    out = torch.where(torch.isfinite(scores.float()), scores.float(), NEG)
    out[:, 0] = NEG
    return out


def had_mask(had: torch.Tensor, n_items: int) -> torch.Tensor:
    """(N+1,) bool from the item indices a user has (any order, repeats allowed)."""
    mask = torch.zeros(n_items + 1, dtype=torch.bool, device=had.device)
    mask[had] = True
    mask[0] = False
    return mask


def rank_of(scores: torch.Tensor, target: torch.Tensor, ties: str = "above") -> torch.Tensor:
    """(M,) 0-based rank of each target score among `scores` (M, C), already masked with -inf.

    ties="above": items tied with the target do not count (the rank a list shows: #1 is the top);
    ties="split": half of them do (the expected rank under random tie-breaking, for metrics).
    A non-finite target ranks last: +inf ("split") or the number of candidates ("above")."""
    greater = (scores > target[:, None]).sum(1)
    finite = torch.isfinite(target)
    if ties == "split":
        rank = greater.float() + (scores == target[:, None]).sum(1).float() / 2
        return torch.where(finite, rank, torch.full_like(rank, float("inf")))
    return torch.where(finite, greater, torch.full_like(greater, scores.shape[1]))


def top_items(scores: torch.Tensor, k: int) -> list[int]:
    """The k best item indices of one masked score row (N+1,), best first; never a -inf one."""
    k = max(0, min(k, int(torch.isfinite(scores).sum())))
    return torch.topk(scores, k).indices.tolist() if k else []
