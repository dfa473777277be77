"""What a model is: its family, attention variant and shape (ModelConfig)."""
from dataclasses import asdict, dataclass, fields

from ..errors import SettingError, check_number

ENCODERS = ("none", "gru", "lstm")


@dataclass
class ModelConfig:
    arch: str = "target"  # the model family, a name from models.FAMILIES: target (DIN), self (SASRec), mean, popular
    attention: str = "soft"  # a name from attention.ATTENTION
    window: int | None = None  # attend only to the most recent W items (None: the whole history)
    encoder: str = "none"  # target only: a GRU/LSTM over the history before attention (as in NARM)
    dim: int = 64  # embedding size; 50-64 is the usual SASRec range
    layers: int = 2  # self only
    heads: int = 1  # self only; dim must divide by it
    max_len: int = 50  # history length the model sees; longer histories keep their most recent items
    dropout: float = 0.2  # SASRec uses 0.2 on small data
    temperature: float = 0.1  # cosine attention: cos in [-1, 1] needs sharpening to be selective
    additive_hidden: int = 16  # additive attention: small, since its memory grows with candidates x history

    @property
    def family(self):
        """The model family class this config builds (see models/__init__.py's registry)."""
        from . import family_of
        return family_of(self.arch)

    @property
    def name(self) -> str:
        """The model's full name, used in checkpoints, shipped files and the app, e.g. target-hard-w5-gru."""
        return self.family.model_name(self)

    def validate(self):
        """Raise SettingError (field, value, what is wrong, what to do) for the first bad setting."""
        from .attention import ATTENTION
        family = self.family
        if self.attention not in ATTENTION:
            raise SettingError("attention", repr(self.attention), "is not an attention variant",
                               f"use one of {', '.join(ATTENTION)}")
        if self.encoder not in ENCODERS:
            raise SettingError("encoder", repr(self.encoder), "is not an encoder", f"use one of {', '.join(ENCODERS)}")
        check_number("window", self.window, low=1, integer=True, optional=True,
                     fix="pass a positive {window} or leave it out (the whole history)")
        check_number("dim", self.dim, low=2, high=4096, integer=True)
        check_number("max_len", self.max_len, low=2, high=10_000, integer=True)
        check_number("layers", self.layers, low=1, high=64, integer=True)
        check_number("heads", self.heads, low=1, high=64, integer=True)
        check_number("dropout", self.dropout, low=0, high=1, high_open=True)
        check_number("temperature", self.temperature, low=0, low_open=True)
        check_number("additive_hidden", self.additive_hidden, low=1, integer=True)
        for field, problem, fix in family.check(self):
            raise SettingError(field, getattr(self, field), problem, fix)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


