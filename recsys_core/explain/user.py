"""One user's recommendations together with the attention that produced each of them, and checks of
whether that explanation is honest: `explain_user` returns an Explanation (see explanation.py).

  history          the items the model sees (the most recent max_len), oldest first
  recommendations  top-K with score, `soft` and `hard` weights aligned with `history`, and
                   `influence`: how much the score drops when each history item is removed
  honesty          does the attention's top item match the item whose removal hurts most?
  planted          (embedded data) the known trigger of a recommended follow-up, and whether
                   soft/hard attention found it
  feature_attention  (models with item features) attribute value -> weight: the soft item attention
                   times each history item's attention over its attributes, summed per value
For a hard-trained model `soft` is its pre-argmax distribution; for a soft model `hard` is the
argmax of its weights. For `self`, the last position's row of the last layer, averaged over heads,
explains every recommendation; all layers and heads are in `attention_maps`.
"""
from dataclasses import replace

import numpy as np
import torch

from ..data.lookup import find_item
from ..data.preprocess import Prepared
from ..errors import UserError
from ..models.features import aggregate
from ..models.ranking import top_items
from ..store.opened import Loaded
from .explanation import (
    AttentionMap,
    Explanation,
    HistoryItem,
    PlantedCause,
    Recommendation,
)
from .history import rank_in, rank_unseen, view_of
from .honesty import honesty, removal_influence


def _history(data: Prepared, u: int, visible: np.ndarray) -> list[HistoryItem]:
    e = data.offsets[u + 1]
    flat = np.arange(e - len(visible), e)
    rows = []
    for pos, f in enumerate(flat):
        i = data.items[f]
        cause = trigger = None
        if data.causes is not None:
            c = str(data.causes[f])
            cause = c if c in ("taste", "popular") else f"trigger {c}"
            if cause != c:
                t = data.item_index().get(c)
                trigger = str(data.titles[t]) if t else f"item {c}"
        rows.append(HistoryItem(item_id=str(data.item_ids[i]), title=str(data.titles[i]),
                                category=str(data.categories[i]), timestamp=int(data.times[f]),
                                steps_back=int(len(flat) - pos),
                                rating=None if data.ratings is None else float(data.ratings[f]), cause=cause,
                                trigger_title=trigger))
    return rows


def _edited_history(data: Prepared, visible: np.ndarray) -> list[HistoryItem]:
    """Rows for a what-if history: the items as the catalogue names them; no times, ratings or causes."""
    n = len(visible)
    return [HistoryItem(item_id=str(data.item_ids[i]), title=str(data.titles[i]), category=str(data.categories[i]),
                        timestamp=0, steps_back=n - pos) for pos, i in enumerate(visible)]


def _rounded(w: np.ndarray | None, digits: int = 6) -> list[float] | None:
    return None if w is None else [round(float(x), digits) for x in w]


