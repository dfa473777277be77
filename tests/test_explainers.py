"""The explainer registry: one signature and shape for all; rollout against a hand computation on
two layers; gradient x input against finite differences; integrated gradients' completeness;
occlusion against re-scoring by hand; planted hits with fair ties."""
import numpy as np
import pytest
import torch

from recsys_core.errors import UserError
from recsys_core.explain.explainers import EXPLAINERS, available, chosen, explain_with
from recsys_core.explain.explainers.attention import rollout_maps
from recsys_core.explain.explainers.common import remove_items
from recsys_core.explain.planted_hits import hit_at
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig


def tiny(arch: str, **kw):
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch=arch, dim=8, max_len=6, dropout=0.0, heads=2 if arch == "self" else 1, **kw), 9)
    with torch.no_grad():  # zero-initialised queries give uniform attention: give them something to say
        for p in model.parameters():
            if p.dim() > 1 and not p.abs().sum():
                p.normal_(0, 0.5)
    return model.eval()


SEQ = torch.tensor([[0, 0, 3, 1, 4, 2], [5, 6, 7, 8, 9, 1]])
CAND = torch.tensor([[2, 5, 7], [3, 4, 2]])


@pytest.mark.parametrize("arch", ["target", "self", "mean", "popular"])
def test_every_explainer_gives_batch_by_candidate_by_history_zero_on_padding(arch):
    model = tiny(arch)
    for name in available(model):
        imp = explain_with(name, model, SEQ, CAND)
        assert imp.shape == (2, 3, 6), name
        assert (imp[0, :, :2] == 0).all(), name
        assert torch.isfinite(imp).all(), name


def test_applicability_follows_the_family_declarations():
    assert "attention" not in available(tiny("popular")) and "occlusion" in available(tiny("popular"))
    assert "hard" not in available(tiny("mean"))  # uniform weights: no pick
    assert set(available(tiny("self"))) == set(EXPLAINERS)
    with pytest.raises(UserError, match="Fix:"):
        chosen(tiny("target"), ["attention", "shap"])
    with pytest.raises(UserError, match="Fix:"):
        chosen(tiny("popular"), ["attention"])


def test_rollout_of_two_layers_by_hand():
    a1 = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    a2 = torch.tensor([[1.0, 0.0], [0.2, 0.8]])
    # layer 1 keeps its skip: 0.5 A + 0.5 I = [[1, 0], [0.25, 0.75]]; the last layer has none.
    want = torch.tensor([[1.0, 0.0], [0.2 * 1 + 0.8 * 0.25, 0.8 * 0.75]])
    got = rollout_maps([a1[None, None], a2[None, None]])[0]
    assert torch.allclose(got, want)
    # two heads are averaged first
    heads = torch.stack([a1, torch.eye(2)])[None]  # (1, 2, 2, 2): mean = [[1, 0], [0.25, 0.75]]
    mean1 = 0.5 * torch.tensor([[1.0, 0.0], [0.25, 0.75]]) + 0.5 * torch.eye(2)
    assert torch.allclose(rollout_maps([heads, a2[None, None]])[0], a2 @ mean1)


def test_rollout_explainer_uses_the_self_models_own_maps():
    model = tiny("self")
    maps = model.explain(SEQ, CAND).maps
    a = [m.mean(1)[0] for m in maps]  # (L, L) per layer, row 0 of the batch
    first = 0.5 * a[0] + 0.5 * torch.eye(6)
    first = first / first.sum(-1, keepdim=True)
    want = (a[1] @ first)[-1] * (SEQ[0] > 0)
    assert torch.allclose(EXPLAINERS["rollout"](model, SEQ, CAND)[0, 1], want, atol=1e-6)


def _embedding_scaled(model, seq, cand, pos, factor):
    """score with history position `pos`'s item embedding multiplied by `factor` (a test-side hook)."""
    def hook(mod, inp, out):
        if inp[0] is seq:
            out = out.clone()
            out[:, pos] *= factor
            return out
    h = model.item.register_forward_hook(hook)
    try:
        with torch.no_grad():
            return model.score(seq, cand)
    finally:
        h.remove()


