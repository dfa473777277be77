"""A product manager's own data, in a real browser, across a real server restart.

Upload a ratings export (uid,iid,ts,score) and a semicolon-separated catalogue through the widgets,
check the previews and the catalogue report, train a model and save it, note one user's
recommendations; stop the server and start a new one on the same folders; open the model again
from the library and from a shared link: the same user gets the same recommendations, with titles. And an upload stays
listed (and selected) for its visitor after a browser refresh, on another page or on the Data page.
Screenshots go to artifacts/own-data/ (git-ignored).
"""
import asyncio
import os
from pathlib import Path

import pytest

from tests.app_server import (
    CHROMIUM,
    LAUNCH_ARGS,
    TRAINED,
    Visitor,
    app_server,
    server_errors,
)

REPO = Path(__file__).resolve().parent.parent
ML100K = REPO.parent / "shared" / "datasets" / "ml-100k"
SHOTS = REPO / "artifacts" / "own-data"
GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
USER = "13"  # 636 ratings in ml-100k: a long history
CLIPPED_JS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"] *, [data-testid="stMetricValue"]')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""  # a value cut to "Cinem…"


def _files(folder: Path) -> tuple[Path, Path]:
    """ml-100k as a shop would export it: ratings.csv (uid,iid,ts,score) and a ;-separated catalogue
    that lacks the last 20 movies (so the report has unmatched ids)."""
    ratings = folder / "my_ratings.csv"
    with open(ML100K / "u.data") as src, open(ratings, "w") as out:
        out.write("uid,iid,ts,score\n")
        for line in src:
            u, i, r, t = line.split()
            out.write(f"{u},{i},{t},{r}\n")
    catalogue = folder / "movies.csv"
    lines = ["movie_id;title;genres"]
    for line in open(ML100K / "u.item", encoding="latin-1"):
        f = line.rstrip("\n").split("|")
        lines.append(f"{f[0]};{f[1]};{'|'.join(g for g, v in zip(GENRES, f[5:]) if v == '1')}")
    catalogue.write_text("\n".join(lines[:-20]) + "\n")
    return ratings, catalogue


async def _recommendations(v: Visitor) -> list[str]:
    """The rows of the first attention map: the recommendations, top first (plotly draws them as SVG text)."""
    plot = v.page.locator(".js-plotly-plot").first
    await plot.wait_for(timeout=v.timeout)
    await v.idle()
    return [t.strip() for t in await plot.locator(".ytick text").all_text_contents()]


async def _shot(v: Visitor, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    await v.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _before_restart(url: str, ratings: Path, catalogue: Path) -> dict:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "pm", url, timeout_ms=120_000)
        await v.open("Data")
        await v.page.get_by_text("Upload your own data").click()
        inputs = v.page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        await inputs.nth(0).set_input_files(str(ratings))
        await v.page.get_by_text("delimiter: comma").first.wait_for(timeout=v.timeout)
        await inputs.nth(1).set_input_files(str(catalogue))
        await v.page.get_by_text("delimiter: semicolon").first.wait_for(timeout=v.timeout)
        await v.idle()
        await v.page.get_by_role("textbox", name="Name").fill("Cinema shop")
        await _shot(v, "1-upload-preview")
        await v.page.get_by_role("button", name="Use this file").click()
        await v.page.get_by_text("Using my_ratings.csv").first.wait_for(timeout=v.timeout)
        await v.idle()
        body = await v.body()
        assert "1,662 of 1,682 items matched" in body, body[:2000]
        await _shot(v, "2-catalogue-report")
        await v.check("Data after upload")

        await v.nav("Train")
        await v.page.get_by_text("Training", exact=True).click()
        await v.set_number("Time limit (s)", 20)
        await v.page.locator(".st-key-train_start button").click()
        await v.page.get_by_text(TRAINED).first.wait_for(timeout=240_000)
        await v.page.get_by_role("textbox", name="Label (optional)").fill("restart test")
        await v.page.locator(".st-key-train_save button").click()
        await v.page.get_by_text("Saved to the library").first.wait_for(timeout=v.timeout)
        await v.idle()
        await v.check("Train save")

        await v.nav("Explain")
        await v.choose_user(USER)
        recs = await _recommendations(v)
        titled = [r for r in recs if not r.startswith("Item ")]
        assert len(titled) >= len(recs) - 1, f"recommendations without titles: {recs}"
        await _shot(v, "3-explain-before-restart")
        link = v.page.url
        await v.check("Explain")
        errors = list(v.errors)
        await browser.close()
    return {"recs": recs, "link": link, "errors": errors}


