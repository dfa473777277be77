"""Stand-ins for train_and_save that the training worker runs in tests (TrainingJob(run="job_runners:…")).

The worker is a process of its own, so a test cannot patch what it calls: it names one of these, and
they talk to the test through files in the job's folder. `gated` waits for a `release` file (or the
job's cancel) and records the order jobs entered in `../order.txt`; `crash_mid_epoch` trains for real
and crashes a few steps in."""
import os
import time

from recsys_core.errors import Cancelled, UserError
from recsys_core.training.run import TrainOutcome, train_and_save

WAIT = 60


def wait_for(path: str, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def gated(data, model_cfg, train_cfg, out_dir, spec, callback=None, cancel=None):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(os.path.dirname(out_dir), "order.txt"), "a") as f:
        f.write(f"{train_cfg.seed}\n")
    open(os.path.join(out_dir, "entered"), "w").close()
    deadline = time.monotonic() + WAIT
    while not os.path.exists(os.path.join(out_dir, "release")) and time.monotonic() < deadline:
        if cancel.is_set():
            raise Cancelled()
        time.sleep(0.02)
    return TrainOutcome(path="", stopped="epochs", metrics={}, seconds=0.0, best_epoch=1)


def broken(*args, **kwargs):
    raise ZeroDivisionError("boom")


def bad_input(*args, **kwargs):
    raise UserError("--device cuda: no CUDA GPU is available here. Fix: use --device cpu or auto.")


def crash_mid_epoch(data, model_cfg, train_cfg, out_dir, spec, callback=None, cancel=None):
    def report(p):
        callback(p)
        if p.phase == "train" and p.step >= 2:
            raise RuntimeError("simulated crash")
    return train_and_save(data, model_cfg, train_cfg, out_dir, spec, callback=report, cancel=cancel)


def state_of_process(data, model_cfg, train_cfg, out_dir, spec, callback=None, cancel=None):
    """Trains for real, then writes what the worker's process-wide settings are to `process.json`."""
    import json

    import torch

    from recsys_core.training import heap
    out = train_and_save(data, model_cfg, train_cfg, out_dir, spec, callback=callback, cancel=cancel)
    with open(os.path.join(out_dir, "process.json"), "w") as f:
        json.dump({"pid": os.getpid(), "threads": torch.get_num_threads(), "heap_mode": heap._mode,
                   "nice": os.nice(0)}, f)
    return out
