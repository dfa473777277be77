"""Shared by the benchmark scripts: paths, atomic JSON results, medians and a plain table."""
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"
RESULTS = REPO / "bench" / "results"
sys.path.insert(0, str(REPO))


def write_json(name: str, data: dict) -> Path:
    """bench/results/<name>.json via temp file + os.replace, so a reader never sees half a file."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {"python": platform.python_version(), "cpus": os.cpu_count(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S"), "command": " ".join(["python"] + sys.argv), **data}
    fd, tmp = tempfile.mkstemp(dir=RESULTS, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)
    return path


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def table(rows: list[dict], cols: list[str]):
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in cols}
    print("  ".join(c.rjust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).rjust(widths[c]) for c in cols))


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 10 else f"{v:,.1f}"
    return "-" if v is None else str(v)


def dataset_available(name: str) -> bool:
    return name == "sample" or (SHARED / name).is_dir()
