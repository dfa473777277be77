"""Excel workbooks (.xlsx, .xlsm): the first sheet read through pandas with openpyxl, every cell as text
(ids keep their leading zeros; dates read as "2024-05-01 10:00:00", which the time checks parse), the
first row as the header unless it looks like data (then col1..colN, as for text files). Old .xls,
OpenDocument .ods and Apple .numbers files are refused with words saying how to save them instead.
openpyxl is imported only when a workbook is read.
"""
import os
import zipfile

import pandas as pd

from ...errors import DataError
from .reading import _first_line, check_rows, looks_headerless, max_rows

EXCEL = (".xlsx", ".xlsm")
OTHER_SPREADSHEETS = {".xls": "an Excel 97-2003 workbook (.xls)", ".ods": "an OpenDocument spreadsheet (.ods)",
                      ".numbers": "an Apple Numbers file"}
SAVE_AS = "Fix: save it from the spreadsheet as .xlsx, or as CSV (UTF-8)."


def is_excel(path: str) -> bool:
    return path.lower().endswith(EXCEL)


def refuse_other_spreadsheet(path: str):
    """A spreadsheet this app does not read: one line saying what it is and what to save it as."""
    what = OTHER_SPREADSHEETS.get(os.path.splitext(path.lower())[1])
    if what:
        raise DataError(f"{path}: {what} cannot be read here. {SAVE_AS}")


def read_excel(path: str, known=frozenset(), nrows: int | None = None) -> tuple[pd.DataFrame, bool, list[str]]:
    """(table of strings, whether the first row was a header, notices) for the first sheet."""
    from openpyxl.utils.exceptions import InvalidFileException
    cap = max_rows() if nrows is None else nrows
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = book.sheet_names
            raw = pd.read_excel(book, sheet_name=0, header=None, dtype=str, nrows=cap + 2)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found. Fix: check the folder holds it.") from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as e:
        raise DataError(f"{path}: not a readable .xlsx workbook ({_first_line(e)}). {SAVE_AS}") from None
    raw = raw.dropna(how="all").dropna(axis=1, how="all").fillna("")
    if raw.empty:
        raise DataError(f"{path}: the first sheet is empty. Fix: put the table on the first sheet.")
    first = [str(v).strip() for v in raw.iloc[0]]
    header = not looks_headerless(first, set(known))
    names = [c or f"col{i}" for i, c in enumerate(first, 1)] if header else [f"col{i}" for i in range(1, len(first) + 1)]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError(f"{path}: the header names column(s) {', '.join(twice)} more than once. "
                        "Fix: rename or remove the repeated column, so each name is used once.")
    table = raw.iloc[1:] if header else raw
    table = pd.DataFrame(table.to_numpy(), columns=names).astype(str)
    if nrows is None:
        check_rows(path, len(table), cap)
    notices = []
    if len(sheets) > 1:
        notices.append(f"{path}: read the first sheet, “{sheets[0]}”, of {len(sheets)} "
                       f"({', '.join(sheets[1:4])}{'…' if len(sheets) > 4 else ''} not read).")
    return table.head(nrows) if nrows is not None else table, header, notices
