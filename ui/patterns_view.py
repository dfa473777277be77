"""The Patterns page's parts: the population computed once per model file version (shared by every
session, so a second visit is instant) with a progress bar, and each section's table, chart and
sentences. The numbers come from recsys_core.population, the sentences from claims/population.py.

Clicking a because-of pair lists the users it covers; a button opens one of them on the Explain page
(same model, same K), where the pair shows as that user's recommendation and its removal test.
"""
import json
import os
import threading
from collections import OrderedDict

import pandas as pd
import streamlit as st

from recsys_core.claims.population import population_claims
from recsys_core.population.export import TABLES, to_csv, to_html
from recsys_core.population.itemmap import nearest_items
from recsys_core.population.report import Patterns, patterns
from ui import charts as look
from ui import patterns_charts as charts
from ui.keys import keyed
from ui.state import data_dir, loaded_model, version_of
from ui.user_pick import planted

KEEP = 16  # results kept in memory, least recently used dropped first
DEFAULT_USERS = 2000  # above this many users the page starts with a seeded sample (the sidebar changes it)
PAIRS_SHOWN = 20
TONES = {"success": st.success, "warning": st.warning, "info": st.info}


@st.cache_resource(show_spinner=False)
def _store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def cached(path: str, users: int | None, k: int) -> Patterns | None:
    """The result for this model file version, if computed already."""
    store, lock = _store()
    with lock:
        key = (path, version_of(path), users, k, data_dir())
        if key in store:
            store.move_to_end(key)
        return store.get(key)


def patterns_for(path: str, users: int | None, k: int) -> Patterns:
    """The population of the model at `path` (all users, or a seeded sample), with a progress bar the first time."""
    found = cached(path, users, k)
    if found is not None:
        return found
    loaded = loaded_model(path)
    n = loaded.data.n_users if users is None else min(users, loaded.data.n_users)
    bar = st.progress(0.0, text=f"Testing every recommendation of {n:,} users by removal…")
    words = {"recommendations": "Removal test of every recommendation", "slices": "Ranking each user's held-out item"}

    def tick(stage: str, done: int, total: int):
        share = done / max(1, total)
        bar.progress(0.9 * share if stage == "recommendations" else 0.9 + 0.1 * share,
                     text=f"{words.get(stage, stage)}: {done:,} of {total:,} users")

    result = patterns(loaded, users=users, k=k, planted=planted(path), progress=tick)
    bar.empty()
    store, lock = _store()
    with lock:
        store[(path, version_of(path), users, k, data_dir())] = result
        while len(store) > KEEP:
            store.popitem(last=False)
    return result


def scope_inputs(path: str) -> tuple[int | None, int]:
    """Sidebar: recommendations per user and how many users (all, or a seeded sample)."""
    n = loaded_model(path).data.n_users
    k = st.slider("Recommendations per user (K)", 1, 30, 10, key="_patterns_k")
    users = st.number_input(f"Users (of {n:,})", 1, n, min(n, DEFAULT_USERS), step=100, key=keyed("_patterns_users", path),
                            help="All users, or a seeded sample of this many. Every recommendation of every user is "
                                 "tested by removing each history item in turn.")
    return (None if users >= n else int(users)), k


def claims_of(p: Patterns, *kinds: str):
    for c in population_claims(p):
        if c.kind in kinds:
            TONES[c.tone](c.text)


def caption_of(p: Patterns, *kinds: str):
    for c in population_claims(p):
        if c.kind in kinds:
            st.caption(c.text)


def pairs_frame(p: Patterns) -> pd.DataFrame:
    rows = [{"#": i + 1, "History item": x.history_title, "Recommended": x.title, "Influence": x.influence,
             "Users": x.users, "Removal's top": x.top_by_removal, "Attention's top": x.top_by_attention,
             "Planted": None if x.planted is None else ("yes" if x.planted else "no")}
            for i, x in enumerate(p.pairs[:PAIRS_SHOWN])]
    frame = pd.DataFrame(rows)
    return frame.drop(columns=[c for c in ("Attention's top", "Planted") if c in frame and frame[c].isna().all()])


def _open_on_explain(path: str, user_id: str, k: int):
    st.session_state["model_path"] = path
    st.session_state["user_id"] = user_id
    st.session_state["_explain_k"] = k
    st.switch_page("pages/explain.py")


