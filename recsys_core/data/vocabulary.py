"""The words that name a column's role in exports, in English, German, French, Spanish, Portuguese,
Italian, Dutch, Chinese, Japanese and Korean, and how a column's name is matched against them
(`name_role`). Names are folded first (`fold`: NFKC, case-folded, Latin accents dropped), so
"Kundennummer", "kunden_nummer" and "KUNDEN-NUMMER" read alike, and "ＩＤ" is "id".

A match has a tier: 3 the whole name is a word (or a word with an id marker: "visitorid", "商品编号"),
2 one of its tokens is ("order_date", "Product Name"; a CJK word anywhere in a CJK name: "下单时间"),
1 a Latin compound starts or ends with a longer word ("bestelldatum", "kundennummer"). A name that
matches several roles resolves by `PRIORITY`: "order_date" is a time, "product_rating" a rating,
"item_count" nothing (a count), "product_category" a category, "product_name" a title, "title_id" an
id. The "other" role is for columns that look like ids or ratings but are not: an order number, a
quantity, a price, an event type. Guessing from values is `guess`; this module only reads names.
"""
import re
import unicodedata
from dataclasses import dataclass

_WORDS = {
    "user": """user users userid uid username customer customers customerid cust custid client clientid member
        memberid visitor visitorid buyer buyerid shopper account accountid reviewer reviewerid subscriber
        viewer listener reader person profile learner student player
        nutzer benutzer kunde kunden kundenid mitglied käufer besucher anwender
        utilisateur membre acheteur visiteur abonné
        usuario miembro comprador visitante socio
        usuário utente cliente gebruiker klant lid
        用户 用戶 会员 會員 客户 客戶 顾客 顧客 买家 買家 访客 訪客 买方
        ユーザー ユーザ 会員 顧客 購入者 訪問者 お客様 利用者
        사용자 회원 고객 구매자""",
    "item": """item items itemid iid product products productid prod pid sku article articleid goods good
        merchandise movie movieid film filmid book bookid isbn asin song songid track trackid video videoid
        course courseid listing offer object ean gtin upc
        artikel produkt produktid ware waren
        produit objet idproduit livre
        producto articulo artículo mercancía pelicula película libro
        produto artigo prodotto articolo
        商品 产品 產品 物品 货品 貨品 电影 電影 图书 圖書 歌曲
        製品 アイテム 品目 品番 作品 映画
        상품 제품 아이템""",
    "timestamp": """timestamp timestamps time ts date datetime when created createdat creationdate ordered orderedat
        orderdate orderdatetime purchased purchasedat purchasedate purchasetime eventtime rated ratedat
        clicked viewed visited day unixtime epoch dt occurredat
        zeit datum zeitstempel zeitpunkt bestelldatum kaufdatum erstellt uhrzeit
        heure horodatage quand créé
        fecha hora cuando creado marcadetiempo
        data quando orario tijd datum
        时间 時間 日期 时间戳 時間戳 时刻 下单 下單 购买时间 創建
        日時 日付 時刻 注文日 購入日 タイムスタンプ 登録日
        시간 날짜 일시""",
    "rating": """rating ratings score scores stars star grade rate vote votes points evaluation preference note nota
        bewertung sterne punkte punktzahl
        évaluation étoiles avis
        calificación puntuación valoración estrellas puntaje
        avaliação classificação voto valutazione punteggio beoordeling cijfer
        评分 評分 评价 評價 星级 星級 打分 分数 分數
        評価 点数 スコア 星
        평점 별점 점수""",
    "title": """title name productname itemname moviename label heading
        titel bezeichnung produktname artikelname
        titre nom libellé libelle
        título titulo nombre nombreproducto
        nome titolo naam
        标题 標題 名称 名稱 品名 名字 商品名 片名 书名
        タイトル 名前 商品名 題名 名称
        제목 이름 상품명""",
    "category": """category categories categoryid catid genre genres type kind class department section tag tags
        group segment
        kategorie kategorien gattung typ gruppe abteilung warengruppe
        catégorie rayon famille
        categoría género tipo departamento familia
        categoria gênero genere categorie soort
        类别 類別 分类 分類 类目 類目 品类 品類 类型 類型 种类 種類
        カテゴリ カテゴリー ジャンル 分類 種別
        카테고리 장르 분류""",
    "other": """quantity qty count counts amount price cost total revenue sales sum event events action behavior
        behaviour eventtype order orderid ordernumber transaction transactionid invoice basket cart session
        sessionid page url ip device country city region status channel source payment discount currency
        review comment comments description text duration position index row weight size color colour
        year years month age rank ranking version edition stock inventory brand
        menge anzahl preis betrag bestellung bestellnummer ereignis jahr marke
        quantité prix montant commande événement année marque
        cantidad precio importe pedido evento año marca
        数量 金额 金額 价格 價格 订单 訂單 订单号 行为 行為 事件 次数 销量 年份 品牌
        個数 価格 注文 注文番号 行動 イベント
        수량 가격 금액 주문""",
}
# A name with one of these beside a role word is an id column: "visitorid", "商品编号", "Kundennummer".
_ID_MARKERS = """id ids no nr num number nummer numero número code key ref identifier identifiant codigo código
    编号 編號 号 號 码 碼 编码 代码 番号 コード 번호 아이디""".split()
