"""Compare: several models trained on the same dataset, by their test metrics (baselines included) and
by where each one looks in the same user's history. The popular and mean baselines come automatically,
and so do this session's unsaved models (ui.compare_view)."""
import streamlit as st

from ui import charts, user_pick
from ui import compare_view as cv
from ui import explain_view as ev
from ui.frame import require_frame
from ui.state import friendly
from ui.urls import share_params, show_url_notice

require_frame()

STORY = ["target-soft", "target-hard", "self-soft", "mean", "popular"]  # the story: attention vs baselines

st.title("Compare")
st.caption("Do attention models beat the baselines, and do they look at the same history items?")
show_url_notice()

spec = st.session_state.get("dataset_spec", "sample")
known = cv.library_models(spec)
known += cv.session_models(spec, known)
baselines, pending, notes = friendly(cv.baseline_models, spec, known) or ([], [], [])
for note in notes:
    st.warning(note, icon=":material/warning:")
if pending:
    cv.waiting(pending)
models = known + baselines
if not models:
    if not pending:
        st.info("No model is trained on this dataset yet.", icon=":material/model_training:")
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    st.stop()
if not known:
    st.info("Only the automatic baselines so far: train a model on this dataset to see whether attention beats "
            "them.", icon=":material/model_training:")

by_path = {c.path: c for c in models}
# The selection lives in the session: a baseline that finishes training later joins it once (unless removed since).
offered = st.session_state.setdefault("_compare_offered", set())
if "_compare_models" not in st.session_state or st.session_state.get("_compare_spec") != spec:
    st.session_state["_compare_spec"] = spec
    st.session_state["_compare_models"] = cv.defaults(models, st.session_state.get("model_path"), STORY)
    offered.update(c.path for c in baselines)
late = [c.path for c in baselines if c.path not in offered]
offered.update(late)
swap = st.session_state.pop("_compare_swap", {})  # baselines just saved to the library stay picked
kept = [swap.get(p, p) for p in st.session_state["_compare_models"]]
st.session_state["_compare_models"] = [p for p in kept if p in by_path] + late
chosen = st.multiselect("Models on this dataset", list(by_path), format_func=lambda p: by_path[p].label,
                        key="_compare_models", placeholder="Pick two or more models…")
picked = [by_path[p] for p in chosen]
if not picked:
    st.info("Pick two or more models to compare.")
    st.stop()

st.subheader("Test metrics")
cv.metrics_table(picked)
st.caption("Leave-one-out on each user's last item, @10. **full**: ranked against every item the user has not "
           "seen; **sampled**: against 100 random unseen items (the SASRec protocol, kinder to every model). "
           "popular and mean are baselines: an attention model should beat both."
           + (f" **{cv.AUTO}**: trained here on this dataset in seconds (mean for at most {cv.BASELINE_SECONDS} s), "
              "shared by everyone on the server and not saved in the library." if baselines else ""))
cv.save_baselines(picked)
if spec == "sample":
    found = [(c, r) for c in picked if (r := friendly(user_pick.planted_rate, c.path))]
    if found:
        st.subheader("Does attention find the planted cause?")
        cv.planted_table(found)
        st.caption("Users whose held-out purchase is a planted follow-up with its trigger in view: how often the "
                   "history item each model attends to most is that trigger. Chance is one over the history length.")
        with st.expander("Every explainer, not only attention: who finds the trigger?", icon=":material/science:"):
            if st.toggle("Run every explainer on the planted cases (seconds per model)", key="_compare_hits"):
                cv.explainer_hits_table([c for c, _ in found])
                st.caption("Hit@k: the trigger is among the k history items an explainer ranks highest. occlusion "
                           "removes each item and re-scores; grad-input and integrated-gradients follow the "
                           "score's gradient; uniform and recency are reference floors.")
charts.show(cv.ndcg_bars(picked), key="compare_ndcg")

st.subheader("Where each model looks, for the same user")
attention_models = [c for c in picked if c.meta.family.attention_has_focus]
user_id = user_pick.choose_user((attention_models or picked)[0].path, "compare")
k = st.slider("Recommendations per model", 1, 10, 5, key="_compare_k")
if user_id:
    share_params(user_id)
    columns = st.columns(2, gap="medium")
    for i, c in enumerate(picked):
        with columns[i % 2]:
            page = friendly(ev.page_for, c.path, None, user_id, k)
            if page is None:
                continue
            res = page.expl
            st.markdown(f"**{c.label}**")  # a heading wraps; a chart title would be cut
            fig = ev.heatmap(res, "soft", "", show_scale=i % 2 == 1 or i == len(picked) - 1)
            if fig is None:
                st.info(f"No attention: this model explains {res.explained_by}.")
            else:
                charts.show(fig, key=f"compare_heat_{i}")
                with st.expander("Table"):
                    recs = res.recommendations
                    st.dataframe(ev.weights_frame(ev.rec_labels(recs), [r.soft for r in recs], res))
    st.caption("Soft attention of each model's own top recommendations over the same history (oldest left), all on "
               "one colour scale from 0 to 1. The mean baseline spreads weight evenly; popular ignores the history.")
