"""Own data, the core side, on real files: a file cut mid-row, a real .xlsx and the spreadsheets that are
refused in words, a catalogue that matches under half the items (example ids from both files), a
confirmed mapping remembered per header (atomically, on the server), and messages worded per front end
(the command line names its flags, the page the form's fields)."""
import json
import os

import pandas as pd
import pytest

from recsys_core.data import mappings, stored
from recsys_core.data.catalogue import CatalogueMismatch, load_catalogue, match_report
from recsys_core.data.loaders import load_path
from recsys_core.data.preview import sniff
from recsys_core.errors import CLI, DataError, phrase
from ui.wording import FORM


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_LENS_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("ATTENTION_LENS_STORE", raising=False)
    return tmp_path / "data"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


ORDERS = "customer;product;when;stars\n" + "".join(
    f"C{1000 + u};{40000 + (u * 7 + k * 3) % 23};{1700000000 + 86400 * k};{(u + k) % 5 + 1}\n"
    for u in range(6) for k in range(5))


# --- a file cut in the middle of a row ---------------------------------------------------------------

@pytest.mark.parametrize("cut", ["C1005;40011;17003", "C1005;4001", "C1005"])
def test_a_file_cut_mid_row_loses_that_row_with_a_notice_naming_it(tmp_path, cut):
    whole = ORDERS.splitlines()
    text = "\n".join(whole[:-1]) + "\n" + cut  # the download stopped inside the last row
    ds = load_path(write(tmp_path, "cut.csv", text))
    assert len(ds.interactions) == 29  # the 30th row is incomplete: left out, not half-read
    notice = next(n for n in ds.notices if "middle of" in n)
    assert "data row 30" in notice and repr(cut) in notice


def test_a_last_line_without_a_line_break_but_whole_is_no_notice(tmp_path):
    ds = load_path(write(tmp_path, "whole.csv", ORDERS.rstrip("\n")))
    assert len(ds.interactions) == 30 and not any("middle of" in n for n in ds.notices)


def test_a_catalogue_cut_mid_row_says_so_too(tmp_path):
    cat = load_catalogue(write(tmp_path, "items.csv", "id;title;genre\n1;Kettle;Kitchen\n2;Toa"))
    assert cat.items["item_id"].tolist() == ["1"] and any("data row 2" in n for n in cat.notices)


# --- spreadsheets -------------------------------------------------------------------------------------

def _xlsx(tmp_path, name="orders.xlsx", frame=None, **sheets) -> str:
    path = str(tmp_path / name)
    frame = frame if frame is not None else pd.DataFrame({
        "Kunde": [f"C{1000 + u}" for u in range(4) for _ in range(3)],
        "Artikel": [f"0{40 + (u + k) % 5}" for u in range(4) for k in range(3)],  # a leading zero to keep
        "Bestelldatum": [pd.Timestamp("2024-03-01") + pd.Timedelta(days=k) for _ in range(4) for k in range(3)],
        "Bewertung": [(u + k) % 5 + 1 for u in range(4) for k in range(3)]})
    with pd.ExcelWriter(path, engine="openpyxl") as w:
        frame.to_excel(w, sheet_name="Bestellungen", index=False)
        for sheet, other in sheets.items():
            other.to_excel(w, sheet_name=sheet, index=False)
    return path


def test_a_real_xlsx_is_previewed_guessed_and_read(tmp_path):
    path = _xlsx(tmp_path, Notizen=pd.DataFrame({"x": [1]}))
    p = sniff(path)
    assert p.fmt == "excel" and p.kind == "ratings" and p.rows.iloc[0].tolist()[:2] == ["C1000", "040"]
    assert p.guess == {"user": "Kunde", "item": "Artikel", "timestamp": "Bestelldatum", "rating": "Bewertung"}
    ds = load_path(path)
    assert ds.fmt == "excel" and len(ds.interactions) == 12 and ds.has_ratings
    assert "040" in set(ds.interactions["item_id"])
    assert ds.interactions["timestamp"].min() == pd.Timestamp("2024-03-01", tz="UTC").timestamp()
    assert any("first sheet, “Bestellungen”, of 2" in n for n in ds.notices)


def test_an_xlsx_catalogue_is_read(tmp_path):
    path = _xlsx(tmp_path, "items.xlsx", pd.DataFrame({"SKU": ["040", "041"], "Produktname": ["Kessel A", "Lampe"]}))
    assert load_catalogue(path).items[["item_id", "title"]].values.tolist() == [["040", "Kessel A"], ["041", "Lampe"]]


@pytest.mark.parametrize("name,what", [("old.xls", "Excel 97-2003"), ("sheet.ods", "OpenDocument"),
                                       ("shop.numbers", "Apple Numbers")])
def test_other_spreadsheets_are_refused_in_words(tmp_path, name, what):
    with pytest.raises(DataError, match=f"{what}.*Fix: save it from the spreadsheet as .xlsx, or as CSV"):
        load_path(write(tmp_path, name, b"\xd0\xcf\x11\xe0 not really"))


def test_a_damaged_xlsx_is_one_line(tmp_path):
    with pytest.raises(DataError, match="not a readable .xlsx workbook.*Fix:"):
        load_path(write(tmp_path, "broken.xlsx", b"PK\x03\x04 cut short"))


# --- a catalogue that matches under half the items -----------------------------------------------------

