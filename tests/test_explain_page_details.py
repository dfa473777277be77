"""The Explain page's details, each pinned by a test: the "See why" select follows the user, the tables
lead with what matters, the default chart shows the items its words name, the box colour follows the numbers, thousands separators, and interesting
users of several kinds."""
import numpy as np
import pytest
from app_pages import open_page

from recsys_core.claims.recommendation import attention_claims
from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.explain.explanation import (
    Explanation,
    HistoryItem,
    PlantedCause,
    Recommendation,
)
from recsys_core.explain.honesty import honesty
from recsys_core.explain.planted import interesting_users, planted_map
from recsys_core.explain.user import explain_user
from recsys_core.store.opened import open_model
from ui import explain_view as ev
from ui import why_view
from ui.keys import widget


def history(n: int) -> list[HistoryItem]:
    return [HistoryItem(str(i), f"Item {i:04d} Model X{i}", "cat", i, n - i) for i in range(n)]


def explanation(soft: list[float], infl: list[float], planted: PlantedCause | None = None) -> tuple:
    n = len(soft)
    hard = [0.0] * n
    hard[int(np.argmax(soft))] = 1.0
    rec = Recommendation("r1", "Recommended Thing", "cat", 1.0, 0, "recommendation", soft=soft, hard=hard,
                         influence=infl, honesty=honesty(np.array(soft), np.array(infl)), planted=planted)
    res = Explanation("target-soft", "d", "u1", n + 300, history(n), n, "target", "soft", [rec], explained_by="")
    return rec, res


# --- widgets bound to what they show ---------------------------------------------------------------

def test_see_why_select_is_keyed_by_the_user_so_it_shows_the_new_users_items(library):  # noqa: F811
    at = open_page("pages/explain.py", model_path=library["target-soft"], user_id="5")
    box = widget(at, "selectbox", "_explain_why")
    box.set_value(2).run()
    before_key, before = box.key, box.options
    at.text_input(key="_explain_user").set_value("17").run()
    assert not at.exception
    box = widget(at, "selectbox", "_explain_why")
    assert box.key != before_key and box.options != before  # a new widget for another user's list
    assert box.value == 0 and box.options[0].startswith("1. ")


# --- tables -----------------------------------------------------------------------------------------

def test_history_table_lists_the_most_recent_item_first():
    _, res = explanation([0.7, 0.2, 0.1], [0.5, 0.1, 0.2])
    frame = ev.history_frame(res)
    assert frame["Steps back"].tolist() == [1, 2, 3]
    assert frame["Title"].tolist() == ["Item 0002 Model X2", "Item 0001 Model X1", "Item 0000 Model X0"]


# --- the default "See why" chart shows what the words talk about -------------------------------------

def test_default_why_chart_includes_the_items_the_words_name():
    n = 30
    infl = [float(n - i) for i in range(n)]  # item 0 most influential, item 29 least
    soft = [0.5 / (n - 2)] * n
    soft[29], soft[0] = 0.3, 0.2  # attention's top item is the least influential one
    trigger = PlantedCause("27", "Item 0027 Model X27", position=27, steps_back=3, soft_weight=soft[27],
                           hard_hit=False)
    rec, res = explanation(soft, infl, planted=trigger)
    named = " ".join(c.text for c in attention_claims(rec, res))
    assert "Item 0029 Model X29" in named and "Item 0000 Model X0" in named
    fig = why_view.why_chart(rec, res, show_all=False)
    hover = " ".join(fig.data[0].customdata)
    for title in ("Item 0029 Model X29", "Item 0000 Model X0", "Item 0027 Model X27"):
        assert title in hover, title
    assert len(fig.data[0].y) <= 15  # still a short chart, not the whole history


def test_history_caption_counts_carry_thousands_separators():
    _, res = explanation([1 / 1200] * 1200, [float(i) for i in range(1200)])
    caption = ev.history_caption(res)
    assert "1,200" in caption and "1,500" in caption  # shown and total (n + 300)


# --- interesting users of several kinds -------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_model(library):  # noqa: F811
    return open_model(library["target-soft"])


def test_interesting_users_mix_kinds_and_each_kind_is_true(sample_model):
    data = sample_model.data
    planted = planted_map(data, load_dataset("sample").items)
    users = interesting_users(data, planted, loaded=sample_model)
    kinds = [u.kind for u in users]
    assert len(users) == 8 and len(set(u.user_id for u in users)) == 8
    assert {"follow-up due", "attention vs removal"} <= set(kinds)
    assert {"taste", "popularity"} & set(kinds)
    assert all(u.why.startswith(u.kind) for u in users)  # the label names the kind
    follow = {fu: t for fu, t in planted.items()}
    index = {str(uid): i for i, uid in enumerate(data.user_ids)}
    for u in users:
        seq = data.seq(index[u.user_id]).tolist()
        if u.kind == "follow-up due":  # a trigger among the last 10 whose follow-up never came
            assert any(f not in seq for t in seq[-10:] for f, trig in follow.items() if trig == t)
        elif u.kind in ("taste", "popularity"):
            causes = data.causes[data.offsets[index[u.user_id]]:data.offsets[index[u.user_id] + 1]][-10:]
            word = "taste" if u.kind == "taste" else "popular"
            assert sum(c == word for c in causes) >= 6
        else:  # attention's top item is not what the removal test finds for the top recommendation
            top = explain_user(sample_model, u.user_id, k=1).recommendations[0]
            assert not top.honesty.agree


def test_interesting_users_without_planted_truth_still_mix_kinds(sample_model):
    data = prepare(load_dataset("sample"))
    users = interesting_users(data, {}, loaded=sample_model)
    assert len(users) == 8
    assert len({u.kind for u in users}) >= 2
