"""Building blocks of the Explain and Compare pages: which models, which user, cached explanations,
and an explanation turned into tables, figures and plain sentences.

Every number comes from `recsys_core.explain.explain_user`; this module only arranges them.
"""
import os

import numpy as np
import pandas as pd
import streamlit as st

from recsys_core import library
from recsys_core.explain import (explain_user, find_user, interesting_users, planted_accuracy, planted_for_model, search_items,
                                 users_who_interacted)
from ui import charts
from ui.state import data_dir, dataset_for, friendly, loaded_model, model_meta

# --- models ------------------------------------------------------------------------------------

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
    """Shipped and saved models trained on the dataset `spec`."""
    out = []
    for e in _entries(_library_signature(), library.library_dir()):
        meta = model_meta(e.path)
        if meta and (meta["dataset"].get("spec") or "sample") == spec:
            out.append(e)
    return out


def model_options(spec: str, entries: list[library.Entry]) -> dict[str, str]:
    """path -> label; the session's own model (e.g. an uploaded checkpoint) is offered too."""
    opts = {e.path: label(e) for e in entries}
    own = st.session_state.get("model_path")
    meta = model_meta(own)
    if own and own not in opts and meta and (meta["dataset"].get("spec") or "sample") == spec:
        opts = {own: f"{meta['model_name']} (loaded in this session)", **opts}
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
    hard = {p: text for p, text in opts.items()
            if p != model_path and "-hard" in (model_meta(p) or {}).get("model_name", "")}
    current = st.session_state.get("hard_model_path")
    if current != "" and current not in hard:
        shipped = [p for p in hard
                   if p.startswith(library.SHIPPED_DIR) and model_meta(p)["model_name"] == "target-hard"]
        current = (shipped or list(hard) or [""])[0]
        st.session_state["hard_model_path"] = current or None
    st.session_state["_explain_hard"] = current
    st.selectbox("Hard-trained model beside it", [""] + list(hard), key="_explain_hard",
                 format_func=lambda p: opts.get(p, "none"), on_change=_sync, args=("_explain_hard", "hard_model_path"),
                 help="A model trained with hard (one-item) attention, explained on the same user.")
    return current or None


def model_card(meta: dict):
    """Dataset, model, key metrics and settings of a checkpoint, in one bordered box."""
    m = meta.get("metrics") or {}
    training = meta.get("training") or {}
    cfg = meta["model_config"]
    with st.container(border=True):
        cols = st.columns([1.6, 1.2, 1, 1, 1, 1])
        cols[0].metric("Model", meta["model_name"])
        cols[1].metric("Dataset", meta["dataset"]["name"],
                       help=f"{meta['dataset']['users']:,} users · {meta['dataset']['items']:,} items")
        for col, (protocol, metric) in zip(cols[2:], [("full", "ndcg@10"), ("full", "hr@10"),
                                                       ("sampled", "ndcg@10"), ("sampled", "hr@10")]):
            value = m.get(protocol, {}).get(metric)
            col.metric(f"{metric.split('@')[0].upper()} {protocol}", "—" if value is None else f"{value:.3f}")
        settings = [f"attention **{cfg['attention']}**" if meta["arch"] in ("target", "self") else None,
                    f"window {cfg['window']}" if cfg.get("window") else None,
                    f"encoder {cfg['encoder']}" if meta["arch"] == "target" and cfg.get("encoder") != "none" else None,
                    f"dim {cfg['dim']}" if meta["arch"] != "popular" else None,
                    f"{cfg['layers']} layers · {cfg['heads']} heads" if meta["arch"] == "self" else None,
                    f"history length {cfg['max_len']}" if meta["arch"] != "popular" else "ignores the history",
                    f"dropout {cfg['dropout']}" if meta["arch"] != "popular" else None]
        seed = (meta.get("train_config") or {}).get("seed")
        trained = (f"trained {training['seconds']:.0f} s on {training.get('device', '?')}, best epoch "
                   f"{training.get('best_epoch')} (stopped: {training.get('stopped')})"
                   if training else "not trained (a baseline)")
        st.caption(f"Metrics @10 on the held-out last item: full = ranked against every item, sampled = against 100 "
                   f"random ones. Settings: {' · '.join(s for s in settings if s)} · seed {seed} · {trained}.")


# --- users -------------------------------------------------------------------------------------

