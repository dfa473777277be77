"""Process-wide settings for a process that trains: torch's CPU thread pool and glibc's heap modes.

Both belong to the whole process, so they are set by its entry point, once (the CLI, the app's
training worker, a benchmark script), never from inside `train()`: a server whose sessions explore
models on other threads must keep the settings it started with.
"""
from . import heap
from .device import set_threads


def setup_training_process(threads: int | None = None, share: int = 1):
    """threads: torch's CPU threads (None or 0: the cores this process may use, split between `share`
    processes on the machine, e.g. torchrun's local ranks); heap modes on (see heap.py)."""
    set_threads(threads, share)
    heap.manage()
