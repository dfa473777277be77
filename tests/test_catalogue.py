"""Item catalogues from real files: every delimiter, a headerless Latin-1 movies.dat, Parquet, duplicate
and blank ids, extra columns, list-valued categories; the match report's numbers worked out by hand;
a dataset with the catalogue attached; and bad catalogues refused in one line that names the file."""
import os

import pandas as pd
import pytest

from recsys_core.data.catalogue import (
    CATALOGUE_ROLES,
    attach_catalogue,
    guess_catalogue_columns,
    load_catalogue,
    match_report,
)
from recsys_core.data.loaders import load_path
from recsys_core.data.preview import sniff
from recsys_core.errors import DataError

PRODUCTS = [("p1", "Kettle", "Kitchen", "Acme"), ("p2", "Toaster", "Kitchen", "Brava"), ("p3", "Lamp", "Home", "")]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def rows(cat, cols=("item_id", "title", "category")):
    return [tuple(r) for r in cat.items[list(cols)].itertuples(index=False, name=None)]


@pytest.mark.parametrize("sep", [",", "\t", ";", "|", "::"])
def test_every_delimiter_gives_the_same_catalogue(tmp_path, sep):
    text = sep.join(["product_id", "name", "category", "brand"]) + "\n" + "".join(sep.join(r) + "\n" for r in PRODUCTS)
    cat = load_catalogue(write(tmp_path, "products.txt", text))
    assert cat.mapping == {"item": "product_id", "title": "name", "category": "category"}
    assert list(cat.items.columns) == ["item_id", "title", "category", "brand"]
    assert rows(cat, ("item_id", "title", "category", "brand")) == PRODUCTS
    assert cat.notices == [] and cat.source.endswith("products.txt")


def test_headerless_latin1_movies_dat_is_read_by_position(tmp_path):
    f = write(tmp_path, "movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n"
                                      "2::Amélie (2001)::Comedy|Romance\n"
                                      "3::Star Wars: Episode IV (1977)::Sci-Fi\n".encode("latin-1"))
    p = sniff(f)
    assert (p.sep, p.header, p.encoding, p.columns) == ("::", False, "latin-1", ["col1", "col2", "col3"])
    assert p.guess == {"item": "col1", "title": "col2", "category": "col3"}
    for columns in (None, {"item": "col1", "title": "col2", "genres": "col3"}):
        cat = load_catalogue(f, columns)
        assert cat.mapping == {"item": "col1", "title": "col2", "category": "col3"}
        assert rows(cat) == [("1", "Toy Story (1995)", "Animation|Children's|Comedy"),
                             ("2", "Amélie (2001)", "Comedy|Romance"), ("3", "Star Wars: Episode IV (1977)", "Sci-Fi")]
        assert any("Latin-1" in n for n in cat.notices)


def test_a_header_with_known_names_is_a_header_even_with_numbers_below(tmp_path):
    cat = load_catalogue(write(tmp_path, "m.csv", "movieId,title,genres,year\n1,Heat,Action,1995\n"))
    assert rows(cat, ("item_id", "title", "category", "year")) == [("1", "Heat", "Action", "1995")]


def test_parquet_catalogue_with_int_ids_and_float_years(tmp_path):
    f = str(tmp_path / "items.parquet")
    pd.DataFrame({"sku": [12, 13, 14], "product_name": ["Mug", None, "Pan"],
                  "year": [2001.0, None, 1999.0], "price": [2.5, 3.0, 10.25]}).to_parquet(f)
    p = sniff(f)
    assert p.sep == "" and p.guess == {"item": "sku", "title": "product_name"}
    assert p.rows.values.tolist() == [["12", "Mug", "2001", "2.5"], ["13", "", "", "3.0"], ["14", "Pan", "1999", "10.25"]]
    cat = load_catalogue(f)
    assert rows(cat, ("item_id", "title", "category", "year", "price")) == [
        ("12", "Mug", "", "2001", "2.5"), ("13", "Item 13", "", "", "3.0"), ("14", "Pan", "", "1999", "10.25")]


def test_duplicate_ids_keep_the_first_row_with_a_notice(tmp_path):
    f = write(tmp_path, "c.csv", "id,title\n7,First\n8,Other\n7,Second\n 7 ,Third\n7.0,Fourth\n,No id\n")
    cat = load_catalogue(f)
    assert rows(cat, ("item_id", "title")) == [("7", "First"), ("8", "Other")]
    assert any("3 rows repeat an item id (first: '7'); kept the first row" in n for n in cat.notices)
    assert any("skipped 1 rows without an item id" in n for n in cat.notices)


def test_missing_titles_read_item_id(tmp_path):
    cat = load_catalogue(write(tmp_path, "c.csv", "item_id,category\na,X\nb,\n"))
    assert rows(cat) == [("a", "Item a", "X"), ("b", "Item b", "")]


def test_comma_separated_genres_become_pipe_lists_only_when_unambiguous(tmp_path):
    genres = "id;genres\n1;Action, Comedy\n2;Comedy, Drama\n3;Drama, Action\n4;Comedy\n"
    cat = load_catalogue(write(tmp_path, "g.csv", genres))
    assert cat.items["category"].tolist() == ["Action|Comedy", "Comedy|Drama", "Drama|Action", "Comedy"]
    assert any("wrote them '|'-separated" in n for n in cat.notices)
    # 'Garden & Tools' and 'Kitchen' occur once: these may be single categories with a comma in them.
    shop = load_catalogue(write(tmp_path, "s.csv", 'id,category\n1,"Home, Garden & Tools"\n2,"Home, Kitchen"\n'))
    assert shop.items["category"].tolist() == ["Home, Garden & Tools", "Home, Kitchen"] and shop.notices == []


