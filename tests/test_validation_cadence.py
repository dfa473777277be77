"""When training validates and when it stops: inside long epochs (eval_windows), with patience that
grows with the run (patience_growth), on a metric that is not mostly noise (stop_metric), and on
the most recent windows of each user when asked (windows_per_user)."""
import numpy as np
import pytest

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare, split_ends
from recsys_core.errors import SettingError
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.training.batching import training_ends
from recsys_core.training.config import TrainConfig
from recsys_core.training.early_stop import EarlyStop
from recsys_core.training.loop import train


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


def _train(data, **cfg):
    model = build_model(ModelConfig(arch="self", dim=16, layers=1, max_len=20).validate(), data.n_items, seed=0)
    events = []
    res = train(model, data, TrainConfig(seed=0, eval_users=200, **cfg), callback=events.append)
    return res, [p for p in events if p.phase == "eval"]


def test_a_long_epoch_is_validated_inside_it_and_the_chart_gets_fractional_epochs(data):
    res, evals = _train(data, epochs=1, batch_size=32, eval_windows=32 * 10, patience=100)
    steps = evals[-1].steps
    inside = [p for p in evals if p.step < p.steps]
    assert len(inside) == (steps - 1) // 10  # every 10 steps (320 windows), the epoch's end on its own
    assert [p.step for p in inside] == [10 * (i + 1) for i in range(len(inside))]
    assert len(res.history) == len(evals) and res.history[-1].windows == steps * 32
    assert np.all(np.diff([h.windows for h in res.history]) > 0)


def test_without_eval_windows_only_epoch_ends_are_validated(data):
    _, evals = _train(data, epochs=2, batch_size=32, eval_windows=0, min_eval_steps=1, patience=100)
    assert [p.epoch for p in evals] == [1, 2] and all(p.step == p.steps for p in evals)


def test_patience_waits_for_a_share_of_the_examples_trained_up_to_the_best():
    stop = EarlyStop(patience=2, growth=0.5)
    assert not stop.update(0.30, seen=1000)  # best, at 1,000 examples
    assert not stop.update(0.20, seen=1100)
    assert not stop.update(0.20, seen=1200)  # two bad validations, but only 200 examples since the best
    assert not stop.update(0.20, seen=1400)
    assert stop.update(0.20, seen=1500)  # 500 = half of 1,000
    plain = EarlyStop(patience=2)  # growth 0: validations alone, as before
    assert not plain.update(0.3, 1000) and not plain.update(0.2, 1001) and plain.update(0.2, 1002)


def test_the_kept_weights_follow_the_stop_metric(data):
    for metric in ("ndcg", "ndcg@10"):
        res, _ = _train(data, epochs=6, min_eval_steps=1, stop_metric=metric, patience=100)
        scores = [h.to_json()[metric] for h in res.history]
        assert res.history[int(np.argmax(scores))].epoch == res.best_epoch
        assert res.best_ndcg_at_10 == res.history[int(np.argmax(scores))].ndcg_at_10
        assert res.best_score == max(scores)
        assert all(0 < h.ndcg <= 1 and h.ndcg >= h.ndcg_at_10 for h in res.history)


def test_auto_stops_on_the_whole_ranking_only_for_large_catalogues():
    cfg = TrainConfig()
    assert cfg.resolved_stop_metric(cfg.full_max_items) == "ndcg@10"
    assert cfg.resolved_stop_metric(cfg.full_max_items + 1) == "ndcg"
    assert TrainConfig(stop_metric="ndcg@10").resolved_stop_metric(10 ** 6) == "ndcg@10"
    with pytest.raises(SettingError) as info:
        TrainConfig(stop_metric="auc").validate()
    assert info.value.field == "stop_metric"


def test_windows_per_user_keeps_each_users_most_recent_windows(data):
    rng = np.random.default_rng(0)
    every = training_ends(data, "sequence", 5, np.random.default_rng(0))
    capped = training_ends(data, "sequence", 5, np.random.default_rng(0), per_user=2)
    valid_ends = split_ends(data, "valid")[0]
    counts = np.bincount(capped[:, 0], minlength=data.n_users)
    assert counts.max() == 2 and np.bincount(every[:, 0]).max() > 2
    for u in rng.choice(np.unique(capped[:, 0]), 20, replace=False):
        mine, all_of_u = np.sort(capped[capped[:, 0] == u, 1]), np.sort(every[every[:, 0] == u, 1])
        assert np.array_equal(mine, all_of_u[-len(mine):])  # the latest ends, the last before validation
        assert mine.max() <= valid_ends[u]
