"""The Train page's parts: the settings form, the live view of a running job, and its results.

The job runs in the server's training worker, a process of its own (ui.jobs), and is kept in the session,
so it survives page changes; the live view is a fragment that re-renders itself every second while the
job is alive. A worker that dies mid-job ends the job with a message; the session's earlier model stays.
"""
import os

import altair as alt
import pandas as pd
import streamlit as st

from recsys_core.claims.edits import training_claim
from recsys_core.models import FAMILIES, NATIVE_FAMILIES
from recsys_core.models.config import DataProfile, ModelConfig
from recsys_core.setting import labels, setting_of, settings_of
from recsys_core.store.checkpoint import FILENAME
from recsys_core.store.library import save_to_library
from recsys_core.store.opened import offer
from recsys_core.training.config import TrainConfig
from recsys_core.training.device import available_devices, describe, resolve_device
from recsys_core.training.run import checked_settings, with_features
from ui.jobs import TrainingJob
from ui.state import friendly, prepared, select_model

# The form's settings: labels, help, ranges and defaults come from the config dataclasses' declarations
# (recsys_core/setting.py), as the CLI's flags do. Widget key: train_<field>.
MODEL_FIELDS = ("arch", "attention", "window", "encoder", "item_features", "dim", "max_len", "layers", "heads")
TRAIN_FIELDS = ("loss", "epochs", "max_seconds", "batch_size", "lr", "seed", "device")
FIELD_LABELS = labels(ModelConfig, TrainConfig)  # for the core's messages (SettingError names the config field)
LOSS_LABELS = {"auto": "auto", "full": "full softmax", "sampled": "sampled softmax", "bce": "BCE (SASRec)"}
_T = TrainConfig()
FORM_DEFAULTS = {"max_seconds": 120}  # the app's runs are bounded; the CLI's are not
DEFAULTS = {  # widget key -> default (0 stands for None where a number may be left to the model)
    f"train_{s.name}": FORM_DEFAULTS.get(s.name, 0 if s.default is None and s.form and s.form[0] == 0 else s.default)
    for cls, names in ((ModelConfig, MODEL_FIELDS), (TrainConfig, TRAIN_FIELDS)) for s in settings_of(cls)
    if s.name in names}


def _setting(name: str):
    return setting_of(ModelConfig if name in MODEL_FIELDS else TrainConfig, name)


def _number(box, name: str, help: str = "", **kw):
    s = _setting(name)
    low, high, *step = s.form
    box.number_input(s.label, low, high, step=step[0] if step else None, key=f"train_{name}",
                     help=(s.help[0].upper() + s.help[1:] + ". " + help).strip(), **kw)


def _choice(box, name: str, options=None, help: str = "", **kw):
    s = _setting(name)
    box.selectbox(s.label, options if options is not None else s.choices, key=f"train_{name}",
                  help=(s.help[0].upper() + s.help[1:] + ". " + help).strip(), **kw)


def _value(name: str):
    """The form's value for a config field: 0 for "left to the model" is None there."""
    value = st.session_state[f"train_{name}"]
    s = _setting(name)
    return None if s.optional and value == 0 else value


def restore_form():
    """Widgets lose their state when their page is not shown; put the last values back before drawing them."""
    saved = st.session_state.setdefault("_train_form", dict(DEFAULTS))
    for key, value in {k: saved.get(k, v) for k, v in DEFAULTS.items()}.items():  # a form saved by older code: defaults
        if key not in st.session_state:
            st.session_state[key] = value


def remember_form():
    st.session_state["_train_form"] = {k: st.session_state[k] for k in DEFAULTS}


# --- the form ------------------------------------------------------------------------------------

