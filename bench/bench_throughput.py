"""Training throughput of `self` (SASRec) at the benchmark shape, a profile of where a step's time
goes, and quality at equal wall time for --loss sampled vs --loss bce.

    python bench/bench_throughput.py [--scale 68] [--seconds 20] [--repeats 3] [--quality-minutes 10]

Shape: --loss bce, batch 128, d=50, 2 layers, 1 head, max-len 50, on the generator scaled to
~24K items / ~31K users (made once into the user cache). Writes bench/results/throughput.json.
"""
import argparse
import os
import sys

import torch
from common import median, table, write_json

from recsys_core.data.preprocess import pad_left, prepare
from recsys_core.data.registry import cache_dir
from recsys_core.data.sample import SampleConfig, generate, read_sample, write_sample
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.training.batching import training_ends
from recsys_core.training.config import TrainConfig
from recsys_core.training.evaluate import evaluate
from recsys_core.training.loop import make_adam, train
from recsys_core.training.process import setup_training_process

SHAPE = ModelConfig(arch="self", attention="soft", dim=50, layers=2, heads=1, max_len=50)


def scaled_data(scale: float):
    folder = os.path.join(cache_dir(), f"bench-sample-scale{scale:g}")
    if not os.path.exists(os.path.join(folder, "interactions.csv")):
        write_sample(generate(SampleConfig(scale=scale)), folder)
    return prepare(read_sample(folder))


def throughput(data, loss: str, seconds: float, seed: int) -> float:
    model = build_model(ModelConfig(**SHAPE.to_dict()), data.n_items)
    cfg = TrainConfig(epochs=1, batch_size=128, loss=loss, max_seconds=seconds, seed=seed, eval_users=200)
    return train(model, data, cfg).windows_per_second


def profile(data, loss: str, steps: int = 20) -> list[dict]:
    model = build_model(ModelConfig(**SHAPE.to_dict()), data.n_items).train()
    opt = make_adam(model, 1e-3, 0.0)
    ex = training_ends(data, "sequence", 10)
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as tprofile

    def step(i):
        b = ex[i * 128:(i + 1) * 128]
        w = pad_left(data, b[:, 1], SHAPE.max_len + 1, b[:, 0])
        _, loss_v = model(w[:, :-1], w[:, 1:], loss=loss)
        opt.zero_grad()
        loss_v.backward()
        opt.step()

    for i in range(3):
        step(i)
    with tprofile(activities=[ProfilerActivity.CPU]) as prof:
        for i in range(steps):
            step(i + 3)
    total = sum(e.self_cpu_time_total for e in prof.key_averages())
    top = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:12]
    return [{"op": e.key, "share": round(e.self_cpu_time_total / total, 3),
             "ms_per_step": round(e.self_cpu_time_total / 1000 / steps, 2)} for e in top]


def quality(data, loss: str, minutes: float) -> dict:
    model = build_model(ModelConfig(**SHAPE.to_dict()), data.n_items)
    cfg = TrainConfig(batch_size=128, loss=loss, max_seconds=minutes * 60, epochs=10_000, patience=5, eval_users=2000)
    res = train(model, data, cfg)
    m = evaluate(model, data, ("sampled",), max_len=SHAPE.max_len, ks=(10,))["sampled"]
    return {"loss": loss, "minutes": minutes, "train_seconds": round(res.train_seconds, 1), "stopped": res.stopped,
            "sampled_ndcg@10": round(m["ndcg@10"], 4), "sampled_hr@10": round(m["hr@10"], 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=68)
    ap.add_argument("--seconds", type=float, default=20, help="training time per throughput run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quality-minutes", type=float, default=0, help="0 skips the equal-wall-time comparison")
    args = ap.parse_args()
    setup_training_process()  # threads and heap modes: this process trains
    data = scaled_data(args.scale)
    print(f"data: {data.n_users:,} users, {data.n_items:,} items, {len(data.items):,} interactions", file=sys.stderr)
    rows = []
    for loss in ("bce", "sampled"):
        runs = [throughput(data, loss, args.seconds, seed) for seed in range(args.repeats)]
        rows.append({"loss": loss, "median_seq_per_s": round(median(runs), 1), "runs": [round(r, 1) for r in runs]})
    table(rows, ["loss", "median_seq_per_s"])
    prof = profile(data, "bce")
    print("\nwhere a bce step's time goes (torch.profiler, self CPU time):")
    table(prof, ["op", "share", "ms_per_step"])
    out = {"shape": SHAPE.to_dict(), "batch_size": 128, "users": data.n_users, "items": data.n_items,
           "threads": torch.get_num_threads(), "throughput": rows, "profile_bce": prof}
    write_json("throughput", out)
    if args.quality_minutes:
        q = [quality(data, loss, args.quality_minutes) for loss in ("sampled", "bce")]
        print()
        table(q, ["loss", "minutes", "train_seconds", "stopped", "sampled_ndcg@10", "sampled_hr@10"])
        out["quality_equal_time"] = q
        write_json("throughput", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