@st.cache_resource(max_entries=32, show_spinner=False)
def _planted(path: str, mtime: float, data_dir_: str | None) -> dict:
    loaded = loaded_model(path)
    if loaded.data.causes is None:
        return {}
    # The item table from the shared dataset cache: otherwise each model on the page reads the file again.
    return planted_for_model(loaded, data_dir_, items=dataset_for(loaded.meta["dataset"]["spec"]).items)


def planted(path: str) -> dict:
    return _planted(path, os.path.getmtime(path), data_dir())


@st.cache_data(max_entries=64, show_spinner=False)
def _planted_rate(path: str, mtime: float, data_dir_: str | None) -> dict | None:
    return planted_accuracy(loaded_model(path), planted(path))


def planted_rate(path: str) -> dict | None:
    """How often this model's attention finds the planted trigger (embedded data only)."""
    return _planted_rate(path, os.path.getmtime(path), data_dir())


@st.cache_data(max_entries=32, show_spinner=False)
def _interesting(path: str, mtime: float, data_dir_: str | None) -> list[dict]:
    return interesting_users(loaded_model(path).data, planted(path))


def _set_user(user_id):
    if user_id:
        st.session_state["user_id"] = str(user_id)


def _random_user(user_ids):
    _set_user(np.random.default_rng().choice(user_ids))


def choose_user(path: str, key: str) -> str | None:
    """User id box, a random button, interesting users and "users who interacted with item X".
    Bound to session "user_id"; the first interesting user is the default."""
    data = loaded_model(path).data
    interesting = _interesting(path, os.path.getmtime(path), data_dir())
    if not st.session_state.get("user_id") and interesting:
        st.session_state["user_id"] = interesting[0]["user_id"]
    user = st.session_state.get("user_id")
    box, pick = f"_{key}_user", f"_{key}_interesting"
    st.session_state[box] = user or ""
    why = {u["user_id"]: u["why"] for u in interesting}
    st.session_state[pick] = user if user in why else None
    c1, c2, c3 = st.columns([2, 1.3, 4], vertical_alignment="bottom")
    c1.text_input("User id", key=box, on_change=lambda: _set_user(st.session_state[box].strip()),
                  help=f"{data.n_users:,} users, e.g. {', '.join(map(str, data.user_ids[:3]))}")
    c2.button("Random user", icon=":material/casino:", key=f"_{key}_random", on_click=_random_user, args=(data.user_ids,), width="stretch")
    c3.selectbox("Interesting users", list(why), key=pick, format_func=lambda u: f"{u} · {why[u]}",
                 placeholder="Users worth a look…", on_change=lambda: _set_user(st.session_state[pick]))
    with st.expander("Find users who interacted with an item", icon=":material/search:"):
        q = st.text_input("Item title contains", key=f"_{key}_item_q", placeholder="e.g. Tablet")
        hits = search_items(data, q) if q.strip() else []
        if q.strip() and not hits:
            st.caption("No item title contains that text.")
        if hits:
            titles = {h["item_id"]: f"{h['title']} ({h['interactions']} interactions)" for h in hits}
            item = st.selectbox("Item", list(titles), format_func=titles.get, key=f"_{key}_item")
            users = users_who_interacted(data, item)
            ukey = f"_{key}_item_user"
            st.selectbox(f"Users who interacted with it ({len(users)} shown)", users, index=None, key=ukey,
                         placeholder="Pick a user…", on_change=lambda: _set_user(st.session_state[ukey]))
    return st.session_state.get("user_id")


# --- explanations ------------------------------------------------------------------------------

@st.cache_data(max_entries=256, show_spinner="Explaining…")
def _explain(path: str, mtime: float, data_dir_: str | None, user_id: str, k: int, extra: tuple) -> dict:
    return explain_user(loaded_model(path), user_id, k, extra_items=extra, planted=planted(path))


def explain(path: str, user_id: str, k: int, extra: tuple = ()) -> dict:
    """explain_user for a model file, cached per (file version, user, k, extra items) for every session."""
    return _explain(path, os.path.getmtime(path), data_dir(), str(user_id), int(k), tuple(extra))


def _ago(seconds: float) -> str:
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
                       ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} before the last"
    return "same time as the last" if seconds <= 0 else "seconds before the last"


