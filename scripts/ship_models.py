"""Rebuild the small models shipped in sample_data/models/, so the app starts with something to
explore and no training. Rerun after any change to the embedded data or the model code (a test
fails until you do):

    python scripts/ship_models.py [--only target-soft self-soft]

Each model is trained on the embedded dataset with the CLI's defaults and a fixed seed.
"""
import argparse
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from recsys_core.data.loaders import load_sample  # noqa: E402
from recsys_core.data.preprocess import prepare  # noqa: E402
from recsys_core.models.config import ModelConfig  # noqa: E402
from recsys_core.store.library import SHIPPED_DIR  # noqa: E402
from recsys_core.training.config import TrainConfig  # noqa: E402
from recsys_core.training.process import setup_training_process  # noqa: E402
from recsys_core.training.run import train_and_save  # noqa: E402

SHIPPED = [
    ModelConfig(arch="popular"),
    ModelConfig(arch="mean"),
    ModelConfig(arch="target", attention="soft"),
    ModelConfig(arch="target", attention="hard"),
    ModelConfig(arch="target", attention="sparsemax"),
    ModelConfig(arch="target", attention="additive"),
    ModelConfig(arch="target", attention="soft", window=5),
    ModelConfig(arch="self", attention="soft"),
    ModelConfig(arch="self", attention="hard"),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="model names to rebuild (default: all)")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    setup_training_process()  # threads and heap modes: this process trains
    data = prepare(load_sample())
    os.makedirs(SHIPPED_DIR, exist_ok=True)
    for cfg in SHIPPED:
        if args.only and cfg.name not in args.only:
            continue
        final = os.path.join(SHIPPED_DIR, cfg.name)
        tmp = final + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        out = train_and_save(data, cfg, TrainConfig(seed=args.seed), tmp, dataset_spec="sample")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        m = out.metrics
        print(f"{cfg.name:<22} {out.seconds:6.1f}s  full ndcg@10 {m['full']['ndcg@10']:.4f}  "
              f"sampled ndcg@10 {m['sampled']['ndcg@10']:.4f}", flush=True)
    total = sum(f.stat().st_size for f in Path(SHIPPED_DIR).rglob("*") if f.is_file())
    print(f"total size {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
