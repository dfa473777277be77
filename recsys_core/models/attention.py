"""Attention variants behind one signature, chosen by name from one registry.

    out, weights = variant(q, k, v, mask, bias=None)
    q (B, H, Lq, d)   k (B, H, L, d)   v (B, H, L, dv)   mask (B or 1, H or 1, Lq or 1, L) bool, True = may attend
    out (B, H, Lq, dv)   weights (B, H, Lq, L): exactly 0 on masked keys, each row with a valid key sums to 1
                          (a row with no valid key, e.g. a padding query, is all zeros)
    bias: optional additive logit bias broadcastable to weights (e.g. a learned recency term)

Adding a variant is one class and one registry line. `distribution()` is the soft view of the same
scores: for most variants it *is* the weights; for `hard` it is the pre-argmax softmax, so the app
can show soft and hard side by side for any model.

References: Vaswani et al. 2017 (scaled dot-product, multi-head); Luong et al. 2015 (dot);
Bahdanau et al. 2015 (additive); Martins & Astudillo 2016 (sparsemax); Jang et al. 2017
(straight-through Gumbel-softmax).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .random_pool import RandomPool


def masked_fill_min(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # The most negative finite number, not -inf: a fully masked row then stays finite (no NaN
    # gradients) and is zeroed by the caller; any valid key outweighs it by exp(-huge) = 0 exactly.
    return logits.masked_fill(~mask, torch.finfo(logits.dtype).min)


def masked_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.softmax(masked_fill_min(logits, mask), dim=-1) * mask


def sparsemax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Euclidean projection onto the simplex along the last dim: exact zeros, sums to 1."""
    # Masked keys get (row max - 2): below the threshold, which is always >= max - 1, so they never
    # enter the support; a finite value keeps sums and gradients finite.
    row_max = masked_fill_min(logits, mask).amax(-1, keepdim=True).detach()
    row_max = torch.where(mask.any(-1, keepdim=True), row_max, torch.zeros_like(row_max))
    z = torch.where(mask, logits, row_max - 2)
    z_sorted, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, device=z.device, dtype=z.dtype)
    cumsum = z_sorted.cumsum(-1)
    support = 1 + k * z_sorted > cumsum  # (…, L) which sorted entries stay non-zero
    k_z = support.sum(-1, keepdim=True).clamp(min=1)
    tau = (cumsum.gather(-1, k_z - 1) - 1) / k_z.to(z.dtype)
    return torch.clamp(z - tau, min=0) * mask


