"""Model families behind one interface (see base.Recommender), built by name from one registry."""
import torch

from ..config import ModelConfig
from .base import Recommender
from .baselines import MeanRecommender, PopularRecommender
from .selfattn import SelfAttentionRecommender
from .target import TargetAttentionRecommender

FAMILIES = {
    "target": TargetAttentionRecommender,
    "self": SelfAttentionRecommender,
    "popular": PopularRecommender,
    "mean": MeanRecommender,
}


def build_model(cfg: ModelConfig, n_items: int, seed: int | None = None) -> Recommender:
    """seed: seeds torch's generator first, so the initial weights are reproducible too (train()
    seeds only what follows; without this they depended on whatever had drawn random numbers before)."""
    cfg.validate()
    if seed is not None:
        torch.manual_seed(seed)
    return FAMILIES[cfg.arch](cfg, n_items)