def form(n_items: int, median_history: float | None = None) -> tuple[ModelConfig, TrainConfig]:
    """Draw the settings for a dataset of n_items whose median user has median_history interactions;
    returns the configs they describe."""
    restore_form()
    ss = st.session_state
    _choice(st, "arch", list(NATIVE_FAMILIES), format_func=lambda a: FAMILIES[a].label)
    arch = ss["train_arch"]
    family = FAMILIES[arch]
    st.caption(family.about)
    attends = "attention" in family.settings
    c1, c2 = st.columns(2)
    _choice(c1, "attention", disabled=not attends)
    _number(c2, "window", "0 = the whole history.", disabled=not attends)
    _choice(c1, "encoder", disabled="encoder" not in family.settings)
    s = _setting("item_features")
    c1.toggle(s.label, key="train_item_features", disabled="item_features" not in family.settings,
              help=s.help[0].upper() + s.help[1:] + ". Explain then shows which attribute values drove each "
                   "recommendation.")
    _choice(c2, "loss", format_func=LOSS_LABELS.get, help=f"Auto here: {_T.resolved_loss(n_items, family, median_history)}.")
    with st.expander("Model size"):
        c1, c2 = st.columns(2)
        _number(c1, "dim")
        _number(c2, "max_len")
        _number(c1, "layers", disabled="layers" not in family.settings)
        _number(c2, "heads", disabled="heads" not in family.settings)
    with st.expander("Training"):
        c1, c2 = st.columns(2)
        _number(c1, "epochs")
        _number(c2, "max_seconds")
        _number(c1, "batch_size")
        _number(c2, "lr", f"Empty (auto): {_T.resolved_lr(family, n_items):g}, tuned for this model.",
                format="%.4f", placeholder="auto")
        _number(c1, "seed")
        _choice(c2, "device", available_devices())
    device = friendly(resolve_device, ss["train_device"], names=FIELD_LABELS)
    if device is not None:
        st.caption(f"Trains on **{describe(device)}**.")
    remember_form()
    model_cfg = ModelConfig(**{n: _value(n) for n in MODEL_FIELDS if n != "item_features"})
    if "encoder" not in family.settings:
        model_cfg.encoder = "none"
    train_cfg = TrainConfig(**{n: _value(n) for n in TRAIN_FIELDS})
    return model_cfg, train_cfg


def median_history() -> float | None:
    """Interactions of the median user in the data training reads (prepared: short users dropped), the
    figure `auto` settings are chosen from; None when the dataset cannot be prepared (said on screen)."""
    data = friendly(prepared)
    return None if data is None else DataProfile.of(data).median_history


def _checked(model_cfg: ModelConfig, train_cfg: TrainConfig):
    checked_settings(model_cfg, train_cfg)
    return prepared()


def _with_features(model_cfg: ModelConfig, data) -> ModelConfig:
    """The form's config, with the dataset's item attribute table when "Item features" is on."""
    on = bool(st.session_state.get("train_item_features")) and "item_features" in model_cfg.family.settings
    return with_features(model_cfg, data, on)


def start(model_cfg: ModelConfig, train_cfg: TrainConfig) -> bool:
    """Start a job for the session's dataset; the previous job is discarded unless its model is in use.
    False (with the reason on screen) when the settings or the dataset are refused."""
    data = friendly(_checked, model_cfg, train_cfg, names=FIELD_LABELS)
    if data is None:
        return False
    model_cfg = friendly(_with_features, model_cfg, data, names=FIELD_LABELS)
    if model_cfg is None:
        return False
    old = st.session_state.get("job")
    if old is not None and not (st.session_state.get("model_path") or "").startswith(old.out_dir + os.sep):
        old.discard()
    spec = st.session_state["dataset_spec"]
    st.session_state["job"] = TrainingJob(data, model_cfg, train_cfg, spec).start()
    return True


# --- progress and results ------------------------------------------------------------------------

def fraction(p, train_cfg: TrainConfig) -> float:
    """Share of the epoch budget done, or of the time limit when that is further along."""
    done = ((p.epoch - 1) * p.steps + p.step) / max(1, p.epochs * p.steps)
    if train_cfg.max_seconds:
        done = max(done, p.elapsed / train_cfg.max_seconds)
    return min(1.0, max(0.0, done))


