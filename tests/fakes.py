"""Stand-in models and files shared by several test modules: a valid untrained checkpoint, a model whose
every score is a sum of table entries (each rank worked out by hand), and a TorchScript recommender."""
import os

import torch
import torch.nn as nn

from recsys_core.data.registry import load_dataset
from recsys_core.models import build_model
from recsys_core.models.config import ModelConfig
from recsys_core.store.checkpoint import FILENAME, atomic_write_json, make_meta, save_checkpoint


def make_checkpoint(folder, data, arch: str = "popular") -> str:
    """An untrained but valid checkpoint (model.pt + metrics.json) for `data` in `folder`; returns model.pt."""
    cfg = ModelConfig(arch=arch, dim=8)
    model = build_model(cfg, data.n_items)
    metrics = {"full": {"ndcg@10": 0.25, "hr@10": 0.5}}
    path = os.path.join(folder, FILENAME)
    save_checkpoint(path, model, make_meta(model, data, cfg, metrics=metrics, dataset_spec="sample"))
    atomic_write_json(os.path.join(folder, "metrics.json"), {"model": cfg.name, **metrics})
    return path


class TableModel(nn.Module):
    """score(history, c) = sum over history items h of A[h, c] + b[c]: no positions, no attention.
    Items 1-3 are the history; item 4 is explained; item 5 scores 0.5 per history item; item 6 a flat 2."""
    has_attention = False
    attention_has_focus = False
    trim_padding = True

    def __init__(self):
        super().__init__()
        A = torch.zeros(7, 7)
        A[1, 4], A[2, 4], A[3, 4] = 3.0, 1.0, -1.0
        A[1:4, 5] = 0.5
        self.A = nn.Parameter(A, requires_grad=False)
        self.b = nn.Parameter(torch.tensor([0, 0, 0, 0, 0, 0, 2.0]), requires_grad=False)

    def score(self, seq, candidates=None):
        full = self.A[seq].sum(1) + self.b  # (B, 7): padding row 0 of A is zero
        full[:, 0] = float("-inf")
        return full if candidates is None else full.gather(1, candidates)


def brute_score(history: list[int], c: int) -> float:
    table = {(1, 4): 3.0, (2, 4): 1.0, (3, 4): -1.0, (1, 5): 0.5, (2, 5): 0.5, (3, 5): 0.5}
    return sum(table.get((h, c), 0.0) for h in history) + (2.0 if c == 6 else 0.0)


def brute_rank(history: list[int], c: int, had=None) -> int:
    """The rank among the items the user has not: by the one removal rule, an item removed from the
    history may be recommended again, so `had` defaults to the history itself."""
    had = history if had is None else had
    mine = brute_score(history, c)
    return sum(brute_score(history, o) > mine for o in range(1, 7) if o not in had and o != c)


class Bag(torch.nn.Module):
    """A tiny recommender: the history's mean embedding against every item's (M+1 columns)."""

    def __init__(self, items: int, wrong: bool = False):
        super().__init__()
        torch.manual_seed(0)
        self.emb = torch.nn.Embedding(items + 1, 8)
        self.wrong = wrong

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        h = (self.emb(seq) * (seq > 0).unsqueeze(-1).float()).sum(1)
        scores = h @ self.emb.weight.T
        if self.wrong:
            return scores[:, 1:]
        return scores


def exported_torchscript(tmp_path, wrong=False):
    ids = list(load_dataset("sample").items["item_id"])[::-1]  # the module's own numbering: reversed
    path, id_map = tmp_path / "bag.pt", tmp_path / "ids.txt"
    torch.jit.script(Bag(len(ids), wrong)).save(str(path))
    id_map.write_text("\n".join(ids) + "\n")
    return path, id_map, ids


class Payload:
    """Unpickles as open(marker, "w"): the file appearing is proof that loading ran code."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))
