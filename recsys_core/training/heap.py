"""Keeps the C heap bounded while evaluating, and fast while training (glibc).

Each chunk of evaluation allocates a (chunk, N+1) score block of several MB, of a different size each
time (trimmed padding). glibc serves the first ones by mmap and returns them on free, but each free
raises its mmap threshold, so later blocks come from the heap, where blocks of varying sizes fragment
it: peak resident memory then grows with users x items (measured: +146 MB over 3,000 users x 15K items
for `mean`, +259 MB for `self`; +31 MB with the threshold fixed). Evaluation therefore runs with the
threshold fixed at 1 MB: blocks of 1 MB and more are mapped and unmapped, and memory stays bounded by a
chunk.

Training is the opposite case: a step's tensors are a few MB each, allocated and freed hundreds of
times a second, and mapping each one costs page faults. With the 1 MB threshold `self` trained at
607-668 windows/s at the SASRec shape against 859-1,100 with glibc's own settings (bce, batch 128,
3 runs each, one session). Training runs with a 32 MB threshold and a 64 MB trim threshold instead
(837-1,175/s, median 1,022, in the same session): fixed, so memory cannot creep, but above any
training tensor of a normal batch.

The thresholds belong to the whole process, so only a process that is there to train or evaluate sets
them: its entry point (the CLI, the app's training worker, a benchmark) calls `manage()` once, and
`heap_mode` does nothing elsewhere. A server that merely imports the training code keeps glibc's
own settings, whatever its threads call.
"""
import ctypes
import sys
from contextlib import contextmanager

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers in glibc's malloc.h
MODES = {  # mode -> (mmap threshold, trim threshold) in bytes
    "evaluate": (1 << 20, 128 << 10),  # score blocks (MBs) are mapped; small tensors stay on the fast heap
    "train": (32 << 20, 64 << 20),  # a step's tensors are reused from the heap
}

_libc = None
_mode = None
_managed = False  # set by manage(): this process's entry point asked for heap modes


def _mallopt():
    global _libc
    if _libc is None:
        _libc = False
        if sys.platform.startswith("linux"):
            try:
                _libc = ctypes.CDLL("libc.so.6").mallopt
            except (OSError, AttributeError):  # not glibc
                pass
    return _libc


def set_heap(mode: str):
    """Fix glibc's thresholds for `mode`; elsewhere (macOS, musl, Windows) nothing happens."""
    global _mode
    if mode == _mode:
        return
    _mode = mode
    if mallopt := _mallopt():
        mmap_at, trim_at = MODES[mode]
        mallopt(M_MMAP_THRESHOLD, mmap_at)
        mallopt(M_TRIM_THRESHOLD, trim_at)


def manage(base: str = "evaluate"):
    """Called once by a process's entry point: from now on `heap_mode` switches modes, and between them
    the process is in `base` (evaluate's thresholds keep an idle process's heap small)."""
    global _managed
    _managed = True
    set_heap(base)


@contextmanager
def heap_mode(mode: str):
    """Run a block (or, as a decorator, a function) under `mode`, then go back to the mode before it
    (evaluating inside training; the base mode after the outermost block). Nothing happens in a process
    whose entry point did not call manage()."""
    if not _managed:
        yield
        return
    before = _mode
    set_heap(mode)
    try:
        yield
    finally:
        set_heap(before)

