"""Every bad input a user can bring ends as one line naming the file, the problem and the fix - never a traceback."""
import subprocess
import sys

import pytest

from recsys_core.data.loaders import load_path
from recsys_core.data.preprocess import prepare
from recsys_core.errors import DataError
from tests.conftest import REPO


def bad(path, columns=None, match=""):
    with pytest.raises(DataError) as info:
        load_path(str(path), columns)
    msg = str(info.value)
    assert str(path) in msg and "Fix:" in msg and "\n" not in msg, msg
    assert match.lower() in msg.lower(), msg
    return msg


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    return f


def test_empty_file(tmp_path):
    bad(write(tmp_path, "a.csv", ""), match="empty")


def test_header_only_file(tmp_path):
    bad(write(tmp_path, "a.csv", "user_id,item_id,timestamp\n"), match="no interactions")


def test_empty_sasrec_and_recbole_files(tmp_path):
    bad(write(tmp_path, "a.txt", ""), match="empty")
    bad(write(tmp_path, "a.inter", "user_id:token\titem_id:token\n"), match="no interactions")


def test_columns_that_cannot_be_guessed(tmp_path):
    # No column's name says user or item, and no values look like ids (tests/test_column_guess.py guesses those).
    msg = bad(write(tmp_path, "a.csv", "note,colour,shade\nhello there,red,dark\n"), match="--columns user=COL,item=COL")
    assert "found: note, colour, shade" in msg


def test_mapping_names_a_missing_column(tmp_path):
    f = write(tmp_path, "a.csv", "person,thing,when\n1,2,3\n")
    msg = bad(f, {"user": "person", "item": "item_id", "timestamp": "when"}, match="item=item_id")
    assert "found: person, thing, when" in msg


def test_mapping_with_an_unknown_role(tmp_path):
    bad(write(tmp_path, "a.csv", "u,i,t\n1,2,3\n"), {"usr": "u", "item": "i"}, match="unknown role")


def test_a_semicolon_file_with_a_csv_name_is_read_not_refused(tmp_path):
    """Delimiters are detected (tests/test_delimiters.py has every one): a ;-separated .csv loads as it reads."""
    ds = load_path(str(write(tmp_path, "a.csv", "user_id;item_id;timestamp\n1;2;3\n")))
    assert ds.interactions[["user_id", "item_id", "timestamp"]].values.tolist() == [["1", "2", 3]]


def test_recbole_file_that_is_not_tab_separated(tmp_path):
    bad(write(tmp_path, "a.inter", "user_id:token,item_id:token\n1,2\n"), match="comma-separated")


def test_ragged_rows(tmp_path):
    bad(write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,3\n1,2,3,4,5\n"), match="cannot parse")


def test_non_utf8_text(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp,title\n1,2,3,Cafe\n1,3,4,Caf\xe9\n".encode("latin-1"))
    bad(f, match="not UTF-8 text (first bad byte on line 3)")


def test_non_numeric_timestamps(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,3\n1,3,yesterday\n")
    bad(f, match="'yesterday', which is not a number or a date")


def test_missing_ids(tmp_path):
    bad(write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,3\n,3,4\n"), match="1 rows have nothing in the user column (first at data row 2)")
    bad(write(tmp_path, "b.txt", "1 2\n1\n"), match="no item_id")


def test_non_numeric_sasrec_ids(tmp_path):
    bad(write(tmp_path, "a.txt", "user item\n1 2\n"), match="no header line")


def test_non_numeric_ratings(tmp_path):
    bad(write(tmp_path, "a.csv", "user_id,item_id,timestamp,rating\n1,2,3,five\n"), match="'five'")


def test_file_that_is_not_parquet(tmp_path):
    bad(write(tmp_path, "a.parquet", "user_id,item_id\n1,2\n"), match="not a readable Parquet file")


def test_movielens_100k_with_the_wrong_delimiter(tmp_path):
    write(tmp_path, "u.data", "1,2,3,4\n")
    bad(tmp_path / "u.data", match="tab")


def test_no_user_has_enough_interactions(tmp_path):
    ds = load_path(str(write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,3\n1,3,4\n2,2,5\n")))
    with pytest.raises(DataError) as info:
        prepare(ds)
    msg = str(info.value)
    assert str(tmp_path / "a.csv") in msg and "Fix:" in msg and "\n" not in msg and "at least 3" in msg


def test_duplicates_and_unsorted_times_are_fixed_with_a_notice(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,30\n1,2,30\n1,3,10\n1,2,30\n2,2,5\n")
    ds = load_path(str(f))
    assert ds.interactions[["item_id", "timestamp"]].values.tolist() == [["3", 10], ["2", 30], ["2", 5]]
    assert any("removed 2 exact duplicate rows" in n for n in ds.notices)
    assert any("1 interactions were out of time order" in n for n in ds.notices)


def test_cli_bad_file_is_one_line_on_stderr(tmp_path):
    f = write(tmp_path, "bad.csv", "a;b;c\nno id;here;at all\n")
    out = subprocess.run([sys.executable, "-m", "recsys_core", "stats", "--dataset", str(f)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1 and str(f) in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
