"""Quality on sparse shop data with the CLI's defaults, exactly as a user runs it:

    python bench/bench_sparse.py [--datasets amazon-beauty amazon-sports] [--seeds 42] [--threads 0]

For each dataset and seed: `python -m recsys_core train --dataset <the .txt> --arch self --seed S --out TMP`
(nothing else: the defaults, including what they choose from the data, such as the skip around the last
attention), then `evaluate --protocol both --json` on the test split. Full ranking (every unseen item) is
the protocol of the published figures (ICLRec on these very files); sampled is SASRec's (1 held-out vs
100 unseen). Settings are chosen on validation only, inside `train`. Prints a table, writes
bench/results/<--out>.json (default sparse.json). Skipped for a dataset not in ../shared/datasets.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from common import REPO, SHARED, median, table, write_json

FILES = {"amazon-beauty": SHARED / "amazon-beauty" / "Beauty.txt",
         "amazon-sports": SHARED / "amazon-sports" / "Sports_and_Outdoors.txt"}
TARGETS = {"amazon-beauty": 0.0403, "amazon-sports": 0.0238}  # ICLRec (WWW'22), full ranking, NDCG@10


def cli(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "recsys_core", *args], cwd=REPO, check=True,
                         capture_output=True, text=True)
    return out.stdout + out.stderr


def one(path, seed: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-sparse-") as tmp:
        out = os.path.join(tmp, "run")
        t = time.perf_counter()
        said = cli("train", "--dataset", str(path), "--arch", "self", "--seed", str(seed), "--out", out,
                   *(["--threads", str(threads)] if threads else []))
        seconds = time.perf_counter() - t
        scores = json.loads(subprocess.run([sys.executable, "-m", "recsys_core", "evaluate", "--model", out,
                                            "--protocol", "both", "--json"], cwd=REPO, check=True,
                                           capture_output=True, text=True).stdout)
        with open(os.path.join(out, "metrics.json")) as f:
            metrics = json.load(f)
    return {"seed": seed, "seconds": round(seconds, 1), "said": [s for s in said.splitlines() if s.strip()][:6],
            "stopped": metrics.get("stopped"), "best_epoch": metrics.get("best_epoch"), "scores": scores}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(FILES), choices=list(FILES))
    ap.add_argument("--seeds", type=int, nargs="+", default=[42])
    ap.add_argument("--threads", type=int, default=0, help="train's --threads (0: its default)")
    ap.add_argument("--out", default="sparse", help="results name under bench/results")
    args = ap.parse_args()
    rows, runs = [], {}
    for name in args.datasets:
        if not FILES[name].exists():
            print(f"skipped {name}: not at {FILES[name]}", file=sys.stderr)
            continue
        runs[name] = [one(FILES[name], s, args.threads) for s in args.seeds]
        full = [r["scores"]["full"] for r in runs[name]]
        samp = [r["scores"]["sampled"] for r in runs[name]]
        nd = median([f["ndcg@10"] for f in full])
        rows.append({"dataset": name, "seeds": len(runs[name]), "full_ndcg": round(nd, 4),
                     "full_hr": round(median([f["hr@10"] for f in full]), 4),
                     "sampled_ndcg": round(median([s["ndcg@10"] for s in samp]), 4),
                     "sampled_hr": round(median([s["hr@10"] for s in samp]), 4),
                     "seconds": round(median([r["seconds"] for r in runs[name]]), 1),
                     "target": TARGETS[name], "met": nd >= TARGETS[name]})
        print(rows[-1], file=sys.stderr, flush=True)
    table(rows, ["dataset", "seeds", "full_ndcg", "full_hr", "sampled_ndcg", "sampled_hr", "seconds", "target", "met"])
    write_json(args.out, {"what": "train --arch self with the CLI's defaults on the one-line-per-user Amazon files; "
                          "test split, @10, medians over seeds", "rows": rows, "runs": runs,
                          "load_at_end": os.getloadavg()[0]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
