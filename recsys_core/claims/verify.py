"""Confirming one claim: each fact it cites re-computed independently (rescore.py: the what-if editor's
path; a fresh read of the model's attention), every number in its text one its facts allow, and the
words that must follow from the facts (no "picks it too" for a map that picks something else, no
"stopped early" for a run that hit its time limit, no "agree" beside a negative rank correlation)."""
import re

import numpy as np
import pandas as pd
import torch

from ..data.preprocess import pad_sequence
from .facts import (
    Claim,
    Correlation,
    EditStep,
    HistoryItem,
    HoldsDown,
    InHistory,
    NoAttention,
    Planted,
    RankAfter,
    RemovalPlace,
    ScoreDrop,
    ScoreGap,
    SearchDepth,
    TopRemoval,
    TopWeight,
    TrainingRun,
    WeightOf,
)

# Titles, model names and metric names (NDCG@10): their digits are not numbers a claim cites.
# Names, not numbers: bold, an italic title (it may hold asterisks of its own, "*M*A*S*H (1970)*": it ends
# at an asterisk followed by a space, punctuation or the end), code, and metric names such as NDCG@10.
NAMES = re.compile(r"\*\*[^*]+\*\*|(?<![\w*])\*.+?\*(?=[\s.,;:!?)\]'\u2019]|$)|`[^`]+`|\b[A-Za-z]+@\d+")
NUMBER = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?")
SCORE_TOL = 2e-4  # scores and drops, recomputed on another path (batched vs single rows)
WEIGHT_TOL = 1e-4
RANK_TOL = 1e-5  # drops this close may rank either way on another path (they agree to about 1e-6)


class Context:
    """What a claim is about: a model (and its hard-trained partner), a user, and the history shown."""

    def __init__(self, loaded, rescorer, partner=None, partner_rescorer=None, planted=None, top_k=10,
                 max_removals=5, run: dict | None = None):
        self.loaded, self.rescorer, self.partner, self.partner_rescorer = loaded, rescorer, partner, partner_rescorer
        self.planted, self.top_k, self.max_removals, self.run = planted or {}, top_k, max_removals, run
        self._readouts, self._wanted = {}, set()

    def want(self, item_ids):
        """Items whose read-outs the next readout() call reads too, in the same forward pass."""
        self._wanted |= set(item_ids)

    def readout(self, which: str, item_id: str):
        """(soft, hard-or-weights) rows over the visible history of `which` model ("self" or "partner"),
        read fresh from the model (for every wanted candidate at once)."""
        key = (which, item_id)
        if key not in self._readouts:
            loaded, rs = (self.loaded, self.rescorer) if which == "self" else (self.partner, self.partner_rescorer)
            items = sorted({item_id} | {i for i in self._wanted if (which, i) not in self._readouts})
            ids = rs.visible_ids
            seq = pad_sequence([rs.index[i] for i in ids], loaded.max_len)
            with torch.no_grad():
                r = loaded.model.explain(seq, torch.tensor([[rs.index[i] for i in items]]))
            n = len(ids)
            for j, i in enumerate(items):
                self._readouts[(which, i)] = (None if r is None else r.soft[0, j, -n:].float().numpy(),
                                              None if r is None else r.weights[0, j, -n:].float().numpy())
        return self._readouts[key]


def _rank_ok(rs, item_id, removed, claimed) -> str | None:
    got, ties = rs.rank(item_id, removed)
    if got == claimed or (got is not None and claimed is not None and abs(got - claimed) <= ties):
        return None
    return f"rank {claimed} claimed, {got} re-scored (removed {removed or 'nothing'})"


