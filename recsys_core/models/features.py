"""Item features (issue 16): each item's attributes (its category, its `|`-separated genres) as ids
into a vocabulary, and the attention over one item's attributes that the attention families add to
its id embedding, as in the item-feature attention of DIN-style recommenders.

    cfg = with_item_features(cfg, data.categories)     # a ModelConfig carrying the table: checkpoints reload
    feats = ItemFeatures(cfg, n_items)                  # inside a family; `ids` (N+1, K) is a buffer
    alpha = feats.attend(z, ids)                        # (..., L, K): sums to 1 over each item's attributes
    item l's representation = E[l] + sum_k alpha_lk F[ids_lk]

The query behind `z` is the candidate (target family) or the position (self family). `aggregate`
turns one recommendation's item attention and feature attention into attribute value -> weight,
the explanation's second view ("Camping 0.61, Tents 0.22").
"""
from dataclasses import replace

import numpy as np
import torch
import torch.nn as nn

from ..errors import DataError

SEP = "|"  # MovieLens genres: "Action|Comedy"
# Attention families may compute feature terms densely over the whole vocabulary (one matrix product)
# when it has at most this many values per attribute slot of an item; else they gather per attribute.
DENSE_VALUES_PER_SLOT = 32


def attribute_values(text) -> list[str]:
    """"Action| Comedy|Action" -> ["Action", "Comedy"]: stripped, empty and repeated values dropped."""
    out = []
    for v in str(text or "").split(SEP):
        v = v.strip()
        if v and v not in out:
            out.append(v)
    return out


def attribute_table(categories) -> tuple[list[str], list[list[int]]]:
    """Per-item category strings (N+1,), index 0 padding -> (vocabulary, per item its attribute ids).
    Ids are 1-based into the vocabulary (0 pads a row); the vocabulary is sorted, so it does not
    depend on item order."""
    per_item = [[] if i == 0 else attribute_values(c) for i, c in enumerate(categories)]
    vocab = sorted({v for values in per_item for v in values})
    index = {v: a + 1 for a, v in enumerate(vocab)}
    return vocab, [[index[v] for v in values] for values in per_item]


def with_item_features(cfg, categories):
    """`cfg` with item features on and the data's attribute table in it (ModelConfig fields
    feature_vocab and item_attributes), so that build_model and checkpoints need nothing else."""
    vocab, table = attribute_table(categories)
    if not vocab:
        raise DataError("--item-features: this dataset's items have no attributes (no category or genres). "
                        "Fix: add a category/genres column to the item table, or train without --item-features.")
    return replace(cfg, item_features=True, feature_vocab=vocab, item_attributes=table)


def masked_softmax(z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dim restricted to `mask`; all zeros where a row has nothing unmasked."""
    return z.masked_fill(~mask, torch.finfo(z.dtype).min).softmax(-1) * mask


class ItemFeatures(nn.Module):
    """Attribute embeddings F (V+1, D), the item -> attribute table and a query projection."""

    def __init__(self, cfg, n_items: int):
        super().__init__()
        table = cfg.item_attributes
        if len(table) != n_items + 1:
            raise DataError(f"item features: the attribute table has {len(table) - 1:,} items, the model "
                            f"{n_items:,}. Fix: build the config from this dataset (with_item_features).")
        self.width = max(1, max(len(r) for r in table))  # K: the most attributes any item has
        ids = np.zeros((n_items + 1, self.width), dtype=np.int64)
        for i, r in enumerate(table):
            ids[i, :len(r)] = r
        # Not in the state dict: the table lives in the config (one copy), rebuilt at every build.
        self.register_buffer("ids", torch.from_numpy(ids), persistent=False)  # (N+1, K), 0 = none
        D = cfg.dim
        self.scale = D ** -0.5
        self.emb = nn.Embedding(len(cfg.feature_vocab) + 1, D, padding_idx=0)
        self.dense = len(cfg.feature_vocab) + 1 <= DENSE_VALUES_PER_SLOT * self.width
        self.wq = nn.Linear(D, D, bias=False)
        # Random attribute embeddings: zero ones (starting as the model without features) left self's
        # feature attention near uniform on tests/test_item_features.py's colour data (0.60 vs 0.81 on the colour).
        nn.init.normal_(self.emb.weight, std=D ** -0.5)
        nn.init.zeros_(self.wq.weight)  # zero queries: uniform over an item's attributes at the start
        with torch.no_grad():
            self.emb.weight[0].zero_()

    def vocab_logits(self, q: torch.Tensor) -> torch.Tensor:
        """Queries (..., D) -> logits for every attribute value (..., V+1)."""
        return self.wq(q) @ self.emb.weight.T * self.scale

    def attend(self, z: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Gathered logits z (..., L, K) for the attributes `ids` (.., L, K) -> weights summing to 1 over
        each item's attributes (0 for padding slots; all 0 for an item without attributes)."""
        return masked_softmax(z, ids > 0)

    def sum_embeddings(self, alpha: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """alpha, ids (B, L, K) -> sum_k alpha_k F[ids_k] (B, L, D)."""
        return (alpha[..., None] * self.emb(ids)).sum(-2)


def aggregate(item_weights, alpha, ids, vocab: list[str], digits: int = 6) -> dict[str, float]:
    """One recommendation's attribute value -> sum over history items l of item weight w_l x feature
    weight alpha_lk, largest first. item_weights (L,), alpha and ids (L, K). The weights add up to the
    item attention on items that have attributes (1 when every history item has one)."""
    w = np.asarray(item_weights, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64) * w[:, None]
    ids = np.asarray(ids)
    totals = np.bincount(ids.ravel(), weights=a.ravel(), minlength=len(vocab) + 1)[1:]
    order = np.argsort(-totals, kind="stable")
    return {vocab[v]: round(float(totals[v]), digits) for v in order if totals[v] > 0}
