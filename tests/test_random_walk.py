"""A seeded random walk of at least 200 actions through the Explain page in a real browser, on the
embedded shop with its shipped models and on an upload trained in the app, every view checked against
the core (tests/random_walk.py). SEED=n replays a walk; WALK_STEPS=n changes its length."""
import asyncio
import os
from pathlib import Path

from tests.app_server import CHROMIUM, LAUNCH_ARGS, TRAINED, Visitor, app_server, server_errors
from tests.random_walk import Walk, walk_explain

REPO = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("SEED", "20261205"))
STEPS = int(os.environ.get("WALK_STEPS", "200"))
QUERIES = ["Lens", "Camera", "Tent", "Novel", "Game", "a", "Chair"]


def _shipped_models() -> dict:
    from recsys_core.store.library import list_models
    from recsys_core.store.opened import open_model
    from ui.model_pick import label
    out, data = {}, None
    for e in list_models(include_shipped=True):
        if e.shipped:
            loaded = open_model(e.path, data=data)
            data = loaded.data
            out[label(e)] = loaded
    return out


async def _shop(url: str, steps: int) -> Walk:
    from playwright.async_api import async_playwright
    models = _shipped_models()
    users = [str(u) for u in next(iter(models.values())).data.user_ids]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "walker", url, timeout_ms=120_000)
        await v.open("Explain", "?dataset=sample")
        walk = await walk_explain(v, Walk(seed=SEED, models=models), steps, users, QUERIES)
        await browser.close()
    return walk


def _export(folder: Path) -> Path:
    """The embedded shop as a shop's own export would come: renamed columns, semicolons."""
    import pandas as pd
    df = pd.read_csv(REPO / "sample_data" / "interactions.csv")
    out = folder / "orders.csv"
    df[["user_id", "item_id", "timestamp"]].rename(columns={"user_id": "uid", "item_id": "iid", "timestamp": "ts"}) \
        .to_csv(out, sep=";", index=False)
    return out


async def _upload(url: str, upload: Path, library: Path, steps: int) -> Walk:
    from playwright.async_api import async_playwright

    from recsys_core.store.library import list_models
    from recsys_core.store.opened import open_model
    from ui.model_pick import label
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "owner", url, timeout_ms=180_000)
        await v.open("Data")
        await v.upload(upload)
        await v.nav("Train")
        await v.page.get_by_text("Training", exact=True).click()
        await v.set_number("Time limit (s)", 8)
        await v.page.locator(".st-key-train_start button").click()
        await v.page.get_by_text(TRAINED).first.wait_for(timeout=240_000)
        await v.page.locator(".st-key-train_save button").click()
        await v.page.get_by_text("Saved to the library").first.wait_for(timeout=v.timeout)
        await v.idle()
        entries = list_models(str(library), include_shipped=False)
        models = {label(e): open_model(e.path) for e in entries}
        users = [str(u) for u in next(iter(models.values())).data.user_ids]
        await v.nav("Explain")
        walk = await walk_explain(v, Walk(seed=SEED + 1, models=models), steps, users, QUERIES)
        await browser.close()
    return walk


def test_a_random_walk_never_shows_what_the_core_does_not_say(tmp_path, chromium, monkeypatch):
    env = {"ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    for k, value in env.items():  # the server's folders, and the test's own view of them
        monkeypatch.setenv(k, value)
    with app_server(env, tmp_path / "server.log") as server:
        shop = asyncio.run(_shop(server.url, STEPS))
        own = asyncio.run(_upload(server.url, _export(tmp_path), tmp_path / "models", max(10, STEPS // 4)))
        problems = shop.findings + own.findings + server_errors(server.log_text())
    actions = len(shop.log) + len(own.log)
    assert actions >= min(STEPS, 200) + 10
    assert not problems, "\n".join(problems[:20])
    for check in ("rows", "columns", "options", "words"):  # every kind of check ran, many times
        assert shop.checked.get(check, 0) >= STEPS // 10, (check, shop.checked)
    assert shop.checked.get("moves", 0) >= 5, shop.checked
