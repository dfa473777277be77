"""App timings in a real browser: cold start (server launch to the first rendered Explain page, and to
the landing page), a second session's first Explain on the warm server, and the page update after
picking another user, a what-if removal and one step of the Learn page's temperature slider. Targets:
Explain cold start <= 2.5 s, landing <= 2 s, a second session's first Explain <= 1 s, switching user
<= 300 ms (median), a what-if edit <= 300 ms, a Learn slider step <= 150 ms.

    python bench/bench_app.py [--repeats 3]

Drives Debian's Chromium (/usr/bin/chromium) with Playwright against `streamlit run app.py`. Each
browser time runs from the action to a settled page (no running indicator); the `*_drawn_s` figures run
from the key press or click (or the navigation) to the page's last DOM change, charts drawn included, once
it has been still for half a second: what a user waits for. Beside them, the server's
own seconds for the same script runs (bench/server_timing: timed around Streamlit's script runner), which
leave out the browser's drawing and the websocket. Writes bench/results/app.json.
"""
import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import REPO, median, table, write_json

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
TIMING = REPO / "bench" / "server_timing"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_idle(page, timeout=60_000):
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


@contextlib.contextmanager
def app_server():
    """Start `streamlit run app.py` on a free loopback port; yield (process, url, start time, script-times file)."""
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="bench-app-"))
    times = tmp / "script_times.jsonl"
    env = {**os.environ, "ATTENTION_LENS_MODELS": str(tmp / "models"), "ATTENTION_LENS_SCRIPT_TIMES": str(times),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(TIMING), os.environ.get("PYTHONPATH")]))}
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
        yield proc, f"http://127.0.0.1:{port}", t0, times
    finally:
        proc.terminate()
        proc.wait(10)


def script_runs(times: Path) -> list[dict]:
    """The server's script runs so far, oldest first (fragment reruns left out)."""
    if not times.exists():
        return []
    runs = [json.loads(line) for line in times.read_text().splitlines() if line.strip()]
    return [r for r in runs if not r["fragment"]]


def all_runs(times: Path) -> list[dict]:
    """Every script run so far, fragment reruns included."""
    if not times.exists():
        return []
    return [json.loads(line) for line in times.read_text().splitlines() if line.strip()]


WATCH = """() => { const w = window.__drawn || (window.__drawn = {last: 0, start: 0});
  if (!w.observer) {
    w.observer = new MutationObserver(() => { w.last = performance.now(); });
    w.observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    for (const kind of ["keydown", "pointerdown"]) addEventListener(kind, () => { w.start = performance.now(); }, true);
  }
  w.start = performance.now(); w.last = Math.max(w.last, w.start); }"""


def watch_drawing(page):
    """Start timing the page's drawing: from the next key press or click to its last DOM change."""
    page.evaluate(WATCH)


def drawn(page, quiet_ms: int = 500) -> float:
    """Seconds from the last key press or click to the page's last DOM change (charts drawn included),
    once the page has been still for `quiet_ms`."""
    page.wait_for_function(f"() => performance.now() - window.__drawn.last > {quiet_ms}", timeout=60_000, polling=50)
    return page.evaluate("() => (window.__drawn.last - window.__drawn.start) / 1000")


def settled(page, times: Path, action) -> tuple[float, float]:
    """(browser seconds, server seconds) for one action: from the action until the server has finished
    the script run(s) it started and the page shows no running indicator."""
    before = len(all_runs(times))
    t = time.perf_counter()
    action()
    while len(all_runs(times)) <= before:
        if time.perf_counter() - t > 120:
            raise TimeoutError("the action started no script run")
        time.sleep(0.005)
    wait_idle(page)
    return time.perf_counter() - t, sum(r["seconds"] for r in all_runs(times)[before:])


