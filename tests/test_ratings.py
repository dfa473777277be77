"""Rating prediction (recsys_core.ratings): metrics by hand, baselines against pandas, the splits and
histories, a trained model beating the means, and its file."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from recsys_core.data.dataset import Dataset, make_items
from recsys_core.data.preprocess import prepare
from recsys_core.errors import CheckpointError, DataError
from recsys_core.models.config import ModelConfig
from recsys_core.ratings import (
    RatingTrainConfig,
    evaluate_saved_ratings,
    fit_baseline,
    leave_one_out,
    load_rating_model,
    predict_for_user,
    predict_ratings,
    random_split,
    rating_metrics,
    rating_report,
    save_rating_model,
    train_and_save_ratings,
    train_rating_model,
)
from recsys_core.ratings.split import histories, users_of


def make_data(rows, name="tiny"):
    """rows: (user, item, rating) in time order per user."""
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "rating"]).astype({"user_id": str, "item_id": str})
    df["rating"] = df["rating"].astype(float)
    df["timestamp"] = np.arange(len(df), dtype=np.int64)
    df = df.sort_values(["user_id", "timestamp"], kind="stable").reset_index(drop=True)
    return prepare(Dataset(name=name, interactions=df, items=make_items(sorted(df["item_id"].unique())),
                           has_ratings=True))


def planted(n_users=60, n_items=30, per_user=20, seed=0):
    """Ratings = 3 + user bias + item bias + 1 when user and item share a taste group, rounded to 1..5."""
    rng = np.random.default_rng(seed)
    ub, ib = rng.choice([-1, 0, 1], n_users), rng.choice([-0.5, 0, 0.5], n_items)
    ug, ig = rng.integers(0, 2, n_users), rng.integers(0, 2, n_items)
    rows = []
    for u in range(n_users):
        for i in rng.choice(n_items, per_user, replace=False):
            rows.append((u, i, float(np.clip(round(2.5 + ub[u] + ib[i] + (ug[u] == ig[i])), 1, 5))))
    return make_data(rows, "planted")


def test_mae_rmse_and_liked_by_hand():
    pred = [4.5, 3.0, 2.0, 5.0, 4.0, 4.2]
    true = [5.0, 4.0, 2.0, 3.0, 4.0, 1.0]
    m = rating_metrics(pred, true, threshold=4)
    # errors -0.5, -1, 0, 2, 0, 3.2
    assert m.mae == pytest.approx(6.7 / 6)
    assert m.rmse == pytest.approx(math.sqrt((0.25 + 1 + 4 + 10.24) / 6))
    # predicted liked: 1st, 4th, 5th, 6th; truly liked: 1st, 2nd, 5th; both: 1st and 5th
    assert m.precision == pytest.approx(2 / 4)
    assert m.recall == pytest.approx(2 / 3)
    assert m.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert m.n == 6


def test_nothing_predicted_liked_gives_zero_not_a_division_error():
    m = rating_metrics([1.0, 2.0], [5.0, 4.0], threshold=4)
    assert (m.precision, m.recall, m.f1) == (0.0, 0.0, 0.0)
    # the threshold decides what "liked" means on both sides
    assert rating_metrics([4.6, 2.0], [5.0, 4.0], threshold=4.5).recall == 1.0  # only the 5 is liked, and found
    assert rating_metrics([4.6, 2.0], [5.0, 4.0], threshold=4).recall == 0.5  # the 4 is liked too, and missed


def test_baselines_match_pandas_group_means():
    data = planted(n_users=25, n_items=15, per_user=8, seed=3)
    split = random_split(data, test_share=0.3, seed=1)
    df = pd.DataFrame({"u": users_of(data, np.arange(len(data.items))), "i": data.items, "r": data.ratings})
    known, test = df[split.known], df.iloc[split.test]
    mean = known["r"].mean()
    expected = {
        "global mean": np.full(len(test), mean),
        "user mean": test["u"].map(known.groupby("u")["r"].mean()).fillna(mean).to_numpy(),
        "item mean": test["i"].map(known.groupby("i")["r"].mean()).fillna(mean).to_numpy(),
    }
    for name, want in expected.items():
        got = fit_baseline(name, data, split).predict(test["u"].to_numpy(), test["i"].to_numpy())
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=name)


def test_an_item_rated_only_in_the_test_gets_the_global_mean():
    # user 0's last item "z" appears nowhere else, so leave-one-out holds out its only rating
    data = make_data([(0, "a", 5), (0, "b", 3), (0, "z", 1), (1, "a", 4), (1, "b", 2), (1, "c", 3)])
    split = leave_one_out(data)
    z = data.item_index()["z"]
    pred = fit_baseline("item mean", data, split).predict(np.array([0]), np.array([z]))
    assert pred[0] == pytest.approx(np.mean([5, 3, 4, 2]))  # known: all but each user's last


def test_splits_hold_out_what_they_say():
    data = planted()
    s = random_split(data, seed=0)
    n = len(data.items)
    assert len(s.test) == round(0.2 * n) and not s.known[s.test].any() and s.known.sum() == n - len(s.test)
    assert not s.fit[s.valid].any() and s.known[s.valid].all()
    assert np.array_equal(random_split(data, seed=0).test, s.test)
    loo = leave_one_out(data)
    assert np.array_equal(loo.test, data.offsets[1:] - 1) and np.array_equal(loo.valid, data.offsets[1:] - 2)


def test_history_is_earlier_source_ratings_left_padded():
    data = make_data([(0, "a", 5), (0, "b", 4), (0, "c", 3), (0, "d", 2), (1, "e", 1), (1, "f", 2), (1, "g", 3)])
    ix = data.item_index()
    source = np.ones(len(data.items), bool)
    source[2] = False  # user 0's "c" is not visible as history
    items, ratings = histories(data, source, np.array([3, 5, 4]), max_len=3)
    assert items.tolist() == [[0, ix["a"], ix["b"]], [0, 0, ix["e"]], [0, 0, 0]]
    assert ratings.tolist() == [[0, 5, 4], [0, 0, 1], [0, 0, 0]]


@pytest.fixture
def one_thread():
    """The machine is shared: two threads under contention made this training 5x slower, not faster."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_trained_model_beats_the_means_on_planted_ratings(one_thread):
    data = planted()
    split = random_split(data, seed=0)
    result = train_rating_model(data, split, ModelConfig(dim=8, max_len=10, dropout=0.0),
                                RatingTrainConfig(lr=5e-2, batch_size=128, epochs=12, l2=0.01))
    report = rating_report(data, split, result.model)
    assert report["ours"].rmse < report["global mean"].rmse - 0.1
    assert report["ours"].rmse < min(report["user mean"].rmse, report["item mean"].rmse)


