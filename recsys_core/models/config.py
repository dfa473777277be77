"""What a model is: its family, attention variant and shape (ModelConfig), and for a model trained by
another library, where it came from and that library's own settings (ForeignSource)."""
from dataclasses import asdict, dataclass, field, fields

from ..errors import SettingError, check_number

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
    # Item features (target and self): attention over each history item's attributes beside its id.
    # The two tables come from the data (models.features.with_item_features); left out of to_dict when off.
    item_features: bool = False
    feature_vocab: list[str] | None = field(default=None, repr=False)  # attribute values; embedding row a+1
    item_attributes: list[list[int]] | None = field(default=None, repr=False)  # per item index (N+1,): ids into feature_vocab, 1-based
    source: ForeignSource | None = None  # imported families only; left out of to_dict otherwise

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
        for name, problem, fix in family.check(self):
            raise SettingError(name, getattr(self, name), problem, fix)
        return self

    def to_dict(self) -> dict:
        """The fields as a dict; without the item-feature ones when they are off (as before they existed)."""
        d = asdict(self)
        if not self.item_features:
            for k in FEATURE_FIELDS:
                del d[k]
        if self.source is None:
            del d["source"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        kept = {k: v for k, v in d.items() if k in names}
        if isinstance(kept.get("source"), dict):
            src = kept["source"]
            kept["source"] = ForeignSource(**{k: src[k] for k in src if k in ForeignSource.__dataclass_fields__})
        return cls(**kept)


