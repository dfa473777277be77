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


class _ScriptedRun:
    """An EpochRun whose epochs and validations follow a script: per epoch (stop set by the epoch, due,
    patience says stop, stop set by the validation)."""

    def __init__(self, script):
        from types import SimpleNamespace

        from recsys_core.training.stop import Stop
        self.script, self.result, self.log = script, SimpleNamespace(stopped=Stop.EPOCHS), []

    def epoch(self, epoch):
        self.log.append(("epoch", epoch))
        if self.script[epoch - 1][0] is not None:
            self.result.stopped = self.script[epoch - 1][0]
        return 1.0, 10 * epoch

    def due(self, epoch):
        return self.script[epoch - 1][1]

    def validate(self, epoch, loss, steps):
        self.log.append(("validate", epoch))
        if self.script[epoch - 1][3] is not None:
            self.result.stopped = self.script[epoch - 1][3]
        return self.script[epoch - 1][2]


def test_the_shared_epoch_driver_ends_a_run_for_the_right_reason():
    """training/epochs.run_epochs, which the main loop and the rating model's loop both run on."""
    from recsys_core.training.epochs import run_epochs
    from recsys_core.training.stop import Stop
    go = (None, True, False, None)
    run = _ScriptedRun([go, (None, False, False, None), (None, True, True, None), go])
    assert run_epochs(run, 4) == 30 and run.result.stopped == Stop.EARLY  # patience, at epoch 3's validation
    assert run.log == [("epoch", 1), ("validate", 1), ("epoch", 2), ("epoch", 3), ("validate", 3)]
    run = _ScriptedRun([go, (None, True, True, Stop.TIME), go])  # out of time and out of patience: time says why
    assert run_epochs(run, 3) == 20 and run.result.stopped == Stop.TIME
    for reason in (Stop.CANCELLED, Stop.DIVERGED, Stop.EARLY):  # set inside an epoch: no validation after it
        run = _ScriptedRun([go, (reason, True, False, None), go])
        assert run_epochs(run, 3) == 20 and run.result.stopped == reason and ("validate", 2) not in run.log
    run = _ScriptedRun([go, go])
    assert run_epochs(run, 2) == 20 and run.result.stopped == Stop.EPOCHS
