"""Exports of one user's explanation round-trip: the CSV holds exactly the numbers of the explanation
(the page shows the same object), the JSON is its to_json(), and the HTML report opens in Chromium,
offline, with its heatmap and colour scale."""
import csv
import io
import json
from pathlib import Path

import pytest

from recsys_core.explain.export import CSV_COLUMNS, to_csv, to_html
from recsys_core.explain.user import explain_user
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


def test_the_json_export_is_the_explain_document(expl):
    doc = json.loads(json.dumps(expl.to_json()))
    assert [r["item_id"] for r in doc["recommendations"]] == [r.item_id for r in expl.recommendations]
    assert doc["recommendations"][0]["soft"] == expl.recommendations[0].soft


def test_the_html_report_opens_offline_and_shows_the_heatmap(expl, chromium, tmp_path):
    text = to_html(expl)
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
        first = expl.recommendations[0].soft[-1]  # row 1, column "1 back"
        assert cells.first.inner_text() == f"{first:.2f}"
        assert page.locator(".legend").first.is_visible()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert requests == [path.as_uri()]  # the page itself and nothing else
