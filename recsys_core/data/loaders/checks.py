"""The checks and clean-up every loader's result goes through (`finish`): user, item and time present on
every row, times made int64 seconds (numbers pass through, ISO dates are converted), exact duplicates
dropped and interactions sorted by time within each user, each with a notice, and catalogue entries
added for items that only occur in the interactions.
"""
import time

import numpy as np
import pandas as pd

from ...errors import DataError
from ..dataset import Dataset, make_items


def finish(ds: Dataset) -> Dataset:
    """Checks every loader shares: ids present, numeric times, duplicates and order fixed with a notice."""
    df, src = ds.interactions, ds.source
    if len(df) == 0:
        raise DataError(f"{src}: no interactions (the file is empty or has only a header). Fix: choose a file with rows.")
    for col, role in (("user_id", "user"), ("item_id", "item"), ("timestamp", "timestamp")):
        missing = df[col].isna()
        if pd.api.types.is_string_dtype(df[col].dtype):
            missing |= df[col].astype(str).str.strip() == ""
        if missing.any():
            row = int(np.flatnonzero(missing.values)[0])
            raise DataError(f"{src}: {int(missing.sum())} rows have nothing in {{column:{role}}} (first at data row "
                            f"{row + 1}). Fix: fill in or remove those rows.")
    df = df.assign(user_id=df["user_id"].astype(str).str.strip(), item_id=df["item_id"].astype(str).str.strip(),
                   timestamp=_seconds(df["timestamp"], src))
    if ds.has_times:
        df = df.assign(timestamp=_plausible_times(df["timestamp"].to_numpy(), src, ds.notices))
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


# Unix seconds for 1973 .. 2286 are 1e8 .. 1e10; milliseconds for the same years are 1e11 .. 1e13.
MILLISECONDS_ABOVE = 1e11


def _plausible_times(t: np.ndarray, src: str, notices: list) -> np.ndarray:
    """Milliseconds turned into seconds, and times after today reported (kept: they still order)."""
    if len(t) and np.median(t) > MILLISECONDS_ABOVE:
        notices.append(f"{src}: the timestamps look like milliseconds since 1970; converted them to seconds.")
        t = t // 1000
    now = time.time()
    future = t > now + 86400
    if len(t) and np.median(t) > 1e8 and future.any():
        latest = time.strftime("%Y-%m-%d", time.gmtime(min(float(t.max()), 253402214400)))
        notices.append(f"{src}: {int(future.sum()):,} interactions are dated after today (latest {latest}); "
                       "kept them in time order. Fix: check the clock or time zone of the export if that is wrong.")
    return t


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
            raise DataError(f"{src}: {{column:timestamp}} holds {ts[bad].iloc[0]!r}, which is not a number "
                            f"or a date ({int(bad.sum())} such rows). Fix: use Unix seconds or ISO dates like "
                            "2024-05-01; if another column holds the times, {choose:ratings:timestamp}.")
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
