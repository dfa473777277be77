"""Shipped models load and match the committed dataset, so a change to the data or the model code
that would strand them fails here until `python scripts/ship_models.py` rebuilds them."""
from pathlib import Path

import pytest
import torch

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.store.checkpoint import load_model
from recsys_core.store.library import SHIPPED_DIR, list_models

REQUIRED = {"popular", "mean", "target-soft", "target-hard", "self-soft"}


def test_required_models_are_shipped_and_small():
    names = {e.name for e in list_models(include_shipped=True) if e.shipped}
    assert REQUIRED <= names
    total = sum(f.stat().st_size for f in Path(SHIPPED_DIR).rglob("*") if f.is_file())
    assert total < 5e6


@pytest.mark.parametrize("folder", sorted(p.name for p in Path(SHIPPED_DIR).glob("*") if p.is_dir()))
def test_shipped_model_loads_on_the_committed_data(folder):
    data = prepare(load_sample())
    model, meta = load_model(str(Path(SHIPPED_DIR) / folder / "model.pt"), data)  # refuses another fingerprint
    assert meta.model_name == folder
    assert meta.dataset.spec == "sample"
    scores = model.score(torch.tensor([[0] * 45 + [1, 2, 3, 4, 5]]))
    assert torch.isfinite(scores[0, 1:]).all()


def test_shipped_target_attention_finds_the_planted_triggers():
    """The product's promise on the embedded data: attention points at the known cause."""
    from recsys_core.explain.planted import planted_accuracy, planted_map
    from recsys_core.store.opened import open_model
    data = prepare(load_sample())
    planted = planted_map(data, load_sample().items)
    acc = planted_accuracy(open_model(str(Path(SHIPPED_DIR) / "target-soft" / "model.pt"), data=data), planted)
    assert acc.cases > 100
    assert acc.soft_top_is_trigger > 10 * acc.chance and acc.soft_top_is_trigger > 0.8
    assert planted_accuracy(open_model(str(Path(SHIPPED_DIR) / "mean" / "model.pt"), data=data), planted) is None
