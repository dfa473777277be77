"""The honesty check for attribute attention (models with item features): remove one attribute value
from every history item (and the candidate) and re-score; the drop says how much the recommendation
really rests on that value, beside how much attention it got."""
import copy

import torch


@torch.no_grad()
def attribute_influence(model, seq: torch.Tensor, cand: torch.Tensor, values: list[str]) -> list[dict[str, float]]:
    """For each candidate (K of them) the score drop when each attribute value in `values` is taken out of
    the item -> attribute table. seq (1, L), cand (1, K). A copy of the model is edited, never the model
    itself (a server explains with one model object in many sessions)."""
    vocab = list(model.cfg.feature_vocab or [])
    base = model.score(seq, cand)[0].float()
    out = [dict() for _ in range(cand.shape[1])]
    for value in values:
        if value not in vocab:
            continue
        edited = copy.deepcopy(model)
        ids = edited.features.ids
        ids[ids == vocab.index(value) + 1] = 0  # the value is gone from every item
        drop = (base - edited.score(seq, cand)[0].float()).cpu().tolist()
        for j, d in enumerate(drop):
            out[j][value] = round(float(d), 6)
    return out
