"""Each metric against a hand-computed case, and the two entry points agree."""
import math

import numpy as np
import pytest

from recsys_core.training.metrics import metrics_at_k, metrics_from_ranks


def test_hand_computed_ranked_list():
    # Relevant {b, e}; ranked a b c d e: hits at positions 1 and 4 (0-based).
    m = metrics_at_k(["a", "b", "c", "d", "e"], {"b", "e"}, k=5)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    idcg = 1 + 1 / math.log2(3)
    assert m["hr@5"] == 1.0
    assert m["ndcg@5"] == pytest.approx(dcg / idcg)
    assert m["mrr@5"] == pytest.approx(1 / 2)
    assert m["precision@5"] == pytest.approx(2 / 5)
    assert m["recall@5"] == pytest.approx(1.0)
    assert m["f1@5"] == pytest.approx(2 * 0.4 * 1.0 / 1.4)


def test_hand_computed_cut_off():
    m = metrics_at_k(["a", "b", "c"], {"c", "z"}, k=2)
    assert m == {"hr@2": 0.0, "ndcg@2": 0.0, "mrr@2": 0.0, "precision@2": 0.0, "recall@2": 0.0, "f1@2": 0.0}


def test_single_item_ranks():
    # Ranks 0 and 3 (hits at 10), 15 (hit at 20 only).
    m = metrics_from_ranks(np.array([0, 3, 15]), ks=(10, 20))
    assert m["hr@10"] == pytest.approx(2 / 3)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(5)) / 3)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 4) / 3)
    assert m["precision@10"] == pytest.approx(2 / 30)
    assert m["recall@10"] == pytest.approx(2 / 3)
    assert m["f1@10"] == pytest.approx((2 / 11 + 2 / 11) / 3)
    assert m["hr@20"] == pytest.approx(1.0)


def test_entry_points_agree():
    rng = np.random.default_rng(0)
    ranks = rng.integers(0, 30, 50)
    items = [f"i{j}" for j in range(30)]
    per_user = [metrics_at_k(items, {items[r]}, 10) for r in ranks]
    vec = metrics_from_ranks(ranks, ks=(10,))
    for key in vec:
        assert vec[key] == pytest.approx(np.mean([m[key] for m in per_user]))
