"""Data-parallel training with 1 and 2 processes (torchrun, gloo on CPU / NCCL on GPU): training
examples per second over all ranks, training seconds, and test quality under both protocols.

    python bench/bench_ddp.py [--dataset sample] [--processes 1 2] [--epochs 20] [--threads 1]

Each run is `python -m recsys_core train` (1) or `torchrun --standalone --nproc-per-node N -m recsys_core
train` (N > 1) with the same settings and seed; the figures come from the metrics.json it writes. With
--threads 1 each process gets one core, so the comparison is of processes, not of thread pools.
Writes bench/results/ddp.json.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, table, write_json


def run(processes: int, args, out: Path) -> dict:
    train = ["train", "--dataset", args.dataset, "--arch", args.arch, "--epochs", str(args.epochs),
             "--seed", str(args.seed), "--out", str(out)] + (["--threads", str(args.threads)] if args.threads else [])
    if args.max_seconds:
        train += ["--max-seconds", str(args.max_seconds)]
    if processes == 1:
        cmd = [sys.executable, "-m", "recsys_core", *train]
    else:
        torchrun = shutil.which("torchrun") or str(Path(sys.executable).with_name("torchrun"))
        cmd = [torchrun, "--standalone", "--nproc-per-node", str(processes), "-m", "recsys_core", *train]
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode:
        raise SystemExit(f"{processes} process(es) failed:\n{p.stderr[-3000:]}")
    m = json.loads((out / "metrics.json").read_text())
    return {"processes": processes, "world_size": m["world_size"], "examples_per_s": m["sequences_per_second"],
            "train_s": m["seconds"], "wall_s": round(wall, 1), "best_epoch": m["best_epoch"], "stopped": m["stopped"],
            "full_ndcg@10": round(m["full"]["ndcg@10"], 4), "full_hr@10": round(m["full"]["hr@10"], 4),
            "sampled_ndcg@10": round(m["sampled"]["ndcg@10"], 4), "sampled_hr@10": round(m["sampled"]["hr@10"], 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="sample")
    ap.add_argument("--arch", default="self")
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--max-seconds", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1, help="threads per process (0: the cores split between them)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(n, args, Path(tmp) / f"p{n}") for n in args.processes]
    table(rows, ["processes", "examples_per_s", "train_s", "best_epoch", "stopped", "full_ndcg@10", "full_hr@10",
                 "sampled_ndcg@10"])
    write_json("ddp", {"what": "train with N processes (DDP via torchrun), same settings and seed",
                       "dataset": args.dataset, "arch": args.arch, "epochs": args.epochs, "threads": args.threads,
                       "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
