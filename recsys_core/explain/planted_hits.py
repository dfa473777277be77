"""The embedded shop's planted truth, per explainer: over users whose held-out (test) item is a
planted follow-up with its trigger in view, hit@1 and hit@3 of the trigger in each explainer's
ranking of the history. Ties count fairly (a trigger tied with t items for the last of k places
scores the chance it would be drawn), so `uniform` scores chance, never a lucky tie-break."""
import numpy as np
import torch

from ..data.preprocess import pad_sequence, split_ends
from ..store.opened import Loaded
from .explainers import EXPLAINERS, chosen

HIT_AT = (1, 3)


def planted_cases(loaded: Loaded, planted: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
    """(seq (B, L), follow-up item (B, 1), trigger's padded position (B,)) for the test cases, or None."""
    data, L = loaded.data, loaded.max_len
    ends, targets = split_ends(data, "test")
    seqs, cands, pos = [], [], []
    for u, (e, t) in enumerate(zip(ends, targets)):
        if int(t) not in planted:
            continue
        hist = data.items[max(data.offsets[u], e - L):e]
        where = np.flatnonzero(hist == planted[int(t)])
        if len(where):
            seqs.append(pad_sequence(hist.tolist(), L))
            cands.append(int(t))
            pos.append(L - len(hist) + int(where[-1]))
    if not seqs:
        return None
    return torch.cat(seqs), torch.tensor(cands)[:, None], torch.tensor(pos)


def hit_at(importance: torch.Tensor, seq: torch.Tensor, pos: torch.Tensor, k: int) -> torch.Tensor:
    """(B,) expected hit@k of position `pos` in importance (B, L) over real items, ties drawn at random."""
    imp = importance.float().masked_fill(seq == 0, float("-inf"))
    mine = imp.gather(1, pos[:, None])  # (B, 1)
    greater = (imp > mine).sum(1).float()
    tied = (imp == mine).sum(1).float()
    return ((k - greater) / tied).clamp(0, 1)


def planted_hits(loaded: Loaded, planted: dict, names=None) -> dict:
    """{"cases": n, "chance@1": ..., "by_explainer": {name: {"hit@1": .., "hit@3": ..}}} ({} without cases)."""
    cases = planted_cases(loaded, planted) if planted else None
    if cases is None:
        return {}
    model = loaded.model
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    seq, cand, pos = (x.to(device) for x in cases)
    out = {}
    for name in chosen(model, names):
        imp = EXPLAINERS[name](model, seq, cand)[:, 0]  # (B, L)
        out[name] = {f"hit@{k}": round(float(hit_at(imp, seq, pos, k).mean()), 4) for k in HIT_AT}
    n_real = (seq > 0).sum(1).float()
    return {"cases": len(seq), "chance@1": round(float((1 / n_real).mean()), 4),
            "chance@3": round(float((3 / n_real).clamp(max=1).mean()), 4), "by_explainer": out}