def curves(job: TrainingJob):
    records = list(job.state.progress)
    train = [(((p.epoch - 1) * p.steps + p.step), p.loss) for p in records if p.phase == "train"]
    # Epochs as fractions: a long epoch is also validated inside it (TrainConfig.eval_windows).
    evals = [(p.epoch - 1 + p.step / max(1, p.steps), k, p.metrics[k]) for p in records if p.phase == "eval"
             for k in ("ndcg@10", "hr@10")]
    left, right = st.columns(2)
    left.markdown("**Training loss**")
    if train:
        df = pd.DataFrame(train, columns=["step", "loss"])
        left.altair_chart(alt.Chart(df).mark_line().encode(
            x=alt.X("step:Q", title="Step", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("loss:Q", title="Loss", scale=alt.Scale(zero=False)),
            tooltip=["step:Q", alt.Tooltip("loss:Q", format=".4f")]).properties(height=260), width="stretch")
    else:
        left.caption("No training steps (yet).")
    right.markdown("**Validation**")
    if evals:
        df = pd.DataFrame(evals, columns=["epoch", "metric", "value"])
        right.altair_chart(alt.Chart(df).mark_line(point=True).encode(
            x=alt.X("epoch:Q", title="Epoch", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=True)),
            color=alt.Color("metric:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("epoch:Q", format=".2f"), "metric:N", alt.Tooltip("value:Q", format=".4f")]).properties(height=260),
            width="stretch")
    else:
        right.caption("Validation NDCG@10 and HR@10 appear after the first evaluation.")


@st.fragment(run_every=1.0)
def live(job: TrainingJob):
    """Re-renders itself every second while the job is alive, then reruns the page to show the results."""
    if not job.alive:
        st.rerun()
    s = job.state
    if s.status == "queued":
        ahead = job.queue_position()
        st.info(f"Waiting for the trainer: {ahead} job{'s' if ahead != 1 else ''} ahead of yours. One model trains "
                "at a time on this server; yours starts by itself.", icon=":material/hourglass_top:")
    else:
        p = s.latest
        if p is None:
            st.progress(0.0, text="Starting…")
        elif p.phase == "done":
            st.progress(1.0, text=f"Trained in {p.elapsed:.0f} s. Evaluating on the test split…")
        else:
            best = max((q.metrics["ndcg@10"] for q in s.progress if q.phase == "eval"), default=None)
            text = (f"Epoch {p.epoch} of at most {p.epochs} · step {p.step}/{p.steps} · loss {p.loss:.3f} · "
                    f"{p.elapsed:.0f} s" + (f" · best validation NDCG@10 {best:.3f}" if best is not None else ""))
            st.progress(fraction(p, job.train_cfg), text=text)
    if s.status == "running":
        curves(job)
    if job.cancel_requested:
        st.caption("Cancelling…")
    elif st.button("Cancel", key="train_cancel", icon=":material/stop:"):
        job.cancel()
        st.rerun(scope="fragment")


def metrics_table(metrics: dict) -> pd.DataFrame:
    """Metric x protocol at @10 and @20, as the results table shows them."""
    rows = ["hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20"]
    labels = {"full": "Full ranking (all items)", "sampled": "Sampled (100 negatives)"}
    return pd.DataFrame({labels.get(p, p): [m.get(r) for r in rows] for p, m in metrics.items()},
                        index=[r.upper() for r in rows])


def results(job: TrainingJob):
    s = job.state
    if s.status == "failed":
        st.error(s.message, icon=":material/error:")
        return
    if not s.finished_ok:
        st.warning(s.message or "Cancelled.", icon=":material/cancel:")
        return
    r = s.result
    claim = training_claim(r.meta.training)
    box = st.warning if claim.tone == "warning" else st.success
    box(f"**{job.model_cfg.name}**: {claim.text}", icon=":material/check_circle:")
    st.markdown("**Test results** (leave-one-out: each user's last item)")
    st.dataframe(metrics_table(r.metrics).style.format("{:.4f}"), width="stretch")
    curves(job)
    saved = st.session_state.setdefault("_saved_jobs", {})  # job folder -> its library copy
    is_saved = job.out_dir in saved
    if is_saved:
        st.success("Saved to the library: find it under **Models**; it survives a refresh.",
                   icon=":material/library_add_check:")
    else:
        st.warning("Not saved yet: this model lives only in this browser tab until you save it to the library.",
                   icon=":material/save:")
        label = st.text_input("Label (optional)", max_chars=80, key="train_label",
                              placeholder="e.g. soft attention, Anna's run")
    save_col, explain_col, _ = st.columns([1, 1, 0.4])
    if not is_saved and save_col.button("Save to library", type="primary", key="train_save",
                                        icon=":material/save:", width="stretch"):
        entry = friendly(save_to_library, job.out_dir, job.model_cfg.name, job.data.name, label)
        if entry is not None:
            saved[job.out_dir] = entry.path
            if s.loaded is not None:  # the library's copy is the same model: Explain opens it without a read
                offer(s.loaded, entry.path)
            friendly(select_model, entry.path)
            st.rerun()
    if explain_col.button("Explain this model", key="train_explain", icon=":material/search:", width="stretch",
                          type="primary" if is_saved else "secondary"):
        if friendly(select_model, saved.get(job.out_dir) or os.path.join(job.out_dir, FILENAME)) is not None:
            st.switch_page("pages/explain.py")
