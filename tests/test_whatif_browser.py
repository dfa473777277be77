"""What-if and exports in a real browser (the shipped target-soft on the embedded shop): removing the
most recent history item with the what-if controls changes the ranks on the page, the edit lands in
the link, and the JSON export downloads a file whose recommendations are the rows the page shows."""
import asyncio
import json
import os
from pathlib import Path

from tests.app_server import CHROMIUM, LAUNCH_ARGS, Visitor, app_server, server_errors

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "artifacts" / "whatif"


async def _walk(url: str, tmp: Path) -> dict:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "pm", url, timeout_ms=120_000)
        await v.open("Explain", "?dataset=sample&user=42")
        # The soft map's rows, as the chart holds them (each row's hover names "<rank>. <title>").
        rows = await v.page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].text.map("
                                     "r => r[0].split('<br>')[0].replace('<b>Recommendation</b>: ', ''))")
        async with v.page.expect_download() as info:
            await v.page.get_by_role("button", name="Explanation as JSON").click()
        download = await info.value
        saved = tmp / "explanation.json"
        await download.save_as(saved)
        await v.page.get_by_role("button", name="Remove", exact=True).click()
        await v.page.get_by_text("Your edit:").first.wait_for(timeout=v.timeout)
        edit_words = await v.page.locator('[data-testid="stMarkdownContainer"]', has_text="Your edit:").first.inner_text()
        await v.idle()
        table = v.page.locator('[data-testid="stTable"]').last
        text = await table.inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        await table.scroll_into_view_if_needed()
        await v.page.screenshot(path=str(SHOTS / "whatif.png"))
        url_now = v.page.url
        await v.check("what-if")
        errors = list(v.errors)
        await browser.close()
    return {"rows": rows, "doc": json.loads(saved.read_text()), "table": text, "url": url_now, "errors": errors,
            "edit_words": edit_words}


def _matches(label: str, title: str) -> bool:
    """A map row is '#. title'."""
    return label.split(". ", 1)[1] == title


def test_what_if_changes_the_ranks_and_the_export_matches_the_page(tmp_path, chromium):
    env = {**os.environ, "ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    with app_server(env, tmp_path / "server.log") as server:
        out = asyncio.run(_walk(server.url, tmp_path))
        problems = out["errors"] + server_errors(server.log_text())
    assert not problems, problems
    titles = [r["title"] for r in out["doc"]["recommendations"]]
    assert out["doc"]["user_id"] == "42" and len(titles) == len(out["rows"]) == 10
    assert all(_matches(label, t) for label, t in zip(out["rows"], titles)), (out["rows"], titles)
    assert "edit=-1" in out["url"]
    latest = out["doc"]["history"][-1]["title"]  # the edit is said by what it did, to which item
    assert f"Removed {latest} (1 back)." in out["edit_words"], out["edit_words"]
    assert any(mark in out["table"] for mark in ("↑", "↓", "new", "left the list")), out["table"]
