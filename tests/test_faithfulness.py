"""Faithfulness metrics on a hand-built model whose every score is a sum of table entries, so each
curve point, area, AOPC value and rank below is worked out by hand; Kendall's tau and the intervals
against hand computations too."""
import math

import numpy as np
import pytest
import torch
from fakes import TableModel, brute_rank, brute_score

from recsys_core.explain.dataset_faithfulness import mean_interval, wilson_interval
from recsys_core.explain.faithfulness import (
    curve_points,
    faithfulness,
    kendall_tau,
    order_of,
    trapezoid,
)
from recsys_core.explain.removal import Viewed

SEQ = torch.tensor([[0, 1, 2, 3]])  # history 1, 2, 3 (oldest first) after one padding slot
BASE = Viewed.of([1, 2, 3], 4, 6)  # seq SEQ; the user has exactly items 1-3


def test_curves_areas_and_aopc_equal_the_hand_computation():
    f = faithfulness(TableModel(), BASE, 4, {"exact": np.array([3.0, 1.0, -1.0])}, occlusion=np.array([3.0, 1.0, -1.0]),
                     random_orders=0)["exact"]
    # deletion in order 1, 2, 3: scores 3 -> 0 -> -1 -> 0; item 5 scores 1.5, 1, 0.5, 0; item 6 scores 2;
    # removed items come back as candidates scoring 0 (nothing in this table points at items 1-3)
    assert f.deletion.k == [0, 1, 2, 3]
    assert f.deletion.score == [3.0, 0.0, -1.0, 0.0]
    assert f.deletion.rank == [0, 2, 4, 1]
    # insertion: nothing (0), then 1 (3), 1+2 (4), all (3); ranks: item 6's 2 beats 0 only
    assert f.insertion.score == [0.0, 3.0, 4.0, 3.0]
    assert f.insertion.rank == [1, 0, 0, 0]
    assert f.deletion_area == pytest.approx(((3 + 0) / 2 + (0 - 1) / 2 + (-1 + 0) / 2) / 3)
    assert f.insertion_area == pytest.approx(((0 + 3) / 2 + (3 + 4) / 2 + (4 + 3) / 2) / 3)
    assert f.comprehensiveness == {1: 3.0, 3: 3.0}  # k = 5 > 3 items: left out
    assert f.sufficiency == {1: 0.0, 3: 0.0}
    assert f.aopc_comprehensiveness == 3.0 and f.aopc_sufficiency == 0.0
    assert f.kendall_tau == pytest.approx(1.0)


def test_every_curve_point_matches_brute_force_rescoring_in_any_order():
    imp = np.array([0.1, 0.9, 0.5])  # order: item 2, item 3, item 1
    f = faithfulness(TableModel(), BASE, 4, {"x": imp}, random_orders=0)["x"]
    hist, order = [1, 2, 3], [1, 2, 0]
    for j, k in enumerate(f.deletion.k):
        kept = [h for i, h in enumerate(hist) if i not in order[:k]]
        assert f.deletion.score[j] == pytest.approx(brute_score(kept, 4))
        assert f.deletion.rank[j] == brute_rank(kept, 4)
        only = [h for i, h in enumerate(hist) if i in order[:k]]
        assert f.insertion.score[j] == pytest.approx(brute_score(only, 4))


def test_random_floor_is_the_mean_over_the_same_seeded_permutations():
    f = faithfulness(TableModel(), BASE, 4, {}, occlusion=np.array([3.0, 1.0, -1.0]), random_orders=4,
                     seed=7)["random"]
    rng = np.random.default_rng(7)
    areas, comp1 = [], []
    for _ in range(4):
        order = rng.permutation(3)
        curve = [brute_score([h for i, h in enumerate([1, 2, 3]) if i not in order[:k]], 4) for k in range(4)]
        areas.append(trapezoid(curve, np.arange(4) / 3))
        comp1.append(3.0 - curve[1])
    assert f.deletion_area == pytest.approx(np.mean(areas))
    assert f.comprehensiveness[1] == pytest.approx(np.mean(comp1))


def test_kendall_tau_b_by_hand():
    assert kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)  # 2 concordant, 1 discordant pair
    assert kendall_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / math.sqrt(2 * 3))  # one tie in the first
    assert kendall_tau([1, 1, 1], [1, 2, 3]) is None


def test_order_breaks_ties_oldest_first_and_curves_sample_long_histories():
    assert order_of(np.array([0.2, 0.5, 0.5, 0.1])).tolist() == [1, 2, 0, 3]
    pts = curve_points(200)
    assert pts[:6].tolist() == [0, 1, 2, 3, 4, 5] and pts[-1] == 200 and len(pts) < 30
    assert curve_points(3).tolist() == [0, 1, 2, 3]


def test_intervals_by_hand():
    iv = mean_interval([1.0, 2.0, 3.0, 4.0])
    half = 1.96 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (iv.value, iv.low, iv.high) == (2.5, round(2.5 - half, 4), round(2.5 + half, 4))
    w = wilson_interval(8, 10)  # Wilson 95%: 0.4902 .. 0.9433
    assert w.value == 0.8 and w.low == pytest.approx(0.4902, abs=1e-4) and w.high == pytest.approx(0.9433, abs=1e-4)


def test_dataset_faithfulness_on_a_shipped_model_beats_random_for_occlusion():
    from recsys_core.explain.dataset_faithfulness import dataset_faithfulness
    from recsys_core.store.library import SHIPPED_DIR
    from recsys_core.store.opened import open_model
    loaded = open_model(f"{SHIPPED_DIR}/target-soft/model.pt")
    res = dataset_faithfulness(loaded, ["occlusion", "uniform"], max_users=12, random_orders=2)
    occ = res["occlusion"]
    assert occ.users == 12
    assert occ.area_vs_random.low <= occ.area_vs_random.value <= occ.area_vs_random.high
    assert occ.area_vs_random.value < 0  # removing the most influential items first beats a random order
    assert occ.top_hurts_more.value == 1.0  # its top item is by definition the largest single drop