def title_of(data, item_id: str) -> str:
    i = data.item_index().get(str(item_id))
    return str(data.titles[i]) if i else f"item {item_id}"


def history_frame(res: dict, data) -> pd.DataFrame:
    """The visible history as a timeline, oldest first, as the model reads it."""
    hist = res["history"]
    last = hist[-1]["timestamp"]
    real_time = last > 1e8  # epoch seconds; data without times carries the row order instead
    rows = []
    for h in hist:
        when = "the last" if h["steps_back"] == 1 else (_ago(last - h["timestamp"]) if real_time
                                                         else f"{h['steps_back'] - 1} steps before the last")
        row = {"Steps back": h["steps_back"], "When": when, "Title": h["title"], "Category": h["category"]}
        if "rating" in h:
            row["Rating"] = h["rating"]
        if "cause" in h:
            c = h["cause"]
            trigger = c.split(" ", 1)[1] if c.startswith("trigger ") else None
            row["Planted cause"] = f"follow-up of {title_of(data, trigger)}" if trigger else c
        rows.append(row)
    return pd.DataFrame(rows)


def history_labels(res: dict) -> tuple[list[str], list[str]]:
    """Full titles and "n steps back" notes for the history columns of every heatmap."""
    hist = res["history"]
    notes = [f"{h['steps_back']} step{'s' if h['steps_back'] > 1 else ''} back" for h in hist]
    return [h["title"] for h in hist], notes


def rec_labels(recs: list[dict]) -> list[str]:
    return [f"why not: {r['title']}" if r.get("kind") == "why-not" else f"{j + 1}. {r['title']}"
            for j, r in enumerate(recs)]


def has_focus(res: dict) -> bool:
    """False for the mean baseline: uniform weights have no top item, so no argmax or hard pick to show."""
    return res["arch"] != "mean"


def recommendations_frame(res: dict) -> pd.DataFrame:
    hist = res["history"]
    rows = []
    for j, r in enumerate(res["recommendations"]):
        row = {"#": j + 1, "Recommendation": r["title"], "Score": r["score"]}
        if r.get("soft") is not None and has_focus(res):
            row["Attention's top item"] = hist[int(np.argmax(r["soft"]))]["title"]
        if r.get("honesty") and has_focus(res):
            row["Most influential item"] = hist[r["honesty"]["top_influence"]]["title"]
            row["Agree"] = "yes" if r["honesty"]["agree"] else "no"
        if any("planted" in x for x in res["recommendations"]):
            p = r.get("planted")
            row["Planted trigger"] = "" if not p else (
                f"{p['trigger_title']} ({'found' if p['hard_hit'] else 'missed'} by hard)")
        row["Category"] = r["category"]
        rows.append(row)
    return pd.DataFrame(rows)


def weights_frame(rows: list[str], weights: list[list[float]], res: dict) -> pd.DataFrame:
    """A heatmap as a table: rows as labelled, one column per history item ("3 back · title")."""
    cols = [f"{h['steps_back']} back · {h['title']}" for h in res["history"]]
    return pd.DataFrame(weights, index=rows, columns=cols).round(4)


def heatmap(res: dict, key: str, title: str, recs: list[dict] | None = None, show_scale: bool = True,
            max_labels: int = 24):
    """Recommendations x history heatmap of `soft` or `hard` weights; None when the model has no attention."""
    recs = res["recommendations"] if recs is None else recs
    if not recs or recs[0].get(key) is None:
        return None
    cols, notes = history_labels(res)
    marks = [(j, r["planted"]["position"]) for j, r in enumerate(recs) if r.get("planted")]
    return charts.attention_heatmap([r[key] for r in recs], rec_labels(recs), cols, title=title, marks=marks,
                                    col_notes=notes, cell_word="soft weight" if key == "soft" else "hard pick",
                                    show_scale=show_scale, max_labels=max_labels)


