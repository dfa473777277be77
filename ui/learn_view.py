"""Tables, words and formulas for the Learn page; the numbers come from recsys_core.models.playground."""
import pandas as pd
import streamlit as st

DIMS = ["d1", "d2", "d3", "d4"]
TEMPERATURES = [5.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.01]  # left to right: softer to harder


def keys_table(ex: dict) -> pd.DataFrame:
    return pd.DataFrame([{"item": n, **dict(zip(DIMS, k))} for n, k in zip(ex["names"], ex["keys"])])


def dim_columns(what: str) -> dict:
    return {d: st.column_config.NumberColumn(d, help=f"{what}, dimension {d[1:]}", format="%.2f", step=0.1,
                                             width="small") for d in DIMS}


def read(q_df: pd.DataFrame, k_df: pd.DataFrame):
    """The edited tables as plain lists; a cleared cell counts as 0, a cleared name as "item n"."""
    k_df = k_df.reset_index(drop=True)
    names = [n.strip() if isinstance(n, str) and n.strip() else f"item {i + 1}" for i, n in enumerate(k_df["item"])]
    names = [n if names.count(n) == 1 else f"{n} ({i + 1})" for i, n in enumerate(names)]  # unique for the index
    query = q_df[DIMS].fillna(0).astype(float).iloc[0].tolist()
    keys = k_df[DIMS].fillna(0).astype(float).values.tolist()
    return names, query, keys


def weights_table(names: list[str], r, head_names: list[str]) -> pd.DataFrame:
    df = pd.DataFrame({"Item": names, "In window": ["yes" if m else "no" for m in r.mask.tolist()]})
    for h, head in enumerate(head_names):
        suffix = f" ({head})" if len(head_names) > 1 else ""
        df[f"Score / T{suffix}"] = [round(x, 3) if m else None for x, m in zip(r.logits[h].tolist(), r.mask.tolist())]
        df[f"Weight{suffix}"] = [round(x, 3) for x in r.weights[h].tolist()]
        if not bool((r.soft[h] == r.weights[h]).all()):
            df[f"Softmax{suffix}"] = [round(x, 3) for x in r.soft[h].tolist()]
    return df


def commentary(variant: str, temperature: float, r, names: list[str]) -> str:
    w = r.weights[0].tolist()
    top = max(range(len(w)), key=w.__getitem__)
    focus = f"Head 1 gives **{names[top]}** {w[top]:.0%} of its attention. "
    zeros = sum(1 for x, m in zip(w, r.mask.tolist()) if m and x == 0)
    text = {
        "soft": focus + "Lower T and the weights pile onto one item (hard); raise it and they spread out (uniform).",
        "dot": focus + "Without the 1/√d scaling, scores grow with the dimension, so the softmax saturates sooner.",
        "cosine": focus + "Cosine ignores vector length (try doubling a key): only direction counts, so T alone "
                          "sets how sharp it is.",
        "additive": focus + "Additive attention scores with a small network; here W = U = I and v = 1 (untrained), "
                            "so the score is Σ tanh(q + k).",
        "sparsemax": focus + f"Sparsemax gives exactly zero to {zeros} visible item{'s' if zeros != 1 else ''}: "
                             "between soft (nothing is zero) and hard (all but one are zero). ◇ marks the softmax "
                             "of the same scores.",
        "hard": f"Hard attention keeps only **{names[top]}**. Without noise T does not change that pick; with "
                "Gumbel noise a lower T makes the noisy pick follow the scores more often. In training T also sets "
                "how sharp the softmax is whose gradient flows back (straight-through; the ◇ markers).",
    }.get(variant, focus)  # a variant without its own lesson yet still gets the numbers
    if r.weights.shape[0] > 1:
        picks = {names[int(row.argmax())] for row in r.weights}
        text += f" The {r.weights.shape[0]} heads each see their own dims" + (
            f" and look at different items ({', '.join(sorted(picks))})." if len(picks) > 1 else ".")
    if not all(r.mask.tolist()):
        text += " Items outside the window get exactly zero."
    return text


def formulas():
    scores, norms, heads = st.tabs(["Scores", "Soft, sparse, hard", "Windows and heads"])
    with scores:
        st.markdown("A **score** says how well the query $q$ matches each key $k_l$ (dimension $d$):")
        st.latex(r"\text{dot: } s_l = q^\top k_l \qquad \text{scaled dot: } s_l = \frac{q^\top k_l}{\sqrt{d}}")
        st.latex(r"\text{cosine: } s_l = \frac{q^\top k_l}{\lVert q\rVert\,\lVert k_l\rVert} \qquad "
                 r"\text{additive: } s_l = v^\top \tanh(W q + U k_l)")
        st.markdown("The output mixes the values by the weights:")
        st.latex(r"o = \sum_l w_l\, v_l")
    with norms:
        st.markdown("**Soft** (softmax with temperature $T$): every item gets some weight.")
        st.latex(r"w_l = \frac{\exp(s_l / T)}{\sum_j \exp(s_j / T)}")
        st.markdown("**Sparsemax**: the closest point on the simplex, so small scores get exactly zero.")
        st.latex(r"\operatorname{sparsemax}(z) = \arg\min_{p \in \Delta} \lVert p - z \rVert^2 = [\,z_l - \tau(z)\,]_+")
        st.markdown("**Hard**: one item, chosen by argmax. It has no gradient, so training uses straight-through "
                    "Gumbel-softmax: the forward pass is the one-hot of a noisy sample, the backward pass the "
                    "gradient of a tempered softmax ($\\operatorname{sg}$: stop gradient).")
        st.latex(r"w = \operatorname{onehot}\big(\arg\max_l s_l\big)")
        st.latex(r"g_l = -\log(-\log u_l),\; u_l \sim U(0,1) \qquad "
                 r"y = \operatorname{onehot}\big(\arg\max_l (s_l / \tau + g_l)\big)"
                 r"\qquad \tilde y = \operatorname{softmax}\big(s / \tau + g\big)")
        st.latex(r"w = y + \tilde y - \operatorname{sg}(\tilde y)")
    with heads:
        st.markdown("A **local window** of $W$ items masks the older keys before normalizing (a query at position "
                    "$i$ sees keys $i - W < j \\le i$):")
        st.latex(r"s_j = -\infty \quad \text{for } j \le i - W")
        st.markdown("Both attention models also add a learned **recency** term to every score, by how many steps "
                    "back the key is (`self`: one per head); it is part of the weights the heatmaps show.")
        st.latex(r"s_j \leftarrow s_j + r_{\,i - j}")
        st.markdown("**Multi-head** attention runs $H$ attentions on slices of the dims and concatenates them; each "
                    "head can look at something different. Here $W^O = I$ and the slices are plain splits.")
        st.latex(r"\text{head}_h = \operatorname{Attn}(q W^Q_h,\, K W^K_h,\, V W^V_h) \qquad "
                 r"\operatorname{MultiHead} = [\text{head}_1; \dots; \text{head}_H]\, W^O")
        st.latex(r"d_h = d / H \qquad s^{(h)}_l = \frac{q_{(h)}^\top k_{l,(h)}}{\sqrt{d_h}}")

