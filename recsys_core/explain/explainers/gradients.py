"""Gradient explainers on the history's item embeddings, in plain torch: gradient x input and
integrated gradients (Sundararajan et al. 2017) from an all-zero embedding baseline (the padding
embedding; the items stay unmasked, so the baseline is "present but featureless").

The history's embedding lookup is intercepted with a forward hook on `model.item`, recognised by
its input being the very `seq` tensor passed to `model.score` (candidate lookups pass other
tensors), so no model code changes. Every candidate and every integration step is one row of a
single batched forward and backward pass; the importance of item l is sum_d grad_ld * x_ld.
"""
import torch

from .common import ROW_BUDGET, valid_mask

IG_STEPS = 16  # midpoint Riemann steps; completeness (sum = f(x) - f(0)) holds to ~1% on the shipped models


def _attribution(model, seq, candidates, alphas: torch.Tensor) -> torch.Tensor:
    """(B, K, L): mean over alphas of grad f(alpha x) . x, for every (row, candidate, alpha) at once."""
    B, L = seq.shape
    K, S = candidates.shape[1], len(alphas)
    rows = seq.repeat_interleave(K * S, 0)  # (B*K*S, L)
    cand = candidates.reshape(-1).repeat_interleave(S)[:, None]  # (B*K*S, 1)
    scale = alphas.repeat(B * K)[:, None, None]  # (B*K*S, 1, 1)
    total = torch.zeros(len(rows), L, device=seq.device)
    for i in range(0, len(rows), ROW_BUDGET):
        chunk = rows[i:i + ROW_BUDGET]
        held = {}

        def hook(mod, inp, out, chunk=chunk, held=held, s=scale[i:i + ROW_BUDGET]):
            if inp[0] is chunk:
                held["x"] = out.detach()
                held["scaled"] = (s * held["x"]).requires_grad_(True)
                return held["scaled"]
            return None

        handle = model.item.register_forward_hook(hook)
        try:
            with torch.enable_grad():
                score = model.score(chunk, cand[i:i + ROW_BUDGET])[:, 0]  # (rows,)
                grad, = torch.autograd.grad(score.sum(), held["scaled"])  # (rows, L, D)
        finally:
            handle.remove()
        total[i:i + ROW_BUDGET] = (grad * held["x"]).sum(-1).float()
    return total.view(B, K, S, L).mean(2) * valid_mask(seq)


def grad_input(model, seq, candidates, older=None):
    """d score / d x_l . x_l on each history item's embedding x_l."""
    return _attribution(model, seq, candidates, torch.ones(1, device=seq.device))


def integrated_gradients(model, seq, candidates, older=None, steps: int = IG_STEPS):
    """(x_l - 0) . mean over alpha in (0, 1] of d score / d x_l at alpha x (midpoint rule)."""
    alphas = (torch.arange(steps, device=seq.device, dtype=torch.float) + 0.5) / steps
    return _attribution(model, seq, candidates, alphas)
