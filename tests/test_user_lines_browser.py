"""The Data page's upload takes a one-line-per-user text file (a slice of Amazon Beauty) in a real browser:
no column form (the format is detected from the content), stored, selected, and counted right."""
import asyncio
import os

from tests.app_server import CHROMIUM, LAUNCH_ARGS, Visitor, app_server, server_errors
from tests.conftest import SHARED, need

USERS = 300


async def _upload(url: str, path) -> tuple[str, list[str]]:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "shop", url, timeout_ms=120_000)
        await v.open("Data")
        await v.upload(path)
        body = await v.body()
        errors = list(v.errors)
        await browser.close()
    return body, errors


def test_uploading_one_line_per_user_text(tmp_path, chromium):
    beauty = need(SHARED / "amazon-beauty" / "Beauty.txt", "Amazon Beauty")
    lines = beauty.read_text().splitlines()[:USERS]
    path = tmp_path / "beauty_slice.txt"
    path.write_text("\n".join(lines) + "\n")
    interactions = sum(len(line.split()) - 1 for line in lines)
    env = {**os.environ, "ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    with app_server(env, tmp_path / "server.log") as server:
        body, errors = asyncio.run(_upload(server.url, path))
        errors += server_errors(server.log_text())
    assert not errors, errors
    assert f"Using beauty_slice.txt: {interactions:,} interactions" in body, body[:2000]
    assert f"Users\n\n{USERS}" in body and f"Interactions\n\n{interactions:,}" in body, body[:2000]
