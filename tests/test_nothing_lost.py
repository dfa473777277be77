"""Nothing lost, proven with real processes: a process SIGKILLed half-way through writing a checkpoint, or
through saving into the library, leaves the previous state loadable; a training run killed or interrupted
mid-epoch leaves the previous model.pt as it was; and the library stays whole under concurrent savers,
listers and evictions.

The library's processes come from a forkserver that imports torch once, so a dozen of them start in
seconds on two cores, not a minute; each is still its own process, SIGKILLed where a test says so.
Training runs through the real CLI. Every wait has a timeout, and every process is killed at the end."""
import hashlib
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from recsys_core.data.preprocess import prepare
from recsys_core.data.registry import load_dataset
from recsys_core.errors import CheckpointError
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.store import library
from recsys_core.store.checkpoint import (
    FILENAME,
    STALE_SECONDS,
    atomic_write_json,
    load_model,
    make_meta,
    read_checkpoint,
    save_checkpoint,
)
from recsys_core.training.config import TrainConfig
from recsys_core.training.run import train_and_save

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WAIT = 60  # seconds: the most any one wait may take, even on two busy cores
SEQ = torch.arange(1, 11)[None]  # (1, 10) a fixed history to score with
CTX = multiprocessing.get_context("forkserver")
CTX.set_forkserver_preload(["torch", "recsys_core.store.library", "recsys_core.data.registry",
                            "recsys_core.data.preprocess"])


@pytest.fixture(scope="module")
def sample():
    return prepare(load_dataset("sample"))


@pytest.fixture
def spawn():
    """spawn(fn, *args): fn(*args) in a new process; every one is killed when the test ends."""
    procs = []

    def start(fn, *args):
        proc = CTX.Process(target=fn, args=tuple(map(str, args)), daemon=True)
        proc.start()
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        proc.kill()
        proc.join(WAIT)


