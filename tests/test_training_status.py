"""How a run ended is said truthfully: a run that reaches its time limit says so even when its last
validation would also have ended it by patience, its time covers its validations and stays within the
limit's bookkeeping, and the words come from one vocabulary."""
import json

import pytest

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.models.config import ModelConfig
from recsys_core.training import early_stop
from recsys_core.training.config import TrainConfig
from recsys_core.training.run import train_and_save
from recsys_core.training.stop import Stop, run_words, stop_words


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


def test_a_run_out_of_time_says_time_even_when_patience_would_also_stop_it(data, tmp_path, monkeypatch):
    # Patience that has run out at every validation: before the fix the final validation of a timed-out
    # run relabelled it "stopped early: validation stopped improving".
    monkeypatch.setattr(early_stop.EarlyStop, "update", lambda self, score, seen=0: True)
    out = train_and_save(data, ModelConfig(arch="mean", dim=8, max_len=10),
                         TrainConfig(epochs=50, seed=0, max_seconds=1e-9), str(tmp_path))
    assert out.stopped == Stop.TIME
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["stopped"] == "time" and metrics["max_seconds"] == 1e-9
    # Validation is part of the run's time; the test evaluation after it is said on its own.
    assert 0 < metrics["validation_seconds"] <= metrics["seconds"] and metrics["evaluation_seconds"] > 0
    words = run_words(metrics["seconds"], metrics["best_epoch"], metrics["stopped"], metrics["stop_metric"],
                      metrics["validation_seconds"], metrics["evaluation_seconds"], metrics["max_seconds"])
    assert "stopped at the time limit" in words and "early" not in words
    assert out.meta.training.stopped == "time" and out.meta.training.evaluation_seconds > 0


def test_early_stopping_says_which_metric_it_followed():
    assert stop_words("early", "ndcg") == "stopped early: validation NDCG over the whole ranking stopped improving"
    assert stop_words("early", "ndcg@10") == "stopped early: validation NDCG@10 stopped improving"
    assert "time limit" in stop_words("time") and "early" not in stop_words("time")
    assert run_words(42.4, 3, "epochs", max_seconds=120) == ("trained for 42 s under a 120 s limit, best epoch 3: "
                                                             "ran every epoch it was given")
