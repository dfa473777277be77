"""The server's training queue and the worker processes that run it (worker.py).

Jobs wait in one queue, first come first served, and each worker process trains one at a time (one
worker by default, ATTENTION_LENS_TRAINERS for more: two jobs on two cores only slow both). A thread
per worker hands it the next job and relays what it says to the job object; the server's sessions only
add jobs, ask for their place and cancel. A worker is started on the first job, replaced when it dies
(a kill, a crash, the out-of-memory killer: the job it was running ends with a message saying so), and
retired after a while without jobs, which gives its memory back.

A job here is any object with: job_id, task() -> worker.Task, cancel_requested, and the callbacks
started(), progress(record, keep), finished(outcome, weights), ended(status, message).
"""
import atexit
import os
import signal
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds recsys_core/
IDLE_SECONDS = 600  # a worker without jobs this long exits; the next job starts a new one (a few seconds)


class Worker:
    """One worker process and the two pipes to it."""

    def __init__(self):
        to_worker, from_server = os.pipe()
        to_server, from_worker = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "recsys_core.training.worker", str(to_worker),
                                          str(from_worker)], pass_fds=(to_worker, from_worker), env=env,
                                         stdin=subprocess.DEVNULL)
        except OSError:
            os.close(from_server)
            os.close(to_server)
            raise
        finally:
            os.close(to_worker)  # the worker's ends: only it holds them, so its death closes them
            os.close(from_worker)
        self.outbox = Connection(from_server, readable=False)
        self.inbox = Connection(to_server, writable=False)
        self._lock = threading.Lock()  # the slot's thread sends jobs, sessions' threads send cancels
        self.send(("path", list(sys.path)))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, msg):
        with self._lock:
            self.outbox.send(msg)

    def stop(self, wait: float = 5.0):
        try:
            self.send(None)
        except OSError:
            pass
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.outbox.close()
        self.inbox.close()

    def death(self) -> str:
        """What to tell the person whose job this worker was running when it died."""
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:  # its pipe closed but it lives on: end it, the job is lost anyway
            self.proc.kill()
            code = self.proc.wait()
        self.outbox.close()
        self.inbox.close()
        if code is not None and code < 0:
            how = f"it was stopped by signal {signal.Signals(-code).name}"
            hint = (" A kill like this is often the system running out of memory: a smaller model, batch size or "
                    "history length needs less." if -code == signal.SIGKILL else "")
        else:
            how, hint = f"it exited with status {code}", ""
        return (f"The training process stopped unexpectedly ({how}), so this run was lost and nothing of it was "
                f"saved. The server and your earlier models are unaffected: start the training again.{hint}")


class _Slot:
    def __init__(self):
        self.worker: Worker | None = None
        self.job = None


class Pool:
    def __init__(self, workers: int = 1, idle_seconds: float = IDLE_SECONDS):
        self._cond = threading.Condition()  # guards the lists and the slots' jobs
        self._waiting: list = []
        self._running: list = []
        self._slots = [_Slot() for _ in range(max(1, workers))]
        self._idle = idle_seconds
        self._threads: list[threading.Thread] = []

    # --- what sessions call ----------------------------------------------------------------------

    def submit(self, job):
        with self._cond:
            self._waiting.append(job)
            if not self._threads:
                self._threads = [threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                                  name="attention-lens-trainer") for slot in self._slots]
                for t in self._threads:
                    t.start()
            self._cond.notify_all()

    def ahead(self, job) -> int:
        """Jobs ahead of `job` (those training included); 0 once it trains or has ended."""
        with self._cond:
            return self._waiting.index(job) + len(self._running) if job in self._waiting else 0

    def cancel(self, job):
        """A waiting job leaves the queue at once; a training one stops at its next step."""
        with self._cond:
            queued = job in self._waiting
            if queued:
                self._waiting.remove(job)
                self._cond.notify_all()
            worker = next((s.worker for s in self._slots if s.job is job), None)
        if queued:
            job.ended("cancelled", "Cancelled while waiting in the queue.")
        elif worker is not None:
            try:
                worker.send(("cancel", job.job_id))
            except OSError:  # it has just died: the slot reports that
                pass

    def worker_pids(self) -> list[int]:
        with self._cond:
            return [s.worker.pid for s in self._slots if s.worker is not None and s.worker.proc.poll() is None]

    def busy(self) -> bool:
        with self._cond:
            return bool(self._waiting or self._running)

    def close(self):
        for slot in self._slots:
            if slot.worker is not None:
                slot.worker.stop(wait=2.0)
                slot.worker = None

    # --- the slot's thread -----------------------------------------------------------------------

    def _next(self, slot: _Slot):
        """The next job for this slot; retires its idle worker after a while without one."""
        while True:
            with self._cond:
                timed_out = False
                if not self._waiting:
                    timed_out = not self._cond.wait(self._idle if slot.worker is not None else None)
                if self._waiting:
                    job = self._waiting.pop(0)
                    self._running.append(job)
                    slot.job = job
                    return job
                if not timed_out:
                    continue
                idle, slot.worker = slot.worker, None
            if idle is not None:
                idle.stop()

    def _serve(self, slot: _Slot):
        while True:
            job = self._next(slot)
            try:
                self._train(slot, job)
            except Exception as e:  # noqa: BLE001  a bug here must not stop the queue
                traceback.print_exc()
                job.ended("failed", f"Training failed: {type(e).__name__}: {e}")
            finally:
                with self._cond:
                    self._running.remove(job)
                    slot.job = None
                    self._cond.notify_all()

    def _train(self, slot: _Slot, job):
        if slot.worker is None or slot.worker.proc.poll() is not None:
            try:
                slot.worker = Worker()
            except OSError as e:
                job.ended("failed", f"Could not start the training process ({e.strerror or e}). Fix: free some "
                                    "memory or processes on the server, then start the training again.")
                return
        worker = slot.worker
        job.started()
        try:
            worker.send(("train", job.job_id, job.task()))
            if job.cancel_requested:  # cancelled between leaving the queue and now
                worker.send(("cancel", job.job_id))
            while True:
                msg = worker.inbox.recv()
                if msg[0] == "progress":
                    job.progress(msg[2], msg[3])
                elif msg[0] == "done":
                    job.finished(msg[2], msg[3])
                    return
                else:
                    job.ended(msg[2], msg[3])
                    return
        except (EOFError, OSError):  # the worker died: its pipe closed under us
            with self._cond:
                slot.worker = None
            job.ended("failed", worker.death())


_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool() -> Pool:
    """This process's pool (ATTENTION_LENS_TRAINERS workers, default 1), made on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = Pool(int(os.environ.get("ATTENTION_LENS_TRAINERS") or 1))
            atexit.register(_POOL.close)
        return _POOL
