"""A real-browser walk-through: `streamlit run app.py` on a free loopback port, headless Chromium
(Debian's, driven by Playwright; never a downloaded browser) walks Data -> Train -> Explain ->
Compare -> Learn, checks each page renders with no exception box, that the Explain page shows
recommendations and heatmaps, and saves a screenshot per page under artifacts/ (git-ignored)."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "browser"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "ATTENTION_LENS_MODELS": str(tmp_path_factory.mktemp("library"))}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def page(chromium):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield pg
        browser.close()


def settle(page, timeout=60_000):
    """Wait until the app has finished its script run (no running indicator) and painted."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(500)


def visit(page, url, path, expect_text):
    page.goto(f"{url}/{path}")
    settle(page)
    page.get_by_text(expect_text, exact=False).first.wait_for(timeout=60_000)
    settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = path.split("?")[0] or "data"
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0, f"exception box on {path}"


def test_a_shared_link_works_as_the_first_request_to_a_fresh_server(server, page):
    # Runs first: with page scripts in pages/, Streamlit would run the page alone, without app.py.
    visit(page, server, "explain?dataset=sample&user=42", "User 42")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Compare" in nav and "Learn" in nav and "app" not in nav.split()


def test_walk_through_every_page(server, page):
    visit(page, server, "", "Embedded shop")
    visit(page, server, "train", "Start training")
    visit(page, server, "explain", "Recommendations")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    maps = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(p => p.data && p.data[0] && p.data[0].type === 'heatmap')
        .map(p => ({title: ((p.layout.title || {}).text || '').toLowerCase(), scale: p.data[0].showscale !== false,
                    rows: p.data[0].z.length, cols: p.data[0].z[0].length}))""")
    soft = [m for m in maps if "soft" in m["title"]]
    hard = [m for m in maps if "hard" in m["title"]]
    assert soft and hard, maps  # the soft map and the hard map, each titled as such
    assert soft[0]["scale"], soft  # the soft map carries its colour bar
    assert soft[0]["cols"] == hard[0]["cols"] >= 2 and soft[0]["rows"] == hard[0]["rows"], maps  # one history, one top-K
    visit(page, server, "compare", "Compare")
    visit(page, server, "learn", "temperature")
    assert page.locator('[data-testid="stException"]').count() == 0
