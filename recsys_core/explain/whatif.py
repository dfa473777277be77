"""What-if editing: change a user's history (remove, add, reorder items) and see what the model
recommends then, which recommendations moved, and the attention and checks behind the new list.

An edit is a short text that a link, the CLI and the page share: comma-separated steps applied in
order to the visible history, positions counted back from the most recent item (1 = the last):
  -3      remove the item 3 back
  +ID     add item ID (the dataset's own id) as the most recent
  5>1     move the item 5 back to 1 back
`apply_edit` is the pure part (lists in, list out); `what_if` runs the model on both histories.
"""
from dataclasses import dataclass, field

from ..data.lookup import find_user
from ..errors import UserError
from ..models.ranking import top_items
from ..store.opened import Loaded
from .explanation import Explanation

MAX_STEPS = 50  # a link is not a place for a whole new history


@dataclass
class Move:
    item_id: str
    title: str
    before: int | None  # 1-based rank before the edit (None: the user had it, so it was not ranked)
    after: int | None  # 1-based rank after the edit (None: not in the new top-K)

    @property
    def arrow(self) -> str:
        if self.before is None or self.after is None:
            return "new" if self.after is not None else "out"
        return "↑" if self.after < self.before else "↓" if self.after > self.before else "="


@dataclass
class WhatIf:
    edit: str
    original: list[str]  # the user's whole history before the edit, oldest first (item ids)
    history: list[str]  # the user's whole edited history, oldest first (item ids); the model sees its tail
    after: Explanation  # the explanation of the edited history
    moves: list[Move] = field(default_factory=list)  # the new top-K in order, then the ones that left it


def parse_edit(text: str) -> list[tuple]:
    """'-3,+B12,5>1' -> [('remove', 3), ('add', 'B12'), ('move', 5, 1)]; a UserError names a bad step."""
    steps = [s.strip() for s in (text or "").split(",") if s.strip()]
    if len(steps) > MAX_STEPS:
        raise UserError(f"the edit has {len(steps)} steps, more than {MAX_STEPS}. Fix: make fewer changes at once.")
    out = []
    for s in steps:
        try:
            if s.startswith("-"):
                out.append(("remove", int(s[1:])))
            elif s.startswith("+") and len(s) > 1:
                out.append(("add", s[1:]))
            elif ">" in s:
                a, b = s.split(">", 1)
                out.append(("move", int(a), int(b)))
            else:
                raise ValueError
        except ValueError:
            raise UserError(f"edit step {s!r} is not one of -N (remove N back), +ID (add an item), N>M (move). "
                            "Fix: e.g. -3,+1234,5>1") from None
    return out


def apply_edit(history: list[str], edit: str) -> list[str]:
    """The history (oldest first) after the edit's steps; positions count back from the most recent (1)."""
    items = list(history)

    def index(back: int, size: int) -> int:
        if not 1 <= back <= size:
            raise UserError(f"position {back} back is outside this history (1 … {size}). Fix: pick an item that is shown.")
        return size - back

    for step in parse_edit(edit):
        if step[0] == "remove":
            del items[index(step[1], len(items))]
        elif step[0] == "add":
            items.append(step[1])
        else:
            item = items.pop(index(step[1], len(items)))
            items.insert(len(items) + 1 - max(1, min(step[2], len(items) + 1)), item)
    if not items:
        raise UserError("the edit removes every item of the history. Fix: keep at least one.")
    return items


def what_if(loaded: Loaded, user_id, edit: str, k: int = 10, planted: dict | None = None) -> WhatIf:
    """The recommendations and their explanation on the edited history, and how each moved: one
    explanation of the edited history and one ranking of the user's own."""
    from .history import rank_in, rank_unseen, view_of
    from .user import explain_user
    data = loaded.data
    original = [str(data.item_ids[i]) for i in data.seq(find_user(data, user_id))]
    # Edited as a whole: items older than the model's window stay "had" (never recommended back).
    edited = apply_edit(original, edit)
    known = data.item_index()
    unknown = [i for i in edited if i not in known]
    if unknown:
        raise UserError(f"item {unknown[0]!r} is not in dataset {data.name!r}. Fix: add an item it has "
                        "(search by title on the Explain page).")
    after = explain_user(loaded, user_id, k=k, planted=planted, history=edited)
    was = rank_unseen(loaded.model, view_of(loaded, user_id))  # the ranking before the edit
    top_before = top_items(was, k)
    now = {r.item_id for r in after.recommendations}

    def before(item_id: str) -> int | None:
        r = rank_in(was, known[item_id])
        return None if r is None else r + 1

    moves = [Move(r.item_id, r.title, before(r.item_id), r.rank + 1) for r in after.recommendations]
    moves += [Move(str(data.item_ids[i]), str(data.titles[i]), j + 1, None) for j, i in enumerate(top_before)
              if str(data.item_ids[i]) not in now]
    return WhatIf(edit=edit, original=original, history=edited, after=after, moves=moves)
