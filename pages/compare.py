"""Compare: several models trained on the same dataset, by their test metrics (baselines included) and
by where each one looks in the same user's history."""
import streamlit as st

from ui import charts, model_pick, user_pick
from ui import explain_view as ev
from ui.frame import require_frame
from ui.state import friendly, model_meta
from ui.urls import share_params, show_url_notice

require_frame()


def _seconds(meta) -> float | None:
    return meta.training.seconds if meta is not None and meta.training is not None else None



st.title("Compare")
st.caption("Do attention models beat the baselines, and do they look at the same history items?")
show_url_notice()

spec = st.session_state.get("dataset_spec", "sample")
entries = model_pick.models_on(spec)
if not entries:
    st.info("No model is trained on this dataset yet. Train a few (and the popular/mean baselines) to compare them.",
            icon=":material/model_training:")
    st.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    st.stop()

labels = {e.path: model_pick.label(e) for e in entries}
FIRST = ["target-soft", "target-hard", "self-soft", "mean", "popular"]  # the story: attention vs baselines
shipped = sorted((e for e in entries if e.shipped), key=lambda e: FIRST.index(e.name) if e.name in FIRST else len(FIRST))
default = [e.path for e in shipped][:5] or list(labels)[:6]
if st.session_state.get("model_path") in labels and st.session_state["model_path"] not in default:
    default = [st.session_state["model_path"]] + default[:5]
chosen = st.multiselect("Models on this dataset", list(labels), default=default, format_func=labels.get,
                        key="_compare_models", placeholder="Pick two or more models…")
picked = [e for e in entries if e.path in chosen]
if not picked:
    st.info("Pick two or more models to compare.")
    st.stop()

st.subheader("Test metrics")
seconds = {e.path: _seconds(model_meta(e.path)) for e in picked}
st.dataframe(ev.metrics_frame(picked, seconds), hide_index=True,
             column_config={"Training (s)": st.column_config.NumberColumn(format="%.0f")})
st.caption("Leave-one-out on each user's last item, @10. **full**: ranked against every item the user has not "
           "seen; **sampled**: against 100 random unseen items (the SASRec protocol, kinder to every model). "
           "popular and mean are baselines: an attention model should beat both.")
if spec == "sample":
    rates = {labels[e.path]: friendly(user_pick.planted_rate, e.path) for e in picked}
    found = [{"Model": name, "Cases": r["cases"], "Soft attention's top item is the trigger": r["soft_top_is_trigger"],
              "Hard pick is the trigger": r["hard_pick_is_trigger"], "Chance": r["chance"]}
             for name, r in rates.items() if r]
    if found:
        st.subheader("Does attention find the planted cause?")
        st.dataframe(found, hide_index=True, column_config={
            c: st.column_config.ProgressColumn(c, format="percent", min_value=0, max_value=1)
            for c in ("Soft attention's top item is the trigger", "Hard pick is the trigger")})
        st.caption("Users whose held-out purchase is a planted follow-up with its trigger in view: how often the "
                   "history item each model attends to most is that trigger. Chance is one over the history length.")
names = [labels[e.path] for e in picked]
st.plotly_chart(charts.metric_bars(names, {p: [e.metrics.get(p, {}).get("ndcg@10") for e in picked]
                                           for p in ("full", "sampled")}), key="compare_ndcg")

st.subheader("Where each model looks, for the same user")
attention_models = [e for e in picked if model_meta(e.path) is not None and model_meta(e.path).family.attention_has_focus]
user_id = user_pick.choose_user((attention_models or picked)[0].path, "compare")
k = st.slider("Recommendations per model", 1, 10, 5, key="_compare_k")
if user_id:
    share_params(user_id)
    columns = st.columns(2, gap="medium")
    for i, e in enumerate(picked):
        with columns[i % 2]:
            res = friendly(ev.explain, e.path, user_id, k)
            if res is None:
                continue
            fig = ev.heatmap(res, "soft", f"{labels[e.path]}", show_scale=i % 2 == 1 or i == len(picked) - 1)
            if fig is None:
                st.markdown(f"**{labels[e.path]}**")
                st.info(f"No attention: this model explains {res.explained_by}.")
            else:
                st.plotly_chart(fig, key=f"compare_heat_{i}")
                with st.expander("Table"):
                    recs = res.recommendations
                    st.dataframe(ev.weights_frame(ev.rec_labels(recs), [r.soft for r in recs], res))
    st.caption("Soft attention of each model's own top recommendations over the same history (oldest left), all on "
               "one colour scale from 0 to 1. The mean baseline spreads weight evenly; popular ignores the history.")
