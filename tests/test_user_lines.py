"""One line per user (`user item1 item2 … itemN`, the S3-Rec / ICLRec text format): told apart from SASRec
pairs by content, read exactly, refused with one-line messages, and taken by the CLI and the dataset store.
Real files on disk; the Amazon Beauty checks read ../shared/datasets (skipped when absent, failed under CI)."""
import zipfile

import pytest

from recsys_core.data import stored
from recsys_core.data.loaders import detect_format, load_path
from recsys_core.data.registry import load_dataset
from recsys_core.errors import DataError
from tests.conftest import SHARED, need


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    return f


def rows(ds):
    return list(ds.interactions[["user_id", "item_id", "timestamp"]].itertuples(index=False, name=None))


def refused(path, match):
    with pytest.raises(DataError) as info:
        load_path(str(path))
    msg = str(info.value)
    assert str(path) in msg and "Fix:" in msg and "\n" not in msg, msg
    assert match.lower() in msg.lower(), msg
    return msg


def test_one_line_per_user_keeps_each_line_in_order(tmp_path):
    f = write(tmp_path, "shop.txt", "1 5 6 7\n2 3 4\n\n3 9 5 2 1\n")
    assert detect_format(str(f)) == "user-lines"
    ds = load_path(str(f))
    assert ds.fmt == "user-lines" and ds.name == "shop" and not ds.has_times and not ds.has_ratings
    assert rows(ds) == [("1", "5", 0), ("1", "6", 1), ("1", "7", 2), ("2", "3", 3), ("2", "4", 4),
                        ("3", "9", 5), ("3", "5", 6), ("3", "2", 7), ("3", "1", 8)]
    assert ds.titles()["9"] == "Item 9"


def test_a_repeated_item_in_a_users_line_is_two_interactions(tmp_path):
    ds = load_path(str(write(tmp_path, "a.txt", "1 4 4 5\n2 4 5\n")))
    assert [r[1] for r in rows(ds) if r[0] == "1"] == ["4", "4", "5"]
    assert not ds.notices  # not exact duplicates: each has its own place in time


@pytest.mark.parametrize("text, kind", [
    ("1 5\n2 3\n1 7\n", "sasrec"),  # pairs, users interleaved
    ("1 5\n2 3\n3 7\n", "sasrec"),  # one item per user: both readings give the same rows
    ("1 5 2\n1 6 3\n2 7 4\n", "sasrec"),  # a fixed 3-column table whose users repeat: not one line per user
    ("1 5 6\n2 3 4\n", "user-lines"),  # equal lengths, each user once
    ("1 5 6 7\n2 3\n", "user-lines"),
])
def test_told_apart_from_sasrec_pairs_by_content(tmp_path, text, kind):
    assert detect_format(str(write(tmp_path, "a.txt", text))) == kind


def test_a_table_with_more_columns_keeps_the_pairs_message(tmp_path):
    refused(write(tmp_path, "a.txt", "1 5 2\n1 6 3\n2 7 4\n"), "found 3 on every line")


def test_a_user_on_two_lines_is_refused(tmp_path):
    msg = refused(write(tmp_path, "a.txt", "1 5 6 7\n2 3 4\n1 8\n"), "user 1 is on lines 1 and 3")
    assert "2 fields" in msg  # the fix for a SASRec pairs file with one stray field


def test_a_user_without_items_is_refused(tmp_path):
    refused(write(tmp_path, "a.txt", "1 5 6 7\n2\n3 4 5\n"), "1 lines have a user and no item_id (first on line 2)")


@pytest.mark.parametrize("text, match", [
    ("user items\n1 5 6 7\n", "user_id user on line 1 is not a whole number"),
    ("1 5 6 7\n2 3 x\n", "item_id x on line 2 is not a whole number"),
    ("1 5 6 7\n2 3 0\n", "item_id 0 on line 2"),
    ("1 5 6 7\n2.5 3 4\n", "user_id 2.5 on line 2"),
])
def test_ids_must_be_whole_numbers_from_one(tmp_path, text, match):
    refused(write(tmp_path, "a.txt", text), match)


def test_binary_and_non_utf8_files_are_refused(tmp_path):
    refused(write(tmp_path, "a.txt", b"1 2 3 4\n2 3 4 5\n" + "3 4 5 \xe9\n".encode("latin-1")),
            "not UTF-8 text (first bad byte on line 3)")


def test_the_row_cap_counts_interactions(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LENS_MAX_ROWS", "10")
    refused(write(tmp_path, "a.txt", "1 1 2 3 4 5\n2 1 2 3 4 5 6\n"), "more than 10 rows")
    monkeypatch.setenv("ATTENTION_LENS_MAX_ROWS", "11")
    assert len(load_path(str(tmp_path / "a.txt")).interactions) == 11


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LENS_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("ATTENTION_LENS_STORE", raising=False)
    monkeypatch.delenv("ATTENTION_LENS_STORE_MB", raising=False)
    return tmp_path / "data"


def test_the_dataset_store_takes_it_as_a_file_and_zipped(tmp_path, data_dir):
    f = write(tmp_path, "shop.txt", "".join(f"{u} " + " ".join(str(1 + (u * k) % 17) for k in range(1, 6)) + "\n"
                                          for u in range(1, 21)))
    meta = stored.add(str(f), name="Shop")  # what the Data page's "Use this file" and `datasets add` call
    assert meta.fmt == "user-lines" and (meta.users, meta.interactions) == (20, 100) and not meta.has_times
    assert rows(load_dataset(meta.id)) == rows(load_path(str(f)))
    z = tmp_path / "shop.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(f, "export/shop.txt")
    assert stored.add(str(z)).interactions == 100


BEAUTY = SHARED / "amazon-beauty" / "Beauty.txt"


def test_cli_stats_on_amazon_beauty(capsys):
    from recsys_core.cli.main import main
    assert main(["stats", "--dataset", str(need(BEAUTY, "Amazon Beauty"))]) == 0
    out = capsys.readouterr().out
    assert "(user-lines)" in out and "users         22,363" in out
    assert "12,101 with interactions" in out and "interactions  198,502" in out
