"""The Explain page says what a `self` model's row accounts for: the whole prediction without the
skip around the last attention, not the whole prediction with it (last_skip, chosen on sparse data).
AppTest over untrained checkpoints in a temporary library, as in test_app_explain."""
import os

import pytest
import torch
from app_pages import FAKE_METRICS, open_page

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.store.checkpoint import make_meta, save_checkpoint


@pytest.fixture(scope="module")
def skip_library(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    data = prepare(load_dataset("sample"))
    paths = {}
    for skip in (False, True):
        torch.manual_seed(0)
        cfg = ModelConfig(arch="self", dim=16, max_len=20, layers=1, last_skip=skip)
        model = build_model(cfg, data.n_items)
        paths[skip] = str(root / cfg.name / "model.pt")
        save_checkpoint(paths[skip], model.eval(), make_meta(model, data, cfg, metrics=FAKE_METRICS))
    old = os.environ.get("ATTENTION_LENS_MODELS")
    os.environ["ATTENTION_LENS_MODELS"] = str(root)
    yield paths
    if old is None:
        os.environ.pop("ATTENTION_LENS_MODELS")
    else:
        os.environ["ATTENTION_LENS_MODELS"] = old


@pytest.mark.parametrize("skip", [False, True])
def test_the_maps_say_what_the_row_accounts_for(skip_library, skip):
    at = open_page("pages/explain.py", model_path=skip_library[skip])
    text = " ".join(c.value for c in at.caption)
    assert "One row: this model reads the history once" in text
    assert ("does not account for the whole prediction" in text) is skip
    assert "skip connection" in text if skip else "the last position's attention row in the last layer" in text
    if "Settings:" in text:  # the model card, where the page shows one
        assert ("skip connection around the last attention" in text) is skip
