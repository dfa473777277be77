"""Plotly figures for the Patterns page: the category-flow matrix, the look-back profile (and per layer),
agreement with the removal test and the slices as bars with their 95% intervals, and the item map.

Colours: Okabe-Ito (ui/charts), safe for colour-blind readers; the flow matrix is cividis like every
attention map, or red-blue around 0 when some flow is negative (removing those items raises scores).
Every figure carries its own title, so a PNG saved with the chart's camera button says what it shows.
"""
import plotly.graph_objects as go
from plotly.colors import qualitative

from recsys_core.population.flows import Flows
from recsys_core.population.profile import Profile
from ui.charts import BLUE, GREY, ORANGE, short

GREEN, PINK = "#009E73", "#CC79A7"
# Okabe-Ito's eight first (safe for colour-blind readers), then Dark24's for catalogues with more categories.
PALETTE = [BLUE, ORANGE, GREEN, PINK, "#56B4E9", "#D55E00", "#F0E442", "#000000"] + qualitative.Dark24
PROFILE_STEPS = 30  # steps back drawn; the rest are in the CSV


def _layout(title: str, height: int, **extra) -> dict:
    return dict(title=dict(text=title, font=dict(size=14)), height=height, margin=dict(l=10, r=10, t=50, b=10),
                **extra)


def flows_heatmap(flows: Flows, by: str, title: str) -> go.Figure:
    """Rows: the history item's category; columns: the recommended item's; cells: % of the matrix's total size."""
    m = flows.influence if by == "influence" else flows.attention
    size = sum(abs(v) for row in m for v in row) or 1.0
    z = [[100 * v / size for v in row] for row in m]
    negative = min(min(row) for row in z) < 0
    cats = flows.categories
    hover = [[f"<b>{a}</b> in the history → <b>{b}</b> recommended<br>{z[i][j]:.1f}% of the {by} ({m[i][j]:.2f})"
              for j, b in enumerate(cats)] for i, a in enumerate(cats)]
    heat = go.Heatmap(z=z, x=[short(c, 18) for c in cats], y=[short(c, 22) for c in cats], text=hover,
                      hovertemplate="%{text}<extra></extra>", colorscale="RdBu" if negative else "Cividis",
                      reversescale=not negative, zmid=0 if negative else None, xgap=1, ygap=1,
                      colorbar=dict(title=dict(text=f"% of {by}", side="right"), thickness=12))
    fig = go.Figure(heat, layout=_layout(title, 120 + 28 * len(cats)))
    fig.update_xaxes(title="recommended category", tickangle=-35)
    fig.update_yaxes(title="history category", autorange="reversed")
    return fig


def profile_lines(profile: Profile, title: str, steps: int = PROFILE_STEPS) -> go.Figure:
    """Shares by steps back: measured influence, soft attention, the hard pick and the planted follow-ups."""
    x = profile.steps_back[:steps]
    fig = go.Figure(layout=_layout(title, 340, legend=dict(orientation="h", y=-0.25)))
    for name, values, colour, dash in (("measured influence (removal test)", profile.influence, ORANGE, "solid"),
                                       ("soft attention", profile.soft, BLUE, "solid"),
                                       ("hard pick", profile.hard, BLUE, "dot"),
                                       ("where the generator planted follow-ups", profile.planted, GREY, "dash")):
        if values is not None:
            fig.add_trace(go.Scatter(x=x, y=values[:steps], name=name, mode="lines+markers",
                                     line=dict(color=colour, dash=dash), marker=dict(size=5),
                                     hovertemplate="%{x} back: %{y:.1%}<extra>" + name + "</extra>"))
    fig.update_xaxes(title="steps back (1 = the latest item)", dtick=1 if len(x) <= 30 else None,
                     range=[0.5, len(x) + 0.5])
    fig.update_yaxes(title="share", tickformat=".0%", zeroline=True, zerolinecolor=GREY)
    return fig


def layer_lines(profile: Profile, title: str, steps: int = PROFILE_STEPS) -> go.Figure:
    """Per layer of a self-attention stack: the last position's attention by steps back."""
    x = profile.steps_back[:steps]
    fig = go.Figure(layout=_layout(title, 300, legend=dict(orientation="h", y=-0.3)))
    for i, row in enumerate(profile.layers or []):
        fig.add_trace(go.Scatter(x=x, y=row[:steps], name=f"layer {i + 1}", mode="lines+markers",
                                 line=dict(color=PALETTE[i % len(PALETTE)]), marker=dict(size=5),
                                 hovertemplate="%{x} back: %{y:.1%}<extra>" + f"layer {i + 1}" + "</extra>"))
    fig.update_xaxes(title="steps back (1 = the latest item)", dtick=1 if len(x) <= 30 else None,
                     range=[0.5, len(x) + 0.5])
    fig.update_yaxes(title="share of the layer's attention", tickformat=".0%")
    return fig


def interval_bars(names: list[str], values: list[float], lows: list[float], highs: list[float], title: str,
                  axis: str, percent: bool = True, highlight: str | None = None, hover: list[str] | None = None
                  ) -> go.Figure:
    """Horizontal bars with 95% error bars, in the given order (top first)."""
    colours = [ORANGE if n == highlight else BLUE for n in names]
    bars = go.Bar(x=values, y=names, orientation="h", marker_color=colours,
                  error_x=dict(type="data", symmetric=False, array=[h - v for v, h in zip(values, highs)],
                               arrayminus=[v - lo for v, lo in zip(values, lows)], color=GREY),
                  customdata=hover or names,
                  hovertemplate="%{customdata}<br>%{x:" + (".1%" if percent else ".3f") + "}<extra></extra>")
    fig = go.Figure(bars, layout=_layout(title, 90 + 30 * len(names)))
    fig.update_xaxes(title=axis, tickformat=".0%" if percent else None, rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    return fig


def item_scatter(m, title: str, selected: int | None = None) -> go.Figure:
    """The item map: one point per item, coloured by its first category, title and category on hover."""
    firsts = [c.split("|")[0] or "(no category)" for c in m.categories]
    order = sorted(set(firsts), key=lambda c: -firsts.count(c))
    colour = {c: PALETTE[i] if i < len(PALETTE) else GREY for i, c in enumerate(order)}
    fig = go.Figure(layout=_layout(title, 560, legend=dict(itemsizing="constant")))
    for c in order:
        idx = [i for i, f in enumerate(firsts) if f == c]
        fig.add_trace(go.Scattergl(
            x=[m.x[i] for i in idx], y=[m.y[i] for i in idx], mode="markers", name=short(c, 24),
            marker=dict(size=7, color=colour[c], opacity=0.75), customdata=[[i, m.item_ids[i]] for i in idx],
            text=[f"{m.titles[i]}<br>{m.categories[i]} · {m.interactions[i]:,} interactions" for i in idx],
            hovertemplate="%{text}<extra></extra>", showlegend=len(order) <= 20))
    if selected is not None:
        fig.add_trace(go.Scattergl(x=[m.x[selected]], y=[m.y[selected]], mode="markers", name="picked",
                                   marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color="black", width=2)),
                                   hoverinfo="skip"))
    fig.update_xaxes(title=f"PCA 1 ({m.explained[0]:.0%} of the variance)", zeroline=False)
    fig.update_yaxes(title=f"PCA 2 ({m.explained[1]:.0%})", zeroline=False)
    return fig
