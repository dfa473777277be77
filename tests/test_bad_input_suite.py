"""Bad input, the cases the data-file tests (test_bad_input.py) do not already cover: repeated
columns, ids and times that need a decision, one user, huge files, hostile zips, settings and
output folders on the command line, k out of range, checkpoints from the future. Each one ends in a
one-line message (CLI: `error:` and exit 2, or a `notice:` where the input is usable) and leaves
what was there before intact. RELIABILITY.md lists every case and the test that proves it."""
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from recsys_core.cli.main import main
from recsys_core.data import download
from recsys_core.data.loaders import load_path
from recsys_core.data.registry import load_dataset
from recsys_core.errors import DataError

REPO = Path(__file__).resolve().parent.parent


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err and "Fix:" in lines[0], err
    return lines[0]


# --- data files --------------------------------------------------------------------------------

def test_a_repeated_column_is_refused_not_picked_silently(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,item_id,timestamp\n1,2,3,4\n1,3,4,5\n")
    with pytest.raises(DataError, match="item_id more than once"):
        load_path(str(f))


def test_a_row_with_another_delimiter_names_its_row(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,3\n1;3;4\n2,3,5\n")
    with pytest.raises(DataError, match="data row 2"):
        load_path(str(f))


def test_csv_ids_are_labels_so_negative_float_and_huge_ids_stay_distinct(tmp_path):
    big = "9" * 30
    f = write(tmp_path, "a.csv", f"user_id,item_id,timestamp\n-1,2,3\n-1,1.5,4\n-1,{big},5\n")
    ds = load_path(str(f))
    assert set(ds.interactions["item_id"]) == {"2", "1.5", big} and set(ds.interactions["user_id"]) == {"-1"}


@pytest.mark.parametrize("line", ["-1 2", "1.5 2", "99999999999999999999999 2", "0 2"])
def test_sasrec_ids_must_be_positive_whole_numbers(tmp_path, line):
    f = write(tmp_path, "a.txt", f"1 1\n{line}\n")
    with pytest.raises(DataError, match="line 2 is not a whole number from 1"):
        load_path(str(f))


def test_millisecond_timestamps_become_seconds_with_a_notice(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,1700000000000\n1,3,1700000001000\n")
    ds = load_path(str(f))
    assert ds.interactions["timestamp"].tolist() == [1700000000, 1700000001]
    assert any("milliseconds" in n for n in ds.notices)


def test_future_timestamps_are_kept_in_order_with_a_notice(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,3,4102444800\n1,2,1700000000\n")
    ds = load_path(str(f))
    assert ds.interactions["item_id"].tolist() == ["2", "3"]
    assert any("dated after today (latest 2100-01-01)" in n for n in ds.notices)


def test_a_single_user_is_refused_for_training_with_a_reason(tmp_path, capsys):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n" + "".join(f"1,{i},{i}\n" for i in range(2, 9)))
    code, _, err = cli(capsys, "train", "--dataset", f, "--arch", "mean", "--out", tmp_path / "out")
    assert code == 2 and "Only 1 user" in one_error_line(err)
    assert not (tmp_path / "out" / "model.pt").exists()


def test_five_million_rows_load(tmp_path):
    """The size issue 14 quotes for a real export: it loads (a 200 MB upload cap lets it through)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    n, rng = 5_000_000, np.random.default_rng(0)
    table = pa.table({"user_id": rng.integers(1, 100_000, n), "item_id": rng.integers(1, 30_000, n),
                      "timestamp": np.arange(n, dtype=np.int64) + 1_600_000_000})
    pacsv.write_csv(table, tmp_path / "big.csv")
    ds = load_dataset(str(tmp_path / "big.csv"))
    assert len(ds.interactions) == n


def test_a_file_over_the_row_cap_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LENS_MAX_ROWS", "1000")
    rows = "".join(f"{u},{u % 7},{u}\n" for u in range(1001))
    for name, text in (("a.csv", "user_id,item_id,timestamp\n" + rows), ("a.txt", rows.replace(",", " ")[:0] +
                       "".join(f"{u + 1} {u % 7 + 1}\n" for u in range(1001)))):
        with pytest.raises(DataError, match="more than 1,000 rows"):
            load_path(str(write(tmp_path, name, text)))
    ok = write(tmp_path, "b.csv", "user_id,item_id,timestamp\n" + rows.split("\n", 1)[1])  # 1,000 rows: fine
    assert len(load_path(str(ok)).interactions) == 1000


# --- zips ----------------------------------------------------------------------------------------

def _existing_copy(data_dir: Path) -> Path:
    folder = data_dir / "ml-latest-small"
    folder.mkdir(parents=True)
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,1\n")
    return folder


def test_a_zip_with_parent_folder_members_is_refused_and_writes_nothing_outside(tmp_path):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n")
        f.writestr("../../escaped.txt", "gotcha")
    data = tmp_path / "data"
    keep = _existing_copy(data)
    with pytest.raises(DataError, match="outside its folder"):
        download.download("ml-latest-small", str(data), url=str(z))
    assert not list(tmp_path.rglob("escaped.txt"))
    assert (keep / "ratings.csv").read_text().startswith("userId")


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path):
    """A member that claims 4 GB: its sizes are patched in the local header and the central directory,
    as a bomb's would be (writing 4 GB of zeros for real would take the test a minute)."""
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as f:
        f.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n")
        f.writestr("ml-latest-small/padding.bin", b"\0" * 1024)
    raw = bytearray(z.read_bytes())
    claim = (4_000_000_000).to_bytes(4, "little")
    local = raw.rfind(b"PK\x03\x04")  # the last member's local header: uncompressed size at +22
    central = raw.rfind(b"PK\x01\x02")  # and its central directory entry: at +24
    raw[local + 22:local + 26], raw[central + 24:central + 28] = claim, claim
    z.write_bytes(bytes(raw))
    assert zipfile.ZipFile(z).getinfo("ml-latest-small/padding.bin").file_size == 4_000_000_000
    data = tmp_path / "data"
    keep = _existing_copy(data)
    with pytest.raises(DataError, match="would unpack to 4.0 GB"):
        download.download("ml-latest-small", str(data), url=str(z))
    assert (keep / "ratings.csv").exists() and sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) < 1e6


# --- command-line settings and folders ------------------------------------------------------------

@pytest.mark.parametrize("flag,value", [("--lr", "nan"), ("--lr", "inf"), ("--lr", "-0.1"), ("--dropout", "1.5"),
                                        ("--dropout", "nan"), ("--negatives", "0"), ("--epochs", "0"),
                                        ("--dim", "1"), ("--heads", "0"), ("--layers", "0"), ("--window", "0"),
                                        ("--max-len", "1"), ("--max-seconds", "-1"), ("--max-seconds", "inf"),
                                        ("--batch-size", "0"), ("--patience", "0"), ("--weight-average", "1"),
                                        ("--min-improvement", "nan"), ("--threads", "-1")])
def test_every_numeric_setting_out_of_range_is_one_line_naming_the_flag(tmp_path, capsys, flag, value):
    code, _, err = cli(capsys, "train", "--arch", "self", flag, value, "--out", tmp_path / "out")
    assert code == 2 and one_error_line(err).startswith(f"error: {flag} ")
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("kind", ["a file", "not writable"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, kind):
    if kind == "a file":
        out = tmp_path / "taken"
        out.write_text("keep me")
    else:
        out = Path("/proc/attention-lens-cannot-write-here")
    code, _, err = cli(capsys, "train", "--arch", "mean", "--epochs", "1", "--out", out)
    assert code == 2 and "output folder" in one_error_line(err)
    assert "epoch" not in err  # no training happened first
    if kind == "a file":
        assert out.read_text() == "keep me"


@pytest.fixture(scope="module")
def mean_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("mean")
    assert main(["train", "--arch", "mean", "--epochs", "1", "--dim", "8", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("k,shown", [("0", 1), ("-3", 1), ("100000", None)])
def test_k_out_of_range_is_clamped_with_a_notice(mean_model, capsys, k, shown):
    code, out, err = cli(capsys, "recommend", "--model", mean_model, "--user", "1", "-k", k, "--json")
    assert code == 0 and f"-k {k} is outside 1..354" in err
    recs = json.loads(out)["recommendations"]
    assert len(recs) == (shown or 354 - len(json.loads(out)["history"]))
    if shown is None:
        assert "only" in err and "not interacted with" in err


def test_unknown_user_and_a_checkpoint_from_a_newer_version(mean_model, tmp_path, capsys):
    code, _, err = cli(capsys, "recommend", "--model", mean_model, "--user", "nobody")
    assert code == 2 and "'nobody' is not in dataset" in one_error_line(err)
    blob = torch.load(mean_model / "model.pt", weights_only=True)
    meta = json.loads(blob["meta"])
    meta["version"] = 99
    torch.save({"meta": json.dumps(meta), "state_dict": blob["state_dict"]}, tmp_path / "model.pt")
    code, _, err = cli(capsys, "recommend", "--model", tmp_path / "model.pt", "--user", "1")
    assert code == 2 and "newer Attention Lens (format 99)" in one_error_line(err)
    assert os.path.getsize(mean_model / "model.pt") > 0  # the original is untouched


# --- links ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("params,notice", [
    ({"user": "x" * 200}, "200 characters is longer than any user id"),
    ({"dataset": "/etc"}, "not a built-in or stored dataset on this server"),
    ({"dataset": "../../etc/passwd"}, "not a built-in or stored dataset on this server"),
    ({"dataset": "ds-000000000000"}, "not a built-in or stored dataset on this server"),
    ({"model": "../../../etc"}, "it is not in the library"),
])
def test_a_bad_link_is_ignored_with_a_notice(app_dirs, params, notice):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    assert any(notice in i.value for i in at.info), [i.value for i in at.info]
    assert at.session_state["dataset_spec"] == "sample" and not at.session_state["user_id"]


# --- the Train form ------------------------------------------------------------------------------

def test_the_train_form_says_why_it_will_not_start(app_dirs):
    """3 heads cannot split an embedding of 64: the form says so in its own words (it used to rerun the
    page at once, wiping the message, so "Start training" seemed to do nothing)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    at.selectbox(key="train_arch").select("self").run()
    at.number_input(key="train_heads").set_value(3).run()
    at.button(key="train_start").click().run()
    assert not at.exception
    assert any("Embedding size 64: does not divide into 3 Heads" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["job"] is None if "job" in at.session_state else True
