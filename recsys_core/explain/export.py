"""One user's explanation as files to take away: CSV (one row per recommendation and history item,
with every weight and check the page shows) and a self-contained HTML report (the recommendations,
soft and hard attention heatmaps with their colour scale, the honesty checks) that opens offline:
no script, no font or stylesheet from anywhere. The JSON export is `Explanation.to_json()`.
"""
import csv
import html
import io

from .explanation import Explanation, Recommendation

CSV_COLUMNS = ("user_id", "model", "dataset", "kind", "rank", "item_id", "title", "score", "steps_back",
               "history_item_id", "history_title", "soft", "hard", "influence", "contribution")


def _at(values: list[float] | None, p: int):
    return "" if values is None else values[p]


def to_csv(expl: Explanation) -> str:
    """Recommendations (then why-not rows) × visible history items; blank where the model has no such number."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for rec in expl.recommendations + expl.why_not:
        for p, h in enumerate(expl.history):
            w.writerow([expl.user_id, expl.model, expl.dataset, rec.kind, "" if rec.rank is None else rec.rank + 1,
                        rec.item_id, rec.title, rec.score, h.steps_back, h.item_id, h.title, _at(rec.soft, p),
                        _at(rec.hard, p), _at(rec.influence, p), _at(rec.contribution, p)])
    return out.getvalue()


def _colour(w: float, top: float) -> str:
    """White (0) to deep blue (the largest weight in the map): the same scale the legend draws."""
    t = 0.0 if top <= 0 else max(0.0, min(1.0, w / top))
    r, g, b = (int(255 + (c - 255) * t) for c in (8, 48, 107))
    return f"rgb({r},{g},{b})"


def _heatmap(title: str, recs: list[Recommendation], key: str, history, window: int) -> str:
    cols = list(range(max(0, len(history) - window), len(history)))[::-1]  # most recent first
    rows = [(r, getattr(r, key)) for r in recs if getattr(r, key) is not None]
    if not rows:
        return ""
    top = max((w[p] for _, w in rows for p in cols), default=0.0)
    head = "".join(f'<th class="h" title="{html.escape(history[p].title)}">{history[p].steps_back}</th>' for p in cols)
    body = []
    for i, (r, w) in enumerate(rows, 1):
        cells = "".join(f'<td style="background:{_colour(w[p], top)}" title="{html.escape(history[p].title)}: '
                        f'{w[p]:.3f}">{w[p]:.2f}</td>' for p in cols)
        body.append(f'<tr><th class="r">{i}. {html.escape(r.title)}</th>{cells}</tr>')
    hidden = len(history) - len(cols)
    note = f"<p class='note'>{hidden:,} older history items not shown.</p>" if hidden else ""
    legend = (f'<div class="legend"><span>0</span><span class="bar"></span><span>{top:.3f}</span> '
              f"{html.escape(key)} weight (cell colour)</div>")
    return (f"<h2>{html.escape(title)}</h2><p class='note'>Columns: history items, most recent first (1 = the last); "
            f"hover a cell for its title.</p><div class='scroll'><table class='heat'><tr><th></th>{head}</tr>"
            f"{''.join(body)}</table></div>{legend}{note}")


def _honesty(rec: Recommendation, history) -> str:
    h = rec.honesty
    if h is None:
        return "—"
    rho = "undefined" if h.spearman is None else f"{h.spearman:+.2f}"
    verdict = "agree" if h.agree else "disagree"
    return (f"attention's top item <i>{html.escape(history[h.top_attention].title)}</i> and the removal test's "
            f"<i>{html.escape(history[h.top_influence].title)}</i> {verdict}; rank correlation ρ = {rho}")


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
td,th{padding:3px 6px;font-size:12px;border:1px solid #eee}th.r{text-align:left;max-width:22em;white-space:normal}
.heat td{text-align:center;min-width:2.2em}.scroll{overflow-x:auto}.note{color:#666;font-size:12px}
.legend{font-size:12px;margin:.4em 0 1.2em}.bar{display:inline-block;width:160px;height:10px;vertical-align:middle;
margin:0 6px;background:linear-gradient(90deg,#fff,rgb(8,48,107))}"""


def to_html(expl: Explanation, window: int = 30) -> str:
    """A report of one user's explanation that opens in any browser, offline."""
    title = f"User {expl.user_id} · {expl.model} on {expl.dataset}"
    recs = "".join(
        f"<tr><td>{'' if r.rank is None else r.rank + 1}</td><td>{html.escape(r.title)}</td>"
        f"<td>{html.escape(r.category)}</td><td>{r.score:.3f}</td><td>{_honesty(r, expl.history)}</td></tr>"
        for r in expl.recommendations)
    hist = "".join(f"<tr><td>{h.steps_back}</td><td>{html.escape(h.title)}</td><td>{html.escape(h.category)}</td></tr>"
                   for h in reversed(expl.history))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='note'>{expl.history_total:,} interactions; the model reads the last {len(expl.history):,}. "
            f"{html.escape(expl.explained_by)}</p>"
            f"<h2>Recommendations</h2><table><tr><th>#</th><th>Item</th><th>Category</th><th>Score</th>"
            f"<th>Does attention tell the truth?</th></tr>{recs}</table>"
            + _heatmap("Soft attention over the history", expl.recommendations, "soft", expl.history, window)
            + _heatmap("Hard attention (the pick)", expl.recommendations, "hard", expl.history, window)
            + _heatmap("Removal test: score drop when each item is removed", expl.recommendations, "influence",
                       expl.history, window)
            + f"<h2>History (most recent first)</h2><table><tr><th>Back</th><th>Item</th><th>Category</th></tr>{hist}"
              "</table></body></html>")
