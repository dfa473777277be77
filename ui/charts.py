"""Plotly figures for the Explain, Compare and Learn pages.

Every attention heatmap uses one colour scale, cividis (readable with the common colour-vision
deficiencies), fixed to 0..1 on a square-root ramp, so two maps side by side
compare cell by cell and small soft weights stay visible; a long map can instead colour each row by
its share of its own largest weight, or the weights on a log scale (SCALES), said on its colour bar.
Axes are positional (0..n-1) with titles as tick text, so two history items with the same title stay
two columns; long tick labels are shortened from the middle (the start and the distinguishing end,
often a model number or a year, both stay) and the hover carries the full text. Heights are capped,
so a map with many rows stays on one screen.

Charts are drawn with `show`, in the app's own look (LOOK) rather than Streamlit's chart theme: the
theme is applied in the browser on every redraw, and without it Plotly's share of a user switch on the
Explain page was 264-333 ms instead of 386-418 ms (bench/bench_browser_profile.py, alternating runs).
"""
import math

import plotly.graph_objects as go
import streamlit as st
from plotly.colors import sample_colorscale

# Cividis with its colours placed on a square-root ramp: still one fixed 0..1 scale for every map,
# but the small weights soft attention spreads over long histories (0.02-0.1) get distinct colours.
SCALE = [[(i / 20) ** 2, c] for i, c in enumerate(sample_colorscale("Cividis", [i / 20 for i in range(21)]))]
BLUE, ORANGE, GREY = "#0072B2", "#E69F00", "#999999"  # Okabe-Ito: safe for colour-blind readers
PLANTED = "★ "  # marks the planted trigger in labels
PICK = "◆ "  # marks the hard pick in labels

# What Streamlit's light chart theme gives a figure, set once on the server: its font, greys, colours
# and margins, titles bold and left-aligned (.streamlit/config.toml keeps the app light to match).
_FONT, _TEXT, _LINE = '"Source Sans", sans-serif', "#808495", "#e6eaf1"
_AXIS = dict(automargin=True, gridcolor=_LINE, zerolinecolor=_LINE, tickcolor=_LINE,
             tickfont=dict(color=_TEXT, size=12), title=dict(font=dict(color=_TEXT, size=14)))
LOOK = go.layout.Template(layout=dict(
    font=dict(family=_FONT, color=_TEXT, size=12),
    title=dict(font=dict(family=_FONT, color="#2F2D2B", size=16, weight="bold"), x=0, xanchor="left", pad=dict(l=4)),
    colorway=["#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0",
              "#d5dae5"],
    paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF", margin=dict(pad=8, l=0, r=0),
    xaxis={**_AXIS, "title": dict(font=dict(color=_TEXT, size=14), standoff=20)},
    yaxis={**_AXIS, "title": dict(font=dict(color=_TEXT, size=14), standoff=24)},
    legend=dict(font=dict(size=12, color="#262730"), bordercolor="rgba(0,0,0,0)", borderwidth=0, valign="top"),
    hoverlabel=dict(bgcolor="#FFFFFF", bordercolor="#DCD8D4", font=dict(family=_FONT, color=_TEXT, size=12))))


def show(fig: go.Figure, key: str, where=None, **kwargs):
    """Draw `fig` in `where` (default: the page) in the app's look; returns what st.plotly_chart returns."""
    fig.layout.template = LOOK
    return (where or st).plotly_chart(fig, key=key, theme=None, **kwargs)


def short(text: str, n: int = 26) -> str:
    """`text` in at most n characters, cut from the middle: "Mirrorless Camera Z620" -> "Mirrorless Cam…Z620".

    The last word (a model number, a year in brackets) is what tells two similar titles apart, so it
    is kept whole when it fits in half the room; otherwise the cut keeps a third of the room at the end."""
    text = " ".join(str(text).split())
    if len(text) <= n:
        return text
    last = text.rsplit(" ", 1)[-1]
    tail = last if len(last) <= n // 2 else text[-max(1, n // 3):]
    head = text[: max(1, n - 1 - len(tail))].rstrip()
    return head + "…" + tail


def _tick_angle(n_cols: int) -> int:
    return -90 if n_cols > 12 else -45


def _cell(v) -> str:
    return "not in this model's view" if v is None else f"{v:.3f}"