def wait_for(path, proc=None, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert proc is None or proc.is_alive(), f"the child exited ({proc.exitcode}) before {path} appeared"
        assert time.monotonic() < deadline, f"{path} did not appear within {timeout}s"
        time.sleep(0.01)


def finish(proc):
    proc.join(WAIT)
    assert proc.exitcode == 0, f"the child ended with {proc.exitcode}"


def kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(WAIT)
    assert proc.exitcode == -signal.SIGKILL


def scores(path) -> torch.Tensor:
    model, _ = load_model(str(path))
    with torch.no_grad():
        return model.score(SEQ)


def make_source(folder, data, dim=8, seed=1) -> str:
    """A trained-looking model folder (model.pt + metrics.json) as `train --out` writes it."""
    cfg = ModelConfig(arch="mean", dim=dim)
    model = build_model(cfg, data.n_items, seed=seed).eval()
    os.makedirs(folder, exist_ok=True)
    save_checkpoint(os.path.join(folder, FILENAME), model, make_meta(model, data, cfg, metrics={"full": {}}))
    atomic_write_json(os.path.join(folder, "metrics.json"), {"model": cfg.name})
    return os.path.join(folder, FILENAME)


def visible(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if not n.startswith("."))


def leftovers(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.startswith(".tmp-"))


def write_half_then_hang(data: bytes, f, marker: str):
    """In a child: write the first half of `data`, touch `marker`, then sleep until killed."""
    f.write(data[: len(data) // 2])
    f.flush()
    os.fsync(f.fileno())
    open(marker, "w").close()
    time.sleep(600)


def dump(path, obj):
    with open(path + ".part", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".part", path)


# --- a kill in the middle of a write --------------------------------------------------------------

def _save_a_then_hang_saving_b(path, marker, scores_file):
    data = prepare(load_dataset("sample"))
    a = make_source(os.path.dirname(path), data, dim=8, seed=1)
    torch.save(scores(a), scores_file)
    real_save = torch.save

    def slow_save(obj, f):  # serialise for real, then hand over only half the bytes
        buf = io.BytesIO()
        real_save(obj, buf)
        write_half_then_hang(buf.getvalue(), f, marker)
    torch.save = slow_save
    make_source(os.path.dirname(path), data, dim=512, seed=2)  # a few MB: half of it is no checkpoint


def test_a_checkpoint_killed_mid_save_leaves_the_previous_one_loadable(tmp_path, sample, spawn):
    lib, halfway, scores_file = tmp_path / "library", tmp_path / "halfway", tmp_path / "scores_a.pt"
    folder = lib / "20200101-000000-mean-sample-abcdef"
    path = folder / FILENAME
    child = spawn(_save_a_then_hang_saving_b, path, halfway, scores_file)
    wait_for(halfway, child)
    kill(child)

    assert torch.equal(scores(path), torch.load(scores_file))  # checkpoint A, bit for bit
    assert read_checkpoint(str(path))[0].model_config.dim == 8
    assert visible(folder) == ["metrics.json", FILENAME, FILENAME + ".meta.json"]
    entries = library.list_models(str(lib), include_shipped=False)
    assert [(e.id, e.path, e.name) for e in entries] == [(folder.name, str(path), "mean")]
    temp = leftovers(folder)
    assert len(temp) == 1 and os.path.getsize(folder / temp[0]) > 0  # the kill really hit a half-written file

    # A later save is not confused by the leftover, and removes it once it is old enough to be dead.
    make_source(folder, sample, dim=16, seed=3)
    assert read_checkpoint(str(path))[0].model_config.dim == 16
    assert leftovers(folder) == temp  # fresh: it might be another writer's, so it stays
    os.utime(folder / temp[0], (time.time() - STALE_SECONDS - 60,) * 2)
    make_source(folder, sample, dim=8, seed=4)
    assert leftovers(folder) == [] and visible(folder) == ["metrics.json", FILENAME, FILENAME + ".meta.json"]


def _hang_saving_to_library(src, lib, marker):
    def slow_copy(a, b):
        with open(a, "rb") as f, open(b, "wb") as out:
            write_half_then_hang(f.read(), out, marker)
    library.shutil.copy2 = slow_copy
    library.save_to_library(src, "mean", "sample", label="killed", lib=lib)


def test_a_library_save_killed_half_way_is_never_listed(tmp_path, sample, spawn):
    lib, halfway = tmp_path / "library", tmp_path / "halfway"
    src = os.path.dirname(make_source(tmp_path / "src", sample, dim=256))
    first = library.save_to_library(src, "mean", "sample", label="first", lib=str(lib))
    child = spawn(_hang_saving_to_library, src, lib, halfway)
    wait_for(halfway, child)
    kill(child)

    assert visible(lib) == [first.id]
    assert [e.id for e in library.list_models(str(lib), include_shipped=False)] == [first.id]
    temp = leftovers(lib)
    assert len(temp) == 1 and os.listdir(lib / temp[0]) == [FILENAME]  # half a model.pt, out of sight
    second = library.save_to_library(src, "mean", "sample", label="second", lib=str(lib))
    assert [e.id for e in library.list_models(str(lib), include_shipped=False)] == [second.id, first.id]
    assert leftovers(lib) == temp  # fresh: it might be a live save in another process
    os.utime(lib / temp[0], (time.time() - STALE_SECONDS - 60,) * 2)
    third = library.save_to_library(src, "mean", "sample", label="third", lib=str(lib))
    assert leftovers(lib) == []
    entries = library.list_models(str(lib), include_shipped=False)
    assert {e.id for e in entries} == {first.id, second.id, third.id}
    for e in entries:
        assert torch.equal(scores(e.path), scores(os.path.join(src, FILENAME)))


# --- concurrent writers -------------------------------------------------------------------------
# Each child touches `ready` once running, then waits for `go`, so all of them start at the same moment.

def _saver(ready, go, src, lib, worker, result, max_models):
    open(ready, "w").close()
    wait_for(go)
    saved = []
    for i in range(5):
        entry = library.save_to_library(src, "mean", "sample", label=f"{worker}-{i}", lib=lib,
                                        max_models=int(max_models))
        saved.append(None if entry is None else [entry.id, entry.label])
    dump(result, saved)


def _lister(ready, go, lib, stop, result):
    open(ready, "w").close()
    wait_for(go)
    rounds, seen, problems = 0, set(), []
    deadline = time.monotonic() + WAIT
    while not os.path.exists(stop) and time.monotonic() < deadline:
        for e in library.list_models(lib, include_shipped=False):
            try:
                if e.id not in seen:  # listing read its metadata; read the weights too, once
                    read_checkpoint(e.path)
                whole = e.label != "" and library.read_metrics(e) != {}
            except CheckpointError:
                whole = False
            if not whole and os.path.isdir(os.path.dirname(e.path)):  # not just taken by an eviction
                problems.append(e.id)
            seen.add(e.id)
        rounds += 1
    dump(result, {"rounds": rounds, "seen": len(seen), "problems": problems})


def _evictor(ready, go, lib, stop, result):
    open(ready, "w").close()
    wait_for(go)
    rounds, removed = 0, []
    deadline = time.monotonic() + WAIT
    while not os.path.exists(stop) and time.monotonic() < deadline:
        removed += library.enforce_budget(lib, max_models=0)
        rounds += 1
    dump(result, {"rounds": rounds, "removed": removed})


def start_together(spawn, tmp_path, jobs) -> list:
    """Start every (fn, args) child, wait until all are running, then let them go at once."""
    go = tmp_path / "go"
    procs = [spawn(fn, tmp_path / f"ready{n}", go, *args) for n, (fn, args) in enumerate(jobs)]
    for n, proc in enumerate(procs):
        wait_for(tmp_path / f"ready{n}", proc)
    go.touch()
    return procs


def test_four_processes_saving_at_once_with_a_lister_lose_nothing(tmp_path, sample, spawn):
    lib, stop = tmp_path / "library", tmp_path / "stop"
    src = os.path.dirname(make_source(tmp_path / "src", sample))
    results = [tmp_path / f"saver{w}.json" for w in range(4)]
    jobs = [(_saver, (src, lib, f"w{w}", results[w], 100)) for w in range(4)]
    jobs.append((_lister, (lib, stop, tmp_path / "lister.json")))
    procs = start_together(spawn, tmp_path, jobs)
    for proc in procs[:4]:
        finish(proc)
    stop.touch()
    finish(procs[4])

    saved = [item for r in results for item in json.loads(r.read_text())]
    assert len(saved) == 20 and None not in saved
    entries = library.list_models(str(lib), include_shipped=False)
    assert sorted(e.id for e in entries) == sorted(i for i, _ in saved)
    assert sorted(e.label for e in entries) == sorted(f"w{w}-{i}" for w in range(4) for i in range(5))
    want = scores(os.path.join(src, FILENAME))
    for e in entries:
        assert torch.equal(scores(e.path), want) and library.read_metrics(e) == {"model": "mean"}
    assert visible(lib) == sorted(e.id for e in entries) and leftovers(lib) == []
    lister = json.loads((tmp_path / "lister.json").read_text())
    assert lister["problems"] == [] and lister["rounds"] >= 1


def test_evictions_racing_saves_never_take_a_model_mid_save_and_never_raise(tmp_path, sample, spawn):
    # Two savers keep at most one model besides their own; two evictors empty the library as fast as they
    # can. A save must still end with its model whole and listed (save_to_library returns its entry).
    lib, stop = tmp_path / "library", tmp_path / "stop"
    src = os.path.dirname(make_source(tmp_path / "src", sample))
    results = [tmp_path / f"saver{w}.json" for w in range(2)]
    jobs = [(_saver, (src, lib, f"w{w}", results[w], 1)) for w in range(2)]
    jobs += [(_evictor, (lib, stop, tmp_path / f"evict{k}.json")) for k in range(2)]
    jobs.append((_lister, (lib, stop, tmp_path / "lister.json")))
    procs = start_together(spawn, tmp_path, jobs)
    for proc in procs[:2]:
        finish(proc)
    stop.touch()
    for proc in procs[2:]:
        finish(proc)

    saved = [item for r in results for item in json.loads(r.read_text())]
    assert len(saved) == 10 and None not in saved
    assert sorted(label for _, label in saved) == sorted(f"w{w}-{i}" for w in range(2) for i in range(5))
    evictions = [json.loads((tmp_path / f"evict{k}.json").read_text()) for k in range(2)]
    evicted = [i for ev in evictions for i in ev["removed"]]
    assert all(ev["rounds"] >= 1 for ev in evictions)
    assert len(evicted) == len(set(evicted))  # each removal is counted once, by the process that made it
    assert json.loads((tmp_path / "lister.json").read_text())["problems"] == []
    for e in library.list_models(str(lib), include_shipped=False):
        read_checkpoint(e.path)
    assert set(visible(lib)) <= {i for i, _ in saved} and set(visible(lib)).isdisjoint(evicted)


# --- training killed or interrupted ---------------------------------------------------------------

def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_training_killed_or_interrupted_mid_run_leaves_the_previous_model(tmp_path, sample):
    out = tmp_path / "out"
    train_and_save(sample, ModelConfig(arch="mean", dim=8), TrainConfig(epochs=1, batch_size=2048), str(out))
    before = {name: digest(out / name) for name in (FILENAME, "metrics.json")}
    want = scores(out / FILENAME)

    # Both at once through the CLI: one gets SIGKILL (a crash), the other SIGINT (Ctrl-C, the CLI's cancel).
    cmd = [sys.executable, "-m", "recsys_core", "train", "--arch", "mean", "--dim", "8", "--threads", "1",
           "--epochs", "1000", "--batch-size", "8", "--out", str(out)]
    with open(tmp_path / "kill.log", "wb") as kill_log, open(tmp_path / "interrupt.log", "wb") as int_log:
        # SIGINT back to its default in the children: a test run started in the background (`cmd &`) ignores
        # it, the children would inherit that, and Ctrl-C would not reach them at all.
        runs = {how: subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log,
                                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
                for how, log in (("kill", kill_log), ("interrupt", int_log))}
        try:
            for how, proc in runs.items():
                deadline = time.monotonic() + WAIT
                while b"epoch" not in (tmp_path / f"{how}.log").read_bytes():  # it is training now
                    assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / f"{how}.log").read_text()
                    time.sleep(0.05)
            runs["kill"].send_signal(signal.SIGKILL)
            runs["interrupt"].send_signal(signal.SIGINT)
            for proc in runs.values():
                proc.wait(WAIT)
        finally:
            for proc in runs.values():
                proc.kill()
    assert runs["kill"].returncode == -signal.SIGKILL
    err = (tmp_path / "interrupt.log").read_text()
    assert runs["interrupt"].returncode == 130 and err.rstrip().endswith("interrupted") and "Traceback" not in err

    assert {name: digest(out / name) for name in before} == before
    assert visible(out) == ["metrics.json", FILENAME, FILENAME + ".meta.json"]
    assert torch.equal(scores(out / FILENAME), want)


def test_a_training_job_that_crashes_or_is_cancelled_leaves_the_sessions_earlier_model(tmp_path, sample):
    # The app's side: a job that crashes or is cancelled mid-epoch ends with a message, writes no half
    # model, and leaves the model an earlier job of the session made (in its own folder) as it was.
    from ui import jobs
    model_pt = make_source(tmp_path / "earlier-job", sample)
    before, want = digest(model_pt), scores(model_pt)

    long = TrainConfig(epochs=1000, batch_size=8, device="cpu")
    crashed = jobs.TrainingJob(sample, ModelConfig(arch="mean", dim=8), long, "sample", run="job_runners:crash_mid_epoch")
    cancelled = jobs.TrainingJob(sample, ModelConfig(arch="mean", dim=8), long, "sample")
    try:
        crashed.start().join(WAIT)
        assert crashed.state.status == "failed" and "simulated crash" in crashed.state.message

        cancelled.start()
        deadline = time.monotonic() + WAIT
        while cancelled.state.latest is None:  # training has started
            assert cancelled.alive and time.monotonic() < deadline, cancelled.state.message
            time.sleep(0.01)
        cancelled.cancel()
        cancelled.join(WAIT)
        assert cancelled.state.status == "cancelled" and not cancelled.alive
        for job in (crashed, cancelled):
            assert not os.path.exists(os.path.join(job.out_dir, FILENAME))
    finally:
        for job in (crashed, cancelled):
            job.discard()
    assert digest(model_pt) == before and torch.equal(scores(model_pt), want)
