"""The removal test for attribute attention: removing an attribute value from every item lowers the
score by exactly what re-scoring an edited copy gives, and the model itself is left untouched."""
import copy

import pytest
import torch

from recsys_core.data.preprocess import pad_sequence, prepare
from recsys_core.data.registry import load_dataset
from recsys_core.explain.user import explain_user
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.models.features import with_item_features
from recsys_core.store.checkpoint import make_meta
from recsys_core.store.opened import Loaded


@pytest.mark.parametrize("arch", ["target", "self"])
def test_attribute_removal_is_rescored_on_a_copy(arch):
    data = prepare(load_dataset("sample"))
    cfg = with_item_features(ModelConfig(arch=arch, dim=16, max_len=20, heads=1), data.categories).validate()
    model = build_model(cfg, data.n_items, seed=0).eval()
    with torch.no_grad():  # untrained feature queries are zero: give them something to attend with
        model.features.wq.weight.normal_(0, 0.3)
    before = model.features.ids.clone()
    res = explain_user(Loaded(model, make_meta(model, data, cfg, metrics={}, dataset_spec="sample"), data, ""), "42", k=3)
    assert torch.equal(model.features.ids, before)  # the shared model is never edited
    rec = res.recommendations[0]
    assert rec.feature_influence and set(rec.feature_influence) <= set(rec.feature_attention)
    seq = pad_sequence([data.item_ids.tolist().index(h.item_id) for h in res.history], 20)
    cand = torch.tensor([[data.item_ids.tolist().index(r.item_id) for r in res.recommendations]])
    for value, drop in rec.feature_influence.items():
        edited = copy.deepcopy(model)
        edited.features.ids[edited.features.ids == cfg.feature_vocab.index(value) + 1] = 0
        with torch.no_grad():
            want = float(model.score(seq, cand)[0, 0] - edited.score(seq, cand)[0, 0])
        assert drop == pytest.approx(want, abs=1e-5)
    assert "feature_influence" in rec.to_json()
