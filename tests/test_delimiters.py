"""Ratings files in every delimiter users export (comma, tab, semicolon, pipe, '::') load the same rows,
written here as real files; quoting, ragged rows, the row cap and headerless files behave as before."""
import pytest

from recsys_core.data.loaders import load_path, read_table_columns
from recsys_core.data.loaders.reading import detect_sep
from recsys_core.data.preview import sniff
from recsys_core.errors import DataError, phrase

SEPS = [",", "\t", ";", "|", "::"]
# uid, iid, ts, score: the export the issue quotes; user 2's rows are out of time order on purpose.
ROWS = [("u1", "10", 100, 4.0), ("u1", "11", 200, 3.5), ("u2", "10", 300, 5.0), ("u2", "12", 50, 1.0)]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def table(sep, rows=ROWS, header=("uid", "iid", "ts", "score")):
    lines = [sep.join(header)] + [sep.join(str(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sep", SEPS)
def test_every_delimiter_loads_the_same_rows(tmp_path, sep):
    f = write(tmp_path, "export.csv", table(sep))
    assert read_table_columns(f) == ["uid", "iid", "ts", "score"]
    ds = load_path(f)
    got = list(ds.interactions[["user_id", "item_id", "timestamp", "rating"]].itertuples(index=False, name=None))
    assert got == [("u1", "10", 100, 4.0), ("u1", "11", 200, 3.5), ("u2", "12", 50, 1.0), ("u2", "10", 300, 5.0)]


@pytest.mark.parametrize("sep", SEPS)
def test_the_preview_names_the_delimiter_and_guesses_the_roles(tmp_path, sep):
    p = sniff(write(tmp_path, "export.txt", table(sep)))
    assert p.sep == sep and p.header and p.kind == "ratings"
    assert p.columns == ["uid", "iid", "ts", "score"]
    assert p.guess == {"user": "uid", "item": "iid", "timestamp": "ts", "rating": "score"}
    assert p.rows.values.tolist() == [[str(v) for v in r] for r in ROWS]


def test_the_preview_shows_ten_rows_of_a_long_file(tmp_path):
    rows = [(f"u{i}", str(i), i, 1.0) for i in range(40)]
    p = sniff(write(tmp_path, "long.csv", table(";", rows)))
    assert len(p.rows) == 10 and p.rows.iloc[9].tolist() == ["u9", "9", "9", "1.0"]


def test_a_double_colon_file_keeps_single_colons_in_titles(tmp_path):
    f = write(tmp_path, "r.csv", "user::item::time::title\n1::7::5::Star Wars: Episode IV\n1::8::6::a:b\n")
    assert load_path(f).titles() == {"7": "Star Wars: Episode IV", "8": "a:b"}


def test_a_long_double_colon_file_reads_every_row_across_read_boundaries(tmp_path):
    rows = [(u, u * 13 % 997, u * 50 + i) for u in range(1, 3001) for i in range(20)]
    f = write(tmp_path, "big.csv", "user::item::timestamp\n" + "".join(f"{u}::{i}::{t}\n" for u, i, t in rows))
    ds = load_path(f)
    assert len(ds.interactions) == 60_000
    assert int(ds.interactions["timestamp"].sum()) == sum(t for _, _, t in rows)
    assert set(ds.interactions["item_id"]) == {str(i) for _, i, _ in rows}


def test_quoted_delimiters_stay_inside_their_field(tmp_path):
    f = write(tmp_path, "q.csv", 'user,item,ts,title\n1,2,3,"Heat, The"\n1,3,4,"A, B, C"\n2,2,5,Heat\n')
    assert detect_sep(open(f).read().splitlines()) == ","
    assert load_path(f).titles() == {"2": "Heat, The", "3": "A, B, C"}


def test_a_semicolon_file_with_commas_in_titles_is_semicolon_separated(tmp_path):
    f = write(tmp_path, "s.csv", "user;item;ts;title\n1;2;3;Heat, The\n1;3;4;Toys, Games, More\n")
    assert sniff(f).sep == ";"
    assert load_path(f).titles() == {"2": "Heat, The", "3": "Toys, Games, More"}


def test_a_tsv_file_with_pipes_in_a_genre_column_splits_on_tabs(tmp_path):
    f = write(tmp_path, "r.tsv", "user\titem\tts\tgenres\n1\t2\t3\tA|B\n1\t3\t4\tC|D\n")
    ds = load_path(f)
    assert ds.items.set_index("item_id").loc["2", "category"] == "A|B"


def test_ragged_rows_are_still_refused_in_any_delimiter(tmp_path):
    f = write(tmp_path, "a.csv", "user;item;ts\n1;2;3\n1;2;3;4;5\n")
    with pytest.raises(DataError, match="cannot parse"):
        load_path(f)


def test_one_row_in_another_delimiter_does_not_change_the_files_delimiter(tmp_path):
    f = write(tmp_path, "a.csv", "user_id,item_id,timestamp\n1,2,3\n1;3;4\n2,3,5\n")
    with pytest.raises(DataError, match="data row 2"):
        load_path(f)


@pytest.mark.parametrize("sep", [";", "::"])
def test_the_row_cap_applies_to_detected_delimiters(tmp_path, monkeypatch, sep):
    monkeypatch.setenv("ATTENTION_LENS_MAX_ROWS", "100")
    rows = [(f"u{i % 9}", str(i % 7), i, 1.0) for i in range(101)]
    with pytest.raises(DataError, match="more than 100 rows"):
        load_path(write(tmp_path, "a.csv", table(sep, rows)))
    assert len(load_path(write(tmp_path, "b.csv", table(sep, rows[:100]))).interactions) == 100


def test_a_headerless_ratings_file_names_its_columns_by_position(tmp_path):
    f = write(tmp_path, "h.csv", "1|10|100\n1|11|200\n2|10|300\n")
    assert read_table_columns(f) == ["col1", "col2", "col3"]
    guessed = load_path(f)  # ids by their values, in column order; 100..300 are no times: row order, said
    assert guessed.interactions[["user_id", "item_id"]].values.tolist() == [["1", "10"], ["1", "11"], ["2", "10"]]
    assert any("'col1' as the user column and 'col2' as the item column" in phrase(n) for n in guessed.notices)
    ds = load_path(f, {"user": "col1", "item": "col2", "timestamp": "col3"})
    assert list(ds.interactions[["user_id", "item_id", "timestamp"]].itertuples(index=False, name=None)) == [
        ("1", "10", 100), ("1", "11", 200), ("2", "10", 300)]


def test_a_repeated_column_is_refused_whatever_the_delimiter(tmp_path):
    with pytest.raises(DataError, match="item_id more than once"):
        load_path(write(tmp_path, "a.csv", "user_id::item_id::item_id::timestamp\n1::2::3::4\n"))


def test_double_colon_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    f = tmp_path / "l.csv"
    f.write_bytes(b"user::item::ts::title\n1::2::3::Cafe\n1::3::4::Caf\xe9\n")
    with pytest.raises(DataError, match=r"not UTF-8 text \(first bad byte on line 3\)"):
        load_path(str(f))


def test_a_semicolon_export_with_decimal_commas_reads_its_ratings(tmp_path):
    ds = load_path(write(tmp_path, "de.csv", "user;item;ts;rating\n1;2;3;4,5\n1;3;4;3\n"))
    assert ds.interactions["rating"].tolist() == [4.5, 3.0]
    with pytest.raises(DataError, match="non-numeric value 'four'"):
        load_path(write(tmp_path, "bad.csv", "user;item;ts;rating\n1;2;3;4,5\n1;3;4;four\n"))
