"""How a model is trained (TrainConfig): loop, loss, optimiser and stopping settings."""
from dataclasses import asdict, dataclass, fields

from ..errors import SettingError, check_number
from ..models.config import SPARSE_HISTORY
from ..setting import setting

LOSSES = ("auto", "full", "sampled", "bce")
STOP_METRICS = ("auto", "ndcg@10", "ndcg")  # ndcg: over the whole ranking, no cutoff


def _lr_per_family(d) -> str:
    return f"{d.lr:g}" + (f" ({d.lr_large:g} above {FULL_MAX_ITEMS:,} items)" if d.lr_large else "")


FULL_MAX_ITEMS = 2000


@dataclass
class TrainConfig:
    epochs: int = setting(200, "upper bound on epochs; early stopping on validation usually ends far sooner",
                          label="Epochs (at most)", flag=True, form=(1, 1000))
    batch_size: int = setting(128, "training windows per step", label="Batch size", flag=True, form=(1, 4096, 32))
    # None: the family's, by catalogue size (resolved_lr).
    lr: float | None = setting(None, "Adam learning rate", label="Learning rate", flag=True, per_family=_lr_per_family, form=(1e-5, 1.0, 1e-4))
    loss: str = setting("auto", "full softmax on small catalogues, sampled softmax on large ones (auto; self also "
                        f"takes the full softmax up to 20,000 items on sparse data, where the median user has at most "
                        f"{SPARSE_HISTORY} interactions), or BCE with one negative per position, as the SASRec paper", label="Loss", flag=True, choices=LOSSES)
    full_max_items: int = FULL_MAX_ITEMS  # auto: full softmax up to this many items, sampled above
    # Sampled: negatives per training target. None: the family's (100 for target attention, whose cost
    # grows with candidates x history; 256 for self and mean, where they cost one small matrix product,
    # so a large catalogue gets B x 256 items pushed down every step).
    negatives: int | None = setting(None, "sampled negatives per training target for the sampled loss",
                                    label="Negatives", flag=True, per_family=lambda d: d.negatives)
    # Validate, early-stop on and keep an exponential moving average of the weights with this weight
    # on the past per step (see averaging.py); 0: the last iterate, as plain Adam. None: see
    # resolved_averaging (by model family).
    weight_average: float | None = setting(None, "keep an exponential moving average of the weights, with this "
                                           "weight on the past per step (0: the last weights)", label="Weight average",
                                           flag=True, per_family=lambda d: f"{d.weight_average:g}")
    patience: int = setting(3, "validations without improvement of (smoothed) validation NDCG@10 before stopping",
                            label="Patience", flag=True)
    # Without a threshold, a curve that has reached its level keeps setting new highs by a few
    # ten-thousandths, each restarting the patience. The weights kept are still the best validated.
    min_improvement: float = setting(0.01, "a validation improves only if it beats the best (smoothed) NDCG@10 by "
                                     "more than this fraction of it (0: any gain)", label="Minimum improvement", flag=True)
    # Early stopping follows an EMA of validation NDCG@10 with this weight on the past (0: the raw
    # curve). None: 0 when the weights are averaged, else 0.5 (see resolved_averaging).
    smoothing: float | None = None
    min_eval_steps: int | None = None  # validate at the first epoch end after this many steps (None: see resolved_min_eval_steps)
    # A large dataset's epoch is hundreds of thousands of windows: validated once per epoch, patience
    # would count epochs and the best weights could be a whole epoch old. Epochs of the embedded data
    # and MovieLens are shorter, so they validate at epoch ends.
    eval_windows: int = setting(100_000, "also validate inside an epoch every this many training windows (0: only "
                                "at epoch ends)", label="Validation windows", flag=True)
    # Patience counted in examples, growing with the run, so a long run whose curve still rises slowly
    # is not stopped by three short validations.
    patience_growth: float = setting(0.25, "early stopping also waits until the windows trained since the best "
                                     "reach this fraction of those trained up to it (0: validations alone)",
                                     label="Patience growth", flag=True)
    # NDCG over the whole ranking counts every validation user, not only the few with a hit in the top
    # 10: on a large catalogue a top-10 hit is rare and NDCG@10 moves between validations from noise alone.
    stop_metric: str = setting("auto", f"validation metric for early stopping and the kept weights: ndcg@10, or "
                               f"ndcg over the whole ranking (auto: ndcg above {FULL_MAX_ITEMS:,} items)",
                               label="Stop metric", flag=True, choices=STOP_METRICS)
    eval_users: int = 1000  # validation on at most this many users (fixed sample) to keep epochs cheap
    seed: int = setting(42, "random seed", label="Seed", flag=True, form=(0, 2 ** 31 - 1))
    device: str = setting("auto", "auto (cuda if available), cpu or cuda", label="Device", flag=True)
    threads: int | None = setting(None, "CPU threads (default or 0: all cores); set by the process's entry point "
                                  "(training/process.py)", label="Threads", flag=True)
    max_seconds: float | None = setting(None, "stop training after this long (0: no limit)", label="Time limit (s)",
                                        flag=True, form=(0, 24 * 3600, 30))
    weight_decay: float = setting(0.0, "Adam weight decay", label="Weight decay", flag=True)
    anneal_steps: int = 5000  # hard attention: Gumbel temperature reaches its floor after this many steps; slow annealing keeps exploring
    # Batch windows of similar length and drop their padding. None: the model's own pool (Recommender.bucket_pool:
    # 32 for target, 4 for self, 0 = mixed for mean); True: that pool, or 32 for a model without one; False: mixed.
    bucket: bool | None = None
    window_stride: int | None = setting(None, "sequence models: a training window every this many items (default: "
                                        "max-len / 5; 0: the last window only, as SASRec)", label="Window stride",
                                        flag=True)
    windows_per_user: int = setting(0, "sequence models: at most this many training windows per user and epoch, the "
                                    "most recent (0: all)", label="Windows per user", flag=True)

    # Settings left as None (or "auto") are the model family's to choose: `family` below is a
    # family class from models.FAMILIES (or its name), whose `defaults` say what it trains best with.

    def resolved_loss(self, n_items: int, family, median_history: float | None = None) -> str:
        """The loss to train with; `median_history` (interactions of the median user) lets "auto" pick the
        full softmax on sparse data up to the family's sparse_full_items."""
        if self.loss != "auto":
            return self.loss
        d = _defaults(family)
        if d.loss != "auto":
            return d.loss
        sparse = median_history is not None and median_history <= SPARSE_HISTORY
        return "full" if n_items <= self.full_max_items or (sparse and n_items <= d.sparse_full_items) else "sampled"

    def resolved_stop_metric(self, n_items: int) -> str:
        if self.stop_metric != "auto":
            return self.stop_metric
        return "ndcg" if n_items > self.full_max_items else "ndcg@10"

    def resolved_negatives(self, family) -> int:
        return self.negatives if self.negatives is not None else _defaults(family).negatives

    def resolved_averaging(self, family) -> tuple[float, float]:
        """(weight_average, smoothing) unless set. Smoothing follows the weights: averaged weights give a
        validation curve smooth enough to stop on raw; the last weights' curve is noisy (about +-0.01)."""
        weight_average = self.weight_average if self.weight_average is not None else _defaults(family).weight_average
        smoothing = self.smoothing if self.smoothing is not None else 0.0 if weight_average else 0.5
        return weight_average, smoothing

    def resolved_min_eval_steps(self, family) -> int:
        """Steps between validations, unless set. On small data an epoch is short (31 steps on the
        embedded data), and patience counts validations."""
        return self.min_eval_steps if self.min_eval_steps is not None else _defaults(family).min_eval_steps

    def resolved_lr(self, family, n_items: int = 0) -> float:
        if self.lr is not None:
            return self.lr
        d = _defaults(family)
        return d.lr_large if d.lr_large is not None and n_items > self.full_max_items else d.lr

    def validate(self):
        """Raise SettingError (field, value, what is wrong, what to do) for the first bad setting."""
        if self.loss not in LOSSES:
            raise SettingError("loss", repr(self.loss), "is not a loss", f"use one of {', '.join(LOSSES)}")
        if self.stop_metric not in STOP_METRICS:
            raise SettingError("stop_metric", repr(self.stop_metric), "is not a validation metric",
                               f"use one of {', '.join(STOP_METRICS)}")
        check_number("epochs", self.epochs, low=1, high=100_000, integer=True)
        check_number("batch_size", self.batch_size, low=1, high=1_000_000, integer=True)
        check_number("lr", self.lr, low=0, low_open=True, high=10, optional=True,
                     fix="pass a positive {lr} such as 0.001, or leave it out (the family's default)")
        check_number("full_max_items", self.full_max_items, low=0, integer=True)
        check_number("negatives", self.negatives, low=1, high=100_000, integer=True, optional=True,
                     fix="pass a positive number of {negatives} or leave it out")
        check_number("weight_average", self.weight_average, low=0, high=1, high_open=True, optional=True,
                     fix="pick a {weight_average} in [0, 1); 0 keeps the last weights, unaveraged")
        check_number("patience", self.patience, low=1, integer=True)
        check_number("min_improvement", self.min_improvement, low=0, high=1, high_open=True,
                     fix="pick a {min_improvement} in [0, 1); 0 counts any gain as an improvement")
        check_number("smoothing", self.smoothing, low=0, high=1, high_open=True, optional=True,
                     fix="pick a {smoothing} in [0, 1); 0 follows the raw validation curve")
        check_number("min_eval_steps", self.min_eval_steps, low=1, integer=True, optional=True)
        check_number("eval_windows", self.eval_windows, low=0, integer=True)
        check_number("patience_growth", self.patience_growth, low=0, high=100)
        check_number("eval_users", self.eval_users, low=1, integer=True)
        check_number("seed", self.seed, low=0, high=2 ** 32 - 1, integer=True)
        check_number("threads", self.threads, low=0, high=1024, integer=True, optional=True)  # 0: all cores
        check_number("max_seconds", self.max_seconds, low=0, optional=True,  # 0: no limit, as None
                     fix="pass a number of seconds for {max_seconds}, or 0 / leave it out for no limit")
        check_number("weight_decay", self.weight_decay, low=0)
        check_number("anneal_steps", self.anneal_steps, low=1, integer=True)
        check_number("window_stride", self.window_stride, low=0, integer=True, optional=True)
        check_number("windows_per_user", self.windows_per_user, low=0, integer=True)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def _defaults(family):
    """A family's FamilyDefaults, from its class or its registered name."""
    if isinstance(family, str):
        from ..models import family_of
        family = family_of(family)
    return family.defaults
