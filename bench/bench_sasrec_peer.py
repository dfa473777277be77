"""Side by side: our `self` family against the reference SASRec (pmixer/SASRec.pytorch) on the same files.

    python bench/bench_sasrec_peer.py [--datasets ml-100k ml-latest-small amazon-beauty scale68] [--variants default bce1 full]
        [--dropout 0.5 0.2] [--shape sasrec|cli] [--peer-only | --peer-from bench/results/FILE.json ...]

Both read one SASRec text file per dataset (`user item`, 1-indexed, each user's lines in time order),
written here from our own loader and preprocessing (peer_sasrec.py). The peer runs at the SASRec shape
(dim 50, 2 layers, 1 head, max length 50, Pre-LN), once per --dropout (0.5: its README's command); ours
at that shape too (--shape sasrec) or exactly as `train --arch self` (--shape cli), with the CLI's
defaults for everything else, including what they choose from the data (a variant may override one
setting). The peer's weights at its best validation are also scored by our evaluation, so it has
figures under both protocols (full ranking: the published figures' protocol). The
peer runs as a subprocess from a temporary folder (its three files copied there, never imported) for up
to --peer-epochs epochs or until its validation NDCG@10 plateaus; it prints valid/test under the SASRec
protocol every 20 epochs with its training time. On the Amazon data that takes hours here, so
--peer-only records its runs and --peer-from compares ours with a recorded file. Ours trains in process
with the CLI's settings; at each of its validations the bench also scores valid and test under our
`--protocol sampled` (that scoring's time is taken off our clock). Variants are compared on validation
only. Prints tables (with the seconds each side needs to reach the other's best), writes
bench/results/<--out>.json. Skipped when ../shared/peers/sasrec-pytorch is absent or CI=true.
"""
import argparse
import os
import signal
import sys
import tempfile
import threading
import time

from common import SHARED, dataset_available, table, write_json
from peer_sasrec import STOP, peer_present, recorded_peers, run_peer, source_data, write_sasrec_file

SHAPE = {"dim": 50, "layers": 2, "heads": 1, "max_len": 50}
# name -> TrainConfig overrides (None everywhere else: the CLI's defaults, chosen per family and data)
VARIANTS = {"default": {}, "bce1": {"loss": "bce", "negatives": 1}, "full": {"loss": "full"},
            "sampled256": {"loss": "sampled", "negatives": 256}, "d0.5": {"dropout": 0.5},
            "lr1e-2": {"lr": 0.01}, "b256": {"batch_size": 256}, "recent5": {"windows_per_user": 5},
            "full-recent5": {"loss": "full", "windows_per_user": 5}, "last": {"window_stride": 0},
            "lr3e-3": {"lr": 0.003}, "full-lr3e-3": {"loss": "full", "lr": 0.003}}


# Published figures (test split, @10) on exactly these files unless the source says otherwise; see
# ../shared/datasets/README.md. full: every unseen item ranked; sampled: against 100 sampled items.
PUBLISHED = {
    "amazon-beauty": [
        {"impl": "published: ICLRec (Chen et al., WWW'22), these files", "full_ndcg": 0.0403, "full_hr": 0.0744},
        {"impl": "published: SASRec (Kang & McAuley, ICDM'18), its own Beauty split", "test_ndcg": 0.3219,
         "test_hr": 0.4854},
    ],
    "amazon-sports": [
        {"impl": "published: ICLRec (Chen et al., WWW'22), these files", "full_ndcg": 0.0238, "full_hr": 0.0437},
    ],
}


def dataset_rows(name: str, r: dict) -> list[dict]:
    """One table for a dataset: ours (the variant chosen on validation), the reference at each dropout
    (its own sampled test figure; full ranking from its weights, scored by our evaluation), the papers."""
    rows = []
    if chosen := r.get("chosen_on_valid"):
        o = r["ours"][chosen]
        rows.append({"impl": f"ours: {o.get('model', 'self')} ({chosen})", "full_ndcg": o["full_ndcg@10"],
                     "full_hr": o["full_hr@10"], "test_ndcg": o["test_ndcg@10"], "test_hr": o["test_hr@10"],
                     "seconds": o["seconds"], "load": o.get("load_end")})
    for d, peer in r["peers"].items():
        if pb := peer["best_by_valid"]:
            full = peer.get("our_evaluation") or {}
            rows.append({"impl": f"reference SASRec.pytorch, dropout {float(d):g} (epoch {pb['epoch']})",
                         "full_ndcg": full.get("full_ndcg@10"), "full_hr": full.get("full_hr@10"),
                         "test_ndcg": pb["test_ndcg@10"], "test_hr": pb["test_hr@10"], "seconds": pb["seconds"],
                         "load": pb.get("load")})
    return rows + PUBLISHED.get(name, [])


# --- ours ------------------------------------------------------------------------------------------

