"""The Data page's upload form through AppTest, with real files: an export that maps itself (and says what
each guess rests on), a mapping remembered for the next file of the same export, messages that name the
form's fields (never a command-line flag), a catalogue that matches under half the items (a warning with
ids from both files, nothing stored until asked), a file cut mid-row, and spreadsheets."""
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from recsys_core.data import stored

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60
NONE = "—"


@pytest.fixture(autouse=True)
def dirs(app_dirs):
    return app_dirs


def orders(header="customer;product;when;stars", users=6, start=0) -> str:
    sep = ";" if ";" in header else ","
    return header + "\n" + "".join(
        sep.join([f"C{1000 + u}", str(40000 + (u * 7 + k * 3) % 23), f"2024-03-{k + 1:02d} 10:00", str((u + k) % 5 + 1)])
        + "\n" for u in range(start, start + users) for k in range(5))


def upload(at: AppTest, name: str, data: bytes, key: str = "data_upload") -> AppTest:
    at.file_uploader(key=key).set_value((name, data, "application/octet-stream"))
    return at.run()


def menu(at: AppTest, role: str):
    return next(s for s in at.selectbox if s.label.split(" (")[0] == role)


def use(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Use this file").click().run()


def page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("error", "warning", "info", "success", "caption", "markdown")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_the_issues_export_maps_itself_and_says_why(dirs):
    at = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "shop.csv", orders().encode())
    assert not at.exception and not at.error
    chosen = {r: menu(at, r).value for r in ("User", "Item", "Timestamp", "Rating", "Title", "Category")}
    assert chosen == {"User": "customer", "Item": "product", "Timestamp": "when", "Rating": "stars",
                      "Title": NONE, "Category": NONE}  # never Title = product
    assert menu(at, "User").help == "Guessed from its name “customer”."
    assert any("User ← its name “customer”" in c.value for c in at.caption)
    at = use(at)
    assert not at.exception and not at.error
    (meta,) = stored.list_stored()
    assert at.session_state["dataset_spec"] == meta.id and meta.interactions == 30 and meta.has_ratings
    assert any("stored as “shop”" in s.value for s in at.success)


def test_a_confirmed_mapping_is_used_for_the_next_file_with_that_header(dirs):
    at = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "march.csv", orders().encode())
    menu(at, "Rating").set_value(NONE)  # the stars are not ratings in this shop: the user says so once
    at = use(at)
    assert not at.exception and not at.error and not stored.list_stored()[0].has_ratings
    # A new session (another visit, or a refresh) with the next month's file from the same export.
    again = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "april.csv", orders(start=6).encode())
    assert menu(again, "Rating").value == NONE and menu(again, "User").value == "customer"
    assert any("Mapped as you confirmed for this header" in c.value for c in again.caption)
    other = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "other.csv",
                   orders("product;customer;when;stars").encode())  # another header: guessed afresh
    assert menu(other, "Rating").value == "stars"


def test_the_page_names_the_forms_fields_never_a_flag(dirs):
    at = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "clicks.csv",
                b"customer,product,note\nC1,P1,hello there\nC1,P2,hi there\nC2,P1,ok then\n")
    at = use(at)  # no time column: stored, with a notice saying how to add one
    assert not at.exception and not at.error
    notice = next(i.value for i in at.info if "row order" in i.value)
    assert "choose the Timestamp column in the upload form" in notice
    bad = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "bad.csv",
                 b"customer,product,when\nC1,P1,yesterday\nC1,P2,today\n")
    menu(bad, "Timestamp").set_value("when")
    bad = use(bad)
    (error,) = bad.error
    assert "the Timestamp column holds 'yesterday'" in error.value and "choose the Timestamp column" in error.value
    for text in (page_text(at), page_text(bad)):
        assert "--columns" not in text and "pass --" not in text


def test_a_catalogue_matching_under_half_is_a_warning_with_ids_from_both_files(dirs):
    ratings = "user,item,timestamp\n" + "".join(f"u{u},{i},{u * 10 + i}\n" for u in range(3) for i in range(12, 20))
    catalogue = "sku,title\n" + "".join(f"SKU-{i},Thing {i}\n" for i in range(12, 20))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.file_uploader(key="data_catalogue").set_value(("products.csv", catalogue.encode(), "text/csv"))
    at = use(upload(at, "orders.csv", ratings.encode()))
    assert not at.exception and not at.success
    (warning,) = [w.value for w in at.warning if "only 0 of the 8 items" in w.value]
    assert "orders.csv: 12, 13" in warning and "products.csv: SKU-12, SKU-13" in warning
    assert "Nothing is stored yet" in warning and stored.list_stored() == []
    at = next(b for b in at.button if b.label == "Store with this catalogue anyway").click().run()
    (meta,) = stored.list_stored()
    assert meta.catalogue.share == 0 and at.session_state["dataset_spec"] == meta.id
    assert not at.success and any("0 of 8 items matched" in w.value for w in at.warning)  # never a green success


def test_storing_without_the_catalogue_is_the_other_answer(dirs):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.file_uploader(key="data_catalogue").set_value(("c.csv", b"sku,title\nSKU-1,A\nSKU-2,B\n", "text/csv"))
    at = use(upload(at, "r.csv", b"user,item,timestamp\nu1,1,1\nu1,2,2\nu2,1,3\n"))
    at = next(b for b in at.button if b.label == "Store without the catalogue").click().run()
    (meta,) = stored.list_stored()
    assert meta.catalogue is None and meta.files == ["r.csv"] and any("stored as" in s.value for s in at.success)


def test_a_file_cut_mid_row_is_said_on_the_page(dirs):
    text = orders().rstrip("\n")[:-12]  # the last row stops after "C1005;40011;" or so
    at = use(upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "cut.csv", text.encode()))
    assert not at.exception and not at.error
    assert any("ends in the middle of data row 30" in i.value for i in at.info)
    assert stored.list_stored()[0].interactions == 29


def test_an_xlsx_is_previewed_mapped_and_stored_and_an_xls_is_refused_in_words(dirs, tmp_path):
    path = tmp_path / "orders.xlsx"
    pd.DataFrame({"会员ID": ["m1", "m1", "m2"], "商品编号": ["g1", "g2", "g1"],
                  "下单时间": ["2024-03-01 10:00", "2024-03-02 11:00", "2024-03-02 12:00"], "数量": [1, 2, 1]}
                 ).to_excel(path, index=False)
    at = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "orders.xlsx", path.read_bytes())
    assert not at.exception and not at.error
    assert any("orders.xlsx" in m.value and "excel" in m.value for m in at.markdown)
    assert [menu(at, r).value for r in ("User", "Item", "Timestamp", "Rating")] == ["会员ID", "商品编号", "下单时间", NONE]
    at = use(at)
    assert not at.error and stored.list_stored()[0].interactions == 3
    old = upload(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "old.xls", b"\xd0\xcf\x11\xe0 binary")
    (error,) = old.error
    assert "old.xls: an Excel 97-2003 workbook (.xls) cannot be read here" in error.value and "Fix:" in error.value
    assert not [b for b in old.button if b.label == "Use this file"]
