"""Item catalogues: a second file that maps item ids to a title, a category (or genres) and any other
columns. Owns the preview of any table before it is converted (`sniff`: delimiter, header, first rows,
guessed mapping), reading a catalogue (`load_catalogue`), counting how its ids meet a dataset's
(`match_report`) and a dataset with the catalogue's titles (`attach_catalogue`).

Ids compare as stripped strings, with a whole float written out as an integer (12, "12" and 12.0 are
one id), the way the loaders read ids. Delimiter and header detection: `loaders.reading.text_layout`.
"""
import dataclasses
import re
from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataError
from .dataset import ITEM_COLUMNS, Dataset, make_items
from .loaders.reading import (
    _DELIMITERS,
    _first_line,
    _norm,
    _show,
    check_rows,
    max_rows,
    parquet_magic,
    read_layout,
    text_encoding,
    text_layout,
)
from .loaders.table import (
    KNOWN_NAMES,
    _is_parquet,
    _parquet,
    check_unique_header,
    guess_columns,
)

CATALOGUE_ROLES = ("item", "title", "category")
CATALOGUE_GUESSES = {  # compared lower-case without '_', '-' or spaces, like guess_columns
    "item": ("item", "itemid", "movieid", "productid", "iid", "id", "sku"),
    "title": ("title", "name", "product", "productname"),
    "category": ("category", "categories", "genre", "genres"),
}
CATALOGUE_FIX = "pass --columns item=COL,title=COL"
BINARY_FIX = "export the table as CSV (UTF-8) or Parquet."
_KNOWN = frozenset(s for spellings in CATALOGUE_GUESSES.values() for s in spellings)
PREVIEW_ROWS = 10


@dataclass
class TablePreview:
    sep: str  # one of ",", "\t", ";", "|", "::"; "" for Parquet
    columns: list[str]  # the header's names, or col1..colN when the first line is data
    rows: pd.DataFrame  # the first 10 data rows, every value a string
    guess: dict[str, str]  # role -> column
    kind: str = "catalogue"  # "ratings" (user and item columns found) or "catalogue"
    header: bool = True  # False: the file has no header line
    encoding: str = "utf-8"  # "latin-1" when the text is not UTF-8
    source: str = ""

    @property
    def sep_name(self) -> str:
        return _DELIMITERS.get(self.sep, "parquet")


@dataclass
class Catalogue:
    items: pd.DataFrame  # item_id, title, category, then the file's other columns; all str, ids unique
    mapping: dict[str, str]  # role -> column of the file
    notices: list[str] = field(default_factory=list)
    source: str = ""


@dataclass
class MatchReport:
    matched: int  # distinct interaction item ids found in the catalogue
    unmatched: int  # distinct interaction item ids not in it
    catalogue_only: int  # catalogue ids no interaction uses
    unmatched_examples: list[str]  # up to 5, in order of first appearance
    share: float  # matched / distinct interaction items

    def summary(self) -> str:
        total = self.matched + self.unmatched
        text = f"{self.matched:,} of {total:,} items matched the catalogue ({self.share:.0%})"
        if self.unmatched:
            text += f"; {self.unmatched:,} keep 'Item <id>' (e.g. {', '.join(self.unmatched_examples)})"
        if self.catalogue_only:
            text += f"; {self.catalogue_only:,} catalogue entries have no interactions"
        return text + "."


def guess_catalogue_columns(columns: list[str]) -> dict:
    """{role: column} for the catalogue roles whose column has a common name; each column used once."""
    by_name = {}
    for c in columns:
        by_name.setdefault(_norm(c), c)
    out, used = {}, set()
    for role, spellings in CATALOGUE_GUESSES.items():
        col = next((by_name[s] for s in spellings if s in by_name and by_name[s] not in used), None)
        if col is not None:
            out[role] = col
            used.add(col)
    return out


def _positional(columns: list[str]) -> dict:
    """A headerless catalogue reads like MovieLens movies.dat: id, title, genres."""
    return dict(zip(CATALOGUE_ROLES, columns))


