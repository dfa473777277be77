"""Checkpoint metadata as typed objects: what a model is, what it was trained on, how well it did.

On disk it stays the JSON document it has always been (`to_dict` writes exactly those keys, and
`from_dict` reads files written before these classes existed), so old checkpoints keep loading.

What menus and cards need is kept apart from the per-user and per-item tables: the id maps are their
own object (IdMaps, absent from the light metadata a sidecar holds) and `light()` also leaves out the
item-attribute table of a model with item features (store/sidecar.py).
"""
from dataclasses import asdict, dataclass, field, replace

from ..data.preprocess import PrepConfig
from ..models.config import ModelConfig

FORMAT = "attention-lens-checkpoint"
VERSION = 1


@dataclass
class DatasetInfo:
    spec: str  # what load_dataset takes: "sample", "ml-100k", ... or a path
    name: str
    fingerprint: str  # preprocess's hash of the interactions: a model refuses another dataset's
    users: int
    items: int


@dataclass
class TrainingInfo:
    seconds: float  # the training run, validations included: what a time limit bounds
    best_epoch: int
    stopped: str  # a training.stop.Stop value: epochs | early | time | cancelled | diverged | not-trainable
    loss: str
    lr: float | None
    device: str
    sequences_per_second: float
    history: list = field(default_factory=list)  # per validation: epoch, loss, seconds, ndcg@10, hr@10
    validation_seconds: float | None = None  # of `seconds`, validating (None: recorded before it was kept)
    evaluation_seconds: float | None = None  # the test evaluation after training, not part of `seconds`
    stop_metric: str | None = None  # what early stopping followed (None: before it was recorded; ndcg@10 then)
    max_seconds: float | None = None  # the time limit it ran under (None: none)


@dataclass
class IdMaps:
    """The dataset's own ids behind the model's indices: kept in the checkpoint, not needed to list or open it
    (the dataset it was trained on has them, and the fingerprint proves it is that dataset)."""
    item_ids: list[str] = field(default_factory=list)  # of item index 1..N
    user_ids: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data) -> "IdMaps":
        return cls(item_ids=[str(i) for i in data.item_ids[1:]], user_ids=[str(u) for u in data.user_ids])


@dataclass
class CheckpointMeta:
    arch: str
    attention: str | None  # None for a family without attention
    model_name: str
    model_config: ModelConfig
    dataset: DatasetInfo
    prep_config: PrepConfig = field(default_factory=PrepConfig)
    train_config: dict | None = None  # TrainConfig.to_dict() of the run, as recorded
    metrics: dict = field(default_factory=dict)  # protocol -> metric -> value, on the test split
    training: TrainingInfo | None = None  # None for a baseline that was not trained
    versions: dict = field(default_factory=dict)
    created: str = ""
    format: str = FORMAT
    version: int = VERSION
    ids: IdMaps | None = field(default=None, repr=False, compare=False)  # None in light metadata (a sidecar)

    @property
    def family(self):
        return self.model_config.family

    @property
    def max_len(self) -> int:
        return self.model_config.max_len

    @property
    def hard_trained(self) -> bool:
        return self.attention == "hard"

    def metric(self, protocol: str, name: str) -> float | None:
        return (self.metrics.get(protocol) or {}).get(name)

    def to_dict(self) -> dict:
        return {
            "format": self.format, "version": self.version, "arch": self.arch, "attention": self.attention,
            "model_name": self.model_name, "model_config": self.model_config.to_dict(),
            "train_config": self.train_config, "prep_config": asdict(self.prep_config),
            "dataset": asdict(self.dataset), **(asdict(self.ids) if self.ids is not None else {}),
            "metrics": self.metrics, "training": None if self.training is None else asdict(self.training),
            "versions": self.versions, "created": self.created,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "CheckpointMeta":
        """Raises KeyError/TypeError/ValueError on a document that is not one (the caller words it)."""
        ds, training, prep = d["dataset"], d.get("training"), d.get("prep_config") or {}
        return cls(
            arch=d["arch"], attention=d.get("attention"), model_name=d["model_name"],
            model_config=ModelConfig.from_dict(d["model_config"]),
            dataset=DatasetInfo(spec=ds.get("spec") or "sample", name=ds["name"], fingerprint=ds["fingerprint"],
                                users=int(ds["users"]), items=int(ds["items"])),
            prep_config=PrepConfig(min_rating=prep.get("min_rating"), k_core=prep.get("k_core", 0)),
            train_config=d.get("train_config"), metrics=d.get("metrics") or {},
            training=None if not training else TrainingInfo(
                seconds=training["seconds"], best_epoch=training["best_epoch"], stopped=training["stopped"],
                loss=training["loss"], lr=training.get("lr"), device=training.get("device", "cpu"),
                sequences_per_second=training.get("sequences_per_second", 0.0),
                history=training.get("history") or [], validation_seconds=training.get("validation_seconds"),
                evaluation_seconds=training.get("evaluation_seconds"), stop_metric=training.get("stop_metric"),
                max_seconds=training.get("max_seconds")),
            versions=d.get("versions") or {}, created=d.get("created", ""),
            format=d.get("format", ""), version=int(d.get("version", 0)),
            ids=IdMaps(list(d["item_ids"] or []), list(d.get("user_ids") or [])) if "item_ids" in d else None)

    def light(self) -> "CheckpointMeta":
        """The same metadata without per-user and per-item tables: what menus and model cards read."""
        cfg = self.model_config
        if cfg.item_attributes is not None:
            cfg = replace(cfg, item_attributes=None)
        return replace(self, model_config=cfg, ids=None)
