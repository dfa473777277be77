"""Any CSV, TSV or Parquet table with a column mapping: the roles (`ROLES`) a column can play, guessing
the mapping from common column names (`guess_columns`), reading just the header (`read_table_columns`),
and loading the mapped columns, with the catalogue taken from the title and category columns. The
delimiter (comma, tab, semicolon, pipe, `::`) is detected from the first lines, and a first line that
is data, not a header, gives the columns the names col1..colN. Parquet support imports pyarrow only
when a Parquet file is read.
"""
import csv
import re

import numpy as np
import pandas as pd

from ...errors import DataError
from ..dataset import Dataset, make_items
from .reading import (
    TextLayout,
    _first_line,
    _ratings,
    _show,
    _stem,
    check_rows,
    max_rows,
    read_layout,
    text_layout,
)

COLUMNS_FIX = "pass --columns user=COL,item=COL,timestamp=COL"

ROLES = ("user", "item", "timestamp", "rating", "title", "category")
# Common spellings, compared lower-case without '_', '-' or spaces (so userId, user_id and "User ID" match).
GUESSES = {
    "user": ("user", "userid", "uid", "customerid"),
    "item": ("item", "itemid", "movieid", "productid", "iid"),
    "timestamp": ("timestamp", "time", "ts", "date", "datetime"),
    "rating": ("rating", "score", "stars"),
    "title": ("title", "name"),
    "category": ("category", "genre", "genres"),
}


def guess_columns(columns: list[str]) -> dict:
    """{role: column} for every role whose column has a common name; each column used once."""
    by_name = {}
    for c in columns:
        by_name.setdefault(re.sub(r"[\s_\-]", "", str(c).lower()), c)
    out, used = {}, set()
    for role, spellings in GUESSES.items():
        col = next((by_name[s] for s in spellings if s in by_name and by_name[s] not in used), None)
        if col is not None:
            out[role] = col
            used.add(col)
    return out


def read_table_columns(path: str) -> list[str]:
    """The header of a CSV, TSV or Parquet file (reads no rows), e.g. to pre-fill a mapping form;
    col1..colN for a text file without a header."""
    if _is_parquet(path):
        return [str(c) for c in _parquet(path, None)]
    return _layout(path).columns


# Every spelling guess_columns knows: one of them in the first line makes it a header.
KNOWN_NAMES = frozenset(s for spellings in GUESSES.values() for s in spellings)


def _layout(path: str) -> TextLayout:
    lay = text_layout(path, KNOWN_NAMES)
    if lay.header:
        check_unique_header(path, lay.sep)
    return lay


def check_unique_header(path: str, sep: str, encoding: str = "utf-8"):
    """pandas renames a repeated column (item_id, item_id.1): refuse instead of picking one silently."""
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        line = f.readline().rstrip("\r\n")
    header = line.split("::") if sep == "::" else next(csv.reader([line], delimiter=sep), [])
    names = [h.strip() for h in header]
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise DataError(f"{path}: the header names column(s) {', '.join(twice)} more than once. "
                        "Fix: rename or remove the repeated column, so each name is used once.")


def load_table(path: str, columns: dict | None = None) -> Dataset:
    lay = None if _is_parquet(path) else _layout(path)
    found = lay.columns if lay else read_table_columns(path)
    roles = _mapping(path, found, columns)
    wanted = list(dict.fromkeys(roles.values()))
    cap = max_rows()
    if _is_parquet(path):
        df = _parquet(path, wanted)
        check_rows(path, len(df), cap)
    else:
        # All columns, not usecols=wanted: with usecols pandas silently drops the extra fields of a ragged
        # row, and those usually mean unquoted delimiters inside a title.
        text = [roles[r] for r in ("user", "item", "title", "category") if r in roles]
        df = read_layout(path, lay, dtype={c: str for c in text}, nrows=cap + 1)
        check_rows(path, len(df), cap)
    inter = pd.DataFrame({"user_id": _ids(df[roles["user"]]), "item_id": _ids(df[roles["item"]])})
    notices = []
    if "timestamp" in roles:
        inter["timestamp"] = df[roles["timestamp"]]
    else:
        inter["timestamp"] = np.arange(len(df), dtype=np.int64)
        notices.append(f"{path}: no timestamp column (looked for {', '.join(GUESSES['timestamp'])}); used the row "
                       "order as time. Fix: pass --columns timestamp=COL if the file has one.")
    if "rating" in roles:
        inter["rating"] = _ratings(df[roles["rating"]], path, roles["rating"])
    return Dataset(name=_stem(path), interactions=inter, items=_table_items(inter["item_id"], df, roles),
                   source=path, notices=notices, has_times="timestamp" in roles)


def _mapping(path: str, found: list[str], columns: dict | None) -> dict:
    """The given mapping, with the roles it leaves out guessed from the remaining columns."""
    # Empty entries are unmapped roles (a form's blank fields); 'user_id=' reads as 'user='.
    columns = {k.strip().lower().removesuffix("_id"): v for k, v in (columns or {}).items() if v}
    unknown = [k for k in columns if k not in ROLES]
    if unknown:
        raise DataError(f"{path}: unknown role(s) {', '.join(unknown)} in the column mapping. "
                        f"Fix: use the roles {', '.join(ROLES)}; {COLUMNS_FIX}.")
    absent = [f"{k}={v}" for k, v in columns.items() if v not in found]
    if absent:
        raise DataError(f"{path}: the column mapping names column(s) not in the file ({', '.join(absent)}; "
                        f"found: {_show(found)}). Fix: {COLUMNS_FIX} using the found names.")
    rest = [c for c in found if c not in columns.values()]
    roles = {**{k: v for k, v in guess_columns(rest).items() if k not in columns}, **columns}
    missing = [r for r in ("user", "item") if r not in roles]
    if missing:
        raise DataError(f"{path}: cannot tell which column holds the {' and '.join(missing)} ids "
                        f"(found: {_show(found)}). Fix: {COLUMNS_FIX}.")
    return roles


def _ids(values: pd.Series) -> pd.Series:
    """Ids as stripped strings, missing ones kept missing; 12.0 from a float column reads as 12."""
    if values.dtype.kind == "f" and np.all(np.mod(values.dropna(), 1) == 0):
        values = values.astype("Int64")
    return values.astype(str).str.strip()


def _table_items(item_ids: pd.Series, df: pd.DataFrame, roles: dict) -> pd.DataFrame:
    """Catalogue from the title/category columns: the first non-empty value seen for each item."""
    if "title" not in roles and "category" not in roles:
        return make_items([])
    cols = {r: df[roles[r]].astype(str).str.strip().replace("", np.nan).to_numpy()
            for r in ("title", "category") if r in roles}
    first = pd.DataFrame({"item_id": item_ids.to_numpy(), **cols}).dropna(subset=["item_id"])
    first = first.groupby("item_id", sort=False).first()
    ids = first.index.to_series()
    titles = first["title"].fillna("Item " + ids) if "title" in first else None
    return make_items(ids, titles, first["category"] if "category" in first else None)


def _is_parquet(path: str) -> bool:
    return path.lower().endswith((".parquet", ".pq"))


def _parquet(path: str, columns: list[str] | None):
    """Column names (columns=None) or the named columns as a frame."""
    import pyarrow  # only Parquet users pay for the import
    import pyarrow.parquet as pq
    try:
        if columns is None:
            return pq.read_schema(path).names
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, pyarrow.ArrowException) as e:
        raise DataError(f"{path}: not a readable Parquet file ({_first_line(e)}). "
                        "Fix: export it again as Parquet, or save it as CSV.") from None
