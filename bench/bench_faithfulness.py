"""Honest explanations, measured (issue 13): for the shipped models on the embedded data,

  planted   hit@1 / hit@3 of the known trigger per (model, explainer), with chance beside them
  dataset   deletion area against random order and the share of users for whom removing the
            explainer's top item hurts more than removing a random one, with 95% intervals
  timing    one full report (all explainers, faithfulness with the random floor, counterfactual,
            words) for one recommendation at history length 50 and 200; targets <= 300 ms and <= 1 s
            for target-soft and self-soft (wall time, CPU time of the process, and the load average
            beside them: on a shared machine the wall time says more about the neighbours)

    python bench/bench_faithfulness.py [--users 200] [--repeats 5] [--real]   # writes bench/results/faithfulness.json

--real also trains target-soft and self-soft for --train-seconds on ml-100k and ml-latest-small
(../shared/datasets) and measures their dataset-level faithfulness. Length-200 timings use models
trained briefly with max_len 200 on the embedded data and a 200-item history (timing does not depend
on how well a model is trained).
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
from common import SHARED, dataset_available, median, table, write_json

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.explain.dataset_faithfulness import dataset_faithfulness
from recsys_core.explain.planted import planted_map
from recsys_core.explain.planted_hits import planted_hits
from recsys_core.explain.report import explain_item
from recsys_core.models.config import ModelConfig
from recsys_core.store.library import list_models
from recsys_core.store.opened import open_model
from recsys_core.training.config import TrainConfig
from recsys_core.training.process import setup_training_process
from recsys_core.training.run import train_and_save

TIMED = ("target-soft", "self-soft")


def planted_rows(shipped, planted):
    rows = []
    for name, loaded in shipped.items():
        hits = planted_hits(loaded, planted)
        for expl, h in (hits.by_explainer if hits else {}).items():
            rows.append({"model": name, "explainer": expl, "cases": hits.cases, "hit@1": h.hit_at_1,
                         "hit@3": h.hit_at_3, "chance@1": hits.chance_at_1, "chance@3": hits.chance_at_3})
    return rows


def dataset_rows(name, loaded, users, dataset):
    rows = []
    for expl, f in dataset_faithfulness(loaded, max_users=users).items():
        rows.append({"dataset": dataset, "model": name, "explainer": expl, "users": f.users,
                     "deletion_area": f.deletion_area.value, "random_area": f.random_deletion_area.value,
                     "vs_random": f.area_vs_random.value, "vs_random_low": f.area_vs_random.low,
                     "vs_random_high": f.area_vs_random.high, "top_hurts_more": f.top_hurts_more.value,
                     "top_hurts_low": f.top_hurts_more.low, "top_hurts_high": f.top_hurts_more.high})
    return rows


def time_report(loaded, user, history, repeats):
    explain_item(loaded, user, history=history)  # warm-up
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        rep = explain_item(loaded, user, history=history)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return round(median(times), 1), round(max(times), 1), round(median(cpu), 1), len(rep.explainers)


def timing_rows(shipped, data, repeats):
    rows = []
    lens = data.lengths()
    user = str(data.user_ids[int(np.argmax(lens))])
    for name in TIMED:
        med, worst, cpu, n_expl = time_report(shipped[name], user, None, repeats)
        rows.append({"model": name, "history": 50, "explainers": n_expl, "median_ms": med, "max_ms": worst,
                     "cpu_ms": cpu, "target_ms": 300, "load": round(os.getloadavg()[0], 1)})
    rng = np.random.default_rng(0)
    long_history = [str(data.item_ids[i]) for i in rng.choice(np.arange(1, data.n_items + 1), 200, replace=False)]
    for name, arch in zip(TIMED, ("target", "self")):
        with tempfile.TemporaryDirectory() as out:
            res = train_and_save(data, ModelConfig(arch=arch, max_len=200), TrainConfig(epochs=1, max_seconds=10), out,
                                 "sample")
            loaded = open_model(res.path, data=data)
        med, worst, cpu, n_expl = time_report(loaded, user, long_history, repeats)
        rows.append({"model": name, "history": 200, "explainers": n_expl, "median_ms": med, "max_ms": worst,
                     "cpu_ms": cpu, "target_ms": 1000, "load": round(os.getloadavg()[0], 1)})
    return rows


def real_rows(users, seconds):
    rows = []
    for dataset in ("ml-100k", "ml-latest-small"):
        if not dataset_available(dataset):
            print(f"skipping {dataset}: not in {SHARED}", file=sys.stderr)
            continue
        data = prepare(load_dataset(dataset, str(SHARED)))
        for name, arch in zip(TIMED, ("target", "self")):
            with tempfile.TemporaryDirectory() as out:
                res = train_and_save(data, ModelConfig(arch=arch, max_len=50), TrainConfig(max_seconds=seconds), out,
                                     dataset)
                loaded = open_model(res.path, data=data)
            rows += dataset_rows(name, loaded, users, dataset)
            print(f"{dataset} {name}: trained {res.seconds:.0f}s, test NDCG@10 {res.metrics['full']['ndcg@10']:.3f}",
                  file=sys.stderr, flush=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=200, help="test users for the dataset-level figures")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--real", action="store_true", help="also ml-100k and ml-latest-small (trains two models each)")
    ap.add_argument("--train-seconds", type=float, default=60)
    ap.add_argument("--skip-dataset", action="store_true", help="planted and timing only")
    ap.add_argument("--timing-only", action="store_true")
    args = ap.parse_args()
    setup_training_process()  # threads and heap modes: this process trains
    data = prepare(load_sample())
    planted = planted_map(data, load_sample().items)
    shipped = {e.name: open_model(e.path, data=data) for e in list_models(include_shipped=True) if e.shipped}

    if args.timing_only:
        timing = timing_rows(shipped, data, args.repeats)
        table(timing, ["model", "history", "explainers", "median_ms", "max_ms", "cpu_ms", "target_ms", "load"])
        write_json("faithfulness_timing", {"what": "full-report time", "timing": timing})
        return 0
    out = {"what": "planted hits per explainer, dataset-level faithfulness, full-report time",
           "planted": [], "timing": [], "dataset": []}

    def save():  # after every section: a long run that is stopped keeps what it measured
        write_json("faithfulness", {**out, "load_average": os.getloadavg()})

    out["planted"] = planted_rows(shipped, planted)
    table(out["planted"], ["model", "explainer", "cases", "hit@1", "hit@3", "chance@1"])
    save()
    out["timing"] = timing_rows(shipped, data, args.repeats)
    table(out["timing"], ["model", "history", "explainers", "median_ms", "max_ms", "cpu_ms", "target_ms", "load"])
    save()
    if not args.skip_dataset:
        for name, loaded in shipped.items():
            out["dataset"] += dataset_rows(name, loaded, args.users, "sample")
            save()
            print(f"sample {name}: done", file=sys.stderr, flush=True)
    if args.real:
        out["dataset"] += real_rows(args.users, args.train_seconds)
        save()
    if out["dataset"]:
        table(out["dataset"], ["dataset", "model", "explainer", "users", "deletion_area", "random_area", "vs_random",
                               "vs_random_low", "vs_random_high", "top_hurts_more", "top_hurts_low", "top_hurts_high"])
    return 0

if __name__ == "__main__":
    sys.exit(main())
