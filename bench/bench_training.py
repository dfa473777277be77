"""Per model and dataset: training time, throughput and NDCG/HR@10 under both protocols.

    python bench/bench_training.py [--datasets sample ml-100k ml-latest-small] [--models ...] [--repeats 3]

Uses the same defaults as `python -m recsys_core train` (the numbers a user gets), prints a table
and writes bench/results/training.json. Medians over repeats with different seeds.
"""
import argparse
import sys
import time

from common import SHARED, dataset_available, median, table, write_json

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.training.config import TrainConfig
from recsys_core.training.evaluate import evaluate
from recsys_core.training.loop import train
from recsys_core.training.process import setup_training_process

MODELS = ["popular", "mean", "target-soft", "target-hard", "self-soft", "target-dot", "target-cosine",
          "target-additive", "target-sparsemax", "target-soft-w5", "target-hard-w5", "target-soft-gru",
          "self-hard", "self-sparsemax", "self-soft-w5"]


def config_for(name: str) -> ModelConfig:
    parts = name.split("-")
    cfg = ModelConfig(arch=parts[0])
    if len(parts) > 1:
        cfg.attention = parts[1]
    for p in parts[2:]:
        if p.startswith("w"):
            cfg.window = int(p[1:])
        else:
            cfg.encoder = p
    return cfg


def run(name: str, data, seed: int) -> dict:
    cfg = config_for(name)
    model = build_model(cfg, data.n_items, seed=seed)
    t0 = time.perf_counter()
    res = train(model, data, TrainConfig(seed=seed))
    seconds = time.perf_counter() - t0
    m = evaluate(model, data, max_len=cfg.max_len, ks=(10,))
    return {"seconds": seconds, "seq_per_s": res.windows_per_second, "epochs": res.best_epoch,
            "full_ndcg@10": m["full"]["ndcg@10"], "full_hr@10": m["full"]["hr@10"],
            "sampled_ndcg@10": m["sampled"]["ndcg@10"], "sampled_hr@10": m["sampled"]["hr@10"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["sample", "ml-100k", "ml-latest-small"])
    ap.add_argument("--models", nargs="+", default=MODELS)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="training")
    args = ap.parse_args()
    setup_training_process()  # threads and heap modes: this process trains
    rows = []
    for ds_name in args.datasets:
        if not dataset_available(ds_name):
            print(f"skipped {ds_name}: not in {SHARED}", file=sys.stderr)
            continue
        data = prepare(load_dataset(ds_name, str(SHARED)))
        for name in args.models:
            runs = [run(name, data, seed) for seed in range(args.repeats)]
            row = {"dataset": ds_name, "model": name, "repeats": args.repeats}
            for key in runs[0]:
                row[key] = round(median([r[key] for r in runs]), 4)
            rows.append(row)
            print(f"{ds_name} {name}: {row}", file=sys.stderr, flush=True)
            write_json(args.out, {"what": "train with TrainConfig defaults, then evaluate on the test split",
                                  "results": rows})
    table(rows, ["dataset", "model", "seconds", "seq_per_s", "epochs", "full_ndcg@10", "full_hr@10",
                 "sampled_ndcg@10", "sampled_hr@10"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
