"""A broken run is caught, not kept: a non-finite loss stops training on the last validated weights
(or refuses to produce a model at all), and settings are checked in one place with one message."""
import math

import pytest
import torch

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.errors import SettingError, UserError
from recsys_core.models import MeanRecommender
from recsys_core.models.config import ModelConfig
from recsys_core.training.config import TrainConfig
from recsys_core.training.loop import train


@pytest.fixture(scope="module")
def data():
    return prepare(load_sample())


class BreaksAfter(MeanRecommender):
    """The mean baseline whose loss turns NaN after `good` training steps."""
    good = 0

    def forward(self, seq, targets, loss="full", negatives=256):
        scores, value = super().forward(seq, targets, loss, negatives)
        self.steps = getattr(self, "steps", 0) + 1
        return scores, value * float("nan") if self.steps > self.good else value


def test_a_nan_loss_stops_training_on_the_last_validated_weights(data):
    model = BreaksAfter(ModelConfig(arch="mean", dim=8, max_len=10), data.n_items)
    model.good = 400  # an epoch of mean is 301 steps on the embedded data: the first validation sees good weights
    result = train(model, data, TrainConfig(epochs=5, min_eval_steps=1, seed=0))
    assert result.stopped == "diverged"
    assert result.best_epoch == 1 and len(result.history) == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())  # the kept weights are the validated ones
    assert math.isfinite(result.history[0].loss)


def test_a_run_that_diverges_before_any_validation_gives_a_message_not_a_model(data):
    model = BreaksAfter(ModelConfig(arch="mean", dim=8, max_len=10), data.n_items)
    with pytest.raises(UserError, match="diverged.*learning rate"):
        train(model, data, TrainConfig(epochs=3, seed=0))


@pytest.mark.parametrize("field,value", [("lr", float("nan")), ("lr", float("inf")), ("lr", -1.0), ("lr", 0.0),
                                         ("epochs", 0), ("batch_size", 0), ("negatives", 0), ("patience", 0),
                                         ("max_seconds", float("nan")), ("max_seconds", -5.0), ("eval_users", 0),
                                         ("weight_decay", float("inf")), ("threads", -1), ("epochs", 2.5)])
def test_every_bad_training_setting_is_refused_naming_its_field(field, value):
    with pytest.raises(SettingError) as info:
        TrainConfig(**{field: value}).validate()
    assert info.value.field == field and "Fix:" in str(info.value)


@pytest.mark.parametrize("field,value", [("dim", 1), ("dim", float("nan")), ("max_len", 1), ("heads", 0),
                                         ("layers", 0), ("dropout", 1.0), ("dropout", -0.1), ("window", 0),
                                         ("attention", "fancy"), ("encoder", "rnn"), ("arch", "bert")])
def test_every_bad_model_setting_is_refused_naming_its_field(field, value):
    with pytest.raises(SettingError) as info:
        ModelConfig(**{field: value}).validate()
    assert info.value.field == field


def test_heads_that_do_not_divide_the_dimension_name_both_settings_in_each_front_ends_words():
    with pytest.raises(SettingError) as info:
        ModelConfig(arch="self", dim=64, heads=3).validate()
    e = info.value
    assert e.field == "dim"
    assert "--heads" in e.phrased({"dim": "--dim", "heads": "--heads"})
    assert e.phrased({"dim": "Embedding size", "heads": "Heads"}).startswith("Embedding size 64: does not divide into 3 Heads")