@pytest.mark.parametrize("arch", ["target", "self", "mean"])
def test_gradient_times_input_matches_finite_differences(arch):
    model = tiny(arch).double()
    seq, cand = SEQ[1:].clone(), CAND[1:]
    g = EXPLAINERS["grad-input"](model, seq, cand)[0]  # (K, L)
    eps = 1e-5
    for pos in range(6):
        # d/dt f(x_l (1 + t)) at t = 0 is grad_l . x_l
        fd = (_embedding_scaled(model, seq, cand, pos, 1 + eps) - _embedding_scaled(model, seq, cand, pos, 1 - eps)) / (2 * eps)
        assert torch.allclose(g[:, pos].double(), fd[0], atol=1e-5), (arch, pos)


@pytest.mark.parametrize("arch", ["target", "self"])
def test_integrated_gradients_are_complete(arch):
    from recsys_core.explain.explainers.gradients import integrated_gradients
    model = tiny(arch).double()
    seq, cand = SEQ[1:].clone(), CAND[1:]
    ig = integrated_gradients(model, seq, cand, steps=256)[0]  # (K, L)
    full = _embedding_scaled(model, seq, cand, slice(None), 1.0)[0]
    zero = _embedding_scaled(model, seq, cand, slice(None), 0.0)[0]
    assert torch.allclose(ig.sum(-1).double(), full - zero, atol=2e-3)


def test_occlusion_is_the_drop_when_the_item_is_deleted():
    model = tiny("target")
    occ = EXPLAINERS["occlusion"](model, SEQ, CAND)
    with torch.no_grad():
        base = model.score(SEQ[:1], CAND[:1])[0]
        without = model.score(torch.tensor([[0, 0, 0, 3, 4, 2]]), CAND[:1])[0]  # item 1 gone, gap closed
    assert torch.allclose(occ[0, :, 3], base - without, atol=1e-6)


def test_remove_items_closes_the_gap():
    seq = torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7]])
    drop = torch.tensor([[False, False, True, False], [True, False, False, True]])
    assert remove_items(seq, drop).tolist() == [[0, 0, 1, 3], [0, 0, 5, 6]]


def test_hard_is_one_hot_on_the_largest_weight():
    model = tiny("target")
    w = model.explain(SEQ, CAND).weights
    hard = EXPLAINERS["hard"](model, SEQ, CAND)
    assert (hard.sum(-1) == 1).all()
    assert (hard.argmax(-1) == w.masked_fill(SEQ[:, None] == 0, -1).argmax(-1)).all()


def test_planted_hit_counts_ties_as_a_fair_draw():
    seq = torch.tensor([[0, 1, 2, 3]])
    imp = torch.tensor([[9.0, 1.0, 1.0, 0.0]])  # padding's 9 never counts; positions 1 and 2 tie
    assert hit_at(imp, seq, torch.tensor([1]), 1).item() == pytest.approx(0.5)
    assert hit_at(imp, seq, torch.tensor([1]), 3).item() == 1.0
    assert hit_at(imp, seq, torch.tensor([3]), 1).item() == 0.0


def test_the_pages_unranked_report_says_the_same_as_the_full_one():
    """Explain's measured view skips the curves' catalogue-wide ranks (the bulk of the cost): its claims,
    areas, AOPC and tau are those of the full report."""
    from pathlib import Path

    from recsys_core.explain.report import explain_item
    from recsys_core.store.opened import open_model
    loaded = open_model(str(Path(__file__).resolve().parent.parent / "sample_data" / "models" / "target-soft"))
    user = str(loaded.data.user_ids[3])
    full = explain_item(loaded, user, top_k=10)
    quick = explain_item(loaded, user, top_k=10, ranked_curves=False)
    assert [c.text for c in quick.claims] == [c.text for c in full.claims] and quick.claims
    assert quick.best_explainer == full.best_explainer
    for name, f in full.faithfulness.items():
        q = quick.faithfulness[name]
        # Equal up to float noise: one candidate scored alone vs within the whole catalogue.
        assert (q.deletion_area, q.aopc_comprehensiveness, q.aopc_sufficiency) == \
            pytest.approx((f.deletion_area, f.aopc_comprehensiveness, f.aopc_sufficiency), rel=1e-5, abs=1e-5)
        assert q.kendall_tau == f.kendall_tau
    assert any(np.isfinite(r) for r in full.faithfulness["attention"].deletion.rank)
    assert not any(np.isfinite(r) for r in quick.faithfulness["attention"].deletion.rank)
