"""The Patterns page (AppTest) and the `patterns` command: the page renders every family without an
exception, says plainly when a model has no attention or no item embeddings instead of drawing empty
charts, computes a model's population once (a second visit does not compute again), and the command's
JSON and HTML carry the core's numbers; bad input is one line with a fix."""
import json

import pytest
from app_pages import APP
from streamlit.testing.v1 import AppTest

import ui.patterns_view as view
from recsys_core.cli.main import main
from recsys_core.store.library import SHIPPED_DIR
from ui.keys import keyed

USERS = 80  # a seeded sample keeps the page quick


def open_patterns(name: str) -> AppTest:
    path = f"{SHIPPED_DIR}/{name}/model.pt"
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["model_path"] = path
    at.session_state[keyed("_patterns_users", path)] = USERS
    at.run()
    at.switch_page("pages/patterns.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    return "\n".join(x.value for kind in (at.success, at.info, at.warning, at.caption, at.markdown) for x in kind)


def test_the_page_computes_once_and_names_what_drives_recommendations(monkeypatch, app_dirs):
    calls = []
    real = view.patterns
    monkeypatch.setattr(view, "patterns", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    at = open_patterns("target-soft")
    said = texts(at)
    assert "What drives recommendations most" in said and "because-of pairs are the shop's planted" in said
    assert f"a seeded sample of {USERS} of the 1,240 users" in said
    assert len(at.get("plotly_chart")) >= 5  # flows, look-back, trust, three slices, item map
    assert len(at.radio(key="_patterns_flow_by").options) == 2  # influence and attention
    at.run()  # the same model and users again: from the cache
    assert not at.exception and len(calls) == 1
    # The item map: picking an item lists its nearest items, as the core computes them.
    path = f"{SHIPPED_DIR}/target-soft/model.pt"
    box = at.selectbox(key=keyed("_patterns_item_box", path))
    first = box.options[0]  # the most interacted item, by title
    box.select_index(0).run()
    assert not at.exception
    from recsys_core.population.itemmap import nearest_items
    from recsys_core.store.opened import open_model
    loaded = open_model(path)
    item = next(str(loaded.data.item_ids[i]) for i in range(1, loaded.data.n_items + 1)
                if str(loaded.data.titles[i]) == first)
    want = [x.title for x in nearest_items(loaded.model, loaded.data, item)]
    shown = next(d.value for d in at.dataframe if "Cosine" in d.value.columns)
    assert list(shown["Item"]) == want and len(want) == 10


@pytest.mark.parametrize("name,says", [("popular", ["has no attention", "does not drive this model",
                                                    "no item embeddings"]),
                                       ("mean", ["only uniform attention weights"])])
def test_a_model_without_attention_is_said_plainly(app_dirs, name, says):
    at = open_patterns(name)
    said = texts(at)
    for words in says:
        assert words in said, said
    assert not [r for r in at.radio if r.key == "_patterns_flow_by" and len(r.options) > 1]  # no attention view
    if name == "popular":  # nothing depends on the history: no flow matrix, no look-back curves
        titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
        assert not [t for t in titles if "category →" in t or "how far back" in t], titles


def test_a_self_attention_model_gets_its_layers(app_dirs):
    at = open_patterns("self-soft")
    charts = at.get("plotly_chart")
    assert any("each layer" in json.loads(c.proto.spec)["layout"]["title"]["text"] for c in charts)


MODEL = f"{SHIPPED_DIR}/target-hard"


def test_cli_json_and_html(capsys, tmp_path):
    html = tmp_path / "patterns.html"
    assert main(["patterns", "--model", MODEL, "--users", "60", "--json", "--html", str(html)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["users"] == 60 and doc["population"] == 1240 and doc["sample"] and doc["k"] == 10
    assert doc["precision"]["k"] == 20 and doc["precision"]["hits"] == sum(p["planted"] for p in doc["pairs"][:20])
    assert [p["influence"] for p in doc["pairs"]] == sorted((p["influence"] for p in doc["pairs"]), reverse=True)
    assert any(c["kind"] == "drivers" for c in doc["claims"])
    page = html.read_text()
    assert "<script" not in page.lower() and "http" not in page.lower()  # opens offline
    assert doc["pairs"][0]["title"] in page and doc["claims"][0]["text"].split("*")[0] in page


@pytest.mark.parametrize("argv", [["--users", "0"], ["-k", "0"], ["--explainers", "shap"]])
def test_cli_bad_input_is_one_line(capsys, argv):
    assert main(["patterns", "--model", MODEL] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Fix:" in err


def test_cli_missing_model_is_one_line(capsys, tmp_path):
    assert main(["patterns", "--model", str(tmp_path / "nope")]) == 2
    assert "\n" not in capsys.readouterr().err.strip()


def own_data(folder, categories: bool):
    """A user's own shop: 40 users x 8 interactions over 20 items, with a catalogue whose categories are
    partly blank (or no catalogue at all), and a target model trained on it in the library."""
    from recsys_core.data.preprocess import prepare
    from recsys_core.data.registry import load_dataset
    from recsys_core.models.config import ModelConfig
    from recsys_core.store.library import library_dir
    from recsys_core.training.config import TrainConfig
    from recsys_core.training.run import train_and_save
    folder.mkdir()
    rows = [f"u{u},i{1 + (u * 3 + k * 7) % 20},{1000 + k}" for u in range(40) for k in range(8)]
    (folder / "interactions.csv").write_text("user_id,item_id,timestamp\n" + "\n".join(rows) + "\n")
    if categories:
        (folder / "items.csv").write_text("item_id,title,category\n" + "\n".join(
            f"i{i},Thing {i},{['Tools', 'Garden', ''][i % 3]}" for i in range(1, 21)) + "\n")
        spec = str(folder)
    else:
        spec = str(folder / "interactions.csv")
    data = prepare(load_dataset(spec))
    train_and_save(data, ModelConfig(arch="target", dim=8, max_len=10), TrainConfig(epochs=1, seed=0),
                   f"{library_dir()}/mine", spec)
    return spec, f"{library_dir()}/mine/model.pt"


@pytest.mark.parametrize("categories", [True, False])
def test_own_data_with_and_without_categories(app_dirs, tmp_path, categories):
    spec, path = own_data(tmp_path / "shop", categories)
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["dataset_spec"] = spec
    at.run()
    at.switch_page("pages/patterns.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = texts(at)
    assert "What drives recommendations most" in said or "does not drive this model" in said
    assert "Over all 40 users" in said
    flows = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
             if "category →" in json.loads(c.proto.spec)["layout"]["title"]["text"]]
    if categories:
        assert flows and "(no category)" in flows[0]["data"][0]["x"]  # blank categories are said, not dropped
    else:
        assert not flows and "This catalogue has no categories" in said


def test_every_model_on_the_dataset_side_by_side(app_dirs):
    """Trust per model and family: the table lists every shipped model, attention's agreement where the
    model has attention that singles out items, and the planted precision@20 each reaches."""
    at = open_patterns("target-soft")
    at.toggle(key="_patterns_every").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "Family" in d.value.columns).set_index("Model")
    assert {"target-soft", "self-soft", "mean", "popular"} <= set(table.index)
    assert table.loc["target-soft", "Family"] == "target" and table.loc["self-soft", "Family"] == "self"
    assert table["Attention's top = removal's top"].isna().loc[["mean", "popular"]].all()
    assert table.loc["target-hard", "Attention's top = removal's top"].endswith("%)")