# How a map's colours read its weights (the page's "Colour scale" choice); each says so on the chart.
SCALES = {"weight": "weight, 0 to 1", "row": "each row's share of its largest weight", "log": "weight, log scale"}
LOG_FLOOR = -4  # log10 of the smallest weight the log scale tells apart (0.0001); smaller ones share its colour
LINEAR = [[i / 20, c] for i, c in enumerate(sample_colorscale("Cividis", [i / 20 for i in range(21)]))]


def _coloured(weights, scale: str):
    """(z values, zmin, zmax, colour scale, colour-bar ticks) for weights rows x cols in [0, 1] under `scale`."""
    if scale == "row":
        z = [[None if v is None else (v / top if top > 0 else 0.0) for v in row]
             for row in weights for top in [max((v for v in row if v is not None), default=0.0)]]
        return z, 0.0, 1.0, SCALE, dict(tickvals=[0, 0.25, 0.5, 1], ticktext=["0", "¼", "½", "the row's max"])
    if scale == "log":
        z = [[None if v is None else max(LOG_FLOOR, math.log10(v)) if v > 0 else LOG_FLOOR for v in row]
             for row in weights]
        ticks = list(range(LOG_FLOOR, 1))
        return z, float(LOG_FLOOR), 0.0, LINEAR, dict(tickvals=ticks, ticktext=[f"{10.0 ** t:g}" for t in ticks])
    return weights, 0.0, 1.0, SCALE, dict(tickvals=[0, 0.1, 0.25, 0.5, 1])


def column_ticks(cols: list[str], backs: list[int]) -> tuple[list[str], str]:
    """Tick text for the history columns and what it means: the titles while they fit (12 columns or
    fewer), else how many steps back each item is: short, exact at any length, one per column."""
    if len(cols) <= 12:
        return [short(c, 24) for c in cols], ""
    return [str(b) for b in backs], "steps back; hover for titles"