def attention_maps(res: dict, hard_res: dict | None, hard_trained: bool):
    """Soft (left) and hard (right: the hard-trained model, and the argmax of this one) on one 0..1 scale,
    each with a table alternative, and the self-attention layers when there are any."""
    if res["recommendations"][0].get("soft") is None:
        st.info(f"This model has no attention to show: it explains {res['explained_by']}.")
        return
    stacked = st.toggle("Stack the maps (more room for long histories)", key="_explain_stack")
    left, right = (st.container(), st.container()) if stacked else st.columns(2, gap="medium")
    max_labels = 48 if stacked else 24
    with left:
        title = f"Soft: {'pre-argmax view of ' if hard_trained else ''}{res['model']}"
        st.plotly_chart(heatmap(res, "soft", title, show_scale=stacked, max_labels=max_labels), key="heat_soft")
    with right:
        maps = {}
        if has_focus(res):
            maps[f"Hard: {res['model']}{'' if hard_trained else ' (argmax)'}"] = (res, "heat_hard")
        if hard_res and hard_res["recommendations"][0].get("hard") is not None:
            maps = {f"Hard-trained: {hard_res['model']}": (hard_res, "heat_hard_trained"), **maps}
        if not maps:
            st.info("The mean baseline weighs every history item equally, so it has no hard pick. Train a "
                    "hard-attention model to see one here.")
        for tab, (r, key) in zip(st.tabs(list(maps)) if maps else [], maps.values()):
            with tab:
                st.plotly_chart(heatmap(r, "hard", "", max_labels=max_labels), key=key)
    planted = any(r.get("planted") for r in res["recommendations"])
    st.caption("Rows: recommendations; columns: the history, oldest left; hover a cell for the full titles. Every map "
               "uses the same colour scale, 0 to 1, stretched at the low end so small weights stay visible. Soft "
               "attention spreads weight over the history; hard attention "
               "keeps exactly one item per row"
               + (" (the argmax view shows what this model would keep)." if not hard_trained else ".")
               + (" Orange outline: the planted trigger behind a follow-up." if planted else ""))
    with st.expander("Tables of these heatmaps (for screen readers and copying)"):
        tables = {"Soft": (res, "soft")}
        if has_focus(res):
            tables["Hard (argmax)" if not hard_trained else "Hard"] = (res, "hard")
        if hard_res and hard_res["recommendations"][0].get("hard") is not None:
            tables[f"Hard-trained ({hard_res['model']})"] = (hard_res, "hard")
        for tab, (r, key) in zip(st.tabs(list(tables)), tables.values()):
            with tab:
                recs = r["recommendations"]
                st.dataframe(weights_frame(rec_labels(recs), [x[key] for x in recs], r))
    if res.get("attention_maps"):
        with st.expander("Every layer and head of the self-attention"):
            layer_maps(res, "layers")


def why_not(path: str, res: dict, k: int, data):
    """Search an item, explain it as an extra candidate: its rank, score and attention row."""
    query = st.text_input("Search an item by title", key="_explain_whynot_q", placeholder="e.g. Lens")
    hits = search_items(data, query, limit=30) if query.strip() else []
    if query.strip() and not hits:
        st.caption("No item title contains that text.")
    if not hits:
        return
    titles = {h["item_id"]: h["title"] for h in hits}
    item = st.selectbox("Item", list(titles), format_func=titles.get, key="_explain_whynot_item")
    wn_res = friendly(explain, path, res["user_id"], k, (item,))
    if not wn_res:
        return
    wn, recs = wn_res["why_not"][0], res["recommendations"]
    kth = recs[-1]["score"]
    if in_history(data, res["user_id"], item):
        st.info(f"**{wn['title']}** is already in this user's history, and the model never recommends what a user "
                "already has.")
    elif wn["rank"] is not None and wn["rank"] < len(recs):
        st.success(f"**{wn['title']}** is already recommended, at #{wn['rank'] + 1}.")
    else:
        where = f"#{wn['rank'] + 1:,} of {data.n_items:,}" if wn["rank"] is not None else "below the top 2,000"
        st.warning(f"**{wn['title']}** ranks {where} for this user: score {wn['score']:.3f}, while #{len(recs)} "
                   f"scores {kth:.3f}. It would need {kth - wn['score']:+.3f} to make the list.")
    fig = heatmap(wn_res, "soft", f"Soft attention for {wn['title']} (same colour scale as above)", recs=[wn],
                  show_scale=False)
    if fig is not None:
        st.plotly_chart(fig, key="heat_whynot")
    explain_one(wn, wn_res, "whynot")


