"""Counterfactuals are confirmed by re-scoring the edited history independently, and the sentences
that word an explanation never contradict the measured numbers."""
import numpy as np
import pytest
import torch
from fakes import TableModel, brute_rank

from recsys_core.claims.facts import HistoryItem
from recsys_core.claims.measured import Evidence, report_claims
from recsys_core.claims.verify import text_problems
from recsys_core.data.preprocess import pad_sequence
from recsys_core.explain.counterfactual import drop_counterfactual, why_not
from recsys_core.explain.removal import Viewed
from recsys_core.store.library import SHIPPED_DIR

SEQ = torch.tensor([[0, 1, 2, 3]])
BASE = Viewed.of([1, 2, 3], 4, 6)  # seq SEQ


def test_smallest_removal_set_on_the_table_model():
    # item 4 is #1 (3 against item 6's 2); without item 1 it scores 0 and falls to rank 2
    cf = drop_counterfactual(TableModel(), BASE, 4, {"exact": np.array([0, 1, 2])}, top_k=1)
    assert cf.found and cf.removed == [0] and cf.rank_before == 0
    assert cf.rank_after == brute_rank([2, 3], 4) == 2
    assert [s.rank for s in cf.steps] == [brute_rank(h, 4) for h in ([1, 2, 3], [2, 3], [3], [])]


def test_the_shortest_order_wins_and_none_found_is_said():
    # following 3 first (raises item 4) needs more removals than following 1 first
    cf = drop_counterfactual(TableModel(), BASE, 4, {"bad": np.array([2, 1, 0]), "good": np.array([0, 1, 2])},
                             top_k=1)
    assert cf.order_from == "good" and cf.removed == [0]
    none = drop_counterfactual(TableModel(), BASE, 4, {"exact": np.array([0, 1, 2])}, top_k=5)
    assert not none.found and none.removed == [] and none.rank_after is None  # 6 candidates at most: rank <= 4


def test_why_not_finds_what_holds_an_item_down():
    base = Viewed.of([3], 4, 6)  # seq [[0, 0, 0, 3]]
    # item 4 scores -1, below items 1, 2 (0), 5 (0.5) and 6 (2): rank 4; removing item 3 lifts it to 0,
    # which only item 6 beats (item 3, back among the candidates, scores 0 too): rank 1, inside the top 2
    cf = why_not(TableModel(), base, 4, occlusion=np.array([-1.0]), top_k=2)
    assert cf.rank_before == brute_rank([3], 4) == 4 and cf.holding_down == [(0, 1.0)]
    assert cf.found and cf.removed == [0] and cf.rank_after == brute_rank([], 4) == 1


def _rescored_rank(loaded, user_id, removed, item) -> int:
    """Independent of the core, as the what-if editor removes items: the whole history minus the removed
    visible positions, its last max_len padded and scored, ranked among the items it still holds."""
    data = loaded.data
    full = data.seq(data.user_index()[user_id]).tolist()
    older, visible = full[:-loaded.max_len], full[-loaded.max_len:]
    kept = older + [h for i, h in enumerate(visible) if i not in set(removed)]
    with torch.no_grad():
        scores = loaded.model.score(pad_sequence(kept[-loaded.max_len:], loaded.max_len))[0]
    scores[torch.tensor(kept)] = float("-inf")
    return int((scores > scores[item]).sum())


@pytest.mark.parametrize("name", ["target-soft", "self-soft"])
def test_every_counterfactual_on_shipped_models_is_confirmed_by_rescoring(name):
    from recsys_core.explain.report import explain_item
    from recsys_core.store.opened import open_model
    loaded = open_model(f"{SHIPPED_DIR}/{name}/model.pt")
    index = loaded.data.item_index()
    checked = 0
    for user in loaded.data.user_ids[:6]:
        rep = explain_item(loaded, user, explainers=["attention", "occlusion"], random_orders=1)
        cf, item = rep.counterfactual, index[rep.item_id]
        assert _rescored_rank(loaded, user, [], item) == rep.rank < rep.top_k
        for step in cf.steps:
            assert _rescored_rank(loaded, user, step.removed, item) == step.rank
        if cf.found:
            checked += 1
            assert _rescored_rank(loaded, user, cf.removed, item) == cf.rank_after >= rep.top_k
            assert all(s.rank < rep.top_k for s in cf.steps[:len(cf.removed)])  # no shorter prefix works
        seen = set(loaded.data.seq(loaded.data.user_index()[user]).tolist())
        other = next(i for i in range(100, loaded.data.n_items + 1) if i not in seen)
        why = explain_item(loaded, user, item_id=loaded.data.item_ids[other], explainers=["occlusion"], random_orders=1)
        assert _rescored_rank(loaded, user, [], other) == why.rank
        for step in why.counterfactual.steps:
            assert _rescored_rank(loaded, user, step.removed, other) == step.rank
        if why.kind == "why-not" and why.counterfactual.found:
            assert _rescored_rank(loaded, user, why.counterfactual.removed, other) < why.top_k
    assert checked >= 1


def _ev(top_removal=0, after=36, top_attention=0, attn_after=36, rank=0, drop=2.0):
    titles = ["Tripod T1", "Mirrorless Camera Z620", "Bag B2", "Strap S3"]
    return Evidence(model="m", item_id="9", item_title="Lens Hood", kind="recommendation", rank=rank, top_k=10,
                    history=[HistoryItem(str(i), t, 4 - i) for i, t in enumerate(titles)],
                    top_removal=top_removal, rank_without_top_removal=after, top_removal_drop=drop,
                    top_attention=top_attention, top_attention_weight=0.5, rank_without_top_attention=attn_after,
                    counterfactual=None)


def words(ev) -> list[str]:
    claims = report_claims(ev)
    for c in claims:  # every number a sentence prints is one its facts carry
        assert text_problems(c) == [], c.text
    return [c.text for c in claims]


def test_words_state_the_measured_ranks_and_which_item_attention_points_at():
    first = words(_ev(top_removal=1, after=36, top_attention=1))[0]
    assert "*Mirrorless Camera Z620* (3 items back)" in first and "from #1 to #37" in first
    assert first.endswith("it is also the item attention points at most.") and "agree" not in first


def test_words_say_which_to_believe_when_attention_disagrees():
    first = words(_ev(top_removal=1, after=36, top_attention=3, attn_after=1))[0]
    assert "agree" not in first
    assert "*Strap S3* (the latest item)" in first and "from #1 to #2" in first and "believe the removal test" in first


def test_words_never_claim_a_cause_that_removal_does_not_show():
    first = words(_ev(after=0))[0]
    assert first.startswith("No single past item decides it") and "leaves it at #1" in first
    assert "because" not in words(_ev(drop=0.0, after=0))[0]
