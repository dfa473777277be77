"""The records of tests/data/imported (scripts/record_imports.py) and how far an imported model is from
them: shared by tests/test_imported_models.py (which bounds it) and bench/bench_imports.py (which reports it).

Each record holds, per user, the window the library fed (item ids, oldest first), its score for every
item, the items it masked before ranking, its top-10 and its attention rows: per layer, for the query
that makes the prediction, over the library's own positions (RecBole: left-aligned, keys 0..n-1 are the
items; BERT4Rec's input is the window without its oldest item, then [mask]; SASRec.pytorch: its
head-averaged weights over the whole left-padded window).
"""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from recsys_core.data.preprocess import pad_left, pad_sequence, split_ends

FIXTURES = Path(__file__).resolve().parent / "data" / "imported"


def records() -> dict:
    return json.loads((FIXTURES / "records.json").read_text())


@dataclass
class Agreement:
    users: int
    max_score_diff: float
    top10_identical: int  # users whose top-10 is the library's, in order
    max_attention_diff: float | None  # None where the library exposes no attention
    padding_weight: float  # the largest weight our maps give where the library's input has no item


def _seq(imp, window):
    index = imp.data.item_index()
    return pad_sequence([index[t] for t in window], imp.meta.max_len)


def _attention(imp, rec, r, seq):
    """(largest |ours - theirs| over the recorded rows, largest weight ours puts outside the library's items)."""
    maps = imp.model.explain(seq, torch.tensor([[1]])).maps
    n, L = len(r["window"]), seq.shape[1]
    worst = outside = 0.0
    for layer, theirs in enumerate(r["attention"]):
        row, theirs = maps[layer][0, :, -1], torch.tensor(theirs)  # (H, L) ours, the prediction's row
        if rec["model"] == "BERT4Rec":
            got, want, out = row[:, L - n + 1:], theirs[:, :n - 1], row[:, :L - n + 1]
        elif rec["library"].startswith("RecBole"):
            got, want, out = row[:, L - n:], theirs[:, :n], row[:, :L - n]
        else:
            got, want, out = row.mean(0), theirs, torch.zeros(1)
        worst = max(worst, float((got - want).abs().max()))
        outside = max(outside, float(out.abs().max()) if out.numel() else 0.0)
    return worst, outside


@torch.no_grad()
def agreement(imp, rec: dict) -> Agreement:
    ids = imp.data.item_ids
    score_diff, same, att, outside = 0.0, 0, None, 0.0
    for r in rec["users"].values():
        seq = _seq(imp, r["window"])
        scores = imp.model.score(seq)[0]
        ours = {str(ids[i]): float(scores[i]) for i in range(1, len(ids))}
        assert set(ours) == set(r["scores"]), "the record and the dataset disagree on the items"
        score_diff = max(score_diff, max(abs(ours[t] - s) for t, s in r["scores"].items()))
        masked = set(r["masked"])
        same += sorted((t for t in ours if t not in masked), key=lambda t: -ours[t])[:10] == r["top10"]
        if r["attention"]:
            a, o = _attention(imp, rec, r, seq)
            att, outside = max(att or 0.0, a), max(outside, o)
    return Agreement(len(rec["users"]), score_diff, same, att, outside)


def recbole_protocol(imp, chunk: int = 256) -> dict:
    """NDCG@10 and Hit@10 on the test split the way RecBole ranks a sequential model: the held-out item
    against every item, seen ones included (its full-sort evaluation masks only padding there)."""
    data, model = imp.data, imp.model
    ends, targets = split_ends(data, "test")
    ndcg = hit = 0.0
    with torch.no_grad():
        for start in range(0, data.n_users, chunk):
            b = np.arange(start, min(start + chunk, data.n_users))
            s = model.score(pad_left(data, ends[b], imp.meta.max_len, b))  # (B, N+1), padding at -inf
            t = torch.from_numpy(targets[b].astype(np.int64))
            rank = (s > s.gather(1, t[:, None])).sum(1).float()  # (B,) 0-based
            top = rank < 10
            hit += float(top.sum())
            ndcg += float(torch.where(top, 1 / torch.log2(rank + 2), torch.zeros_like(rank)).sum())
    return {"ndcg@10": ndcg / data.n_users, "hit@10": hit / data.n_users}
