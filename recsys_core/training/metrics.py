"""Ranking metrics at K. Keys everywhere: hr@10, ndcg@10, mrr@10, precision@10, recall@10, f1@10.

Two entry points that agree: `metrics_at_k` for a ranked list and a set of relevant items (the
textbook definitions, hand-checkable), and `metrics_from_ranks` for the leave-one-out case of one
held-out item per user given its 0-based rank (vectorised, used by evaluation).
"""
import math

import numpy as np

METRICS = ("hr", "ndcg", "mrr", "precision", "recall", "f1")


def metrics_at_k(ranked: list, relevant: set, k: int) -> dict:
    top = list(ranked)[:k]
    hits = [i for i, item in enumerate(top) if item in relevant]
    precision = len(hits) / k
    recall = len(hits) / len(relevant) if relevant else 0.0
    dcg = sum(1 / math.log2(i + 2) for i in hits)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return {
        f"hr@{k}": 1.0 if hits else 0.0,
        f"ndcg@{k}": dcg / idcg if idcg else 0.0,
        f"mrr@{k}": 1 / (hits[0] + 1) if hits else 0.0,
        f"precision@{k}": precision,
        f"recall@{k}": recall,
        f"f1@{k}": 2 * precision * recall / (precision + recall) if hits else 0.0,
    }


def metrics_from_ranks(ranks: np.ndarray, ks=(10, 20)) -> dict:
    """ranks: 0-based rank of each user's single held-out item. Means over users."""
    ranks = np.asarray(ranks, dtype=np.float64)
    out = {}
    for k in ks:
        hit = ranks < k
        hr = hit.mean() if len(ranks) else 0.0
        out[f"hr@{k}"] = float(hr)
        out[f"ndcg@{k}"] = float(np.where(hit, 1 / np.log2(ranks + 2), 0).mean()) if len(ranks) else 0.0
        out[f"mrr@{k}"] = float(np.where(hit, 1 / (ranks + 1), 0).mean()) if len(ranks) else 0.0
        out[f"precision@{k}"] = float(hr / k)
        out[f"recall@{k}"] = float(hr)
        out[f"f1@{k}"] = float(hr * 2 / (k + 1))  # per user: hit -> 2 (1/k)(1) / (1/k + 1); miss -> 0
    return out
