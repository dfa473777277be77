"""Typed configuration: what a model is (ModelConfig) and how it is trained (TrainConfig)."""
from dataclasses import asdict, dataclass, fields

ARCHS = ("target", "self", "popular", "mean")
ENCODERS = ("none", "gru", "lstm")
LOSSES = ("auto", "full", "sampled", "bce")


@dataclass
class ModelConfig:
    arch: str = "target"  # target: each candidate attends over the history (DIN); self: causal self-attention (SASRec)
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

    @property
    def name(self) -> str:
        """The model's full name, used in checkpoints, shipped files and the app, e.g. target-hard-w5-gru."""
        if self.arch in ("popular", "mean"):
            return self.arch
        parts = [self.arch, self.attention]
        if self.window:
            parts.append(f"w{self.window}")
        if self.arch == "target" and self.encoder != "none":
            parts.append(self.encoder)
        return "-".join(parts)

    def validate(self):
        from .attention import ATTENTION
        from .errors import UserError
        if self.arch not in ARCHS:
            raise UserError(f"--arch {self.arch!r}: unknown. Fix: use one of {', '.join(ARCHS)}.")
        if self.attention not in ATTENTION:
            raise UserError(f"--attention {self.attention!r}: unknown. Fix: use one of {', '.join(ATTENTION)}.")
        if self.encoder not in ENCODERS:
            raise UserError(f"--encoder {self.encoder!r}: unknown. Fix: use one of {', '.join(ENCODERS)}.")
        if self.window is not None and self.window < 1:
            raise UserError(f"--window {self.window}: must be at least 1. Fix: pass a positive window or leave it out.")
        if self.arch == "self" and self.dim % self.heads:
            raise UserError(f"--dim {self.dim} does not divide into {self.heads} heads. Fix: pick a multiple of --heads.")
        if self.max_len < 2 or self.dim < 2 or self.layers < 1 or self.heads < 1:
            raise UserError("--max-len, --dim need at least 2 and --layers, --heads at least 1.")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class TrainConfig:
    epochs: int = 200  # upper bound; early stopping on validation usually ends far sooner
    batch_size: int = 128
    lr: float | None = None  # Adam; None: see resolved_lr (by model and catalogue size)
    loss: str = "auto"  # full softmax on small catalogues, sampled softmax on large ones, or SASRec's bce
    full_max_items: int = 2000  # auto: full softmax up to this many items, sampled above
    # sampled: negatives per training target. None: 100 for target attention, whose cost grows with
    # candidates x history (hard attention needs ~100: NDCG@10 0.195 vs 0.186 at 64), shared by the
    # batch while they cover a tenth of the catalogue and drawn per target above that (see
    # models/target.py); 256 per sequence (shared by its positions) for self and per example for mean,
    # where they cost one small matrix product, so a large catalogue gets B x 256 items pushed down
    # every step.
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
    eval_users: int = 1000  # validation on at most this many users (fixed sample) to keep epochs cheap
    seed: int = 42
    device: str = "auto"  # auto: cuda when available, else cpu
    threads: int | None = None  # CPU threads (None: all cores)
    max_seconds: float | None = None  # stop after this much training time (None: no limit)
    weight_decay: float = 0.0
    anneal_steps: int = 5000  # hard attention: Gumbel temperature reaches its floor after this many steps; slow annealing keeps exploring (NDCG@10 0.186 vs 0.137 at 600)
    # Batch windows of similar length and drop their padding. None: the model's own pool (Recommender.bucket_pool:
    # 32 for target, 4 for self, 0 = mixed for mean); True: that pool, or 32 for a model without one; False: mixed.
    bucket: bool | None = None
    window_stride: int | None = None  # sequence models: a training window every this many items (None: max_len // 5)

    def resolved_loss(self, n_items: int, arch: str = "self") -> str:
        if self.loss != "auto":
            return self.loss
        if arch == "target":
            return "sampled"  # its full softmax costs candidates x history per position
        return "full" if n_items <= self.full_max_items else "sampled"

    def resolved_negatives(self, arch: str = "self") -> int:
        if self.negatives is not None:
            return self.negatives
        return 100 if arch == "target" else 256

    def resolved_averaging(self, arch: str) -> tuple[float, float]:
        """(weight_average, smoothing) unless set. `target` and `mean` keep averaged weights, whose
        validation curve is smooth enough to stop on raw: on the embedded data target-soft went from
        NDCG@10 0.230 in 17.4 s to 0.240 in 10.8 s (benchmark medians of 3).
        `self` keeps the last weights and a smoothed curve: averaging gained it nothing on the
        embedded data (0.200 vs 0.203), and on ml-latest-small it stopped after epoch 4 at 0.020,
        smoothed or not, where the plain rule trained on to epoch 22 (0.034, same seed).
        Smoothing follows the weights: the last weights' validation curve is noisy (about +-0.01)."""
        weight_average = self.weight_average if self.weight_average is not None else 0.0 if arch == "self" else 0.99
        smoothing = self.smoothing if self.smoothing is not None else 0.0 if weight_average else 0.5
        return weight_average, smoothing

    def resolved_min_eval_steps(self, arch: str) -> int:
        """Steps between validations, unless set. On small data an epoch is short (31 steps on the
        embedded data), and patience counts validations. A validation of `self` costs about three of
        its training steps, so it validates every epoch and can stop 3 epochs after its best instead
        of 6, at the same quality. Target attention's validation costs six to twelve steps (every
        candidate against every history), and validating it every epoch stopped target-hard early
        (NDCG@10 0.188 vs 0.203)."""
        if self.min_eval_steps is not None:
            return self.min_eval_steps
        return 25 if arch == "self" else 50

    def resolved_lr(self, arch: str, n_items: int = 0) -> float:
        if self.lr is not None:
            return self.lr
        if arch == "self" and n_items > self.full_max_items:  # where `auto` switches to the sampled loss
            # SASRec's 1e-3 on large catalogues: at 1e-2 self-soft diverged on ml-latest-small (9,724
            # items). Not for the others: at 1e-3 mean trained 4.7x as long, and target-soft gained
            # nothing (0.013 against 0.024, measured while it still shared its negatives across the
            # batch; with a set per target it reaches 0.050 at 1e-2).
            return 1e-3
        # Tuned on the embedded data: `self` with length-bucketed batches was steadier at the smaller
        # step. Hard attention used 5e-3 for its noisy straight-through gradients until the averaged
        # weights smoothed them out.
        return 5e-3 if arch in ("mean", "self") else 1e-2

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
