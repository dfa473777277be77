"""The population view (recsys_core.population, the Patterns page and `patterns` command): for every
shipped model on the embedded shop, precision@20 of the because-of pairs against the generator's
planted trigger -> follow-up pairs, the look-back profile against where the generator placed the
follow-ups (1-10 steps back), attention's agreement with the removal test, and the time for the whole
population; then the same pass over ml-latest-small with a model trained here by the CLI (in a temp
folder, deleted afterwards).

    python bench/bench_patterns.py [--models target-soft ...] [--no-movielens] [--k 10] [--threads N]
                                                         # writes bench/results/patterns.json

Targets (issue 24): target-soft precision@20 >= 18/20; most influence within 1-10 back; the whole shop
<= 10 s; ml-latest-small <= 60 s. Times are one run each: wall seconds with the 1-minute load average
beside them, and CPU seconds of this process (with --threads 1, about what an idle core needs, since
waiting for a core is not counted).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import torch
from common import REPO, SHARED, dataset_available, table, write_json

from recsys_core.explain.planted import planted_for_model
from recsys_core.population.report import patterns
from recsys_core.population.trust import agreement_of
from recsys_core.store.library import list_models
from recsys_core.store.opened import open_model

WINDOW = 10  # the generator plants each follow-up 1..10 steps after its trigger (SampleConfig.max_delay)


def load() -> float:
    return os.getloadavg()[0]


def measure(path: str, k: int, data_dir: str | None = None) -> dict:
    loaded = open_model(path, data_dir=data_dir)
    planted = planted_for_model(loaded, data_dir)
    before = load()
    t, cpu = time.perf_counter(), time.process_time()
    p = patterns(loaded, k=k, planted=planted)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    att = agreement_of(p.trust) if p.has_attention else None
    top = p.pairs[:20]
    return {"model": p.model, "dataset": p.dataset, "users": p.users, "recommendations": p.recommendations,
            "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "load_before": round(before, 1),
            "load_after": round(load(), 1),
            "precision@20": None if p.precision is None else p.precision.precision,
            "planted_hits": None if p.precision is None else p.precision.hits,
            "pairs_same_category": sum(x.history_category == x.category for x in top),
            "influence_within_10": round(p.profile.within("influence", WINDOW), 4),
            "attention_within_10": None if p.profile.soft is None else round(p.profile.within("soft", WINDOW), 4),
            "planted_within_10": None if p.profile.planted is None else round(p.profile.within("planted", WINDOW), 4),
            "attention_agrees": None if att is None else att.agree.value,
            "attention_agrees_low": None if att is None else att.agree.low,
            "attention_agrees_high": None if att is None else att.agree.high,
            "top_pairs": [f"{x.history_title} -> {x.title}" + ("" if x.planted is None else
                                                               (" (planted)" if x.planted else "")) for x in top]}


def train_movielens(folder: str) -> str:
    """A target-soft model on ml-latest-small, trained by the CLI with its defaults (capped at 10 minutes)."""
    out = os.path.join(folder, "target-soft")
    cmd = [sys.executable, "-m", "recsys_core", "train", "--dataset", "ml-latest-small", "--data-dir", str(SHARED),
           "--arch", "target", "--attention", "soft", "--max-seconds", "600", "--threads", str(torch.get_num_threads()),
           "--out", out]
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "model.pt")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=None, help="shipped model names (default: all)")
    ap.add_argument("--no-movielens", action="store_true")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own); on a loaded "
                    "machine 1 thread avoids threads waiting for each other")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for entry in list_models(include_shipped=True):
        if entry.shipped and (args.models is None or entry.name in args.models):
            rows.append(measure(entry.path, args.k))
            print(f"{rows[-1]['model']}: {rows[-1]['seconds']} s", file=sys.stderr, flush=True)
    movielens = None
    if not args.no_movielens and dataset_available("ml-latest-small"):
        folder = tempfile.mkdtemp(prefix="bench-patterns-")
        try:
            t = time.perf_counter()
            path = train_movielens(folder)
            trained = round(time.perf_counter() - t, 1)
            movielens = {**measure(path, args.k, str(SHARED)), "training_seconds": trained}
            rows.append(movielens)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    table(rows, ["dataset", "model", "users", "seconds", "cpu_seconds", "load_before", "precision@20", "pairs_same_category",
                 "influence_within_10", "attention_within_10", "planted_within_10", "attention_agrees"])
    write_json("patterns", {"what": "the whole population's because-of pairs, look-back and trust per model; "
                                    "precision@20 against the embedded shop's planted pairs",
                            "k": args.k, "threads": torch.get_num_threads(), "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
