"""The dataset store: an upload converted once and kept under a content id that models record.

Same content -> same id; a changed file -> a new id; a stored dataset loads exactly what its file
held; deleting it removes its models; a conversion killed half-way never appears as a dataset;
the disk limit refuses with a message and keeps what was stored; the CLI shares it all.
"""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from recsys_core.data import stored
from recsys_core.data.registry import canonical_spec, load_dataset
from recsys_core.errors import DataError, UserError

REPO = Path(__file__).resolve().parent.parent
ML100K = REPO.parent / "shared" / "datasets" / "ml-100k"


def _ratings(path: Path, users: int = 30, per: int = 8, shift: int = 0) -> Path:
    rows = [f"u{u},i{(u * 7 + k + shift) % 40},{1_700_000_000 + 3600 * k},{1 + (u + k) % 5}"
            for u in range(users) for k in range(per)]
    path.write_text("uid,iid,ts,score\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LENS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ATTENTION_LENS_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("ATTENTION_LENS_STORE", raising=False)
    monkeypatch.delenv("ATTENTION_LENS_STORE_MB", raising=False)
    return tmp_path / "data"


def test_same_content_same_id_changed_file_new_id(tmp_path, data_dir):
    a = stored.add(str(_ratings(tmp_path / "a.csv")), name="Shop A")
    again = stored.add(str(_ratings(tmp_path / "copy-of-a.csv")), name="another name")  # same bytes
    assert again.id == a.id and again.name == "Shop A"  # found, not converted twice
    changed = stored.add(str(_ratings(tmp_path / "a.csv", shift=1)))
    assert changed.id != a.id
    assert [m.id for m in stored.list_stored()] == [changed.id, a.id] or {m.id for m in stored.list_stored()} == {a.id, changed.id}
    assert len(os.listdir(stored.store_dir())) == 2  # no temp folders left behind


def test_a_stored_dataset_loads_what_the_file_held(tmp_path, data_dir):
    path = _ratings(tmp_path / "shop.csv")
    direct = load_dataset(str(path))
    meta = stored.add(str(path), name="My shop")
    for spec in (meta.id, "My shop", "my SHOP"):  # id, name, name in another case
        ds = load_dataset(spec)
        pd.testing.assert_frame_equal(ds.interactions, direct.interactions)
        assert ds.name == "My shop" and ds.has_ratings
    assert canonical_spec("My shop") == meta.id == canonical_spec(meta.id)
    assert meta.interactions == 240 and meta.users == 30 and meta.files == ["shop.csv"]


def test_messages_and_notices_name_the_users_file_not_the_servers_path(tmp_path, data_dir):
    bad = tmp_path / "tmp-upload-83b1" / "x.csv"
    bad.parent.mkdir()
    bad.write_text("uid,iid\n1,\n")
    with pytest.raises(DataError) as e:
        stored.add(str(bad), shown={str(bad): "my_ratings.csv"})
    assert "my_ratings.csv" in str(e.value) and "tmp-upload-83b1" not in str(e.value)
    noted = tmp_path / "tmp-upload-83b1" / "y.csv"
    noted.write_text("uid,iid\n1,a\n1,b\n2,a\n")  # no time column: a notice
    meta = stored.add(str(noted), shown={str(noted): "export.csv"})
    assert meta.notices and all("export.csv" in n and "tmp-upload" not in n for n in meta.notices)
    assert stored.list_stored() == [meta] or [m.id for m in stored.list_stored()] == [meta.id]


def test_rename_and_an_unknown_id_says_so(tmp_path, data_dir):
    meta = stored.add(str(_ratings(tmp_path / "a.csv")))
    assert stored.rename(meta.id, "  Spring   sale ").name == "Spring sale"
    assert stored.find("Spring sale").id == meta.id
    with pytest.raises(DataError, match="no longer in the dataset store"):
        load_dataset("ds-000000000000")
    with pytest.raises(UserError, match="Fix:"):
        stored.rename(meta.id, "   ")


def test_the_disk_limit_refuses_and_keeps_what_is_stored(tmp_path, data_dir, monkeypatch):
    first = stored.add(str(_ratings(tmp_path / "a.csv")))
    monkeypatch.setenv("ATTENTION_LENS_STORE_MB", str((first.bytes + 100) / 1e6))
    with pytest.raises(DataError, match="store is full.*Fix:"):
        stored.add(str(_ratings(tmp_path / "b.csv", shift=3)))
    assert [m.id for m in stored.list_stored()] == [first.id]
    assert sorted(os.listdir(stored.store_dir())) == [first.id]


def test_deleting_a_dataset_deletes_its_models_only(tmp_path, data_dir):
    from recsys_core.data.preprocess import prepare
    from recsys_core.models.config import ModelConfig
    from recsys_core.store import library
    from recsys_core.training.config import TrainConfig
    from recsys_core.training.run import train_and_save
    mine = stored.add(str(_ratings(tmp_path / "a.csv")))
    other = stored.add(str(_ratings(tmp_path / "b.csv", shift=2)))
    for meta in (mine, other):
        out = tmp_path / f"run-{meta.id}"
        train_and_save(prepare(load_dataset(meta.id)), ModelConfig(arch="popular"), TrainConfig(epochs=1), str(out),
                       dataset_spec=meta.id)
        library.save_to_library(str(out), "popular", meta.name)
    assert {e.spec for e in library.list_models(include_shipped=False)} == {mine.id, other.id}
    _, removed = library.delete_dataset(mine.id)
    assert len(removed) == 1
    assert [e.spec for e in library.list_models(include_shipped=False)] == [other.id]
    assert [m.id for m in stored.list_stored()] == [other.id]
    with pytest.raises(DataError):
        load_dataset(mine.id)


KILLED = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from recsys_core.data import stored
    import pandas as pd
    real = pd.DataFrame.to_parquet
    def slow(self, path, *a, **k):
        real(self, path, *a, **k)
        open({marker!r}, "w").close()  # the first file of the conversion is on disk
        time.sleep(60)
    pd.DataFrame.to_parquet = slow
    stored.add({ratings!r})
""")


def test_a_conversion_killed_half_way_never_appears(tmp_path, data_dir):
    ratings = _ratings(tmp_path / "a.csv")
    marker = tmp_path / "half"
    child = subprocess.Popen([sys.executable, "-c", KILLED.format(repo=str(REPO), marker=str(marker),
                                                                  ratings=str(ratings))],
                             env={**os.environ}, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for _ in range(600):
            if marker.exists() or child.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), "the child never reached the middle of the conversion"
        child.kill()
    finally:
        child.wait()
    assert stored.list_stored() == []  # half a dataset is not a dataset
    assert any(n.startswith(".tmp-") for n in os.listdir(stored.store_dir()))  # it was killed mid-way
    meta = stored.add(str(ratings))  # adding again works, whole
    assert [m.id for m in stored.list_stored()] == [meta.id]
    assert len(load_dataset(meta.id).interactions) == 240


def test_a_zipped_movielens_folder_is_stored(tmp_path, data_dir):
    if not ML100K.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{ML100K} is missing")
        pytest.skip("ml-100k not in ../shared/datasets")
    zpath = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for name in ("u.data", "u.item"):
            z.write(ML100K / name, f"ml-100k/{name}")
    meta = stored.add(str(zpath))
    assert meta.interactions == 100_000 and meta.users == 943 and meta.fmt == "movielens-100k"
    ds = load_dataset(meta.id)
    assert "Toy Story (1995)" in set(ds.items["title"])


def cli(*args, env=None, check=True):
    out = subprocess.run([sys.executable, "-m", "recsys_core", *args], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def inproc(capsys, *args) -> tuple[int, str, str]:
    """The CLI's main() in this process (the same code path as `python -m recsys_core`, without the
    seconds a fresh interpreter takes)."""
    from recsys_core.cli.main import main
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_add_list_use_rename_delete(tmp_path, data_dir, capsys, monkeypatch):
    ratings = _ratings(tmp_path / "ratings.csv")
    out = cli("datasets", "add", str(ratings), "--name", "Spring shop", "--columns", "user=uid,item=iid,timestamp=ts")
    ident = out.stdout.strip().splitlines()[-1]  # a real process: the id is its last line
    assert stored.is_id(ident)
    code, listing, _ = inproc(capsys, "datasets")
    assert code == 0 and ident in listing and "Spring shop" in listing
    for spec in (ident, "Spring shop"):
        code, text, _ = inproc(capsys, "stats", "--dataset", spec)
        assert code == 0 and "users         30" in text
    assert inproc(capsys, "datasets", "rename", ident, "Autumn shop")[0] == 0
    assert "Autumn shop" in inproc(capsys, "datasets")[1]
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # no terminal to confirm on
    code, _, err = inproc(capsys, "datasets", "delete", ident)
    assert code == 2 and "--yes" in err and "Traceback" not in err
    assert stored.find(ident) is not None
    assert inproc(capsys, "datasets", "delete", ident, "--yes")[0] == 0
    assert stored.find(ident) is None
    code, _, err = inproc(capsys, "stats", "--dataset", ident)
    assert code == 2 and "no longer in the dataset store" in err


def test_a_model_trained_on_a_stored_dataset_records_its_id(tmp_path, data_dir):
    ratings = _ratings(tmp_path / "ratings.csv")
    ident = cli("datasets", "add", str(ratings), "--name", "Spring shop").stdout.strip().splitlines()[-1]
    cli("train", "--dataset", "Spring shop", "--arch", "popular", "--out", str(tmp_path / "m"))
    from recsys_core.store.checkpoint import read_checkpoint
    meta, _ = read_checkpoint(str(tmp_path / "m" / "model.pt"))
    assert meta.dataset.spec == ident
    shutil.copy(ratings, tmp_path / "gone.csv")
    os.remove(ratings)  # the original file may go: the model reads the stored copy
    rec = cli("recommend", "--model", str(tmp_path / "m" / "model.pt"), "--user", "u3")
    assert "popular" in rec.stdout
