"""The Explain page through AppTest: it opens on a default model and user, its heatmaps carry the
user's history titles on one shared scale, and users, models and "why not X?" can be picked.

Models are untrained checkpoints written into a temporary library (ATTENTION_LENS_MODELS), so the
tests take seconds and never touch the user's own library; shipped models, when present, are
listed beside them.
"""
import json

from app_pages import charts, every_map, hard_map_control, history_titles, open_page, said

from ui.keys import widget


def test_opens_with_a_default_model_and_user(library):
    at = open_page("pages/explain.py")
    assert not at.error
    assert at.session_state["model_path"]  # a model was chosen on first open
    assert at.session_state["user_id"]
    assert at.selectbox(key="_explain_model").value == at.session_state["model_path"]
    assert at.slider(key="_explain_k").value == 10
    assert at.text_input(key="_explain_user").value == at.session_state["user_id"]
    assert at.query_params["user"] == at.session_state["user_id"]  # a shareable link


def test_heatmaps_show_history_titles_on_one_scale(library):
    at = open_page("pages/explain.py", model_path=library["target-soft"])
    first = charts(at)
    assert "heat_soft" in first and ("heat_hard_trained" in first) != ("heat_hard" in first)  # one hard map at a time
    assert "heat_hard_trained" in first  # the hard-trained partner's first
    specs = every_map(at)
    assert {"heat_soft", "heat_hard", "heat_hard_trained"} <= specs.keys()
    titles = history_titles(at)
    assert titles
    for key in ("heat_soft", "heat_hard", "heat_hard_trained"):
        text = json.dumps(specs[key]["data"][0]["text"], ensure_ascii=False)
        assert all(t in text for t in titles), key
        trace = specs[key]["data"][0]
        assert (trace["zmin"], trace["zmax"]) == (0, 1)
        assert trace["colorscale"] == specs["heat_soft"]["data"][0]["colorscale"]
        assert len(trace["z"]) == 10 and len(trace["z"][0]) == len(titles)
    hard = specs["heat_hard"]["data"][0]["z"]
    assert all(sorted(row)[-1] == 1 and sum(row) == 1 for row in hard)  # one pick per row
    assert len(at.dataframe) >= 5  # recommendations, the full list, the map tables and the history
    for key in ("heat_soft", "heat_hard", "heat_hard_trained"):  # every map carries its own colour bar
        assert specs[key]["data"][0]["showscale"] and "weight" in specs[key]["data"][0]["colorbar"]["title"]["text"]


def test_pick_user_by_id_random_and_interesting(library):
    at = open_page("pages/explain.py", model_path=library["target-soft"])
    at.text_input(key="_explain_user").set_value("5").run()
    assert not at.exception and at.session_state["user_id"] == "5"
    assert "User 5: top 10" in said(at)
    at.button(key="_explain_random").click().run()
    assert not at.exception and at.session_state["user_id"]
    pick = at.selectbox(key="_explain_interesting")
    second = pick.options[1].split(" · ")[0]  # options read "<user id> · <why>"
    pick.set_value(second).run()
    assert not at.exception and at.session_state["user_id"] == second
    widget(at, "text_input", "_explain_item_q").set_value("Tablet").run()
    users = widget(at, "selectbox", "_explain_item_user")
    users.set_value(users.options[0]).run()
    assert not at.exception and at.session_state["user_id"] == users.options[0]


def test_unknown_user_is_a_friendly_error(library):
    at = open_page("pages/explain.py", model_path=library["target-soft"], user_id="no-such-user")
    assert not at.exception
    assert "not in dataset" in at.error[0].value


def test_see_why_and_why_not(library):
    at = open_page("pages/explain.py", model_path=library["target-soft"])
    widget(at, "selectbox", "_explain_why").set_value(2).run()
    assert "why_bars" in charts(at)
    why = [d.value for d in at.dataframe if "Score drop when removed" in d.value.columns]
    assert why and "Contribution to score" in why[0].columns  # target models: exact share of the score
    words = " ".join(m.value for m in [*at.success, *at.warning, *at.info])
    assert "Attention points most at" in words or "spread evenly" in words
    widget(at, "text_input", "_explain_whynot_q").set_value("Lens").run()
    assert not at.exception
    picked = widget(at, "selectbox", "_explain_whynot_item")
    assert picked.value is not None
    if "heat_whynot" in charts(at):  # an item outside the list: its own attention row
        assert "why not" in json.dumps(charts(at)["heat_whynot"]["layout"]["yaxis"]["ticktext"])
    assert any("ranks" in m.value or "already" in m.value for m in [*at.warning, *at.success, *at.info])


