"""Plotly figures for the Explain, Compare and Learn pages.

Every attention heatmap uses one colour scale, cividis (readable with the common colour-vision
deficiencies and in both themes), fixed to 0..1 on a square-root ramp, so two maps side by side
compare cell by cell and small soft weights stay visible.
Axes are positional (0..n-1) with titles as tick text, so two history items with the same title stay
two columns; tick labels are truncated and the hover carries the full text.
"""
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

# Cividis with its colours placed on a square-root ramp: still one fixed 0..1 scale for every map,
# but the small weights soft attention spreads over long histories (0.02-0.1) get distinct colours.
SCALE = [[(i / 20) ** 2, c] for i, c in enumerate(sample_colorscale("Cividis", [i / 20 for i in range(21)]))]
BLUE, ORANGE, GREY = "#0072B2", "#E69F00", "#999999"  # Okabe-Ito: safe for colour-blind readers
PLANTED = "★ "  # marks the planted trigger in labels
PICK = "◆ "  # marks the hard pick in labels


def short(text: str, n: int = 26) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _tick_angle(n_cols: int) -> int:
    return -90 if n_cols > 12 else -45


def attention_heatmap(weights, rows: list[str], cols: list[str], *, title: str = "", cell_word: str = "weight",
                      marks=(), row_name: str = "Recommendation", col_name: str = "History item",
                      col_notes: list[str] | None = None, height: int | None = None,
                      show_scale: bool = True, label_len: int = 24, max_labels: int = 24) -> go.Figure:
    """weights: rows x cols in [0, 1]; rows/cols: full labels (truncated on the axes, whole in the hover).

    marks: (row, col) cells to outline, e.g. where the planted trigger sits. col_notes: extra hover
    text per column (e.g. "3 steps back"). With more than `max_labels` columns only every n-th column
    is labelled, counting back from the most recent (the hover still names every cell).
    """
    n_rows, n_cols = len(rows), len(cols)
    step = -(-n_cols // max_labels)
    labelled = [c for c in range(n_cols) if (n_cols - 1 - c) % step == 0]
    notes = col_notes or [""] * n_cols
    marked = set(marks)
    hover = [[f"<b>{row_name}</b>: {rows[r]}<br><b>{col_name}</b>: {cols[c]}"
              + (f" ({notes[c]})" if notes[c] else "") + f"<br><b>{cell_word}</b>: {weights[r][c]:.3f}"
              + ("<br>★ the planted trigger" if (r, c) in marked else "")
              for c in range(n_cols)] for r in range(n_rows)]
    fig = go.Figure(go.Heatmap(
        z=weights, x=list(range(n_cols)), y=list(range(n_rows)), zmin=0.0, zmax=1.0, colorscale=SCALE,
        text=hover, hovertemplate="%{text}<extra></extra>", xgap=1, ygap=1,
        showscale=show_scale and n_rows >= 4,  # a colour bar squeezed into one or two rows is unreadable
        colorbar=dict(title=dict(text="weight", side="right"), tickvals=[0, 0.1, 0.25, 0.5, 1], thickness=12)))
    for r, c in marks:
        fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                      line=dict(color=ORANGE, width=3))
    label_px = 6.5 * min(label_len, max((len(short(c, label_len)) for c in cols), default=4))
    bottom = int(label_px * (1.0 if n_cols > 12 else 0.75)) + 30
    fig.update_layout(
        title=dict(text=title, font=dict(size=14)) if title else None,
        height=height or max(180, 26 * n_rows + bottom + (40 if title else 10)),
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        xaxis=dict(tickmode="array", tickvals=labelled, ticktext=[short(cols[c], label_len) for c in labelled],
                   tickangle=_tick_angle(n_cols), tickfont=dict(size=11), showgrid=False, zeroline=False),
        yaxis=dict(tickmode="array", tickvals=list(range(n_rows)), ticktext=[short(r, label_len) for r in rows],
                   autorange="reversed", tickfont=dict(size=11), showgrid=False, zeroline=False),
    )
    return fig


def why_figure(labels: list[str], soft: list[float] | None, influence: list[float] | None,
               hover: list[str], highlight: list[str] | None = None) -> go.Figure:
    """Two bar panels over the same history items: attention weight, and score drop when removed."""
    panels = [(n, v, c) for n, v, c in (("attention (soft weight)", soft, BLUE),
                                        ("score drop if removed", influence, ORANGE)) if v is not None]
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True, horizontal_spacing=0.06,
                        subplot_titles=[p[0] for p in panels])
    y = list(range(len(labels)))
    for i, (name, values, colour) in enumerate(panels, start=1):
        colours = [colour if v >= 0 else GREY for v in values]
        fig.add_trace(go.Bar(x=values, y=y, orientation="h", marker_color=colours, name=name, customdata=hover,
                             hovertemplate="%{customdata}<br>" + name + ": %{x:.4f}<extra></extra>"), row=1, col=i)
    fig.update_yaxes(tickmode="array", tickvals=y, ticktext=[short(t, 44) for t in labels], autorange="reversed",
                     tickfont=dict(size=11))
    fig.update_xaxes(zeroline=True, zerolinecolor=GREY)
    fig.update_layout(height=max(220, 22 * len(labels) + 80), showlegend=False, bargap=0.25,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def metric_bars(models: list[str], values: dict[str, list[float]], metric: str = "NDCG@10") -> go.Figure:
    """Grouped bars: one group per model, one bar per protocol (values: protocol -> list per model)."""
    fig = go.Figure()
    for (protocol, vals), colour in zip(values.items(), (BLUE, ORANGE, GREY)):
        fig.add_trace(go.Bar(x=models, y=vals, name=f"{protocol} ranking", marker_color=colour,
                             hovertemplate="%{x}<br>" + metric + " %{y:.4f}<extra>" + protocol + "</extra>"))
    fig.update_layout(barmode="group", height=320, yaxis_title=metric, margin=dict(l=10, r=10, t=30, b=10),
                      legend=dict(orientation="h", y=1.12))
    return fig


def weight_bars(names: list[str], weights, visible, head_names: list[str], soft=None) -> go.Figure:
    """Learn page: weights per key, one bar colour per head; keys outside the window are labelled.
    soft: the softmax of the same scores, drawn as markers where it differs from the weights (hard, sparsemax)."""
    labels = [n if ok else f"{n} (outside window)" for n, ok in zip(names, visible)]
    palette = (BLUE, ORANGE, "#009E73", "#CC79A7")
    fig = go.Figure()
    for h, (row, head) in enumerate(zip(weights, head_names)):
        fig.add_trace(go.Bar(x=labels, y=list(row), name=head, marker_color=palette[h % len(palette)],
                             offsetgroup=str(h), hovertemplate="%{x}<br>weight %{y:.3f}<extra>" + head + "</extra>"))
        if soft is not None and list(soft[h]) != list(row):
            fig.add_trace(go.Scatter(x=labels, y=list(soft[h]), mode="markers", name=f"softmax, {head}",
                                     marker=dict(symbol="diamond-open", size=12, color=palette[h % len(palette)],
                                                 line=dict(width=2)),
                                     hovertemplate="%{x}<br>softmax %{y:.3f}<extra>" + head + "</extra>"))
    fig.update_layout(barmode="group", height=320, yaxis=dict(range=[0, 1.05], title="weight"),
                      margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=1.12))
    return fig
