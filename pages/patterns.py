"""Patterns: what drives a model's recommendations across all users: because-of pairs, category flows, how
far back it looks, where its attention can be trusted, whom it serves badly, how much it pushes popular
items, and a map of its items. The numbers come from recsys_core.population (ui.patterns_view)."""
import streamlit as st

from ui import model_pick
from ui import patterns_view as pv
from ui.frame import require_frame
from ui.state import friendly, loaded_model, model_meta
from ui.urls import share_params, show_url_notice

require_frame()

st.title("Patterns")
st.caption("What drives the recommendations across all users, how far back the model looks, where its attention "
           "can be trusted, and whom it serves badly.")
show_url_notice()

spec = st.session_state.get("dataset_spec", "sample")
entries = model_pick.models_on(spec)
options = model_pick.model_options(spec, entries)
if not options:
    st.info("No model is trained on this dataset yet. Train one, or pick another dataset.",
            icon=":material/model_training:")
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    st.stop()

with st.sidebar:
    path = model_pick.choose_model(options, entries)
if friendly(loaded_model, path) is None:
    st.stop()
with st.sidebar:
    users, k = pv.scope_inputs(path)
model_pick.model_line(model_meta(path))
p = friendly(pv.patterns_for, path, users, k)
if p is None:
    st.stop()
share_params()

pv.claims_of(p, "drivers", "planted-pairs")
pv.caption_of(p, "scope")

st.subheader("Because-of pairs: which past item drives which recommendation")
pv.pairs_section(p, path)

st.subheader("Category flows")
pv.flows_section(p)

st.subheader("How far back it looks")
pv.profile_section(p)

st.subheader("Where attention can be trusted")
pv.trust_section(p)
pv.every_model(entries, path, users, k)

st.subheader("Whom it serves badly, and how much it pushes popular items")
pv.slices_section(p)

st.subheader("Item map")
pv.item_map_section(p, path)

st.subheader("Take it with you")
pv.exports(p)
