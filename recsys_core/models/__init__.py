"""Model families behind one interface (see base.Recommender), built by name from one registry."""
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


def build_model(cfg: ModelConfig, n_items: int) -> Recommender:
    cfg.validate()
    return FAMILIES[cfg.arch](cfg, n_items)
