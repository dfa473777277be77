"""Running the reference SASRec (pmixer/SASRec.pytorch, ../shared/peers/sasrec-pytorch) from a temporary
folder and reading its progress; used by bench_sasrec_peer.py. Its three files are copied into the
folder and run as a subprocess, never imported; its data file is written here in the SASRec text format
(`user item`, 1-indexed, each user's lines in time order) from our own loader and preprocessing.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from common import REPO, SHARED

PEER = REPO.parent / "shared" / "peers" / "sasrec-pytorch"
PEER_FILES = ("main.py", "model.py", "utils.py")
STOP = threading.Event()  # set (e.g. on SIGTERM): a running peer stops after its current line and reports
EVAL_LINE = re.compile(r"epoch:(\d+), time: ([\d.]+)\(s\), valid \(NDCG@10: ([\d.]+), HR@10: ([\d.]+)\), "
                       r"test \(NDCG@10: ([\d.]+), HR@10: ([\d.]+)\)")


def peer_present() -> bool:
    return all((PEER / f).is_file() for f in PEER_FILES)


def source_path(name: str) -> str:
    """What load_dataset takes for a name: a MovieLens name, or the one text file of an Amazon folder."""
    folder = SHARED / name
    texts = sorted(folder.glob("*.txt")) if folder.is_dir() and not (folder / "u.data").exists() else []
    texts = [t for t in texts if not t.name.startswith("LICENSE")]
    return str(texts[0]) if len(texts) == 1 else name


def source_data(name: str, work: str):
    from recsys_core.data.preprocess import prepare
    from recsys_core.data.registry import load_dataset
    if name.startswith("scale"):
        folder = os.path.join(work, name)
        subprocess.run([sys.executable, "-m", "recsys_core", "make-sample", "--scale", name[5:], "--out", folder],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        return prepare(load_dataset(folder))
    return prepare(load_dataset(source_path(name), str(SHARED)))


def write_sasrec_file(data, path: str):
    """Our preprocessed sequences as SASRec text: user index + 1, item index (already 1-based), in time order."""
    with open(path, "w") as f:
        for u in range(data.n_users):
            f.writelines(f"{u + 1} {i}\n" for i in data.seq(u).tolist())


def run_peer(name: str, txt: str, work: str, epochs: int, dropout: float, plateau: int, max_seconds: float,
             threads: int = 0) -> dict:
    """Run pmixer's main.py in its own folder; its eval lines, steps and wall times. threads: its torch
    threads (OMP_NUM_THREADS; 0: torch's default)."""
    folder = os.path.join(work, f"peer_{name}_d{dropout:g}")
    os.makedirs(os.path.join(folder, "data"))
    for f in PEER_FILES:
        shutil.copy(PEER / f, folder)
    shutil.copy(txt, os.path.join(folder, "data", name + ".txt"))
    cmd = [sys.executable, "-u", "main.py", f"--dataset={name}", "--train_dir=run", "--device=cpu", "--maxlen=50",
           f"--dropout_rate={dropout}", "--norm_first", f"--num_epochs={epochs}"]
    t0 = time.perf_counter()
    env = {**os.environ, **({"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)} if threads else {})}
    proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
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
                               "test_ndcg@10": float(tn), "test_hr@10": float(th), "load": os.getloadavg()[0]})
                print(f"  peer {name} d{dropout:g} epoch {e}: {float(t):.1f}s valid {vn}/{vh} test {tn}/{th}",
                      file=sys.stderr, flush=True)
                best = max(range(len(points)), key=lambda i: points[i]["valid_ndcg@10"])
                if len(points) - 1 - best >= plateau:
                    stopped = "plateau"
                    break
            else:
                tail = (tail + [line.rstrip()])[-5:]
            if max_seconds and time.perf_counter() - t0 > max_seconds:
                stopped = "time"
                break
            if STOP.is_set():
                stopped = "signal"
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group this bench started, by its id
        proc.wait()
    tail = tail + [last_step.rstrip()]
    wall = time.perf_counter() - t0
    best = max(points, key=lambda p: p["valid_ndcg@10"]) if points else None
    ours_eval = score_checkpoint(os.path.join(folder, f"{name}_run"), best["epoch"], txt) if best else None
    return {"command": " ".join(cmd[1:]), "dropout": dropout, "points": points, "stopped": stopped, "wall": wall,
            "steps": steps, "epochs_started": epoch_of(tail), "seq_per_s": steps * 128 / wall, "best_by_valid": best,
            "our_evaluation": ours_eval, "last_lines": tail}


def score_checkpoint(run_dir: str, epoch: int, txt: str) -> dict | None:
    """The peer's weights at `epoch` (it saves them at every evaluation that improves a figure, so always at
    its best validation), imported with our SASRec.pytorch importer and evaluated by our evaluate() on the
    test split under both protocols: full (every unseen item ranked, the published figures' protocol) and
    sampled. None when the file is missing."""
    from recsys_core.imports import import_model
    found = [f for f in os.listdir(run_dir) if f.startswith(f"SASRec.epoch={epoch}.")] if os.path.isdir(run_dir) else []
    if not found:
        return None
    imported = import_model(os.path.join(run_dir, found[0]), dataset=txt, fmt="sasrec-pytorch",
                            args_path=os.path.join(run_dir, "args.txt"))
    m = imported.meta.metrics
    return {"epoch": epoch, "file": found[0], "full_ndcg@10": m["full"]["ndcg@10"], "full_hr@10": m["full"]["hr@10"],
            "sampled_ndcg@10": m["sampled"]["ndcg@10"], "sampled_hr@10": m["sampled"]["hr@10"]}


def epoch_of(lines: list) -> int:
    """The epoch of the last step line seen (how far a peer cut short got), 0 if none."""
    return max([0] + [int(m.group(1)) for ln in lines if (m := re.match(r"loss in epoch (\d+)", ln))])


def recorded_peers(path: str, name: str) -> dict:
    """dropout -> run, from an earlier result file of this bench (the peer takes hours on sparse data)."""
    with open(path) as f:
        found = json.load(f)["results"].get(name, {})
    peers = found.get("peers") or ({str(found["peer"].get("dropout", 0.5)): found["peer"]} if "peer" in found else {})
    return {float(d): run for d, run in peers.items()}
