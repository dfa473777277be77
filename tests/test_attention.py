"""Exact attention maths: masks respected, rows sum to one, hard is one-hot with straight-through gradients."""
import math

import pytest
import torch

from recsys_core.models import build_model
from recsys_core.models.attention import (
    ATTENTION,
    build_attention,
    sparsemax,
    window_mask,
)
from recsys_core.models.config import ModelConfig

B, H, Lq, L, D = 3, 2, 4, 7, 8


def make_inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, H, n, D, generator=g) for n in (Lq, L, L))
    mask = torch.rand(B, 1, Lq, L, generator=g) > 0.4
    mask[..., 0] = True  # every row has at least one valid key
    mask[1, :, 2] = False  # ... except one, which must come out all zeros
    return q, k, v, mask


@pytest.mark.parametrize("name", list(ATTENTION))
@pytest.mark.parametrize("training", [False, True])
def test_weights_respect_mask_and_sum_to_one(name, training):
    attn = build_attention(name, dim=D).train(training)
    q, k, v, mask = make_inputs()
    out, w = attn(q, k, v, mask)
    assert w.shape == (B, H, Lq, L) and out.shape == (B, H, Lq, D)
    assert torch.all(w[~mask.expand_as(w)] == 0)  # exactly zero on masked keys
    sums = w.sum(-1)
    has_key = mask.expand_as(w).any(-1)
    assert torch.allclose(sums[has_key], torch.ones_like(sums[has_key]), atol=1e-5)
    assert torch.all(sums[~has_key] == 0)
    assert torch.allclose(out, w @ v, atol=1e-5)
    soft = attn.distribution(q, k, mask)
    assert torch.allclose(soft.sum(-1)[has_key], torch.ones_like(sums[has_key]), atol=1e-5)


def test_soft_matches_the_formula():
    q, k, v, _ = make_inputs()
    full = torch.ones(1, 1, Lq, L, dtype=torch.bool)
    _, w = build_attention("soft", dim=D)(q, k, v, full)
    assert torch.allclose(w, torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D), -1), atol=1e-6)
    _, w = build_attention("dot", dim=D)(q, k, v, full)
    assert torch.allclose(w, torch.softmax(q @ k.transpose(-1, -2), -1), atol=1e-6)


@pytest.mark.parametrize("training", [False, True])
def test_hard_is_exactly_one_hot(training):
    attn = build_attention("hard", dim=D).train(training)
    q, k, v, mask = make_inputs()
    _, w = attn(q, k, v, mask)
    has_key = mask.expand_as(w).any(-1)
    assert set(w.unique().tolist()) <= {0.0, 1.0}
    assert torch.all(w.sum(-1)[has_key] == 1.0)


def test_hard_inference_is_deterministic_argmax():
    attn = build_attention("hard", dim=D).eval()
    q, k, v, mask = make_inputs()
    w1, w2 = attn(q, k, v, mask)[1], attn(q, k, v, mask)[1]
    assert torch.equal(w1, w2)
    soft = attn.distribution(q, k, mask)
    has_key = mask.expand_as(w1).any(-1)
    assert torch.equal(w1.argmax(-1)[has_key], soft.argmax(-1)[has_key])


def test_hard_straight_through_gradient_is_the_noisy_softmaxs():
    """Training: the forward value is the one-hot sample, the gradient exactly that of the same noisy
    softmax (the loss is linear in the output, so d loss / d weights is the same for both)."""
    attn = build_attention("hard", dim=D).train()
    attn.anneal(0.5)  # a temperature other than 1, so dividing the logits by it is checked too
    q, k, v, mask = make_inputs()
    g = torch.Generator().manual_seed(1)
    noise = -torch.empty(B, H, Lq, L).exponential_(generator=g).log()
    attn._gumbel.take = lambda like: noise  # the noise both passes below share
    upstream = torch.randn(B, H, Lq, D, generator=g)

    def grads(weights_of):
        qq, kk = q.clone().requires_grad_(True), k.clone().requires_grad_(True)
        w = weights_of(qq, kk)
        ((w @ v) * upstream).sum().backward()
        return w.detach(), qq.grad, kk.grad

    hard, hq, hk = grads(lambda qq, kk: attn(qq, kk, v, mask)[1])
    has_key = mask.expand_as(hard).any(-1)
    assert set(hard.unique().tolist()) == {0.0, 1.0} and torch.all(hard.sum(-1)[has_key] == 1.0)

    def noisy_softmax(qq, kk):
        logits = attn.logits(qq, kk)
        return torch.softmax(torch.where(mask, noise + logits / attn.tau, torch.finfo(logits.dtype).min), -1)

    soft, sq, sk = grads(noisy_softmax)
    assert torch.equal(hard.argmax(-1)[has_key], soft.argmax(-1)[has_key])  # the sample is the noisy argmax
    assert hq.abs().sum() > 0
    torch.testing.assert_close(hq, sq)
    torch.testing.assert_close(hk, sk)


