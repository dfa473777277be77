"""Any CSV, TSV, Parquet or Excel table with a column mapping: the roles (`ROLES`) a column can play,
guessing the mapping from names and values (`guess_columns`; the rules are in `data.guess`), reading just
the header (`read_table_columns`), and loading the mapped columns, with the catalogue taken from the title
and category columns. The delimiter (comma, tab, semicolon, pipe, `::`) is detected from the first lines,
and a first line that is data, not a header, gives the columns the names col1..colN. A text file cut off
in the middle of its last row loses that row, with a notice naming it. Parquet support imports pyarrow
only when a Parquet file is read; workbooks are `excel`.
"""
import csv

import numpy as np
import pandas as pd

from ...errors import DataError, join_words
from ..dataset import Dataset, make_items
from ..guess import GUESS_ROWS, RATINGS_ROLES, from_values, guess_roles
from ..vocabulary import KNOWN
from .excel import is_excel, read_excel
from .reading import (
    TextLayout,
    _first_line,
    _ratings,
    _show,
    _split_count,
    _stem,
    check_rows,
    max_rows,
    read_layout,
    text_layout,
)

ROLES = RATINGS_ROLES
KNOWN_NAMES = KNOWN  # every column-name word: one of them in a first line makes it a header


def guess_columns(columns: list[str], rows: pd.DataFrame | None = None) -> dict:
    """{role: column}, each column used once, from the names (and the first rows' values, when given)."""
    return guess_roles(columns, rows, "ratings").mapping


def read_table_columns(path: str) -> list[str]:
    """The header of a CSV, TSV, Parquet or Excel file (reads no rows of a text or Parquet file), e.g. to
    pre-fill a mapping form; col1..colN for a file without a header."""
    if _is_parquet(path):
        return [str(c) for c in _parquet(path, None)]
    if is_excel(path):
        return list(read_excel(path, KNOWN, nrows=1)[0].columns)
    return _layout(path).columns


def _layout(path: str) -> TextLayout:
    lay = text_layout(path, KNOWN)
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
    lay, sheet, notices = None, None, []
    if _is_parquet(path):
        found = read_table_columns(path)
    elif is_excel(path):
        sheet, _, notices = read_excel(path, KNOWN)
        found = list(sheet.columns)
    else:
        lay = _layout(path)
        found = lay.columns
    roles, guessed = _mapping(path, found, columns, lambda: _head(path, lay, sheet))
    wanted = list(dict.fromkeys(roles.values()))
    cap = max_rows()
    if _is_parquet(path):
        df = _parquet(path, wanted)
        check_rows(path, len(df), cap)
    elif sheet is not None:
        df = sheet
    else:
        # All columns, not usecols=wanted: with usecols pandas silently drops the extra fields of a ragged
        # row, and those usually mean unquoted delimiters inside a title.
        text = [roles[r] for r in ("user", "item", "title", "category") if r in roles]
        df = read_layout(path, lay, dtype={c: str for c in text}, nrows=cap + 1)
        check_rows(path, len(df), cap)
        if cut := cut_last_row(path, lay, len(df)):
            notices.append(cut)
            df = df.iloc[:-1]
    inter = pd.DataFrame({"user_id": _ids(df[roles["user"]]), "item_id": _ids(df[roles["item"]])})
    if "timestamp" in roles:
        inter["timestamp"] = df[roles["timestamp"]]
    else:
        inter["timestamp"] = np.arange(len(df), dtype=np.int64)
        notices.append(f"{path}: no timestamp column (no column's name or values read as times); used the row "
                       "order as time. "
                       "Fix: {choose:ratings:timestamp} if the file has one.")
    if guessed:
        said = join_words([f"{roles[r]!r} as {{column:{r}}}" for r in guessed])
        notices.append(f"{path}: guessed from their values: {said}. Fix: {{choose:ratings:{','.join(guessed)}}} "
                       "if that is wrong.")
    if "rating" in roles:
        inter["rating"] = _ratings(df[roles["rating"]], path, roles["rating"])
    return Dataset(name=_stem(path), interactions=inter, items=_table_items(inter["item_id"], df, roles),
                   source=path, notices=notices, has_times="timestamp" in roles)


def _head(path: str, lay: TextLayout | None, sheet: pd.DataFrame | None) -> pd.DataFrame:
    """The first rows as text, for guessing from values."""
    if sheet is not None:
        return sheet.head(GUESS_ROWS)
    if lay is None:
        return parquet_head(path)
    return read_layout(path, lay, nrows=GUESS_ROWS, dtype=str, keep_default_na=False)


