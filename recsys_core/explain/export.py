"""One user's explanation as files to take away: CSV (one row per recommendation, why-not item and
history item, with every weight and check the page shows) and a self-contained HTML report that opens
offline (no script, no font or stylesheet from anywhere): the recommendations with the same sentences
the page shows (recsys_core.claims), the soft and hard heatmaps with their colour scale, oldest item
left as on the page, the why-not item and the what-if edit when the page had them, and the history,
most recent first as on the page. The JSON export is page.page_document().
"""
import csv
import html
import io
import re

from .explanation import Explanation, Recommendation
from .page import PageExplanation, WhyNot
from .whatif import WhatIf

CSV_COLUMNS = ("user_id", "model", "dataset", "kind", "rank", "item_id", "title", "score", "steps_back",
               "history_item_id", "history_title", "soft", "hard", "influence", "contribution")


def _at(values: list[float] | None, p: int):
    return "" if values is None else values[p]


def to_csv(expl: Explanation, extra: list[Recommendation] = ()) -> str:
    """Recommendations, then why-not rows (the explanation's and `extra`, e.g. the page's why-not item) ×
    visible history items; blank where the model has no such number."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for rec in [*expl.recommendations, *expl.why_not, *extra]:
        for p, h in enumerate(expl.history):
            w.writerow([expl.user_id, expl.model, expl.dataset, rec.kind, "" if rec.rank is None else rec.rank + 1,
                        rec.item_id, rec.title, rec.score, h.steps_back, h.item_id, h.title, _at(rec.soft, p),
                        _at(rec.hard, p), _at(rec.influence, p), _at(rec.contribution, p)])
    return out.getvalue()


def markdown_html(text: str) -> str:
    """A claim's markdown (**bold**, *italic*, `code`) as escaped HTML."""
    text = html.escape(text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _colour(w: float, top: float) -> str:
    """White (0) to deep blue (the largest weight in the map): the same scale the legend draws."""
    t = 0.0 if top <= 0 else max(0.0, min(1.0, w / top))
    r, g, b = (int(255 + (c - 255) * t) for c in (8, 48, 107))
    return f"rgb({r},{g},{b})"


def _heatmap(title: str, rows: list[tuple[str, list[float]]], history, window: int, what: str) -> str:
    cols = list(range(max(0, len(history) - window), len(history)))  # oldest left, as on the page
    if not rows:
        return ""
    top = max((w[p] for _, w in rows for p in cols), default=0.0)
    head = "".join(f'<th class="h" title="{html.escape(history[p].title)}">{history[p].steps_back}</th>' for p in cols)
    body = []
    for label, w in rows:
        cells = "".join(f'<td style="background:{_colour(w[p], top)}" title="{html.escape(history[p].title)}: '
                        f'{w[p]:.3f}">{w[p]:.2f}</td>' for p in cols)
        body.append(f'<tr><th class="r">{html.escape(label)}</th>{cells}</tr>')
    hidden = len(history) - len(cols)
    note = f"<p class='note'>{hidden:,} older history items not shown.</p>" if hidden else ""
    legend = (f'<div class="legend"><span>0</span><span class="bar"></span><span>{top:.3f}</span> '
              f"{html.escape(what)} (cell colour)</div>")
    return (f"<h2>{html.escape(title)}</h2><p class='note'>Columns: history items, oldest left; the number is how "
            "many steps back (1 = the latest). Hover a cell for its title.</p><div class='scroll'><table class='heat'>"
            f"<tr><th></th>{head}</tr>{''.join(body)}</table></div>{legend}{note}")


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
td,th{padding:3px 6px;font-size:12px;border:1px solid #eee;vertical-align:top}th.r{text-align:left;max-width:22em;
white-space:normal}.heat td{text-align:center;min-width:2.2em}.scroll{overflow-x:auto}.note{color:#666;font-size:12px}
.legend{font-size:12px;margin:.4em 0 1.2em}.bar{display:inline-block;width:160px;height:10px;vertical-align:middle;
margin:0 6px;background:linear-gradient(90deg,#fff,rgb(8,48,107))}.claim{margin:.2em 0}"""


def _rows(recs: list[Recommendation], key: str) -> list[tuple[str, list[float]]]:
    return [(f"{r.rank + 1 if r.rank is not None else '-'}. {r.title}", getattr(r, key)) for r in recs
            if getattr(r, key) is not None]


def _claims_html(claims) -> str:
    return "".join(f"<p class='claim'>{markdown_html(c.text)}</p>" for c in claims if not c.detail) or "—"


def to_html(page: PageExplanation, why_not: WhyNot | None = None, whatif: WhatIf | None = None,
            steps: list | None = None, window: int = 30) -> str:
    """A report of what the Explain page shows for one user, that opens in any browser, offline.
    steps: the what-if edit's claims (claims.edits.edit_claims), one per step."""
    expl = page.expl
    title = f"User {expl.user_id} · {expl.model} on {expl.dataset}"
    recs = "".join(
        f"<tr><td>{'' if r.rank is None else r.rank + 1}</td><td>{html.escape(r.title)}</td>"
        f"<td>{html.escape(r.category)}</td><td>{r.score:.3f}</td><td>{_claims_html(claims)}</td></tr>"
        for r, claims in zip(expl.recommendations, page.claims))
    hist = "".join(f"<tr><td>{h.steps_back}</td><td>{html.escape(h.title)}</td><td>{html.escape(h.category)}</td></tr>"
                   for h in reversed(expl.history))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
             f"<p class='note'>{expl.history_total:,} interactions; the model reads the last {len(expl.history):,}. "
             f"Each recommendation is explained by {html.escape(expl.explained_by)}.</p>",
             "<h2>Recommendations</h2><table><tr><th>#</th><th>Item</th><th>Category</th><th>Score</th>"
             f"<th>What attention and the removal test say</th></tr>{recs}</table>",
             _heatmap(f"Soft attention: {expl.model}", _rows(expl.recommendations, "soft"), expl.history, window,
                      "soft weight")]
    if page.partner is not None:
        parts.append(_heatmap(f"Hard attention: the hard-trained model {page.partner.model}",
                              _rows(page.partner.recommendations, "hard"), page.partner.history, window, "hard pick"))
    if expl.has_focus:
        own = "its hard pick" if expl.attention == "hard" else "the argmax of its soft weights"
        parts.append(_heatmap(f"Hard attention: {expl.model}, {own}", _rows(expl.recommendations, "hard"),
                              expl.history, window, "hard pick"))
    parts.append(_heatmap("Removal test: score drop when each item is removed", _rows(expl.recommendations, "influence"),
                          expl.history, window, "score drop"))
    if why_not is not None:
        parts.append(f"<h2>Why not {html.escape(why_not.row.title)}?</h2>{_claims_html(why_not.claims)}")
    if whatif is not None:
        moved = "".join(f"<tr><td>{'#' + str(m.after) if m.after else 'left the list'}</td><td>{html.escape(m.title)}"
                        f"</td><td>{'#' + format(m.before, ',') if m.before else 'not ranked'}</td></tr>"
                        for m in whatif.moves)
        parts.append(f"<h2>What if: {html.escape(whatif.edit)}</h2>{_claims_html(steps or [])}"
                     f"<table><tr><th>Now</th><th>Recommendation</th><th>Before</th></tr>{moved}</table>")
    parts.append("<h2>History (most recent first)</h2><table><tr><th>Back</th><th>Item</th><th>Category</th></tr>"
                 f"{hist}</table></body></html>")
    return "".join(parts)
