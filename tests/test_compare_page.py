"""The Compare page on any dataset (issue 12, item 5 and its Compare notes): the popular and mean
baselines come automatically and stay out of the model library, a model trained in this session but
not saved is compared too, model names are never cut, and numbers carry thousands separators.

Datasets: a small CSV standing in for an upload (any path a user's file is read from), and the
embedded shop for the name tests. Libraries are temporary folders, so nothing touches the user's own.
"""
import json
import os
import time

import pytest
import torch
from app_pages import APP, FAKE_METRICS
from streamlit.testing.v1 import AppTest

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.store.checkpoint import make_meta, save_checkpoint
from recsys_core.store.meta import TrainingInfo
from recsys_core.training.batching import item_counts
from recsys_core.training.config import TrainConfig
from recsys_core.training.run import train_and_save

AUTO = "automatic baseline"
UNSAVED = "this session, not saved"


@pytest.fixture
def ratings(tmp_path, monkeypatch):
    """A user's own ratings export (60 users, 30 items) and an empty model library."""
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("ATTENTION_LENS_DATA", str(tmp_path / "data"))
    path = tmp_path / "my_ratings.csv"
    rows = [f"{u},{1 + (u * 7 + k * 3 + (k * k) % 5) % 30},{1000 + k}" for u in range(60) for k in range(10)]
    path.write_text("user,item,time\n" + "\n".join(rows) + "\n")
    return str(path)


def compare(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("pages/compare.py")
    at.run()
    for _ in range(60):  # baselines still training show a note and rerun the page, as a browser would
        if not any("joins this page when done" in m.value for m in at.info):
            break
        time.sleep(2)
        at.run()
    assert not at.exception, at.exception
    return at


def metrics_table(at):
    return next(d for d in at.dataframe if "NDCG@10 · full" in d.value.columns)


def column_config(el) -> dict:
    return json.loads(el.proto.columns)


def test_baselines_come_automatically_on_an_upload(ratings, tmp_path):
    at = compare(dataset_spec=ratings)
    assert not any("No model is trained" in m.value for m in at.info)
    table = metrics_table(at).value
    auto = table[table["Kind"] == AUTO]
    assert sorted(auto["Model"]) == ["mean", "popular"]
    # The page shows what the core computes for the popular baseline on this file (it is deterministic).
    ref = train_and_save(prepare(load_dataset(ratings)), ModelConfig(arch="popular"), TrainConfig(),
                         str(tmp_path / "ref"), ratings).metrics
    shown = auto.set_index("Model").loc["popular"]
    assert shown["NDCG@10 · full"] == pytest.approx(ref["full"]["ndcg@10"], abs=1e-4)
    assert shown["HR@10 · full"] == pytest.approx(ref["full"]["hr@10"], abs=1e-4)
    mean = auto.set_index("Model").loc["mean"]
    assert 0 <= mean["NDCG@10 · full"] <= 1
    assert not (tmp_path / "models").exists() or not [d for d in os.listdir(tmp_path / "models")
                                                     if not d.startswith(".")]  # nothing saved for the user
    # Cached: a second visit reuses the same trained checkpoints instead of training again.
    chooser = at.multiselect(key="_compare_models")
    again = compare(dataset_spec=ratings)
    assert sorted(again.multiselect(key="_compare_models").options) == sorted(chooser.options)
    # Kept only when the user asks: then they are the library's, and no automatic copy is added beside them.
    again.button(key="_compare_save_auto").click().run()
    saved = sorted(d for d in os.listdir(tmp_path / "models") if not d.startswith("."))
    assert len(saved) == 2
    table = metrics_table(again).value
    assert sorted(table["Model"]) == ["mean", "popular"] and set(table["Kind"]) == {"saved"}


def test_a_model_trained_here_but_not_saved_is_compared(ratings):
    from ui.jobs import TrainingJob
    data = prepare(load_dataset(ratings))
    job = TrainingJob(data, ModelConfig(arch="target", attention="soft", dim=8, max_len=10),
                      TrainConfig(epochs=1, seed=0), ratings).start()
    job.join(120)
    assert job.state.finished_ok, job.state.message
    at = compare(dataset_spec=ratings, job=job)
    assert not any("No model is trained" in m.value for m in at.info)
    table = metrics_table(at).value
    mine = table[table["Kind"] == UNSAVED]
    assert list(mine["Model"]) == ["target-soft"]
    want = job.state.result.metrics["full"]["ndcg@10"]
    assert mine["NDCG@10 · full"].item() == pytest.approx(want, abs=1e-4)
    assert job.state.result.path in at.multiselect(key="_compare_models").value  # picked by default
    job.discard()


LONG = "long-run experiment with window 5, dropout 0.3 and the bigger embedding, run"


@pytest.fixture
def long_names(tmp_path, monkeypatch):
    """Two saved models on the embedded data whose labels differ only in their last characters, one of
    which trained for 1,234.5 s."""
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(tmp_path))
    torch.manual_seed(0)
    data = prepare(load_dataset("sample"))
    paths = []
    for i in (1, 2):
        cfg = ModelConfig(arch="target", attention="soft", dim=16, max_len=20)
        model = build_model(cfg, data.n_items)
        model.fit_statistics(item_counts(data))
        meta = make_meta(model, data, cfg, metrics=FAKE_METRICS, dataset_spec="sample")
        meta.training = TrainingInfo(seconds=1234.5 * i, best_epoch=3, stopped="early", loss="full", lr=1e-3,
                                     device="cpu", sequences_per_second=100.0)
        folder = tmp_path / f"2026-long-{i}"
        save_checkpoint(str(folder / "model.pt"), model.eval(), meta)
        (folder / "label.txt").write_text(f"{LONG} {i}")
        paths.append(str(folder / "model.pt"))
    return paths


