"""The Explain page's attention maps: soft and hard side by side on one scale over the same rows and
columns, how much history they show and how colours read the weights (said on each colour bar), their
tables for screen readers and copying, and every layer and head of a self-attention model."""
import streamlit as st

from recsys_core.explain.explanation import Explanation
from recsys_core.explain.page import PageExplanation
from ui import charts
from ui.explain_view import WINDOW, heatmap, pinned, rec_labels, shared_row, weights_frame

SCALE_CHOICES = {"weight": "Weights 0 to 1", "row": "Each row to its largest", "log": "Log scale"}


def map_options(n: int, window_key: str) -> tuple[int, str]:
    """The history window (its slider keyed by `window_key`: the model and user it counts) and the colour
    scale the maps use."""
    window = n
    if n > WINDOW:
        window = st.slider("History items in the maps (most recent)", 10, n, WINDOW, key=window_key,
                           help="Older items the recommendations point at stay in view, left of a white line.")
    scale = st.radio("Colour scale", list(SCALE_CHOICES), format_func=SCALE_CHOICES.get, key="_explain_scale",
                     help="Long histories spread soft attention thin: scaling each row to its largest weight, or a "
                          "log scale, shows where it still goes. The colour bar says which scale a map uses.")
    return window, scale


def _hard_maps(page: PageExplanation) -> dict[str, tuple[Explanation, str]]:
    """Tab name -> (explanation, chart key): the hard-trained partner's picks first, then this model's own."""
    res, maps = page.expl, {}
    if page.partner is not None and page.partner.recommendations and page.partner.recommendations[0].hard is not None:
        maps[f"Hard-trained: {page.partner.model}"] = (page.partner, "heat_hard_trained")
    if res.has_focus:
        own = "hard pick" if res.attention == "hard" else "argmax"
        maps[f"{res.model}, {own}"] = (res, "heat_hard")
    return maps


def attention_maps(page: PageExplanation, window: int, scale: str, soft_col, hard_col):
    """Soft (in soft_col) and hard (in hard_col: the partner's or this model's own, one at a time) maps."""
    res = page.expl
    if not res.has_attention:
        soft_col.info("No attention to show for this model: the removal test below says what its "
                      "recommendations rest on.", icon=":material/info:")
        return
    keep = pinned(res) | pinned(page.partner)  # the same columns in every map
    hard_trained = res.attention == "hard"
    with soft_col:
        title = f"Soft: {'pre-argmax view of ' if hard_trained else ''}{res.model}"
        charts.show(heatmap(res, "soft", title, window=window, keep=keep, scale=scale), key="heat_soft")
    with hard_col:
        maps = _hard_maps(page)
        if not maps:
            st.info("The mean baseline weighs every history item equally, so it has no hard pick. Train a "
                    "hard-attention model to see one here.")
            return
        # One hard map at a time: drawing both (as tabs did) redraws the unseen one on every user switch.
        # Keyed by both models, so another pair starts from its own first map; `required`: always one shown.
        by_key = {key: r for r, key in maps.values()}
        key = next(iter(by_key))
        if len(by_key) > 1:  # short labels that fit the column; the map's title names the model
            own = "hard pick" if res.attention == "hard" else "argmax"
            label = {"heat_hard_trained": "Hard-trained model", "heat_hard": f"This model's {own}"}
            key = st.segmented_control("Hard map", list(by_key), default=key, required=True, format_func=label.get,
                                       label_visibility="collapsed", key=f"_hard_map_{res.model}_{page.partner.model}")
        r = by_key[key]
        title = f"Hard: {r.model}" + ("" if r.attention == "hard" else " (argmax)")
        charts.show(heatmap(r, "hard", title, window=window, columns=res, keep=keep, scale=scale), key=key)


def maps_caption(page: PageExplanation, window: int):
    res = page.expl
    if not res.has_attention:
        return
    planted = any(r.planted for r in res.recommendations)
    older = max(pinned(res) | pinned(page.partner), default=0) > window
    st.caption(("Left of the white line: older items the rows point at. " if older else "")
               + ("One row: this model reads the history once and scores every recommendation from that one "
                  f"read-out; it is explained by {res.explained_by}. " if shared_row(res)
                  else "Rows: the recommendations, numbered as in the list. ")
               + "Columns: the history, oldest left, numbered by steps back; hover a cell for the titles and the "
               "weight. Soft attention spreads weight over the history; hard attention keeps exactly one item per "
               "row: the hard-trained model's own pick, or this model's argmax."
               + (" Orange outline: the planted trigger behind a follow-up." if planted else ""))


def map_tables(page: PageExplanation):
    res = page.expl
    tables = {"Soft": (res, "soft")}
    for name, (r, _) in _hard_maps(page).items():
        tables[name] = (r, "hard")
    for tab, (r, key) in zip(st.tabs(list(tables)), tables.values()):
        with tab:
            recs = r.recommendations
            st.dataframe(weights_frame(rec_labels(recs), [getattr(x, key) for x in recs], r))


def layer_maps(res: Explanation, key: str, window: int | None = None, scale: str = "weight"):
    """Self-attention: the last position's row of every layer and head, and any one full map, over the
    most recent `window` positions so both fit one screen."""
    maps = res.attention_maps
    if not maps:
        return
    n = len(res.history)
    w = min(window or n, n)
    hist = res.history[n - w:]
    cols, backs = [h.title for h in hist], [h.steps_back for h in hist]
    ticks, note = charts.column_ticks(cols, backs)
    notes = [f"{b} back" for b in backs]
    names = [f"layer {m.layer + 1} · head {m.head + 1}" for m in maps]
    st.markdown("**The last position's row in every layer and head** (the explanation above averages the last "
                "layer's heads)")
    last_rows = [m.weights[-1][n - w:] for m in maps]
    charts.show(charts.attention_heatmap(last_rows, names, cols, col_notes=notes, row_name="Layer · head",
                                         x_title=note, col_ticks=ticks, max_height=320, scale=scale),
                key=f"{key}_last_rows")
    which = st.selectbox("Full map of", range(len(maps)), format_func=lambda i: names[i], key=f"{key}_map")
    full = [row[n - w:] for row in maps[which].weights[n - w:]]
    charts.show(charts.attention_heatmap(full, cols, cols, col_notes=notes, col_ticks=ticks, row_ticks=ticks,
                                         row_name="Position (query)", col_name="Attends to", x_title=note,
                                         max_height=540, scale=scale), key=f"{key}_full_map")
    with st.expander("Table of these maps"):
        st.dataframe(weights_frame(names, last_rows, res))
        st.dataframe(weights_frame([f"{c} (query)" for c in cols], full, res))