def test_an_extra_column_named_like_a_role_is_kept_beside_it(tmp_path):
    cat = load_catalogue(write(tmp_path, "c.csv", "id,name,title\n1,Kettle,Mr\n"), {"item": "id", "title": "name"})
    assert rows(cat, ("item_id", "title", "title_2")) == [("1", "Kettle", "Mr")]


def test_guess_catalogue_columns_spellings():
    assert CATALOGUE_ROLES == ("item", "title", "category")
    assert guess_catalogue_columns(["SKU", "Product Name", "Categories"]) == {
        "item": "SKU", "title": "Product Name", "category": "Categories"}
    assert guess_catalogue_columns(["movie_id", "Title", "Genre", "id"]) == {
        "item": "movie_id", "title": "Title", "category": "Genre"}
    assert guess_catalogue_columns(["brand", "colour"]) == {}


# --- matching a dataset ------------------------------------------------------------------------

def _dataset(tmp_path):
    # Items 1, 2, 3, 12, 99 in interactions (2 twice); 3 has a title from the ratings file.
    return load_path(write(tmp_path, "r.csv", "user,item,ts,title\na,1,1,\na,2,2,\na,3,3,Old three\n"
                                              "b,12,4,\nb,99,5,\nb,2,6,\n"))


def _catalogue(tmp_path):
    return load_catalogue(write(tmp_path, "items.csv", "item_id,title,genres,brand\n1,One,A|B,X\n2,Two,B,\n"
                                                       "12.0,Twelve,C,Z\n50,Fifty,A,\n51,Fifty-one,B,Y\n"))


def test_match_report_counts_by_hand(tmp_path):
    ds, cat = _dataset(tmp_path), _catalogue(tmp_path)
    # distinct interaction items {1, 2, 3, 12, 99}; catalogue {1, 2, 12, 50, 51}
    rep = match_report(cat, ds.interactions["item_id"])
    assert (rep.matched, rep.unmatched, rep.catalogue_only) == (3, 2, 2)
    assert rep.unmatched_examples == ["3", "99"] and rep.share == pytest.approx(3 / 5)
    assert rep.summary() == ("3 of 5 items matched the catalogue (60%); 2 keep 'Item <id>' (e.g. 3, 99); "
                             "2 catalogue entries have no interactions.")
    assert match_report(cat, [12, "12", 12.0, " 1 "]).matched == 2


def test_examples_stop_at_five(tmp_path):
    cat = load_catalogue(write(tmp_path, "c.csv", "id,title\n1,One\n"))
    rep = match_report(cat, [str(i) for i in range(1, 11)])
    assert (rep.matched, rep.unmatched, rep.unmatched_examples) == (1, 9, ["2", "3", "4", "5", "6"])


def test_attach_takes_titles_from_the_catalogue_and_keeps_the_rest(tmp_path):
    ds = _dataset(tmp_path)
    before = ds.items.copy()
    out, rep = attach_catalogue(ds, _catalogue(tmp_path))
    assert rep.matched == 3 and out is not ds
    assert ds.items.equals(before)  # the old dataset is unchanged
    got = rows(out, ("item_id", "title", "category", "brand"))
    assert got == [("1", "One", "A|B", "X"), ("2", "Two", "B", ""), ("3", "Old three", "", ""),
                   ("12", "Twelve", "C", "Z"), ("99", "Item 99", "", ""), ("50", "Fifty", "A", ""),
                   ("51", "Fifty-one", "B", "Y")]
    assert out.titles()["12"] == "Twelve"  # the dataset's spelling of the id, found as 12.0
    assert out.interactions.equals(ds.interactions)


# --- bad catalogues ------------------------------------------------------------------------------

def one_line_error(path, columns=None) -> str:
    with pytest.raises(DataError) as info:
        load_catalogue(path, columns)
    msg = str(info.value)
    assert msg.startswith(path) and "Fix:" in msg and "\n" not in msg, msg
    return msg


def test_no_item_column_names_the_found_columns_and_the_fix(tmp_path):
    msg = one_line_error(write(tmp_path, "c.csv", "brand,colour\nacme,red\n"))
    assert "found: brand, colour" in msg and "--item-columns item=COL" in msg  # the flag `datasets add` has


def test_a_mapping_that_names_a_missing_column_or_role(tmp_path):
    f = write(tmp_path, "c.csv", "brand,colour\nacme,red\n")
    assert "item=sku" in one_line_error(f, {"item": "sku"})
    assert "unknown role(s) user" in one_line_error(f, {"user": "brand"})


def test_empty_header_only_and_binary_catalogues(tmp_path):
    assert "empty" in one_line_error(write(tmp_path, "empty.csv", ""))
    assert "only a header" in one_line_error(write(tmp_path, "h.csv", "item_id,title\n"))
    garbage = bytes(range(256)) * 20 + os.urandom(2000)
    assert "binary" in one_line_error(write(tmp_path, "g.csv", garbage))
    with pytest.raises(DataError, match="binary"):
        sniff(write(tmp_path, "g2.dat", garbage))
    assert "not a readable Parquet file" in one_line_error(write(tmp_path, "c.parquet", "item_id,title\n1,a\n"))
    assert "file not found" in one_line_error(str(tmp_path / "absent.csv"))


def test_attach_keeps_the_datasets_own_extra_item_columns(tmp_path):
    ds = _dataset(tmp_path)
    ds.items["follow_up"] = ["2", "", "", "", ""]  # like the embedded shop's trigger -> follow-up column
    out, _ = attach_catalogue(ds, _catalogue(tmp_path))
    assert out.items.set_index("item_id").loc[["1", "99"], ["title", "follow_up", "brand"]].values.tolist() == [
        ["One", "2", "X"], ["Item 99", "", ""]]
    assert out.items.set_index("item_id").loc["50", "follow_up"] == ""
