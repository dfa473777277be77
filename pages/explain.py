"""Explain: for one user, the top-K recommendations and the history items behind each of them, seen
through soft and hard attention side by side, with a check of whether that attention is honest."""
import streamlit as st

from ui import explain_view as ev
from ui import model_pick, user_pick, why_view
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
    shown = len(res.history)
    st.caption(f"The {shown} most recent of {res.history_total} interactions, oldest first: what the model reads."
               if shown < res.history_total else f"All {shown} interactions, oldest first.")
    st.dataframe(ev.history_frame(res, data), hide_index=True, height=360,
                 column_config={"Steps back": st.column_config.NumberColumn("Back", width=50),
                                "Title": st.column_config.TextColumn(width="medium")})
with recs:
    st.subheader(f"Top {len(res.recommendations)} recommendations")
    st.caption(f"Explained by {res.explained_by}.")
    st.dataframe(ev.recommendations_frame(res), hide_index=True, height=360,
                 column_config={"#": st.column_config.NumberColumn(width=40),
                                "Score": st.column_config.NumberColumn(format="%.3f", width=60)})

st.subheader("Attention: soft and hard, side by side")
hard_res = friendly(ev.explain, hard_path, res.user_id, k) if hard_path else None
ev.attention_maps(res, hard_res, hard_trained=meta.hard_trained)

st.subheader("See why")
recommended = res.recommendations
j = st.selectbox("Why does the model recommend…", range(len(recommended)), key="_explain_why",
                 format_func=lambda j: f"{j + 1}. {recommended[j].title}")
why_view.explain_one(recommended[j], res, "why")

st.subheader("Why not …?")
ev.why_not(path, res, k, data)