def pairwise_dot(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """q (..., Lq, d) · k (..., L, d) -> (..., Lq, L), like q @ k.transpose(-1, -2).

    Target attention's candidates are shared by the whole batch (q's leading dims are all 1): then
    this is one matrix product over the flattened keys. Broadcasting matmul instead copies q per
    batch row and sums its gradient back over the batch: 4.4 ms against 1.9 ms forward and backward
    at batch 128 x 101 candidates x 30 history items on 2 CPU cores.
    """
    if q.dim() == k.dim() and q.shape[:-2].numel() == 1:
        flat = k.reshape(-1, k.shape[-1]) @ q.reshape(-1, q.shape[-1]).T  # (… x L, Lq)
        return flat.view(*k.shape[:-1], q.shape[-2]).transpose(-1, -2)
    return q @ k.transpose(-1, -2)


def one_hot_argmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    idx = masked_fill_min(scores, mask).argmax(-1, keepdim=True)
    return torch.zeros_like(scores).scatter_(-1, idx, 1.0) * mask


class StraightThrough(torch.autograd.Function):
    """Forward: `hard`, exactly. Backward: the gradient goes to `soft` unchanged. The same as
    hard + (soft - soft.detach()), without that expression's two extra passes over the weights.
    The output is a view of `hard` made inside a Function, so it must not be modified in place."""

    @staticmethod
    def forward(ctx, hard, soft):
        return hard

    @staticmethod
    def backward(ctx, grad):
        return None, grad


class Attention(nn.Module):
    """Base: subclasses define `logits`; weights = softmax over valid keys unless overridden."""
    summary = ""  # scores + normalizer in a few words, for menus (the Learn page)
    # True: softmax(q·k / sqrt(d) + bias) exactly, so a caller that needs no weights (need_weights=False)
    # gets PyTorch's fused scaled_dot_product_attention. Only the plain scaled dot product declares it.
    fused = False

    def __init__(self, *, dim: int, **_):
        super().__init__()
        self.dim = dim

    def logits(self, q, k):
        raise NotImplementedError

    def normalize(self, logits, mask):
        return masked_softmax(logits, mask)

    def forward(self, q, k, v, mask, bias=None, need_weights=True):
        """(out, weights); weights is None when need_weights is False and the variant is `fused`."""
        if self.fused and not need_weights:
            return fused_attention(q, k, v, mask, bias), None
        logits = self.logits(q, k)  # (B, H, Lq, L)
        w = self.normalize(logits if bias is None else logits + bias, mask)
        return w @ v, w  # (B, H, Lq, dv)

    def soft_view(self, logits, mask):
        """The soft weights this variant would show for these logits: its weights, except for `hard`."""
        return self.normalize(logits, mask)

    def distribution(self, q, k, mask, bias=None):
        logits = self.logits(q, k)
        return self.soft_view(logits if bias is None else logits + bias, mask)


def fused_attention(q, k, v, mask, bias=None):
    """softmax(q·k / sqrt(d) + bias) @ v through F.scaled_dot_product_attention, with the mask made one
    additive term (the most negative finite number on masked keys, as masked_softmax; a boolean mask
    would give NaN rows for padding queries). Rows with a valid key match the unfused path to float
    rounding (7e-7 at batch 128 x length 50, with about 20% less time forward and backward on 2 CPU
    cores); a row with no valid key, a padding query, averages the values where the unfused path gives
    zeros, and callers zero padding positions anyway."""
    add = torch.zeros((), dtype=q.dtype, device=q.device) if bias is None else bias.to(q.dtype)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=add.masked_fill(~mask, torch.finfo(q.dtype).min))


class ScaledDot(Attention):
    """softmax(q·k / sqrt(d))"""
    summary = "scaled dot-product + softmax"
    fused = True

    def logits(self, q, k):
        return pairwise_dot(q, k) / math.sqrt(q.shape[-1])  # (B, H, Lq, L)


class Dot(Attention):
    """softmax(q·k), unscaled (Luong)."""
    summary = "dot-product + softmax (unscaled)"

    def logits(self, q, k):
        return pairwise_dot(q, k)


class Cosine(Attention):
    """softmax(cos(q, k) / temperature): bounded scores, so the temperature alone sets the sharpness."""
    summary = "cosine similarity + softmax"

    def __init__(self, *, dim, temperature: float = 0.1, **_):
        super().__init__(dim=dim)
        self.temperature = temperature

    def logits(self, q, k):
        return pairwise_dot(F.normalize(q, dim=-1), F.normalize(k, dim=-1)) / self.temperature


class Additive(Attention):
    """softmax(vᵀ tanh(W q + U k)) (Bahdanau). Memory grows with Lq·L·hidden, so callers chunk queries."""
    summary = "additive (Bahdanau) + softmax"

    def __init__(self, *, dim, hidden: int = 16, **_):
        super().__init__(dim=dim)
        self.W = nn.Linear(dim, hidden, bias=False)
        self.U = nn.Linear(dim, hidden, bias=True)
        self.v = nn.Linear(hidden, 1, bias=False)

    def logits(self, q, k):
        a = self.W(q).unsqueeze(-2) + self.U(k).unsqueeze(-3)  # (B, H, Lq, L, hidden)
        return self.v(torch.tanh(a)).squeeze(-1)  # (B, H, Lq, L)


