"""The CLI's one-line training progress bar (the training loop reports through a callback, never prints)."""
import sys
import time


class ProgressBar:
    """A one-line progress bar on stderr; the training loop itself never prints."""

    def __init__(self, stream=sys.stderr):
        self.stream, self.last = stream, 0.0

    def __call__(self, p):
        now = time.perf_counter()
        if p.phase == "train" and now - self.last < 0.2 and p.step != p.steps:
            return
        self.last = now
        if p.phase == "train":
            frac = p.step / p.steps
            bar = "#" * int(frac * 24)
            eta = f" eta {p.eta:.0f}s" if p.eta is not None else ""
            self.stream.write(f"\repoch {p.epoch:>3} [{bar:<24}] {p.step}/{p.steps} loss {p.loss:.4f} {p.elapsed:.0f}s{eta}   ")
        elif p.phase == "eval":
            self.stream.write(f"\repoch {p.epoch:>3} validation ndcg@10 {p.metrics['ndcg@10']:.4f} "
                              f"hr@10 {p.metrics['hr@10']:.4f}{' ' * 30}\n")
        self.stream.flush()
