"""The epoch driver every trainer shares: the main loop (loop.py) and the rating model's
(ratings/train.py) each describe one run by three methods, and this decides when it ends.

    run.epoch(epoch) -> (mean loss, steps)   one pass; may set run.result.stopped (cancelled, diverged,
                                             early inside the epoch, out of time)
    run.due(epoch) -> bool                   validate at this epoch's end?
    run.validate(epoch, loss, steps) -> bool validate, keep the best weights; True: patience ran out
"""
from typing import Protocol

from .stop import Stop

ENDS_THE_EPOCH_LOOP = (Stop.CANCELLED, Stop.DIVERGED, Stop.EARLY)  # early: a validation inside the epoch


class EpochRun(Protocol):
    result: object  # has .stopped, a Stop

    def epoch(self, epoch: int) -> tuple[float, int]: ...

    def due(self, epoch: int) -> bool: ...

    def validate(self, epoch: int, loss: float, steps: int) -> bool: ...


def run_epochs(run: EpochRun, epochs: int) -> int:
    """Epochs 1..epochs until a stop rule fires; sets run.result.stopped; returns the last epoch's steps."""
    steps = 0
    for epoch in range(1, epochs + 1):
        loss, steps = run.epoch(epoch)
        if run.result.stopped in ENDS_THE_EPOCH_LOOP:
            break
        if not run.due(epoch):
            continue
        early = run.validate(epoch, loss, steps)
        if run.result.stopped == Stop.TIME or run.result.stopped in ENDS_THE_EPOCH_LOOP:
            break  # out of time (that is why it ended, whatever patience says), or diverged on validation
        if early:
            run.result.stopped = Stop.EARLY
            break
    return steps
