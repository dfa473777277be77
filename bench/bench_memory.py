"""Peak resident memory and seconds per stage (load, prepare, train, evaluate full, evaluate sampled) on a
synthetic interactions CSV. Targets: 5M interactions under 3 GB peak; 20M (MovieLens-20M size) under 8 GB.

    python bench/bench_memory.py --rows 5e6 --users 100000 --items 30000 --max-seconds 60
    python bench/bench_memory.py --rows 20e6 --users 138000 --items 27000 --epochs 1 --batch-size 1024 \
        --window-stride 50 --max-seconds 0

--window-stride 50 (= max length) makes one epoch one pass in which every training interaction is a
target once; the default stride (10) cuts five overlapping windows per target.

The CSV is written once per shape under --work (default /tmp/attention-lens-bench). Stages run in one
child process; each reports ru_maxrss (the peak so far) when it ends. Writes bench/results/memory_<rows>.json.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from common import REPO, table, write_json


def make_csv(path: str, rows: int, users: int, items: int, seed: int = 0):
    """user_id,item_id,timestamp: log-normal user lengths (>= 3), Zipf(0.8) items, and half the next items
    are the previous item + 1, so there is a sequential pattern to learn."""
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0, 1.0, users)
    lens = np.maximum(3, np.round(w / w.sum() * rows)).astype(np.int64)
    u = np.repeat(np.arange(users), lens)[:rows]
    pop = 1 / np.arange(1, items + 1) ** 0.8
    base = rng.choice(items, len(u), p=pop / pop.sum())
    follow = rng.random(len(u)) < 0.5
    it = base.copy()
    it[1:][follow[1:]] = (base[:-1][follow[1:]] + 1) % items
    tmp = path + ".tmp"
    pd.DataFrame({"user_id": u, "item_id": it, "timestamp": np.arange(len(u))}).to_csv(tmp, index=False)
    os.replace(tmp, path)


def child(args):
    """The measured process: one JSON line per stage on stdout."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("ATTENTION_LENS_MAX_ROWS", str(max(25_000_000, int(args.rows) + 1)))
    from recsys_core.data.preprocess import prepare
    from recsys_core.data.registry import load_dataset
    from recsys_core.models import build_model
    from recsys_core.models.config import ModelConfig
    from recsys_core.training.config import TrainConfig
    from recsys_core.training.evaluate import evaluate
    from recsys_core.training.loop import train
    from recsys_core.training.process import setup_training_process
    setup_training_process(args.threads)  # threads and heap modes: this process trains

    def stage(name, t0, **extra):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20  # KiB -> GiB
        print(json.dumps({"stage": name, "seconds": round(time.perf_counter() - t0, 1),
                          "peak_gib": round(peak, 3), **extra}), flush=True)

    t = time.perf_counter()
    ds = load_dataset(args.csv)
    stage("load", t, rows=len(ds.interactions))
    t = time.perf_counter()
    data = prepare(ds)
    del ds
    stage("prepare", t, users=data.n_users, items=data.n_items)
    model_cfg = ModelConfig(arch="self", max_len=args.max_len)
    model = build_model(model_cfg, data.n_items, seed=0)
    t = time.perf_counter()
    result = train(model, data, TrainConfig(epochs=args.epochs, batch_size=args.batch_size, threads=args.threads,
                                            max_seconds=args.max_seconds or None, window_stride=args.window_stride))
    stage("train", t, stopped=result.stopped, sequences_per_second=round(result.windows_per_second, 1))
    for protocol in ("full", "sampled"):
        t = time.perf_counter()
        m = evaluate(model, data, (protocol,), max_len=model_cfg.max_len)[protocol]
        stage(f"evaluate {protocol}", t, ndcg10=round(m["ndcg@10"], 4), hr10=round(m["hr@10"], 4))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, default=5e6)
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=30_000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=60, help="training time cap (0: the whole epochs)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--max-len", type=int, default=50)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--window-stride", type=int, default=None, help="a training window every this many items (default: the CLI's)")
    ap.add_argument("--work", default="/tmp/attention-lens-bench")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--csv", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0
    os.makedirs(args.work, exist_ok=True)
    csv = os.path.join(args.work, f"synthetic_{int(args.rows)}_{args.users}_{args.items}.csv")
    if not os.path.exists(csv):
        t = time.perf_counter()
        make_csv(csv, int(args.rows), args.users, args.items)
        print(f"wrote {csv} in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    cmd = [sys.executable, __file__, "--child", "--csv", csv] + [
        a for a in sys.argv[1:] if a not in ("--child",)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr[-3000:])
        return out.returncode
    stages = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    table(stages, ["stage", "seconds", "peak_gib"])
    peak = max(s["peak_gib"] for s in stages)
    target = 3.0 if args.rows <= 5e6 else 8.0
    print(f"peak {peak:.2f} GiB, target {target:g} GiB: {'met' if peak < target else 'missed'}")
    write_json(f"memory_{int(args.rows / 1e6)}m", {
        "what": "peak RSS (ru_maxrss) and seconds per stage, arch self, synthetic CSV",
        "shape": {"rows": int(args.rows), "users": args.users, "items": args.items},
        "train": {"epochs": args.epochs, "max_seconds": args.max_seconds, "batch_size": args.batch_size,
                  "window_stride": args.window_stride},
        "stages": stages, "peak_gib": peak, "target_gib": target, "met": peak < target})
    return 0


if __name__ == "__main__":
    sys.exit(main())
