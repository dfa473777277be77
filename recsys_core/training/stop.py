"""Why a training run ended: one vocabulary for every trainer (the main loop and the rating model),
the checkpoint, metrics.json, the CLI and the pages. The values are the strings metrics.json has
always held under "stopped"; `stop_words` is the one place they are put into words."""
from enum import Enum


class Stop(str, Enum):
    EPOCHS = "epochs"  # ran every epoch it was given
    EARLY = "early"  # early stopping fired: validation stopped improving
    TIME = "time"  # the time limit was reached (whatever validation was doing)
    CANCELLED = "cancelled"
    DIVERGED = "diverged"  # the loss became NaN or infinite; the last validated weights were kept
    NOT_TRAINABLE = "not-trainable"  # a baseline: nothing to train

    def __str__(self) -> str:
        return self.value


WORDS = {
    Stop.EPOCHS: "ran every epoch it was given",
    Stop.EARLY: "stopped early: validation {metric} stopped improving",
    Stop.TIME: "stopped at the time limit",
    Stop.CANCELLED: "cancelled; the best model so far was kept",
    Stop.DIVERGED: "stopped: the loss became NaN or infinite, so the last validated weights were kept (try a lower "
                   "learning rate)",
    Stop.NOT_TRAINABLE: "a baseline: nothing to train, evaluated directly",
}
METRIC_WORDS = {"ndcg@10": "NDCG@10", "ndcg": "NDCG over the whole ranking", "rmse": "RMSE"}


def stop_words(stopped: str, metric: str | None = "ndcg@10") -> str:
    """Plain words for how a run ended; `metric`: what early stopping followed."""
    try:
        reason = Stop(stopped)
    except ValueError:
        return str(stopped)
    return WORDS[reason].format(metric=METRIC_WORDS.get(metric or "ndcg@10", metric))


def run_words(seconds: float, best_epoch: int, stopped: str, stop_metric: str | None = None,
              validation_seconds: float | None = None, evaluation_seconds: float | None = None,
              max_seconds: float | None = None) -> str:
    """One sentence for a finished run, from what it recorded (TrainingInfo or metrics.json):
    "trained for 118 s (14 s of it validating) under a 120 s limit, best epoch 13: stopped at the time
    limit; the test evaluation took 3 s more"."""
    if stopped == Stop.NOT_TRAINABLE:
        return stop_words(stopped)
    parts = f"trained for {seconds_words(seconds)}"
    if validation_seconds:
        parts += f" ({seconds_words(validation_seconds)} of it validating)"
    if max_seconds:
        parts += f" under a {seconds_words(max_seconds)} limit"
    parts += f", best epoch {best_epoch}: {stop_words(stopped, stop_metric)}"
    if evaluation_seconds:
        parts += f"; the test evaluation took {seconds_words(evaluation_seconds)} more"
    return parts


def seconds_words(s: float) -> str:
    """3.2 s under ten seconds, whole seconds above (never "0 s" for a run that took time)."""
    return f"{s:.1f} s" if s < 10 else f"{s:,.0f} s"


def training_sentence(info) -> str:
    """run_words for a checkpoint's TrainingInfo (store/meta.py)."""
    return run_words(info.seconds, info.best_epoch, info.stopped, info.stop_metric, info.validation_seconds,
                     info.evaluation_seconds, info.max_seconds)