@torch.no_grad()
def explain_user(loaded: Loaded, user_id, k: int = 10, extra_items=(), planted: dict | None = None,
                 influence: bool = True, history: list[str] | None = None) -> Explanation:
    """Top-k for a user with attention, influence and honesty checks; `extra_items` adds "why not X?" rows.
    history: item ids (oldest first) to explain instead of the user's own (a what-if edit, see whatif.py);
    then exactly those items count as what the user has."""
    model, data, L = loaded.model, loaded.data, loaded.max_len
    view = view_of(loaded, user_id, history)
    u, full_hist, visible, seq, n = view.u, view.history, view.visible, view.base.seq, view.n
    device = seq.device
    scores = rank_unseen(model, view)  # (N+1,) never what the user has
    if not torch.isfinite(scores).any() and len(np.unique(full_hist)) < data.n_items:
        raise UserError(f"this model's scores are not finite (NaN or infinite) for user {data.user_ids[u]}: "
                        "it is broken. Fix: retrain it.")
    k = max(1, min(k, int(torch.isfinite(scores).sum())))
    rec_items = top_items(scores, k)
    extra = [find_item(data, x) for x in extra_items]
    cand = torch.tensor([rec_items + extra], device=device)  # (1, K)
    out = Explanation(model=loaded.name, dataset=data.name, user_id=str(data.user_ids[u]),
                      history_total=int(len(full_hist)), max_len=L,
                      history=_history(data, u, visible) if history is None else _edited_history(data, visible),
                      arch=loaded.meta.arch, attention=loaded.meta.attention, explained_by=model.explained_by,
                      has_focus=model.attention_has_focus)
    all_scores = model.score(seq, cand)[0].float()
    readout = model.explain(seq, cand) if model.has_attention else None
    uniform = not model.attention_has_focus  # uniform weights (mean): soft and hard are both those weights

    def row_weights(key, j):
        t = None if readout is None else getattr(readout, key)
        return None if t is None else t[0, j, -n:].float().cpu().numpy()

    infl = removal_influence(model, view.base, cand) if influence and n > 1 else None
    for j, i in enumerate(rec_items + extra):
        w, soft = row_weights("weights", j), row_weights("soft", j)
        hard = None
        if w is not None:
            if loaded.meta.hard_trained or uniform:
                hard = w
            else:
                hard = np.zeros_like(w)
                hard[int(np.argmax(w))] = 1.0
        rec = Recommendation(item_id=str(data.item_ids[i]), title=str(data.titles[i]),
                             category=str(data.categories[i]), score=float(all_scores[j]), rank=rank_in(scores, i),
                             kind="recommendation" if j < k else "why-not", soft=_rounded(soft),
                             hard=None if hard is None else [float(x) for x in hard],
                             contribution=_rounded(row_weights("contribution", j)))
        if readout is not None and readout.feature_weights is not None and soft is not None:
            rec.feature_attention = aggregate(soft, readout.feature_weights[0, j, -n:].float().cpu().numpy(),
                                              readout.feature_ids[0, -n:].cpu().numpy(), model.cfg.feature_vocab)
        if infl is not None:
            rec.influence = _rounded(infl[j])
            if soft is not None:
                rec.honesty = honesty(soft, infl[j])
        if planted and i in planted:
            trig = planted[i]
            where = np.flatnonzero(visible == trig)
            if len(where):
                p = int(where[-1])
                rec.planted = PlantedCause(
                    trigger_item_id=str(data.item_ids[trig]), trigger_title=str(data.titles[trig]), position=p,
                    steps_back=int(n - p), soft_weight=None if soft is None else float(soft[p]),
                    hard_hit=None if hard is None or uniform else bool(hard[p] > 0 and hard[p] == hard.max()))
        (out.why_not if rec.is_why_not else out.recommendations).append(rec)
    _feature_checks(model, seq, cand, out.recommendations + out.why_not, influence)
    if readout is not None and readout.maps is not None:
        out.attention_maps = [
            AttentionMap(layer=li, head=h, weights=np.round(m[0, h, -n:, -n:].float().cpu().numpy(), 5).tolist())
            for li, m in enumerate(readout.maps) for h in range(m.shape[1])]
    return out


def explain_rows(loaded: Loaded, user_id, item_ids: list[str], history: list[str] | None = None,
                 planted: dict | None = None, influence: bool = False) -> Explanation:
    """The explanation whose rows are exactly `item_ids`, in that order: a hard-trained model's map beside
    another model's recommendations, row for row (without the removal test unless asked: a map needs none)."""
    expl = explain_user(loaded, user_id, k=1, extra_items=item_ids, planted=planted, history=history,
                        influence=influence)
    return replace(expl, recommendations=[replace(r, kind="recommendation") for r in expl.why_not], why_not=[])


FEATURE_CHECKS = 3  # attribute values re-scored per recommendation (the most attended ones)


def _feature_checks(model, seq, cand, recs, influence: bool):
    """Models with item features: the removal test for the top attended attribute values of each row."""
    if not influence or not any(r.feature_attention for r in recs):
        return
    from .attributes import attribute_influence
    values = sorted({v for r in recs if r.feature_attention for v in list(r.feature_attention)[:FEATURE_CHECKS]})
    drops = attribute_influence(model, seq, cand, values)
    for r, d in zip(recs, drops):
        if r.feature_attention:
            r.feature_influence = {v: d[v] for v in list(r.feature_attention)[:FEATURE_CHECKS] if v in d}
