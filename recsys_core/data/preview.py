"""A look at any table before it is converted (`sniff`): its format and delimiter, whether the first line
is a header, the first rows, and the guessed mapping of columns to roles with what each guess rests on
(`guess.guess_roles`), for a ratings file or a catalogue. The Data page shows it for confirmation.
Delimiter and header detection: `loaders.reading.text_layout`; workbooks: `loaders.excel`.
"""
from dataclasses import dataclass, field

import pandas as pd

from .guess import GUESS_ROWS, by_position, guess_roles, looks_like_ratings
from .loaders.excel import is_excel, read_excel
from .loaders.reading import (
    _DELIMITERS,
    parquet_magic,
    read_layout,
    text_encoding,
    text_layout,
)
from .loaders.table import _is_parquet, _parquet, as_text, parquet_head
from .vocabulary import KNOWN

PREVIEW_ROWS = 10
BINARY_FIX = "export the table as CSV (UTF-8) or Parquet."


@dataclass
class TablePreview:
    sep: str  # one of ",", "\t", ";", "|", "::"; "" for Parquet and Excel
    columns: list[str]  # the header's names, or col1..colN when the first line is data
    rows: pd.DataFrame  # the first 10 data rows, every value a string
    guess: dict[str, str]  # role -> column
    kind: str = "catalogue"  # "ratings" (user and item columns found) or "catalogue"
    header: bool = True  # False: the file has no header line
    encoding: str = "utf-8"  # "latin-1" when the text is not UTF-8
    source: str = ""
    reasons: dict[str, str] = field(default_factory=dict)  # role -> what its guess rests on
    fmt: str = "text"  # "text", "parquet" or "excel"
    remembered: str = ""  # when the mapping in `guess` was confirmed before for this header (data.mappings)

    @property
    def sep_name(self) -> str:
        return _DELIMITERS.get(self.sep, self.fmt)


def sniff(path: str, kind: str | None = None) -> TablePreview:
    """Delimiter, header, first rows and guessed mapping of a ratings file or a catalogue, before any
    conversion. kind: "ratings" or "catalogue" for the guess; None picks ratings when both a user and an
    item column are found."""
    fmt, sep, header, encoding = "text", "", True, ""
    if _is_parquet(path) or parquet_magic(path):
        fmt, columns, head = "parquet", [str(c) for c in _parquet(path, None)], parquet_head(path)
    elif is_excel(path):
        fmt, (head, header, _) = "excel", read_excel(path, KNOWN, nrows=GUESS_ROWS)
        columns = list(head.columns)
    else:
        encoding = text_encoding(path, BINARY_FIX)
        lay = text_layout(path, KNOWN, encoding)
        head = read_layout(path, lay, nrows=GUESS_ROWS, dtype=str, keep_default_na=False, encoding=encoding)
        columns, sep, header = lay.columns, lay.sep, lay.header
    head = pd.DataFrame({c: as_text(head[c]) for c in head.columns}).reset_index(drop=True)
    head.columns = columns
    ratings = guess_roles(columns, head, "ratings")
    if kind is None:
        kind = "ratings" if looks_like_ratings(ratings) else "catalogue"
    if kind == "ratings":
        guess = ratings
    elif header:
        guess = guess_roles(columns, head, "catalogue")
    else:
        guess = None
    mapping = guess.mapping if guess else by_position(columns)
    reasons = guess.reasons if guess else {r: "its position (id, title, genres)" for r in mapping}
    return TablePreview(sep=sep, columns=columns, rows=head.head(PREVIEW_ROWS), guess=mapping, kind=kind,
                        header=header, encoding=encoding, source=path, reasons=reasons, fmt=fmt)
