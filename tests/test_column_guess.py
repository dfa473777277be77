"""Own data maps itself: which column is the user, the item, the time, the rating, the title and the
category, guessed from names in several languages and from the values, on real files written here.
The guess is what the Data page's form pre-fills (tests/test_app_upload.py) and what the command line
uses when no --columns is given."""
import pandas as pd
import pytest

from recsys_core.data.guess import guess_roles
from recsys_core.data.loaders import load_path
from recsys_core.data.preview import sniff


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def orders(header: str, sep: str = ",", when=lambda k: f"2024-03-{k + 1:02d} 10:00", n_users: int = 6,
           last=lambda u, k: str((u + k) % 5 + 1)) -> str:
    """An export with `header`: user ids like C1001, product ids like 40017, times, and a last column."""
    rows = [sep.join([f"C{1000 + u}", str(40000 + (u * 7 + k * 3) % 23), when(k), last(u, k)])
            for u in range(n_users) for k in range(5)]
    return header + "\n" + "\n".join(rows) + "\n"


ISSUE_CASES = {  # the three exports of issue 21, and what each must map to
    "customer;product;when;stars": (
        ";", {"user": "customer", "item": "product", "timestamp": "when", "rating": "stars"}),
    "会员ID,商品编号,下单时间,数量": (
        ",", {"user": "会员ID", "item": "商品编号", "timestamp": "下单时间"}),  # 数量 is a quantity, not a rating
    "visitorid,itemid,timestamp,event": (
        ",", {"user": "visitorid", "item": "itemid", "timestamp": "timestamp"}),  # the event is not a category
}


@pytest.mark.parametrize("header", list(ISSUE_CASES))
def test_the_issues_exports_map_themselves(tmp_path, header):
    sep, expected = ISSUE_CASES[header]
    last = (lambda u, k: ["view", "addtocart", "transaction"][k % 3]) if "event" in header else None
    when = (lambda k: str(1433221332117 + 60_000 * k)) if "event" in header else None
    text = orders(header.replace(",", sep), sep, **{k: v for k, v in (("when", when), ("last", last)) if v})
    path = write(tmp_path, "export.csv", text)
    p = sniff(path, "ratings")
    assert p.guess == expected
    assert sniff(path).kind == "ratings" and sniff(path).guess == expected  # no kind given: still a ratings file
    ds = load_path(path)  # the command line maps it the same way, with no --columns
    assert len(ds.interactions) == 30 and ds.has_times
    assert ds.has_ratings == ("rating" in expected)
    assert set(ds.interactions["user_id"]) == {f"C{1000 + u}" for u in range(6)}


def test_title_is_never_the_product_id(tmp_path):
    """The issue: `customer;product;when;stars` guessed Title = product. A product column of ids is the item."""
    path = write(tmp_path, "shop.csv", orders("customer;product;when;stars", ";"))
    for kind in (None, "ratings", "catalogue"):
        p = sniff(path, kind)
        assert p.guess.get("title") != "product", (kind, p.guess)
    cat = write(tmp_path, "items.csv", "product;title;genre\n40017;Kettle 2000;Kitchen\n40018;Toaster;Kitchen\n")
    assert sniff(cat, "catalogue").guess == {"item": "product", "title": "title", "category": "genre"}


@pytest.mark.parametrize("header,expected", [
    ("Kundennummer;Artikelnummer;Bestelldatum;Bewertung",
     {"user": "Kundennummer", "item": "Artikelnummer", "timestamp": "Bestelldatum", "rating": "Bewertung"}),
    ("id_client;produit;date_commande;note",
     {"user": "id_client", "item": "produit", "timestamp": "date_commande", "rating": "note"}),
    ("usuario;producto;fecha;puntuación",
     {"user": "usuario", "item": "producto", "timestamp": "fecha", "rating": "puntuación"}),
    ("会員ID;商品コード;注文日時;評価", {"user": "会員ID", "item": "商品コード", "timestamp": "注文日時", "rating": "評価"}),
    ("用户ID;物品ID;时间戳;评分", {"user": "用户ID", "item": "物品ID", "timestamp": "时间戳", "rating": "评分"}),
    ("Buyer ID;SKU;Created At;Score", {"user": "Buyer ID", "item": "SKU", "timestamp": "Created At", "rating": "Score"}),
    ("memberId;articleNo;orderedAt;grade", {"user": "memberId", "item": "articleNo", "timestamp": "orderedAt",
                                            "rating": "grade"}),
])
def test_names_in_several_languages(tmp_path, header, expected):
    p = sniff(write(tmp_path, "export.csv", orders(header, ";")), "ratings")
    assert p.guess == expected
    for role, column in expected.items():
        assert column in p.reasons[role]  # what the guess rests on: the column's name


