"""Writing files so that a reader or a crash never sees half of one: fsync of files and folders,
temp-then-rename writes, and the clean-up of `.tmp-*` leftovers of writers killed mid-write. Shared by
the checkpoint writer, the model library and the dataset store; standard library only.
"""
import os
import shutil
import tempfile
import time

STALE_SECONDS = 3600  # a `.tmp-*` this old was left by a killed writer: a live one is seconds old


def fsync_path(path: str):
    """Flush a file, or a folder's list of names, to disk; a platform that cannot (folders on Windows) skips it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(folder: str, suffix: str = "", max_age: float = STALE_SECONDS):
    """Delete `.tmp-*` leftovers of writers killed mid-write; fresh ones may belong to a live writer."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".tmp-") and n.endswith(suffix)]
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        try:
            if time.time() - os.lstat(path).st_mtime < max_age:
                continue
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
        except OSError:  # another process cleaned it up first
            pass


def atomic_write_bytes(path: str, write, make_folder: bool = True):
    """Call write(file) on a temp file beside `path`, fsync it, then rename over it: readers never see half
    a file, and a crash or kill at any moment leaves either the old file or the new one under `path`.
    make_folder=False: an OSError when the folder is gone (it was deleted: do not bring it back)."""
    folder = os.path.dirname(os.path.abspath(path))
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    remove_stale_temps(folder, os.path.basename(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    fsync_path(folder)  # and the rename itself survives a power cut