def test_save_and_reload_give_identical_predictions(tmp_path, one_thread):
    data = planted(n_users=20, n_items=12, per_user=8)
    split = leave_one_out(data)
    model = train_rating_model(data, split, ModelConfig(dim=4, max_len=5),
                               RatingTrainConfig(epochs=2, batch_size=32)).model
    (tmp_path / "model.pt").write_bytes(b"a ranking model lives here")
    path = save_rating_model(str(tmp_path), model, data, metrics={"rmse": 1.0})
    assert path == str(tmp_path / "rating.pt") and (tmp_path / "model.pt").read_bytes().startswith(b"a ranking")
    torch.load(path, weights_only=True)  # nothing but plain values and tensors
    again = load_rating_model(str(tmp_path / "model.pt"), data)  # as `--model` may name the ranking file
    before = predict_ratings(model, data, split.test, split.known)
    np.testing.assert_array_equal(predict_ratings(again, data, split.test, split.known), before)
    np.testing.assert_array_equal(predict_for_user(again, data, 0, [1, 2, 3]), predict_for_user(model, data, 0, [1, 2, 3]))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_bad_rating_files_and_data_are_one_line_errors(tmp_path, one_thread):
    data = planted(n_users=10, n_items=8, per_user=5)
    model = train_rating_model(data, leave_one_out(data), ModelConfig(dim=4, max_len=5),
                               RatingTrainConfig(epochs=1)).model
    save_rating_model(str(tmp_path), model, data)
    other = planted(n_users=10, n_items=8, per_user=5, seed=9)
    for call in (lambda: load_rating_model(str(tmp_path), other),
                 lambda: load_rating_model(str(tmp_path / "nowhere")),
                 lambda: (tmp_path / "rating.pt").write_bytes(b"junk") and load_rating_model(str(tmp_path))):
        with pytest.raises(CheckpointError, match="Fix:"):
            call()
    unrated = prepare(Dataset(name="clicks", interactions=pd.DataFrame(
        {"user_id": ["u"] * 3, "item_id": ["a", "b", "c"], "timestamp": [1, 2, 3]}), items=make_items(["a", "b", "c"])))
    with pytest.raises(DataError, match="has none. Fix:"):
        random_split(unrated)


