"""An upload killed half-way through being written leaves the earlier upload of that name whole and
loadable: a real child process is SIGKILLed while its write is paused in the middle of the file."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from recsys_core.data.loaders import load_path

REPO = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import builtins, os, sys, time
    sys.path.insert(0, {repo!r})
    from ui.data_view import save_upload
    folder, marker = sys.argv[1], sys.argv[2]
    first = b"user_id,item_id,timestamp\\n" + b"".join(b"%d,%d,%d\\n" % (u, i, u * 10 + i) for u in range(50) for i in range(4))
    save_upload(first, "ratings.csv", folder)
    real_open = builtins.open

    class Slow:
        def __init__(self, f): self.f = f
        def __enter__(self): return self
        def __exit__(self, *a): return self.f.__exit__(*a)
        def write(self, data):
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            real_open(marker, "w").close()  # half of the new upload is on disk now
            time.sleep(60)
        def __getattr__(self, name): return getattr(self.f, name)

    builtins.open = lambda path, mode="r", *a, **k: Slow(real_open(path, mode, *a, **k)) if "w" in mode and str(path).startswith(folder) else real_open(path, mode, *a, **k)
    second = b"user_id,item_id,timestamp\\n" + b"9,9,9\\n" * 100000
    save_upload(second, "ratings.csv", folder)
""")


def test_killing_an_upload_half_way_keeps_the_previous_one(tmp_path):
    folder, marker = tmp_path / "session", tmp_path / "halfway"
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(repo=str(REPO)), str(folder), str(marker)])
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert child.poll() is None, "the child ended before it was half-way"
            assert time.time() < deadline, "the child never reached the middle of its write"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    ds = load_path(str(folder / "ratings.csv"))
    assert len(ds.interactions) == 200 and ds.interactions["user_id"].nunique() == 50
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == ["ratings.csv"]
