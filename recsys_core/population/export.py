"""The Patterns as files to take away: each table as CSV (`to_csv(p, name)`, names in TABLES) and one
self-contained HTML report that opens offline (no script, no font or stylesheet from anywhere): the
sentences (recsys_core/claims/population.py), the because-of pairs, the category flows as a coloured
matrix, the look-back profile and the item map as inline SVG (hover a point for its title), trust and
slices as tables. The JSON export is Patterns.to_json().
"""
import csv
import html
import io

from ..explain.export import STYLE, markdown_html
from .report import Patterns

TABLES = ("pairs", "flows", "profile", "trust", "slices", "item_map")
SVG_POINTS = 1500  # the item map's most interacted items in the report (a page of SVG, not megabytes)
# Okabe-Ito's eight, then twelve more that stay apart from them (the shop has 15 categories).
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#882255",
           "#44AA99", "#117733", "#999933", "#AA4499", "#332288", "#DDCC77", "#661100", "#6699CC", "#888888",
           "#AA4466", "#4477AA"]
PROFILE_STEPS = 30  # steps back drawn; every step is in the profile CSV


def _rows(p: Patterns, name: str) -> tuple[list[str], list[list]]:
    if name == "pairs":
        return (["rank", "history_item", "history_title", "history_category", "item", "title", "category", "influence",
                 "mean_influence", "users", "top_by_removal", "top_by_attention", "planted", "example_users"],
                [[i + 1, x.history_item, x.history_title, x.history_category, x.item, x.title, x.category, x.influence,
                  round(x.mean_influence, 6), x.users, x.top_by_removal, x.top_by_attention, x.planted,
                  " ".join(x.example_users)] for i, x in enumerate(p.pairs)])
    if name == "flows":
        f = p.flows
        if f is None:
            return ["history_category", "recommended_category", "influence", "attention"], []
        return (["history_category", "recommended_category", "influence", "attention"],
                [[a, b, f.influence[i][j], "" if f.attention is None else f.attention[i][j]]
                 for i, a in enumerate(f.categories) for j, b in enumerate(f.categories)])
    if name == "profile":
        pr = p.profile
        layers = pr.layers or []
        return (["steps_back", "influence", "soft", "hard", "planted", "reach"] + [f"layer_{i + 1}" for i in range(len(layers))],
                [[s, pr.influence[i], *(("" if v is None else v[i]) for v in (pr.soft, pr.hard, pr.planted)), pr.reach[i],
                  *(layer[i] for layer in layers)] for i, s in enumerate(pr.steps_back)])
    if name == "trust":
        return (["explainer", "recommendations", "agree", "low", "high", "summary"],
                [[a.explainer, a.recommendations, a.agree.value, a.agree.low, a.agree.high, a.summary] for a in p.trust])
    if name == "slices":
        s = p.slices
        groups = [("all", s.overall)] + [(key, r) for key in ("by_length", "by_popularity", "by_category")
                                         for r in getattr(s, key)]
        return (["slice", "group", "users", "ndcg@10", "ndcg_low", "ndcg_high", "hr@10", "hr_low", "hr_high"],
                [[k, r.group, r.users, r.ndcg.value, r.ndcg.low, r.ndcg.high, r.hr.value, r.hr.low, r.hr.high]
                 for k, r in groups])
    if name == "item_map":
        m = p.item_map
        if m is None:
            return ["item_id", "title", "category", "interactions", "x", "y"], []
        return (["item_id", "title", "category", "interactions", "x", "y"],
                [list(r) for r in zip(m.item_ids, m.titles, m.categories, m.interactions, m.x, m.y)])
    raise ValueError(f"unknown table {name!r}: one of {', '.join(TABLES)}")


def to_csv(p: Patterns, name: str) -> str:
    head, rows = _rows(p, name)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(head)
    w.writerows(rows)
    return out.getvalue()


