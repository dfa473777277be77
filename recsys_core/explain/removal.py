"""The one removal rule. Removing history items means the history as if they had never been there:

- the items go and the rest close the gap, left-padded again (`remove_items`), exactly as the what-if
  editor's "Remove" builds its edited history;
- a removed item is no longer one the user has, so it may be recommended again (unless it is elsewhere
  in their history), exactly as in the editor.

Every number that says what removing items does (influence, the honesty check, counterfactuals,
faithfulness curves and the sentences built on them) is re-scored by `rescore`, so a sentence and the
editor give the same rank for the same removal. Blanking an item in place instead was tried and
dropped: a self-attention model reads its prediction at the last position, so blanking the latest item
blanks the prediction itself and every explanation read "your latest item" (BENCHMARKS.md, removal rule).
"""
from dataclasses import dataclass

import numpy as np
import torch

from ..models.ranking import rank_of, usable_scores

ROW_BUDGET = 2048  # histories scored per forward pass (memory, not speed, sets it)


def remove_items(seq: torch.Tensor, drop: torch.Tensor, older: torch.Tensor | None = None) -> torch.Tensor:
    """seq (M, L), drop (M, L) bool -> the histories without the dropped items, the rest moved up to close
    the gap and left-padded again. older (M, E): the items before the window, left-padded, oldest first:
    as in an edited whole history, the most recent of them slide into the places freed."""
    L = seq.shape[1]
    if older is not None and older.shape[1]:
        seq = torch.cat([older.expand(len(seq), -1), seq], 1)
        drop = torch.cat([torch.zeros(len(drop), older.shape[1], dtype=torch.bool, device=drop.device), drop], 1)
    W = seq.shape[1]
    keep = (seq > 0) & ~drop
    order = torch.argsort(keep.to(torch.int8), dim=1, stable=True)  # dropped and padding first, kept in order last
    moved = seq.gather(1, order)
    n_keep = keep.sum(1, keepdim=True)  # (M, 1)
    return torch.where(torch.arange(W, device=seq.device)[None, :] >= W - n_keep, moved, 0)[:, -L:]


@dataclass
class Viewed:
    """A history as a model reads it, the items before its window, and what the user has."""
    seq: torch.Tensor  # (1, L) left-padded: the most recent max_len items
    older: torch.Tensor  # (1, E) the up to max_len items before them, left-padded (E = 0: none)
    had: torch.Tensor  # (N+1,) int counts of every item the user has, older than the window included

    @classmethod
    def of(cls, history, max_len: int, n_items: int, device=None) -> "Viewed":
        """history: item indices, oldest first (the user's whole history, or an edited one)."""
        history = np.asarray(history, dtype=np.int64)
        cut = max(0, len(history) - max_len)
        visible, before = history[cut:], history[max(0, cut - max_len):cut]
        seq = torch.zeros(1, max_len, dtype=torch.long)
        seq[0, max_len - len(visible):] = torch.from_numpy(visible)
        older = torch.from_numpy(before)[None]  # (1, E)
        counts = torch.bincount(torch.from_numpy(history), minlength=n_items + 1)
        counts[0] = 0
        return cls(seq=seq.to(device), older=older.to(device), had=counts.to(torch.int32).to(device))

    @property
    def n(self) -> int:
        return int((self.seq[0] > 0).sum())

    def without(self, drop: torch.Tensor) -> torch.Tensor:
        """(M, L): the history with each row of drop (M, L) bool removed, by the one rule."""
        return remove_items(self.seq.expand(len(drop), -1), drop, self.older)

    def still_had(self, drop: torch.Tensor) -> torch.Tensor:
        """(M, N+1) bool: what the user still has once each row of drop (M, L) is removed."""
        gone = torch.zeros(len(drop), len(self.had), dtype=torch.int32, device=drop.device)
        gone.scatter_add_(1, self.seq.expand(len(drop), -1), drop.to(torch.int32))
        gone[:, 0] = 0
        return (self.had[None, :] - gone) > 0


def stacked(views: list[Viewed]) -> tuple[torch.Tensor, torch.Tensor]:
    """Several users' views as one batch: seq (B, L) and older (B, E), left-padded to the longest."""
    E = max(v.older.shape[1] for v in views)
    older = torch.stack([torch.nn.functional.pad(v.older[0], (E - v.older.shape[1], 0)) for v in views])
    return torch.cat([v.seq for v in views]), older


@torch.no_grad()
def rescore(model, base: Viewed, drop: torch.Tensor, item: int, with_rank: bool = True
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each row of drop (M, L) bool: `item`'s score with those visible items removed, and its 0-based
    rank among the items the user still has not (ranks NaN with with_rank=False: only the item is scored,
    much cheaper).

    Identical removals are scored once, and padding columns common to every row are cut first when the
    model's scores do not depend on leading padding (Recommender.trim_padding)."""
    drop, back = torch.unique(drop, dim=0, return_inverse=True)
    variants = base.without(drop)
    if getattr(model, "trim_padding", False):
        used = torch.nonzero(variants.any(0))
        variants = variants[:, int(used[0]):] if len(used) else variants[:, -1:]
    scores, ranks = [], []
    for i in range(0, len(variants), ROW_BUDGET):
        chunk = variants[i:i + ROW_BUDGET]
        if not with_rank:
            cand = torch.full((len(chunk), 1), item, dtype=torch.long, device=chunk.device)
            scores.append(model.score(chunk, cand)[:, 0].float())
            continue
        raw = model.score(chunk).float()  # (M, N+1)
        s = raw[:, item].clone()
        full = usable_scores(raw).masked_fill(base.still_had(drop[i:i + ROW_BUDGET]), float("-inf"))
        scores.append(s)
        ranks.append(rank_of(full, torch.where(torch.isfinite(s), s, float("-inf"))).float())
    s = torch.cat(scores)[back].cpu().numpy().astype(np.float64)
    r = torch.cat(ranks)[back].cpu().numpy().astype(np.float64) if with_rank else np.full(len(s), np.nan)
    return s, r
