"""From a loaded `Dataset` to model-ready sequences: filter, index, split, pad.

Sequences are stored flat (CSR: `items` + `offsets`) so million-interaction datasets stay cheap.
Item index 0 is padding; real items are 1..n_items. Sequences are left-padded, so the most recent
item is always the last column, like SASRec.
"""
import hashlib
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import torch

from ..errors import DataError
from .dataset import Dataset

MIN_USER_LEN = 3  # leave-one-out needs one training item, one validation item and one test item


@dataclass
class PrepConfig:
    min_rating: float | None = None  # keep interactions rated at least this (None: keep all)
    k_core: int = 0  # repeatedly drop users and items with fewer interactions (0: off)


@dataclass
class Prepared:
    name: str
    user_ids: np.ndarray  # (U,) original user id of each user index
    item_ids: np.ndarray  # (N+1,) original item id of each item index; [0] is padding ""
    titles: np.ndarray  # (N+1,)
    categories: np.ndarray  # (N+1,)
    items: np.ndarray  # (I,) item index of every interaction, users' sequences back to back, chronological
    offsets: np.ndarray  # (U+1,) user u's sequence is items[offsets[u]:offsets[u+1]]
    times: np.ndarray  # (I,) timestamps aligned with items
    ratings: np.ndarray | None  # (I,) or None
    causes: np.ndarray | None  # (I,) planted cause labels (embedded sample) or None
    config: PrepConfig
    fingerprint: str
    notices: list

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids) - 1

    def seq(self, u: int) -> np.ndarray:
        return self.items[self.offsets[u]:self.offsets[u + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def user_index(self) -> dict:
        """user id -> user index, built once (read-only: shared by every caller)."""
        if "_user_index" not in self.__dict__:
            self.__dict__["_user_index"] = {uid: i for i, uid in enumerate(self.user_ids)}
        return self.__dict__["_user_index"]

    def item_index(self) -> dict:
        """item id -> item index, built once (read-only: shared by every caller)."""
        if "_item_index" not in self.__dict__:
            self.__dict__["_item_index"] = {iid: i for i, iid in enumerate(self.item_ids) if i > 0}
        return self.__dict__["_item_index"]


def prepare(ds: Dataset, config: PrepConfig | None = None) -> Prepared:
    config = config or PrepConfig()
    df, notices = ds.interactions, list(ds.notices)
    if config.min_rating is not None:
        if "rating" not in df.columns:
            raise DataError(f"{ds.source}: --min-rating needs ratings, and this dataset has none. Fix: drop --min-rating.")
        df = df[df["rating"] >= config.min_rating]
    if config.k_core > 0:
        df = _k_core(df, config.k_core)
    lens = df.groupby("user_id", sort=False)["item_id"].transform("size")
    short = lens < MIN_USER_LEN
    if short.all():
        raise DataError(f"{ds.source}: no user has at least {MIN_USER_LEN} interactions after filtering "
                        f"(min rating {config.min_rating}, k-core {config.k_core}). Fix: relax the filters or use more data.")
    if short.any():
        notices.append(f"{ds.source}: left out {df.loc[short, 'user_id'].nunique()} users with fewer than "
                       f"{MIN_USER_LEN} interactions (leave-one-out needs 3).")
        df = df[~short]
    # Rows arrive sorted by (user, time, file order) from the loader; keep that order.
    user_codes, user_ids = pd.factorize(df["user_id"], sort=False)
    item_codes, item_uniques = pd.factorize(df["item_id"], sort=False)
    # Items numbered in order of first appearance, 1-based; titles from the catalogue.
    cat = ds.items.drop_duplicates("item_id").set_index("item_id")
    item_ids = np.concatenate([[""], np.asarray(item_uniques, dtype=object)])
    titles = np.concatenate([[""], cat["title"].reindex(item_uniques).fillna("").to_numpy(dtype=object)])
    cats = np.concatenate([[""], cat["category"].reindex(item_uniques).fillna("").to_numpy(dtype=object)])
    order = np.argsort(user_codes, kind="stable")
    items = (item_codes[order] + 1).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(user_codes, minlength=len(user_ids)))]).astype(np.int64)
    times = df["timestamp"].to_numpy()[order]
    ratings = df["rating"].to_numpy(dtype=np.float32)[order] if "rating" in df.columns else None
    causes = df["cause"].to_numpy(dtype=object)[order] if "cause" in df.columns else None
    h = hashlib.sha256()
    for arr in (np.asarray(user_ids, dtype=str), item_ids.astype(str)):
        h.update("\x1f".join(arr).encode())
    h.update(items.tobytes())
    h.update(offsets.tobytes())
    return Prepared(name=ds.name, user_ids=np.asarray(user_ids, dtype=object), item_ids=item_ids, titles=titles,
                    categories=cats, items=items, offsets=offsets, times=times, ratings=ratings, causes=causes,
                    config=config, fingerprint=h.hexdigest()[:16], notices=notices)


