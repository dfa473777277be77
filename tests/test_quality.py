"""On the embedded data, attention models beat the baselines: the planted triggers are sequential
signal that neither popularity nor a mean of the history can use.

Fixed seeds and epochs (not seconds), so the result does not depend on machine load. The margin is
statistical: the paired per-user NDCG@10 difference must exceed twice its standard error (about
0.01 on 1,240 users), i.e. the win is not noise in which users happened to be easy.
"""
import numpy as np
import pytest

from recsys_core.config import ModelConfig, TrainConfig
from recsys_core.evaluate import rank_targets
from recsys_core.loaders import load_sample
from recsys_core.models import build_model
from recsys_core.preprocess import prepare
from recsys_core.train import train

EPOCHS = 60  # an upper bound; early stopping on validation ends every run sooner


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


@pytest.fixture(scope="module")
def ndcg(data):
    cache = {}

    def per_user(name):
        if name not in cache:
            arch, _, attention = name.partition("-")
            cfg = ModelConfig(arch=arch, attention=attention or "soft")
            model = build_model(cfg, data.n_items)
            train(model, data, TrainConfig(epochs=EPOCHS, seed=0), cfg.max_len)
            ranks = rank_targets(model, data, "test", "full", max_len=cfg.max_len)
            cache[name] = np.where(ranks < 10, 1 / np.log2(ranks + 2), 0.0)
        return cache[name]
    return per_user


def paired(ndcg, model, baseline):
    """Mean paired NDCG@10 difference and its standard error."""
    diff = ndcg(model) - ndcg(baseline)
    return diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff))


@pytest.mark.parametrize("model", ["target-soft", "self-soft"])
def test_attention_beats_baselines_on_full_ranking_ndcg(ndcg, model):
    for baseline in ("popular", "mean"):
        d, se = paired(ndcg, model, baseline)
        assert d > 2 * se, f"{model} vs {baseline}: +{d:.4f} (se {se:.4f})"


def test_hard_attention_beats_popularity_and_matches_mean(ndcg):
    # Known gap: one history item per candidate carries triggers but loses the averaging that
    # taste needs; measured 0.165-0.195 against mean's 0.166 depending on settings and seed. We
    # assert what holds: clearly better than popularity, and not significantly worse than mean.
    d, se = paired(ndcg, "target-hard", "popular")
    assert d > 2 * se, f"target-hard vs popular: +{d:.4f} (se {se:.4f})"
    d, se = paired(ndcg, "target-hard", "mean")
    assert d > -2 * se, f"target-hard vs mean: {d:+.4f} (se {se:.4f})"
