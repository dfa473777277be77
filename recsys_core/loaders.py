"""Read every dataset format users bring into one `Dataset`, detecting the format from a path.

Formats: our embedded sample; MovieLens 100K (u.data + u.item), 1M (ratings.dat + movies.dat),
latest / latest-small (ratings.csv + movies.csv); SASRec text (`user item` per line, time order);
RecBole atomic files (name.inter [+ name.item]); any CSV / Parquet with a column mapping.
Every problem a user can cause becomes a one-line `DataError` naming the file, the problem and the fix.
"""
import os

import numpy as np
import pandas as pd

from .dataset import Dataset, make_items
from .errors import DataError
from .sample import SAMPLE_DIR, read_sample

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
    if base.endswith(".csv") or base.endswith(".tsv"):
        return "csv"
    if base.endswith(".txt"):
        return "sasrec"
    raise DataError(f"{path}: unknown file type. Fix: use a .csv, .parquet, .txt (SASRec 'user item' lines) "
                    "or .inter (RecBole) file, or a MovieLens folder.")


def load_path(path: str, columns: dict | None = None) -> Dataset:
    """Load a file or folder of any supported format."""
    fmt = detect_format(path)
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    if fmt == "sample":
        ds = read_sample(folder)
    elif fmt == "movielens-100k":
        ds = load_ml100k(folder)
    elif fmt == "movielens-1m":
        ds = load_ml1m(folder)
    elif fmt == "movielens-latest":
        ds = load_ml_latest(folder)
    elif fmt == "recbole":
        ds = load_recbole(path)
    elif fmt == "sasrec":
        ds = load_sasrec(path)
    else:
        ds = load_table(path, columns)
    ds.fmt = fmt
    return finish(ds)


def load_sample() -> Dataset:
    return finish(read_sample(SAMPLE_DIR))


# --- shared checks -------------------------------------------------------------------------------

def finish(ds: Dataset) -> Dataset:
    """Checks every loader shares: ids present, numeric times, duplicates and order fixed with a notice."""
    df, src = ds.interactions, ds.source
    if len(df) == 0:
        raise DataError(f"{src}: no interactions (the file is empty or has only a header). Fix: choose a file with rows.")
    for col in ("user_id", "item_id"):
        missing = df[col].isna() | (df[col].astype(str).str.strip() == "")
        if missing.any():
            row = int(np.flatnonzero(missing.values)[0])
            raise DataError(f"{src}: {int(missing.sum())} rows have no {col} (first at data row {row + 1}). "
                            "Fix: fill in or remove those rows.")
    ts = df["timestamp"]
    if not pd.api.types.is_numeric_dtype(ts):
        num = pd.to_numeric(ts, errors="coerce")
        if num.isna().any():
            # ISO dates are fine; anything else is a problem to report, not guess at.
            parsed = pd.to_datetime(ts, errors="coerce", utc=True, format="mixed")
            if parsed.isna().any():
                bad = ts[parsed.isna()].iloc[0]
                raise DataError(f"{src}: timestamp {bad!r} is not a number or a date "
                                f"({int(parsed.isna().sum())} such rows). Fix: use Unix seconds or ISO dates like 2024-05-01.")
            num = (parsed.astype("int64") // 10**9)
        ts = num
    if ts.isna().any():
        raise DataError(f"{src}: {int(ts.isna().sum())} rows have no timestamp. Fix: fill in or remove those rows.")
    df = df.assign(user_id=df["user_id"].astype(str).str.strip(), item_id=df["item_id"].astype(str).str.strip(),
                   timestamp=ts.astype(np.int64))
    dup = df.duplicated()
    if dup.any():
        ds.notices.append(f"{src}: removed {int(dup.sum())} exact duplicate rows.")
        df = df[~dup]
    # Stable sort per user keeps file order on equal times (MovieLens has many).
    order = np.lexsort((np.arange(len(df)), df["timestamp"].values, pd.factorize(df["user_id"])[0]))
    user_codes = pd.factorize(df["user_id"])[0]
    unsorted = int(((np.diff(df["timestamp"].values) < 0) & (np.diff(user_codes) == 0)).sum())
    if unsorted:
        ds.notices.append(f"{src}: {unsorted} interactions were out of time order within a user; sorted them.")
    df = df.iloc[order].reset_index(drop=True)
    ds.interactions = df
    ds.has_ratings = "rating" in df.columns
    # Items that occur in interactions but not in the catalogue get a fallback title.
    known = set(ds.items["item_id"]) if len(ds.items) else set()
    extra = pd.unique(df["item_id"][~df["item_id"].isin(known)])
    if len(extra):
        ds.items = pd.concat([ds.items, make_items(extra)], ignore_index=True)
    return ds


def _read_text(path: str, **kw) -> pd.DataFrame:
    """pd.read_csv with user-facing errors for the usual failures."""
    if not os.path.exists(path):
        raise DataError(f"{path}: file not found. Fix: check the folder holds it.")
    if os.path.getsize(path) == 0:
        raise DataError(f"{path}: the file is empty. Fix: choose a file with data.")
    try:
        return pd.read_csv(path, **kw)
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text (byte {e.start}). Fix: save it as UTF-8, "
                        "or use the MovieLens 100K folder format, which is read as latin-1.") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty. Fix: choose a file with data.") from None
    except (pd.errors.ParserError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"{path}: cannot parse it ({first}). Fix: check the delimiter and the number of columns.") from None


