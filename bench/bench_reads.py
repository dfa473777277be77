"""How often the app reads each checkpoint (torch.load), for one Explain render and for "train -> save ->
explain", in a fresh server process each (AppTest runs the real pages in-process).

    python bench/bench_reads.py [--repo PATH]

--repo: measure another checkout instead of this one (e.g. `git archive <commit> | tar -x -C /tmp/base`
for the code before a change). Every torch.load of the measured process is counted by file and by
thread (the warm-up thread's reads apart from the pages'). Writes bench/results/reads.json (or
reads_<name>.json with --name); prints a table.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, table, write_json

SCENARIOS = ("explain", "train_save_explain")


def _count_loads():
    """Wrap torch.load: (path, thread) -> calls."""
    import threading

    import torch
    counts = collections.Counter()
    real = torch.load

    def counting(f, *args, **kwargs):
        counts[(str(f), threading.current_thread().name)] += 1
        return real(f, *args, **kwargs)
    torch.load = counting
    return counts


def _explain(at):
    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception


def _train_save_explain(at):
    at.switch_page("pages/train.py").run()
    at.number_input(key="train_dim").set_value(16)
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_max_seconds").set_value(60)
    at.selectbox(key="train_device").select("cpu")
    at.button(key="train_start").click().run()
    job = at.session_state["job"]
    job.join(600)
    assert job.state.status == "done", job.state.message
    at.run()
    at.text_input(key="train_label").input("reads")
    at.button(key="train_save").click().run()
    at.button(key="train_explain").click().run()  # switches to the Explain page with the saved model
    assert not at.exception, at.exception
    return job.out_dir


def child(repo: Path, scenario: str, out: Path):
    """One scenario in this (fresh) process, against the checkout at `repo`."""
    sys.path.insert(0, str(repo))
    os.chdir(repo)
    counts = _count_loads()
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(repo / "app.py"), default_timeout=600).run()
    job_dir = _explain(at) if scenario == "explain" else _train_save_explain(at)
    import threading
    for t in threading.enumerate():  # the warm-up thread, if it started, reads too: wait for it
        if t.name == "attention-lens-warmup":
            t.join(120)
    library = os.environ["ATTENTION_LENS_MODELS"]

    def where(path: str) -> str:
        if job_dir and path.startswith(job_dir):
            return "trained model (job folder)"
        if path.startswith(library):
            return "trained model (library copy)"
        return os.path.relpath(path, repo)
    rows = collections.Counter()
    for (path, thread), n in counts.items():
        rows[(where(path), "warm-up" if thread == "attention-lens-warmup" else "pages")] += n
    out.write_text(json.dumps([{"checkpoint": c, "by": b, "reads": n} for (c, b), n in sorted(rows.items())]))


def measure(repo: Path, scenario: str) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp:
        env = {**os.environ, "ATTENTION_LENS_MODELS": os.path.join(tmp, "library"),
               "ATTENTION_LENS_DATA": os.path.join(tmp, "data"), "PYTHONPATH": str(repo)}
        out = Path(tmp) / "counts.json"
        subprocess.run([sys.executable, __file__, "--child", scenario, "--repo", str(repo), "--out", str(out)],
                       check=True, env=env, cwd=repo)
        return json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=str(REPO), help="the checkout to measure (default: this one)")
    ap.add_argument("--name", default="", help="results file suffix, e.g. 'before'")
    ap.add_argument("--child", choices=SCENARIOS, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    repo = Path(args.repo).resolve()
    if args.child:
        child(repo, args.child, Path(args.out))
        return 0
    rows = []
    for scenario in SCENARIOS:
        found = measure(repo, scenario)
        rows += [{"scenario": scenario, **r} for r in found]
        rows.append({"scenario": scenario, "checkpoint": "all", "by": "pages + warm-up",
                     "reads": sum(r["reads"] for r in found)})
    table(rows, ["scenario", "checkpoint", "by", "reads"])
    write_json("reads" + (f"_{args.name}" if args.name else ""), {"repo": str(repo), "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