def layer_maps(res: dict, key: str):
    """Self-attention: the last position's row of every layer and head, and any one full map."""
    maps = res.get("attention_maps")
    if not maps:
        return
    cols, notes = history_labels(res)
    names = [f"layer {m['layer'] + 1} · head {m['head'] + 1}" for m in maps]
    st.markdown("**The last position's row in every layer and head** (the explanation above averages the last "
                "layer's heads)")
    last_rows = [m["weights"][-1] for m in maps]
    st.plotly_chart(charts.attention_heatmap(last_rows, names, cols, col_notes=notes, row_name="Layer · head",
                                             max_labels=48), key=f"{key}_last_rows")
    which = st.selectbox("Full map of", range(len(maps)), format_func=lambda i: names[i], key=f"{key}_map")
    st.plotly_chart(charts.attention_heatmap(maps[which]["weights"], cols, cols, col_notes=notes, max_labels=48,
                                             row_name="Position (query)", col_name="Attends to"),
                    key=f"{key}_full_map")
    with st.expander("Table of these maps"):
        st.dataframe(weights_frame(names, last_rows, res))
        st.dataframe(weights_frame([f"{c} (query)" for c in cols], maps[which]["weights"], res))


# --- one recommendation: why -------------------------------------------------------------------

def _agreement(rho: float) -> str:
    if rho >= 0.7:
        return "in much the same order"
    if rho >= 0.4:
        return "in a fairly similar order"
    if rho >= 0.1:
        return "in only a slightly similar order"
    if rho > -0.1:
        return "in unrelated orders"
    return "in opposite orders"


def _change(drop: float) -> str:
    if abs(drop) < 5e-4:
        return "barely changes it"
    return f"lowers it by {drop:.3f}" if drop > 0 else f"even raises it by {-drop:.3f}"


def honesty_words(rec: dict, res: dict) -> list[tuple[str, str]]:
    """(kind, markdown) sentences a product manager can read: does attention point at what drove the score?"""
    hist, soft = res["history"], rec.get("soft")
    if soft is None:
        return [("info", f"This model has no attention to show: it explains {res['explained_by']}.")]
    infl = rec.get("influence")
    if infl is None or not rec.get("honesty"):
        return [("info", "With a single history item there is nothing to compare attention against.")]
    h = rec["honesty"]
    a, b = hist[h["top_attention"]]["title"], hist[h["top_influence"]]["title"]
    n = len(hist)
    if max(soft) - min(soft) < 1e-6:
        out = [("info", f"Attention is spread evenly over all {n} items, so it points at nothing in particular. "
                        f"Taking out **{b}** lowers the score the most ({h['max_drop']:.3f}).")]
    elif h["agree"]:
        out = [("success", f"Attention points most at **{a}**, and taking {a} out of the history is also what lowers "
                           f"this score the most ({h['max_drop']:.3f}). Here attention tells the truth about what "
                           "drove the recommendation.")]
    else:
        out = [("warning", f"Attention points most at **{a}**, but taking out **{b}** lowers the score the most "
                           f"({h['max_drop']:.3f}), while taking out {a} "
                           f"{_change(h['drop_when_top_attention_removed'])} "
                           f"(#{h['attention_top_influence_rank'] + 1} of {n} by influence). Attention is not the "
                           "whole story here: read the heatmap with care.")]
    if h.get("spearman") is not None:
        # After "attention tells the truth", a low rank correlation would read as a contradiction: it
        # is about the near-zero weights of the other items, so say so.
        lead = ("Beyond that item, the small weights are a poor guide: across" if h["agree"] and h["spearman"] < 0.1
                else "Across")
        out.append(("info", f"{lead} all {n} history items, attention and influence rank them "
                            f"{_agreement(h['spearman'])} (Spearman ρ = {h['spearman']:+.2f}; 1 = the same order, "
                            "0 = unrelated)."))
    return out


def planted_words(rec: dict, res: dict) -> tuple[str, str] | None:
    """The known cause on the embedded data, and whether soft and hard attention found it."""
    p = rec.get("planted")
    if not p:
        return None
    soft, hist = rec.get("soft"), res["history"]
    text = (f"**Planted truth:** in this shop, buying **{p['trigger_title']}** brings customers back for "
            f"**{rec['title']}**; this user bought it {p['steps_back']} step{'s' if p['steps_back'] > 1 else ''} ago.")
    if soft is None:
        return "info", text
    place = 1 + sum(w > soft[p["position"]] for w in soft)
    text += f" Soft attention gives it {p['soft_weight']:.3f}, the #{place} weight of {len(hist)}."
    if p["hard_hit"]:
        text += " Hard attention picks it too."
    else:
        text += f" Hard attention picks **{hist[int(np.argmax(rec['hard']))]['title']}** instead."
    return ("success" if p["hard_hit"] else "warning"), text


