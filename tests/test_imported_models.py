"""Imported models compute what their own library computed: for each checkpoint in tests/data/imported
(trained with RecBole 1.2.1 and SASRec.pytorch by scripts/record_imports.py), the family that reproduces
it gives, for every recorded user, the library's scores for every item (within 1e-4), the same top-10,
and the library's attention rows (within 1e-5) where the library exposes them. The app's own history of
each user is the window the library fed, and under RecBole's own ranking rule the import reproduces the test
metrics RecBole reported, over every user."""
import pytest
import torch
from imported_records import FIXTURES, agreement, recbole_protocol, records

from recsys_core.data.preprocess import pad_sequence, split_ends
from recsys_core.imports import import_model

RECORDS = records()
SCORE_TOL, ATTENTION_TOL = 1e-4, 1e-5


@pytest.fixture(scope="module")
def imported():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = import_model(str(FIXTURES / RECORDS[name]["file"]), "sample", evaluate_it=False)
        return cache[name]
    return get


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_scores_top10_and_attention_are_the_librarys_own(imported, name):
    got = agreement(imported(name), RECORDS[name])
    assert got.users >= 8
    assert got.max_score_diff < SCORE_TOL, got
    assert got.top10_identical == got.users, got
    if name != "recbole-gru4rec":  # GRU4Rec has no attention to compare
        assert got.max_attention_diff is not None and got.max_attention_diff < ATTENTION_TOL, got
        assert got.padding_weight == 0.0, got  # nothing lands where the library's input has no item


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_the_apps_history_of_each_user_is_the_window_the_library_fed(imported, name):
    imp, rec = imported(name), RECORDS[name]
    data = imp.data
    ends, _ = split_ends(data, "test")
    index = data.user_index()
    for user, r in rec["users"].items():
        u = index[user]
        window = data.items[data.offsets[u]:ends[u]][-imp.meta.max_len:]
        assert [str(data.item_ids[i]) for i in window] == r["window"], user


@pytest.mark.parametrize("name", sorted(n for n in RECORDS if "test" in RECORDS[n]))
def test_the_import_reproduces_the_test_metrics_recbole_reported(imported, name):
    """Over every user, not only the recorded ones: RecBole's own figures (rounded to 4 digits) come back."""
    ours, theirs = recbole_protocol(imported(name)), RECORDS[name]["test"]
    for key, value in theirs.items():
        assert abs(ours[key] - value) <= 6e-5, (key, ours[key], value)


def test_gradient_explainers_reach_the_imported_item_table(imported):
    """grad-input needs the history's lookup to be of the very tensor it passes in: the families keep it so."""
    from recsys_core.explain.explainers import EXPLAINERS, available
    imp = imported("recbole-sasrec")
    assert {"grad-input", "attention-norm", "rollout"} <= set(available(imp.model))
    window = RECORDS["recbole-sasrec"]["users"]["27"]["window"]
    index = imp.data.item_index()
    seq = pad_sequence([index[t] for t in window], imp.meta.max_len)
    out = EXPLAINERS["grad-input"](imp.model, seq, torch.tensor([[5, 9]]))
    pad = seq.shape[1] - int((seq > 0).sum())
    assert out.shape == (1, 2, seq.shape[1]) and float(out[0, :, pad:].abs().sum()) > 0
    assert float(out[0, :, :pad].abs().sum()) == 0