def test_a_catalogue_under_half_matched_names_ids_from_both_files_and_stores_nothing(tmp_path, data_dir):
    ratings = write(tmp_path, "r.csv", "user,item,timestamp\n" + "".join(f"u{u},{i},{u * 10 + i}\n"
                                                                           for u in range(3) for i in range(12, 20)))
    catalogue = write(tmp_path, "c.csv", "sku,title\n" + "".join(f"SKU-{i},Thing {i}\n" for i in range(12, 20)))
    report = match_report(load_catalogue(catalogue), load_path(ratings).interactions["item_id"])
    assert report.share == 0 and report.unmatched_examples[:2] == ["12", "13"]
    assert report.catalogue_only_examples[:2] == ["SKU-12", "SKU-13"]
    shown = {ratings: "orders.csv", catalogue: "products.csv"}
    with pytest.raises(CatalogueMismatch) as e:
        stored.add(ratings, catalogue, shown=shown, least_match=0.5)
    msg = str(e.value)
    assert "only 0 of the 8 items in orders.csv" in msg and "12, 13" in msg and "SKU-12, SKU-13" in msg
    assert str(tmp_path) not in msg and stored.list_stored() == []  # nothing stored as if all went well
    meta = stored.add(ratings, catalogue, shown=shown)  # asked for anyway: stored, and its record says so
    assert meta.catalogue.share == 0 and meta.catalogue.catalogue_only_examples[:1] == ["SKU-12"]


def test_a_catalogue_over_half_matched_is_stored(tmp_path, data_dir):
    ratings = write(tmp_path, "r.csv", "user,item,timestamp\nu1,1,1\nu1,2,2\nu2,3,3\n")
    catalogue = write(tmp_path, "c.csv", "id,title\n1,A\n2,B\n")
    assert stored.add(ratings, catalogue, least_match=0.5).catalogue.matched == 2


# --- a confirmed mapping is remembered per header -------------------------------------------------------

def test_a_confirmed_mapping_is_recalled_for_the_same_header_only(tmp_path, data_dir):
    header = ["customer", "product", "when", "stars"]
    confirmed = {"user": "customer", "item": "product", "timestamp": "when", "rating": ""}  # stars left out
    mappings.remember("ratings", header, confirmed)
    files = os.listdir(mappings.folder())
    assert len(files) == 1 and not [f for f in files if f.startswith(".tmp")]  # written whole, then renamed
    memo = mappings.recall("ratings", header)
    assert memo.mapping == {**confirmed, "title": "", "category": ""}
    assert json.load(open(os.path.join(mappings.folder(), files[0]), encoding="utf-8"))["columns"] == header
    assert mappings.recall("ratings", header[::-1]) is None  # another order is another header
    assert mappings.recall("catalogue", header) is None
    p = mappings.with_remembered(sniff(write(tmp_path, "again.csv", ORDERS), "ratings"))
    assert p.guess == {"user": "customer", "item": "product", "timestamp": "when"} and p.remembered
    assert all("confirmed for this header" in why for why in p.reasons.values())


def test_a_damaged_memory_reads_as_nothing_remembered(tmp_path, data_dir):
    mappings.remember("ratings", ["a", "b"], {"user": "a", "item": "b"})
    (f,) = os.listdir(mappings.folder())
    with open(os.path.join(mappings.folder(), f), "w") as out:
        out.write("{not json")
    assert mappings.recall("ratings", ["a", "b"]) is None


# --- one message, each front end's words --------------------------------------------------------------

def test_messages_name_flags_on_the_command_line_and_form_fields_on_the_page(tmp_path):
    with pytest.raises(DataError) as e:
        load_path(write(tmp_path, "a.csv", "note,colour\nhello there,red\n"))
    assert "Fix: pass --columns user=COL,item=COL" in str(e.value)
    page = e.value.worded(FORM)
    assert "--" not in page and "choose the User and Item columns in the upload form" in page
    ds = load_path(write(tmp_path, "b.csv", "customer,product\nc1,p1\nc1,p2\n"))
    (notice,) = [n for n in ds.notices if "row order" in n]
    assert "pass --columns timestamp=COL" in phrase(notice, CLI)
    assert "choose the Timestamp column in the upload form" in phrase(notice, FORM) and "--" not in phrase(notice, FORM)
    with pytest.raises(DataError) as e:
        load_path(write(tmp_path, "c.csv", "user,item,timestamp,rating\n1,2,3,five\n"))
    assert "the Rating column ('rating') has the non-numeric value 'five'" in e.value.worded(FORM)
    assert "set Rating to “—”" in e.value.worded(FORM)


def test_the_cli_stores_a_poorly_matching_catalogue_with_a_warning_naming_both_files_ids(tmp_path, data_dir, capsys):
    from recsys_core.cli.main import main
    ratings = write(tmp_path, "r.csv", "user,item,timestamp\nu1,12,1\nu1,13,2\nu2,12,3\n")
    catalogue = write(tmp_path, "c.csv", "sku,title\nSKU-12,A\nSKU-13,B\n")
    assert main(["datasets", "add", ratings, "--items", catalogue]) == 0
    err = capsys.readouterr().err
    assert "warning: catalogue c.csv: 0 of 2 items matched" in err and "unmatched e.g. 12, 13" in err
    assert "only in the catalogue e.g. SKU-12, SKU-13" in err


def test_trailing_blanks_after_the_last_line_are_not_a_cut_row(tmp_path):
    ds = load_path(write(tmp_path, "blank.csv", ORDERS + "   "))
    assert len(ds.interactions) == 30 and not any("middle of" in n for n in ds.notices)