def say(kind: str, text: str):
    {"success": st.success, "warning": st.warning, "info": st.info}[kind](text)


def why_frame(rec: dict, res: dict) -> pd.DataFrame:
    """One row per history item: what attention says and what removing it does; most influential first."""
    trigger = (rec.get("planted") or {}).get("position")
    rows = []
    for p, h in enumerate(res["history"]):
        row = {"Steps back": h["steps_back"], "History item": h["title"], "Category": h["category"]}
        if rec.get("soft") is not None:
            row["Soft weight"] = rec["soft"][p]
            if has_focus(res):
                row["Hard pick"] = bool(rec["hard"][p] == 1.0)
        if "contribution" in rec:
            row["Contribution to score"] = rec["contribution"][p]
        if "influence" in rec:
            row["Score drop when removed"] = rec["influence"][p]
        if trigger is not None:
            row["Planted trigger"] = p == trigger
        rows.append(row)
    df = pd.DataFrame(rows)
    sort = next((c for c in ("Score drop when removed", "Soft weight") if c in df.columns), None)
    return df.sort_values(sort, ascending=False, kind="stable") if sort else df


def why_chart(rec: dict, res: dict, show_all: bool, n: int = 12):
    df = why_frame(rec, res)
    if not show_all:
        df = df.head(n)
    labels = [("★ " if r.get("Planted trigger") else "") + ("◆ " if r.get("Hard pick") else "")
              + f"{charts.short(r['History item'], 26)} ({r['Steps back']} back)" for r in df.to_dict("records")]
    hover = [f"{r['History item']} · {r['Category']} · {r['Steps back']} back" for r in df.to_dict("records")]
    return charts.why_figure(labels, df["Soft weight"].tolist() if "Soft weight" in df else None,
                             df["Score drop when removed"].tolist() if "Score drop when removed" in df else None,
                             hover)


def explain_one(rec: dict, res: dict, key: str):
    """Bars, plain words and the table for one recommendation (or a why-not item)."""
    if rec.get("soft") is None:
        st.info(f"Nothing to show: this model explains {res['explained_by']}.")
        return
    chart, words = st.columns([3, 2], gap="medium")
    with words:
        for kind, text in honesty_words(rec, res):
            say(kind, text)
        planted_note = planted_words(rec, res)
        if planted_note:
            say(*planted_note)
        st.caption("**Soft weight**: how much attention the item gets (0 to 1). **Hard pick**: the one item hard "
                   "attention keeps. **Score drop when removed**: how much this score falls when the item is taken "
                   "out of the history, the model's real sensitivity. "
                   + ("**Contribution**: the item's exact share of the score. " if "contribution" in rec else "")
                   + "★ planted trigger, ◆ hard pick.")
    with chart:
        show_all = st.toggle("Show every history item", key=f"{key}_all", value=len(res["history"]) <= 12)
        st.plotly_chart(why_chart(rec, res, show_all), key=f"{key}_bars")
    with st.expander("Table of the history items behind it"):
        st.dataframe(why_frame(rec, res), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.4f") for c in
                                    ("Soft weight", "Contribution to score", "Score drop when removed")})


def in_history(data, user_id: str, item_id: str) -> bool:
    i = data.item_index().get(str(item_id))
    return i is not None and i in set(data.seq(find_user(data, user_id)).tolist())


def metrics_frame(entries: list[library.Entry], seconds: dict[str, float | None]) -> pd.DataFrame:
    """One row per model: @10 metrics under both protocols (from each checkpoint's meta) and training time."""
    rows = []
    for e in entries:
        row = {"Model": e.name, "Kind": "shipped" if e.shipped else (e.label or "saved")}
        for protocol in ("full", "sampled"):
            for metric in ("ndcg@10", "hr@10", "mrr@10"):
                value = e.metrics.get(protocol, {}).get(metric)
                row[f"{metric.upper()} · {protocol}"] = None if value is None else round(value, 4)
        row["Training (s)"] = seconds.get(e.path)
        rows.append(row)
    return pd.DataFrame(rows)
