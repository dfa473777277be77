"""The train command's config flags, generated from the config dataclasses' setting() declarations
(recsys_core/setting.py): one flag per declared field, named after it (max_len -> --max-len), with its
type, choices and default; an optional yes/no setting becomes auto/on/off; a family's own default is
named in the help ("default, per family: target 100, self 256, ...")."""
from ..setting import Setting, settings_of

SWITCH = {"auto": None, "on": True, "off": False}  # an optional bool: the family or the data decides on auto


def _help(s: Setting, families) -> str:
    text = s.help
    if s.per_family is not None:
        text += " (default, per family: " + ", ".join(
            f"{name} {s.per_family(cls.defaults)}" for name, cls in families.items() if cls.trainable) + ")"
    elif s.default not in (None, False) and "default" not in text:
        text += f" (default {s.default:,})" if isinstance(s.default, int) else f" (default {s.default})"
    return text


def add_config_flags(parser, *classes):
    """One flag per setting() field of each config class that declares flag=True."""
    from ..models import NATIVE_FAMILIES
    for cls in classes:
        for s in settings_of(cls):
            if not s.flag:
                continue
            help = _help(s, NATIVE_FAMILIES)
            if s.kind is bool and s.optional:
                parser.add_argument(s.flag_name, choices=tuple(SWITCH), default="auto", help=help)
            elif s.kind is bool:
                parser.add_argument(s.flag_name, action="store_true", help=help)
            else:
                parser.add_argument(s.flag_name, type=s.kind, choices=s.choices, default=s.default, help=help)


def config_values(cls, args) -> dict:
    """The values the flags of config class `cls` were given (or their defaults), by field name."""
    out = {}
    for s in settings_of(cls):
        if s.flag:
            value = getattr(args, s.name)
            out[s.name] = SWITCH[value] if s.kind is bool and s.optional else value
    return out
