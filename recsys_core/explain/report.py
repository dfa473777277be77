"""The full explanation of one recommendation: every explainer's importance over the history, their
faithfulness against random orders, the verified counterfactual and the sentences that word it.
`explain_item` is what `python -m recsys_core explain` prints and what the Explain page can call;
`ItemReport.to_json()` is the `explain --json` document.
"""
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..claims.facts import HistoryItem
from ..claims.measured import Evidence, report_claims
from ..data.lookup import find_item
from ..errors import UserError
from ..store.opened import Loaded
from .counterfactual import MAX_REMOVALS, Counterfactual, drop_counterfactual, why_not
from .explainers import EXPLAINERS, chosen
from .explainers.memo import ExplainMemo
from .faithfulness import RANDOM_ORDERS, Faithfulness, faithfulness, order_of
from .history import rank_in, rank_unseen, view_of
from .removal import rescore


@dataclass(frozen=True)
class ReportItem:
    item_id: str
    title: str
    steps_back: int  # 1 = the most recent


@dataclass
class ItemReport:
    model: str
    dataset: str
    user_id: str
    item_id: str
    title: str
    kind: str  # "recommendation" (in the top k) or "why-not"
    rank: int  # 0-based among items the user has not interacted with
    score: float
    top_k: int
    history: list[ReportItem]  # visible history, oldest first
    explainers: list[str]
    importance: dict  # explainer -> list aligned with history
    faithfulness: dict  # explainer (and "random") -> Faithfulness
    counterfactual: Counterfactual
    words: list[str]  # the claims' texts, in order (claims.measured)
    seconds: float = 0.0
    best_explainer: str = ""  # lowest deletion area among the non-reference explainers
    notes: list[str] = field(default_factory=list)
    feature_attention: dict | None = None  # models with item features: attribute value -> weight
    claims: list = field(default_factory=list)  # claims.facts.Claim: the words with the facts they cite

    def to_json(self) -> dict:
        out = dict(vars(self))
        out["faithfulness"] = {k: v.to_json() for k, v in self.faithfulness.items()}
        out["counterfactual"] = self.counterfactual.to_json()
        out["claims"] = [c.to_json() for c in self.claims]
        out["history"] = [vars(h) for h in self.history]
        if out["feature_attention"] is None:  # optional keys are left out when there is nothing to say
            del out["feature_attention"]
        return _finite(out)


