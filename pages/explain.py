"""Explain: for one user, the top-K recommendations and the history items behind each of them, seen
through soft and hard attention side by side, with a check of whether that attention is honest;
what-if editing of the history, and exports (JSON, CSV, HTML report)."""
import streamlit as st

from ui import explain_view as ev
from ui import measured_view, model_pick, ratings_view, user_pick, whatif_view, why_view
from ui.frame import require_frame
from ui.state import friendly, loaded_model, model_meta
from ui.urls import share_params, show_url_notice

require_frame()

st.title("Explain")
st.caption("Which past interactions drove each recommendation, and does attention tell the truth about it?")
show_url_notice()

spec = st.session_state.get("dataset_spec", "sample")
entries = model_pick.models_on(spec)
options = model_pick.model_options(spec, entries)
if not options:
    st.info("No model is trained on this dataset yet. Train one (about a minute on the embedded shop), or pick "
            "another dataset.", icon=":material/model_training:")
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    st.stop()

with st.sidebar:
    path = model_pick.choose_model(options, entries)
    hard_path = model_pick.choose_hard_model(options, path)
    k = st.slider("Recommendations (K)", 1, 30, 10, key="_explain_k")
if friendly(loaded_model, path) is None:
    st.stop()
meta = model_meta(path)
model_pick.model_card(meta)

user_id = user_pick.choose_user(path, "explain")
res = friendly(ev.explain, path, user_id, k) if user_id else None
if res is None:
    st.stop()
share_params(res.user_id)
data = loaded_model(path).data

history, recs = st.columns(2, gap="medium")
with history:
    st.subheader(f"User {res.user_id}: history")
    st.caption(ev.history_caption(res))
    st.dataframe(ev.history_frame(res, data), hide_index=True, height=360,
                 column_config={"Steps back": st.column_config.NumberColumn("Back", width=50),
                                "Title": st.column_config.TextColumn(width="medium")})
with recs:
    st.subheader(f"Top {len(res.recommendations)} recommendations")
    st.caption(f"Explained by {res.explained_by}.")
    predicted = friendly(ratings_view.predicted_ratings, path, res) or {}
    st.dataframe(ev.recommendations_frame(res, predicted), hide_index=True, height=360,
                 column_config={"#": st.column_config.NumberColumn(width=40),
                                "Score": st.column_config.NumberColumn(format="%.3f", width=60)})

st.subheader("Attention: soft and hard, side by side")
recommended = res.recommendations
# The hard-trained model scores this model's recommendations, so its map has the same rows in the same order.
hard_res = (friendly(ev.explain, hard_path, res.user_id, 1, tuple(r.item_id for r in recommended))
            if hard_path else None)
ev.attention_maps(res, hard_res and ev.same_rows(hard_res, res), hard_trained=meta.hard_trained)

st.subheader("See why")
why_view.follow_list("_explain_why", [r.item_id for r in recommended])
j = st.selectbox("Why does the model recommend…", range(len(recommended)), key="_explain_why",
                 format_func=lambda j: f"{j + 1}. {recommended[j].title}")
why_view.explain_one(recommended[j], res, "why")
measured_view.measured(path, res, recommended[j], k, "why")

st.subheader("Why not …?")
why_view.why_not(path, res, k, data)

st.subheader("What if the history were different?")
whatif_view.what_if_editor(path, res, k)

st.subheader("Take it with you")
whatif_view.exports(res, meta)
