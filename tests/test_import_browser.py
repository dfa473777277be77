"""Bring your own model, in a real browser: a RecBole SASRec checkpoint (tests/data/imported) is uploaded
in the Train page's Models tab and imported for the embedded shop; the Explain page then shows it with
its own card, its attention map (no hard-trained partner beside it by default) and a what-if that moves
its recommendations."""
import asyncio
import os
from pathlib import Path

from tests.app_server import CHROMIUM, LAUNCH_ARGS, Visitor, app_server, server_errors

REPO = Path(__file__).resolve().parent.parent
CHECKPOINT = REPO / "tests" / "data" / "imported" / "recbole-sasrec.pth"
SHOTS = REPO / "artifacts" / "import"


async def _walk(url: str) -> dict:
    from playwright.async_api import async_playwright
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "pm", url, timeout_ms=180_000)
        await v.open("Train")
        await v.page.get_by_role("tab", name="Models").click()
        await v.page.locator('.st-key-imp_ckpt [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(CHECKPOINT))
        await v.idle()
        await v.page.get_by_role("button", name="Import").click()
        await v.page.get_by_text("Imported recbole-sasrec for sample").wait_for(timeout=v.timeout)
        await v.idle()
        await v.page.screenshot(path=str(SHOTS / "import.png"), full_page=True)
        await v.nav("Explain")
        await v.page.locator(".js-plotly-plot").first.wait_for(timeout=v.timeout)
        await v.idle()
        body = await v.body()
        titles = await v.page.locator(".js-plotly-plot .gtitle, h3, h4, p").all_text_contents()
        await v.page.screenshot(path=str(SHOTS / "explain.png"), full_page=False)
        await v.page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        await v.page.screenshot(path=str(SHOTS / "attention.png"), full_page=False)
        await v.page.get_by_role("button", name="Remove", exact=True).click()
        await v.page.get_by_text("Edit:").first.wait_for(timeout=v.timeout)
        await v.idle()
        table = v.page.locator('[data-testid="stTable"]').last
        moved = await table.inner_text()
        await table.scroll_into_view_if_needed()
        await v.page.screenshot(path=str(SHOTS / "whatif.png"))
        await v.check("import")
        errors = list(v.errors)
        await browser.close()
    return {"body": body, "titles": " ".join(titles), "moved": moved, "errors": errors}


def test_an_imported_recbole_model_is_explained_with_its_own_attention(tmp_path, chromium):
    env = {**os.environ, "ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    with app_server(env, tmp_path / "server.log") as server:
        out = asyncio.run(_walk(server.url))
        problems = out["errors"] + server_errors(server.log_text())
    assert not problems, problems
    assert "Imported from RecBole" in out["body"] and "recbole-sasrec" in out["body"]
    text = out["body"] + out["titles"]
    assert "Soft: recbole-sasrec" in text and "Hard-trained: " not in text
    assert any(mark in out["moved"] for mark in ("↑", "↓", "new", "left the list")), out["moved"]
    assert len(list((tmp_path / "models").iterdir())) >= 1  # saved in the library, for everyone on the server