def check_fact(f, ctx: Context) -> str | None:
    """None when the fact holds, else what is wrong."""
    rs = ctx.rescorer
    if isinstance(f, HistoryItem):
        got = rs.item_at(f.back)
        return None if got == f.item_id else f"{f.back} back is {got}, not {f.item_id}"
    if isinstance(f, RankAfter):
        return _rank_ok(rs, f.item_id, f.removed, f.rank)
    if isinstance(f, RemovalPlace):
        drops = rs.drops(f.item_id)
        mine = float(drops[len(drops) - f.back])
        above, near = int((drops > mine + SCORE_TOL).sum()), int((np.abs(drops - mine) <= SCORE_TOL).sum()) - 1
        ok = len(drops) == f.of and above + 1 <= f.place <= above + 1 + near
        return None if ok else f"#{f.place} of {f.of} by removal claimed, #{above + 1} of {len(drops)} re-scored"
    if isinstance(f, (ScoreDrop, TopRemoval, HoldsDown)):
        drops = rs.drops(f.item_id)
        got = float(drops[len(drops) - f.back])
        if abs(got - f.drop) > SCORE_TOL:
            return f"drop {f.drop:.5f} claimed for {f.back} back, {got:.5f} re-scored"
        if isinstance(f, TopRemoval) and drops.max() - got > SCORE_TOL:
            return f"{f.back} back is not the largest drop ({got:.5f} < {drops.max():.5f})"
        if isinstance(f, HoldsDown) and got - drops.min() > SCORE_TOL:
            return f"{f.back} back is not what holds it down most ({got:.5f} > {drops.min():.5f})"
        return None
    if isinstance(f, (TopWeight, WeightOf)):
        which = "self" if f.model == ctx.loaded.name else "partner"
        if which == "partner" and ctx.partner is None:
            return f"no model {f.model} to check against"
        soft, weights = ctx.readout(which, f.item_id)
        row = weights if isinstance(f, TopWeight) and f.view == "hard" else soft
        if row is None:
            return f"{f.model} has no attention"
        n = len(row)
        if isinstance(f, WeightOf):
            w = float(row[n - f.back])
            place = 1 + int((row > w + 1e-6).sum())
            near = int((np.abs(row - w) <= 1e-5).sum()) - 1  # weights this close may share or swap places
            ok = abs(w - f.weight) <= WEIGHT_TOL and abs(place - f.place) <= near and n == f.of
            return None if ok else f"weight {f.weight:.4f} (#{f.place} of {f.of}) claimed, {w:.4f} (#{place} of {n}) read"
        top = int(np.argmax(row))
        ok = n - top == f.back and abs(float(row[top]) - f.weight) <= WEIGHT_TOL
        return None if ok else f"{f.model} {f.view} top claimed {f.back} back ({f.weight:.4f}), read {n - top} back"
    if isinstance(f, Correlation):
        soft, _ = ctx.readout("self", f.item_id)
        drops = rs.drops(f.item_id)
        ra, ri = pd.Series(soft).rank().to_numpy(), pd.Series(drops).rank().to_numpy()
        rho = float(np.corrcoef(ra, ri)[0, 1]) if len(soft) > 2 and ra.std() and ri.std() else None
        if (rho is None) != (f.rho is None) or (rho is not None and abs(rho - f.rho) > 0.02 + _swap_slack(ra, ri, drops)):
            return f"Spearman {f.rho} claimed, {rho} recomputed"
        return None
    if isinstance(f, Planted):
        trig = ctx.planted.get(f.item_id)
        return None if trig == f.trigger_id and rs.item_at(f.back) == f.trigger_id else \
            f"planted trigger of {f.item_id} is {trig}; {f.back} back is {rs.item_at(f.back)}"
    if isinstance(f, ScoreGap):
        problem = _rank_ok(rs, f.item_id, (), f.rank)
        kth = rs.top(f.top_k)[-1]
        got = float(rs.scores()[rs.index[kth]])
        return problem or (None if abs(got - f.kth_score) <= SCORE_TOL else f"#{f.top_k} scores {got}, not {f.kth_score}")
    if isinstance(f, InHistory):
        return None if (f.item_id in rs.ids) == f.present else f"{f.item_id} in the history: {not f.present}"
    if isinstance(f, NoAttention):
        m = ctx.loaded.model
        ok = (m.has_attention and not m.attention_has_focus) if f.uniform else not m.has_attention
        return None if ok else "the model's attention is not what the claim says"
    if isinstance(f, SearchDepth):
        return None if f.max_removals <= ctx.max_removals else f"{f.max_removals} removals, more than searched"
    if isinstance(f, EditStep):
        return None  # checked step by step in check.py, against the history before each step
    if isinstance(f, TrainingRun):
        return _training(f, ctx.run)
    return None  # facts without a recomputation (attribute weights) are checked through their numbers only


