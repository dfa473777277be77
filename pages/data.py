"""Data (the landing page): choose the interactions to work on and see their shape.

The embedded shop is selected by default; MovieLens folders come from the data folder (or a download
button); an upload (with an optional item catalogue) is previewed, mapped and stored on the server.
Everything below follows the choice.
"""
import streamlit as st

from recsys_core.errors import phrase
from ui import data_view as view
from ui import stored_view, upload_view
from ui.frame import require_frame
from ui.state import current_dataset, friendly
from ui.urls import show_url_notice
from ui.wording import FORM

require_frame()

st.title("Data")
st.caption("Pick the interactions to train on and explain. Attention Lens shows which past interactions drove "
           "each recommendation, and checks whether that explanation is honest.")
show_url_notice()
view.flash()

view.picker()
with st.expander("Data folder and MovieLens downloads", icon=":material/folder_open:"):
    view.data_folder()
with st.expander("Upload your own data (and an item catalogue)", icon=":material/upload_file:"):
    upload_view.upload()
with st.expander("Stored datasets", icon=":material/inventory_2:"):
    stored_view.manage()

ds = friendly(current_dataset)
if ds is None:
    st.stop()
for notice in ds.notices:
    st.info(phrase(notice, FORM), icon=":material/info:")
upload_view.catalogue_report(st.session_state["dataset_spec"])
stats = view.stats(ds)

st.subheader(view.dataset_options()[st.session_state["dataset_spec"]].split(" · ")[0])
if stats.causes:
    view.story(ds, stats)
view.cards(stats)
view.charts(stats)
if st.session_state["dataset_spec"] == "sample":  # shipped models are ready: exploring comes first
    st.page_link("pages/explain.py", label="Next: explore the shipped models' explanations",
                 icon=":material/arrow_forward:")
    st.page_link("pages/train.py", label="Or train a model on this dataset", icon=":material/model_training:")
else:
    st.page_link("pages/train.py", label="Next: train a model on this dataset", icon=":material/arrow_forward:")
