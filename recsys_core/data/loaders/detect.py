"""From a path to a `Dataset`: naming the format of a file or folder (`detect_format`), dispatching to
that format's loader and passing the result through the shared checks (`load_path`), with the
names of the built-in datasets (`BUILTIN`) and the embedded sample (`load_sample`).
"""
import os

from ...errors import DataError
from ..dataset import Dataset
from ..sample import SAMPLE_DIR, read_sample
from .checks import finish
from .excel import EXCEL, refuse_other_spreadsheet
from .movielens import load_ml1m, load_ml100k, load_ml_latest
from .reading import _first_line
from .recbole import load_recbole
from .sasrec import USER_LINES, load_sasrec, load_user_lines, text_kind
from .table import load_table

BUILTIN = ("sample", "ml-100k", "ml-1m", "ml-latest-small")


def detect_format(path: str) -> str:
    """Name of the format of a file or folder, or a DataError saying what was expected."""
    if os.path.isdir(path):
        names = set(os.listdir(path))
        if "interactions.csv" in names and "items.csv" in names:
            return "sample"
        if "u.data" in names:
            return "movielens-100k"
        if "ratings.dat" in names:
            return "movielens-1m"
        if "ratings.csv" in names:
            return "movielens-latest"
        if any(n.endswith(".inter") for n in names):
            return "recbole"
        raise DataError(f"{path}: no dataset files found (looked for u.data, ratings.dat, ratings.csv, *.inter, "
                        "interactions.csv). Fix: point --dataset at a MovieLens or RecBole folder, or at a CSV/Parquet file.")
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file or folder. Fix: check the path, or use one of: {', '.join(BUILTIN)}.")
    base = os.path.basename(path).lower()
    if base == "u.data":
        return "movielens-100k"
    if base == "ratings.dat":
        return "movielens-1m"
    if base.endswith(".inter"):
        return "recbole"
    if base.endswith(".parquet") or base.endswith(".pq"):
        return "parquet"
    if base.endswith(EXCEL):
        return "excel"
    refuse_other_spreadsheet(path)
    if base.endswith(".csv") or base.endswith(".tsv"):
        return "csv"
    if base.endswith(".txt"):
        return text_kind(path)  # SASRec pairs or one line per user, from the content
    raise DataError(f"{path}: unknown file type. Fix: use a .csv, .xlsx, .parquet, .txt (SASRec 'user item' lines, or "
                    "'user item1 item2 …', one line per user) "
                    "or .inter (RecBole) file, or a MovieLens folder.")


# Format -> its reader: the MovieLens layouts and the embedded shop read a folder, the rest one file.
_FOLDER_LOADERS = {"sample": read_sample, "movielens-100k": load_ml100k, "movielens-1m": load_ml1m,
                   "movielens-latest": load_ml_latest}
_FILE_LOADERS = {"recbole": load_recbole, "sasrec": load_sasrec, USER_LINES: load_user_lines}


def load_path(path: str, columns: dict | None = None) -> Dataset:
    """Load a file or folder of any supported format."""
    fmt = detect_format(path)
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    try:
        if fmt in _FOLDER_LOADERS:
            ds = _FOLDER_LOADERS[fmt](folder)
        elif fmt in _FILE_LOADERS:
            ds = _FILE_LOADERS[fmt](path)
        else:
            ds = load_table(path, columns)
        ds.fmt = fmt
        return finish(ds)
    except DataError as e:
        if "\n" in str(e):  # a file's own text (a column name, a value) must not break the one-line promise
            raise e.retold(lambda text: " ".join(text.split())) from None
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, OSError) as e:
        # Safety net: a malformed file the checks above missed still reaches the user as one line, never
        # as a pandas/pyarrow traceback; the cause stays chained for whoever debugs it.
        raise DataError(f"{path}: cannot read it as {fmt} ({_first_line(e)}). Fix: check the file matches that "
                        "format, or save it as a CSV with user, item and timestamp columns.") from e


def load_sample() -> Dataset:
    return finish(read_sample(SAMPLE_DIR))
