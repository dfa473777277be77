"""Read every dataset format users bring into one `Dataset`, detecting the format from a path.

Formats: our embedded sample; MovieLens 100K (u.data + u.item), 1M (ratings.dat + movies.dat),
latest / latest-small (ratings.csv + movies.csv); SASRec text (`user item` per line, time order);
RecBole atomic files (name.inter [+ name.item], https://recbole.io/docs/user_guide/data/atomic_files.html);
any CSV / TSV / Parquet with a column mapping (given, or guessed from common names).
Every problem a user can cause becomes a one-line `DataError` naming the file, the problem and the fix.
"""
import csv
import os
import re

import numpy as np
import pandas as pd

from .dataset import Dataset, make_items
from .errors import DataError
from .sample import SAMPLE_DIR, read_sample

BUILTIN = ("sample", "ml-100k", "ml-1m", "ml-latest-small")
COLUMNS_FIX = "pass --columns user=COL,item=COL,timestamp=COL"


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
    try:
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
    except DataError as e:
        if "\n" in str(e):  # a file's own text (a column name, a value) must not break the one-line promise
            raise DataError(" ".join(str(e).split())) from None
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, OSError) as e:
        # Safety net: a malformed file the checks above missed still reaches the user as one line, never
        # as a pandas/pyarrow traceback; the cause stays chained for whoever debugs it.
        raise DataError(f"{path}: cannot read it as {fmt} ({_first_line(e)}). Fix: check the file matches that "
                        "format, or save it as a CSV with user, item and timestamp columns.") from e


def load_sample() -> Dataset:
    return finish(read_sample(SAMPLE_DIR))


# --- shared checks -------------------------------------------------------------------------------

def finish(ds: Dataset) -> Dataset:
    """Checks every loader shares: ids present, numeric times, duplicates and order fixed with a notice."""
    df, src = ds.interactions, ds.source
    if len(df) == 0:
        raise DataError(f"{src}: no interactions (the file is empty or has only a header). Fix: choose a file with rows.")
    for col in ("user_id", "item_id", "timestamp"):
        missing = df[col].isna()
        if pd.api.types.is_string_dtype(df[col].dtype):
            missing |= df[col].astype(str).str.strip() == ""
        if missing.any():
            row = int(np.flatnonzero(missing.values)[0])
            raise DataError(f"{src}: {int(missing.sum())} rows have no {col} (first at data row {row + 1}). "
                            "Fix: fill in or remove those rows.")
    df = df.assign(user_id=df["user_id"].astype(str).str.strip(), item_id=df["item_id"].astype(str).str.strip(),
                   timestamp=_seconds(df["timestamp"], src))
    dup = df.duplicated()
    if dup.any():
        ds.notices.append(f"{src}: removed {int(dup.sum())} exact duplicate rows.")
        df = df[~dup]
    # Stable sort per user keeps file order on equal times (MovieLens has many).
    user_codes = pd.factorize(df["user_id"])[0]
    times = df["timestamp"].to_numpy()
    order = np.lexsort((np.arange(len(df)), times, user_codes))
    unsorted = int(((np.diff(times) < 0) & (np.diff(user_codes) == 0)).sum())
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


def _seconds(ts: pd.Series, src: str) -> np.ndarray:
    """int64 times: numbers pass through (seconds, milliseconds or an order), dates become Unix seconds."""
    if pd.api.types.is_datetime64_any_dtype(ts):
        return ts.dt.as_unit("s").astype("int64").to_numpy()
    num = ts if pd.api.types.is_numeric_dtype(ts) else pd.to_numeric(ts, errors="coerce")
    if num.isna().any():
        # ISO dates are fine; anything else is a problem to report, not guess at.
        parsed = pd.to_datetime(ts, errors="coerce", utc=True, format="mixed")
        bad = num.isna() & parsed.isna()
        if bad.any():
            raise DataError(f"{src}: timestamp {ts[bad].iloc[0]!r} is not a number or a date "
                            f"({int(bad.sum())} such rows). Fix: use Unix seconds or ISO dates like 2024-05-01.")
        if parsed.isna().any():
            raise DataError(f"{src}: the timestamps mix numbers ({ts[parsed.isna()].iloc[0]!r}) and dates "
                            f"({ts[num.isna()].iloc[0]!r}). Fix: use one kind, Unix seconds or ISO dates.")
        # as_unit, not // 10**9: pandas 3 may hold parsed dates in microseconds, not nanoseconds.
        return parsed.dt.as_unit("s").astype("int64").to_numpy()
    values = num.to_numpy(dtype=np.float64) if num.dtype.kind == "f" else num.to_numpy()
    if values.dtype.kind == "f" and not (np.isfinite(values).all() and np.abs(values).max() < 2**62):
        bad = float(values[~(np.isfinite(values) & (np.abs(values) < 2**62))][0])
        raise DataError(f"{src}: timestamp {bad:g} is not a usable time. Fix: use Unix seconds or ISO dates like 2024-05-01.")
    return values.astype(np.int64)


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


