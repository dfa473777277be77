"""Core time to explain one user: top-20 with attention rows (and the removal test), max-len 50, on
ml-latest-small. Targets: median <= 50 ms for target-soft, target-hard, self-soft; <= 500 ms for
target-additive.

    python bench/bench_explain.py [--dataset ml-latest-small] [--users 30] [--train-seconds 20]

Models are trained briefly first (speed does not depend on how well they are trained); each
timing is explain_user for one user, the call the Explain page makes. Writes bench/results/explain.json.
"""
import argparse
import sys
import tempfile
import time

import numpy as np
from common import SHARED, dataset_available, median, table, write_json

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.explain.user import explain_user
from recsys_core.models.config import ModelConfig
from recsys_core.store.opened import Loaded
from recsys_core.training.config import TrainConfig
from recsys_core.training.process import setup_training_process
from recsys_core.training.run import train_and_save

MODELS = {"target-soft": dict(arch="target"), "target-hard": dict(arch="target", attention="hard"),
          "self-soft": dict(arch="self"), "target-additive": dict(arch="target", attention="additive")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="ml-latest-small")
    ap.add_argument("--users", type=int, default=30)
    ap.add_argument("--train-seconds", type=float, default=20)
    args = ap.parse_args()
    setup_training_process()  # threads and heap modes: this process trains
    if not dataset_available(args.dataset):
        print(f"{args.dataset} not in {SHARED}", file=sys.stderr)
        return 1
    data = prepare(load_dataset(args.dataset, str(SHARED)))
    users = np.random.default_rng(0).choice(data.user_ids, args.users, replace=False)
    rows = []
    for name, kw in MODELS.items():
        cfg = ModelConfig(max_len=50, **kw)
        with tempfile.TemporaryDirectory() as out:
            res = train_and_save(data, cfg, TrainConfig(epochs=1, max_seconds=args.train_seconds), out, args.dataset)
            from recsys_core.store.checkpoint import load_model
            model, meta = load_model(res.path, data)
        loaded = Loaded(model, meta, data)
        for with_influence in (True, False):
            explain_user(loaded, users[0], k=20, influence=with_influence)  # warm-up
            times = []
            for u in users:
                t = time.perf_counter()
                explain_user(loaded, u, k=20, influence=with_influence)
                times.append((time.perf_counter() - t) * 1000)
            rows.append({"model": name, "influence": with_influence, "median_ms": round(median(times), 2),
                         "p90_ms": round(float(np.percentile(times, 90)), 2), "users": len(users)})
            print(rows[-1], file=sys.stderr, flush=True)
    table(rows, ["model", "influence", "median_ms", "p90_ms", "users"])
    write_json("explain", {"dataset": args.dataset, "items": data.n_items, "k": 20, "max_len": 50, "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