async def _after_restart(url: str, link: str, expect: list[str]) -> list[str]:
    from playwright.async_api import async_playwright
    problems = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        shared = await Visitor.new(browser, "colleague", url, timeout_ms=120_000)
        query = link.split("/explain", 1)[1]
        await shared.open("Explain", query)
        await shared.page.get_by_text(f"User {USER}:", exact=False).first.wait_for(timeout=shared.timeout)
        got = await _recommendations(shared)
        await _shot(shared, "4-shared-link-after-restart")
        if got != expect:
            problems.append(f"shared link after restart: {got} != {expect}")
        body = await shared.body()
        if "Cinema shop" not in body:
            problems.append("shared link after restart does not name the dataset")
        if cut := await shared.page.evaluate(CLIPPED_JS):
            problems.append(f"clipped on Explain: {cut}")
        problems += shared.errors
        await browser.close()
    return problems


@pytest.mark.skipif(not ML100K.is_dir() and os.environ.get("CI") != "true", reason="ml-100k not in ../shared/datasets")
def test_upload_train_restart_and_share(tmp_path, chromium):
    assert ML100K.is_dir(), f"{ML100K} is missing"
    ratings, catalogue = _files(tmp_path)
    env = {**os.environ, "ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    with app_server(env, tmp_path / "first.log") as server:
        before = asyncio.run(_before_restart(server.url, ratings, catalogue))
    assert not before["errors"], before["errors"]
    assert len(before["recs"]) >= 5 and "model=" in before["link"] and "dataset=ds-" in before["link"]
    os.remove(ratings)  # the upload's file is gone too: only the stored copy remains
    with app_server(env, tmp_path / "second.log") as server:
        problems = asyncio.run(_after_restart(server.url, before["link"], before["recs"]))
        problems += server_errors(server.log_text())
    assert not problems, problems


async def _upload_then_refresh(url: str, export: Path) -> dict:
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        v = await Visitor.new(browser, "pm", url, timeout_ms=120_000)
        await v.open("Data")
        await v.upload(export)  # the guessed mapping, accepted as it is
        link = v.page.url
        before = await v.options("data_pick")
        await v.nav("Train")  # to another page, then a refresh there: a new session
        await v.page.reload()
        await v.page.get_by_text("Start training").first.wait_for(timeout=v.timeout)
        await v.idle()
        await v.nav("Data")
        after = await v.options("data_pick")
        chosen = await v.page.locator(".st-key-data_pick").evaluate(  # the label and the chosen entry
            "e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")
        await _shot(v, "5-after-refresh")
        await v.page.reload()  # and a refresh on the Data page itself
        await v.page.get_by_text("a model on this dataset").first.wait_for(timeout=v.timeout)
        await v.idle()
        again = await v.options("data_pick")
        errors = list(v.errors)
        await browser.close()
    return {"link": link, "before": before, "after": after, "again": again, "chosen": chosen, "errors": errors}


def test_an_upload_stays_listed_after_a_browser_refresh(tmp_path, chromium):
    """The issue: a refresh hid the uploaded dataset until a model was saved on it."""
    export = tmp_path / "shop_export.csv"
    export.write_text("user_id;item_id;timestamp;rating\n" + "".join(  # names any version maps: only the refresh
        f"C{1000 + u};{40000 + (u * 7 + k * 3) % 23};2024-03-{k + 1:02d} 10:00;{(u + k) % 5 + 1}\n"
        for u in range(8) for k in range(5)))
    env = {**os.environ, "ATTENTION_LENS_DATA": str(tmp_path / "data"), "ATTENTION_LENS_MODELS": str(tmp_path / "models")}
    with app_server(env, tmp_path / "server.log") as server:
        got = asyncio.run(_upload_then_refresh(server.url, export))
        problems = server_errors(server.log_text())
    assert not got["errors"] and not problems, (got["errors"], problems)
    mine = [o for o in got["before"] if o.startswith("shop_export")]
    assert mine and mine[0] in got["after"] and mine[0] in got["again"], got
    assert "shop_export" in got["chosen"]  # still the session's dataset, not the embedded shop
    assert "dataset=ds-" in got["link"]  # how: the link holds the stored dataset from the moment it is stored