def test_train_and_evaluate_entry_points_agree_and_skip_models_without_ratings(tmp_path, one_thread):
    data = planted(n_users=20, n_items=12, per_user=8)
    assert evaluate_saved_ratings(str(tmp_path), data) is None  # a ranking-only folder has no rating keys
    _, figures = train_and_save_ratings(data, ModelConfig(dim=4, max_len=5), str(tmp_path),
                                        train_cfg=RatingTrainConfig(epochs=2, batch_size=32))
    again = evaluate_saved_ratings(str(tmp_path), data)
    assert again == {k: v for k, v in figures.items() if k != "training"}
    assert again["rating_split"].startswith("leave-one-out") and again["rating_n"] == data.n_users
    truth = data.ratings[data.offsets[1:] - 1]
    base = fit_baseline("global mean", data, leave_one_out(data)).mean
    assert again["rating_baselines"]["global mean"]["mae"] == pytest.approx(np.abs(truth - base).mean(), abs=1e-5)


def test_a_time_limit_still_returns_a_trained_model(one_thread):
    data = planted(n_users=20, n_items=12, per_user=8)
    split = leave_one_out(data)
    result = train_rating_model(data, split, ModelConfig(dim=4, max_len=5),
                                RatingTrainConfig(epochs=50, batch_size=16, max_seconds=1e-9))
    assert result.stopped == "time" and result.best_epoch == 1 and len(result.history) == 1
    assert np.isfinite(predict_ratings(result.model, data, split.test, split.known)).all()


def test_the_rating_loop_speaks_the_main_loops_vocabulary(one_thread):
    """Progress reports, Stop reasons, patience and the cancel flag are the main loop's (training/)."""
    import threading

    from recsys_core.errors import Cancelled
    from recsys_core.training.records import Progress
    from recsys_core.training.stop import Stop, stop_words
    data = planted(n_users=20, n_items=12, per_user=8)
    split = leave_one_out(data)
    seen = []
    result = train_rating_model(data, split, ModelConfig(dim=4, max_len=5),
                                RatingTrainConfig(epochs=40, batch_size=16, patience=1, lr=0.5), callback=seen.append)
    evals = [p for p in seen if p.phase == "eval"]
    assert all(isinstance(p, Progress) for p in seen) and [p.epoch for p in evals] == [h.epoch for h in result.history]
    assert [p.metrics["rmse"] for p in evals] == [h.valid_rmse for h in result.history]
    assert result.stopped is Stop.EARLY and len(result.history) == result.best_epoch + 1  # patience 1
    assert result.valid_rmse == min(h.valid_rmse for h in result.history)
    assert stop_words(result.stopped, "rmse") == "stopped early: validation RMSE stopped improving"
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        train_rating_model(data, split, ModelConfig(dim=4, max_len=5), RatingTrainConfig(epochs=2), cancel=cancel)


def test_a_diverging_rating_model_is_refused_not_saved(one_thread):
    from recsys_core.errors import UserError
    data = planted(n_users=20, n_items=12, per_user=8)
    with pytest.raises(UserError, match="diverged.*Fix:"):
        train_rating_model(data, leave_one_out(data), ModelConfig(dim=4, max_len=5),
                           RatingTrainConfig(epochs=6, batch_size=16, lr=1e30, patience=2))
