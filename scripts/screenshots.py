"""Refresh the README's screenshots: start the app on a free loopback port, open each page in
headless Chromium (Debian's, via Playwright) and save docs/<page>.png.

    python scripts/screenshots.py [--pages explain data train compare learn patterns] [--height 900] [--query user=47]
                                  [--out DIR] [--suffix -fold]
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
HEIGHTS = {"explain": 2900, "data": 1500, "train": 1300, "compare": 1700, "learn": 1900, "patterns": 4600}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", nargs="+", default=list(HEIGHTS))
    ap.add_argument("--height", type=int, default=None, help="viewport height instead of each page's full height "
                    "(e.g. 900: what a 1400x900 screen shows without scrolling)")
    ap.add_argument("--query", default="", help="query string for every page, e.g. user=47&model=ID")
    ap.add_argument("--out", default=str(REPO / "docs"), help="folder for the PNGs (default docs/)")
    ap.add_argument("--suffix", default="", help="added to each file name, e.g. -fold")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ATTENTION_LENS_MODELS": tempfile.mkdtemp()}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            warm = browser.new_page()  # the first request switches a fresh server to app.py's navigation
            warm.goto(f"http://127.0.0.1:{port}/")
            warm.get_by_text("Embedded shop").first.wait_for(timeout=60_000)
            warm.close()
            for name in args.pages:
                page = browser.new_page(viewport={"width": 1400, "height": args.height or HEIGHTS.get(name, 1500)})
                query = f"?{args.query}" if args.query else ""
                page.goto(f"http://127.0.0.1:{port}/{'' if name == 'data' else name}{query}")
                page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                       timeout=240_000)
                if name in ("explain", "compare", "patterns"):
                    page.wait_for_selector(".js-plotly-plot", timeout=240_000)
                page.wait_for_timeout(3000)
                out = Path(args.out) / f"{name}{args.suffix}.png"
                out.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(out))
                print(out)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
