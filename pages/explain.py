"""Explain: for one user, the top-K recommendations with the soft and hard attention maps beside them
(above the fold), whether that attention is honest, "why not X?", what-if editing of the history, and
exports (JSON, CSV, HTML report)."""
import streamlit as st

from ui import explain_view as ev
from ui import maps_view, measured_view, model_pick, ratings_view, user_pick, whatif_view, why_view
from ui.frame import require_frame
from ui.keys import keyed
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
data = loaded_model(path).data

user_id = user_pick.choose_user(path, "explain")
model_pick.model_line(meta)
page = friendly(ev.page_for, path, hard_path, user_id, k) if user_id else None
if page is None:
    st.stop()
res = page.expl
share_params(res.user_id)
with st.sidebar:
    st.subheader("Maps")
    window, scale = maps_view.map_options(len(res.history), keyed("_explain_window", path, res.user_id))

wide = window > ev.WIDE
top, soft, hard = st.columns([1.15, 1.3, 1.3], gap="small") if not wide else (st.container(), None, None)
with top:
    st.markdown(f"**User {res.user_id}: top {len(res.recommendations)}** · {res.history_total:,} interactions")
    predicted = friendly(ratings_view.predicted_ratings, path, res) or {}
    st.dataframe(ev.top_frame(page, predicted), hide_index=True, height=38 + 35 * min(len(res.recommendations), 10),
                 column_config={"#": st.column_config.NumberColumn(width=30),
                                "Recommendation": st.column_config.TextColumn(width=175),
                                "Score": st.column_config.NumberColumn(format="%.2f", width=50)})
if wide:
    soft, hard = st.container(), st.container()
maps_view.attention_maps(page, window, scale, soft, hard)
maps_view.maps_caption(page, window)
with st.expander("The list in full, and the maps as tables"):
    st.dataframe(ev.details_frame(page), hide_index=True)
    if res.has_attention:
        maps_view.map_tables(page)
if res.attention_maps:
    with st.expander("Every layer and head of the self-attention"):
        maps_view.layer_maps(res, "layers", window, scale)
with st.expander(f"User {res.user_id}'s history: {ev.history_caption(res)}", icon=":material/history:"):
    st.dataframe(ev.history_frame(res), hide_index=True, height=300,
                 column_config={"Steps back": st.column_config.NumberColumn("Back", width=50)})

st.subheader("See why")
recommended = res.recommendations
j = st.selectbox("Why does the model recommend…", range(len(recommended)),
                 key=keyed("_explain_why", path, hard_path, res.user_id, k),
                 format_func=lambda j: f"{j + 1}. {recommended[j].title}")
why_view.explain_one(recommended[j], res, page.claims[j], "why")
measured_view.measured(path, res, recommended[j], k)

st.subheader("Why not …?")
why_not = why_view.why_not(path, hard_path, page, k, data, window, scale)

st.subheader("What if the history were different?")
whatif = whatif_view.what_if_editor(path, page, k)

st.subheader("Take it with you")
whatif_view.exports(page, meta, why_not, whatif, data)