def _k_core(df: pd.DataFrame, k: int) -> pd.DataFrame:
    while True:
        ucount = df.groupby("user_id")["item_id"].transform("size")
        icount = df.groupby("item_id")["user_id"].transform("size")
        keep = (ucount >= k) & (icount >= k)
        if keep.all():
            return df
        df = df[keep]
        if len(df) == 0:
            return df


# --- leave-one-out split and padding -------------------------------------------------------------

def split_ends(data: Prepared, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(history end, target) per user for a split: train history ends before the validation item.

    split: "valid" -> history seq[:-2], target seq[-2]; "test" -> history seq[:-1], target seq[-1].
    """
    ends = data.offsets[1:]
    if split == "valid":
        return ends - 2, data.items[ends - 2]
    if split == "test":
        return ends - 1, data.items[ends - 1]
    raise ValueError(f"split must be 'valid' or 'test', not {split!r}")


def pad_left(data: Prepared, ends: np.ndarray, max_len: int, users: np.ndarray | None = None) -> torch.Tensor:
    """(U, max_len) item indices: the last `max_len` items before each user's `end`, left-padded with 0."""
    users = np.arange(data.n_users) if users is None else users
    starts = data.offsets[users]
    idx = ends[:, None] - max_len + np.arange(max_len)[None, :]  # (U, L) flat positions
    valid = idx >= starts[:, None]
    out = np.where(valid, data.items[np.clip(idx, 0, len(data.items) - 1)], 0)
    return torch.from_numpy(out.astype(np.int64))


@dataclass
class SeenItems:
    """The distinct items each of some users interacted with, as CSR: row r's sorted items are
    indices[indptr[r]:indptr[r + 1]]. int32 throughout: 20M interactions take 80 MB, not a users x items mask."""
    indptr: np.ndarray  # (R+1,) int64 row starts (int64: 2**31 interactions would overflow int32)
    indices: np.ndarray  # (nnz,) int32 item indices, sorted within each row

    def row(self, r: int) -> np.ndarray:
        return self.indices[self.indptr[r]:self.indptr[r + 1]]

    def pairs(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row within `rows`, item) int64 pairs for the rows asked, e.g. to mask a (len(rows), N+1) score block."""
        starts, lens = self.indptr[rows], self.indptr[np.asarray(rows) + 1] - self.indptr[rows]
        local = np.repeat(np.arange(len(lens)), lens)
        flat = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(starts, lens)
        return local, self.indices[flat].astype(np.int64)


def seen_items(data: Prepared, users: np.ndarray | None = None) -> SeenItems:
    """A SeenItems row per user in `users` (default all), over each user's whole sequence."""
    users = np.arange(data.n_users) if users is None else np.asarray(users)
    starts, lens = data.offsets[users], data.offsets[users + 1] - data.offsets[users]
    local = np.repeat(np.arange(len(users), dtype=np.int64), lens)
    flat = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(starts, lens)
    width = data.n_items + 1
    keys = np.unique(local * width + data.items[flat])  # sorted by (row, item), duplicates gone
    del local, flat
    rows = keys // width
    indptr = np.zeros(len(users) + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=len(users)), out=indptr[1:])
    return SeenItems(indptr=indptr, indices=(keys - rows * width).astype(np.int32))


def pad_sequence(items: list[int], max_len: int) -> torch.Tensor:
    """(1, max_len) for one ad-hoc history (e.g. an edited one in the app)."""
    items = list(items)[-max_len:]
    return torch.tensor([[0] * (max_len - len(items)) + items], dtype=torch.long)


def config_dict(config: PrepConfig) -> dict:
    return asdict(config)