def test_long_model_names_are_never_cut(long_names):
    at = compare()
    at.multiselect(key="_compare_models").set_value(long_names).run()
    assert not at.exception
    full = [f"target-soft · {LONG} {i}" for i in (1, 2)]
    el = metrics_table(at)
    assert list(el.value["Model"]) == ["target-soft"] * 2 and list(el.value["Kind"]) == ["saved"] * 2
    labels = sorted(el.value["Label"])
    assert labels == [f"{LONG} {i}" for i in (1, 2)]  # whole, in a column as wide as the longest one
    assert list(el.value.columns)[-1] == "Label"  # after the numbers: a long label hides none of them
    assert column_config(el)["Label"]["width"] >= 6 * max(map(len, labels))  # ~5.7-6 px a character
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)
    axis = bars["layout"]["yaxis"]
    assert axis["automargin"] and bars["data"][0]["orientation"] == "h"  # labels read across, with room
    ticks = axis["ticktext"]
    assert len(set(ticks)) == 2 and all(len(t) <= 48 for t in ticks)
    for tick, name in zip(ticks, bars["data"][0]["customdata"]):
        assert name in full
        head, _, tail = tick.partition("…")
        assert name.startswith(head) and name.endswith(tail) and tail.endswith(name[-1])  # cut in the middle
    # Heatmaps carry no title to clip: each model's full name is a heading above its map.
    heads = [m.value for m in at.markdown]
    assert all(any(name in h for h in heads) for name in full)
    assert all(not (json.loads(c.proto.spec)["layout"].get("title") or {}).get("text")
               for c in at.get("plotly_chart")[1:])


def test_numbers_carry_thousands_separators(long_names):
    at = compare()
    at.multiselect(key="_compare_models").set_value(long_names).run()
    el = metrics_table(at)
    seconds = sorted(el.value["Training (s)"])
    assert seconds == [1234, 2469]  # whole seconds (1234.5 and 2469.0 rounded half to even)
    assert column_config(el)["Training (s)"]["type_config"]["format"] == "localized"  # 1,234
    planted = next(d for d in at.dataframe if "Cases" in d.value.columns)
    assert column_config(planted)["Cases"]["type_config"]["format"] == "localized"


def test_every_explainers_planted_hits_are_the_cores(app_dirs):
    """Issue 13: the per-explainer planted table on Compare shows exactly the core's figures."""
    from recsys_core.explain.planted import planted_for_model
    from recsys_core.explain.planted_hits import planted_hits
    from recsys_core.store.library import SHIPPED_DIR
    from recsys_core.store.opened import open_model
    at = AppTest.from_file(APP, default_timeout=300)
    at.switch_page("pages/compare.py")
    at.run()
    at.toggle(key="_compare_hits").set_value(True).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Explainer" in d.value.columns)
    loaded = open_model(os.path.join(SHIPPED_DIR, "target-soft", "model.pt"))
    want = planted_hits(loaded, planted_for_model(loaded)).by_explainer
    mine = table[table["Model"].str.startswith("target-soft · shipped")].set_index("Explainer")
    assert set(mine.index) == set(want)
    for name, h in want.items():
        assert mine.loc[name, "Hit@1"] == h.hit_at_1 and mine.loc[name, "Hit@3"] == h.hit_at_3
