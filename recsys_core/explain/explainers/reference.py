"""The reference explainers: what an explainer has to beat. Neither looks at the model."""
import torch

from .common import valid_mask


def uniform(model, seq, candidates, older=None):
    """1 / (history length) on every real item: no item singled out."""
    v = valid_mask(seq)  # (B, 1, L)
    w = v / v.sum(-1, keepdim=True).clamp(min=1)
    return w.expand(-1, candidates.shape[1], -1).clone()


def recency(model, seq, candidates, older=None):
    """1 / steps back: the last item 1, the one before 1/2, ... (padding 0)."""
    L = seq.shape[1]
    steps_back = torch.arange(L, 0, -1, device=seq.device, dtype=torch.float)  # (L,) L .. 1
    w = valid_mask(seq) / steps_back
    return w.expand(-1, candidates.shape[1], -1).clone()
