"""Time load + preprocess + pad on the real MovieLens copies; target: <= 1 s for ml-latest-small.

Run from anywhere: `python bench/bench_loading.py [--repeats 7]`. Reads ../shared/datasets (beside the
repo), prints a table and writes bench/results/loading.json.
"""
import argparse
import statistics
import sys
import time

from common import SHARED, write_json

from recsys_core.data import preprocess  # noqa: E402  (common puts the repo on sys.path)
from recsys_core.data import registry as datasets

NAMES = ("ml-latest-small", "ml-100k")
MAX_LEN = 50  # the SASRec default sequence length


def run_once(name: str) -> tuple[float, int]:
    start = time.perf_counter()
    ds = datasets.load_dataset(name, str(SHARED))
    p = preprocess.prepare(ds)
    preprocess.pad_left(p, preprocess.split_ends(p, "test")[0], MAX_LEN)
    return time.perf_counter() - start, len(ds.interactions)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    results = []
    print(f"{'dataset':<18}{'median s':>10}{'min s':>10}{'rows':>10}")
    for name in NAMES:
        if not (SHARED / name).is_dir():
            print(f"{name:<18}  skipped: not in {SHARED}")
            continue
        runs = [run_once(name) for _ in range(args.repeats)]
        times = [t for t, _ in runs]
        row = {"dataset": name, "median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4),
               "rows": runs[0][1], "repeats": args.repeats}
        results.append(row)
        print(f"{name:<18}{row['median_s']:>10.3f}{row['min_s']:>10.3f}{row['rows']:>10,}")
    write_json("loading", {"what": "datasets.load_dataset + preprocess.prepare + pad_left(test ends, 50)",
                           "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