def test_hard_temperature_anneals():
    attn = build_attention("hard", dim=D)
    attn.anneal(0.0)
    start = float(attn.tau)
    attn.anneal(1.0)
    assert start == pytest.approx(1.0) and float(attn.tau) == pytest.approx(0.1)


@pytest.mark.parametrize("shape, mask_shape", [((2, 1, 3, 6), (2, 1, 3, 6)),  # one mask per row
                                              ((2, 2, 3, 6), (2, 2, 1, 6))])  # target's: shared by candidates
def test_hard_training_pass_is_the_tempered_gumbel_straight_through_estimator(shape, mask_shape):
    # The fast path (fused noise, argmax of the noisy logits, StraightThrough) against the textbook
    # expression, with the same noise: equal weights and equal gradients.
    from recsys_core.models.attention import masked_softmax, one_hot_argmax
    attn = build_attention("hard", dim=D).train()
    attn.anneal(0.5)
    logits = torch.randn(shape, requires_grad=True)
    mask = torch.ones(mask_shape, dtype=torch.bool)
    mask[0, 0, :, :2] = False
    mask[1, 0, -1] = False  # a query (or all of a history's candidates) with no valid key: all-zero rows
    noise = -torch.empty(logits.shape).exponential_().log()
    attn._gumbel.take = lambda like: noise
    upstream = torch.randn(logits.shape)
    fast = attn.normalize(logits, mask)
    (g_fast,) = torch.autograd.grad((fast * upstream).sum(), logits)
    soft = masked_softmax(logits / attn.tau + noise, mask)
    textbook = one_hot_argmax(soft, mask) + (soft - soft.detach())
    (g_ref,) = torch.autograd.grad((textbook * upstream).sum(), logits)
    assert torch.equal(fast, textbook.detach()) and set(fast.unique().tolist()) == {0.0, 1.0}
    assert torch.allclose(g_fast, g_ref, atol=1e-6) and g_fast.abs().sum() > 0


def test_sparsemax_has_exact_zeros_and_known_values():
    z = torch.tensor([[2.0, 1.0, -1.0]])
    w = sparsemax(z, torch.ones_like(z, dtype=torch.bool))
    assert torch.allclose(w, torch.tensor([[1.0, 0.0, 0.0]]))  # gap >= 1: all mass on the top
    w = sparsemax(torch.tensor([[0.5, 0.3, -2.0]]), torch.ones(1, 3, dtype=torch.bool))
    assert torch.allclose(w, torch.tensor([[0.6, 0.4, 0.0]]))  # tau = (0.8 - 1) / 2 = -0.1


def test_window_mask_keeps_the_most_recent():
    m = window_mask(6, 2, torch.tensor([5, 3]))
    assert m[0].tolist() == [False, False, False, False, True, True]
    assert m[1].tolist() == [False, False, True, True, False, False]


@pytest.mark.parametrize("name", list(ATTENTION))
def test_model_weights_zero_outside_window_and_padding(name):
    torch.manual_seed(0)
    for arch in ("target", "self"):
        model = build_model(ModelConfig(arch=arch, attention=name, window=3, dim=8, max_len=10), 30).eval()
        seq = torch.tensor([[0, 0, 0, 5, 6, 7, 8, 9, 10, 11]])
        expl = model.explain(seq, torch.tensor([[1, 2]]))
        w = expl.weights  # (1, 2, L)
        assert torch.all(w[..., :7] == 0)  # padding and everything older than the window
        assert torch.allclose(w.sum(-1), torch.ones(1, 2), atol=1e-5)
