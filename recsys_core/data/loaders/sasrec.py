"""SASRec text files: one whitespace-separated `user item` pair of integers per line, no header,
already in time order, so the line number stands in for the time (the `Dataset` has no real times).
"""
import numpy as np
import pandas as pd

from ...errors import DataError
from ..dataset import Dataset, make_items
from .reading import _numeric_ids, _read_text, _stem, check_rows, max_rows


def load_sasrec(path: str) -> Dataset:
    """`user item` per line, already in time order, so the line number stands in for the time."""
    cap = max_rows()
    df = _read_text(path, sep=r"\s+", header=None, engine="c", nrows=cap + 1)
    check_rows(path, len(df), cap)
    if df.shape[1] != 2:
        raise DataError(f"{path}: expected 2 whitespace-separated fields (user item) per line, found {df.shape[1]}. "
                        "Fix: a SASRec file holds one 'user item' pair per line; save other tables as .csv.")
    df.columns = ["user_id", "item_id"]
    _numeric_ids(df, path, ["user_id", "item_id"], "a SASRec file holds integer 'user item' pairs, with no header line.")
    for c in ("user_id", "item_id"):
        values = pd.to_numeric(df[c]).to_numpy(dtype=np.float64)
        bad = ~((values >= 1) & (values < 2 ** 53) & (np.mod(values, 1) == 0))
        if bad.any():
            raise DataError(f"{path}: {c} {df[c].iloc[int(np.flatnonzero(bad)[0])]} on line {int(np.flatnonzero(bad)[0]) + 1} is not a "
                            "whole number from 1 to 2^53. Fix: SASRec files number users and items 1, 2, 3, ...")
    df = df.astype({"user_id": "int64", "item_id": "int64"})
    df = df.astype({"user_id": str, "item_id": str})
    df["timestamp"] = np.arange(len(df), dtype=np.int64)
    return Dataset(name=_stem(path), interactions=df, items=make_items([]), source=path, has_times=False)