def test_self_attention_shows_layers_and_heads(library):
    at = open_page("pages/explain.py", model_path=library["self-soft"])
    specs = charts(at)
    assert {"heat_soft", "layers_last_rows", "layers_full_map"} <= specs.keys()
    assert len(specs["layers_last_rows"]["data"][0]["z"]) == 2  # 1 layer x 2 heads


def test_baselines_explain_without_crashing(library):
    at = open_page("pages/explain.py", model_path=library["popular"], hard_model_path="")
    assert not at.error
    assert any("no attention" in m.value for m in at.info)
    at = open_page("pages/explain.py", model_path=library["mean"], hard_model_path="")
    assert not at.error and "heat_soft" in charts(at)


def test_switching_model_keeps_the_user(library):
    at = open_page("pages/explain.py", model_path=library["target-soft"], user_id="7")
    at.selectbox(key="_explain_model").set_value(library["target-hard"]).run()
    assert not at.exception
    assert at.session_state["model_path"] == library["target-hard"]
    assert at.session_state["user_id"] == "7"
    assert "pre-argmax" in charts(at)["heat_soft"]["layout"]["title"]["text"]


def test_the_hard_map_pick_belongs_to_the_model_pair_and_survives_a_user_switch(library):
    """One hard map at a time: the pick stays while the user changes, and another model starts from its
    own first map (the hard-trained partner's) instead of carrying the last model's choice."""
    at = open_page("pages/explain.py", model_path=library["target-soft"], user_id="7")
    hard_map_control(at).set_value("heat_hard").run()  # this model's own argmax
    assert "heat_hard" in charts(at) and "heat_hard_trained" not in charts(at)
    at.text_input(key="_explain_user").set_value("5").run()
    assert not at.exception and "heat_hard" in charts(at) and "heat_hard_trained" not in charts(at)
    assert "user 5 " in charts(at)["heat_hard"]["layout"]["title"]["text"]
    at.selectbox(key="_explain_model").set_value(library["self-soft"]).run()
    assert not at.exception
    assert hard_map_control(at).value == "heat_hard_trained" and "heat_hard_trained" in charts(at)


def test_measuring_on_the_model_is_on_request_and_says_what_the_report_says(library):
    """The measured view (every explainer, the counterfactual) costs several times the rest of the page:
    it runs when asked, stays on from user to user, and shows the `explain` report's own claims."""
    from recsys_core.explain.report import explain_item
    from recsys_core.store.opened import open_model
    at = open_page("pages/explain.py", model_path=library["target-soft"])
    assert "Measured on the model" not in said(at)
    assert not any("Top item" in d.value.columns for d in at.dataframe)  # no every-explainer table yet
    at.toggle(key="_measure_every").set_value(True).run()
    assert not at.exception
    assert "Measured on the model" in said(at)
    table = next(d.value for d in at.dataframe if "Top item" in d.value.columns)
    assert "random" in table["Explainer"].tolist()
    loaded = open_model(library["target-soft"])
    user = at.session_state["user_id"]
    shown = [m.value for m in [*at.success, *at.warning, *at.info, *at.markdown]]
    first = widget(at, "selectbox", "_explain_why")
    item_title = first.options[first.index].split(". ", 1)[1]
    item_id = next(str(i) for i, t in zip(loaded.data.item_ids, loaded.data.titles) if str(t) == item_title)
    report = explain_item(loaded, user, item_id=item_id, top_k=10)
    assert all(c.text in shown for c in report.claims if not c.detail) and report.claims
    other = next(str(u) for u in loaded.data.user_ids if str(u) != user)
    at.text_input(key="_explain_user").set_value(other).run()
    assert at.toggle(key="_measure_every").value and "Measured on the model" in said(at)
    at.switch_page("pages/data.py").run()  # another page and back: the switch is still on
    at.switch_page("pages/explain.py").run()
    assert at.toggle(key="_measure_every").value and "Measured on the model" in said(at)
