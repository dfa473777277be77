"""Every claim the app would show, regenerated and checked at scale:

    python bench/bench_claims.py [--users all] [--ml100k-seconds 60] [--no-measured]

Runs `python -m recsys_core check-claims --model M --users all --json` for every shipped model (every
user of the embedded shop) and for three models the CLI trains on ml-100k in a temporary folder
(`--arch target`, `--arch self`, `--arch target --attention hard`, each with --max-seconds), then sums
the explanations, the claims of each kind and the contradictions. Target: at least 10,000
explanations, 0 contradictions. Prints a table, writes bench/results/claims.json.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from common import REPO, SHARED, table, write_json

SHIPPED = REPO / "sample_data" / "models"
ML100K = [("target-soft", ["--arch", "target"]), ("self-soft", ["--arch", "self"]),
          ("target-hard", ["--arch", "target", "--attention", "hard"])]


def check(model: str, users: str, measured: bool) -> dict:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "recsys_core", "check-claims", "--model", model, "--users", users,
                        "--json", *([] if measured else ["--no-measured"])], cwd=REPO, capture_output=True, text=True)
    if p.returncode not in (0, 1):  # 1: contradictions found, reported in the JSON
        raise RuntimeError(f"check-claims {model}: exit {p.returncode}: {p.stderr.strip()[-500:]}")
    out = json.loads(p.stdout)
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", default="all")
    ap.add_argument("--ml100k-seconds", type=int, default=60, help="each ml-100k model's --max-seconds")
    ap.add_argument("--no-measured", action="store_true", help="skip the measured reports (faster)")
    args = ap.parse_args()
    models = [(f"shipped {m}", str(SHIPPED / m)) for m in sorted(os.listdir(SHIPPED))
              if (SHIPPED / m / "model.pt").exists()]
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as tmp:
        if (SHARED / "ml-100k").exists():
            for name, flags in ML100K:
                out = os.path.join(tmp, name)
                subprocess.run([sys.executable, "-m", "recsys_core", "train", "--dataset", str(SHARED / "ml-100k"),
                                *flags, "--max-seconds", str(args.ml100k_seconds), "--out", out], cwd=REPO,
                               check=True, capture_output=True)
                models.append((f"ml-100k {name}", out))
        else:
            print(f"ml-100k not in {SHARED}: shipped models only", file=sys.stderr)
        for label, path in models:
            runs[label] = check(path, args.users, not args.no_measured)
            r = runs[label]
            print(f"{label}: {r.get('explanations')} explanations, {sum((r.get('claims') or {}).values())} claims, "
                  f"{len(r.get('findings', []))} contradictions, {r['seconds']} s", file=sys.stderr, flush=True)
    rows = [{"model": label, "explanations": r.get("explanations"), "claims": sum((r.get("claims") or {}).values()),
             "contradictions": len(r.get("findings", [])), "seconds": r["seconds"]} for label, r in runs.items()]
    total = {"model": "all", "explanations": sum(r["explanations"] or 0 for r in rows),
             "claims": sum(r["claims"] or 0 for r in rows), "contradictions": sum(r["contradictions"] for r in rows),
             "seconds": round(sum(r["seconds"] for r in rows), 1)}
    table(rows + [total], ["model", "explanations", "claims", "contradictions", "seconds"])
    write_json("claims", {"what": "check-claims --users all over every shipped model and three ml-100k models",
                          "total": total, "rows": rows, "runs": runs, "load_at_end": os.getloadavg()[0]})
    return 0 if total["contradictions"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