def _finite(obj):
    """NaN and infinities as None, so the document is strict JSON (a broken model's scores can be NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


REFERENCES = ("uniform", "recency")  # floors, never "the best explainer"


def best_explainer(faith: dict[str, Faithfulness]) -> str:
    """The explainer whose deletion curve falls fastest (lowest area), references excluded."""
    real = {k: v for k, v in faith.items() if k not in REFERENCES and k != "random"}
    return min(real, key=lambda k: real[k].deletion_area) if real else ""


def explain_item(loaded: Loaded, user_id, item_id=None, explainers=None, top_k: int = 10,
                 max_removals: int = MAX_REMOVALS, random_orders: int = RANDOM_ORDERS,
                 history: list[str] | None = None, ranked_curves: bool = True) -> ItemReport:
    """Everything about one recommendation (default: the user's top one) or one "why not X?" item.

    explainers: registry names (default: all that apply); history: item ids replacing the user's whole
    history (a what-if edit, whatif.py), oldest first; the model sees its last max_len. ranked_curves=False:
    the deletion/insertion curves carry scores only (no catalogue-wide rank per point), the bulk of the
    cost; the claims, areas, AOPC and tau are the same either way."""
    start = time.perf_counter()
    model, data = loaded.model, loaded.data
    names = chosen(model, explainers)
    view = view_of(loaded, user_id, history)
    base, visible, n, device = view.base, view.visible, view.n, view.base.seq.device
    seq = base.seq
    scores = rank_unseen(model, view)  # the one ranking path: an item edited out may come back, as on the page
    top_k = max(1, min(top_k, int(torch.isfinite(scores).sum())))
    if item_id is None:
        item = int(scores.argmax())
    else:
        item = find_item(data, item_id)
        if base.had[item] > 0:
            raise UserError(f"item {item_id} is already in user {view.user_id}'s history. "
                            "Fix: pick an item they have not interacted with.")
    cand = torch.tensor([[item]], device=device)
    memo = ExplainMemo(model)
    imp = {name: EXPLAINERS[name](memo, seq, cand, base.older)[0, 0, -n:].float().cpu().numpy() for name in names}
    occl = imp["occlusion"] if "occlusion" in imp else \
        EXPLAINERS["occlusion"](model, seq, cand, base.older)[0, 0, -n:].cpu().numpy()
    faith = faithfulness(model, base, item, imp, occlusion=occl, random_orders=random_orders, with_rank=ranked_curves)
    with torch.no_grad():
        score = float(model.score(seq, cand)[0, 0])
    rank = rank_in(scores, item)
    kind = "recommendation" if rank < top_k else "why-not"
    if kind == "recommendation":
        orders = {k: order_of(v) for k, v in imp.items() if k not in REFERENCES} or {k: order_of(v) for k, v in imp.items()}
        cf = drop_counterfactual(model, base, item, orders, top_k, max_removals)
    else:
        cf = why_not(model, base, item, occl, top_k, max_removals)
    titles = [str(data.titles[i]) for i in visible]
    top_removal = int(np.argmax(occl))
    rows = [top_removal]
    attn = imp.get("attention") if model.attention_has_focus else None
    top_attention = int(np.argmax(attn)) if attn is not None else None
    if top_attention is not None:
        rows.append(top_attention)
    drop = torch.zeros(len(rows), seq.shape[1], dtype=torch.bool, device=device)
    drop[torch.arange(len(rows), device=device), torch.tensor(rows, device=device) + seq.shape[1] - n] = True
    _, single = rescore(model, base, drop, item)
    ev = Evidence(model=loaded.name, item_id=str(data.item_ids[item]), item_title=str(data.titles[item]), kind=kind,
                  rank=rank, top_k=top_k,
                  history=[HistoryItem(str(data.item_ids[i]), t, n - j) for j, (i, t) in enumerate(zip(visible, titles))],
                  top_removal=top_removal, rank_without_top_removal=int(single[0]),
                  top_removal_drop=float(occl[top_removal]), top_attention=top_attention,
                  top_attention_weight=None if top_attention is None else float(attn[top_attention]),
                  rank_without_top_attention=int(single[-1]) if top_attention is not None else None,
                  counterfactual=cf)
    claims = report_claims(ev)
    notes = [] if model.attention_has_focus or not model.has_attention else \
        ["this model's attention is uniform by construction: it singles out no item"]
    return ItemReport(model=loaded.name, dataset=data.name, user_id=view.user_id, item_id=str(data.item_ids[item]),
                      title=str(data.titles[item]), kind=kind, rank=rank, score=score, top_k=top_k,
                      history=[ReportItem(str(data.item_ids[i]), t, n - j) for j, (i, t) in enumerate(zip(visible, titles))],
                      explainers=names, importance={k: [float(x) for x in v] for k, v in imp.items()},
                      faithfulness=faith, counterfactual=cf, words=[c.text for c in claims], claims=claims,
                      seconds=round(time.perf_counter() - start, 4), best_explainer=best_explainer(faith), notes=notes,
                      feature_attention=_feature_attention(model, seq, cand, n))


def _feature_attention(model, seq, cand, n) -> dict | None:
    """A model with item features: attribute value -> weight for the explained item (as recommend --json)."""
    if not getattr(getattr(model, "cfg", None), "item_features", False):
        return None
    from ..models.features import aggregate
    with torch.no_grad():
        readout = model.explain(seq, cand)
    if readout is None or readout.feature_weights is None:
        return None
    return aggregate(readout.soft[0, 0, -n:].float().cpu().numpy(),
                     readout.feature_weights[0, 0, -n:].float().cpu().numpy(),
                     readout.feature_ids[0, -n:].cpu().numpy(), model.cfg.feature_vocab)