# --- MovieLens -----------------------------------------------------------------------------------

def load_ml100k(folder: str) -> Dataset:
    data = os.path.join(folder, "u.data")
    # Inferred (numeric) types, not dtype=str: the C parser reads numbers ~5x faster than str -> number.
    df = _read_text(data, sep="\t", header=None, names=["user_id", "item_id", "rating", "timestamp"], engine="c")
    if df["timestamp"].isna().all():
        raise DataError(f"{data}: expected 4 tab-separated columns (user, item, rating, time). "
                        "Fix: check the delimiter is a tab.")
    df = _movielens_types(df, data)
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


def _movielens_types(df: pd.DataFrame, path: str) -> pd.DataFrame:
    _numeric_ids(df, path, ["user_id", "item_id", "rating", "timestamp"])
    return df.assign(user_id=df["user_id"].astype(str), item_id=df["item_id"].astype(str),
                     rating=pd.to_numeric(df["rating"]).astype(float),
                     timestamp=pd.to_numeric(df["timestamp"]).astype(np.int64))


def load_ml1m(folder: str) -> Dataset:
    data = os.path.join(folder, "ratings.dat")
    # Split on ':' with the fast C parser (the '::' separator needs the ~25x slower Python one); the
    # empty fields between the colons are checked and dropped. Titles hold ':', so movies.dat cannot.
    raw = _read_text(data, sep=":", header=None, engine="c", encoding="latin-1")
    if raw.shape[1] != 7 or raw.iloc[:, [1, 3, 5]].notna().any(axis=None) or raw[6].isna().all():
        raise DataError(f"{data}: expected 4 '::'-separated columns (user, item, rating, time). Fix: check the delimiter.")
    df = _movielens_types(raw[[0, 2, 4, 6]].set_axis(["user_id", "item_id", "rating", "timestamp"], axis=1), data)
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


# --- SASRec text ---------------------------------------------------------------------------------

def load_sasrec(path: str) -> Dataset:
    """`user item` per line, already in time order, so the line number stands in for the time."""
    df = _read_text(path, sep=r"\s+", header=None, engine="c")
    if df.shape[1] != 2:
        raise DataError(f"{path}: expected 2 whitespace-separated fields (user item) per line, found {df.shape[1]}. "
                        "Fix: a SASRec file holds one 'user item' pair per line; save other tables as .csv.")
    df.columns = ["user_id", "item_id"]
    _numeric_ids(df, path, ["user_id", "item_id"], "a SASRec file holds integer 'user item' pairs, with no header line.")
    df = df.astype({"user_id": str, "item_id": str})
    df["timestamp"] = np.arange(len(df), dtype=np.int64)
    return Dataset(name=_stem(path), interactions=df, items=make_items([]), source=path, has_times=False)


# --- RecBole atomic files ------------------------------------------------------------------------

def load_recbole(path: str) -> Dataset:
    """name.inter (+ name.item beside it). Headers are typed, `user_id:token`; fields are found by name."""
    inter_path = _inter_file(path)
    df, _ = _read_atomic(inter_path, keep_default_na=True)
    names = list(df.columns)
    user = _pick(names, "user_id", ("user",))
    item = _pick(names, "item_id", ("item",))
    if user is None or item is None:
        raise DataError(f"{inter_path}: no user and item fields in the header (found: {_show(names)}). Fix: a RecBole "
                        ".inter header is tab-separated and typed, like user_id:token<TAB>item_id:token<TAB>timestamp:float.")
    time, rating = _pick(names, "timestamp", ("time",)), _pick(names, "rating", ("rating",))
    inter = pd.DataFrame({"user_id": df[user], "item_id": df[item],
                          "timestamp": df[time] if time else np.arange(len(df), dtype=np.int64)})
    if rating:
        inter["rating"] = _ratings(df[rating], inter_path, rating)
    item_path = inter_path[: -len(".inter")] + ".item"
    items = _recbole_items(item_path) if os.path.exists(item_path) else make_items([])
    return Dataset(name=_stem(inter_path), interactions=inter, items=items, source=inter_path,
                   has_times=time is not None)


