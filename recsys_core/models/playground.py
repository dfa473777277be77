"""The Learn page's maths: one query attending over a handful of keys, small enough to edit by hand.

    logits_l = score(q, k_l) / T            score: scaled dot, dot, cosine, additive
    w        = normalize(logits)            softmax ("soft"), sparsemax, or one-hot argmax ("hard")
    out      = sum_l w_l v_l

With `heads` > 1 the dims are split: head h sees dims [h*d/H, (h+1)*d/H) of q, k and v, attends on its
own, and the head outputs are concatenated (W_O = identity, to keep the toy readable). A window of W
keeps only the W most recent keys (the last rows). The normalizers are the app's own
(`recsys_core.models.attention`), so what the playground teaches is what the models run.

References: Vaswani et al. 2017 (scaled dot, multi-head); Luong et al. 2015 (dot); Bahdanau et al.
2015 (additive); Martins & Astudillo 2016 (sparsemax); Jang et al. 2017 (straight-through Gumbel).
"""
from dataclasses import dataclass

import torch

from .attention import ATTENTION, Additive, Attention, Hard, masked_softmax, window_mask
from .no_init import no_random_init

VARIANTS = {name: cls.summary for name, cls in ATTENTION.items()}  # the models' own registry, in words
NOISY = {name for name, cls in ATTENTION.items() if issubclass(cls, Hard)}  # trained with Gumbel noise


@dataclass
class PlaygroundResult:
    logits: torch.Tensor  # (H, L) scores after the temperature, before normalizing (masked keys included)
    weights: torch.Tensor  # (H, L) attention weights actually used; 0 on masked keys
    soft: torch.Tensor  # (H, L) softmax of the same logits: hard's gradient view; = weights for softmax variants
    head_outputs: torch.Tensor  # (H, dv/H)
    output: torch.Tensor  # (dv,) heads concatenated
    mask: torch.Tensor  # (L,) True = key visible


def _toy(variant: str, d: int) -> Attention:
    """The models' own attention module for `variant`, without learned parts: cosine's temperature is
    1 (the playground applies its own), and additive's W = U = I, v = 1 (vᵀ tanh(q + k))."""
    if variant not in ATTENTION:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    with no_random_init():  # its initial weights are set below: nothing is drawn from the global generator
        module = ATTENTION[variant](dim=d, temperature=1.0, hidden=d).double().eval()
    if isinstance(module, Additive):
        with torch.no_grad():
            module.W.weight.copy_(torch.eye(d))
            module.U.weight.copy_(torch.eye(d))
            module.U.bias.zero_()
            module.v.weight.fill_(1.0)
    return module


def attend(query, keys, values, *, variant: str = "soft", temperature: float = 1.0, window: int | None = None,
           heads: int = 1, gumbel: bool = False, seed: int = 0) -> PlaygroundResult:
    """query (d,), keys (L, d), values (L, dv) as anything torch.tensor accepts.

    temperature divides the scores: large flattens towards uniform, towards 0 sharpens towards
    one-hot. gumbel (hard only): add Gumbel noise before the argmax, as straight-through training
    does; `soft` is then the tempered softmax whose gradient that training uses.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    q = torch.as_tensor(query, dtype=torch.float64)
    k = torch.as_tensor(keys, dtype=torch.float64)
    v = torch.as_tensor(values, dtype=torch.float64)
    L, d = k.shape
    dv = v.shape[1]
    if d % heads or dv % heads:
        raise ValueError(f"{heads} heads must divide the key dims ({d}) and value dims ({dv})")
    qh = q.view(heads, d // heads)  # (H, d/H)
    kh = k.view(L, heads, d // heads).transpose(0, 1)  # (H, L, d/H)
    vh = v.view(L, heads, dv // heads).transpose(0, 1)  # (H, L, dv/H)
    mask = window_mask(L, window, torch.tensor([L - 1]))  # (1, L): the query sits after the last key
    mask = torch.ones(1, L, dtype=torch.bool) if mask is None else mask
    module = _toy(variant, d // heads)
    with torch.no_grad():
        raw = module.logits(qh[None, :, None, :], kh[None])[0, :, 0]  # (H, L)
    logits = raw / temperature
    m = mask.expand(heads, L)
    noisy = logits
    if gumbel and isinstance(module, Hard):
        g = torch.Generator().manual_seed(seed)
        u = torch.rand(raw.shape, generator=g, dtype=raw.dtype).clamp(1e-9, 1 - 1e-9)
        noisy = logits - torch.log(-torch.log(u))  # softmax(s / tau + g), as attention.Hard trains
    weights = module.normalize(noisy, m)  # eval mode: hard is the deterministic argmax of these logits
    soft = masked_softmax(noisy, m)  # the softmax of the same logits: hard's gradient view, sparsemax's dense twin
    head_out = torch.einsum("hl,hlv->hv", weights, vh)  # (H, dv/H)
    return PlaygroundResult(logits=logits, weights=weights, soft=soft, head_outputs=head_out,
                            output=head_out.reshape(-1), mask=mask[0])


def example() -> dict:
    """Five history items (oldest first) as keys and values in 4 dims, and a query for a screen
    protector: it matches the tablet best, the older camera loosely, the rest hardly at all."""
    return {
        "names": ["Camera Z620", "Tablet N400", "Coffee Beans", "Trail Shoes", "Guitar Strings"],
        "query": [1.0, 0.5, 0.0, 0.0],
        "keys": [[0.6, 0.0, 0.2, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.2, 0.0, 1.0],
                 [0.2, 0.0, 0.5, 0.5]],
        "values": [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0],
                   [0.5, 0.0, 0.5, 0.0]],
    }
