"""App timings in a real browser: cold start (server launch to the first rendered Explain page) and
the page update after picking another user. Targets: start <= 5 s with shipped models; update <= 1 s.

    python bench/bench_app.py [--repeats 3]

Drives Debian's Chromium (/usr/bin/chromium) with Playwright; writes bench/results/app.json.
"""
import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import REPO, median, table, write_json

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_idle(page, timeout=60_000):
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


@contextlib.contextmanager
def app_server():
    """Start `streamlit run app.py` on a free loopback port; yield (process, url, start time)."""
    port = free_port()
    env = {**os.environ, "ATTENTION_LENS_MODELS": tempfile.mkdtemp()}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield proc, f"http://127.0.0.1:{port}", t0
    finally:
        proc.terminate()
        proc.wait(10)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_run(browser, sessions: int = 0) -> dict:
    with app_server() as (proc, url, t0):
        server_up = time.perf_counter() - t0
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/explain")
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        wait_idle(page)
        first_explain = time.perf_counter() - t0
        updates = []
        for user in ("5", "17", "42"):
            box = page.get_by_role("textbox", name="User id")
            box.fill(user)
            t = time.perf_counter()
            box.press("Enter")
            page.wait_for_function(f"() => document.body.innerText.includes('User {user}:')", timeout=30_000)
            wait_idle(page)
            updates.append(time.perf_counter() - t)
        out = {"server_up_s": server_up, "first_explain_s": first_explain, "user_update_s": median(updates)}
        if sessions:  # memory per extra browser session, each showing the Explain page
            before = rss_mb(proc.pid)
            extra = [browser.new_page() for _ in range(sessions)]
            for i, pg in enumerate(extra):
                pg.goto(f"{url}/explain?user={i + 1}")
                pg.wait_for_selector(".js-plotly-plot", timeout=60_000)
                wait_idle(pg)
            out["rss_one_session_mb"] = before
            out["rss_per_extra_session_mb"] = (rss_mb(proc.pid) - before) / sessions
            for pg in extra:
                pg.close()
        page.close()
        return out


def landing_run(browser) -> float:
    """Cold start to the rendered landing (Data) page, the app's front door."""
    with app_server() as (_, url, t0):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/")
        page.get_by_text("Most popular items").first.wait_for(timeout=60_000)
        wait_idle(page)
        page.close()
        return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        runs = [one_run(browser, sessions=5 if i == 0 else 0) for i in range(args.repeats)]
        for r in runs:
            r["first_landing_s"] = landing_run(browser)
        browser.close()
    row = {k: round(median([r[k] for r in runs if k in r]), 3) for k in runs[0]}
    table([row], list(row))
    write_json("app", {"median": row, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
