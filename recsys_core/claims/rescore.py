"""The checker's own re-scoring, the way the what-if editor gets its numbers and nothing else: the
removal written as an edit (`-5,-3`), applied to the whole history of item ids by whatif.apply_edit,
the edited history's last max_len items padded and scored by the model, and ranked among the items
the edited history does not hold. It shares no code with removal.py, so a claim computed there and
confirmed here was computed twice, independently."""
import numpy as np
import torch

from ..data.lookup import find_user
from ..data.preprocess import pad_sequence
from ..explain.whatif import apply_edit
from ..store.opened import Loaded

EPS = 1e-5  # two scores this close are a tie: batched and single-row scoring may differ by float rounding


def removal_edit(removed_backs) -> str:
    """Removals as the editor's text, most distant first, so each step counts back on an unchanged tail."""
    return ",".join(f"-{b}" for b in sorted(set(removed_backs), reverse=True))


class Rescorer:
    """Scores of every item for a user's history (or an edited one) with some of its items removed."""

    def __init__(self, loaded: Loaded, user_id, history: list[str] | None = None):
        self.loaded, self.data = loaded, loaded.data
        self.index = self.data.item_index()
        u = find_user(self.data, user_id)
        self.ids = list(history) if history is not None else [str(self.data.item_ids[i]) for i in self.data.seq(u)]
        self.device = next((p.device for p in loaded.model.parameters()), torch.device("cpu"))
        self._cache: dict[tuple, torch.Tensor] = {}

    @property
    def visible_ids(self) -> list[str]:
        return self.ids[-self.loaded.max_len:]

    def item_at(self, back: int) -> str | None:
        """The item id `back` steps back in the history the model reads (None: outside it)."""
        return self.visible_ids[-back] if 1 <= back <= len(self.visible_ids) else None

    def _edited(self, removed: tuple) -> list[int]:
        ids = apply_edit(self.ids, removal_edit(removed)) if removed else self.ids
        return [self.index[i] for i in ids]

    @torch.no_grad()
    def prefetch(self, removals: list[tuple]):
        """Score several removal sets in one batched pass (each row padded on its own, as a single history)."""
        todo = [r for r in dict.fromkeys(tuple(sorted(set(r))) for r in removals) if r not in self._cache]
        if not todo:
            return
        histories = [self._edited(r) for r in todo]
        L = self.loaded.max_len
        seq = torch.cat([pad_sequence(h[-L:], L) for h in histories]).to(self.device)
        raw = self.loaded.model.score(seq).float()
        for r, h, row in zip(todo, histories, raw):
            self._cache[r] = self._masked(row, h)

    def _masked(self, row: torch.Tensor, history: list[int]) -> torch.Tensor:
        s = torch.where(torch.isfinite(row), row, float("-inf")).clone()
        s[0] = float("-inf")
        s[torch.tensor(history, device=s.device)] = float("-inf")
        return s

    def scores(self, removed=()) -> torch.Tensor:
        """(N+1,) masked scores: -inf for padding, non-finite scores and what the edited history holds."""
        key = tuple(sorted(set(removed)))
        self.prefetch([key])
        return self._cache[key]

    @torch.no_grad()
    def raw_score(self, item_id: str, removed=()) -> float:
        """The model's score for the item (even one the history holds), with `removed` taken out."""
        L = self.loaded.max_len
        seq = pad_sequence(self._edited(tuple(sorted(set(removed))))[-L:], L).to(self.device)
        return float(self.loaded.model.score(seq, torch.tensor([[self.index[item_id]]], device=self.device))[0, 0])

    def rank(self, item_id: str, removed=()) -> tuple[int | None, int]:
        """(0-based rank of the item among the items the edited history does not hold, None when it holds
        it; how many other items score within EPS of it: a rank may differ by that many through rounding)."""
        s = self.scores(removed)
        mine = s[self.index[item_id]]
        if not torch.isfinite(mine):
            return None, 0
        return int((s > mine).sum()), int(((s - mine).abs() <= EPS * max(1.0, float(mine.abs()))).sum()) - 1

    def top(self, k: int, removed=()) -> list[str]:
        s = self.scores(removed)
        k = min(k, int(torch.isfinite(s).sum()))
        return [str(self.data.item_ids[i]) for i in torch.topk(s, k).indices.tolist()]

    def drops(self, item_id: str) -> np.ndarray:
        """(n,) score drop of the item when each visible item is removed, oldest first (the editor's way);
        the item must be one the history does not hold."""
        backs = list(range(len(self.visible_ids), 0, -1))
        self.prefetch([()] + [(b,) for b in backs])
        i = self.index[item_id]
        base = float(self.scores()[i])
        return np.array([base - float(self.scores((b,))[i]) for b in backs])
