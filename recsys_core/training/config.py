"""How a model is trained (TrainConfig): loop, loss, optimiser and stopping settings."""
from dataclasses import asdict, dataclass, fields

from ..errors import SettingError, check_number

LOSSES = ("auto", "full", "sampled", "bce")
STOP_METRICS = ("auto", "ndcg@10", "ndcg")  # ndcg: over the whole ranking, no cutoff


@dataclass
class TrainConfig:
    epochs: int = 200  # upper bound; early stopping on validation usually ends far sooner
    batch_size: int = 128
    lr: float | None = None  # Adam; None: see resolved_lr (by model and catalogue size)
    loss: str = "auto"  # full softmax on small catalogues, sampled softmax on large ones, or SASRec's bce
    full_max_items: int = 2000  # auto: full softmax up to this many items, sampled above
    # sampled: negatives per training target. None: the family's (100 for target attention, whose cost
    # grows with candidates x history; 256 for self and mean, where they cost one small matrix product,
    # so a large catalogue gets B x 256 items pushed down every step).
    negatives: int | None = None
    # Validate, early-stop on and keep an exponential moving average of the weights with this weight
    # on the past per step (see averaging.py); 0: the last iterate, as plain Adam. None: see
    # resolved_averaging (by model family).
    weight_average: float | None = None
    patience: int = 3  # validations without improvement of (smoothed) validation NDCG@10 before stopping
    # What counts as an improvement for patience: beating the best (smoothed) NDCG@10 by more than this
    # fraction of it. Without it, a curve that has reached its level keeps setting new highs by a few
    # ten-thousandths, each restarting the patience: self-soft (seed 2) ran to epoch 21 instead of 14
    # for +0.0003 validation NDCG@10. The weights kept are still the best validated.
    min_improvement: float = 0.01
    # Early stopping follows an EMA of validation NDCG@10 with this weight on the past (0: the raw
    # curve). None: 0 when the weights are averaged, else 0.5 (see resolved_averaging).
    smoothing: float | None = None
    min_eval_steps: int | None = None  # validate at the first epoch end after this many steps (None: see resolved_min_eval_steps)
    # Also validate inside an epoch once this many training windows (steps x batch size) have passed
    # since the last validation; 0: only at epoch ends. A large dataset's epoch is hundreds of
    # thousands of windows: validated once per epoch, patience would count epochs and the best
    # weights could be a whole epoch old. Epochs of the embedded data and MovieLens (10K-100K
    # windows) are shorter, so they validate at epoch ends as before.
    eval_windows: int = 100_000
    # Early stopping also waits until the windows trained since the best validation reach this
    # fraction of those trained up to it: patience counted in examples, growing with the run, so a
    # long run whose curve still rises slowly is not stopped by three short validations.
    patience_growth: float = 0.25
    # What early stopping and the kept weights follow on validation: NDCG@10, or NDCG over the whole
    # ranking (every validation user counts, not only the few with a hit in the top 10). auto: ndcg
    # above full_max_items items, where a top-10 hit is rare: on ml-latest-small (610 users, 9,724
    # items) about 22 validation users have one, so NDCG@10 moves by about 20% between validations
    # from noise alone, and runs stopped while the curve was still rising.
    stop_metric: str = "auto"
    eval_users: int = 1000  # validation on at most this many users (fixed sample) to keep epochs cheap
    seed: int = 42
    device: str = "auto"  # auto: cuda when available, else cpu
    threads: int | None = None  # CPU threads (None: all cores); set by the process's entry point (training/process.py)
    max_seconds: float | None = None  # stop after this much training time (None: no limit)
    weight_decay: float = 0.0
    anneal_steps: int = 5000  # hard attention: Gumbel temperature reaches its floor after this many steps; slow annealing keeps exploring (NDCG@10 0.186 vs 0.137 at 600)
    # Batch windows of similar length and drop their padding. None: the model's own pool (Recommender.bucket_pool:
    # 32 for target, 4 for self, 0 = mixed for mean); True: that pool, or 32 for a model without one; False: mixed.
    bucket: bool | None = None
    window_stride: int | None = None  # sequence models: a training window every this many items (None: max_len // 5; 0: the last window only, as SASRec)
    windows_per_user: int = 0  # sequence models: at most this many windows per user and epoch, the most recent (0: all)

    # Settings left as None (or "auto") are the model family's to choose: `family` below is a
    # family class from models.FAMILIES (or its name), whose `defaults` say what it trains best with.

    def resolved_loss(self, n_items: int, family) -> str:
        if self.loss != "auto":
            return self.loss
        loss = _defaults(family).loss
        if loss != "auto":
            return loss
        return "full" if n_items <= self.full_max_items else "sampled"

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
