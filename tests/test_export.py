"""Exports of one user's explanation carry what the page shows: the CSV holds exactly the numbers of the
explanation and the why-not item, the JSON is `recommend --json` with the why-not row, the what-if edit
and the claims beside it, and the HTML report opens in Chromium, offline, with its heatmaps oldest item
left (as on the page), the page's sentences, the why-not item and the edit."""
import csv
import io
import json
from pathlib import Path

import pytest

from recsys_core.claims.edits import edit_claims
from recsys_core.explain.export import CSV_COLUMNS, to_csv, to_html
from recsys_core.explain.page import explain_page, page_document, why_not_item
from recsys_core.explain.user import explain_user
from recsys_core.explain.whatif import what_if
from recsys_core.store.opened import open_model

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "sample_data" / "models"


@pytest.fixture(scope="module")
def expl():
    loaded = open_model(str(SHIPPED / "target-soft" / "model.pt"))
    return explain_user(loaded, "42", k=5, extra_items=[loaded.data.item_ids[1]])


def test_the_csv_holds_every_number_of_the_explanation(expl):
    rows = list(csv.DictReader(io.StringIO(to_csv(expl))))
    assert tuple(rows[0]) == CSV_COLUMNS
    recs = expl.recommendations + expl.why_not
    assert len(rows) == len(recs) * len(expl.history)
    for j, rec in enumerate(recs):
        for p, h in enumerate(expl.history):
            row = rows[j * len(expl.history) + p]
            assert row["item_id"] == rec.item_id and row["history_item_id"] == h.item_id
            assert int(row["steps_back"]) == h.steps_back
            assert float(row["soft"]) == rec.soft[p] and float(row["hard"]) == rec.hard[p]
            assert float(row["influence"]) == rec.influence[p] and float(row["score"]) == rec.score
    assert {r["kind"] for r in rows} == {"recommendation", "why-not"}


@pytest.fixture(scope="module")
def page_parts():
    loaded = open_model(str(SHIPPED / "target-soft" / "model.pt"))
    partner = open_model(str(SHIPPED / "target-hard" / "model.pt"), data=loaded.data)
    page = explain_page(loaded, "42", k=5, partner=partner)
    have = set(loaded.data.seq(loaded.data.user_index()["42"]).tolist())
    other = next(str(loaded.data.item_ids[i]) for i in range(1, loaded.data.n_items + 1) if i not in have
                 and str(loaded.data.item_ids[i]) not in {r.item_id for r in page.expl.recommendations})
    wn = why_not_item(loaded, page, other)
    wi = what_if(loaded, "42", "-1", k=5)
    titles = dict(zip(map(str, loaded.data.item_ids), map(str, loaded.data.titles)))
    return page, wn, wi, titles


def test_the_json_export_is_the_explain_document_with_what_the_page_added(page_parts):
    page, wn, wi, titles = page_parts
    doc = json.loads(json.dumps(page_document(page, wn, wi, titles)))
    want = page.expl.to_json()
    assert {k: doc[k] for k in want if k != "why_not"} == json.loads(json.dumps({k: v for k, v in want.items()
                                                                               if k != "why_not"}))
    assert doc["why_not"][-1]["item_id"] == wn.row.item_id  # asked on the page: exported (was [] before)
    assert doc["what_if"]["edit"] == "-1" and doc["what_if"]["steps"][0].startswith("Removed *")
    assert doc["what_if"]["history"] == wi.history and len(doc["what_if"]["moves"]) == len(wi.moves)
    first = page.expl.recommendations[0]
    assert doc["claims"][first.item_id][0]["text"] == page.claims[0][0].text
    assert doc["hard_partner"]["model"] == "target-hard"


def test_the_html_report_carries_the_pages_sentences_why_not_and_edit_in_the_pages_order(page_parts):
    page, wn, wi, titles = page_parts
    text = to_html(page, wn, wi, edit_claims(wi.original, wi.edit, titles))
    assert "Each recommendation is explained by" in text and " agree;" not in text
    assert f"Why not {wn.row.title}?" in text and "What if: -1" in text and "Removed <i>" in text
    assert "Hard attention: the hard-trained model target-hard" in text
    hist = page.expl.history
    first_col = text.index("<table class='heat'><tr><th></th><th")
    assert f'title="{hist[-min(30, len(hist))].title}">{min(30, len(hist))}</th>' in text[first_col:first_col + 400]
    assert text.index(f"<td>1</td><td>{hist[-1].title}</td>") < text.index(f"<td>2</td><td>{hist[-2].title}</td>")


def test_the_html_report_opens_offline_and_shows_the_heatmap(page_parts, chromium, tmp_path):
    page = page_parts[0]
    expl = page.expl
    text = to_html(page)
    assert "<script" not in text and "http" not in text  # nothing to fetch, nothing to run
    path = tmp_path / "report.html"
    path.write_text(text, encoding="utf-8")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        assert page.locator("h1").inner_text() == f"User 42 · {expl.model} on {expl.dataset}"
        heat = page.locator("table.heat").first
        cells = heat.locator("td")
        window = min(30, len(expl.history))
        assert cells.count() == len(expl.recommendations) * window
        window = min(30, len(expl.history))
        first = expl.recommendations[0].soft[-window]  # row 1, the oldest column shown (oldest left)
        assert cells.first.inner_text() == f"{first:.2f}"
        assert page.locator(".legend").first.is_visible()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert requests == [path.as_uri()]  # the page itself and nothing else
