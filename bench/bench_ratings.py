"""Rating prediction: MAE/RMSE and precision/recall/F1 of liked items (rated >= 4) for the global,
user and item mean baselines and the target-attention rating model (recsys_core.ratings).

Two splits per dataset, named in every row:
  random 80/20 (seed 0): the split of the classic matrix-factorisation figures (ml-100k RMSE ~0.91-0.94)
  leave-one-out: each user's last interaction, the test items of the ranking metrics
The embedded shop has no ratings, so it is listed and skipped.

    python bench/bench_ratings.py [--datasets sample ml-100k ml-latest-small] [--splits random loo]
"""
import argparse
import time

import torch
from common import SHARED, dataset_available, table, write_json

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.models.config import ModelConfig
from recsys_core.ratings import (
    RatingTrainConfig,
    leave_one_out,
    random_split,
    rating_report,
    train_rating_model,
)

SPLITS = {"random": lambda d: random_split(d, seed=0), "loo": leave_one_out}


def run(name: str, split_key: str, model_cfg: ModelConfig, train_cfg: RatingTrainConfig) -> list[dict]:
    data = prepare(load_dataset("sample" if name == "sample" else str(SHARED / name)))
    if data.ratings is None:
        return [{"dataset": name, "split": "-", "method": "(no ratings: skipped)"}]
    split = SPLITS[split_key](data)
    t0 = time.time()
    result = train_rating_model(data, split, model_cfg, train_cfg)
    report = rating_report(data, split, result.model)
    rows = []
    for method, m in report.items():
        row = {"dataset": name, "split": split.name, "method": method, **m.to_dict()}
        if method == "ours":
            row.update(train_seconds=round(result.seconds, 1), best_epoch=result.best_epoch, stopped=result.stopped,
                       valid_rmse=result.valid_rmse, wall_seconds=round(time.time() - t0, 1))
        rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", nargs="+", default=["sample", "ml-100k", "ml-latest-small"])
    ap.add_argument("--splits", nargs="+", default=list(SPLITS), choices=list(SPLITS))
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--attention", default="soft")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model_cfg = ModelConfig(arch="target", attention=args.attention, dim=args.dim, max_len=50, dropout=0.2)
    train_cfg = RatingTrainConfig()
    rows = []
    for name in args.datasets:
        if not dataset_available(name):
            rows.append({"dataset": name, "split": "-", "method": "(not found: skipped)"})
            continue
        for split_key in args.splits if name != "sample" else args.splits[:1]:
            rows += run(name, split_key, model_cfg, train_cfg)
    table(rows, ["dataset", "split", "method", "mae", "rmse", "precision", "recall", "f1", "n", "train_seconds",
                 "best_epoch"])
    print("results:", write_json("ratings", {"model_config": model_cfg.to_dict(), "train_config": train_cfg.to_dict(),
                                            "rows": rows}))


if __name__ == "__main__":
    main()
