"""Side by side: our `self` family against the reference SASRec (pmixer/SASRec.pytorch) on the same files.

    python bench/bench_sasrec_peer.py [--datasets ml-100k ml-latest-small scale68] [--variants default bce1 full]

Both read one SASRec text file per dataset (`user item`, 1-indexed, each user's lines in time order),
written here from our own loader and preprocessing. Both use the SASRec shape (dim 50, 2 layers,
1 head, max length 50, Pre-LN); the peer runs with its README's dropout (--dropout), ours with the
CLI's defaults for everything but the shape (a variant may override one setting). The peer runs as a subprocess from a
temporary folder (its three files copied there, never imported) for up to --peer-epochs epochs or
until its validation NDCG@10 plateaus; it prints valid/test under the SASRec protocol every 20 epochs
with its training time. Ours trains in process with the CLI's settings; at each of its validations
the bench also scores valid and test under our `--protocol sampled` (that scoring's time is taken
off our clock). Variants are compared on validation only. Prints tables, writes
bench/results/sasrec_peer.json. Skipped when ../shared/peers/sasrec-pytorch is absent or CI=true.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from common import REPO, SHARED, dataset_available, table, write_json

PEER = REPO.parent / "shared" / "peers" / "sasrec-pytorch"
PEER_FILES = ("main.py", "model.py", "utils.py")
SHAPE = {"dim": 50, "layers": 2, "heads": 1, "max_len": 50}
# name -> TrainConfig overrides (None everywhere else: the CLI's defaults, chosen per family and data)
VARIANTS = {"default": {}, "bce1": {"loss": "bce", "negatives": 1}, "full": {"loss": "full"},
            "sampled256": {"loss": "sampled", "negatives": 256}, "d0.5": {"dropout": 0.5},
            "lr1e-2": {"lr": 0.01}, "b256": {"batch_size": 256}, "recent5": {"windows_per_user": 5},
            "full-recent5": {"loss": "full", "windows_per_user": 5}, "last": {"window_stride": 0},
            "lr3e-3": {"lr": 0.003}, "full-lr3e-3": {"loss": "full", "lr": 0.003}}
EVAL_LINE = re.compile(r"epoch:(\d+), time: ([\d.]+)\(s\), valid \(NDCG@10: ([\d.]+), HR@10: ([\d.]+)\), "
                       r"test \(NDCG@10: ([\d.]+), HR@10: ([\d.]+)\)")


def write_sasrec_file(data, path: str):
    """Our preprocessed sequences as SASRec text: user index + 1, item index (already 1-based), in time order."""
    with open(path, "w") as f:
        for u in range(data.n_users):
            f.writelines(f"{u + 1} {i}\n" for i in data.seq(u).tolist())


def source_data(name: str, work: str):
    from recsys_core.data.preprocess import prepare
    from recsys_core.data.registry import load_dataset
    if name.startswith("scale"):
        folder = os.path.join(work, name)
        subprocess.run([sys.executable, "-m", "recsys_core", "make-sample", "--scale", name[5:], "--out", folder],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        return prepare(load_dataset(folder))
    return prepare(load_dataset(name, str(SHARED)))


# --- the peer --------------------------------------------------------------------------------------

def run_peer(name: str, txt: str, work: str, epochs: int, dropout: float, plateau: int, max_seconds: float) -> dict:
    """Run pmixer's main.py in its own folder; its eval lines, steps and wall times."""
    folder = os.path.join(work, "peer_" + name)
    os.makedirs(os.path.join(folder, "data"))
    for f in PEER_FILES:
        shutil.copy(PEER / f, folder)
    shutil.copy(txt, os.path.join(folder, "data", name + ".txt"))
    cmd = [sys.executable, "-u", "main.py", f"--dataset={name}", "--train_dir=run", "--device=cpu", "--maxlen=50",
           f"--dropout_rate={dropout}", "--norm_first", f"--num_epochs={epochs}"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # its own group: its 3 sampler processes end with it
    points, steps, stopped, tail, last_step = [], 0, "epochs", [], ""
    try:
        for line in proc.stdout:
            if line.startswith("loss in epoch"):
                steps += 1
                last_step = line
            elif m := EVAL_LINE.search(line):
                e, t, vn, vh, tn, th = m.groups()
                points.append({"epoch": int(e), "seconds": float(t), "wall": time.perf_counter() - t0, "steps": steps,
                               "valid_ndcg@10": float(vn), "valid_hr@10": float(vh),
                               "test_ndcg@10": float(tn), "test_hr@10": float(th)})
                print(f"  peer {name} epoch {e}: {float(t):.1f}s valid {vn}/{vh} test {tn}/{th}", file=sys.stderr, flush=True)
                best = max(range(len(points)), key=lambda i: points[i]["valid_ndcg@10"])
                if len(points) - 1 - best >= plateau:
                    stopped = "plateau"
                    break
            else:
                tail = (tail + [line.rstrip()])[-5:]
            if max_seconds and time.perf_counter() - t0 > max_seconds:
                stopped = "time"
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this bench started, by its id
        proc.wait()
    tail = tail + [last_step.rstrip()]
    wall = time.perf_counter() - t0
    best = max(points, key=lambda p: p["valid_ndcg@10"]) if points else None
    return {"command": " ".join(cmd[1:]), "points": points, "stopped": stopped, "wall": wall, "steps": steps,
            "epochs_started": epoch_of(tail), "seq_per_s": steps * 128 / wall, "best_by_valid": best, "last_lines": tail}


def epoch_of(lines: list) -> int:
    """The epoch of the last step line seen (how far a peer cut short got), 0 if none."""
    return max([0] + [int(m.group(1)) for ln in lines if (m := re.match(r"loss in epoch (\d+)", ln))])


# --- ours ------------------------------------------------------------------------------------------

def run_ours(data, variant: str, max_seconds: float, seed: int) -> dict:
    from recsys_core.models import build_model
    from recsys_core.models.config import ModelConfig
    from recsys_core.training.config import TrainConfig
    from recsys_core.training.evaluate import evaluate
    from recsys_core.training.loop import train
    from recsys_core.training.process import setup_training_process
    setup_training_process()  # threads and heap modes: this process trains (once is enough; repeats are cheap)
    over = dict(VARIANTS[variant])
    model_cfg = ModelConfig(arch="self", dropout=over.pop("dropout", ModelConfig.dropout), **SHAPE).validate()
    train_cfg = TrainConfig(max_seconds=max_seconds, seed=seed, **over).validate()
    model = build_model(model_cfg, data.n_items, seed=seed)
    points, extra = [], [0.0]

    def on_progress(p):
        if p.phase != "eval":
            return
        ts = time.perf_counter()
        v = evaluate(model, data, ("sampled",), split="valid", ks=(10,), max_len=model_cfg.max_len)["sampled"]
        t = evaluate(model, data, ("sampled",), split="test", ks=(10,), max_len=model_cfg.max_len)["sampled"]
        points.append({"epoch": p.epoch, "seconds": p.elapsed - extra[0], "valid_full_ndcg@10": p.metrics["ndcg@10"],
                       "valid_ndcg@10": v["ndcg@10"], "valid_hr@10": v["hr@10"],
                       "test_ndcg@10": t["ndcg@10"], "test_hr@10": t["hr@10"]})
        extra[0] += time.perf_counter() - ts

    res = train(model, data, train_cfg, model_cfg.max_len, callback=on_progress)
    final = evaluate(model, data, ("full", "sampled"), split="test", ks=(10,), max_len=model_cfg.max_len)
    valid = evaluate(model, data, ("sampled",), split="valid", ks=(10,), max_len=model_cfg.max_len)["sampled"]
    flags = [f"--{k.replace('_', '-')} {v}" for k, v in VARIANTS[variant].items()]
    if max_seconds:
        flags.append(f"--max-seconds {max_seconds:g}")
    return {"variant": variant, "cli": "python -m recsys_core train --dataset FILE.txt --arch self --dim 50 --layers 2 "
            f"--heads 1 --max-len 50 {' '.join(flags)} --seed {seed} --out DIR; evaluate --protocol both",
            "loss": res.loss, "lr": res.lr, "stopped": res.stopped, "best_epoch": res.best_epoch,
            "seconds": res.train_seconds - extra[0], "seq_per_s": res.sequences_per_second, "points": points,
            "valid_ndcg@10": valid["ndcg@10"], "valid_hr@10": valid["hr@10"],
            "test_ndcg@10": final["sampled"]["ndcg@10"], "test_hr@10": final["sampled"]["hr@10"],
            "full_ndcg@10": final["full"]["ndcg@10"], "full_hr@10": final["full"]["hr@10"]}


def ours_at(points: list, seconds: float, final: dict) -> dict | None:
    """Our model's figures at a time on the peer's clock: the last validation by then (the final model
    once training had ended by then); None when ours had not validated yet."""
    if seconds >= final["seconds"]:
        return final
    before = [p for p in points if p["seconds"] <= seconds]
    return before[-1] if before else None


def compare(peer: dict, ours: dict) -> dict | None:
    """The issue's targets for one dataset, on the test split (the variant was chosen on validation);
    None when the peer never reached an evaluation."""
    if not peer["points"]:
        return None
    rows, ahead = [], True
    for p in peer["points"]:
        o = ours_at(ours["points"], p["seconds"], ours)
        ok = o is not None and o["test_ndcg@10"] > p["test_ndcg@10"] and o["test_hr@10"] > p["test_hr@10"]
        ahead &= ok
        rows.append({"seconds": p["seconds"], "peer_ndcg@10": p["test_ndcg@10"], "peer_hr@10": p["test_hr@10"],
                     "ours_ndcg@10": o and o["test_ndcg@10"], "ours_hr@10": o and o["test_hr@10"], "ours_ahead": ok})
    pb = peer["best_by_valid"]
    gain = ours["test_ndcg@10"] / pb["test_ndcg@10"] - 1
    return {"matched": rows, "ahead_at_every_matched_time": ahead,
            "peer_best": pb, "peer_max_test_ndcg@10": max(p["test_ndcg@10"] for p in peer["points"]),
            "ours_best_test_ndcg@10": ours["test_ndcg@10"], "gain_vs_peer_best": gain, "gain_met": gain >= 0.05,
            "time_ratio": ours["seconds"] / pb["seconds"], "time_met": ours["seconds"] < pb["seconds"] / 5}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["ml-100k", "ml-latest-small"])
    ap.add_argument("--variants", nargs="+", default=["default", "bce1", "full"], choices=list(VARIANTS))
    ap.add_argument("--dropout", type=float, default=0.5, help="the peer's (its README's command); ours: the CLI default")
    ap.add_argument("--peer-epochs", type=int, default=200)
    ap.add_argument("--peer-plateau", type=int, default=3, help="stop the peer after this many evaluations (x20 epochs) without a better valid NDCG@10")
    ap.add_argument("--peer-max-seconds", type=float, default=0, help="stop the peer after this long (0: no limit)")
    ap.add_argument("--max-seconds", type=float, default=0, help="our --max-seconds (0: early stopping alone)")
    ap.add_argument("--serial", action="store_true", help="run the peer after ours, not beside it")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="sasrec_peer")
    args = ap.parse_args()
    if os.environ.get("CI", "").lower() == "true":
        print("skipped: not run under CI=true (the peer is a local benchmark only)", file=sys.stderr)
        return 0
    if not all((PEER / f).is_file() for f in PEER_FILES):
        print(f"skipped: the reference SASRec is not in {PEER}", file=sys.stderr)
        return 0
    results, summary, curves = {}, [], []
    with tempfile.TemporaryDirectory(prefix="sasrec_peer_") as work:
        for name in args.datasets:
            if not name.startswith("scale") and not dataset_available(name):
                print(f"skipped {name}: not in {SHARED}", file=sys.stderr)
                continue
            from recsys_core.data.preprocess import prepare
            from recsys_core.data.registry import load_dataset
            txt = os.path.join(work, name.replace("-", "_") + ".txt")
            write_sasrec_file(source_data(name, work), txt)
            data = prepare(load_dataset(txt))  # ours reads the very file the peer reads
            print(f"{name}: {data.n_users:,} users, {data.n_items:,} items, {len(data.items):,} interactions",
                  file=sys.stderr, flush=True)
            # The peer runs beside ours (its own process group, read by a thread), so on a shared machine
            # both meet the same load; --serial runs it after ours instead.
            peer_box = {}

            def peer_job(name=name, txt=txt, box=peer_box):
                try:
                    box["peer"] = run_peer(name.replace("-", "_"), txt, work, args.peer_epochs, args.dropout,
                                           args.peer_plateau, args.peer_max_seconds)
                except Exception as e:  # re-raised in the main thread
                    box["error"] = e
            peer_thread = threading.Thread(target=peer_job)
            if not args.serial:
                peer_thread.start()
            ours = {}
            for v in args.variants:
                ours[v] = run_ours(data, v, args.max_seconds, args.seed)
                o = ours[v]
                print(f"  ours {name} {v}: {o['seconds']:.1f}s {o['loss']} lr {o['lr']} stopped {o['stopped']} "
                      f"valid {o['valid_ndcg@10']:.4f} test {o['test_ndcg@10']:.4f}", file=sys.stderr, flush=True)
            chosen = max(ours, key=lambda v: ours[v]["valid_ndcg@10"])  # validation only
            if args.serial:
                peer_thread.start()
            peer_thread.join()
            if "error" in peer_box:
                raise peer_box["error"]
            peer = peer_box["peer"]
            write_json(args.out + "_ours_partial", {"results": {name: ours}})
            cmp = compare(peer, ours[chosen])
            cmp_default = compare(peer, ours["default"]) if "default" in ours else None
            results[name] = {"users": data.n_users, "items": data.n_items, "interactions": int(len(data.items)),
                             "peer": peer, "ours": ours, "chosen_on_valid": chosen, "targets": cmp,
                             "targets_default": cmp_default}
            for v, o in ours.items():
                summary.append({"dataset": name, "impl": f"ours {v}" + (" *" if v == chosen else ""),
                                "seconds": o["seconds"], "seq_per_s": o["seq_per_s"], "valid_ndcg": o["valid_ndcg@10"],
                                "test_ndcg": o["test_ndcg@10"], "test_hr": o["test_hr@10"],
                                "full_ndcg": o["full_ndcg@10"], "full_hr": o["full_hr@10"]})
            if pb := peer["best_by_valid"]:
                summary.append({"dataset": name, "impl": f"peer (best of {peer['points'][-1]['epoch']} ep)",
                                "seconds": pb["seconds"], "seq_per_s": peer["seq_per_s"], "valid_ndcg": pb["valid_ndcg@10"],
                                "test_ndcg": pb["test_ndcg@10"], "test_hr": pb["test_hr@10"]})
                curves += [{"dataset": name, **r} for r in cmp["matched"]]
            write_json(args.out, {"what": "ours (self, SASRec shape) vs pmixer/SASRec.pytorch on the same SASRec files; "
                                  "sampled = SASRec protocol (1 held-out vs 100 unseen)", "machine_note": "2 shared cores, loaded",
                                  "peer_dropout": args.dropout, "results": results})
    print("\nbest model per implementation (test under the SASRec protocol; * = variant chosen on validation)")
    table(summary, ["dataset", "impl", "seconds", "seq_per_s", "valid_ndcg", "test_ndcg", "test_hr", "full_ndcg", "full_hr"])
    print("\nmatched training time (peer's clock at each of its evaluations; ours: the chosen variant by then)")
    table(curves, ["dataset", "seconds", "peer_ndcg@10", "ours_ndcg@10", "peer_hr@10", "ours_hr@10", "ours_ahead"])
    print("\ntargets")
    for name, r in results.items():
        if not (t := r["targets"]):
            print(f"{name}: the peer reached no evaluation ({r['peer']['stopped']} after {r['peer']['wall']:.0f}s)")
            continue
        print(f"{name}: ahead at every matched time: {t['ahead_at_every_matched_time']}; best +{t['gain_vs_peer_best']:.1%} "
              f"vs peer (>= 5%: {t['gain_met']}); time {t['time_ratio']:.2f}x of the peer's to its best (< 0.2: {t['time_met']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