def pairs_section(p: Patterns, path: str):
    if not p.pairs:
        return
    frame = pairs_frame(p)
    picked = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", height=38 + 35 * len(frame),
                          key=keyed("_patterns_pairs", path, p.users, p.k),
                          column_config={"#": st.column_config.NumberColumn(width=30),
                                         "Influence": st.column_config.NumberColumn(format="%.2f")})
    st.caption("Influence: the total drop in the recommendation's score when the history item is removed, over every "
               "user whose top list holds it. Users: those with the item in view and the recommendation in their top "
               f"{p.k}. Removal's / attention's top: for how many of them that history item is the one whose removal "
               "hurts most / the one attention points at most." + (" Planted: a trigger → follow-up pair the shop's "
                                                                   "generator put there." if p.precision else ""))
    rows = picked.selection.rows if picked and picked.selection else []
    pair = p.pairs[rows[0]] if rows else None
    if pair is None:
        st.caption("Select a row to see the users a pair covers and open one of them on Explain.")
        return
    st.markdown(f"**{pair.history_title} → {pair.title}**: {pair.users:,} users; the largest drops:")
    cols = st.columns(min(len(pair.example_users), 5))
    for col, uid in zip(cols, pair.example_users):
        if col.button(f"Open user {uid} on Explain", key=keyed("_patterns_open", path, pair.history_item, pair.item, uid),
                      icon=":material/visibility:"):
            _open_on_explain(path, uid, p.k)


NOTHING = "Nothing to draw: removing any history item never lowers a recommendation of this model."


def flows_section(p: Patterns):
    claims_of(p, "flows")
    if p.flows is None:
        claims_of(p, "no-categories")
        return
    if not p.pairs:
        st.caption(NOTHING)
        return
    views = ["influence"] + (["attention"] if p.flows.attention is not None else [])
    by = st.radio("Measured by", views, horizontal=True, key="_patterns_flow_by",
                  format_func={"influence": "measured influence (removal test)", "attention": "attention mass"}.get)
    look.show(charts.flows_heatmap(p.flows, by, f"{p.model}: history category → recommended category"),
              key="patterns_flows", config=_png("flows", p))


def profile_section(p: Patterns):
    claims_of(p, "look-back")
    if not p.pairs:
        st.caption(NOTHING)
        return
    look.show(charts.profile_lines(p.profile, f"{p.model}: how far back it looks"), key="patterns_profile",
              config=_png("look-back", p))
    if p.profile.layers:
        look.show(charts.layer_lines(p.profile, f"{p.model}: each layer's last-position attention"),
                  key="patterns_layers", config=_png("layers", p))
    st.caption("Each curve is a share of its own total: of all the measured influence (score drops on removal; "
               "negative where removing such items raises scores), of all attention weight, of all hard picks."
               + (" Grey: where the generator placed each planted follow-up after its trigger." if p.profile.planted
                  else ""))


def trust_section(p: Patterns):
    claims_of(p, "trust")
    if not p.trust:
        return
    rows = p.trust
    fig = charts.interval_bars([a.explainer for a in rows], [a.agree.value for a in rows], [a.agree.low for a in rows],
                               [a.agree.high for a in rows], f"{p.model}: top item = the removal test's top item",
                               "share of recommendations (95% interval)", highlight="attention",
                               hover=[f"{a.explainer}: {a.summary}" for a in rows])
    look.show(fig, key="patterns_trust", config=_png("trust", p))
    st.caption(f"Over {rows[0].recommendations:,} recommendations that some single removal lowers. Ties count "
               "fairly: `uniform` scores chance. Every model on this dataset: the table below.")


def every_model(entries, path: str, users: int | None, k: int):
    """Agreement with the removal test for every model on this dataset (same users, same K), on request."""
    paths = [path] + [e.path for e in entries if e.path != path]
    with st.expander(f"Every model on this dataset ({len(paths)}): does its attention agree with the removal test?",
                     icon=":material/compare:"):
        done = {q: cached(q, users, k) for q in paths}
        if any(v is None for v in done.values()) and not st.toggle(
                "Measure the others too (each is a removal test of every recommendation; kept for the next visit)",
                key="_patterns_every"):
            st.caption(f"{sum(v is not None for v in done.values())} of {len(paths)} measured so far.")
            return
        rows = []
        for q in paths:
            r = done[q] or patterns_for(q, users, k)
            att = next((a for a in r.trust if a.explainer == "attention"), None)
            best = max(r.trust, key=lambda a: a.agree.value, default=None)
            rows.append({"Model": r.model, "Family": r.family,
                         "Attention's top = removal's top": None if att is None or not r.has_attention else
                         f"{att.agree.value:.0%} ({att.agree.low:.0%}–{att.agree.high:.0%})",
                         "Best explainer": None if best is None else f"{best.explainer} {best.agree.value:.0%}",
                         "Precision@20 (planted)": None if r.precision is None else r.precision.precision})
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption("Empty: the model has no attention that singles out an item. 95% intervals in brackets.")


