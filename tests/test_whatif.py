"""What-if editing: the pure edit of a history, and the model run on the edited history, checked by
scoring the edited sequence directly."""
from pathlib import Path

import pytest
import torch

from recsys_core.data.lookup import find_item, find_user
from recsys_core.data.preprocess import pad_sequence
from recsys_core.errors import UserError
from recsys_core.explain.whatif import apply_edit, parse_edit, what_if
from recsys_core.store.opened import open_model

REPO = Path(__file__).resolve().parent.parent
H = ["a", "b", "c", "d", "e"]  # oldest first: "e" is 1 back, "a" is 5 back


@pytest.mark.parametrize("edit,expect", [
    ("", H),
    ("-1", ["a", "b", "c", "d"]),
    ("-5", ["b", "c", "d", "e"]),
    ("+z", H + ["z"]),
    ("5>1", ["b", "c", "d", "e", "a"]),
    ("1>5", ["e", "a", "b", "c", "d"]),
    ("2>2", H),
    ("-1,-1", ["a", "b", "c"]),  # steps apply in order: the second -1 removes what is then the last
    ("+z,2>1", ["a", "b", "c", "d", "z", "e"]),
    ("3>9", ["c", "a", "b", "d", "e"]),  # past the oldest: becomes the oldest
])
def test_apply_edit(edit, expect):
    assert apply_edit(H, edit) == expect
    assert H == ["a", "b", "c", "d", "e"]  # pure: the input list is untouched


@pytest.mark.parametrize("edit,match", [("-6", "outside this history"), ("x", "is not one of"), ("+", "is not one of"),
                                        ("-1,-1,-1,-1,-1", "removes every item"), (",".join(["+a"] * 51), "more than")])
def test_bad_edits_say_what_to_do(edit, match):
    with pytest.raises(UserError, match=match):
        apply_edit(H, edit)


def test_parse_edit():
    assert parse_edit(" -3, +B12 ,5>1") == [("remove", 3), ("add", "B12"), ("move", 5, 1)]


@pytest.fixture(scope="module")
def loaded():
    return open_model(str(REPO / "sample_data" / "models" / "target-soft" / "model.pt"))


def _top(loaded, history: list[str], seen: list[str], k: int) -> list[str]:
    """Top-k by scoring the sequence directly, excluding `seen` (in a what-if, the edited history: an item
    removed from it may be recommended again)."""
    data, L = loaded.data, loaded.max_len
    idx = [find_item(data, i) for i in history][-L:]
    scores = loaded.model.score(pad_sequence(idx, L))[0].float()
    scores[[find_item(data, i) for i in seen]] = float("-inf")
    return [str(data.item_ids[i]) for i in torch.topk(scores, k).indices.tolist()]


def test_what_if_matches_scoring_the_edited_history(loaded):
    res = what_if(loaded, "42", "-1,-1", k=5)  # the two most recent items removed
    data = loaded.data
    full = [str(data.item_ids[i]) for i in data.seq(find_user(data, "42"))]
    assert res.history == full[:-2]
    assert [h.item_id for h in res.after.history] == res.history[-loaded.max_len:]
    # items older than the window are still the user's: never recommended back
    assert [r.item_id for r in res.after.recommendations] == _top(loaded, res.history, res.history, 5)
    assert [m.after for m in res.moves[:5]] == [1, 2, 3, 4, 5]
    unedited = _top(loaded, full, full, data.n_items - len(set(full)))  # the whole ranking before the edit
    for m in res.moves[:5]:
        assert m.before == (unedited.index(m.item_id) + 1 if m.item_id in unedited else None)
    assert [m.item_id for m in res.moves if m.after is None] == [i for i in unedited[:5] if i not in
                                                                [m.item_id for m in res.moves[:5]]]
    assert all(m.after is None for m in res.moves[5:])  # those that left the top 5


def test_what_if_refuses_an_item_the_dataset_does_not_have(loaded):
    with pytest.raises(UserError, match="not in dataset"):
        what_if(loaded, "42", "+no-such-item")