def _need_columns(df: pd.DataFrame, path: str, cols, hint: str):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns[:8]))
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (found: {found}). Fix: {hint}")


def _numeric_ids(df, path, cols):
    for c in cols:
        if not pd.api.types.is_integer_dtype(df[c]):
            conv = pd.to_numeric(df[c], errors="coerce")
            if conv.isna().any():
                bad = df[c][conv.isna()].iloc[0]
                raise DataError(f"{path}: column {c} has the non-numeric value {bad!r}. "
                                "Fix: check the delimiter (MovieLens 100K uses tabs, 1M '::', latest ',').")


# --- MovieLens -----------------------------------------------------------------------------------

def load_ml100k(folder: str) -> Dataset:
    data = os.path.join(folder, "u.data")
    df = _read_text(data, sep="\t", header=None, names=["user_id", "item_id", "rating", "timestamp"],
                    dtype=str, engine="c")
    if df["timestamp"].isna().all():
        raise DataError(f"{data}: expected 4 tab-separated columns (user, item, rating, time). "
                        "Fix: check the delimiter is a tab.")
    _numeric_ids(df, data, ["user_id", "item_id", "rating", "timestamp"])
    df["rating"] = df["rating"].astype(float)
    df["timestamp"] = df["timestamp"].astype(np.int64)
    items_path = os.path.join(folder, "u.item")
    if os.path.exists(items_path):
        it = _read_text(items_path, sep="|", header=None, encoding="latin-1", dtype=str, keep_default_na=False)
        genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                  "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
                  "Thriller", "War", "Western"]
        flags = it.iloc[:, 5:24].to_numpy() == "1" if it.shape[1] >= 24 else np.zeros((len(it), 19), bool)
        cats = ["|".join(g for g, f in zip(genres, row) if f) for row in flags]
        items = make_items(it[0], it[1], cats)
    else:
        items = make_items([])
    return Dataset(name="ml-100k", interactions=df, items=items, source=folder, has_ratings=True)


def load_ml1m(folder: str) -> Dataset:
    data = os.path.join(folder, "ratings.dat")
    df = _read_text(data, sep="::", header=None, names=["user_id", "item_id", "rating", "timestamp"],
                    dtype=str, engine="python", encoding="latin-1")
    if df["timestamp"].isna().all():
        raise DataError(f"{data}: expected 4 '::'-separated columns (user, item, rating, time). Fix: check the delimiter.")
    _numeric_ids(df, data, ["user_id", "item_id", "rating", "timestamp"])
    df["rating"] = df["rating"].astype(float)
    df["timestamp"] = df["timestamp"].astype(np.int64)
    movies = os.path.join(folder, "movies.dat")
    if os.path.exists(movies):
        it = _read_text(movies, sep="::", header=None, names=["item_id", "title", "genres"], dtype=str,
                        engine="python", encoding="latin-1", keep_default_na=False)
        items = make_items(it["item_id"], it["title"], it["genres"])
    else:
        items = make_items([])
    return Dataset(name="ml-1m", interactions=df, items=items, source=folder, has_ratings=True)


def load_ml_latest(folder: str) -> Dataset:
    data = os.path.join(folder, "ratings.csv")
    df = _read_text(data, dtype={"userId": str, "movieId": str})
    _need_columns(df, data, ["userId", "movieId", "rating", "timestamp"],
                  "MovieLens latest ratings.csv has the header userId,movieId,rating,timestamp.")
    df = df.rename(columns={"userId": "user_id", "movieId": "item_id"})[["user_id", "item_id", "rating", "timestamp"]]
    movies = os.path.join(folder, "movies.csv")
    if os.path.exists(movies):
        it = _read_text(movies, dtype=str, keep_default_na=False)
        _need_columns(it, movies, ["movieId", "title"], "movies.csv has the header movieId,title,genres.")
        items = make_items(it["movieId"], it["title"], it.get("genres"))
    else:
        items = make_items([])
    name = os.path.basename(os.path.normpath(folder))
    return Dataset(name=name if name.startswith("ml-") else "ml-latest", interactions=df, items=items,
                   source=folder, has_ratings=True)


# --- other formats (filled in below) -------------------------------------------------------------

def load_sasrec(path: str) -> Dataset:
    raise DataError(f"{path}: SASRec text files are not supported yet.")


def load_recbole(path: str) -> Dataset:
    raise DataError(f"{path}: RecBole files are not supported yet.")


def load_table(path: str, columns: dict | None = None) -> Dataset:
    raise DataError(f"{path}: CSV/Parquet tables are not supported yet.")