# When one name matches several roles: the first listed wins (see the module docstring).
PRIORITY = ("timestamp", "rating", "other", "category", "title", "item", "user")
ROLES = tuple(r for r in PRIORITY if r != "other")


def fold(text: str) -> str:
    """Case-folded NFKC with the accents of Latin letters dropped ("Puntuación" -> "puntuacion")."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)
        out.append(base[0] if base[0].isascii() else ch)
    return "".join(out)


def _is_cjk(word: str) -> bool:
    return any(not ch.isascii() for ch in word)


WORDS = {role: frozenset(fold(w) for w in text.split()) for role, text in _WORDS.items()}
ID_MARKERS = frozenset(fold(w) for w in _ID_MARKERS)
_CJK_WORDS = {role: sorted((w for w in words if _is_cjk(w)), key=len, reverse=True) for role, words in WORDS.items()}
_CJK_MARKERS = [m for m in ID_MARKERS if _is_cjk(m)]
_MARKERS_LONGEST_FIRST = sorted(ID_MARKERS, key=len, reverse=True)
# Every word a header may hold, folded and without separators: a first line with one of them is a header.
KNOWN = frozenset(re.sub(r"[\s_\-]", "", w) for words in WORDS.values() for w in words if w)


@dataclass(frozen=True)
class NameMatch:
    role: str  # one of PRIORITY
    word: str  # the vocabulary word it matched
    tier: int  # 3 whole name, 2 a token, 1 a compound's start or end


def tokens(name: str) -> list[str]:
    """Folded Latin tokens split at separators and camelCase ("createdAt" -> created, at), and CJK runs."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", unicodedata.normalize("NFKC", str(name)))
    return re.findall(r"[a-z0-9]+|[^\sa-z0-9_\-.,;:/()\[\]#]+", fold(spaced))


def _strip_marker(joined: str) -> str | None:
    """A role word before or after an id marker: "visitorid" -> "visitor", "idclient" -> "client",
    "kundennummer" -> "kunden", "商品编号" -> "商品"."""
    for m in _MARKERS_LONGEST_FIRST:
        if len(joined) <= len(m):
            continue
        for rest in (joined[: -len(m)] if joined.endswith(m) else None, joined[len(m):] if joined.startswith(m) else None):
            if rest and any(rest in WORDS[r] for r in ROLES):
                return rest
    return None


def _matches(name: str) -> tuple[list[NameMatch], bool]:
    toks = tokens(name)
    joined = "".join(toks)
    marker = any(t in ID_MARKERS for t in toks) or any(m in joined for m in _CJK_MARKERS)
    found = []
    stripped = _strip_marker(joined)
    for role, words in WORDS.items():
        if joined in words:
            found.append(NameMatch(role, joined, 3))
            continue
        if stripped and stripped in words:
            found.append(NameMatch(role, stripped, 3))
            marker = True
            continue
        hit = next((t for t in toks if t in words), None)
        if hit is None and _is_cjk(joined):
            hit = next((w for w in _CJK_WORDS[role] if w in joined), None)
        if hit is not None:
            found.append(NameMatch(role, hit, 2))
            continue
        latin = [w for w in words if not _is_cjk(w)]
        hit = next((w for w in latin if len(w) >= 5 and joined.startswith(w)), None) or next(
            (w for w in latin if len(w) >= 4 and joined.endswith(w) and len(joined) > len(w)), None)
        if hit is not None:
            found.append(NameMatch(role, hit, 1))
    return found, marker


def name_role(name: str) -> NameMatch | None:
    """The role a column's name says it plays, or None; role "other" for a quantity, a price, an event."""
    found, marker = _matches(name)
    if not found:
        return None
    best = max(m.tier for m in found)
    top = {m.role: m for m in found if m.tier == best}
    if "title" in top and marker:  # "title_id", "name_no": the id of the thing the title names
        top.setdefault("item", NameMatch("item", top["title"].word, best))
        del top["title"]
    if "title" in top and "user" in top:  # "customer_name" names the customer, not the item
        del top["title"]
    return next(top[r] for r in PRIORITY if r in top)
