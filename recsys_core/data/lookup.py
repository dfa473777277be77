"""Finding users and items in a prepared dataset by their own ids or by title."""
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from .preprocess import Prepared


def find_user(data: Prepared, user_id) -> int:
    index = data.user_index()
    key = str(user_id).strip()
    if key not in index:
        some = ", ".join(map(str, data.user_ids[:5]))
        raise UserError(f"user {key!r} is not in dataset '{data.name}'. Fix: use one of its user ids (e.g. {some}).")
    return index[key]


def find_item(data: Prepared, item_id) -> int:
    index = data.item_index()
    key = str(item_id).strip()
    if key not in index:
        raise UserError(f"item {key!r} is not in dataset '{data.name}'. Fix: search items by title to find their ids.")
    return index[key]


@dataclass(frozen=True)
class ItemHit:
    item_id: str
    title: str
    interactions: int


def search_items(data: Prepared, text: str, limit: int = 20) -> list[ItemHit]:
    """Items whose title contains `text` (case-insensitive), most interacted first."""
    text = text.strip().lower()
    if not text:
        return []
    counts = np.bincount(data.items, minlength=data.n_items + 1)
    hits = [i for i in range(1, data.n_items + 1) if text in str(data.titles[i]).lower()]
    hits.sort(key=lambda i: -counts[i])
    return [ItemHit(str(data.item_ids[i]), str(data.titles[i]), int(counts[i])) for i in hits[:limit]]


def users_who_interacted(data: Prepared, item_id, limit: int = 50) -> list[str]:
    i = find_item(data, item_id)
    users = np.searchsorted(data.offsets, np.flatnonzero(data.items == i), side="right") - 1
    return [str(data.user_ids[u]) for u in np.unique(users)[:limit]]
