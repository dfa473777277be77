"""The Explain page's measured explanation of one recommendation: the claims made from measured numbers
(recsys_core.claims.measured: ranks after removals, the counterfactual, each re-scored), and every
explainer's faithfulness against the random-order floor (recsys_core.explain.report.explain_item, the
`explain` command's document)."""
import pandas as pd
import streamlit as st

from recsys_core.explain.report import explain_item
from ui.state import Version, data_dir, friendly, opened, version_of
from ui.why_view import say

# Measuring re-scores the recommendation dozens of times (every explainer's deletion curve, the random
# floor, the counterfactual search), several times the cost of the rest of the page: it runs on request.
# The switch is the session's preference, not the user's: once on, it stays on from user to user.
SWITCH = "_measure_every"
PREFERENCE = "_measure_every_on"  # the session's choice, kept while the switch is not drawn


@st.cache_data(max_entries=128, show_spinner="Measuring every explainer…")
def _report(version: Version, data_dir_: str | None, user_id: str, item_id: str, k: int):
    # The page shows areas, AOPC and tau, never the curves' ranks: scores only (ranked_curves=False).
    return explain_item(opened(version, data_dir_), user_id, item_id=item_id, top_k=k, ranked_curves=False)


def explainers_frame(rep) -> pd.DataFrame:
    rows = []
    for name in [*rep.explainers, "random"]:
        f = rep.faithfulness.get(name)
        if f is None:
            continue
        imp = rep.importance.get(name)
        top = rep.history[max(range(len(imp)), key=imp.__getitem__)].title if imp else "(random order)"
        rows.append({"Explainer": name + (" ★" if name == rep.best_explainer else ""), "Top item": top,
                     "Deletion area": f.deletion_area, "Comprehensiveness": f.aopc_comprehensiveness,
                     "Sufficiency": f.aopc_sufficiency, "τ vs removal test": f.kendall_tau})
    return pd.DataFrame(rows)


def measured(path: str, res, rec, k: int):
    # Streamlit drops a widget's state on a run that does not draw it (another page): the preference is kept
    # under a key of its own and handed back to the widget.
    st.session_state[SWITCH] = st.session_state.get(PREFERENCE, False)
    on = st.toggle("Measure it on the model: ranks after removals, the smallest change that drops it, and every "
                   "explainer's faithfulness", key=SWITCH,
                   help="Re-scores this recommendation dozens of times: about a second on the embedded shop, "
                        "longer for long histories. Stays on as you switch users and pages.",
                   on_change=lambda: st.session_state.__setitem__(PREFERENCE, st.session_state[SWITCH]))
    if not on:
        return
    rep = friendly(lambda: _report(version_of(path), data_dir(), res.user_id, rec.item_id, k))
    if rep is None:
        return
    with st.container(border=True):
        st.markdown("**Measured on the model** (every rank re-scored, as the what-if editor would):")
        say(rep.claims)
    with st.expander("Which explanation to believe? Every explainer, measured", icon=":material/science:"):
        st.dataframe(explainers_frame(rep), hide_index=True,
                     column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                    ("Deletion area", "Comprehensiveness", "Sufficiency", "τ vs removal test")})
        st.caption("Deletion area: the item's score as history items are removed in the explainer's order (lower: "
                   "the explainer found what matters; compare with **random**). Comprehensiveness: the score lost "
                   "without its top 1/3/5 items (higher is better); sufficiency: the score lost when keeping only "
                   "them (lower is better). "
                   "τ: rank agreement with the removal test. ★ the most faithful here.")
