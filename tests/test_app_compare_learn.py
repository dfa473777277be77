"""The Compare and Learn pages through AppTest: Compare lists metrics of the chosen models (baselines
included) with one heatmap per model on the same scale; Learn's weights follow its sliders."""
import json

import pytest
from app_pages import open_page


def test_compare_shows_metrics_and_heatmaps(library):  # noqa: F811
    at = open_page("pages/compare.py")
    assert not at.error
    chooser = at.multiselect(key="_compare_models")
    chooser.set_value(list(library.values())).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"target-soft", "target-hard", "self-soft", "popular", "mean"} <= set(table["Model"])
    assert {"NDCG@10 · full", "NDCG@10 · sampled", "HR@10 · full"} <= set(table.columns)
    assert table.loc[table["Model"] == "mean", "NDCG@10 · full"].item() == pytest.approx(0.05)
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    bars, heatmaps = specs[0], specs[1:]
    assert [t["name"] for t in bars["data"]] == ["full ranking", "sampled ranking"]
    assert len(heatmaps) == 4  # every model but popular, which has no attention
    assert {(h["data"][0]["zmin"], h["data"][0]["zmax"]) for h in heatmaps} == {(0, 1)}
    assert any("no attention" in m.value.lower() for m in at.info)


def test_charts_come_in_the_apps_own_look_not_the_browsers_theme(library):  # noqa: F811
    """Streamlit's chart theme is applied in the browser on every redraw (about 100 ms of a user switch, measured
    in bench_browser_profile.py); the app sets the same look on the server instead, on every page's charts."""
    for page, state in (("pages/explain.py", {"model_path": library["target-soft"]}), ("pages/learn.py", {}),
                        ("pages/compare.py", {})):
        at = open_page(page, **state)
        if page.endswith("compare.py"):
            at.multiselect(key="_compare_models").set_value([library["target-soft"], library["mean"]]).run()
        drawn = at.get("plotly_chart")
        assert drawn, page
        for el in drawn:
            layout = json.loads(el.proto.spec)["layout"]
            assert el.proto.theme == "", (page, el.proto.id)  # no theme for the browser to apply
            assert "Source Sans" in layout["template"]["layout"]["font"]["family"], (page, el.proto.id)
            assert layout["template"]["layout"]["paper_bgcolor"] == "#FFFFFF"


def test_compare_follows_the_user(library):  # noqa: F811
    at = open_page("pages/compare.py", user_id="12")
    at.multiselect(key="_compare_models").set_value([library["target-soft"], library["mean"]]).run()
    assert at.text_input(key="_compare_user").value == "12"
    assert len(at.get("plotly_chart")) == 3
    at.slider(key="_compare_k").set_value(3).run()
    heat = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert len(heat["data"][0]["z"]) == 3


def weights(at) -> list[float]:
    table = next(d.value for d in at.dataframe if "Weight" in d.value.columns)
    return table["Weight"].tolist()


def test_learn_weights_follow_the_temperature():
    at = open_page("pages/learn.py")
    warm = weights(at)
    assert sum(warm) == pytest.approx(1, abs=1e-2) and max(warm) < 0.5
    at.select_slider(key="_learn_temperature").set_value(0.05).run()
    cold = weights(at)
    assert cold != warm and max(cold) > 0.95
    assert len(at.latex) >= 8


def test_learn_variants_window_and_heads():
    at = open_page("pages/learn.py")
    at.radio(key="_learn_variant").set_value("hard").run()
    assert sorted(weights(at)) == [0, 0, 0, 0, 1]
    at.toggle(key="_learn_gumbel").set_value(True).run()
    assert not at.exception and sorted(weights(at)) == [0, 0, 0, 0, 1]
    at.radio(key="_learn_variant").set_value("sparsemax").run()
    assert 0 in weights(at)
    at.radio(key="_learn_variant").set_value("soft").run()
    at.slider(key="_learn_window").set_value(2).run()
    assert weights(at)[:3] == [0, 0, 0]
    at.radio(key="_learn_heads").set_value(2).run()
    table = next(d.value for d in at.dataframe if "Weight (head 2)" in d.value.columns)
    assert table["Weight (head 1)"].sum() == pytest.approx(1, abs=1e-2)
    assert not at.exception