def attention_heatmap(weights, rows: list[str], cols: list[str], *, title: str = "", cell_word: str = "weight",
                      marks=(), row_name: str = "Recommendation", col_name: str = "History item",
                      col_notes: list[str] | None = None, height: int | None = None,
                      show_scale: bool = True, label_len: int = 24, x_title: str = "",
                      col_ticks: list[str] | None = None, row_ticks: list[str] | None = None,
                      max_height: int = 640, scale: str = "weight", max_ticks: int = 60) -> go.Figure:
    """weights: rows x cols in [0, 1] (None: a blank cell); rows/cols: full labels (whole in the hover).

    marks: (row, col) cells to outline, e.g. where the planted trigger sits. col_notes: extra hover
    text per column (e.g. "3 steps back"). col_ticks / row_ticks: the axes' tick text (default: the
    labels, shortened). Every column is labelled up to `max_ticks` columns, beyond that every n-th,
    counting back from the most recent (the hover names every cell). scale: how colours read the
    weights (SCALES), stated on the colour bar. x_title: a line under the map. Rows shrink so the
    figure stays within `max_height` pixels.
    """
    n_rows, n_cols = len(rows), len(cols)
    step = -(-n_cols // max_ticks)
    labelled = [c for c in range(n_cols) if (n_cols - 1 - c) % step == 0]
    notes = col_notes or [""] * n_cols
    ticks = col_ticks or [short(c, label_len) for c in cols]
    marked = set(marks)
    hover = [[f"<b>{row_name}</b>: {rows[r]}<br><b>{col_name}</b>: {cols[c]}"
              + (f" ({notes[c]})" if notes[c] else "") + f"<br><b>{cell_word}</b>: {_cell(weights[r][c])}"
              + ("<br>★ the planted trigger" if (r, c) in marked else "")
              for c in range(n_cols)] for r in range(n_rows)]
    gap = 1 if n_cols <= 80 else 0  # a gap would eat a narrow column whole
    label_px = 6.5 * min(label_len, max((len(ticks[c]) for c in labelled), default=4))
    bottom = int(label_px * (1.0 if n_cols > 12 else 0.75)) + 30 + (20 if x_title else 0)
    top = 40 if title else 10
    row_px = max(4, min(26, (max_height - bottom - top) // max(1, n_rows)))
    z, zmin, zmax, colours, bar = _coloured(weights, scale)
    heat = dict(type="heatmap", z=z, x=list(range(n_cols)), y=list(range(n_rows)), zmin=zmin, zmax=zmax,
                colorscale=colours, text=hover, hovertemplate="%{text}<extra></extra>", xgap=gap,
                ygap=1 if n_rows <= 40 else 0, showscale=show_scale,
                colorbar=dict(title=dict(text=SCALES.get(scale, scale), side="right"), thickness=12, **bar))
    rows_shown = row_px >= 11
    row_text = (row_ticks or [short(r, label_len) for r in rows]) if rows_shown else []
    # Margins set here rather than grown by Plotly's automargin, which lays the chart out again after
    # measuring its labels (a second draw per chart on every update); at 12 columns or fewer the ticks are
    # slanted titles (column_ticks), which reach left past any fixed estimate, so those few keep it.
    titled = n_cols <= 12
    left = 12 + int(6.5 * max((len(t) for t in row_text), default=0))
    layout = dict(
        title=dict(text=title, font=dict(size=14)) if title else None,
        height=height or max(150, row_px * n_rows + bottom + top),
        margin=dict(l=10, r=10, t=top, b=10) if titled else dict(l=left, r=10, t=top, b=bottom),
        shapes=[dict(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line=dict(color=ORANGE, width=3))
                for r, c in marks],
        xaxis=dict(tickmode="array", tickvals=labelled, ticktext=[ticks[c] for c in labelled],
                   tickangle=_tick_angle(n_cols) if not col_ticks or n_cols <= 12 else 0 if n_cols <= 25 else -90,
                   tickfont=dict(size=11 if n_cols <= 40 else 9), showgrid=False, zeroline=False, automargin=titled,
                   title=dict(text=x_title, font=dict(size=12)) if x_title else None),
        yaxis=dict(tickmode="array", tickvals=list(range(n_rows)) if rows_shown else [],
                   ticktext=row_text, autorange="reversed", tickfont=dict(size=11), showgrid=False, zeroline=False,
                   automargin=titled),
    )
    # Built from plain dicts without plotly's per-value validation (the bulk of a map's server time); every
    # key above is a valid heatmap/layout property, which the tests' figures (validated by plotly) confirm.
    return go.Figure(data=[heat], layout={k: v for k, v in layout.items() if v is not None}, _validate=False)


def why_figure(labels: list[str], soft: list[float] | None, influence: list[float] | None,
               hover: list[str], highlight: list[str] | None = None) -> go.Figure:
    """Two bar panels over the same history items: attention weight, and score drop when removed."""
    panels = [(n, v, c) for n, v, c in (("attention (soft weight)", soft, BLUE),
                                        ("score drop if removed", influence, ORANGE)) if v is not None]
    y = list(range(len(labels)))
    ticks = [short(t, 44) for t in labels]
    gap, n = 0.06, len(panels)
    width = (1 - gap * (n - 1)) / n
    left = 16 + int(5.5 * max((len(t) for t in ticks), default=0))  # set, not automargin: see attention_heatmap
    traces, layout = [], dict(height=max(220, 22 * len(labels) + 80), showlegend=False, bargap=0.25,
                              margin=dict(l=left, r=10, t=40, b=30), annotations=[])
    for i, (name, values, colour) in enumerate(panels):
        axis = "" if i == 0 else str(i + 1)
        lo = i * (width + gap)
        traces.append(dict(type="bar", x=values, y=y, orientation="h", name=name, customdata=hover,
                           marker=dict(color=[colour if v >= 0 else GREY for v in values]),
                           xaxis=f"x{axis}", yaxis="y",
                           hovertemplate="%{customdata}<br>" + name + ": %{x:.4f}<extra></extra>"))
        layout[f"xaxis{axis}"] = dict(domain=[lo, lo + width], anchor="y", zeroline=True, zerolinecolor=GREY,
                                      automargin=False)
        layout["annotations"].append(dict(text=name, x=lo + width / 2, y=1.0, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))
    layout["yaxis"] = dict(tickmode="array", tickvals=y, ticktext=ticks, autorange="reversed", tickfont=dict(size=11),
                           anchor="x", automargin=False)
    # Plain dicts, not make_subplots: the same two panels sharing one y axis at a tenth of the server time.
    return go.Figure(data=traces, layout=layout, _validate=False)


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
