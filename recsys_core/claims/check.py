"""check-claims: regenerate every claim the product makes about a model for a set of users and confirm
each one (verify.py). Per user, as the Explain page shows them: every recommendation's attention and
planted-truth claims (beside the hard-trained partner's map when one is given), the measured report of
the top recommendation, a why-not item (and one the user already has), a random what-if edit and the
claims on the edited history; once per model, how its training ended against metrics.json."""
import json
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..explain.page import explain_page, why_not_item
from ..explain.report import explain_item
from ..explain.whatif import what_if
from ..store.opened import Loaded
from .edits import edit_claims, edit_steps, training_claim
from .facts import Claim
from .rescore import Rescorer
from .verify import Context, check_fact, text_problems

MEASURED_EXPLAINERS = None  # the measured report with every explainer that applies, as the page runs it


@dataclass
class Finding:
    model: str
    user: str
    kind: str
    text: str
    problem: str


@dataclass
class ClaimsReport:
    model: str
    users: int = 0
    explanations: int = 0  # explanations whose claims were regenerated and checked
    claims: dict = field(default_factory=dict)  # kind -> claims checked
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, kind: str):
        self.claims[kind] = self.claims.get(kind, 0) + 1

    def to_json(self) -> dict:
        return {**asdict(self), "findings": [asdict(f) for f in self.findings]}


class _Checker:
    def __init__(self, loaded: Loaded, report: ClaimsReport, partner: Loaded | None, planted: dict, top_k: int):
        self.loaded, self.report, self.partner, self.planted, self.top_k = loaded, report, partner, planted, top_k
        self.planted_ids = _planted_ids(loaded, planted)
        self.partner_planted = planted if partner is not None and partner.data is loaded.data else None

    def claims(self, claims: list[Claim], ctx: Context, user: str):
        for c in claims:
            self.report.add(c.kind)
            problems = text_problems(c) + [p for f in c.facts if (p := check_fact(f, ctx))]
            for p in problems:
                self.report.findings.append(Finding(self.loaded.name, user, c.kind, c.text, p))

    def context(self, user: str, history=None, run=None) -> Context:
        rs = Rescorer(self.loaded, user, history)
        prs = Rescorer(self.partner, user, history) if self.partner is not None else None
        return Context(self.loaded, rs, self.partner, prs, self.planted_ids, self.top_k, run=run)

    def page(self, user: str, ctx: Context, history=None):
        """The Explain page's explanation (explain_page, as the page computes it) and its every claim."""
        page = explain_page(self.loaded, user, self.top_k, partner=self.partner, planted=self.planted,
                            history=history, partner_planted=self.partner_planted)
        for claims in page.claims:
            self.claims(claims, ctx, user)
        return page


def _planted_ids(loaded: Loaded, planted: dict) -> dict:
    ids = loaded.data.item_ids
    return {str(ids[f]): str(ids[t]) for f, t in planted.items()}


def _random_edit(rng, history: list[str], visible: int, unseen: list[str]) -> str:
    kind = rng.choice(["remove", "add", "move"]) if visible > 1 else "add"
    if kind == "remove":
        return f"-{int(rng.integers(1, visible + 1))}"
    if kind == "add":
        return f"+{unseen[int(rng.integers(len(unseen)))]}"
    return f"{int(rng.integers(2, visible + 1))}>1"


def check_claims(loaded: Loaded, users: list[str], partner: Loaded | None = None, planted: dict | None = None,
                 top_k: int = 10, seed: int = 0, measured: bool = True, progress=None) -> ClaimsReport:
    """Every claim about `loaded` for `users`, checked. planted: follow-up index -> trigger index."""
    start = time.perf_counter()
    report = ClaimsReport(model=loaded.name)
    chk = _Checker(loaded, report, partner, planted or {}, top_k)
    data, rng = loaded.data, np.random.default_rng(seed)
    run = _metrics(loaded.path)
    if loaded.meta.training is not None:
        ctx = chk.context(str(data.user_ids[0]), run=run or asdict(loaded.meta.training))
        chk.claims([training_claim(loaded.meta.training)], ctx, "-")
    titles = dict(zip(map(str, data.item_ids), map(str, data.titles)))
    for done, user in enumerate(users, 1):
        user = str(user)
        ctx = chk.context(user)
        page = chk.page(user, ctx)
        expl = page.expl
        report.explanations += 1
        recs = [r.item_id for r in expl.recommendations]
        if measured and expl.recommendations:
            rep = explain_item(loaded, user, item_id=recs[0], explainers=MEASURED_EXPLAINERS, top_k=top_k)
            chk.claims(rep.claims, ctx, user)
        had = set(ctx.rescorer.ids)
        unseen = [i for i in titles if i and i not in had and i not in recs]
        if unseen:  # why not an item outside the list, and one the user already has
            item = unseen[int(rng.integers(len(unseen)))]
            chk.claims(why_not_item(loaded, page, item, planted=planted).claims, ctx, user)
            if measured:  # a why-not report's words follow the removal test alone (counterfactual.why_not)
                chk.claims(explain_item(loaded, user, item_id=item, explainers=["occlusion"], top_k=top_k).claims,
                           ctx, user)
        mine = ctx.rescorer.visible_ids[int(rng.integers(len(ctx.rescorer.visible_ids)))]
        said = why_not_item(loaded, page, mine).claims
        if len(said) != 1:
            report.findings.append(Finding(loaded.name, user, "why-not", " ".join(c.text for c in said),
                                           "more than one line for an item the user already has"))
        chk.claims(said, ctx, user)
        _check_edit(chk, user, ctx, rng, unseen, titles)
        report.users += 1
        if progress:
            progress(done, len(users))
    report.seconds = round(time.perf_counter() - start, 1)
    return report


def _check_edit(chk: _Checker, user: str, ctx: Context, rng, unseen: list[str], titles: dict):
    """A random what-if edit: each step names the item it acted on, the ranks before it are the unedited
    ranks, and the claims on the edited history hold on that history."""
    loaded, history = chk.loaded, ctx.rescorer.ids
    edit = _random_edit(rng, history, len(ctx.rescorer.visible_ids), unseen)
    steps = edit_claims(history, edit, titles)
    for claim, step in zip(steps, edit_steps(history, edit)):
        want = ctx.rescorer.item_at(step.back) if step.back is not None and step.kind != "add" else step.item_id
        if claim.facts[0].item_id != want:
            chk.report.findings.append(Finding(loaded.name, user, "what-if", claim.text, f"acts on {want}"))
    chk.claims(steps, ctx, user)
    wi = what_if(loaded, user, edit, k=chk.top_k, planted=chk.planted)
    for m in wi.moves:
        if m.before is not None:
            got, ties = ctx.rescorer.rank(m.item_id)
            if got is None or abs(got + 1 - m.before) > ties:
                chk.report.findings.append(Finding(loaded.name, user, "what-if", f"{m.title}: before #{m.before}",
                                                   f"re-scored before the edit: {got}"))
    chk.page(user, chk.context(user, history=wi.history), history=wi.history)


def _metrics(path: str) -> dict | None:
    """The run's metrics.json beside its checkpoint, if there is one."""
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    try:
        with open(os.path.join(folder, "metrics.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
