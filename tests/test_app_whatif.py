"""What-if editing and exports on the Explain page (AppTest, the shipped target-soft on the embedded
shop): removing a history item with the controls re-ranks the list exactly as the core does on the
edited history, the edit goes into the link and comes back from it, Reset clears it, and the export
buttons carry the numbers the page shows."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from recsys_core.explain.whatif import what_if
from recsys_core.store.opened import open_model
from ui.keys import widget

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
MODEL = REPO / "sample_data" / "models" / "target-soft" / "model.pt"
USER = "42"


@pytest.fixture
def at(app_dirs):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["model_path"] = str(MODEL)
    at.session_state["user_id"] = USER
    at.switch_page("pages/explain.py")
    return at.run()


def _moves(at):
    frames = [t.value for t in at.table if "Moved" in t.value.columns]
    return frames[0].reset_index() if frames else None


def test_removing_an_item_reranks_as_the_core_does_and_reset_clears_it(at):
    assert not at.exception and _moves(at) is None
    widget(at, "selectbox", "_whatif_remove").set_value(1)
    widget(at, "button", "_whatif_remove_go").click().run()
    assert not at.exception
    shown = _moves(at)
    assert shown is not None and at.query_params["edit"] in ("-1", ["-1"])
    core = what_if(open_model(str(MODEL)), USER, "-1", k=10)
    assert list(shown["Recommendation"]) == [m.title for m in core.moves]
    assert list(shown["Now"]) == [f"#{i}" for i in range(1, 11)] + ["—"] * (len(core.moves) - 10)
    assert any(m.arrow != "=" for m in core.moves)  # the edit changed something the page shows
    widget(at, "button", "_whatif_reset").click().run()
    assert _moves(at) is None and "edit" not in at.query_params


def test_a_link_with_an_edit_opens_it(app_dirs):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["user"] = USER
    at.query_params["edit"] = "-1,-1"
    at.session_state["model_path"] = str(MODEL)
    at.switch_page("pages/explain.py")
    at.run()
    assert not at.exception
    shown = _moves(at)
    core = what_if(open_model(str(MODEL)), USER, "-1,-1", k=10)
    assert shown is not None and list(shown["Recommendation"]) == [m.title for m in core.moves]


def test_the_export_buttons_are_offered(at):
    """Their contents are the core's exports (tests/test_export.py); tests/test_whatif_browser.py downloads one."""
    labels = {b.label for b in at.get("download_button")}
    assert {"Explanation as JSON", "As CSV (one row per item pair)", "HTML report (opens offline)"} <= labels