def cut_last_row(path: str, lay: TextLayout, rows: int, encoding: str = "utf-8") -> str | None:
    """A notice when a text table ends in the middle of a row: no line break after the last line, and
    that line has fewer fields than the header. The row is incomplete, so the caller leaves it out."""
    if rows == 0:
        return None
    with open(path, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 65536))
        tail = f.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return None
    last = tail.splitlines()[-1].decode(encoding, errors="replace")
    if not last.strip():  # trailing blanks: pandas skips a blank line, so the last row read is whole
        return None
    fields = _split_count(last, lay.sep)
    if fields >= len(lay.columns):
        return None
    shown = last if len(last) <= 60 else last[:57] + "…"
    return (f"{path}: the file ends in the middle of data row {rows:,} ({shown!r} has {fields} of "
            f"{len(lay.columns)} fields); left that row out. Fix: export the file again if rows are missing.")


def given_columns(path: str, found: list[str], columns: dict | None, roles, *, kind: str, example: str,
                  where: str = "the column mapping", source: str = "the file",
                  aliases: dict | None = None) -> tuple[dict, dict]:
    """A user's column mapping checked against the file: (role -> name as given, "" meaning unmapped on
    purpose; role -> column for the mapped ones). Refuses unknown roles and columns the file does not
    have. kind: the choose-hint's table ("ratings", "catalogue"); example: roles its hint suggests."""
    aliases = aliases or {}
    given = {}
    for k, v in (columns or {}).items():
        role = k.strip().lower().removesuffix("_id")
        given[aliases.get(role, role)] = (v or "").strip()
    unknown = [k for k in given if k not in roles]
    if unknown:
        raise DataError(f"{path}: unknown role(s) {', '.join(unknown)} in {where}. "
                        f"Fix: use the roles {', '.join(roles)}; {{choose:{kind}:{example}}}.")
    mapped = {k: v for k, v in given.items() if v}
    absent = [k for k, v in mapped.items() if v not in found]
    if absent:
        named = ", ".join(f"{k}={mapped[k]}" for k in absent)
        raise DataError(f"{path}: the column mapping names column(s) not in {source} ({named}; found: "
                        f"{_show(found)}). Fix: {{choose:{kind}:{','.join(absent)}}} using the found names.")
    return given, mapped


def _mapping(path: str, found: list[str], columns: dict | None, head) -> tuple[dict, list[str]]:
    """(role -> column, the roles guessed from values): the given mapping, with the roles it leaves out
    guessed from the remaining columns. A role given as "" is unmapped on purpose and never guessed."""
    given, columns = given_columns(path, found, columns, ROLES, kind="ratings", example="user,item,timestamp")
    open_roles = [r for r in ROLES if r not in given]
    rest = [c for c in found if c not in columns.values()]
    guess = guess_roles(rest, head() if rest else None, "ratings", tuple(open_roles)) if open_roles else None
    guessed = {r: c for r, c in (guess.mapping.items() if guess else ()) if r in open_roles}
    roles = {**guessed, **columns}
    missing = [r for r in ("user", "item") if r not in roles]
    if missing:
        raise DataError(f"{path}: cannot tell which column holds the {' and '.join(missing)} ids "
                        f"(found: {_show(found)}). Fix: {{choose:ratings:{','.join(missing)}}}.")
    by_values = [r for r in from_values(guess) if r in guessed] if guess else []
    return roles, by_values


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


def parquet_head(path: str) -> pd.DataFrame:
    """The first rows of a Parquet file, for a preview and for guessing from values."""
    import pyarrow
    import pyarrow.parquet as pq
    try:
        batch = next(pq.ParquetFile(path).iter_batches(batch_size=GUESS_ROWS), None)
    except (OSError, ValueError, pyarrow.ArrowException) as e:
        raise DataError(f"{path}: not a readable Parquet file ({_first_line(e)}). "
                        "Fix: export it again as Parquet, or save it as CSV.") from None
    return pd.DataFrame(columns=_parquet(path, None)) if batch is None else batch.to_pandas()


def as_text(values: pd.Series) -> pd.Series:
    """A column as stripped strings; missing values "", whole floats (a Parquet year 1995.0) as integers."""
    if values.dtype.kind == "f" and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("string").fillna("").astype(str).str.strip()


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