def slices_section(p: Patterns):
    claims_of(p, "slices", "popularity", "coverage")
    s = p.slices
    groups = [("By history length", s.by_length), ("By the held-out item's popularity decile", s.by_popularity)]
    if s.by_category:
        groups.append(("By the held-out item's category", s.by_category))
    cols = st.columns(len(groups))
    for i, (col, (title, rows)) in enumerate(zip(cols, groups)):
        fig = charts.interval_bars([r.group for r in rows], [r.ndcg.value for r in rows], [r.ndcg.low for r in rows],
                                   [r.ndcg.high for r in rows], title, "NDCG@10 (95% interval)", percent=False,
                                   hover=[f"{r.group}: {r.users:,} users, HR@10 {r.hr.value:.3f}" for r in rows])
        look.show(fig, key=f"patterns_slice_{i}", where=col, config=_png("slices", p))
    st.caption(f"NDCG@10 on each user's held-out last item (all {s.overall.users:,} users: {s.overall.ndcg.value:.3f}), "
               "by the number of items before it, by how popular it is (decile 1: the 10% most interacted items) and "
               "by its category. HR@10 is in the hover and the CSV.")


def item_map_section(p: Patterns, path: str):
    m = p.item_map
    if m is None:
        claims_of(p, "no-item-map")
        return
    box, clicked = keyed("_patterns_item_box", path), keyed("_patterns_item_click", path)
    event = look.show(charts.item_scatter(m, f"{p.model}: item embeddings (PCA)", st.session_state.get(box)),
                      key=keyed("patterns_map", path), on_select="rerun", selection_mode="points",
                      config=_png("item-map", p))
    points = event.selection.points if event and event.selection else []
    click = int(points[0]["customdata"][0]) if points and points[0].get("customdata") else None
    if click is not None and click != st.session_state.get(clicked):  # a new click picks the item below
        st.session_state[box] = click
    st.session_state[clicked] = click
    order = sorted(range(len(m.item_ids)), key=lambda i: -m.interactions[i])
    pick = st.selectbox("Nearest items to…", order, index=None, format_func=lambda i: m.titles[i],
                        placeholder="Click a point, or pick an item", key=box)
    if pick is not None:
        near = nearest_items(loaded_model(path).model, loaded_model(path).data, m.item_ids[pick])
        st.dataframe(pd.DataFrame([{"Item": x.title, "Category": x.category, "Cosine": x.similarity} for x in near]),
                     hide_index=True, column_config={"Cosine": st.column_config.NumberColumn(format="%.3f")})
    st.caption("Nearest by cosine similarity in the full embedding space; the picture keeps "
               f"{m.explained[0] + m.explained[1]:.0%} of its variance.")


def _png(name: str, p: Patterns) -> dict:
    return {"toImageButtonOptions": {"filename": f"patterns-{p.model}-{p.dataset}-{name}".replace(" ", "-")}}


def exports(p: Patterns):
    """HTML report, JSON and every table as CSV, built on request."""
    stem = f"attention-lens-patterns-{p.model}-{p.dataset}".replace(" ", "-").replace(os.sep, "-")
    c1, c2 = st.columns(2)
    c1.download_button("HTML report (opens offline)", lambda: to_html(p, population_claims(p)), f"{stem}.html",
                       "text/html", icon=":material/description:", key="_patterns_html", on_click="ignore")
    c2.download_button("Everything as JSON", lambda: json.dumps({**p.to_json(), "claims": [
        c.to_json() for c in population_claims(p)]}, indent=2), f"{stem}.json", "application/json",
        icon=":material/data_object:", key="_patterns_json", on_click="ignore")
    cols = st.columns(len(TABLES))
    for col, name in zip(cols, TABLES):
        col.download_button(f"{name.replace('_', ' ')} (CSV)", lambda name=name: to_csv(p, name), f"{stem}-{name}.csv",
                            "text/csv", key=f"_patterns_csv_{name}", on_click="ignore")
    st.caption("Each chart's camera button saves it as PNG, titled with the model.")
