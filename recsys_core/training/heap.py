"""Keeps the C heap from growing with the number of chunks evaluated or batches trained (glibc).

Each chunk of evaluation allocates a (chunk, N+1) score block of several MB, of a different size each
time (trimmed padding). glibc serves the first ones by mmap and returns them on free, but each free
raises its mmap threshold, so later blocks come from the heap, where blocks of varying sizes fragment
it: peak resident memory then grows with users x items (measured: +146 MB over 3,000 users x 15K items
for `mean`, +259 MB for `self`; +31 MB with the threshold fixed). Fixing the threshold turns that
adjustment off: blocks of 1 MB and more are mapped and unmapped, and memory stays bounded by a chunk.
"""
import ctypes
import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
THRESHOLD = 1 << 20  # bytes: score blocks (MBs) are mapped; small tensors stay on the fast heap

_fixed = False


def bound_heap():
    """Fix glibc's mmap threshold once per process; elsewhere (macOS, musl, Windows) nothing happens."""
    global _fixed
    if _fixed or not sys.platform.startswith("linux"):
        return
    _fixed = True
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, THRESHOLD)
    except (OSError, AttributeError):  # not glibc
        pass
