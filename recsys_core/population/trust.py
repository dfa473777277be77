"""Where attention can be trusted: over the population's recommendations, the share whose attention top
item is the removal test's top item (the item whose removal lowers the score most), and the same for
every other explainer, each with Wilson's 95% interval.

Only recommendations that some single removal lowers count (for the others there is no measured top
item). Ties count fairly: an explainer whose largest value is shared by t items scores 1/t when the
measured top item is among them (as planted_hits does), so `uniform` scores chance, not a lucky
tie-break. Occlusion is the removal test itself, so it is the reference, not a row.
"""
from dataclasses import dataclass

from ..explain.dataset_faithfulness import Interval, wilson_interval
from ..explain.explainers import EXPLAINERS, available, chosen
from ..explain.planted_hits import hit_at
from .sweep import Chunk

REFERENCE = "occlusion"
# Integrated gradients re-scores every recommendation 16 times with a backward pass: asked for by name only.
COSTLY = ("integrated-gradients",)


@dataclass
class Agreement:
    explainer: str
    summary: str
    recommendations: int  # recommendations with a measured top item
    agree: Interval  # share whose top item is the measured top item, 95% interval

    def to_json(self) -> dict:
        return {"explainer": self.explainer, "summary": self.summary, "recommendations": self.recommendations,
                "agree": self.agree.__dict__}


def default_explainers(model) -> list[str]:
    """Every explainer that applies to the model but the reference and the costly ones."""
    return [n for n in available(model) if n != REFERENCE and n not in COSTLY]


class TrustTally:
    def __init__(self, names: list[str]):
        self.names = [n for n in names if n != REFERENCE]
        self.hits = {n: 0.0 for n in self.names}
        self.n = 0

    def add(self, c: Chunk):
        if not self.names:
            return
        B, K, W = c.influence.shape
        real = c.real
        measured = c.influence.masked_fill(~real, float("-inf"))
        best, pos = measured.max(-1)  # (B, K)
        keep = (best > 0) & c.valid  # a single removal lowers it: a measured top item exists
        if not bool(keep.any()):
            return
        self.n += int(keep.sum())
        seq = c.seq[:, None, :].expand(B, K, W)[keep]  # (M, W)
        for name in self.names:
            imp = c.explained[name][keep]  # (M, W)
            self.hits[name] += float(hit_at(imp, seq, pos[keep], 1).sum())

    def finish(self) -> list[Agreement]:
        if not self.n:
            return []
        return [Agreement(n, EXPLAINERS[n].summary, self.n, wilson_interval(self.hits[n], self.n)) for n in self.names]


def agreement_of(rows: list[Agreement], name: str = "attention") -> Agreement | None:
    return next((a for a in rows if a.explainer == name), None)


def explainers_for(model, names=None) -> list[str]:
    """Validated names (all applicable but the costly ones by default), the reference left out."""
    return [n for n in (default_explainers(model) if names is None else chosen(model, names)) if n != REFERENCE]