def sniff(path: str, kind: str | None = None) -> TablePreview:
    """Delimiter, header, first rows and guessed mapping of a ratings file or a catalogue, before any
    conversion. kind: "ratings" or "catalogue" for the guess; None picks ratings when both a user and an
    item column are recognised."""
    if _is_parquet(path) or parquet_magic(path):
        columns = [str(c) for c in _parquet(path, None)]
        rows, sep, header, encoding = _parquet_head(path), "", True, ""
    else:
        encoding = text_encoding(path, BINARY_FIX)
        lay = text_layout(path, _KNOWN | KNOWN_NAMES, encoding)
        rows = read_layout(path, lay, nrows=PREVIEW_ROWS, dtype=str, keep_default_na=False, encoding=encoding)
        columns, sep, header = lay.columns, lay.sep, lay.header
    rows = pd.DataFrame({c: _as_text(rows[c]) for c in rows.columns}).reset_index(drop=True)
    ratings = guess_columns(columns)
    if kind is None:
        kind = "ratings" if header and {"user", "item"} <= set(ratings) else "catalogue"
    if kind == "ratings":
        guess = ratings
    else:
        guess = guess_catalogue_columns(columns) if header else _positional(columns)
    return TablePreview(sep=sep, columns=columns, rows=rows, guess=guess, kind=kind, header=header,
                        encoding=encoding, source=path)


def load_catalogue(path: str, columns: dict | None = None) -> Catalogue:
    """Item id, title, category and every other column of a CSV / TSV / semicolon / pipe / '::' text or
    Parquet file; columns: role -> column, the roles it leaves out guessed from the others."""
    notices = []
    if _is_parquet(path) or parquet_magic(path):
        df = _parquet(path, list(_parquet(path, None)))
        check_rows(path, len(df), max_rows())
        header = True
    else:
        encoding = text_encoding(path, BINARY_FIX)
        if encoding != "utf-8":
            notices.append(f"{path}: not UTF-8 text; read it as Latin-1 (as MovieLens writes it).")
        lay = text_layout(path, _KNOWN, encoding)
        if lay.header:
            check_unique_header(path, lay.sep, encoding)
        cap = max_rows()
        df = read_layout(path, lay, nrows=cap + 1, dtype=str, keep_default_na=False, encoding=encoding)
        check_rows(path, len(df), cap)
        header = lay.header
    df.columns = [str(c) for c in df.columns]
    roles = _mapping(path, list(df.columns), columns, header)
    if len(df) == 0:
        raise DataError(f"{path}: no items (the file has only a header). Fix: choose a catalogue with rows.")
    text = {c: _as_text(df[c]) for c in df.columns}
    ids = text[roles["item"]]
    blank = ids == ""
    if blank.any():
        notices.append(f"{path}: skipped {int(blank.sum()):,} rows without an item id.")
    dup = ids.map(_key).duplicated() & ~blank
    if dup.any():
        notices.append(f"{path}: {int(dup.sum()):,} rows repeat an item id (first: {ids[dup].iloc[0]!r}); "
                       "kept the first row of each.")
    keep = (~blank & ~dup).to_numpy()
    ids = ids[keep]
    title = text[roles["title"]][keep] if "title" in roles else pd.Series("", index=ids.index)
    title = title.where(title != "", "Item " + ids)
    category = text[roles["category"]][keep] if "category" in roles else pd.Series("", index=ids.index)
    category = _normalise_lists(category, path, notices)
    items = pd.DataFrame({"item_id": ids.to_numpy(), "title": title.to_numpy(), "category": category.to_numpy()})
    for c in df.columns:
        if c not in roles.values():
            items[_free_name(c, items.columns)] = text[c][keep].to_numpy()
    return Catalogue(items=items.reset_index(drop=True), mapping=roles, notices=notices, source=path)


def match_report(catalogue: Catalogue, item_ids) -> MatchReport:
    """How the distinct interaction item ids meet the catalogue's ids."""
    distinct = pd.unique(pd.Series(item_ids, dtype=object))
    wanted = list(dict.fromkeys(_key(i) for i in distinct))  # unique first: 25M interactions, ~30K items
    known = set(catalogue.items["item_id"].map(_key))
    missing = [i for i in wanted if i not in known]
    matched = len(wanted) - len(missing)
    return MatchReport(matched=matched, unmatched=len(missing), catalogue_only=len(known - set(wanted)),
                       unmatched_examples=missing[:5], share=matched / len(wanted) if wanted else 0.0)


