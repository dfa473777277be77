"""The one dataset type every loader returns, whatever the file format.

Ids are kept as the dataset's own ids (strings) for display and lookup; contiguous integer ids are
made later by `preprocess`. Interactions keep file order, so preprocessing can sort stably.
"""
from dataclasses import dataclass, field

import pandas as pd

INTERACTION_COLUMNS = ("user_id", "item_id", "timestamp")  # always present; rating and cause optional
ITEM_COLUMNS = ("item_id", "title", "category")


@dataclass
class Dataset:
    name: str  # "sample", "ml-100k", or the file/folder name for other sources
    interactions: pd.DataFrame  # user_id, item_id (str), timestamp (int64 seconds or order), [rating], [cause]
    items: pd.DataFrame  # item_id (str), title (str), category (str, "" when unknown); the whole catalogue
    source: str = ""  # path it was read from, for messages
    fmt: str = ""  # detected format, e.g. "movielens-100k", "recbole", "csv"
    # One-line, non-fatal things the loader fixed; may hold {column:...} placeholders: show with errors.phrase.
    notices: list[str] = field(default_factory=list)
    has_ratings: bool = False
    has_times: bool = True  # False for SASRec text files: timestamps are the line order

    def titles(self) -> dict[str, str]:
        return dict(zip(self.items["item_id"], self.items["title"]))


def make_items(item_ids, titles=None, categories=None) -> pd.DataFrame:
    """Item table with the standard columns; a missing title falls back to 'Item <id>'."""
    ids = pd.Series(item_ids, dtype="string").astype(str)
    if titles is None:
        titles = "Item " + ids
    if categories is None:
        categories = [""] * len(ids)
    return pd.DataFrame({"item_id": ids.values, "title": pd.Series(titles).astype(str).values,
                         "category": pd.Series(categories).fillna("").astype(str).values})