class Sparsemax(ScaledDot):
    """Scaled dot-product scores, sparsemax instead of softmax: exact zeros, between soft and hard."""
    summary = "scaled dot-product + sparsemax"
    fused = False

    def normalize(self, logits, mask):
        return sparsemax(logits, mask)


class Hard(ScaledDot):
    """Exactly one key per query in the forward pass (argmax over valid keys).

    Training: straight-through Gumbel-softmax - the forward value is the one-hot of a sample from
    softmax(logits / tau), the gradient that of the same noisy softmax; `anneal` lowers tau, so
    training ends close to the argmax it will be judged by.
    Inference: deterministic argmax, no noise.
    """
    summary = "scaled dot-product + one-hot argmax"
    fused = False

    def __init__(self, *, dim, tau_start: float = 1.0, tau_end: float = 0.1, **_):
        super().__init__(dim=dim)
        self.tau_start, self.tau_end = tau_start, tau_end
        self.tau = tau_start  # a plain number: torch.add's alpha below takes one
        # Gumbel(0, 1) noise is -log(E), E ~ Exp(1). Drawn fresh it was 41% of a target-hard step.
        self._gumbel = RandomPool(lambda n, device: -torch.empty(n, device=device).exponential_().clamp_(min=1e-20).log_())

    def anneal(self, progress: float):
        """progress in [0, 1]: exponential decay from tau_start to tau_end."""
        p = min(max(progress, 0.0), 1.0)
        self.tau = self.tau_start * (self.tau_end / self.tau_start) ** p

    def normalize(self, logits, mask):
        if not self.training:
            return one_hot_argmax(logits, mask)
        # The temperature scales the logits, not the noise: the forward pass then samples from
        # softmax(logits / tau), which sharpens towards inference's deterministic argmax as tau anneals
        # (with (logits + noise) / tau the sample would stay as random as at the start).
        # noise + logits / tau in one pass: these (batch, positions, candidates, history) tensors are
        # the largest of a target-hard step, and every pass over them costs about a millisecond.
        noisy = masked_fill_min(torch.add(self._gumbel.take(logits), logits, alpha=1.0 / self.tau), mask)
        # `soft` only carries the gradient: masked keys get exactly 0 from the softmax, and in a row
        # with no valid key the masked fill passes no gradient back, so it needs no `* mask`.
        soft = torch.softmax(noisy, dim=-1)
        # The sample is the argmax of the noisy logits themselves (softmax keeps their order). A row
        # with no valid key scatters a 0 instead of a 1, so the one-hot needs no `* mask` either.
        has_key = mask.any(-1, keepdim=True).expand(*soft.shape[:-1], 1).to(soft.dtype)
        hard = torch.zeros_like(soft).scatter_(-1, noisy.argmax(-1, keepdim=True), has_key)
        return StraightThrough.apply(hard, soft)

    def soft_view(self, logits, mask):
        return masked_softmax(logits, mask)  # the pre-argmax distribution


ATTENTION = {
    "soft": ScaledDot,
    "dot": Dot,
    "cosine": Cosine,
    "additive": Additive,
    "sparsemax": Sparsemax,
    "hard": Hard,
}


def build_attention(name: str, *, dim: int, **kw) -> Attention:
    if name not in ATTENTION:
        raise ValueError(f"unknown attention {name!r}; choose one of {', '.join(ATTENTION)}")
    return ATTENTION[name](dim=dim, **kw)


def window_mask(L: int, window: int | None, query_pos: torch.Tensor) -> torch.Tensor | None:
    """(Lq, L) bool: key j is visible from query position i when i - window < j <= i.

    With left-padded histories the most recent item is at L - 1, so target attention uses
    query_pos = [L - 1] and the window is the last `window` items.
    """
    if window is None:
        return None
    j = torch.arange(L, device=query_pos.device)
    return (j[None, :] <= query_pos[:, None]) & (j[None, :] > query_pos[:, None] - window)
