"""Claims: every sentence is generated from typed facts, says which map and which measure it means, and
the checker catches a sentence whose words or numbers its facts do not support. Each case below was a
sentence the pages showed before (issue 21), written here as the facts behind it."""
import numpy as np
import pytest

from recsys_core.claims import facts
from recsys_core.claims.edits import edit_claims, training_claim
from recsys_core.claims.facts import Claim, Correlation, TopWeight, TrainingRun
from recsys_core.claims.recommendation import attention_claims, planted_claim, why_not_claims
from recsys_core.claims.verify import text_problems
from recsys_core.explain.explanation import Explanation, HistoryItem, PlantedCause, Recommendation
from recsys_core.explain.honesty import honesty

TITLES = ["Camp Chair V460", "Dome Tent L960", "Ukulele G270", "Water Filter X820"]


def history(n: int) -> list[HistoryItem]:
    return [HistoryItem(str(i), TITLES[i] if n <= 4 else f"Item {i:04d} Model X{i}", "cat", i, n - i)
            for i in range(n)]


def rec(soft, infl, planted=None, hard=None, item="r1") -> Recommendation:
    if hard is None:
        hard = [0.0] * len(soft)
        hard[int(np.argmax(soft))] = 1.0
    return Recommendation(item, "Rain Fly for Dome Tent L960", "cat", 1.0, 0, "recommendation", soft=soft, hard=hard,
                          influence=infl, honesty=honesty(np.array(soft), np.array(infl)), planted=planted)


def explanation(recs, n, model="target-soft", attention="soft") -> Explanation:
    return Explanation(model, "d", "u1", n + 300, history(n), n, "target", attention, recs, explained_by="")


def assert_clean(claims):
    for c in claims:
        assert text_problems(c) == [], c.text


def test_a_clean_case_is_a_green_box_about_the_top_item_and_the_statistics_wait_behind_an_expander():
    """User 47's camera -> lens: the top item is what the score rests on, the small weights order the rest
    the other way. Before: a yellow "do not read the weights as importance"; "agree" beside rho = -0.81."""
    soft, infl = [0.5, 0.01, 0.02, 0.04, 0.08, 0.15, 0.2], [0.9, 0.8, 0.7, 0.5, 0.3, 0.2, 0.1]
    r = rec(soft, infl)
    assert r.honesty.agree and r.honesty.spearman < 0
    main, stats = attention_claims(r, explanation([r], 7))
    assert main.tone == "success" and not main.detail and "agree" not in main.text
    assert "attention's top item is the item the score rests on" in main.text
    assert stats.detail and "opposite orders" in stats.text and "agree" not in stats.text
    assert_clean([main, stats])


def test_when_attention_points_elsewhere_the_words_say_to_believe_the_removal_test_with_separators():
    n = 1200
    infl = [float(n - i) for i in range(n)]
    soft = [0.5 / (n - 1)] * n
    soft[1049] = 0.5  # attention's top item is #1,050 by the removal test
    r = rec(soft, infl)
    main = attention_claims(r, explanation([r], n))[0]
    assert main.tone == "warning" and "Believe the removal test" in main.text
    assert "#1,050 of 1,200 by the removal test" in main.text
    assert_clean([main])


def test_the_planted_claim_names_each_hard_map_it_talks_about():
    """User 993: "Hard attention picks it too" meant this model's argmax while the hard tab beside it (the
    hard-trained target-hard) picked Camp Chair V460."""
    trigger = PlantedCause("1", "Dome Tent L960", position=1, steps_back=3, soft_weight=0.66, hard_hit=True)
    mine = rec([0.1, 0.66, 0.14, 0.1], [0.1, 2.5, 0.2, 0.1], planted=trigger)
    partner = rec([0.5, 0.3, 0.1, 0.1], [0, 0, 0, 0], hard=[1.0, 0.0, 0.0, 0.0])
    c = planted_claim(mine, explanation([mine], 4), partner, explanation([partner], 4, "target-hard", "hard"))
    assert "The hard-trained model `target-hard` picks *Camp Chair V460* (4 items back) instead." in c.text
    assert "This model's argmax picks it too." in c.text
    assert c.tone == "warning"  # the hard tab shown first is the hard-trained model's, and it misses
    assert_clean([c])
    wrong = Claim(c.kind, c.tone, c.text.replace("picks *Camp Chair V460* (4 items back) instead", "picks it too"),
                  c.facts)
    assert any("target-hard" in p for p in text_problems(wrong))


