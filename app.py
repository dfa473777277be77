"""Attention Lens: see which past interactions drove each recommendation, and whether attention tells the truth.

Run: streamlit run app.py
The entry file is the frame shared by every page: navigation, session defaults, shareable URLs.
"""
import streamlit as st

from ui.frame import mark_frame
from ui.state import init_state
from ui.urls import restore_from_url
from ui.warmup import start as start_warmup

# An emoji, not a :material/…: icon: Streamlit turns those into a favicon fetched from Google's font servers,
# and the app makes no request the user did not ask for (tests/test_offline.py).
st.set_page_config(page_title="Attention Lens", page_icon="🔎", layout="wide")
# Less empty space above each page's title: on a 1400x900 screen the Explain page's list and both maps then
# fit above the fold. A style-only st.html takes no room on the page.
st.html("<style>.stMainBlockContainer{padding-top:2.2rem}</style>")
init_state()
restore_from_url()
mark_frame()

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/visibility:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
]
st.navigation(pages).run()
start_warmup()  # after the page, so the first page a visitor opens is not slowed down by it
