"""Reading helpers every format's loader shares: `pd.read_csv` with the usual failures (missing, empty,
not UTF-8, unparsable, unreadable) turned into one-line `DataError`s (a `::` separator is read by the
fast C parser through a re-splitting stream), the column, id and rating checks that name the offending
value, the wrong-delimiter diagnosis for one-column headers, and small formatting helpers (first line
of an error, a shortened column list, a file's stem) for messages; and how a text table is laid out
(`text_layout`: which of `SEPARATORS` it uses, whether its first line is a header) and whether a file
is text at all (`check_text`).
"""
import codecs
import csv
import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataError

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", "::": "double-colon"}
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
        if kw.get("sep") == "::" and kw.get("engine") != "python":
            return _read_double_colon(path, **kw)
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


# '::' is two characters, which pandas only splits with its ~25x slower Python parser; the stream
# below turns it into this one character (ASCII unit separator, absent from real text tables) instead.
_UNIT = "\x1f"


class _DoubleColonStream:
    """A text file whose '::' separators read as `_UNIT`; a ':' at the end of a read waits for the next."""

    def __init__(self, f):
        self.f, self.tail = f, ""

    def read(self, n: int = -1) -> str:
        while True:
            more = self.f.read(n) if n and n > 0 else self.f.read()
            text, self.tail = self.tail + more, ""
            if more and n and n > 0:
                keep = len(text) - len(text.rstrip(":"))
                if keep:
                    text, self.tail = text[:-keep], text[-keep:]
                if not text:
                    continue
            return text.replace("::", _UNIT)

    def __iter__(self):  # pandas only needs read(); iteration keeps it a file-like object
        return iter(self.read().splitlines(keepends=True))


def _read_double_colon(path: str, **kw) -> pd.DataFrame:
    kw = {**kw, "sep": _UNIT, "engine": "c"}
    kw.setdefault("quoting", csv.QUOTE_NONE)  # '::' files (MovieLens) never quote; a stray '"' is text
    with open(path, encoding=kw.pop("encoding", None) or "utf-8", newline="") as f:
        return pd.read_csv(_DoubleColonStream(f), **kw)


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
    comma = bad & values.astype(str).str.fullmatch(r"\s*[+-]?\d+,\d+\s*")
    if comma.any():  # a semicolon-separated spreadsheet export writes decimals with a comma: 4,5 is 4.5
        num = num.mask(comma, pd.to_numeric(values[comma].astype(str).str.replace(",", "."), errors="coerce"))
        bad = num.isna() & values.notna()
    if bad.any():
        raise DataError(f"{path}: {{column:rating}} ({column!r}) has the non-numeric value {values[bad].iloc[0]!r}. "
                        "Fix: use numbers, or {unset:ratings:rating}.")
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


SEPARATORS = (",", "\t", ";", "|", "::")
# On a tie (every sampled line splits the same way by two of them): '::' is never text, '|' often
# separates a list inside a field (genres), so it comes last.
_PREFERENCE = ("::", "\t", ",", ";", "|")
_SAMPLE_BYTES, _SAMPLE_LINES = 1 << 16, 50
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class TextLayout:
    sep: str  # one of SEPARATORS
    columns: list[str]  # the header's names, or col1..colN for a headerless file
    header: bool  # False: the first line is already data


def head_bytes(path: str) -> bytes:
    """The first 64 KiB, with the missing / empty / unreadable cases as one-line errors."""
    if not os.path.exists(path):
        raise DataError(f"{path}: file not found. Fix: check the folder holds it.")
    try:
        with open(path, "rb") as f:
            head = f.read(_SAMPLE_BYTES)
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror or e}). Fix: check the file's permissions.") from None
    if not head.strip():
        raise DataError(f"{path}: the file is empty. Fix: choose a file with data.")
    return head


def check_text(path: str, head: bytes, fix: str):
    """Refuse binary files (a zip, an image, a spreadsheet) before a parser turns them into nonsense."""
    control = sum(b < 32 and b not in (9, 10, 13) for b in head)
    if b"\0" in head or control > len(head) // 20:
        raise DataError(f"{path}: not a text table (it looks like a binary file). Fix: {fix}")


def _split_count(line: str, sep: str) -> int:
    if sep == "::":
        return line.count("::") + 1
    return len(next(csv.reader([line], delimiter=sep), []))  # quoted delimiters do not split


def detect_sep(lines: list[str], default: str = ",") -> str:
    """The separator that splits the first line into 2+ fields and most other lines into as many."""
    if not lines:
        return default
    first, rest = lines[0], lines[1:]
    best, best_score = default, None
    for rank, sep in enumerate(_PREFERENCE):
        n = _split_count(first, sep)
        if n < 2:
            continue
        same = sum(_split_count(line, sep) == n for line in rest)
        score = (same, sep == default, -rank)
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name).lower())


def looks_headerless(fields: list[str], known: set[str]) -> bool:
    """A first line with a number among its fields and no known column name is data, not a header."""
    if any(_norm(f) in known for f in fields):
        return False
    return any(_NUMBER.match(f.strip()) for f in fields)


def text_layout(path: str, known=frozenset(), encoding: str = "utf-8") -> TextLayout:
    """Separator and header of a text table, from its first lines; `known`: column-name spellings
    (lower case, no '_', '-' or spaces) that mark the first line as a header."""
    head = head_bytes(path)
    text = head.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    lines = text.splitlines()
    if len(head) == _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # cut mid-line
    lines = [ln for ln in lines if ln.strip()][:_SAMPLE_LINES]
    sep = detect_sep(lines, "\t" if path.lower().endswith(".tsv") else ",")
    first = lines[0].split("::") if sep == "::" else next(csv.reader([lines[0]], delimiter=sep), [])
    if looks_headerless(first, set(known)):
        return TextLayout(sep, [f"col{i}" for i in range(1, len(first) + 1)], header=False)
    cols = [str(c) for c in _read_text(path, sep=sep, nrows=0, encoding=encoding).columns]
    return TextLayout(sep, cols, header=True)


def read_layout(path: str, lay: TextLayout, **kw) -> pd.DataFrame:
    """The table under a layout: header=None with the col1..colN names for a headerless file."""
    if not lay.header:
        kw.update(header=None, names=lay.columns, index_col=False)
    return _read_text(path, sep=lay.sep, **kw)


def text_encoding(path: str, fix: str) -> str:
    """utf-8 when the whole file decodes as UTF-8, else latin-1; binary files are refused."""
    check_text(path, head_bytes(path), fix)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror or e}). Fix: check the file's permissions.") from None
    return "utf-8"


def parquet_magic(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PAR1"
    except OSError:
        return False
