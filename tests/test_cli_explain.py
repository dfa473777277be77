"""`python -m recsys_core explain` prints the core's numbers: its JSON equals explain_item's document,
bad input is one line with a fix, and `evaluate --json` carries the planted hits the core computes."""
import json

import pytest

from recsys_core.cli.main import main
from recsys_core.store.library import SHIPPED_DIR

MODEL = f"{SHIPPED_DIR}/target-soft"


def test_explain_json_matches_the_core_call(capsys):
    from recsys_core.explain.report import explain_item
    from recsys_core.store.opened import open_model
    assert main(["explain", "--model", MODEL, "--user", "4", "--explainers", "attention,occlusion,grad-input",
                 "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = explain_item(open_model(MODEL), "4", explainers=["attention", "occlusion", "grad-input"]).to_json()
    assert got["item_id"] == want["item_id"] and got["rank"] == want["rank"] and got["words"] == want["words"]
    assert got["explainers"] == ["attention", "occlusion", "grad-input"]
    for name in got["explainers"]:
        assert got["importance"][name] == pytest.approx(want["importance"][name], abs=1e-6)
    for name in [*got["explainers"], "random"]:
        for key in ("deletion_area", "insertion_area", "aopc_comprehensiveness", "aopc_sufficiency"):
            assert got["faithfulness"][name][key] == pytest.approx(want["faithfulness"][name][key], abs=1e-6)
        assert got["faithfulness"][name]["deletion"]["rank"] == want["faithfulness"][name]["deletion"]["rank"]
    assert got["counterfactual"] == want["counterfactual"]


def test_explain_text_names_the_item_and_a_why_not(capsys):
    assert main(["explain", "--model", MODEL, "--user", "4", "--item", "100", "--explainers", "occlusion"]) == 0
    out = capsys.readouterr().out
    assert "outside the top 10" in out and "counterfactual (why-not" in out


@pytest.mark.parametrize("argv", [["--explainers", "shap"], ["--user", "nobody"], ["--item", "nope"], ["-k", "0"]])
def test_bad_input_is_one_line_with_a_fix(capsys, argv):
    base = {"--user": "4"}
    args = ["explain", "--model", MODEL]
    for flag, value in base.items():
        if flag not in argv:
            args += [flag, value]
    assert main(args + argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Fix:" in err


def test_evaluate_json_has_the_planted_hits_of_the_core(capsys):
    from recsys_core.explain.planted import planted_for_model
    from recsys_core.explain.planted_hits import planted_hits
    from recsys_core.store.opened import open_model
    assert main(["evaluate", "--model", MODEL, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    loaded = open_model(MODEL)
    want = planted_hits(loaded, planted_for_model(loaded))
    assert got["planted_cause_hit@1"] == want.by_explainer["attention"].hit_at_1
    assert got["planted_cause_hit@3"] == want.by_explainer["attention"].hit_at_3
    assert got["planted_by_explainer"] == want.to_json()["by_explainer"]
    assert got["planted_cause_hit@1"] >= 0.9  # target-soft's attention finds the planted trigger


def test_evaluate_faithfulness_refuses_zero_users(capsys):
    assert main(["evaluate", "--model", MODEL, "--faithfulness", "--users", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Fix:" in err


def test_explain_edit_is_the_what_if_core_and_writes_the_exports(capsys, tmp_path):
    from recsys_core.explain.export import to_csv
    from recsys_core.explain.whatif import what_if
    from recsys_core.store.opened import open_model
    model = f"{SHIPPED_DIR}/target-soft/model.pt"
    html, table = tmp_path / "r.html", tmp_path / "r.csv"
    assert main(["explain", "--model", model, "--user", "42", "--edit=-1,-1", "--json",
                 "--html", str(html), "--csv", str(table)]) == 0
    doc = json.loads(capsys.readouterr().out)
    core = what_if(open_model(model), "42", "-1,-1", k=10)
    assert doc["what_if"]["moves"] == [vars(m) for m in core.moves]
    assert doc["item_id"] == core.after.recommendations[0].item_id  # default item: the edited top one
    assert table.read_text() == to_csv(core.after)
    assert "<table class='heat'>" in html.read_text() and "User 42" in html.read_text()
    assert main(["explain", "--model", model, "--user", "42", "--edit=-99"]) == 2
    assert "outside this history" in capsys.readouterr().err