def test_titles_and_categories_by_name_and_a_product_name_is_a_title(tmp_path):
    text = ("user_id,product_id,order_date,product_name,product_category,quantity,price\n"
            "u1,p1,2024-01-01,Kettle Deluxe,Kitchen,1,20.5\nu1,p2,2024-01-02,Desk Lamp,Home,2,12.0\n")
    p = sniff(write(tmp_path, "orders.csv", text), "ratings")
    assert p.guess == {"user": "user_id", "item": "product_id", "timestamp": "order_date", "title": "product_name",
                       "category": "product_category"}
    cat = "商品编号,商品名称,类别\n1,电水壶 A1,厨房\n2,台灯,家居\n"
    assert sniff(write(tmp_path, "items.csv", cat), "catalogue").guess == {"item": "商品编号", "title": "商品名称",
                                                                          "category": "类别"}


def test_a_headerless_file_is_mapped_from_its_values(tmp_path):
    """u.data's layout without a header: ids, ids, a 1-5 rating, Unix seconds."""
    lines = [f"{u}\t{(u * 31 + k * 17) % 300 + 1}\t{(u + k) % 5 + 1}\t{881250949 + 3600 * k}"
             for u in range(1, 40) for k in range(4)]
    path = write(tmp_path, "u.data.tsv", "\n".join(lines) + "\n")
    p = sniff(path, "ratings")
    assert not p.header
    assert p.guess == {"user": "col1", "item": "col2", "rating": "col3", "timestamp": "col4"}
    assert "value" in p.reasons["timestamp"] and "value" in p.reasons["user"]
    ds = load_path(path)
    assert len(ds.interactions) == len(lines) and ds.has_ratings and ds.has_times
    assert any("from their values" in n for n in ds.notices)  # a content guess is said, not silent


def test_unknown_names_are_mapped_from_their_values(tmp_path):
    text = "a,b,c,d,e\n" + "".join(f"u{u},SKU-{(u + k) % 9:03d},2024-02-{k + 1:02d},{k % 5 + 1},Blue Mug {k}\n"
                                   for u in range(8) for k in range(4))
    g = guess_roles(["a", "b", "c", "d", "e"], pd.read_csv(write(tmp_path, "x.csv", text), dtype=str), "ratings")
    assert g.mapping == {"user": "a", "item": "b", "timestamp": "c", "rating": "d", "title": "e"}


def test_a_quantity_or_an_event_is_not_guessed_as_a_rating_or_category(tmp_path):
    g = guess_roles(["visitorid", "itemid", "timestamp", "event", "quantity"],
                    pd.DataFrame({"visitorid": ["1", "2"], "itemid": ["5", "6"], "timestamp": ["1433221332117"] * 2,
                                  "event": ["view", "addtocart"], "quantity": ["1", "3"]}), "ratings")
    assert g.mapping == {"user": "visitorid", "item": "itemid", "timestamp": "timestamp"}


def test_a_name_whose_values_disagree_is_not_guessed(tmp_path):
    """An 'order_time' of words is no timestamp, a 'title' of ids no title. A column named exactly
    'timestamp' keeps its role, so that loading it names the bad value instead of ignoring the column."""
    rows = pd.DataFrame({"user": ["a", "b"], "item": ["1", "2"], "order_time": ["morning", "evening"],
                         "title": ["10293", "10294"]})
    g = guess_roles(list(rows.columns), rows, "ratings")
    assert g.mapping == {"user": "user", "item": "item"}
    exact = rows.rename(columns={"order_time": "timestamp"})
    assert guess_roles(list(exact.columns), exact, "ratings").mapping["timestamp"] == "timestamp"
