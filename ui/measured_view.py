"""The Explain page's measured explanation of one recommendation: sentences generated from measured
numbers (recsys_core.explain.words, never contradicting them), every explainer's faithfulness
against the random-order floor, and the counterfactual verified by re-scoring
(recsys_core.explain.report.explain_item, the `explain` command's document)."""
import os

import pandas as pd
import streamlit as st

from recsys_core.explain.report import explain_item
from ui.state import data_dir, friendly, opened

AUTO_UP_TO = 100  # history items: up to this many the report is computed at once; beyond, on request


@st.cache_data(max_entries=128, show_spinner="Measuring every explainer…")
def _report(path: str, mtime: float, data_dir_: str | None, user_id: str, item_id: str, k: int):
    return explain_item(opened(path, data_dir_), user_id, item_id=item_id, top_k=k)


def explainers_frame(rep) -> pd.DataFrame:
    rows = []
    for name in [*rep.explainers, "random"]:
        f = rep.faithfulness.get(name)
        if f is None:
            continue
        imp = rep.importance.get(name)
        top = rep.history[max(range(len(imp)), key=imp.__getitem__)]["title"] if imp else "(random order)"
        rows.append({"Explainer": name + (" ★" if name == rep.best_explainer else ""), "Top item": top,
                     "Deletion area": f.deletion_area, "Comprehensiveness": f.aopc_comprehensiveness,
                     "Sufficiency": f.aopc_sufficiency, "τ vs removal test": f.kendall_tau})
    return pd.DataFrame(rows)


def measured(path: str, res, rec, k: int, key: str):
    if rec.soft is None:
        return
    if len(res.history) > AUTO_UP_TO and not st.toggle(
            f"Measure every explainer on this recommendation (a few seconds at {len(res.history):,} items)",
            key=f"{key}_measure"):
        return
    rep = friendly(_report, path, os.path.getmtime(path), data_dir(), res.user_id, rec.item_id, k)
    if rep is None:
        return
    with st.container(border=True):
        st.markdown("**In plain words (from the measured numbers):** " + " ".join(rep.words))
        cf = rep.counterfactual
        if cf.found:
            gone = ", ".join(f"*{rep.history[p]['title']}*" for p in cf.removed)
            st.caption(f"Verified by re-scoring: without {gone} this item falls to #{cf.rank_after + 1:,}.")
        else:
            st.caption(f"No set of up to {cf.max_removals} history items takes it out of the top {rep.top_k} "
                       "(each step re-scored).")
    with st.expander("Which explanation to believe? Every explainer, measured", icon=":material/science:"):
        st.dataframe(explainers_frame(rep), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                    ("Deletion area", "Comprehensiveness", "Sufficiency", "τ vs removal test")})
        st.caption("Deletion area: the item's score as history items are removed in the explainer's order (lower: "
                   "the explainer found what matters; compare with **random**). Comprehensiveness: the score lost "
                   "without its top 1/3/5 items (higher is better); sufficiency: the score lost when keeping only "
                   "them (lower is better). "
                   "τ: rank agreement with the removal test. ★ the most faithful here.")
