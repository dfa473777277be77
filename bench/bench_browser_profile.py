"""Where the browser's time goes when Explain switches user: Chromium's sampling profiler (DevTools
protocol) around each switch, main-thread milliseconds summed by the script bundle they ran in
(Plotly, React, Streamlit's styling, ...), beside the server's seconds for the same script run and the
charts Plotly drew (each `plotly_afterplot`, by the chart's widget key).

    python bench/bench_browser_profile.py [--switches 6] [--maps off]

--maps off is a counterfactual: the attention maps become empty blocks of the same height (the server's
sitecustomize swaps them out), so the figures say what the rest of the page costs a switch.

Same server and browser as bench_app.py (`streamlit run app.py` with the shipped models, Debian's
Chromium through Playwright). Idle and "(program)" samples (layout and paint outside scripts) are
left out of the bundles and counted apart. Writes bench/results/browser_profile.json
(browser_profile_without_maps.json with --maps off).
"""
import argparse
import collections
import os
import sys
import time

from bench_app import ARGS, all_runs, app_server, wait_idle
from common import median, table, write_json

USERS = ("5", "17", "42", "7", "63", "88", "120", "150")
HOOK = """() => { window.__draws = [];
  const key = d => { const e = d.closest('[class*="st-key-"]'); const m = e && e.className.match(/st-key-([\\w-]+)/);
                     return m ? m[1] : '?'; };
  const hook = () => document.querySelectorAll('.js-plotly-plot').forEach(d => {
    if (!d.__timed && d.on) { d.__timed = true; d.on('plotly_afterplot', () => window.__draws.push(key(d))); } });
  hook(); if (!window.__hooks) window.__hooks = setInterval(hook, 10); }"""


def bundle(url: str, function: str) -> str:
    """'PlotlyChart.D9Z0_fxz.js' -> 'PlotlyChart'; a frame without a script: the native function."""
    name = url.rsplit("/", 1)[-1]
    return name.split(".")[0] if name else f"({function or 'native'})"


def by_bundle(profile: dict) -> tuple[collections.Counter, float]:
    """Milliseconds per bundle (the deepest frame that has a script), and the layout/paint ms."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    ms, program = collections.Counter(), 0.0
    for sample, dt in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[sample]["callFrame"]
        if frame["functionName"] == "(idle)":
            continue
        if frame["functionName"] == "(program)":
            program += dt / 1000
            continue
        node, name = sample, None
        while node is not None and name is None:
            f = nodes[node]["callFrame"]
            name = bundle(f["url"], "") if f["url"] else None
            node = parent.get(node)
        ms[name or bundle("", frame["functionName"])] += dt / 1000
    return ms, program


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--switches", type=int, default=6, choices=range(1, len(USERS) + 1), metavar="N")
    ap.add_argument("--maps", choices=("on", "off"), default="on",
                    help="off: the attention maps replaced by empty blocks (what the page costs without them)")
    args = ap.parse_args()
    os.environ["ATTENTION_LENS_BENCH_MAPS"] = args.maps  # read by the server's sitecustomize
    from playwright.sync_api import sync_playwright
    load = os.getloadavg()
    rows, total = [], collections.Counter()
    with sync_playwright() as p, app_server() as (_, url, _t0, times):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/explain")
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)  # the why-bars chart stays, maps or not
        wait_idle(page)
        time.sleep(2)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        for user in USERS[:args.switches]:
            page.evaluate(HOOK)
            box = page.get_by_role("textbox", name="User id")
            box.fill(user)
            before = len(all_runs(times))
            cdp.send("Profiler.start")
            box.press("Enter")
            page.wait_for_function(f"() => document.body.innerText.includes('User {user}:')", timeout=60_000)
            wait_idle(page)
            time.sleep(1.5)  # the charts draw after the text shows
            ms, program = by_bundle(cdp.send("Profiler.stop")["profile"])
            draws = page.evaluate("() => window.__draws")
            total.update(ms)
            rows.append({"user": user, "server_s": round(sum(r["seconds"] for r in all_runs(times)[before:]), 3),
                         "scripts_ms": round(sum(ms.values())), "plotly_ms": round(ms.get("PlotlyChart", 0)),
                         "layout_paint_ms": round(program), "charts_drawn": len(draws), "drawn": sorted(set(draws))})
        browser.close()
    table(rows, ["user", "server_s", "scripts_ms", "plotly_ms", "layout_paint_ms", "charts_drawn"])
    n = len(rows)
    top = [{"bundle": k, "ms_per_switch": round(v / n, 1)} for k, v in total.most_common(12)]
    table(top, ["bundle", "ms_per_switch"])
    summary = {"server_s": median([r["server_s"] for r in rows]), "scripts_ms": median([r["scripts_ms"] for r in rows]),
               "plotly_ms": median([r["plotly_ms"] for r in rows]),
               "layout_paint_ms": median([r["layout_paint_ms"] for r in rows]),
               "charts_drawn": median([r["charts_drawn"] for r in rows])}
    print("median per switch:", summary, f"load before / after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
    name = "browser_profile" + ("_without_maps" if args.maps == "off" else "")
    write_json(name, {"maps": args.maps, "median": summary, "switches": rows, "bundles": top,
                      "loadavg_before": load, "loadavg_after": os.getloadavg()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
