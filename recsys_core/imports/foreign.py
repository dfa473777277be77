"""What every importer hands over (Foreign), and matching a foreign model's item numbers to a dataset.

An importer reads a file into a Foreign: which family reproduces it, the library's settings, the weights
under the family's own names but still in the library's item order, and the library's item ids (the
token of each of its item numbers). `to_family_order` then checks the model fits the dataset (its item
table has a row for every item plus padding) and puts item rows in our order, so the family needs no map.
"""
from dataclasses import dataclass, field

import numpy as np
import torch

from ..data.preprocess import Prepared
from ..errors import CheckpointError


@dataclass
class Foreign:
    family: str  # the registry name of the family that reproduces it
    library: str  # e.g. "RecBole 1.2.1"
    model: str  # the library's name for it, e.g. "SASRec"
    settings: dict  # the library's hyperparameters the family reads (ModelConfig.source.settings)
    state: dict[str, torch.Tensor]  # under the family's parameter names, item rows in the library's order
    item_rows: tuple[str, ...]  # state keys whose first dimension is the library's item numbering
    tokens: list[str] | None = None  # the library's item id of its number 1, 2, ... (None: not known yet)
    id_map: str = ""  # how `tokens` were found, in words
    max_len: int = 50
    extra_rows: int = 0  # rows after the items (BERT4Rec's mask token), kept at the end
    from_dataset: bool = False  # `tokens` were rebuilt from the dataset (RecBole), not read from the file or a map
    notices: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        """How many items the model numbers (its item table's rows, less padding and extra tokens)."""
        if self.item_rows:
            return len(self.state[self.item_rows[0]]) - self.extra_rows - 1
        return int(self.settings["items"])


def item_index(foreign: Foreign, data: Prepared, path: str) -> np.ndarray:
    """(N+1,) the library's number of each of our item indices (0 for padding), or a one-line refusal
    when the model's item table and the dataset disagree (another dataset, or another id map)."""
    rows = foreign.items + 1  # items + padding
    tokens = foreign.tokens
    if rows - 1 != len(tokens) and foreign.from_dataset:
        raise CheckpointError(f"{path}: the model has {rows - 1:,} items (+ padding); dataset '{data.name}' has "
                              f"{len(tokens):,}. Fix: import it with the dataset it was trained on (or pass its id "
                              "map with --id-map).")
    if rows - 1 != len(tokens):
        raise CheckpointError(f"{path}: the model has {rows - 1:,} items (+ padding) but its id map lists "
                              f"{len(tokens):,}. Fix: pass the id map of this model (--id-map).")
    number = {t: i + 1 for i, t in enumerate(tokens)}
    ours = [number.get(str(t)) for t in data.item_ids[1:]]
    missing = sum(n is None for n in ours)
    if missing:
        raise CheckpointError(f"{path}: the model knows {rows - 1:,} items; dataset '{data.name}' has "
                              f"{data.n_items:,}, {missing:,} of them unknown to the model (e.g. "
                              f"{next(str(t) for t, n in zip(data.item_ids[1:], ours) if n is None)!r}). "
                              "Fix: import it with the dataset it was trained on.")
    if rows - 1 > data.n_items:
        foreign.notices.append(f"the model knows {rows - 1 - data.n_items:,} items that dataset '{data.name}' does "
                               "not have after preparation; they are never recommended here.")
    return np.array([0] + ours, dtype=np.int64)


def to_family_order(foreign: Foreign, index: np.ndarray) -> dict[str, torch.Tensor]:
    """The state with every item-row tensor reordered to ours: row i = the library's row index[i]; rows
    after the library's items (a mask token) follow in their order."""
    state = dict(foreign.state)
    rows = len(foreign.tokens) + 1
    for key in foreign.item_rows:
        t = state[key]
        keep = torch.cat([torch.from_numpy(index), torch.arange(rows, len(t))])
        state[key] = t[keep].clone()
    return state
