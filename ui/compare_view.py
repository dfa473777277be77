"""The Compare page's parts: which models take part and how they are named, and its tables and bars.

Models on a dataset are the library's (shipped and saved), this session's unsaved ones (the model of
a finished training job, an uploaded checkpoint) and the automatic baselines: every family whose
attention singles out no item (popular, mean), trained through the job queue on the dataset as the
compared models prepared it, cached for every session by dataset fingerprint and preparation, and
kept in a temp folder, never in the user's library. A baseline the library holds for that data is
not added again.

Names are never cut: table columns of names are as wide as their longest entry (a saved model's label
comes last, so it never pushes the numbers out of view), headings above the heatmaps wrap, and the bars
read across with names shortened from the middle (the distinguishing end stays), whole in the hover.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from recsys_core.models import FAMILIES, NATIVE_FAMILIES
from recsys_core.models.config import ModelConfig
from recsys_core.store.library import save_to_library
from recsys_core.store.sidecar import identity
from recsys_core.training.config import TrainConfig
from ui import model_pick
from ui.charts import BLUE, ORANGE, short
from ui.jobs import TrainingJob
from ui.state import Version, data_dir, friendly, model_meta, opened, prepared

AUTO = "automatic baseline"
UNSAVED = "this session, not saved"
UPLOADED = "uploaded in this session"
BASELINES = [f for f in NATIVE_FAMILIES.values() if not f.attention_has_focus]  # popular, mean: no item singled out
BASELINE_SECONDS = 15  # mean's training cap: it is near its best after a few epochs (2 s on the embedded data)
BASELINE_WAIT_S = 20  # how long a page run waits for them; then a note waits, and the page reruns
BAR_LABEL = 44  # characters of a name beside the bars; longer names are cut in the middle
PX_PER_CHAR, CELL_PAD = 6.0, 16  # the tables' 14 px font measures 5.7-6 px a character; a cell's padding


@dataclass
class Compared:
    """One model on the page: where its checkpoint is, what it is called and where it comes from."""
    path: str
    name: str  # the model's name, e.g. target-soft
    who: str  # shipped, the saved label or date, this session's, or an automatic baseline
    kind: str  # shipped | saved | UNSAVED | UPLOADED | AUTO
    meta: object  # its CheckpointMeta

    @property
    def label(self) -> str:
        return f"{self.name} · {self.who}"

    @property
    def seconds(self) -> float | None:
        return self.meta.training.seconds if self.meta.training is not None else None


def _compared(path: str, who: str, kind: str) -> Compared | None:
    meta = model_meta(path)
    return Compared(path, meta.model_name, who, kind, meta) if meta is not None else None


def _same(a: Compared, b: Compared) -> bool:
    """The same trained model (a library copy of a session's model has the same name, data and creation time)."""
    return (a.path == b.path or (a.name, a.meta.created, a.meta.dataset.fingerprint)
            == (b.name, b.meta.created, b.meta.dataset.fingerprint))


def library_models(spec: str) -> list[Compared]:
    out = []
    for e in model_pick.models_on(spec):
        c = _compared(e.path, model_pick.label(e).split(" · ", 1)[1], "shipped" if e.shipped else "saved")
        if c is not None:
            out.append(c)
    return out


def session_models(spec: str, known: list[Compared]) -> list[Compared]:
    """This session's models on `spec` that the library does not hold: a finished job's, the selected one."""
    job = st.session_state.get("job")
    found = []
    if job is not None and not job.alive and job.state.finished_ok:
        found.append(_compared(job.state.result.path, UNSAVED, UNSAVED))
    own = st.session_state.get("model_path")
    if own and os.path.exists(own):
        found.append(_compared(own, UPLOADED, UPLOADED))
    out = []
    for c in found:
        if c is not None and c.meta.dataset.spec == spec and not any(_same(c, k) for k in known + out):
            out.append(c)
    return out


class _Baselines:
    """The baselines of one prepared dataset: one training job each, in a folder removed with this object."""

    def __init__(self, data, spec: str, families):
        self.folder = tempfile.mkdtemp(prefix="attention-lens-baselines-")
        weakref.finalize(self, shutil.rmtree, self.folder, True)
        self.jobs = [TrainingJob(data, ModelConfig(arch=f.family), TrainConfig(max_seconds=BASELINE_SECONDS), spec,
                                 out_dir=os.path.join(self.folder, f.family)).start() for f in families]


@st.cache_resource(max_entries=16, show_spinner=False)
def _baselines(spec: str, fingerprint: str, min_rating, k_core: int, families: tuple[str, ...], _data) -> _Baselines:
    return _Baselines(_data, spec, [FAMILIES[name] for name in families])


def baseline_models(spec: str, known: list[Compared]) -> tuple[list[Compared], list, list[str]]:
    """The automatic baselines missing beside `known`, one set per preparation the known models used;
    the baseline jobs not finished yet (another model may be training first); notes on any refused."""
    preps = {(c.meta.prep_config.min_rating, c.meta.prep_config.k_core) for c in known} or {(None, 0)}
    out, pending, notes = [], [], []
    for min_rating, k_core in sorted(preps, key=str):
        data = prepared(spec, min_rating, k_core)
        have = {c.meta.family for c in known if c.meta.dataset.fingerprint == data.fingerprint}
        missing = tuple(f.family for f in BASELINES if f not in have)
        if not missing:
            continue
        jobs = _baselines(spec, data.fingerprint, min_rating, k_core, missing, data).jobs
        if any(job.alive for job in jobs):
            with st.spinner("Training the popular and mean baselines on this dataset (once, in seconds)…"):
                deadline = time.monotonic() + BASELINE_WAIT_S
                for job in jobs:
                    job.join(max(0.0, deadline - time.monotonic()))
        for job in jobs:
            s = job.state
            if job.alive:
                pending.append(job)
            elif s.finished_ok:
                c = _compared(s.result.path, AUTO, AUTO)
                if c is not None:
                    out.append(c)
            else:
                notes.append(f"The {job.model_cfg.name} baseline could not be trained: {s.message}")
    return out, pending, notes


@st.fragment(run_every=2)
def waiting(jobs: list):
    """A note while baselines train or wait for the trainer; the page reruns once they are done."""
    if not any(job.alive for job in jobs):
        st.rerun()
    for job in jobs:
        if job.alive:
            what = ("waits for the trainer (another model trains first)" if job.state.status == "queued"
                    else f"is training (at most {BASELINE_SECONDS} s)")
            st.info(f"The {job.model_cfg.name} baseline {what}; it joins this page when done.",
                    icon=":material/hourglass_top:")


def save_baselines(models: list[Compared]):
    """A button that copies the automatic baselines shown into the library, for whoever wants to keep them."""
    auto = [c for c in models if c.kind == AUTO]
    if not auto or not st.button(f"Save {' and '.join(c.name for c in auto)} to the library", key="_compare_save_auto",
                                 icon=":material/save:", help="They are kept here for this server's run only."):
        return
    swap = st.session_state.setdefault("_compare_swap", {})  # the page keeps them picked under their new paths
    for c in auto:
        entry = friendly(save_to_library, os.path.dirname(c.path), c.name, c.meta.dataset.name,
                         "baseline saved from Compare")
        if entry is None:
            return
        swap[c.path] = entry.path
    st.toast(f"Saved {len(auto)} baseline{'s' if len(auto) > 1 else ''} to the library.", icon=":material/save:")
    st.rerun()


def defaults(models: list[Compared], current: str | None, story: list[str]) -> list[str]:
    """What is picked at first: this session's models, then the shipped story (or the saved models), then
    the automatic baselines; the session's selected model first."""
    mine = [c.path for c in models if c.kind in (UNSAVED, UPLOADED)]
    shipped = sorted((c for c in models if c.kind == "shipped"),
                     key=lambda c: story.index(c.name) if c.name in story else len(story))
    picked = mine + ([c.path for c in shipped][:5] or [c.path for c in models if c.kind == "saved"][:4])
    picked += [c.path for c in models if c.kind == AUTO]
    if current in {c.path for c in models}:
        picked = [current] + [p for p in picked if p != current]
    return list(dict.fromkeys(picked))[:6]


def _width(texts) -> int:
    """Pixels a table column needs to show its longest entry whole."""
    return int(CELL_PAD + PX_PER_CHAR * max((len(str(t)) for t in texts), default=4))


def _label_of(c: Compared) -> str:
    """What a saved model's person called it (or when it was saved); empty for the others, their Kind says it all."""
    return c.who if c.kind == "saved" else ""


def _table(rows: list[dict], models: list[Compared], config: dict, kind_help: str | None = None):
    """Model and Kind first, the numbers, then the saved models' labels last: a long label never pushes the
    numbers out of view, and every name column is as wide as its longest entry."""
    labels = [_label_of(c) for c in models]
    if any(labels):
        for row, label in zip(rows, labels):
            row["Label"] = label
        config["Label"] = st.column_config.TextColumn(width=_width(labels + ["Label"]))
    frame = pd.DataFrame(rows)
    for col in ("Model", "Kind"):
        config[col] = st.column_config.TextColumn(width=_width(list(frame[col]) + [col]),
                                                  help=kind_help if col == "Kind" else None)
    st.dataframe(frame, hide_index=True, column_config=config)


def metrics_table(models: list[Compared]):
    """@10 metrics under both protocols and training time, one row per model."""
    rows = []
    for c in models:
        row = {"Model": c.name, "Kind": c.kind}
        for protocol in ("full", "sampled"):
            for metric in ("ndcg@10", "hr@10", "mrr@10"):
                value = c.meta.metrics.get(protocol, {}).get(metric)
                row[f"{metric.upper()} · {protocol}"] = None if value is None else round(value, 4)
        row["Training (s)"] = None if c.seconds is None else round(c.seconds)
        rows.append(row)
    _table(rows, models, {"Training (s)": st.column_config.NumberColumn(format="localized")},
           kind_help=f"shipped, saved, {UNSAVED}, {UPLOADED}, or {AUTO}: trained here on this dataset, not in "
                     "the library")


def planted_table(found: list[tuple[Compared, dict]]):
    """How often each model's attention finds the planted trigger (embedded data)."""
    soft, hard = "Soft attention's top item is the trigger", "Hard pick is the trigger"
    rows = [{"Model": c.name, "Kind": c.kind, "Cases": r.cases, soft: r.soft_top_is_trigger,
             hard: r.hard_pick_is_trigger, "Chance": r.chance} for c, r in found]
    config = {col: st.column_config.ProgressColumn(col, format="percent", min_value=0, max_value=1)
              for col in (soft, hard)}
    config["Cases"] = st.column_config.NumberColumn(format="localized")
    config["Chance"] = st.column_config.NumberColumn(format="percent")
    _table(rows, [c for c, _ in found], config)


def ndcg_bars(models: list[Compared]) -> go.Figure:
    """NDCG@10 per model (rows, read across) under both protocols; names cut in the middle, whole in the hover."""
    y = list(range(len(models)))
    names = [c.label for c in models]
    fig = go.Figure()
    for protocol, colour in (("full", BLUE), ("sampled", ORANGE)):
        fig.add_trace(go.Bar(y=y, x=[c.meta.metrics.get(protocol, {}).get("ndcg@10") for c in models],
                             orientation="h", name=f"{protocol} ranking", marker_color=colour, customdata=names,
                             hovertemplate="%{customdata}<br>NDCG@10 %{x:.4f}<extra>" + protocol + "</extra>"))
    fig.update_layout(barmode="group", height=90 + 46 * len(models), xaxis_title="NDCG@10",
                      margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=1.02, yanchor="bottom"),
                      yaxis=dict(tickmode="array", tickvals=y, ticktext=[short(n, BAR_LABEL) for n in names],
                                 autorange="reversed", automargin=True, tickfont=dict(size=12)))
    return fig


@st.cache_data(max_entries=64, show_spinner="Running every explainer on the planted cases…")
def _hits(version: Version, data_dir_: str | None):
    from recsys_core.explain.planted import planted_for_model
    from recsys_core.explain.planted_hits import planted_hits
    loaded = opened(version, data_dir_)
    return planted_hits(loaded, planted_for_model(loaded, data_dir_))


def explainer_hits_table(picked: list[Compared]):
    """Planted hit@1 / hit@3 of every explainer for each model (issue: which explainer finds the truth)."""
    rows = []
    for c in picked:
        version = identity(c.path)  # None: deleted meanwhile, nothing to measure
        hits = _hits(version, data_dir()) if c.meta.attention is not None and version else None
        for name, h in (hits.by_explainer if hits else {}).items():
            rows.append({"Model": c.label, "Explainer": name, "Hit@1": h.hit_at_1, "Hit@3": h.hit_at_3,
                         "Chance@1": hits.chance_at_1})
    if not rows:
        st.caption("No planted cases for these models.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="percent") for c in ("Hit@1", "Hit@3",
                                                                                              "Chance@1")})