def attach_catalogue(ds: Dataset, catalogue: Catalogue) -> tuple[Dataset, MatchReport]:
    """A new Dataset whose items take title, category and the extra columns from the catalogue for the
    ids it has; other items keep their rows ("" in the extra columns), and catalogue-only ids are added
    (the items table is the whole catalogue). The dataset's own spelling of an id is kept. ds: as a
    loader returns it, every interaction item in its items table."""
    report = match_report(catalogue, ds.interactions["item_id"])
    cat = catalogue.items.assign(_key=catalogue.items["item_id"].map(_key)).set_index("_key")
    extra = [c for c in cat.columns if c not in ITEM_COLUMNS]
    rows = (ds.items if len(ds.items) else make_items([])).drop_duplicates("item_id").reset_index(drop=True)
    kept = [c for c in rows.columns if c not in ITEM_COLUMNS and c not in extra]  # e.g. the sample's follow_up
    rows = rows.assign(**{c: "" for c in extra if c not in rows.columns})
    keys = rows["item_id"].map(_key)
    hit = keys.isin(cat.index).to_numpy()
    for c in ("title", "category", *extra):
        rows.loc[hit, c] = cat.loc[keys[hit], c].to_numpy()
    rest = cat[~cat.index.isin(set(keys))].reset_index(drop=True)
    text = [*ITEM_COLUMNS, *extra]
    items = pd.concat([rows, rest], ignore_index=True)[[*text, *kept]]
    items[text] = items[text].fillna("").astype(str)
    for c in kept:  # catalogue-only items have none of the dataset's own columns
        if not pd.api.types.is_numeric_dtype(items[c]):
            items[c] = items[c].fillna("")
    return dataclasses.replace(ds, items=items, notices=[*ds.notices, *catalogue.notices]), report


def _key(value) -> str:
    """The id as the loaders compare it: stripped, a whole float written as an integer."""
    text = str(value).strip()
    return re.sub(r"^([+-]?\d+)\.0*$", r"\1", text)


def _as_text(values: pd.Series) -> pd.Series:
    """A column as stripped strings; missing values "", whole floats (a Parquet year 1995.0) as integers."""
    if values.dtype.kind == "f" and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("string").fillna("").astype(str).str.strip()


def _mapping(path: str, found: list[str], columns: dict | None, header: bool) -> dict:
    aliases = {"genre": "category", "genres": "category", "categories": "category"}
    roles_given = ((k.strip().lower().removesuffix("_id"), v) for k, v in (columns or {}).items() if v)
    columns = {aliases.get(k, k): v for k, v in roles_given}
    unknown = [k for k in columns if k not in CATALOGUE_ROLES]
    if unknown:
        raise DataError(f"{path}: unknown role(s) {', '.join(unknown)} in the catalogue's column mapping. "
                        f"Fix: use the roles {', '.join(CATALOGUE_ROLES)}; {CATALOGUE_FIX}.")
    absent = [f"{k}={v}" for k, v in columns.items() if v not in found]
    if absent:
        raise DataError(f"{path}: the column mapping names column(s) not in the catalogue ({', '.join(absent)}; "
                        f"found: {_show(found)}). Fix: {CATALOGUE_FIX} using the found names.")
    rest = [c for c in found if c not in columns.values()]
    guessed = guess_catalogue_columns(rest) if header else _positional(rest)
    roles = {**{k: v for k, v in guessed.items() if k not in columns}, **columns}
    if "item" not in roles:
        raise DataError(f"{path}: cannot tell which column holds the item ids (found: {_show(found)}). "
                        f"Fix: {CATALOGUE_FIX}.")
    return roles


_LIST_SEPS = (";", ",")


def _normalise_lists(category: pd.Series, path: str, notices: list) -> pd.Series:
    """Genres written 'Action, Comedy' become 'Action|Comedy', but only when that is unambiguous: no
    value uses '|' already, one separator kind is used, by 2+ values, and every part recurs (so
    'Home, Garden & Tools' once is one category, not two)."""
    values = category[category != ""]
    if values.empty or values.str.contains("|", regex=False).any():
        return category
    used = [s for s in _LIST_SEPS if values.str.contains(s, regex=False).any()]
    if len(used) != 1 or values.str.contains(used[0], regex=False).sum() < 2:
        return category
    parts = values.drop_duplicates().str.split(used[0]).map(lambda p: [x.strip() for x in p])
    counts = pd.Series([x for p in parts for x in dict.fromkeys(p)]).value_counts()
    if "" in counts.index or (counts < 2).any():
        return category
    notices.append(f"{path}: categories are lists separated by {used[0]!r}; wrote them '|'-separated.")
    return category.map(lambda v: "|".join(x.strip() for x in v.split(used[0])) if v else v)


def _free_name(name: str, taken) -> str:
    """An extra column named like a standard one (a second 'title') gets a suffix instead of replacing it."""
    out, n = name, 2
    while out in taken:
        out, n = f"{name}_{n}", n + 1
    return out


def _parquet_head(path: str) -> pd.DataFrame:
    import pyarrow
    import pyarrow.parquet as pq
    try:
        batch = next(pq.ParquetFile(path).iter_batches(batch_size=PREVIEW_ROWS), None)
    except (OSError, ValueError, pyarrow.ArrowException) as e:
        raise DataError(f"{path}: not a readable Parquet file ({_first_line(e)}). "
                        "Fix: export it again as Parquet, or save it as CSV.") from None
    if batch is None:
        return pd.DataFrame(columns=_parquet(path, None))
    return batch.to_pandas()

