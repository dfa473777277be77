"""A checkpoint's light metadata in a small JSON file beside it (`model.pt.meta.json`), so menus, model
cards and the library list models without loading their weights.

The sidecar is written right after the checkpoint (both atomically) and names the checkpoint it
describes by size, modification time and SHA-256. It counts only while it matches: a checkpoint
rewritten since, or a sidecar left by a crash between the two writes, no longer matches and the
checkpoint itself is read instead (checkpoint.read_meta, which writes a sidecar for next time: so a
checkpoint from before sidecars gets one the first time it is listed). A copy or a git checkout keeps
the bytes but not always the time: then the hash decides.
"""
import hashlib
import json
import os

from ..atomic import atomic_write_bytes
from .meta import CheckpointMeta

SUFFIX = ".meta.json"
FORMAT = "attention-lens-sidecar"
VERSION = 1


def sidecar_path(checkpoint: str) -> str:
    return checkpoint + SUFFIX


def identity(path: str) -> tuple[str, int, int] | None:
    """(path, size, mtime_ns): one version of a file, for cache keys; None when there is no such file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return path, st.st_size, st.st_mtime_ns


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_sidecar(checkpoint: str, meta: CheckpointMeta, size: int, mtime_ns: int, digest: str,
                  make_folder: bool = True):
    """Describe the checkpoint version (size, mtime_ns, digest) by `meta`'s light part; atomic.
    make_folder=False: an OSError rather than bring back a folder deleted meanwhile."""
    doc = {"format": FORMAT, "version": VERSION,
           "checkpoint": {"size": size, "mtime_ns": mtime_ns, "sha256": digest},
           "meta": meta.light().to_dict()}
    atomic_write_bytes(sidecar_path(checkpoint), lambda f: f.write(json.dumps(doc).encode()), make_folder)


def read_sidecar(checkpoint: str, size: int, mtime_ns: int) -> CheckpointMeta | None:
    """The light metadata the sidecar holds, when it describes this version of the checkpoint; else None
    (no sidecar, an unreadable one, or one for another version)."""
    try:
        with open(sidecar_path(checkpoint), "rb") as f:
            doc = json.loads(f.read())
        rec = doc["checkpoint"]
        if doc.get("format") != FORMAT or doc.get("version", 0) > VERSION or rec["size"] != size:
            return None
        if rec["mtime_ns"] != mtime_ns and rec["sha256"] != sha256(checkpoint):
            return None
        return CheckpointMeta.from_dict(doc["meta"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None

