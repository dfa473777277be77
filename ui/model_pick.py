"""Choosing models on the Explain and Compare pages: which models exist for a dataset, the sidebar
pickers bound to the session, and a model's card (metrics and settings)."""
import os

import streamlit as st

from recsys_core.claims.edits import training_claim
from recsys_core.store import library
from recsys_core.store.meta import CheckpointMeta
from ui.state import model_meta


def _library_signature() -> tuple:
    """Every checkpoint in the shipped and saved folders with its mtime: cheap to compute, changes on save/delete."""
    sig = []
    for root in (library.SHIPPED_DIR, library.library_dir()):
        if os.path.isdir(root):
            for d in sorted(os.listdir(root)):
                path = os.path.join(root, d, library.FILENAME)
                if not d.startswith(".") and os.path.isfile(path):
                    sig.append((path, os.path.getmtime(path)))
    return tuple(sig)


@st.cache_data(max_entries=16, show_spinner=False)
def _entries(signature: tuple, lib: str) -> list[library.Entry]:
    return library.list_models(lib)


def models_on(spec: str) -> list[library.Entry]:
    """Shipped and saved models trained on the dataset `spec` (the listing read their sidecars: no weights)."""
    return [e for e in _entries(_library_signature(), library.library_dir()) if e.spec == spec]


def model_options(spec: str, entries: list[library.Entry]) -> dict[str, str]:
    """path -> label; the session's own model (e.g. an uploaded checkpoint) is offered too."""
    opts = {e.path: label(e) for e in entries}
    own = st.session_state.get("model_path")
    meta = model_meta(own)
    if own and own not in opts and meta and meta.dataset.spec == spec:
        opts = {own: f"{meta.model_name} (loaded in this session)", **opts}
    return opts


def label(e: library.Entry) -> str:
    """Short enough for the sidebar: name and who made it (metrics are in the model card)."""
    who = "shipped" if e.shipped else (e.label or f"saved {e.created[5:16].replace('T', ' ')}")
    return f"{e.name} · {who}"


def default_model(entries: list[library.Entry]) -> str | None:
    """The shipped target-soft, else the first shipped model, else a saved target-soft, else the first model."""
    for pick in (lambda e: e.shipped and e.name == "target-soft", lambda e: e.shipped,
                 lambda e: e.name == "target-soft", lambda e: True):
        hit = next((e for e in entries if pick(e)), None)
        if hit:
            return hit.path
    return None


def _sync(widget_key: str, state_key: str):
    st.session_state[state_key] = st.session_state[widget_key]


def choose_model(opts: dict[str, str], entries) -> str:
    """Sidebar selectbox bound to session "model_path" (defaulting when unset or from another dataset)."""
    if st.session_state.get("model_path") not in opts:
        st.session_state["model_path"] = default_model(entries) or next(iter(opts))
    st.session_state["_explain_model"] = st.session_state["model_path"]
    st.selectbox("Model", list(opts), format_func=opts.get, key="_explain_model", on_change=_sync,
                 args=("_explain_model", "model_path"), help="Shipped and saved models trained on this dataset.")
    return st.session_state["model_path"]


def choose_hard_model(opts: dict[str, str], model_path: str) -> str | None:
    """Sidebar selectbox bound to session "hard_model_path": a hard-trained model shown beside the
    chosen one. None in the session means "the default" (the shipped target-hard); "" means none."""
    metas = {p: model_meta(p) for p in opts}
    hard = {p: text for p, text in opts.items() if p != model_path and metas[p] is not None and metas[p].hard_trained}
    current = st.session_state.get("hard_model_path")
    if current != "" and current not in hard:
        current = library.hard_partner(model_path, metas) or ""
        st.session_state["hard_model_path"] = current or None
    st.session_state["_explain_hard"] = current
    st.selectbox("Hard-trained model beside it", [""] + list(hard), key="_explain_hard",
                 format_func=lambda p: opts.get(p, "none"), on_change=_sync, args=("_explain_hard", "hard_model_path"),
                 help="A model trained with hard (one-item) attention, explained on the same user.")
    return current or None