def _inter_file(path: str) -> str:
    """The .inter file itself, or the one in a folder: RecBole names it after its folder."""
    if not os.path.isdir(path):
        return path
    inters = sorted(n for n in os.listdir(path) if n.endswith(".inter"))
    own = _stem(path) + ".inter"
    if own in inters or len(inters) == 1:
        return os.path.join(path, own if own in inters else inters[0])
    raise DataError(f"{path}: {len(inters)} .inter files ({', '.join(inters[:5])}) and none named {own}. "
                    "Fix: point --dataset at one of the .inter files.")


def _read_atomic(path: str, keep_default_na: bool) -> tuple[pd.DataFrame, dict]:
    """A RecBole file with the types stripped from the header: (frame, {field: type})."""
    # QUOTE_NONE: atomic files are plain tab-separated, and titles may hold a lone '"'.
    df = _read_text(path, sep="\t", dtype=str, quoting=csv.QUOTE_NONE, keep_default_na=keep_default_na, engine="c")
    _check_delimiter(path, list(df.columns), "\t", "RecBole atomic files are tab-separated.")
    types = {}
    for col in df.columns:
        name, sep, kind = str(col).rpartition(":")
        types[name if sep else str(col)] = kind if sep else ""
    df.columns = list(types)
    return df, types


def _recbole_items(path: str) -> pd.DataFrame:
    it, types = _read_atomic(path, keep_default_na=False)
    names = list(it.columns)
    item = _pick(names, "item_id", ("item",))
    if item is None:
        raise DataError(f"{path}: no item_id field in the header (found: {_show(names)}). "
                        "Fix: name the first field item_id:token, or remove the .item file.")
    title = _pick(names, None, ("title", "name"))
    category = _pick(names, None, ("genre", "category", "class"))
    cats = None
    if category:
        cats = it[category]
        if types[category].endswith("_seq"):  # space-separated tokens; '|' joins several, as in MovieLens
            cats = cats.str.split().str.join("|")
    return make_items(it[item].str.strip(), it[title] if title else None, cats)


def _pick(names: list[str], exact: str | None, contains: tuple[str, ...]) -> str | None:
    lower = {n.lower(): n for n in names}
    if exact and exact in lower:
        return lower[exact]
    return next((n for n in names if any(c in n.lower() for c in contains)), None)


# --- CSV / TSV / Parquet with a column mapping ---------------------------------------------------

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
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


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
    """The header of a CSV, TSV or Parquet file (reads no rows), e.g. to pre-fill a mapping form."""
    if _is_parquet(path):
        return [str(c) for c in _parquet(path, None)]
    sep = _csv_sep(path)
    cols = [str(c) for c in _read_text(path, sep=sep, nrows=0).columns]
    _check_delimiter(path, cols, sep, "save it comma-separated as .csv, or tab-separated as .tsv.")
    return cols


def load_table(path: str, columns: dict | None = None) -> Dataset:
    found = read_table_columns(path)
    roles = _mapping(path, found, columns)
    wanted = list(dict.fromkeys(roles.values()))
    if _is_parquet(path):
        df = _parquet(path, wanted)
    else:
        # All columns, not usecols=wanted: with usecols pandas silently drops the extra fields of a ragged
        # row, and those usually mean unquoted delimiters inside a title.
        text = [roles[r] for r in ("user", "item", "title", "category") if r in roles]
        df = _read_text(path, sep=_csv_sep(path), dtype={c: str for c in text})
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


def _csv_sep(path: str) -> str:
    return "\t" if path.lower().endswith(".tsv") else ","


def _check_delimiter(path: str, cols: list[str], sep: str, fix: str):
    """A one-column header that another delimiter would split means the file uses that delimiter."""
    if len(cols) != 1:
        return
    other = next((d for d in _DELIMITERS if d != sep and d in cols[0]), None)
    if other:
        raise DataError(f"{path}: the header reads as one column {' '.join(cols[0].split())!r}; the file looks "
                        f"{_DELIMITERS[other]}-separated, not {_DELIMITERS[sep]}-separated. Fix: {fix}")


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
