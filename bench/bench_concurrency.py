"""Many visitors at once: one `streamlit run` server on 127.0.0.1 and 8 browser sessions (one Chromium,
8 Playwright contexts): 3 train a short model on the embedded data while 5 explore (Explain with
different users, Compare, Learn). Reports errors (exception boxes, error alerts, page errors, server
tracebacks: must be 0), cross-session leaks (one session's upload, chosen user or running job seen in
another; only saved models are shared), whether the later trainers were told they wait in the queue,
the slowest page render, the server's peak memory and the total duration.

    python bench/bench_concurrency.py [--trainers 3] [--explorers 5] [--rounds 2]

Drives Debian's Chromium (/usr/bin/chromium); a fresh model library and data folder in a temp folder;
the whole run is bounded (--timeout). Writes bench/results/concurrency.json; exits 1 when a check fails.
"""
import argparse
import asyncio
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from common import REPO, median, table, write_json

sys.path.insert(0, str(REPO / "tests"))
from app_server import CHROMIUM, Plan, app_server, concurrency, server_errors


def sample_rss(server, stop: threading.Event, every: float = 0.25) -> list[float]:
    """VmRSS every `every` s until stopped: the curve behind the VmHWM peak."""
    samples = []
    while not stop.wait(every):
        try:
            samples.append(server.rss_mb())
        except OSError:  # the server has gone
            break
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainers", type=int, default=3)
    ap.add_argument("--explorers", type=int, default=5, help="at least 2 (the isolation pair)")
    ap.add_argument("--rounds", type=int, default=2, help="explore loops per explorer")
    ap.add_argument("--timeout", type=float, default=480, help="seconds for the whole scenario")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        tmp = Path(tmp)
        for d in ("library", "data", "work"):
            (tmp / d).mkdir()
        plan = Plan(trainers=args.trainers, explorers=args.explorers, rounds=args.rounds,
                    scenario_timeout=args.timeout, library=tmp / "library")
        env = {"ATTENTION_LENS_MODELS": str(tmp / "library"), "ATTENTION_LENS_DATA": str(tmp / "data")}
        with app_server(env, tmp / "server.log") as server:
            rss_start = server.rss_mb()
            stop = threading.Event()
            samples: list[float] = []
            sampler = threading.Thread(target=lambda: samples.extend(sample_rss(server, stop)), daemon=True)
            sampler.start()
            out = asyncio.run(concurrency(server.url, CHROMIUM, plan, tmp / "work"))
            stop.set()
            sampler.join(5)
            peak = server.peak_rss_mb()
            alive = server.proc.poll() is None
            tracebacks = server_errors(server.log_text())
    errors = out.errors + [f"server: {t}" for t in tracebacks] + ([] if alive else ["server: died"])
    who, what, slowest = out.slowest
    row = {"sessions": out.sessions, "trainers": plan.trainers, "explorers": plan.explorers,
           "duration_s": round(out.duration_s, 1), "peak_rss_mb": round(peak, 1),
           "rss_start_mb": round(rss_start, 1), "slowest_page_s": round(slowest, 2),
           "median_page_s": round(median([s for _, _, s in out.timings]), 2), "pages": len(out.timings),
           "errors": len(errors), "leaks": len(out.leaks), "queued_message_seen": out.queued_message_seen,
           "trained": len(out.trained)}
    table([row], list(row))
    print(f"slowest: {who} {what} {slowest:.2f} s")
    for line in errors + out.leaks:
        print("  " + line)
    write_json("concurrency", {
        **row, "slowest_page": f"{who}: {what}", "errors": len(errors), "error_list": errors, "leak_list": out.leaks,
        "leaks": len(out.leaks), "queue_messages": out.queue_messages, "trained_lines": out.trained,
        "shared_model_seen": out.shared_model_seen, "rss_samples_mb_max": round(max(samples, default=peak), 1),
        "timings": [{"session": s, "page": w, "seconds": round(t, 3)} for s, w, t in out.timings],
        "plan": {k: v for k, v in asdict(plan).items() if k != "library"}})
    ok = not errors and not out.leaks and out.queued_message_seen and len(out.trained) == plan.trainers
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
