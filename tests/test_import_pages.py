"""Imported models on the app's pages (AppTest): the Explain page shows a RecBole SASRec's own attention
(soft and its argmax) with no hard-trained partner unless one is picked, says plainly that a TorchScript
model exposes no attention instead of drawing empty maps while its removal-based explanations still work,
and Compare sets imported models beside the app's own without turning them into automatic baselines."""
import os
from pathlib import Path

import pytest
from app_pages import charts, hard_map_control, open_page
from fakes import exported_torchscript

from recsys_core.imports import import_model, save_imported

FIXTURES = Path(__file__).resolve().parent / "data" / "imported"


@pytest.fixture(scope="module")
def imported_library(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    sasrec = save_imported(import_model(str(FIXTURES / "recbole-sasrec.pth"), "sample"), str(root / "imp-sasrec"))
    path, id_map, _ = exported_torchscript(tmp_path_factory.mktemp("ts"))
    script = save_imported(import_model(str(path), "sample", id_map=str(id_map), name="Our ranker"),
                           str(root / "imp-script"))
    old = os.environ.get("ATTENTION_LENS_MODELS")
    os.environ["ATTENTION_LENS_MODELS"] = str(root)
    yield {"sasrec": sasrec, "script": script}
    if old is None:
        os.environ.pop("ATTENTION_LENS_MODELS")
    else:
        os.environ["ATTENTION_LENS_MODELS"] = old


def text_of(at) -> str:
    return " ".join(str(e.value) for group in (at.markdown, at.caption, at.info, at.subheader) for e in group).replace("*", "")


def test_an_imported_attention_model_shows_its_own_maps_without_a_hard_trained_partner(imported_library):
    at = open_page("pages/explain.py", model_path=imported_library["sasrec"])
    assert not at.error, [e.value for e in at.error]
    specs = charts(at)
    assert {"heat_soft", "heat_hard"} <= specs.keys() and "heat_hard_trained" not in specs
    assert hard_map_control(at) is None  # one hard map: nothing to pick
    assert at.selectbox(key="_explain_hard").value == ""  # the shipped target-hard is offered, not imposed
    assert "Imported from RecBole" in text_of(at)
    hard = specs["heat_hard"]["data"][0]["z"]
    assert all(sum(row) == 1 for row in hard)  # hard = the argmax of its own soft attention


def test_a_model_without_attention_says_so_and_is_explained_by_removal(imported_library):
    at = open_page("pages/explain.py", model_path=imported_library["script"])
    assert not at.error, [e.value for e in at.error]
    specs = charts(at)
    assert "heat_soft" not in specs and "heat_hard" not in specs
    words = text_of(at).lower()
    assert "no attention to show" in words and "removing" in words
    assert at.dataframe[1].value.shape[0] == 10  # its recommendations are there


def test_compare_sets_imported_models_beside_the_apps_own(imported_library):
    at = open_page("pages/compare.py")
    assert not at.exception
    shown = " ".join(str(o) for s in at.multiselect for o in s.options)
    assert "recbole-sasrec" in shown and "Our ranker" in shown
    assert "torchscript · automatic baseline" not in shown
