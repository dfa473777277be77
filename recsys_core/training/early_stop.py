"""When to stop training: patience on a smoothed validation curve, counting only real gains."""


class EarlyStop:
    """Feed each validation score to `update`; it answers True once `patience` validations in a row
    failed to beat the best smoothed score by more than `min_improvement` of it.

    smoothing: weight on the past in an exponential moving average of the scores (0: the raw curve).
    The last weights' validation NDCG@10 on ~1,000 users moves by about +-0.01, and one lucky score
    could end a run that is still improving; averaged weights give a curve smooth enough to use raw.
    min_improvement: a relative margin. A curve that creeps up by a few ten-thousandths per
    validation has reached its level; without the margin each such high restarts the patience.
    growth: patience in examples as well: also wait until the examples trained since the best reach
    this fraction of those trained up to it (0: validations alone). `seen` is the examples trained so far.
    """

    def __init__(self, patience: int, *, smoothing: float = 0.0, min_improvement: float = 0.0, growth: float = 0.0):
        self.patience, self.smoothing, self.min_improvement, self.growth = patience, smoothing, min_improvement, growth
        self.trend, self.best, self.bad, self.seen_at_best = None, float("-inf"), 0, 0

    def update(self, score: float, seen: int = 0) -> bool:
        s = self.smoothing
        self.trend = score if self.trend is None else s * self.trend + (1 - s) * score
        if self.trend > self.best * (1 + self.min_improvement):
            self.best, self.bad, self.seen_at_best = self.trend, 0, seen
            return False
        self.bad += 1
        waited = seen - self.seen_at_best >= self.growth * self.seen_at_best
        return self.bad >= self.patience and waited  # patience 0: stop at the first validation without a gain
