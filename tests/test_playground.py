"""The Learn page's toy attention, checked against hand computations."""
import math

import pytest
import torch

from recsys_core.models.playground import VARIANTS, attend, example

Q = [1.0, 0.5, 0.0, 0.0]
K = [[0.6, 0.0, 0.2, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.2, 0.0, 1.0], [0.2, 0.0, 0.5, 0.5]]
V = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.5, 0.0, 0.5, 0.0]]


def test_scaled_dot_matches_hand_softmax():
    logits = [sum(a * b for a, b in zip(Q, k)) / 2.0 for k in K]  # sqrt(4) = 2
    z = sum(math.exp(x) for x in logits)
    want = torch.tensor([math.exp(x) / z for x in logits], dtype=torch.float64)
    r = attend(Q, K, V, variant="soft")
    assert torch.allclose(r.weights[0], want)
    assert torch.allclose(r.output, want @ torch.tensor(V, dtype=torch.float64))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_gives_a_distribution(variant):
    r = attend(Q, K, V, variant=variant)
    assert r.weights.shape == (1, 5)
    assert torch.all(r.weights >= 0)
    assert torch.isclose(r.weights.sum(), torch.tensor(1.0, dtype=torch.float64))


def test_temperature_towards_zero_approaches_one_hot():
    warm = attend(Q, K, V, temperature=5.0).weights[0]
    cold = attend(Q, K, V, temperature=0.01).weights[0]
    hard = attend(Q, K, V, variant="hard").weights[0]
    assert warm.max() < 0.3  # nearly uniform
    assert cold.max() > 0.999
    assert torch.equal(hard, torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0], dtype=torch.float64))
    assert cold.argmax() == hard.argmax()


def test_sparsemax_has_exact_zeros():
    w = attend(Q, K, V, variant="sparsemax").weights[0]
    assert (w == 0).sum() >= 1
    assert torch.isclose(w.sum(), torch.tensor(1.0, dtype=torch.float64))


def test_window_zeroes_old_keys():
    r = attend(Q, K, V, window=2)
    assert torch.all(r.weights[0, :3] == 0)
    assert torch.isclose(r.weights[0, 3:].sum(), torch.tensor(1.0, dtype=torch.float64))
    assert r.mask.tolist() == [False, False, False, True, True]


def test_heads_split_the_dims():
    r = attend(Q, K, V, heads=2)
    assert r.weights.shape == (2, 5) and r.output.shape == (4,)
    for h in range(2):
        sl = slice(2 * h, 2 * h + 2)
        one = attend(Q[sl], [k[sl] for k in K], [v[sl] for v in V])
        assert torch.allclose(r.weights[h], one.weights[0])
        assert torch.allclose(r.output[sl], one.output)
    with pytest.raises(ValueError):
        attend(Q, K, V, heads=3)


def test_hard_with_gumbel_is_one_hot_and_soft_view_is_a_distribution():
    r = attend(Q, K, V, variant="hard", gumbel=True, seed=3)
    assert sorted(r.weights[0].tolist()) == [0, 0, 0, 0, 1]
    assert r.weights[0].argmax() == r.soft[0].argmax()
    assert torch.isclose(r.soft.sum(), torch.tensor(1.0, dtype=torch.float64))


def test_cosine_ignores_key_length():
    long_keys = [[2 * x for x in k] for k in K]
    assert torch.allclose(attend(Q, K, V, variant="cosine").weights, attend(Q, long_keys, V, variant="cosine").weights)


def test_example_runs():
    e = example()
    r = attend(e["query"], e["keys"], e["values"])
    assert r.weights.shape == (1, len(e["names"]))
