"""Reading helpers every format's loader shares: `pd.read_csv` with the usual failures (missing, empty,
not UTF-8, unparsable, unreadable) turned into one-line `DataError`s, the column, id and rating checks
that name the offending value, the wrong-delimiter diagnosis for one-column headers, and small
formatting helpers (first line of an error, a shortened column list, a file's stem) for messages.
"""
import os

import numpy as np
import pandas as pd

from ...errors import DataError

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# More rows than this are refused rather than read: memory grows with rows, and a server shared by
# a class should not be taken down by one upload. MovieLens-20M has 20M; set ATTENTION_LENS_MAX_ROWS to change it.
DEFAULT_MAX_ROWS = 25_000_000


def max_rows() -> int:
    try:
        return max(1, int(os.environ.get("ATTENTION_LENS_MAX_ROWS", DEFAULT_MAX_ROWS)))
    except ValueError:
        return DEFAULT_MAX_ROWS


def check_rows(path: str, n: int, cap: int):
    """Refuse a table read with nrows=cap + 1 that came back longer than the cap."""
    if n > cap:
        raise DataError(f"{path}: more than {cap:,} rows, the most this server reads. "
                        "Fix: sample or split the file, or raise ATTENTION_LENS_MAX_ROWS where you run the app.")


def _read_text(path: str, **kw) -> pd.DataFrame:
    """pd.read_csv with user-facing errors for the usual failures."""
    if not os.path.exists(path):
        raise DataError(f"{path}: file not found. Fix: check the folder holds it.")
    if os.path.getsize(path) == 0:
        raise DataError(f"{path}: the file is empty. Fix: choose a file with data.")
    try:
        return pd.read_csv(path, **kw)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text (first bad byte on line {_first_bad_line(path, kw.get('encoding'))}). "
                        "Fix: re-save it as UTF-8 (in a spreadsheet: 'CSV UTF-8').") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty. Fix: choose a file with data.") from None
    except (pd.errors.ParserError, ValueError) as e:
        raise DataError(f"{path}: cannot parse it ({_first_line(e)}). "
                        "Fix: check the delimiter and the number of columns.") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror or e}). Fix: check the file's permissions.") from None


def _first_bad_line(path: str, encoding: str | None) -> int:
    """Line number of the first line that does not decode; only called after a decode error."""
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            try:
                line.decode(encoding or "utf-8")
            except UnicodeDecodeError:
                return n
    return 1


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _show(columns) -> str:
    """Found columns for a message: on one line, and not the whole header of a 300-column file."""
    names = [" ".join(str(c).split()) for c in columns]
    return ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def _need_columns(df: pd.DataFrame, path: str, cols, hint: str):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (found: {_show(df.columns)}). Fix: {hint}")


def _numeric_ids(df, path, cols, fix="check the delimiter (MovieLens 100K uses tabs, 1M '::', latest ',')."):
    """Columns read with inferred types must have come out numeric; say which value stopped them."""
    for c in cols:
        missing = df[c].isna()
        if missing.any():
            row = int(np.flatnonzero(missing.to_numpy())[0])
            raise DataError(f"{path}: {int(missing.sum())} rows have no {c} (first at data row {row + 1}). "
                            "Fix: fill in or remove those rows.")
        if pd.api.types.is_numeric_dtype(df[c]):
            continue
        conv = pd.to_numeric(df[c], errors="coerce")
        if conv.isna().any():
            bad = df[c][conv.isna()].iloc[0]
            raise DataError(f"{path}: column {c} has the non-numeric value {bad!r}. Fix: {fix}")


def _ratings(values: pd.Series, path: str, column: str) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce")
    bad = num.isna() & values.notna()
    if bad.any():
        raise DataError(f"{path}: rating column {column!r} has the non-numeric value {values[bad].iloc[0]!r}. "
                        "Fix: use numbers, or leave the rating out of the column mapping.")
    return num.astype(float)


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(os.path.normpath(path)))[0]


def _check_delimiter(path: str, cols: list[str], sep: str, fix: str):
    """A one-column header that another delimiter would split means the file uses that delimiter."""
    if len(cols) != 1:
        return
    other = next((d for d in _DELIMITERS if d != sep and d in cols[0]), None)
    if other:
        raise DataError(f"{path}: the header reads as one column {' '.join(cols[0].split())!r}; the file looks "
                        f"{_DELIMITERS[other]}-separated, not {_DELIMITERS[sep]}-separated. Fix: {fix}")
