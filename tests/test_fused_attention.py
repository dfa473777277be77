"""The fused paths give the numbers of the plain ones: PyTorch's scaled_dot_product_attention for the
variants that declare `fused` (training and scoring, where no weights are shown), and `self`'s full
softmax over items 1..N instead of a masked (M, N+1) copy."""
import pytest
import torch

from recsys_core.models import build_model
from recsys_core.models.attention import ATTENTION, build_attention
from recsys_core.models.base import full_softmax_loss
from recsys_core.models.config import ModelConfig


def _inputs(B=6, H=2, L=9, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, H, L, d, generator=g) for _ in range(3))
    pos = torch.arange(L)
    valid = torch.rand(B, L, generator=g) > 0.3
    valid[0] = False  # a user row of padding only: every query without a valid key
    mask = (pos[None, :] <= pos[:, None])[None, None] & valid[:, None, None, :]
    bias = -0.3 * (pos[:, None] - pos[None, :]).clamp(min=0).float()[None, None].expand(1, H, L, L)
    return q, k, v, mask, bias


@pytest.mark.parametrize("name", list(ATTENTION))
@pytest.mark.parametrize("with_bias", [False, True])
def test_no_weights_asked_gives_the_same_output_on_every_query_with_a_key(name, with_bias):
    q, k, v, mask, bias = _inputs()
    attn = build_attention(name, dim=q.shape[-1]).eval()  # eval: hard attention's argmax, no noise
    bias = bias if with_bias else None
    plain, w = attn(q, k, v, mask, bias)
    fast, w_fast = attn(q, k, v, mask, bias, need_weights=False)
    rows = mask.any(-1, keepdim=True)  # padding queries are zeroed by every caller
    assert w is not None
    assert (w_fast is None) == attn.fused  # only the declared variants leave the weights out
    assert torch.allclose(plain * rows, fast * rows, atol=1e-6), (plain * rows - fast * rows).abs().max()
    assert torch.isfinite(fast).all()  # a query without keys must not turn into NaN


def test_only_the_plain_scaled_dot_product_is_fused():
    assert [n for n, c in ATTENTION.items() if c.fused] == ["soft"]


def test_self_scores_and_loss_are_those_of_the_unfused_model(monkeypatch):
    cfg = ModelConfig(arch="self", dim=16, layers=2, heads=2, max_len=12, dropout=0.0).validate()
    model = build_model(cfg, 40, seed=0).eval()
    g = torch.Generator().manual_seed(1)
    seq = torch.randint(1, 41, (5, 13), generator=g)
    seq[0, :9] = 0  # left padding
    seq[1, :] = 0
    seq[1, -2:] = torch.tensor([3, 4])
    with torch.no_grad():
        fused_scores = model.score(seq[:, :-1])
        fused_loss = model(seq[:, :-1], seq[:, 1:], loss="full")[1]
        monkeypatch.setattr(ATTENTION["soft"], "fused", False)
        plain_scores = model.score(seq[:, :-1])
        hs = model.encode(seq[:, :-1])[0]
    keep = seq[:, 1:] > 0
    logits = hs[keep] @ model.item.weight.T + model.bias.weight[:, 0]  # (M, N+1), padding column masked below
    assert torch.allclose(fused_scores, plain_scores, atol=1e-5)
    assert torch.allclose(fused_loss, full_softmax_loss(logits, seq[:, 1:][keep]), atol=1e-5)