def _dataset_name(meta: CheckpointMeta) -> str:
    """The dataset's name now: a stored dataset may have been renamed since the model was trained."""
    from recsys_core.data import stored
    now = stored.find(meta.dataset.spec) if stored.is_id(meta.dataset.spec) else None
    return (now.name if now else meta.dataset.name).replace("*", "\\*")


def model_line(meta: CheckpointMeta):
    """The model in one line (name, dataset, size, NDCG@10), its full card behind an expander."""
    ndcg = meta.metric("full", "ndcg@10")
    with st.expander(f"**{meta.model_name}** on **{_dataset_name(meta)}** · {meta.dataset.users:,} users · "
                     f"{meta.dataset.items:,} items" + (f" · NDCG@10 {ndcg:.3f}" if ndcg is not None else "")
                     + " · model card", icon=":material/info:"):
        model_card(meta, border=False)


def model_card(meta: CheckpointMeta, border: bool = True):
    """Dataset, model, key metrics and settings of a checkpoint, in one bordered box."""
    training, cfg = meta.training, meta.model_config
    with st.container(border=border):
        # Names as text, not st.metric values: a metric cuts a long name to "Cinem…" at this width.
        st.markdown(f"**{meta.model_name}** on **{_dataset_name(meta)}** · {meta.dataset.users:,} users · "
                    f"{meta.dataset.items:,} items")
        cols = st.columns(4)
        for col, (protocol, metric) in zip(cols, [("full", "ndcg@10"), ("full", "hr@10"),
                                                  ("sampled", "ndcg@10"), ("sampled", "hr@10")]):
            value = meta.metric(protocol, metric)
            col.metric(f"{metric.split('@')[0].upper()} {protocol}", "—" if value is None else f"{value:.3f}")
        uses = meta.family.settings  # the settings that apply to this family
        settings = [f"attention **{cfg.attention}**" if "attention" in uses else None,
                    f"window {cfg.window}" if cfg.window else None,
                    f"encoder {cfg.encoder}" if "encoder" in uses and cfg.encoder != "none" else None,
                    f"dim {cfg.dim}" if "dim" in uses else None,
                    f"{cfg.layers} layers · {cfg.heads} heads" if "heads" in uses else None,
                    f"history length {cfg.max_len}" if "max_len" in uses else "ignores the history",
                    f"dropout {cfg.dropout}" if "dropout" in uses else None,
                    f"item features ({len(cfg.feature_vocab or []):,} attribute values)" if cfg.item_features else None,
                    "skip connection around the last attention" if cfg.last_skip else None]
        seed = (meta.train_config or {}).get("seed")
        if cfg.source is not None:
            _imported_card(meta)
            return
        trained = f"{training_claim(training).text[:-1]} (on {training.device})" if training else \
            "not trained (a baseline)"
        st.caption(f"Metrics @10 on the held-out last item: full = ranked against every item, sampled = against 100 "
                   f"random ones. Settings: {' · '.join(s for s in settings if s)} · seed {seed} · {trained}.")


def _imported_card(meta: CheckpointMeta):
    """The card's last lines for a model trained by another library: where it came from, its own settings,
    how its item ids were matched, and what behaves differently from the app's own models."""
    src, family = meta.model_config.source, meta.family
    settings = " · ".join(f"{k} {v}" for k, v in src.settings.items() if k != "archive_bytes")
    st.caption(f"Metrics @10 on the held-out last item: full = ranked against every item, sampled = against 100 "
               f"random ones. Imported from **{src.library}** ({src.model}, file `{src.file}`), not trained here: "
               f"{settings}. Item ids: {src.id_map}.")
    if family.notes:
        st.caption(family.notes)
