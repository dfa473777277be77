"""The training worker: a process of its own that trains one job at a time for a server (pool.py).

A server that trained in its own threads shared the GIL and the cores with every session, and its
process-wide settings (torch's threads, glibc's heap) with them. The worker is a plain child process
started as `python -m recsys_core.training.worker IN_FD OUT_FD`, talking over two pipes with pickled
messages (multiprocessing's Connection framing):

    server -> worker   ("path", sys.path)                     once, first: where to import from
                       ("train", job_id, Task)                one job; the next only after its answer
                       ("cancel", job_id)                     stop that job between steps
                       None                                   exit when idle
    worker -> server   ("progress", job_id, Progress, keep)   keep: a point of the curves; else the latest only
                       ("done", job_id, TrainOutcome, weights)  weights: the trained model's state as numpy
                       ("ended", job_id, status, message)     cancelled | failed, with the sentence to show

The weights travel back so the server hands the trained model to Explain without reading the file it
was saved to. A worker notices a server that died (its parent changes) and stops. Its entry point sets
the process-wide settings: heap modes, a lower priority than the server's sessions, and each job's
thread count.
"""
import importlib
import os
import sys
import time
import traceback
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection

from ..errors import Cancelled, UserError

LOSS_POINTS_PER_EPOCH = 50  # training losses kept per epoch (averaged in between): bounded memory, smooth curve
LATEST_EVERY_S = 0.2  # between those points, the newest step is sent at most this often (the progress bar)
TRAIN_AND_SAVE = "recsys_core.training.run:train_and_save"


@dataclass
class Task:
    """One training job as the worker receives it. `run`: "module:function" with train_and_save's signature
    (another one stands in for it in tests that need exact timing)."""
    data: object  # Prepared
    model_cfg: object  # ModelConfig
    train_cfg: object  # TrainConfig
    out_dir: str
    dataset_spec: str
    run: str = TRAIN_AND_SAVE


class ProgressThinner:
    """Which progress records cross the pipe: every evaluation, about LOSS_POINTS_PER_EPOCH averaged losses
    per epoch (a long run makes millions of steps), and the newest step now and then for the progress bar."""

    def __init__(self, points_per_epoch: int = LOSS_POINTS_PER_EPOCH, latest_every_s: float = LATEST_EVERY_S):
        self.points, self.every = points_per_epoch, latest_every_s
        self._sum, self._n, self._sent = 0.0, 0, 0.0

    def __call__(self, p) -> tuple[object, bool] | None:
        """(record, keep) to send, or None for a step that only the next point will carry."""
        if p.phase != "train":
            return p, True
        self._sum += p.loss
        self._n += 1
        stride = max(1, p.steps // self.points)
        now = time.monotonic()
        if p.step % stride == 0 or p.step == p.steps:
            point = replace(p, loss=self._sum / self._n)
            self._sum, self._n, self._sent = 0.0, 0, now
            return point, True
        if now - self._sent >= self.every:
            self._sent = now
            return p, False
        return None


class _Stop:
    """train()'s cancel flag: set by a ("cancel", job_id) message, by a request to exit, or by the server's
    death. Checked between steps, so the pipe is polled there (a select() call, microseconds)."""

    def __init__(self, inbox: Connection, job_id: int, server_pid: int):
        self.inbox, self.job_id, self.server_pid = inbox, job_id, server_pid
        self.cancelled = self.exit_after = False

    def is_set(self) -> bool:
        if not self.cancelled:
            if os.getppid() != self.server_pid:
                self.cancelled = self.exit_after = True
            while not self.cancelled and self.inbox.poll():
                msg = self.inbox.recv()
                if msg is None:
                    self.cancelled = self.exit_after = True
                elif msg == ("cancel", self.job_id):
                    self.cancelled = True
        return self.cancelled


def _resolve(name: str):
    module, _, func = name.partition(":")
    return getattr(importlib.import_module(module), func)


def _weights(outcome) -> dict | None:
    """The trained model's state as numpy arrays (plain bytes through the pipe), and the model dropped
    from the outcome: the server builds its own copy from these."""
    model = getattr(outcome, "model", None)
    if model is None:
        return None
    outcome.model = None
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}


def run_task(inbox: Connection, outbox: Connection, job_id: int, task: Task, server_pid: int) -> bool:
    """Train one job, answering on `outbox`; True when the worker should exit afterwards."""
    from .device import set_threads
    set_threads(task.train_cfg.threads)  # this process's own pool: the server's stays as it was
    stop, thin = _Stop(inbox, job_id, server_pid), ProgressThinner()

    def report(p):
        if (sent := thin(p)) is not None:
            outbox.send(("progress", job_id, *sent))
    try:
        outcome = _resolve(task.run)(task.data, task.model_cfg, task.train_cfg, task.out_dir, task.dataset_spec,
                                     callback=report, cancel=stop)
        weights = _weights(outcome)
        outbox.send(("done", job_id, outcome, weights))
    except Cancelled:
        outbox.send(("ended", job_id, "cancelled", "Cancelled before the first evaluation."))
    except UserError as e:
        outbox.send(("ended", job_id, "failed", str(e)))
    except Exception as e:  # noqa: BLE001  the page shows a message, the server's log keeps the trace
        traceback.print_exc()
        outbox.send(("ended", job_id, "failed", f"Training failed: {type(e).__name__}: {e}"))
    return stop.exit_after


def serve(inbox: Connection, outbox: Connection, server_pid: int):
    """Take jobs until the server says stop or goes away."""
    while True:
        try:
            msg = inbox.recv()
        except (EOFError, OSError):  # the server closed its end or died
            return
        if msg is None:
            return
        if msg[0] == "path":
            sys.path[:] = list(dict.fromkeys([*msg[1], *sys.path]))
        elif msg[0] == "train" and run_task(inbox, outbox, msg[1], msg[2], server_pid):
            return
        # a ("cancel", id) for a job that has already ended: nothing to do


def main(argv=None) -> int:
    import signal
    argv = sys.argv[1:] if argv is None else argv
    inbox, outbox = Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal is the server's to handle
    os.nice(int(os.environ.get("ATTENTION_LENS_TRAINER_NICE", "10")))  # exploring sessions come first
    from .process import setup_training_process
    setup_training_process()
    serve(inbox, outbox, os.getppid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
