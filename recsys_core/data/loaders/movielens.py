"""MovieLens folders: 100K (tab-separated u.data + '|'-separated u.item with genre flags), 1M
('::'-separated ratings.dat + movies.dat, Latin-1) and latest / latest-small (ratings.csv + movies.csv),
each read into a `Dataset` with ratings; the catalogue file is optional.
"""
import os

import numpy as np
import pandas as pd

from ...errors import DataError
from ..dataset import Dataset, make_items
from .reading import _need_columns, _numeric_ids, _read_text


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
