"""Warm the server process in the background, once, so the first visit to Explain does not wait for it.

The landing page (Data) does not need torch. After the first page has run, a thread imports torch and
the Explain page's modules and explains one user with the default shipped model, which also pays
torch's and plotly's first-call costs (plotly builds its validators on first use). Explain then finds
all of it loaded instead of spending 2-3 s of its first visit on it.

The thread touches no session and no Streamlit cache (those belong to script runs, one per session):
its results are thrown away, and only the imported modules and warmed libraries stay.
"""
import logging
import os
import sys
import threading

_LOCK = threading.Lock()
_thread: threading.Thread | None = None


def start():
    """Start the warm-up unless this process already has; every script run may call this cheaply."""
    global _thread
    with _LOCK:
        if _thread is None:
            # Not a daemon (script threads are, and would pass that on): exiting while it is inside torch
            # aborts the process ("terminate called without an active exception"); it ends within
            # seconds, so a shutdown simply waits for it.
            _thread = threading.Thread(target=_warm, name="attention-lens-warmup", daemon=False)
            _thread.start()


def _warm():
    if "ui.explain_view" in sys.modules:  # a visitor opened Explain or Compare first: that run warmed it all
        return
    try:
        import plotly.io

        from recsys_core.explain.user import explain_user
        from recsys_core.store.checkpoint import FILENAME
        from recsys_core.store.library import SHIPPED_DIR
        from recsys_core.store.opened import open_model
        from ui import explain_view as ev
        from ui import why_view

        path = os.path.join(SHIPPED_DIR, "target-soft", FILENAME)
        if not os.path.exists(path):
            return
        loaded = open_model(path)
        res = explain_user(loaded, loaded.data.user_ids[0], 10)
        plotly.io.to_json(ev.heatmap(res, "soft", ""), validate=False)
        plotly.io.to_json(why_view.why_chart(res.recommendations[0], res, show_all=False), validate=False)
        # Streamlit's own: compiles a large regex (0.1-0.3 s) on import, at the page's first alert box.
        import streamlit.emojis  # noqa: F401
    except Exception:  # only an optimisation: the page doing the real work shows any error properly
        logging.getLogger(__name__).debug("warm-up failed", exc_info=True)