def test_the_checker_refuses_numbers_and_words_the_facts_do_not_support():
    fact = TopWeight("m", "soft", "r1", 3, 0.66)
    ok = Claim("x", "info", "Attention points at *Lens 70-200* (3 items back), weight 0.660.", (fact,))
    assert text_problems(ok) == []  # digits inside a title are not numbers the claim cites
    bad = Claim("x", "info", "Attention points at *Lens* (4 items back), weight 0.660.", (fact,))
    assert any("4" in p for p in text_problems(bad))
    agree = Claim("correlation", "info", "Attention and removal agree (ρ = -0.81).", (Correlation("r1", -0.81, 7),))
    assert any("agree" in p for p in text_problems(agree))
    assert any("success box" in p for p in text_problems(
        Claim("attention-vs-removal", "success", "Attention points most at *X*.", (fact,))))


def test_a_run_at_its_time_limit_never_reads_stopped_early():
    run = dict(seconds=118.2, best_epoch=13, stopped="time", stop_metric="ndcg@10", validation_seconds=9.0,
               evaluation_seconds=2.0, max_seconds=120)
    c = training_claim(run)
    assert "stopped at the time limit" in c.text and "early" not in c.text and "120 s limit" in c.text
    assert text_problems(c) == []
    lie = Claim("training", "success", c.text.replace("stopped at the time limit", "stopped early: validation "
                "NDCG@10 stopped improving"), (TrainingRun(**run),))
    assert text_problems(lie)


def test_an_edit_says_what_it_did_to_which_item():
    hist = ["a", "b", "c"]
    said = [c.text for c in edit_claims(hist, "-1,+z,2>1", {"a": "Tablet N400", "c": "Flash Speedlight L10",
                                                            "z": "Lens Hood"})]
    assert said == ["Removed *Flash Speedlight L10* (1 back).", "Added *Lens Hood* as the most recent item.",
                    "Moved *item b* from 2 back to 1 back."]  # a title the catalogue lacks is named by its id


def test_why_not_an_item_the_user_has_is_one_line_and_nothing_else():
    r = rec([0.5, 0.5], [0.1, 0.2])
    said = why_not_claims(r, explanation([r], 2), in_history=True, n_items=354)
    assert len(said) == 1 and "already in this user's history" in said[0].text


@pytest.mark.parametrize("drop,words", [(0.4, "lowers it by 0.400"), (-0.2, "raises it by 0.200")])
def test_removing_attentions_item_is_said_as_it_moves_the_score(drop, words):
    soft, infl = [0.7, 0.2, 0.1], [drop, 0.9, 0.1]
    r = rec(soft, infl)
    assert words in attention_claims(r, explanation([r], 3))[0].text



def test_a_title_with_asterisks_and_a_year_is_a_name_not_a_number():
    # "M*A*S*H (1970)" in ml-100k: its asterisks must not end the name early, its year is not a claimed number
    fact = facts.HistoryItem("70", "M*A*S*H (1970)", 8)
    ok = Claim("attention-vs-removal", "info", "Removing *M*A*S*H (1970)* (8 items back) lowers this score the most.",
               (fact,))
    assert text_problems(ok) == []
    wrong = Claim("attention-vs-removal", "info", "Removing *M*A*S*H (1970)* (9 items back) lowers this score the most.",
                  (fact,))
    assert text_problems(wrong)  # a number its facts do not hold is still refused
    # A why-not sentence carries no title fact: the italics alone say where the name ends.
    assert text_problems(Claim("why-not", "info", "*M*A*S*H (1970)* is already in this user's history.", ())) == []
    assert text_problems(Claim("why-not", "info", "*M*A*S*H (1970)* is already in 1970 histories.", ()))
