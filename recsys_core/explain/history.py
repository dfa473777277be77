"""A user's history as every explanation reads it, and the one ranking of the catalogue for it.

    view = view_of(loaded, user_id)                    # or history=[item ids] for a what-if edit
    scores = rank_unseen(loaded.model, view)           # (N+1,): -inf for what the user has
    rank = rank_in(scores, item)                       # 0-based, None for an item the user has

An edited history (whatif.py) replaces the user's whole history: exactly its items count as what the
user has, so an item edited out may be recommended again (the one removal rule, removal.py).
"""
from dataclasses import dataclass

import numpy as np
import torch

from ..data.lookup import find_item, find_user
from ..errors import UserError
from ..models.ranking import rank_of, usable_scores
from ..store.opened import Loaded
from .removal import Viewed


@dataclass
class UserView:
    u: int  # the user's index in the prepared data
    user_id: str
    history: np.ndarray  # item indices, oldest first: the user's whole history, or the edited one
    visible: np.ndarray  # its last max_len items: what the model reads
    base: Viewed  # visible as a (1, L) left-padded batch, and the counts of every item the user has
    edited: bool  # a what-if history

    @property
    def n(self) -> int:
        return len(self.visible)


def view_of(loaded: Loaded, user_id, history: list[str] | None = None) -> UserView:
    """The user's history (or `history`: item ids, oldest first, replacing it), as the model reads it."""
    data, L = loaded.data, loaded.max_len
    u = find_user(data, user_id)
    full = data.seq(u) if history is None else np.array([find_item(data, i) for i in history], dtype=np.int64)
    if len(full) == 0:
        raise UserError(f"user {data.user_ids[u]} has an empty history. Fix: pick a user with interactions.")
    device = next((p.device for p in loaded.model.parameters()), torch.device("cpu"))
    return UserView(u=u, user_id=str(data.user_ids[u]), history=full, visible=full[-L:],
                    base=Viewed.of(full, L, data.n_items, device), edited=history is not None)


@torch.no_grad()
def rank_unseen(model, view: UserView) -> torch.Tensor:
    """(N+1,) the model's scores for the history, -inf for what the user has, padding and non-finite scores."""
    scores = usable_scores(model.score(view.base.seq))[0]
    return scores.masked_fill(view.base.had > 0, float("-inf"))


def rank_in(scores: torch.Tensor, item: int) -> int | None:
    """0-based rank of `item` among the unseen items of a rank_unseen row (None: the user has it)."""
    s = scores[item]
    return int(rank_of(scores[None], s[None])[0]) if torch.isfinite(s) else None
