"""Settings declared once. A config dataclass field (ModelConfig, TrainConfig) is declared with
`setting(...)`: its default, the help text, the words a form shows, its CLI flag and the range a form
offers. The CLI's flags (cli/config_flags.py) and the app's Train form (ui/train_view.py) are both
generated from these declarations, so a new setting is one field here and nothing else.

    epochs: int = setting(200, "upper bound on epochs", label="Epochs (at most)", flag=True, form=(1, 1000))

    for s in settings_of(TrainConfig):   # Setting: name, default, kind, help, label, flag, ...
        ...
"""
import functools
import types
import typing
from dataclasses import dataclass, field, fields


def setting(default, help: str, *, label: str | None = None, flag: bool = False, choices=None,
            per_family=None, form: tuple | None = None):
    """A dataclass field with what the front ends need to know about it (see Setting)."""
    return field(default=default, metadata={"help": help, "label": label, "flag": flag, "choices": choices,
                                            "per_family": per_family, "form": form})


@dataclass(frozen=True)
class Setting:
    name: str  # the config field, also the CLI flag (--max-len for max_len) and the form's key (train_max_len)
    default: object
    kind: type  # int, float, str or bool: the field's type without its None
    optional: bool  # None is allowed: the family or the data chooses (the flag's default is then None)
    help: str  # what it does, for --help and the form's tooltip
    label: str  # what the form and the messages call it
    flag: bool  # the CLI's train command has a flag for it
    choices: tuple | None  # the allowed values, when they are a closed set
    per_family: object  # FamilyDefaults -> the family's own default as text, when it has one
    form: tuple | None  # (low, high[, step]) a form's number input offers

    @property
    def flag_name(self) -> str:
        return "--" + self.name.replace("_", "-")


def _kind(annotation) -> tuple[type, bool]:
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    if args:
        kinds = [a for a in args if a is not type(None)]
        return kinds[0], len(kinds) < len(args)
    return annotation, False


@functools.cache  # read on every Train page run and for every flag: the declarations never change
def settings_of(cls) -> tuple[Setting, ...]:
    """The fields of config dataclass `cls` declared with setting(), in declaration order."""
    out = []
    for f in fields(cls):
        if "help" not in f.metadata:
            continue
        m = f.metadata
        kind, optional = _kind(f.type)
        choices = m["choices"]() if callable(m["choices"]) else m["choices"]
        help = m["help"]() if callable(m["help"]) else m["help"]
        out.append(Setting(f.name, f.default, kind, optional, help, m["label"] or f.name.replace("_", " ").capitalize(),
                           m["flag"], tuple(choices) if choices is not None else None, m["per_family"], m["form"]))
    return tuple(out)


def setting_of(cls, name: str) -> Setting:
    return next(s for s in settings_of(cls) if s.name == name)


def labels(*classes) -> dict[str, str]:
    """Field name -> the words a form uses for it, for the core's messages (SettingError names the field)."""
    return {s.name: s.label for cls in classes for s in settings_of(cls)}
