"""What a model is: its family, attention variant and shape (ModelConfig), and for a model trained by
another library, where it came from and that library's own settings (ForeignSource); the measured data
properties a family's data-dependent defaults are chosen from (DataProfile)."""
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from ..errors import SettingError, check_number
from ..setting import setting

ENCODERS = ("none", "gru", "lstm")
FEATURE_FIELDS = ("item_features", "feature_vocab", "item_attributes")  # ModelConfig's item-feature fields


@dataclass
class ForeignSource:
    """A model trained by another library and imported (recsys_core.imports): the family that reproduces
    it reads `settings`, the library's hyperparameters under the library's own names."""
    library: str  # e.g. "RecBole 1.2.1"
    model: str  # the library's name for the model, e.g. "SASRec"
    file: str  # the file it was imported from (its name only)
    settings: dict = field(default_factory=dict)  # e.g. {"hidden_size": 64, "n_layers": 2, ...}
    id_map: str = ""  # how the library's item numbers were matched to the dataset's item ids, in words


SPARSE_HISTORY = 15  # a median history at most this long is sparse data, as in the Amazon shops (median 6)


@dataclass(frozen=True)
class DataProfile:
    """What a family may choose a setting left to the data from (ModelConfig.resolved_for)."""
    users: int
    items: int
    median_history: float  # interactions per user (whole sequences), the median

    @classmethod
    def of(cls, data) -> "DataProfile":
        """Measured on a prepared dataset (data.preprocess.Prepared)."""
        return cls(users=int(data.n_users), items=int(data.n_items), median_history=float(np.median(data.lengths())))


def _native_families():
    from . import NATIVE_FAMILIES  # imported families are not trained here
    return list(NATIVE_FAMILIES)


def _attention_variants():
    from .attention import ATTENTION
    return list(ATTENTION)


def _families_taking(setting: str) -> str:
    from . import NATIVE_FAMILIES
    return ", ".join(n for n, c in NATIVE_FAMILIES.items() if setting in c.settings)


LAST_SKIP_HELP = ("self only: a skip connection around the last block's attention too (auto: on when the median "
                  "user's history is short, as in sparse shops; training says what it chose and why; off: the last "
                  "attention row accounts for the whole prediction)")


@dataclass
class ModelConfig:
    # The family: target (DIN), self (SASRec), mean, popular; models.FAMILIES holds them all.
    arch: str = setting("target", "the model family", label="Architecture", flag=True, choices=_native_families)
    attention: str = setting("soft", "attention variant: how history items are weighted (soft: scaled dot product, "
                             "hard: one item, sparsemax, ...)", label="Attention", flag=True, choices=_attention_variants)
    window: int | None = setting(None, "attend only to the most recent W items (default: the whole history)",
                                 label="Window", flag=True, form=(0, 500))
    encoder: str = setting("none", lambda: "a recurrent encoder before attention (as in NARM), for the families that "
                           "take one: " + _families_taking("encoder"), label="Encoder", flag=True, choices=ENCODERS)
    dim: int = setting(64, "embedding size; 50-64 is the usual SASRec range", label="Embedding size", flag=True,
                       form=(2, 1024, 8))
    layers: int = setting(2, "self-attention blocks (self only)", label="Layers", flag=True, form=(1, 12))
    heads: int = setting(1, "attention heads (self only); the embedding size must divide by it", label="Heads",
                         flag=True, form=(1, 16))
    max_len: int = setting(50, "history length the model sees; longer histories keep their most recent items",
                           label="History length", flag=True, form=(2, 1000, 10))
    dropout: float = setting(0.2, "dropout; SASRec uses 0.2 on small data", label="Dropout", flag=True)
    temperature: float = 0.1  # cosine attention: cos in [-1, 1] needs sharpening to be selective
    additive_hidden: int = 16  # additive attention: small, since its memory grows with candidates x history
    # Item features (target and self): attention over each history item's attributes beside its id.
    # The two tables come from the data (models.features.with_item_features); left out of to_dict when off.
    item_features: bool = setting(False, lambda: "also attend over each history item's attributes (its category; "
                                  "genres as a |-separated list), for the families that take them: "
                                  + _families_taking("item_features"), label="Item features", flag=True)
    feature_vocab: list[str] | None = field(default=None, repr=False)  # attribute values; embedding row a+1
    item_attributes: list[list[int]] | None = field(default=None, repr=False)  # per item index (N+1,): ids into feature_vocab, 1-based
    source: ForeignSource | None = None  # imported families only; left out of to_dict otherwise
    # self only: a skip connection around the last block's attention as well. None: the family chooses from
    # the data when it trains (resolved_for; off when nothing resolved it). Saved only when on, so every
    # checkpoint saved without it loads as it was trained: off.
    last_skip: bool | None = setting(None, LAST_SKIP_HELP, label="Last skip", flag=True)

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
        if self.item_features and "item_features" not in family.settings:
            raise SettingError("item_features", True, f"is not available for the {family.family} family",
                               "use an attention family (target or self), or train without {item_features}")
        if self.item_features and (not self.feature_vocab or self.item_attributes is None):
            raise SettingError("item_features", True, "needs the dataset's item attributes",
                               "build the config with models.features.with_item_features(cfg, data.categories)")
        if self.last_skip and "last_skip" not in family.settings:
            raise SettingError("last_skip", True, f"is not available for the {family.family} family",
                               "use the self family, or train without {last_skip}")
        for name, problem, fix in family.check(self):
            raise SettingError(name, getattr(self, name), problem, fix)
        return self

    def resolved_for(self, data) -> tuple["ModelConfig", list[str]]:
        """This config with the settings it leaves to the data (None) chosen by its family from the
        measured properties of `data` (a Prepared dataset), and one sentence per choice saying what and why."""
        choices = self.family.resolve(self, DataProfile.of(data))
        return replace(self, **{k: v for k, (v, _) in choices.items()}), [why for _, why in choices.values()]

    def to_dict(self) -> dict:
        """The fields as a dict; without the item-feature ones when they are off (as before they existed)."""
        d = asdict(self)
        if not self.item_features:
            for k in FEATURE_FIELDS:
                del d[k]
        if self.source is None:
            del d["source"]
        if not self.last_skip:
            del d["last_skip"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        kept = {k: v for k, v in d.items() if k in names}
        if isinstance(kept.get("source"), dict):
            src = kept["source"]
            kept["source"] = ForeignSource(**{k: src[k] for k in src if k in ForeignSource.__dataclass_fields__})
        kept["last_skip"] = bool(kept.get("last_skip"))  # saved without it: trained without it
        return cls(**kept)


