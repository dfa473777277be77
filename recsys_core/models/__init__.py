"""Models: attention variants (attention.py, one registry), what a model is (config.py), and the
model families behind one interface (base.Recommender), each one class that declares what the rest
of the code needs to know about it, built by name from the registry below.

Adding a family: one Recommender subclass with its declarations, and one line in FAMILIES.

Families that reproduce models trained by other libraries (RecBole, SASRec.pytorch, TorchScript; see
foreign.py and recsys_core.imports) are in FAMILIES too, so their checkpoints load like any other;
NATIVE_FAMILIES are the ones the app builds and trains itself (the Train form, `train --arch`).
"""
import torch

from ..errors import SettingError
from .base import Recommender
from .baselines import MeanRecommender, PopularRecommender
from .config import ModelConfig
from .no_init import no_random_init
from .recbole import RecBoleBERT4Rec, RecBoleGRU4Rec, RecBoleSASRec
from .sasrec_pytorch import SASRecPyTorch
from .selfattn import SelfAttentionRecommender
from .target import TargetAttentionRecommender
from .torchscript import TorchScriptRecommender

FAMILIES: dict[str, type[Recommender]] = {cls.family: cls for cls in (
    TargetAttentionRecommender,
    SelfAttentionRecommender,
    PopularRecommender,
    MeanRecommender,
    RecBoleSASRec,
    RecBoleBERT4Rec,
    RecBoleGRU4Rec,
    SASRecPyTorch,
    TorchScriptRecommender,
)}
NATIVE_FAMILIES: dict[str, type[Recommender]] = {name: cls for name, cls in FAMILIES.items() if not cls.imported}


def family_of(name: str) -> type[Recommender]:
    """The family class registered under `name` (ModelConfig.arch), or a SettingError."""
    if name not in FAMILIES:
        raise SettingError("arch", repr(name), "is not a model family", f"use one of {', '.join(FAMILIES)}")
    return FAMILIES[name]


def build_model(cfg: ModelConfig, n_items: int, seed: int | None = None) -> Recommender:
    """seed: seeds torch's generator first, so the initial weights are reproducible too (train()
    seeds only what follows; without this they depended on whatever had drawn random numbers before)."""
    cfg.validate()
    if seed is not None:
        torch.manual_seed(seed)
    return family_of(cfg.arch)(cfg, n_items)


def build_for_weights(cfg: ModelConfig, n_items: int) -> Recommender:
    """A model whose weights are loaded next (from a checkpoint): built without drawing initial weights,
    so it leaves torch's global random generator as it was. Its parameters hold arbitrary values until then."""
    with no_random_init():
        return build_model(cfg, n_items)
