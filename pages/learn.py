"""Learn: a hand-sized attention example to edit and play with (temperature, variant, window, heads),
next to the formulas. The maths is recsys_core.models.playground, built on the models' own normalizers."""
import pandas as pd
import streamlit as st

from recsys_core.models.playground import NOISY, VARIANTS, attend, example
from ui import charts
from ui import learn_view as view
from ui.frame import require_frame

require_frame()

st.title("Learn")
st.caption("How one query turns into attention weights. The query is the item being scored (or the latest "
           "position); the keys and values are the history, oldest first. Edit any number and move the sliders.")

ex = example()
controls, result = st.columns([2, 3], gap="large")
with controls:
    variant = st.radio("Variant", list(VARIANTS), format_func=lambda v: f"{v}: {VARIANTS[v]}", key="_learn_variant")
    temperature = st.select_slider("Temperature T: soft ← → towards hard", options=view.TEMPERATURES, value=1.0,
                                   format_func=lambda t: f"{t:g}", key="_learn_temperature")
    window = st.slider("Local window: attend only to the last W items", 1, len(ex["names"]), len(ex["names"]),
                       key="_learn_window")
    heads = st.radio("Heads (split the 4 dims)", [1, 2, 4], horizontal=True, key="_learn_heads")
    gumbel = variant in NOISY and st.toggle("Add Gumbel noise, as hard attention does while training",
                                             key="_learn_gumbel")
    seed = st.number_input("Noise seed", 0, 999, 0, key="_learn_seed") if gumbel else 0

st.markdown("**Edit the example.** The query and the keys decide the weights; the values are what gets mixed.")
left, right = st.columns(2, gap="large")
with left:
    st.caption("Query and keys")
    q_df = st.data_editor(pd.DataFrame([ex["query"]], columns=view.DIMS, index=["query"]), key="_learn_query",
                          width="stretch", column_config=view.dim_columns("query"))
    k_df = st.data_editor(view.keys_table(ex), key="_learn_keys", hide_index=True, width="stretch",
                          column_config={"item": st.column_config.TextColumn("Item", help="History items, oldest first",
                                                                             width=120),
                                         **view.dim_columns("key")})
names, query, keys = view.read(q_df, k_df)
with right:
    st.caption("Values")
    v_df = st.data_editor(pd.DataFrame(ex["values"], columns=view.DIMS, index=names), key="_learn_values",
                          width="stretch", column_config=view.dim_columns("value"))
values = v_df[view.DIMS].fillna(0).astype(float).values.tolist()

r = attend(query, keys, values, variant=variant, temperature=temperature,
           window=None if window >= len(names) else window, heads=heads, gumbel=gumbel, seed=int(seed))
head_names = [f"head {h + 1}" for h in range(heads)]
with result:
    charts.show(charts.weight_bars(names, r.weights.tolist(), r.mask.tolist(), head_names, r.soft.tolist()),
                key="learn_bars")
    st.info(view.commentary(variant, temperature, r, names), icon=":material/lightbulb:")
with right:
    st.markdown("**Output** = Σ weight × value" + (" (heads concatenated)" if heads > 1 else ""))
    st.dataframe(pd.DataFrame([r.output.tolist()], columns=view.DIMS, index=["output"]).round(3), width="stretch")
st.markdown("**Scores and weights** (the numbers behind the bars)")
st.dataframe(view.weights_table(names, r, head_names), hide_index=True)

st.subheader("The formulas")
view.formulas()
