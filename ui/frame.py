"""Every page needs app.py's frame (navigation, session defaults, URL restore).

Because the product layout keeps page scripts in `pages/`, a fresh server whose first request is a
direct link such as /explain?user=17 runs that page alone in Streamlit's legacy `pages/` mode,
skipping app.py. Once any session has run app.py (st.navigation), the whole process stays in
navigation mode, so this can only happen to a session's first run: `require_frame()` sees that
app.py never ran for this session, switches the process to navigation mode and reruns, which goes
through app.py and keeps the URL's page and query parameters.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_MARK = "_frame_ran"


def mark_frame():
    """Called by app.py before it runs the page."""
    st.session_state[_MARK] = True


def require_frame():
    if st.session_state.get(_MARK):
        return
    if st.session_state.get("_frame_retry"):  # never loop: render without the frame rather than spin
        return
    st.session_state["_frame_retry"] = True
    PagesManager.uses_pages_directory = False  # private flag; see the module docstring
    st.rerun()
