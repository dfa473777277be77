"""What a training run reports and returns: Progress to its callback while it runs, a Validation per
validation, and the TrainResult at its end (shared by the main loop and the rating model's loop)."""
from dataclasses import dataclass, field

from .stop import Stop


@dataclass(kw_only=True)
class Progress:
    """What the loop reports to its callback: after each training step, each validation, and at the end."""
    phase: str  # "train", "eval" or "done"
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    elapsed: float  # seconds since training started
    eta: float | None  # seconds left at the current pace, for the epoch budget
    metrics: dict | None = None  # validation metrics after an epoch


@dataclass(frozen=True, kw_only=True)
class Validation:
    """One validation of the judged weights, on the validation users (TrainConfig.eval_users)."""
    epoch: int
    loss: float  # mean training loss since the epoch began
    seconds: float  # since training started
    windows: int  # training windows trained on so far, all ranks
    ndcg_at_10: float
    hr_at_10: float
    ndcg: float  # over the whole ranking, no cutoff

    def to_json(self) -> dict:
        """As checkpoints and metrics keep it."""
        return {"epoch": self.epoch, "loss": self.loss, "seconds": self.seconds, "windows": self.windows,
                "ndcg@10": self.ndcg_at_10, "hr@10": self.hr_at_10, "ndcg": self.ndcg}


@dataclass(kw_only=True)
class TrainResult:
    history: list[Validation] = field(default_factory=list)
    best_epoch: int = 0
    best_ndcg_at_10: float = 0.0  # NDCG@10 of the kept weights, whatever the stop metric
    best_score: float = 0.0  # the stop metric's value for the kept weights
    train_seconds: float = 0.0
    windows_per_second: float = 0.0  # training windows processed per second of training steps
    stopped: Stop = Stop.EPOCHS
    validation_seconds: float = 0.0  # of train_seconds, the time spent validating
    stop_metric: str = "ndcg@10"  # what early stopping and the kept weights followed
    loss: str = ""
    lr: float | None = None  # the Adam learning rate used (None: nothing was trained)
    device: str = "cpu"
