"""Is an explanation honest? The removal test (how much a score drops when each history item is taken
out, by the one removal rule: explain/removal.py) and its agreement with what the attention points at."""
import numpy as np
import pandas as pd

from .explainers.occlusion import occlusion
from .explanation import Honesty


def removal_influence(model, base, cand) -> np.ndarray:
    """(K, n): score drop for each candidate when each visible history item of base (removal.Viewed) is removed."""
    return occlusion(model, base.seq, cand, base.older)[0, :, -base.n:].cpu().numpy()


def honesty(soft: np.ndarray, infl: np.ndarray) -> Honesty:
    """Agreement between what attention points at and what actually moves the score."""
    top_attn, top_infl = int(np.argmax(soft)), int(np.argmax(infl))
    order = np.argsort(-infl)
    rank = int(np.flatnonzero(order == top_attn)[0])
    # Spearman rank correlation with tied values sharing their average rank (no scipy needed).
    ra, ri = pd.Series(soft).rank().to_numpy(), pd.Series(infl).rank().to_numpy()
    rho = float(np.corrcoef(ra, ri)[0, 1]) if len(soft) > 2 and ra.std() and ri.std() else None
    return Honesty(top_attention=top_attn, top_influence=top_infl, agree=top_attn == top_infl,
                   attention_top_influence_rank=rank, spearman=None if rho is None or np.isnan(rho) else round(rho, 3),
                   drop_when_top_attention_removed=round(float(infl[top_attn]), 6),
                   max_drop=round(float(infl[top_infl]), 6))
