"""RecBole atomic files (https://recbole.io/docs/user_guide/data/atomic_files.html): a tab-separated
name.inter with typed headers (`user_id:token`), found directly or as the one in a folder, plus an
optional name.item beside it for titles and categories; fields are picked by name.
"""
import csv
import os

import numpy as np
import pandas as pd

from ...errors import DataError
from ..dataset import Dataset, make_items
from .reading import _check_delimiter, _ratings, _read_text, _show, _stem


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
