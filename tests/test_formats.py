"""Every supported format, from small files written here: the loaded rows, titles and flags are exact."""
import pandas as pd
import pytest

from recsys_core.data.loaders import (
    detect_format,
    guess_columns,
    load_path,
    read_table_columns,
)


def rows(ds):
    return list(ds.interactions[["user_id", "item_id", "timestamp"]].itertuples(index=False, name=None))


def test_sasrec_text_uses_line_order_as_time(tmp_path):
    f = tmp_path / "beauty.txt"
    f.write_text("1 5\n2 3\n1 7\n1 5\n2  4\n")
    ds = load_path(str(f))
    assert ds.fmt == "sasrec" and ds.name == "beauty" and not ds.has_times and not ds.has_ratings
    assert rows(ds) == [("1", "5", 0), ("1", "7", 2), ("1", "5", 3), ("2", "3", 1), ("2", "4", 4)]
    assert ds.titles()["7"] == "Item 7"


RECBOLE_INTER = ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
                 "10\t1\t4.0\t300.0\n10\t2\t3.0\t100\n20\t1\t5\t200\n")


def test_recbole_inter_with_item_file_from_folder(tmp_path):
    folder = tmp_path / "ml-tiny"
    folder.mkdir()
    (folder / "ml-tiny.inter").write_text(RECBOLE_INTER)
    (folder / "ml-tiny.item").write_text('item_id:token\tmovie_title:token_seq\trelease_year:token\tgenre:token_seq\n'
                                         '1\tToy "Story\t1995\tAnimation Comedy\n2\tHeat\t1995\tAction\n')
    ds = load_path(str(folder))
    assert ds.fmt == "recbole" and ds.name == "ml-tiny" and ds.has_times and ds.has_ratings
    assert rows(ds) == [("10", "2", 100), ("10", "1", 300), ("20", "1", 200)]
    assert ds.interactions["rating"].tolist() == [3.0, 4.0, 5.0]
    items = ds.items.set_index("item_id")
    assert items.loc["1", "title"] == 'Toy "Story'  # no CSV quoting in atomic files
    assert items.loc["1", "category"] == "Animation|Comedy"
    assert any("out of time order" in n for n in ds.notices)


def test_recbole_inter_alone_without_time(tmp_path):
    f = tmp_path / "shop.inter"
    f.write_text("session_user:token\tproduct_item:token\nu1\ta\nu1\tb\nu2\ta\n")
    ds = load_path(str(f))
    assert not ds.has_times and not ds.has_ratings
    assert rows(ds) == [("u1", "a", 0), ("u1", "b", 1), ("u2", "a", 2)]
    assert ds.titles() == {"a": "Item a", "b": "Item b"}


def test_csv_with_a_column_mapping(tmp_path):
    f = tmp_path / "log.csv"
    f.write_text("who,what,when,stars,label\nann,x1,2024-05-02,5,Kettle\nann,x2,2024-05-01,3,\nbob,x2,2024-05-03,4,Toaster\n")
    ds = load_path(str(f), {"user": "who", "item": "what", "timestamp": "when", "rating": "stars", "title": "label"})
    assert ds.fmt == "csv" and ds.has_ratings and ds.has_times
    assert rows(ds) == [("ann", "x2", 1714521600), ("ann", "x1", 1714608000), ("bob", "x2", 1714694400)]
    assert ds.titles() == {"x1": "Kettle", "x2": "Toaster"}  # first non-empty title per item


def test_csv_with_guessed_columns(tmp_path):
    f = tmp_path / "ratings.tsv"
    f.write_text("userId\tmovieId\trating\ttimestamp\ttitle\n1\t0031\t4.5\t20\tA\n1\t0032\t3\t10\tB\n")
    assert guess_columns(read_table_columns(str(f))) == {
        "user": "userId", "item": "movieId", "timestamp": "timestamp", "rating": "rating", "title": "title"}
    ds = load_path(str(f))
    assert rows(ds) == [("1", "0032", 10), ("1", "0031", 20)]  # ids stay strings: leading zeros kept
    assert ds.titles() == {"0031": "A", "0032": "B"}


def test_csv_without_a_time_column_uses_row_order(tmp_path):
    f = tmp_path / "clicks.csv"
    f.write_text("customer_id,product_id\nc1,p1\nc1,p2\n")
    ds = load_path(str(f))
    assert not ds.has_times and rows(ds) == [("c1", "p1", 0), ("c1", "p2", 1)]
    assert any("no timestamp column" in n for n in ds.notices)


def test_guess_columns_spellings():
    assert guess_columns(["User ID", "item-id", "ts"]) == {"user": "User ID", "item": "item-id", "timestamp": "ts"}
    assert guess_columns(["uid", "iid", "datetime", "score", "name"]) == {
        "user": "uid", "item": "iid", "timestamp": "datetime", "rating": "score", "title": "name"}
    assert guess_columns(["a", "b"]) == {}


def test_parquet_with_int_ids_and_datetimes(tmp_path):
    f = tmp_path / "events.parquet"
    pd.DataFrame({"user_id": [7, 7, 8], "item_id": [1, 2, 1],
                  "time": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-01"]).as_unit("ns"),
                  "extra": [0.1, 0.2, 0.3]}).to_parquet(f)
    assert read_table_columns(str(f)) == ["user_id", "item_id", "time", "extra"]
    ds = load_path(str(f))
    assert ds.fmt == "parquet" and ds.name == "events"
    assert rows(ds) == [("7", "1", 1714521600), ("7", "2", 1714608000), ("8", "1", 1714521600)]


def test_movielens_1m_folder_with_latin1_titles(tmp_path):
    (tmp_path / "ratings.dat").write_bytes(b"1::10::5::978300760\n1::20::3::978300700\n2::10::4::978300000\n")
    (tmp_path / "movies.dat").write_bytes("10::Amélie (2001)::Comedy|Romance\n20::Star Wars: Episode IV (1977)::Sci-Fi\n"
                                          .encode("latin-1"))
    ds = load_path(str(tmp_path))
    assert ds.fmt == "movielens-1m" and ds.has_ratings
    assert rows(ds) == [("1", "20", 978300700), ("1", "10", 978300760), ("2", "10", 978300000)]
    assert ds.titles() == {"10": "Amélie (2001)", "20": "Star Wars: Episode IV (1977)"}


@pytest.mark.parametrize("files, expected", [
    (["interactions.csv", "items.csv"], "sample"),
    (["u.data", "u.item"], "movielens-100k"),
    (["ratings.dat"], "movielens-1m"),
    (["ratings.csv", "movies.csv"], "movielens-latest"),
    (["x.inter"], "recbole"),
])
def test_detect_format_folders(tmp_path, files, expected):
    for name in files:
        (tmp_path / name).write_text("")
    assert detect_format(str(tmp_path)) == expected


@pytest.mark.parametrize("name, expected", [
    ("u.data", "movielens-100k"), ("ratings.dat", "movielens-1m"), ("a.inter", "recbole"), ("a.parquet", "parquet"),
    ("a.pq", "parquet"), ("a.csv", "csv"), ("a.TSV", "csv"), ("a.txt", "sasrec"),
])
def test_detect_format_files(tmp_path, name, expected):
    (tmp_path / name).write_text("")
    assert detect_format(str(tmp_path / name)) == expected
