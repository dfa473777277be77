"""Train: fit a model on the session's dataset in the background and watch it learn; or load one
(shipped, saved in the server's library, or an uploaded checkpoint) under Models."""
import streamlit as st

from ui import data_view, library_view, train_view
from ui.frame import require_frame
from ui.state import current_dataset, friendly

require_frame()

st.title("Train")
train_tab, models_tab = st.tabs(["Train a model", "Models"])

with train_tab:
    ds = friendly(current_dataset)
    s = data_view.stats(ds) if ds is not None else None
    if s is not None:
        st.caption(f"Dataset: **{ds.name}** · {s.users:,} users · {s.items:,} items · "
                   f"{s.interactions:,} interactions. Change it on the Data page.")
    settings, view = st.columns([2, 3], gap="large")
    job = st.session_state.get("job")
    running = job is not None and job.alive
    with settings, st.container(border=True):
        model_cfg, train_cfg = train_view.form(s.items if s else 0, train_view.median_history() if s else None)
        if st.button("Start training", type="primary", key="train_start", disabled=running or ds is None,
                     icon=":material/play_arrow:", width="stretch",
                     help="Cancel the running job first." if running else None):
            if train_view.start(model_cfg, train_cfg):
                st.rerun()  # only when a job started: a refusal's message must stay on screen
    with view:
        if job is None:
            st.info("Choose the settings and press **Start training**. Training keeps running while you look at "
                    "other pages, and one model trains at a time on this server.", icon=":material/info:")
        elif running:
            st.markdown(f"**{job.model_cfg.name}** on {job.data.name}")
            train_view.live(job)
        else:
            train_view.results(job)

with models_tab:
    library_view.models()
