"""Training jobs of the app's sessions: the settings, the live state the Train page shows, and the
trained model once done.

The training runs in a worker process (recsys_core.training.pool): one job trains at a time on the
server, the others wait in the order they were started, and the sessions' threads keep the GIL and
the server's process-wide settings to themselves. A job lives as long as its owner keeps a reference
(the app keeps it in the user's session), so it keeps running when the user changes page; `cancel()`
stops it between steps. When it is done, the worker sends the trained weights back and the job holds
the model, ready for Explain without reading the checkpoint it was saved to (`state.loaded`).
"""
import itertools
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field

from recsys_core.training.pool import Pool, shared_pool
from recsys_core.training.worker import TRAIN_AND_SAVE, Task

_IDS = itertools.count(1)


@dataclass
class JobState:
    status: str = "queued"  # queued | running | done | failed | cancelled
    message: str = ""
    progress: list = field(default_factory=list)  # Progress records, oldest first: thinned train losses, every eval
    latest: object = None  # the newest Progress of any phase, for a progress bar
    result: object = None  # train_and_save's TrainOutcome when done (or cancelled after the first evaluation)
    loaded: object = None  # the trained model with its dataset (store.opened.Loaded), from the weights sent back
    started: float = 0.0
    finished: float = 0.0

    @property
    def finished_ok(self) -> bool:
        """A model was written: done, or cancelled with the best model so far kept."""
        return self.result is not None and self.status in ("done", "cancelled")


class TrainingJob:
    def __init__(self, data, model_cfg, train_cfg, dataset_spec: str, out_dir: str | None = None,
                 run: str = TRAIN_AND_SAVE, pool: Pool | None = None):
        """run: "module:function" the worker calls with train_and_save's arguments (tests stand in for it)."""
        self.data, self.model_cfg, self.train_cfg, self.dataset_spec = data, model_cfg, train_cfg, dataset_spec
        self.job_id = next(_IDS)
        self._owns_dir = out_dir is None
        self.out_dir = out_dir or tempfile.mkdtemp(prefix="attention-lens-job-")
        self.state = JobState()
        self._run, self._pool = run, pool
        self._cancel, self._ended = threading.Event(), threading.Event()
        self._submitted = self._discarded = False

    def start(self) -> "TrainingJob":
        self._pool = self._pool or shared_pool()
        self._submitted = True
        self._pool.submit(self)
        return self

    def queue_position(self) -> int:
        """How many jobs are ahead of this one (the running one included); 0 once it runs or has ended."""
        return self._pool.ahead(self) if self._submitted else 0

    def cancel(self):
        self._cancel.set()
        if self.alive:
            self._pool.cancel(self)

    def discard(self):
        """Cancel, and delete the temp folder this job made (after the worker has stopped writing to it)."""
        self._discarded = True
        self.cancel()
        if not self.alive:
            self._remove_dir()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def alive(self) -> bool:
        """Waiting or training."""
        return self._submitted and not self._ended.is_set()

    def join(self, timeout=None):
        self._ended.wait(timeout)

    def _remove_dir(self):
        if self._owns_dir:
            shutil.rmtree(self.out_dir, ignore_errors=True)

    # --- called by the pool's thread ---------------------------------------------------------------

    def task(self) -> Task:
        return Task(self.data, self.model_cfg, self.train_cfg, self.out_dir, self.dataset_spec, self._run)

    def started(self):
        self.state.started = time.time()
        self.state.status = "running"

    def progress(self, record, keep: bool):
        if keep:
            self.state.progress.append(record)
        self.state.latest = record

    def finished(self, outcome, weights: dict | None):
        self.state.result = outcome
        self.state.loaded = self._hand_off(outcome, weights)
        if outcome.stopped == "cancelled":
            self.ended("cancelled", "Cancelled; the best model so far was kept.")
        else:
            self.ended("done", "")

    def ended(self, status: str, message: str):
        self.state.status, self.state.message = status, message
        self.state.finished = time.time()
        if self._discarded:
            self._remove_dir()
        self._ended.set()

    def _hand_off(self, outcome, weights: dict | None):
        """The trained model, built from the weights the worker sent (no checkpoint read); None without them."""
        if weights is None or outcome.meta is None or self.data is None:
            return None
        import torch

        from recsys_core.errors import UserError
        from recsys_core.store.opened import loaded_from, offer
        try:
            loaded = loaded_from(outcome.meta, {k: torch.from_numpy(v) for k, v in weights.items()}, self.data,
                                 outcome.path)
        except UserError:  # weights that do not fit: Explain then reads the file and says why
            return None
        offer(loaded)  # whoever opens this checkpoint first (this session's Explain page) takes it as it is
        return loaded
