"""The Patterns page in a real browser (the shipped target-hard on the embedded shop): the page renders
its because-of pairs, a click on the first pair lists users it covers, and the button for one of them
lands on the Explain page for that very user, with the pair's recommended item in their top list and
the pair's history item in their history."""
import asyncio
import os
import re
from pathlib import Path

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from tests.app_server import CHROMIUM, LAUNCH_ARGS, Visitor, app_server, server_errors

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "artifacts" / "patterns"


async def _walk(url: str) -> dict:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "pm", url, timeout_ms=240_000)
        await v.open("Patterns", "?dataset=sample&model=target-hard")
        grid = v.page.locator('[data-testid="stDataFrame"]').first
        await grid.scroll_into_view_if_needed()
        box = await grid.bounding_box()
        # The grid is a canvas: the first data row sits under the 35 px header; its selection box is at the left.
        await v.page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        button = v.page.get_by_role("button", name=re.compile(r"^Open user .+ on Explain$")).first
        await button.wait_for(timeout=v.timeout)
        pair = await v.page.locator('[data-testid="stMarkdownContainer"]', has_text=" → ").filter(
            has_text="users; the largest drops").first.inner_text()
        name = await button.inner_text()
        user = re.search(r"Open user (.+) on Explain", name).group(1)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await v.page.screenshot(path=str(SHOTS / "pair.png"))
        await v.idle()
        await button.click()
        await v.page.wait_for_url(re.compile(r".*/explain(\?.*)?$"), timeout=v.timeout)
        await v.page.get_by_text(f"User {user}:").first.wait_for(timeout=v.timeout)
        await v.page.get_by_text("Why not").first.wait_for(timeout=v.timeout)
        await v.idle()
        body = await v.body()
        await v.page.screenshot(path=str(SHOTS / "explain.png"))
        await v.check("Explain after a pair")
        errors = list(v.errors)
        url_now = v.page.url
        await browser.close()
    return {"user": user, "pair": pair, "body": body, "url": url_now, "errors": errors}


def test_a_pair_opens_a_user_it_covers_on_explain(tmp_path, chromium):
    env = {**os.environ, "ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    with app_server(env, tmp_path / "server.log") as server:
        out = asyncio.run(_walk(server.url))
        problems = out["errors"] + server_errors(server.log_text())
    assert not problems, problems
    history_title, rest = out["pair"].split(" → ", 1)
    recommended = rest.split(":", 1)[0]
    assert f"user={out['user']}" in out["url"]
    assert f"User {out['user']}: top 10" in out["body"]
    assert recommended in out["body"], (out["pair"], out["body"][:2000])  # in the user's top list
    data = prepare(load_sample())
    seen = data.seq(data.user_index()[out["user"]])[-50:]  # what target-hard reads of the user's history
    assert history_title in {str(data.titles[i]) for i in seen}