def _training(f: TrainingRun, run: dict | None) -> str | None:
    if run is None:
        return "no metrics.json to check against"
    for key in ("best_epoch", "stopped"):
        if str(run.get(key)) != str(getattr(f, key)):
            return f"{key} {getattr(f, key)} claimed, metrics.json says {run.get(key)}"
    if abs(float(run.get("seconds", 0)) - f.seconds) > 0.01:
        return f"{f.seconds} s claimed, metrics.json says {run.get('seconds')}"
    if run.get("max_seconds") and f.seconds > run["max_seconds"] + 60:
        return f"trained {f.seconds} s under a {run['max_seconds']} s limit"
    return None


def _swap_slack(ra: np.ndarray, ri: np.ndarray, drops: np.ndarray) -> float:
    """How far Spearman's rho may move when drops closer than RANK_TOL swap places: two paths (batched or
    single rows) agree on each drop to about 1e-6, so near-equal drops may come out in either order. Each
    item's rank may move by at most the number of drops that close to its own (an upper bound)."""
    close = (np.abs(drops[:, None] - drops[None, :]) <= RANK_TOL).sum(1) - 1
    if not close.any() or not ra.std() or not ri.std():
        return 0.0
    return float(np.sum(np.abs(ra - ra.mean()) * close) / (len(ra) * ra.std() * ri.std()))


def text_problems(claim: Claim) -> list[str]:
    """Numbers the facts do not allow, and words the facts contradict."""
    out = []
    bare = claim.text
    # titles the facts carry go first: a title may hold asterisks or digits of its own ("M*A*S*H (1970)")
    titles = {getattr(f, a) for f in claim.facts for a in ("title", "trigger_title", "item_title", "history_title")
              if isinstance(getattr(f, a, None), str) and getattr(f, a)}
    for t in sorted(titles, key=len, reverse=True):
        bare = bare.replace(f"*{t}*", " ").replace(t, " ")
    bare = NAMES.sub(" ", bare)
    allowed = claim.numbers()
    for num in NUMBER.findall(bare):
        if num.lstrip("+-") not in allowed and num not in allowed and num.lstrip("#") not in allowed:
            out.append(f"the number {num} is not one of its facts' ({sorted(allowed)})")
    facts = {type(f): f for f in claim.facts}
    rho = facts.get(Correlation)
    if rho is not None and rho.rho is not None and rho.rho < -0.1 and re.search(r"\bagree", claim.text):
        out.append("'agree' beside a negative rank correlation")
    run = facts.get(TrainingRun)
    if run is not None:
        if ("stopped early" in claim.text) != (run.stopped == "early"):
            out.append(f"says {'' if 'stopped early' in claim.text else 'not '}'stopped early' for a run that stopped: "
                       f"{run.stopped}")
        if ("time limit" in claim.text and "stopped at" in claim.text) != (run.stopped == "time"):
            out.append(f"time-limit words for a run that stopped: {run.stopped}")
    if claim.kind == "attention-vs-removal" and claim.tone == "success":
        top, picked = facts.get(TopRemoval), facts.get(TopWeight)
        if top is None or picked is None or top.back != picked.back:
            out.append("a success box where attention's top item is not the removal test's")
    if claim.kind == "planted":
        out += _planted_words(claim)
    for m in re.finditer(r"(drops|lifts) this item from #([\d,]+) to #([\d,]+)", bare):
        a, b = (int(x.replace(",", "")) for x in m.groups()[1:])
        if (m.group(1) == "drops") != (b > a):
            out.append(f"'{m.group(0)}'")
    return out


def _planted_words(claim: Claim) -> list[str]:
    planted = next(f for f in claim.facts if isinstance(f, Planted))
    out = []
    for f in claim.facts:
        if isinstance(f, TopWeight):
            hit = f.back == planted.back
            who = f"`{f.model}`" if f"`{f.model}`" in claim.text else ("hard pick" if f.view == "hard" else "argmax")
            seg = claim.text[claim.text.index(who):]
            seg = seg[:seg.index(".") + 1] if "." in seg else seg
            if hit != ("picks it too" in seg):
                out.append(f"the map of {f.model} ({f.view}) {'hits' if hit else 'misses'} the trigger but the words "
                           f"say: {seg!r}")
    return out