def _table(head: list[str], rows: list[list]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<div class='scroll'><table><tr>{th}</tr>{body}</table></div>"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "" if v is None else str(v)


def _flows_html(p: Patterns) -> str:
    f = p.flows
    if f is None:
        return ""
    top = max((abs(v) for row in f.influence for v in row), default=0.0) or 1.0
    head = "".join(f"<th class='h'>{html.escape(c)}</th>" for c in f.categories)
    body = []
    for i, a in enumerate(f.categories):
        cells = "".join(f"<td style='background:{_shade(v / top)}' title='{html.escape(a)} → {html.escape(b)}: {v:.3f}'>"
                        f"{v:.1f}</td>" for b, v in zip(f.categories, f.influence[i]))
        body.append(f"<tr><th class='r'>{html.escape(a)}</th>{cells}</tr>")
    return ("<h2>Category flows: measured influence</h2><p class='note'>Rows: the history item's category; columns: "
            "the recommended item's. Each cell sums the score drops when such history items are removed.</p>"
            f"<div class='scroll'><table class='heat'><tr><th></th>{head}</tr>{''.join(body)}</table></div>")


def _shade(t: float) -> str:
    """White (0) to deep blue (the largest cell); orange for negative cells."""
    t = max(-1.0, min(1.0, t))
    end = (8, 48, 107) if t >= 0 else (230, 159, 0)
    r, g, b = (int(255 + (c - 255) * abs(t)) for c in end)
    return f"rgb({r},{g},{b})"


def _line_svg(series: dict[str, list[float]], xs: list[int], title: str) -> str:
    """A small line chart (steps back on x) as inline SVG."""
    W, H, pad = 640, 220, 36
    values = [v for s in series.values() for v in s]
    lo, hi = min(0.0, *values), max(1e-9, *values)
    def X(i):
        return pad + i * (W - 2 * pad) / max(1, len(xs) - 1)
    def Y(v):
        return H - pad - (v - lo) * (H - 2 * pad) / (hi - lo)
    lines, legend = [], []
    for n, (name, s) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        pts = " ".join(f"{X(i):.1f},{Y(v):.1f}" for i, v in enumerate(s))
        lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{pts}'/>")
        legend.append(f"<span style='color:{colour}'>■</span> {html.escape(name)}")
    ticks = "".join(f"<text x='{X(i):.1f}' y='{H - pad + 14}' font-size='10' text-anchor='middle'>{x}</text>"
                    for i, x in enumerate(xs) if i % max(1, len(xs) // 10) == 0)
    axis = (f"<line x1='{pad}' y1='{Y(0):.1f}' x2='{W - pad}' y2='{Y(0):.1f}' stroke='#999'/>"
            f"<text x='{pad}' y='12' font-size='10'>{hi:.2f}</text><text x='{W / 2}' y='{H - 4}' font-size='11' "
            "text-anchor='middle'>steps back (1 = the latest item)</text>")
    return (f"<h2>{html.escape(title)}</h2><svg width='{W}' height='{H}' role='img'>{axis}{ticks}{''.join(lines)}</svg>"
            f"<p class='note'>{' · '.join(legend)}</p>")


def _map_svg(p: Patterns) -> str:
    m = p.item_map
    if m is None:
        return ""
    keep = sorted(range(len(m.x)), key=lambda i: -m.interactions[i])[:SVG_POINTS]
    W = H = 560
    xs, ys = [m.x[i] for i in keep], [m.y[i] for i in keep]
    def sx(v):
        return 10 + (v - min(xs)) * (W - 20) / ((max(xs) - min(xs)) or 1)
    def sy(v):
        return H - 10 - (v - min(ys)) * (H - 20) / ((max(ys) - min(ys)) or 1)
    cats = sorted({m.categories[i].split("|")[0] for i in keep})
    colour = {c: COLOURS[j % len(COLOURS)] for j, c in enumerate(cats)}
    dots = "".join(f"<circle cx='{sx(m.x[i]):.1f}' cy='{sy(m.y[i]):.1f}' r='3' fill='{colour[m.categories[i].split('|')[0]]}' "
                   f"opacity='0.7'><title>{html.escape(m.titles[i])} ({html.escape(m.categories[i])})</title></circle>"
                   for i in keep)
    legend = " · ".join(f"<span style='color:{colour[c]}'>●</span> {html.escape(c or '(no category)')}" for c in cats[:16])
    return (f"<h2>Item map</h2><p class='note'>The item embeddings projected by PCA ({m.explained[0]:.0%} and "
            f"{m.explained[1]:.0%} of the variance); the {len(keep):,} most interacted of {m.items_total:,} items, hover a "
            f"point for its title.</p><svg width='{W}' height='{H}' role='img'>{dots}</svg><p class='note'>{legend}</p>")


def to_html(p: Patterns, claims) -> str:
    """A report of what the Patterns page shows for one model, that opens in any browser, offline."""
    title = f"Patterns · {p.model} on {p.dataset}"
    said = "".join(f"<p class='claim'>{markdown_html(c.text)}</p>" for c in claims if not c.detail)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{said}",
             "<h2>Because-of pairs</h2><p class='note'>History item → recommended item, by the total score drop when the "
             "history item is removed, over every user's top recommendations.</p>"]
    head, rows = _rows(p, "pairs")
    parts.append(_table(["#", "history item", "recommended", "influence", "users", "removal's top", "attention's top",
                         "planted"], [[r[0], r[2], r[5], r[7], r[9], r[10], r[11], r[12]] for r in rows[:30]]))
    parts.append(_flows_html(p))
    pr = p.profile
    series = {"measured influence": pr.influence, "soft attention": pr.soft, "hard pick": pr.hard,
              "planted follow-ups": pr.planted}
    series.update({f"layer {i + 1}": row for i, row in enumerate(pr.layers or [])})
    parts.append(_line_svg({k: v[:PROFILE_STEPS] for k, v in series.items() if v is not None},
                           pr.steps_back[:PROFILE_STEPS], "Look-back profile (share at each step back)"))
    parts.append("<h2>Where attention can be trusted</h2>")
    parts.append(_table(*_rows(p, "trust")) if p.trust else "<p class='note'>No attention to check.</p>")
    parts.append("<h2>Slices: NDCG@10 and HR@10 on the held-out item</h2>")
    parts.append(_table(*_rows(p, "slices")))
    parts.append(_map_svg(p))
    return "".join(parts) + "</body></html>"
