"""The "see why" sentences: what a product manager reads must not contradict itself."""
from recsys_core.explain.explanation import (
    Explanation,
    HistoryItem,
    Honesty,
    Recommendation,
)
from ui.why_view import honesty_words

HISTORY = [HistoryItem(str(i), title, "", i, 3 - i) for i, title in
           enumerate(["Tablet N400", "Desk Lamp D190", "Camp Chair N380"])]


def words(agree: bool, spearman: float) -> list[str]:
    rec = Recommendation("9", "Stylus", "", 1.0, 0, "recommendation", soft=[0.94, 0.03, 0.03], hard=[1.0, 0.0, 0.0],
                         influence=[3.8, -0.1, 0.2],
                         honesty=Honesty(top_attention=0, top_influence=0 if agree else 2, agree=agree, max_drop=3.8,
                                         spearman=spearman, drop_when_top_attention_removed=3.8,
                                         attention_top_influence_rank=0))
    res = Explanation("target-soft", "sample", "1", 3, HISTORY, 50, "target", "soft", [rec], explained_by="")
    return [text for _, text in honesty_words(rec, res)]


def test_agreement_on_the_top_item_with_opposite_orders_is_never_called_the_truth():
    """Issue 12: a green "attention tells the truth" box sat above "they rank them in opposite orders"."""
    said = words(agree=True, spearman=-0.62)
    assert len(said) == 1 and "tells the truth" not in said[0] and "opposite orders" in said[0]


def test_rank_correlation_reads_plainly_when_it_does_not_contradict():
    assert words(agree=True, spearman=0.8)[1].startswith("Across all 3 history items")
    assert words(agree=False, spearman=-0.62)[1].startswith("Across all 3 history items")
