"""Claims about what the user did and what a run recorded: each step of a what-if edit named by what it
did to which item ("Removed *The Greatest Showman* (1 back)"), and how a training run ended."""
from ..explain.whatif import parse_edit
from ..training.stop import run_words
from .facts import Claim, EditStep, TrainingRun


def edit_steps(history: list[str], edit: str) -> list[EditStep]:
    """Each step of `edit` on `history` (item ids, oldest first) as what it did: a UserError for a step
    that does not fit, as apply_edit."""
    from ..explain.whatif import apply_edit
    items, steps = list(history), []
    for step in parse_edit(edit):
        n = len(items)
        if step[0] == "remove":
            steps.append(EditStep("remove", items[n - step[1]] if 1 <= step[1] <= n else "", "", step[1], None))
        elif step[0] == "add":
            steps.append(EditStep("add", step[1], "", None, 1))
        else:
            steps.append(EditStep("move", items[n - step[1]] if 1 <= step[1] <= n else "", "", step[1],
                                  max(1, min(step[2], n))))
        items = apply_edit(items, _text(step))
    return steps


def _text(step: tuple) -> str:
    return {"remove": lambda: f"-{step[1]}", "add": lambda: f"+{step[1]}", "move": lambda: f"{step[1]}>{step[2]}"}[
        step[0]]()


def edit_claims(history: list[str], edit: str, titles: dict[str, str]) -> list[Claim]:
    """One sentence per step of a what-if edit, naming the item it acted on."""
    out = []
    for s in edit_steps(history, edit):
        title = titles.get(s.item_id, f"item {s.item_id}")
        fact = EditStep(s.kind, s.item_id, title, s.back, s.to)
        if s.kind == "remove":
            text = f"Removed *{title}* ({s.back:,} back)."
        elif s.kind == "add":
            text = f"Added *{title}* as the most recent item."
        elif s.back == s.to:
            text = f"Left *{title}* where it was ({s.back:,} back)."
        else:
            text = f"Moved *{title}* from {s.back:,} back to {s.to:,} back."
        out.append(Claim("what-if", "info", text, (fact,)))
    return out


def training_claim(info) -> Claim:
    """How a run ended, from what it recorded (a checkpoint's TrainingInfo or metrics.json's keys)."""
    get = info.get if isinstance(info, dict) else lambda k, d=None: getattr(info, k, d)
    fact = TrainingRun(seconds=get("seconds"), best_epoch=get("best_epoch"), stopped=str(get("stopped")),
                       stop_metric=get("stop_metric"), validation_seconds=get("validation_seconds"),
                       evaluation_seconds=get("evaluation_seconds"), max_seconds=get("max_seconds"))
    text = run_words(fact.seconds, fact.best_epoch, fact.stopped, fact.stop_metric, fact.validation_seconds,
                     fact.evaluation_seconds, fact.max_seconds)
    return Claim("training", "warning" if fact.stopped == "diverged" else "success", text[0].upper() + text[1:] + ".",
                 (fact,))
