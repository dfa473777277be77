"""A class on one server: one `streamlit run` on 127.0.0.1 and 30 browser sessions (one Chromium, 30
Playwright contexts): 3 train a short model on the embedded data while 27 explore (Explain with
different users, Compare, Learn). Targets: 0 errors (exception boxes, error alerts, page errors,
server tracebacks), 0 leaks between sessions (one session's upload, chosen user or running job seen in
another; only saved models are shared), p95 page <= 3 s, median page <= 1 s; the later trainers are
told they wait in the queue; peak memory of the server and of the training worker, each reported.

    python bench/bench_concurrency.py [--trainers 3] [--explorers 27] [--rounds 1]

The browsers share the cores with the server, so each page is timed twice: in the browser (from the
click to a settled page: the server's work, the websocket, and Chromium laying out and drawing the
page while 29 other tabs do the same) and in the server (the script runs behind it, timed around
Streamlit's script runner by bench/server_timing; fragment reruns of the Train page's live view counted
apart). The server-side figures are what the server costs; the browser-side ones are what a class on
one machine with the server would see. Memory: the server's VmHWM, and the worker's VmHWM (sampled
while it lives, as it is a child process that may be replaced). Fresh model library and data folder in
a temp folder; the whole run is bounded (--timeout). Writes bench/results/concurrency.json (or --out);
exits 1 when a check fails.
"""
import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from common import REPO, median, table, write_json

sys.path.insert(0, str(REPO / "tests"))
from app_server import CHROMIUM, Plan, app_server, concurrency, server_errors

TIMING = REPO / "bench" / "server_timing"


def vm_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:  # it has gone
        pass
    return 0


def watch(server, stop: threading.Event, memory: dict, every: float = 0.25):
    """Until stopped: the server's RSS curve, and the peak of every child (the training worker)."""
    while not stop.wait(every):
        memory["server_samples"].append(vm_kb(server.proc.pid, "VmRSS") / 1024)
        for pid in server.children():
            memory["workers"][pid] = max(memory["workers"].get(pid, 0.0), vm_kb(pid, "VmHWM") / 1024)


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainers", type=int, default=3)
    ap.add_argument("--explorers", type=int, default=27, help="at least 2 (the isolation pair)")
    ap.add_argument("--rounds", type=int, default=1, help="explore loops per explorer")
    ap.add_argument("--timeout", type=float, default=1500, help="seconds for the whole scenario")
    ap.add_argument("--out", default="concurrency", help="results name under bench/results")
    args = ap.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        tmp = Path(tmp)
        for d in ("library", "data", "work"):
            (tmp / d).mkdir()
        times = tmp / "script_times.jsonl"
        plan = Plan(trainers=args.trainers, explorers=args.explorers, rounds=args.rounds,
                    timeout_ms=300_000, scenario_timeout=args.timeout, library=tmp / "library")
        env = {"ATTENTION_LENS_MODELS": str(tmp / "library"), "ATTENTION_LENS_DATA": str(tmp / "data"),
               "ATTENTION_LENS_SCRIPT_TIMES": str(times),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(TIMING), os.environ.get("PYTHONPATH")]))}
        with app_server(env, tmp / "server.log") as server:
            rss_start = server.rss_mb()
            stop, memory = threading.Event(), {"server_samples": [], "workers": {}}
            sampler = threading.Thread(target=watch, args=(server, stop, memory), daemon=True)
            sampler.start()
            out = asyncio.run(concurrency(server.url, CHROMIUM, plan, tmp / "work"))
            stop.set()
            sampler.join(5)
            peak = server.peak_rss_mb()
            alive = server.proc.poll() is None
            tracebacks = server_errors(server.log_text())
            runs = [json.loads(line) for line in times.read_text().splitlines()] if times.exists() else []
    errors = out.errors + [f"server: {t}" for t in tracebacks] + ([] if alive else ["server: died"])
    browser = [s for _, _, s in out.timings]
    pages = [r for r in runs if not r["fragment"]]
    server_s = [r["seconds"] for r in pages]
    by_page = {}
    for r in pages:
        by_page.setdefault(r["page"] or "data", []).append(r["seconds"])
    who, what, slowest = out.slowest
    row = {"sessions": out.sessions, "trainers": plan.trainers, "explorers": plan.explorers,
           "duration_s": round(out.duration_s, 1), "pages": len(browser),
           "browser_median_s": round(median(browser), 2), "browser_p95_s": round(pct(browser, 0.95), 2),
           "server_median_s": round(median(server_s), 3), "server_p95_s": round(pct(server_s, 0.95), 3),
           "server_peak_mb": round(peak, 1), "worker_peak_mb": round(max(memory["workers"].values(), default=0.0), 1),
           "errors": len(errors), "leaks": len(out.leaks), "queued_seen": out.queued_message_seen,
           "trained": len(out.trained)}
    table([row], list(row))
    print(f"slowest page in a browser: {who} {what} {slowest:.2f} s; load average before / after: "
          f"{load[0]:.2f} / {os.getloadavg()[0]:.2f}")
    table([{"page": p, "runs": len(v), "server_median_s": round(median(v), 3), "server_p95_s": round(pct(v, 0.95), 3)}
           for p, v in sorted(by_page.items())], ["page", "runs", "server_median_s", "server_p95_s"])
    for line in errors + out.leaks:
        print("  " + line)
    write_json(args.out, {
        **row, "slowest_page": f"{who}: {what} {slowest:.2f} s", "error_list": errors, "leak_list": out.leaks,
        "queue_messages": out.queue_messages, "trained_lines": out.trained, "shared_model_seen": out.shared_model_seen,
        "rss_start_mb": round(rss_start, 1), "rss_samples_mb_max": round(max(memory["server_samples"], default=peak), 1),
        "worker_peaks_mb": {str(k): round(v, 1) for k, v in memory["workers"].items()},
        "server_by_page": {p: {"runs": len(v), "median_s": round(median(v), 3), "p95_s": round(pct(v, 0.95), 3)}
                           for p, v in by_page.items()},
        "fragment_runs": sum(1 for r in runs if r["fragment"]), "loadavg_before": load, "loadavg_after": os.getloadavg(),
        "timings": [{"session": s, "page": w, "seconds": round(t, 3)} for s, w, t in out.timings],
        "plan": {k: v for k, v in asdict(plan).items() if k != "library"}})
    ok = not errors and not out.leaks and out.queued_message_seen and len(out.trained) == plan.trainers
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
