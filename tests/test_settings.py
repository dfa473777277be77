"""Settings declared once (recsys_core/setting.py): the train command's flags and the Train form's
fields are generated from the config dataclasses, with the dataclasses' defaults."""
import argparse
from dataclasses import dataclass

import pytest

from recsys_core.cli.config_flags import add_config_flags, config_values
from recsys_core.cli.main import build_parser
from recsys_core.models.config import ModelConfig
from recsys_core.setting import setting, setting_of, settings_of
from recsys_core.training.config import TrainConfig


def train_args(*argv):
    return build_parser().parse_args(["train", "--out", "x", *argv])


def test_no_flags_give_the_dataclass_defaults():
    args = train_args()
    model = config_values(ModelConfig, args)
    assert model.pop("item_features") is False
    assert ModelConfig(**model) == ModelConfig(attention=None)  # "soft" once cmd_train notes it was not given
    assert TrainConfig(**config_values(TrainConfig, args)) == TrainConfig()


def test_every_declared_flag_parses_into_its_field():
    args = train_args("--arch", "self", "--max-len", "30", "--last-skip", "on", "--item-features",
                      "--weight-decay", "0.1", "--stop-metric", "ndcg", "--lr", "0.002", "--window-stride", "0")
    model, train = config_values(ModelConfig, args), config_values(TrainConfig, args)
    assert (model["arch"], model["max_len"], model["last_skip"], model["item_features"]) == ("self", 30, True, True)
    assert (train["weight_decay"], train["stop_metric"], train["lr"], train["window_stride"]) == (0.1, "ndcg", 0.002, 0)
    assert config_values(ModelConfig, train_args("--last-skip", "off"))["last_skip"] is False
    flagged = {s.name for cls in (ModelConfig, TrainConfig) for s in settings_of(cls) if s.flag}
    assert {"arch", "max_len", "last_skip", "epochs", "lr", "negatives", "windows_per_user", "device"} <= flagged


def test_choices_come_from_the_registries():
    with pytest.raises(SystemExit):
        train_args("--loss", "hinge")
    assert setting_of(ModelConfig, "attention").choices == tuple(__import__("recsys_core.models.attention",
                                                                           fromlist=["ATTENTION"]).ATTENTION)


def test_a_new_setting_is_one_field():
    @dataclass
    class Extra:
        warmup_steps: int = setting(500, "steps of linear learning-rate warm-up", label="Warm-up", flag=True)
        hidden: int = 3  # not declared with setting(): no flag
    p = argparse.ArgumentParser()
    add_config_flags(p, Extra)
    assert "warm-up" in p.format_help() and "(default 500)" in p.format_help()
    assert "--hidden" not in p.format_help()
    assert Extra(**config_values(Extra, p.parse_args(["--warmup-steps", "20"]))).warmup_steps == 20
    with pytest.raises(SystemExit):
        p.parse_args(["--warmup-steps", "many"])


def test_per_family_defaults_are_named_in_the_help(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    out = capsys.readouterr().out
    from recsys_core.models import NATIVE_FAMILIES
    said = ", ".join(f"{n} {c.defaults.negatives}" for n, c in NATIVE_FAMILIES.items() if c.trainable)
    assert f"default, per family: {said})" in " ".join(out.split())
