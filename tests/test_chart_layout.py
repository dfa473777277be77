"""How the app's charts are laid out and drawn (ui/charts.py): every chart goes through `show` (the app's
own look, no in-browser theme), and the maps and the see-why bars set their margins from their labels
instead of Plotly's automargin, which lays a chart out twice on every update. Plotly's own validator
checks every figure here (the app builds them without it, for speed)."""
import re
from pathlib import Path

import plotly.graph_objects as go

from ui import charts

REPO = Path(__file__).resolve().parents[1]


def checked(fig: go.Figure) -> dict:
    spec = fig.to_plotly_json()
    go.Figure(spec)  # raises on any invalid property
    return spec["layout"]


def test_every_chart_in_the_app_is_drawn_through_show():
    calls = {str(p.relative_to(REPO)): len(re.findall(r"\.plotly_chart\(", p.read_text()))
             for folder in ("pages", "ui") for p in (REPO / folder).glob("*.py")}
    assert {f: n for f, n in calls.items() if n} == {"ui/charts.py": 1}  # the one call, inside show()


def test_map_margins_follow_the_labels_without_automargin():
    weights = [[0.1] * 30 for _ in range(10)]
    cols = [f"Item {i}" for i in range(30)]
    ticks, _ = charts.column_ticks(cols, list(range(30, 0, -1)))  # steps back: short numbers
    short_rows = checked(charts.attention_heatmap(weights, [str(i) for i in range(1, 11)], cols, col_ticks=ticks,
                                                  row_ticks=[str(i) for i in range(1, 11)], x_title="steps back"))
    long_rows = checked(charts.attention_heatmap(weights, [f"layer {i} · head 1" for i in range(10)], cols,
                                                 col_ticks=ticks, x_title="steps back"))
    for layout in (short_rows, long_rows):
        assert layout["xaxis"]["automargin"] is False and layout["yaxis"]["automargin"] is False
        assert layout["margin"]["b"] >= 40  # room for the tick numbers and the line under them
    assert long_rows["margin"]["l"] > short_rows["margin"]["l"] + 50  # "layer 1 · head 1" needs room, "10" little


def test_a_few_titled_columns_keep_automargin_their_slanted_labels_need():
    cols = ["Wide-Angle Lens 16-35mm R890", "Ukulele D750", "Flash Speedlight L10"]
    ticks, note = charts.column_ticks(cols, [3, 2, 1])
    assert note == "" and ticks[1] == "Ukulele D750"  # titles, not numbers, at 12 columns or fewer
    layout = checked(charts.attention_heatmap([[0.2, 0.3, 0.5]], ["1"], cols, col_ticks=ticks))
    assert layout["xaxis"]["automargin"] is True and layout["yaxis"]["automargin"] is True


def test_see_why_bars_make_room_for_their_longest_label():
    def left(labels):
        return checked(charts.why_figure(labels, [0.5] * len(labels), [0.1] * len(labels), labels))["margin"]["l"]
    assert left(["A (1 back)", "B (2 back)"]) < 100
    long = left(["Star Wars: Episode IV - A New Hope (1977) (3 back)", "B (2 back)"])
    assert long >= 5.5 * len(charts.short("Star Wars: Episode IV - A New Hope (1977) (3 back)", 44))


def test_show_draws_without_streamlits_theme_in_the_apps_look():
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    drawn = {}
    charts.show(fig, "k", where=type("Spy", (), {"plotly_chart": lambda self, f, **kw: drawn.update(kw)})())
    assert drawn["theme"] is None and drawn["key"] == "k"
    assert fig.layout.template.layout.font.family == charts.LOOK.layout.font.family