def server_seconds(times: Path, since: int) -> float:
    """Seconds the server spent in the script runs after the first `since` runs (one action's runs)."""
    return sum(r["seconds"] for r in script_runs(times)[since:])


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def new_page(browser):
    """A page in a context of its own (a new session) that times its drawing from navigation on."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(f"({WATCH})()")
    return page


def open_explain(browser, url: str, query: str = "") -> tuple:
    """(page, seconds to the first rendered Explain page, seconds until it was last drawn, both from the
    navigation)."""
    page = new_page(browser)
    t = time.perf_counter()
    page.goto(f"{url}/explain{query}")
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    wait_idle(page)
    shown = time.perf_counter() - t
    return page, shown, drawn(page)


def one_run(browser, sessions: int = 0) -> dict:
    with app_server() as (proc, url, t0, times):
        server_up = time.perf_counter() - t0
        t_nav = time.perf_counter() - t0
        page, _, first_drawn = open_explain(browser, url)
        first_explain = time.perf_counter() - t0
        first_server = server_seconds(times, 0)
        updates, update_server, update_drawn = [], [], []
        for user in ("5", "17", "42"):
            box = page.get_by_role("textbox", name="User id")
            box.fill(user)
            before = len(script_runs(times))
            watch_drawing(page)
            t = time.perf_counter()
            box.press("Enter")
            page.wait_for_function(f"() => document.body.innerText.includes('User {user}:')", timeout=60_000)
            wait_idle(page)
            updates.append(time.perf_counter() - t)
            update_server.append(server_seconds(times, before))
            update_drawn.append(drawn(page))
        # a what-if removal of the latest history item, on the last user shown
        page.get_by_role("button", name="Remove", exact=True).wait_for(timeout=60_000)
        watch_drawing(page)
        whatif, whatif_server = settled(page, times, lambda: page.get_by_role("button", name="Remove", exact=True).click())
        whatif_drawn = drawn(page)
        page.get_by_text("Your edit:").first.wait_for(timeout=60_000)
        # Learn: one step of the temperature slider (keyboard on its thumb), three times
        learn = new_page(browser)
        learn.goto(f"{url}/learn")
        learn.get_by_text("Temperature T").first.wait_for(timeout=60_000)
        wait_idle(learn)
        thumb = learn.get_by_role("slider", name="Temperature T: soft ← → towards hard")
        thumb.focus()
        steps, steps_drawn = [], []
        for key in ("ArrowRight", "ArrowRight", "ArrowLeft"):
            watch_drawing(learn)
            steps.append(settled(learn, times, lambda key=key: thumb.press(key)))
            steps_drawn.append(drawn(learn))
        learn.close()
        before = len(script_runs(times))
        second, second_s, second_drawn = open_explain(browser, url, "?user=9")
        out = {"server_up_s": server_up, "first_explain_s": first_explain, "first_explain_drawn_s": t_nav + first_drawn,
               "first_explain_server_s": first_server, "second_session_explain_drawn_s": second_drawn,
               "user_update_drawn_s": median(update_drawn), "user_update_drawn_max_s": max(update_drawn),
               "whatif_drawn_s": whatif_drawn, "learn_step_drawn_s": median(steps_drawn),
               "second_session_explain_s": second_s, "second_session_explain_server_s": server_seconds(times, before),
               "user_update_s": median(updates), "user_update_server_s": median(update_server),
               "user_update_max_s": max(updates), "whatif_s": whatif, "whatif_server_s": whatif_server,
               "learn_step_s": median([b for b, _ in steps]), "learn_step_server_s": median([v for _, v in steps])}
        second.close()
        if sessions:  # memory per extra browser session, each showing the Explain page
            before_mb = rss_mb(proc.pid)
            extra = [open_explain(browser, url, f"?user={i + 1}")[0] for i in range(sessions)]
            out["rss_one_session_mb"] = before_mb
            out["rss_per_extra_session_mb"] = (rss_mb(proc.pid) - before_mb) / sessions
            for pg in extra:
                pg.close()
        page.close()
        return out


def landing_run(browser) -> float:
    """Cold start to the rendered landing (Data) page, the app's front door."""
    with app_server() as (_, url, t0, _times):
        page = new_page(browser)
        t_nav = time.perf_counter() - t0
        page.goto(f"{url}/")
        page.get_by_text("Most popular items").first.wait_for(timeout=60_000)
        wait_idle(page)
        shown = time.perf_counter() - t0
        last = drawn(page)
        page.close()
        return shown, t_nav + last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    load = os.getloadavg()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        runs = [one_run(browser, sessions=5 if i == 0 else 0) for i in range(args.repeats)]
        for r in runs:
            r["first_landing_s"], r["first_landing_drawn_s"] = landing_run(browser)
        browser.close()
    row = {k: round(median([r[k] for r in runs if k in r]), 3) for k in runs[0]}
    table([row], list(row))
    print(f"load average before / after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
    write_json("app", {"median": row, "runs": runs, "loadavg_before": load, "loadavg_after": os.getloadavg()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