def run_ours(data, variant: str, max_seconds: float, seed: int, shape: dict, threads: int | None = None) -> dict:
    from recsys_core.models import build_model
    from recsys_core.models.config import ModelConfig
    from recsys_core.training.config import TrainConfig
    from recsys_core.training.evaluate import evaluate
    from recsys_core.training.loop import train
    from recsys_core.training.process import setup_training_process
    setup_training_process()  # threads and heap modes: this process trains (once is enough; repeats are cheap)
    over = dict(VARIANTS[variant])
    model_cfg = ModelConfig(arch="self", dropout=over.pop("dropout", ModelConfig.dropout), **shape).validate()
    model_cfg, chosen = model_cfg.resolved_for(data)  # what `train` chooses from the data
    train_cfg = TrainConfig(max_seconds=max_seconds, seed=seed, threads=threads, **over).validate()
    load_start = os.getloadavg()[0]
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

    res = train(model, data, train_cfg, callback=on_progress)
    final = evaluate(model, data, ("full", "sampled"), split="test", ks=(10,), max_len=model_cfg.max_len)
    valid = evaluate(model, data, ("sampled",), split="valid", ks=(10,), max_len=model_cfg.max_len)["sampled"]
    flags = [f"--{k.replace('_', '-')} {v}" for k, v in {**shape, **VARIANTS[variant]}.items()]
    if max_seconds:
        flags.append(f"--max-seconds {max_seconds:g}")
    return {"variant": variant, "cli": f"python -m recsys_core train --dataset FILE.txt --arch self {' '.join(flags)} "
            f"--seed {seed} --out DIR; evaluate --protocol both", "model": model_cfg.name, "chosen_from_data": chosen,
            "load_start": load_start, "load_end": os.getloadavg()[0],
            "loss": res.loss, "lr": res.lr, "stopped": res.stopped, "best_epoch": res.best_epoch,
            "seconds": res.train_seconds - extra[0], "seq_per_s": res.windows_per_second, "points": points,
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


def first_reaching(points: list, score: float, final: dict | None = None) -> float | None:
    """Seconds of the first point whose test NDCG@10 reaches `score` (the final model last); None if none does."""
    for p in points + ([final] if final else []):
        if p["test_ndcg@10"] >= score:
            return p["seconds"]
    return None


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
            "time_ratio": ours["seconds"] / pb["seconds"], "time_met": ours["seconds"] < pb["seconds"] / 5,
            "ours_seconds_to_peer_best": first_reaching(ours["points"], pb["test_ndcg@10"], ours),
            "peer_seconds_to_ours_best": first_reaching(peer["points"], ours["test_ndcg@10"])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["ml-100k", "ml-latest-small"],
                    help="MovieLens names, amazon-beauty / amazon-sports (their .txt), or scaleN (the generator)")
    ap.add_argument("--variants", nargs="+", default=["default", "bce1", "full"], choices=list(VARIANTS))
    ap.add_argument("--dropout", type=float, nargs="+", default=[0.5],
                    help="the peer's, one run each (0.5: its README's command; its main.py's default is 0.2); ours: the CLI default")
    ap.add_argument("--peer-epochs", type=int, default=200)
    ap.add_argument("--peer-plateau", type=int, default=3, help="stop the peer after this many evaluations (x20 epochs) without a better valid NDCG@10")
    ap.add_argument("--peer-max-seconds", type=float, default=0, help="stop the peer after this long (0: no limit)")
    ap.add_argument("--peer-only", action="store_true", help="run only the peer and record it (for --peer-from later)")
    ap.add_argument("--peer-from", nargs="+", default=None, metavar="JSON",
                    help="take the peer's runs from earlier result files of this bench instead of running it")
    ap.add_argument("--max-seconds", type=float, default=0, help="our --max-seconds (0: early stopping alone)")
    ap.add_argument("--shape", choices=("sasrec", "cli"), default="sasrec",
                    help="ours at the SASRec shape (dim 50, 2 layers, 1 head, max length 50: the peer's) or at the "
                         "CLI's defaults (`train --arch self` as it is)")
    ap.add_argument("--serial", action="store_true", help="run the peer after ours, not beside it")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads for both sides (ours: --threads; the peer: OMP_NUM_THREADS); 0: torch's default")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="sasrec_peer")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())  # a running peer stops and is recorded as it stands
    if os.environ.get("CI", "").lower() == "true":
        print("skipped: not run under CI=true (the peer is a local benchmark only)", file=sys.stderr)
        return 0
    if not peer_present() and not args.peer_from:
        print("skipped: the reference SASRec is not in ../shared/peers/sasrec-pytorch", file=sys.stderr)
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
            peer_box = {"peers": {d: run for f in args.peer_from or [] for d, run in recorded_peers(f, name).items()}}

            def peer_job(name=name, txt=txt, box=peer_box):
                try:
                    for d in args.dropout:
                        box["peers"][d] = run_peer(name.replace("-", "_"), txt, work, args.peer_epochs, d,
                                                   args.peer_plateau, args.peer_max_seconds, args.threads)
                except Exception as e:  # re-raised in the main thread
                    box["error"] = e
            peer_thread = threading.Thread(target=peer_job)
            if not args.serial and not args.peer_from:
                peer_thread.start()
            ours = {}
            for v in [] if args.peer_only else args.variants:
                ours[v] = run_ours(data, v, args.max_seconds, args.seed, SHAPE if args.shape == "sasrec" else {},
                                   args.threads or None)
                o = ours[v]
                print(f"  ours {name} {v}: {o['seconds']:.1f}s {o['loss']} lr {o['lr']} stopped {o['stopped']} "
                      f"valid {o['valid_ndcg@10']:.4f} test {o['test_ndcg@10']:.4f}", file=sys.stderr, flush=True)
            if args.serial and not args.peer_from:
                peer_thread.start()
            if not args.peer_from:
                peer_thread.join()
            if "error" in peer_box:
                raise peer_box["error"]
            peers = peer_box["peers"]
            results[name] = {"users": data.n_users, "items": data.n_items, "interactions": int(len(data.items)),
                             "peers": {str(d): run for d, run in peers.items()}, "ours": ours}
            if ours:
                chosen = max(ours, key=lambda v: ours[v]["valid_ndcg@10"])  # validation only
                results[name]["chosen_on_valid"] = chosen
                results[name]["targets"] = {str(d): compare(run, ours[chosen]) for d, run in peers.items()}
                if "default" in ours:
                    results[name]["targets_default"] = {str(d): compare(run, ours["default"]) for d, run in peers.items()}
                for v, o in ours.items():
                    summary.append({"dataset": name, "impl": f"ours {v}" + (" *" if v == chosen else ""),
                                    "seconds": o["seconds"], "seq_per_s": o["seq_per_s"], "valid_ndcg": o["valid_ndcg@10"],
                                    "test_ndcg": o["test_ndcg@10"], "test_hr": o["test_hr@10"],
                                    "full_ndcg": o["full_ndcg@10"], "full_hr": o["full_hr@10"]})
            for d, peer in peers.items():
                if pb := peer["best_by_valid"]:
                    full = peer.get("our_evaluation") or {}
                    summary.append({"dataset": name, "impl": f"peer d{d:g} (best of {peer['points'][-1]['epoch']} ep)",
                                    "seconds": pb["seconds"], "seq_per_s": peer["seq_per_s"],
                                    "valid_ndcg": pb["valid_ndcg@10"], "test_ndcg": pb["test_ndcg@10"],
                                    "test_hr": pb["test_hr@10"], "full_ndcg": full.get("full_ndcg@10"),
                                    "full_hr": full.get("full_hr@10")})
                    if cmp := results[name].get("targets", {}).get(str(d)):
                        curves += [{"dataset": name, "peer": f"d{d:g}", **r} for r in cmp["matched"]]
            write_json(args.out, {"what": f"ours (self, {args.shape} shape) vs pmixer/SASRec.pytorch on the same SASRec "
                                  "files; sampled = SASRec protocol (1 held-out vs 100 unseen)", "shape": args.shape,
                                  "peer_dropouts": args.dropout,
                                  "load_at_end": os.getloadavg()[0], "results": results})
    for name, r in results.items():
        print(f"\n{name}: test split, @10; full = every unseen item ranked, sampled = against 100 unseen items")
        table(dataset_rows(name, r), ["impl", "full_ndcg", "full_hr", "test_ndcg", "test_hr", "seconds", "load"])
    print("\nbest model per implementation (test under the SASRec protocol; * = variant chosen on validation)")
    table(summary, ["dataset", "impl", "seconds", "seq_per_s", "valid_ndcg", "test_ndcg", "test_hr", "full_ndcg", "full_hr"])
    if curves:
        print("\nmatched training time (peer's clock at each of its evaluations; ours: the chosen variant by then)")
        table(curves, ["dataset", "peer", "seconds", "peer_ndcg@10", "ours_ndcg@10", "peer_hr@10", "ours_hr@10", "ours_ahead"])
    print("\ntargets")
    for name, r in results.items():
        for d, t in r.get("targets", {}).items():
            if not t:
                print(f"{name} (peer d{d}): the peer reached no evaluation")
                continue
            print(f"{name} (peer d{d}): ahead at every matched time: {t['ahead_at_every_matched_time']}; best "
                  f"{t['gain_vs_peer_best']:+.1%} vs peer (>= 5%: {t['gain_met']}); time {t['time_ratio']:.2f}x of the "
                  f"peer's to its best; ours reaches the peer's best at {t['ours_seconds_to_peer_best']} s, the peer "
                  f"ours at {t['peer_seconds_to_ours_best']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
