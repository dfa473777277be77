"""Whitespace-separated text files of integer ids with no header, already in time order, so the order
in the file stands in for the time (the `Dataset` has no real times). Two layouts, told apart by their
content (`text_kind`):

- SASRec pairs: one `user item` pair per line (SASRec, BERT4Rec, pmixer's SASRec.pytorch);
- one line per user: `user item1 item2 … itemN` (S3-Rec, ICLRec, DuoRec, CL4SRec and later papers).
"""
import numpy as np
import pandas as pd

from ...errors import DataError
from ..dataset import Dataset, make_items
from .reading import _first_bad_line, _numeric_ids, _read_text, _stem, check_rows, head_bytes, max_rows

PAIRS, USER_LINES = "sasrec", "user-lines"
_PAIRS_FIX = "a SASRec file holds integer 'user item' pairs, with no header line."
_LINES_FIX = "a one-line-per-user file holds 'user item1 item2 …' as integers from 1, with no header line."


def text_kind(path: str) -> str:
    """PAIRS or USER_LINES, from the first 64 KiB. A line with more than two fields means one line per
    user, unless every line has the same number of fields and users repeat: that is a table with more
    columns, which the pairs loader refuses with its message. Unreadable or empty files count as pairs,
    whose loader says what is wrong."""
    try:
        head = head_bytes(path)
    except DataError:
        return PAIRS
    lines = head.decode("utf-8", errors="replace").splitlines()
    if len(lines) > 1 and not head.endswith(b"\n"):
        lines = lines[:-1]  # cut mid-line
    fields = [ln.split() for ln in lines if ln.strip()]
    if not any(len(f) > 2 for f in fields):
        return PAIRS
    users = [f[0] for f in fields]
    if len({len(f) for f in fields}) == 1 and len(set(users)) < len(users):
        return PAIRS
    return USER_LINES


def _whole_numbers(values: pd.Series, lines: np.ndarray, path: str, column: str, fix: str) -> pd.Series:
    """Ids as int64, or a DataError naming the first value that is not a whole number from 1 to 2^53
    and its line (lines: the 1-based line of each value)."""
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~((num >= 1) & (num < 2 ** 53) & (np.mod(num, 1) == 0))  # NaN (not a number) fails every test
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{path}: {column} {values.iloc[i]} on line {int(lines[i])} is not a whole number from 1 to "
                        f"2^53. Fix: {fix}")
    return pd.Series(num.astype(np.int64))


def load_sasrec(path: str) -> Dataset:
    """`user item` per line, already in time order, so the line number stands in for the time."""
    cap = max_rows()
    df = _read_text(path, sep=r"\s+", header=None, engine="c", nrows=cap + 1)
    check_rows(path, len(df), cap)
    if df.shape[1] != 2:
        raise DataError(f"{path}: expected 2 whitespace-separated fields (user item) per line, found {df.shape[1]} on "
                        "every line. Fix: a SASRec file holds one 'user item' pair per line, a one-line-per-user file "
                        "'user item1 item2 …' with each user once; save other tables as .csv.")
    df.columns = ["user_id", "item_id"]
    _numeric_ids(df, path, ["user_id", "item_id"], _PAIRS_FIX)
    lines = np.arange(1, len(df) + 1)
    df = pd.DataFrame({c: _whole_numbers(df[c], lines, path, c, "SASRec files number users and items 1, 2, 3, ...")
                       for c in ("user_id", "item_id")})
    return _dataset(path, df.astype(str), PAIRS)


def load_user_lines(path: str) -> Dataset:
    """`user item1 item2 … itemN` per line, items in time order; each user on one line."""
    cap = max_rows()
    text = _read_utf8(path)
    users, counts, numbers, items = [], [], [], []
    total = 0
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        users.append(fields[0])
        counts.append(len(fields) - 1)
        numbers.append(number)
        items += fields[1:]
        total += len(fields) - 1
        check_rows(path, total, cap)
    counts, numbers = np.array(counts), np.array(numbers)
    if not users:
        raise DataError(f"{path}: the file is empty. Fix: choose a file with data.")
    if (counts == 0).any():
        first = int(numbers[counts == 0][0])
        raise DataError(f"{path}: {int((counts == 0).sum())} lines have a user and no item_id (first on line {first}). "
                        f"Fix: fill in or remove those lines; {_LINES_FIX}")
    user_ids = _whole_numbers(pd.Series(users), numbers, path, "user_id", _LINES_FIX)
    seen = user_ids.duplicated(keep=False).to_numpy()
    if seen.any():
        user = user_ids[seen].iloc[0]
        on = numbers[(user_ids == user).to_numpy()][:2]
        longest = int(numbers[np.argmax(counts)])
        raise DataError(f"{path}: read as one line per user (line {longest} has {int(counts.max()) + 1} fields), but user "
                        f"{user} is on lines {on[0]} and {on[1]}. Fix: give each user one line, items in time order; "
                        "a SASRec file has exactly 2 fields ('user item') on every line.")
    item_ids = _whole_numbers(pd.Series(items), np.repeat(numbers, counts), path, "item_id", _LINES_FIX)
    df = pd.DataFrame({"user_id": np.repeat(user_ids.to_numpy(), counts), "item_id": item_ids.to_numpy()})
    return _dataset(path, df.astype(str), USER_LINES)


def _read_utf8(path: str) -> str:
    head_bytes(path)  # missing, unreadable and empty files as one-line errors
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text (first bad byte on line {_first_bad_line(path, None)}). "
                        "Fix: re-save it as UTF-8.") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e.strerror or e}). Fix: check the file's permissions.") from None


def _dataset(path: str, df: pd.DataFrame, fmt: str) -> Dataset:
    """The ids (strings) in file order, with that order as the time."""
    df["timestamp"] = np.arange(len(df), dtype=np.int64)
    return Dataset(name=_stem(path), interactions=df, items=make_items([]), source=path, fmt=fmt, has_times=False)
