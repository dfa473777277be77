"""What the families that reproduce other libraries' models share (ImportedRecommender): they are
never trained here, they read their shape from the imported library's own settings (ModelConfig.source),
and they convert our left-padded histories into the layout the library used.

Our histories are left-padded (B, L) with the most recent item last. RecBole's are left-aligned with a
length: `left_aligned` moves every row's items to the front, in order, and says where each came from, so
a family can run the library's forward pass as it is and put attention maps back in our layout.
"""
from dataclasses import dataclass

import torch

from ..errors import SettingError
from .base import FamilyDefaults, Recommender, mask_padding_column

# A RecBole / SASRec.pytorch model imported into the app is evaluated and explained, never trained:
FOREIGN_DEFAULTS = FamilyDefaults(loss="full", lr=0.0, negatives=0, weight_average=0.0, min_eval_steps=1)


@dataclass
class Aligned:
    """A batch of histories in the left-aligned layout: items first, in order, then padding."""
    seq: torch.Tensor  # (B, L) item indices, left-aligned
    lengths: torch.Tensor  # (B,) items per row
    order: torch.Tensor  # (B, L) aligned position p holds our position order[b, p]

    def back(self, maps: torch.Tensor, rows: torch.Tensor | None = None, cols: torch.Tensor | None = None) -> torch.Tensor:
        """(B, H, La, La) over aligned positions -> (B, H, L, L) over ours, exactly 0 wherever a row or a column
        is not one of the history's items. rows/cols (B, La): our position of each aligned position (-1: none);
        by default the items' own positions."""
        B, H, La, _ = maps.shape
        L = self.seq.shape[1]
        own = torch.where(torch.arange(La, device=maps.device)[None] < self.lengths[:, None], self.order[:, :La], -1)
        rows = own if rows is None else rows
        cols = own if cols is None else cols
        out = maps.new_zeros(B, H, L + 1, L + 1)  # row/column L: where "none" goes, cut off below
        r = torch.where(rows >= 0, rows, L)[:, None, :, None].expand(B, H, La, La)
        c = torch.where(cols >= 0, cols, L)[:, None, None, :].expand(B, H, La, La)
        out[torch.arange(B)[:, None, None, None], torch.arange(H)[None, :, None, None], r, c] = maps
        return out[:, :, :L, :L]


def left_aligned(seq: torch.Tensor) -> Aligned:
    """seq (B, L) left-padded (or with gaps) -> the same items moved to the front, in order."""
    keep = seq > 0
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)  # items first, in order; padding last
    return Aligned(seq.gather(1, order), keep.sum(1), order)


def gather_rows(x: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """x (B, L, D) in our layout -> (B, L, D) with row p taken from our position order[:, p]."""
    return x.gather(1, order[..., None].expand(-1, -1, x.shape[-1]))


def recent(seq: torch.Tensor, max_len: int) -> torch.Tensor:
    """The last max_len columns; the very tensor when it is no wider (the gradient explainers recognise
    the history's embedding lookup by its input being the tensor they passed in)."""
    return seq if seq.shape[1] <= max_len else seq[:, -max_len:]


def last_of(h: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, L, D), (B,) -> (B, D) at position length - 1 (RecBole's gather_indexes); an empty row reads position 0."""
    idx = (lengths - 1).clamp(min=0)
    return h[torch.arange(len(h), device=h.device), idx]


def pick(scores: torch.Tensor, candidates: torch.Tensor | None) -> torch.Tensor:
    """(B, N+1) scores over every item -> the same with padding at -inf, or the candidates' (C,) / (B, C)."""
    if candidates is None:
        return mask_padding_column(scores)
    if candidates.dim() == 1:
        return scores[:, candidates]
    return scores.gather(1, candidates)


class ImportedRecommender(Recommender):
    """A model another library trained, reproduced in plain PyTorch. Subclasses declare `source_library`,
    `source_model` and the settings they read from ModelConfig.source.settings (`required`)."""
    imported = True
    trainable = False
    defaults = FOREIGN_DEFAULTS
    settings = frozenset({"max_len"})
    sampling = "prefix"
    positions_per_window = 1
    source_library = ""  # e.g. "RecBole"
    source_model = ""  # e.g. "SASRec"
    required: tuple[str, ...] = ()  # the keys of ModelConfig.source.settings this family reads
    notes = ""  # what a person should know about how this import behaves, for the model card

    @classmethod
    def model_name(cls, cfg) -> str:
        return cls.family

    @classmethod
    def check(cls, cfg):
        if cfg.source is None:
            return [("arch", "is a family for imported models and needs the imported model's settings",
                     "import the model with `python -m recsys_core import-model`")]
        missing = [k for k in cls.required if k not in cfg.source.settings]
        if missing:
            return [("arch", f"misses the imported settings {', '.join(missing)}", "import the model again")]
        return []

    def setting(self, name: str):
        try:
            return self.cfg.source.settings[name]
        except (AttributeError, KeyError):
            raise SettingError("source", name, "is missing from the imported model's settings",
                               "import the model again") from None

    def forward(self, seq, targets, loss="full", negatives=256):
        raise SettingError("arch", self.family, "is an imported model and is not trained here",
                           "train it with the library it came from, then import it again")
