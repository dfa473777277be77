"""Background training jobs for the app: a worker thread per job, one job training at a time per
process (torch's CPU thread pool is process-wide, and two jobs on two cores only slow both).
Waiting jobs train in the order they were started.

A job lives as long as its owner keeps a reference (the app keeps it in the user's session), so it
keeps running when the user changes page; `cancel()` stops it between steps.
"""
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field, replace

from recsys_core.errors import Cancelled, UserError

LOSS_POINTS_PER_EPOCH = 50  # training losses kept per epoch (averaged in between): bounded memory, smooth curve

_TURN = threading.Condition()  # guards _WAITING and _RUNNING; notified whenever the trainer may be free
_WAITING: list = []  # jobs waiting to train, first come first served
_RUNNING: list = []  # the job training now (at most one)


@dataclass
class JobState:
    status: str = "queued"  # queued | running | done | failed | cancelled
    message: str = ""
    progress: list = field(default_factory=list)  # Progress records, newest last: thinned train losses, every eval
    latest: object = None  # the newest Progress of any phase, for a progress bar
    result: object = None  # train_and_save's TrainOutcome when done (or cancelled after the first evaluation)
    started: float = 0.0
    finished: float = 0.0

    @property
    def finished_ok(self) -> bool:
        """A model was written: done, or cancelled with the best model so far kept."""
        return self.result is not None and self.status in ("done", "cancelled")


class TrainingJob:
    def __init__(self, data, model_cfg, train_cfg, dataset_spec: str, out_dir: str | None = None):
        self.data, self.model_cfg, self.train_cfg, self.dataset_spec = data, model_cfg, train_cfg, dataset_spec
        self._owns_dir = out_dir is None
        self.out_dir = out_dir or tempfile.mkdtemp(prefix="attention-lens-job-")
        self.state = JobState()
        self._cancel = threading.Event()
        self._discarded = False
        self._loss_sum, self._loss_n = 0.0, 0
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"train-{model_cfg.name}")

    def start(self) -> "TrainingJob":
        with _TURN:
            _WAITING.append(self)
        self._thread.start()
        return self

    def queue_position(self) -> int:
        """How many jobs are ahead of this one (the running one included); 0 once it runs or has ended."""
        with _TURN:
            if self not in _WAITING:
                return 0
            return _WAITING.index(self) + len(_RUNNING)

    def cancel(self):
        self._cancel.set()
        with _TURN:
            _TURN.notify_all()

    def discard(self):
        """Cancel, and delete the temp folder this job made (after the worker has stopped writing to it)."""
        self.cancel()
        self._discarded = True
        if not self.alive:
            self._remove_dir()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout=None):
        self._thread.join(timeout)

    def _remove_dir(self):
        if self._owns_dir:
            shutil.rmtree(self.out_dir, ignore_errors=True)

    def _on_progress(self, p):
        self.state.latest = p
        if p.phase != "train":
            self.state.progress.append(p)
            return
        # A long run makes millions of steps: keep about LOSS_POINTS_PER_EPOCH averages per epoch.
        self._loss_sum += p.loss
        self._loss_n += 1
        stride = max(1, p.steps // LOSS_POINTS_PER_EPOCH)
        if p.step % stride == 0 or p.step == p.steps:
            self.state.progress.append(replace(p, loss=self._loss_sum / self._loss_n))
            self._loss_sum, self._loss_n = 0.0, 0

    def _wait_turn(self) -> bool:
        """Block until this job is first in line and nothing trains; False when cancelled meanwhile."""
        with _TURN:
            while _RUNNING or _WAITING[0] is not self:
                if self._cancel.is_set():
                    return False
                _TURN.wait(0.5)
            if self._cancel.is_set():
                return False
            _WAITING.remove(self)
            _RUNNING.append(self)
            return True

    def _run(self):
        from recsys_core.training.run import train_and_save
        try:
            if not self._wait_turn():
                self.state.status, self.state.message = "cancelled", "Cancelled while waiting in the queue."
                return
            try:
                self.state.started = time.time()
                self.state.status = "running"
                self.state.result = train_and_save(self.data, self.model_cfg, self.train_cfg, self.out_dir,
                                                   self.dataset_spec, callback=self._on_progress, cancel=self._cancel)
                if self.state.result.stopped == "cancelled":
                    self.state.status, self.state.message = "cancelled", "Cancelled; the best model so far was kept."
                else:
                    self.state.status = "done"
            finally:
                with _TURN:
                    _RUNNING.remove(self)
        except Cancelled:
            self.state.status, self.state.message = "cancelled", "Cancelled before the first evaluation."
        except UserError as e:
            self.state.status, self.state.message = "failed", str(e)
        except Exception as e:  # noqa: BLE001  the app shows a message, the log keeps the trace
            traceback.print_exc()
            self.state.status, self.state.message = "failed", f"Training failed: {type(e).__name__}: {e}"
        finally:
            with _TURN:
                if self in _WAITING:
                    _WAITING.remove(self)
                _TURN.notify_all()
            self.state.finished = time.time()
            if self._discarded:
                self._remove_dir()
