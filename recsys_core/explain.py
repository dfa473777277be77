"""Recommendations for one user together with the attention that produced each of them, and checks
of whether that explanation is honest.

Everything the Explain page and `recommend` show comes from `explain_user`, as a JSON-ready dict:
  history          the items the model sees (the most recent max_len), oldest first
  recommendations  top-K with score, `soft` and `hard` weights aligned with `history`, and
                   `influence`: how much the score drops when each history item is removed
  honesty          does the attention's top item match the item whose removal hurts most?
  planted          (embedded data) the known trigger of a recommended follow-up, and whether
                   soft/hard attention found it
For a hard-trained model `soft` is its pre-argmax distribution; for a soft model `hard` is the
argmax of its weights. For `self`, the last position's row of the last layer, averaged over heads,
explains every recommendation; all layers and heads are in `attention_maps`.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .checkpoint import load_model
from .datasets import load_dataset
from .errors import UserError
from .preprocess import PrepConfig, Prepared, pad_sequence, prepare


@dataclass
class Loaded:
    model: torch.nn.Module
    meta: dict
    data: Prepared
    path: str = ""

    @property
    def name(self) -> str:
        return self.meta["model_name"]

    @property
    def max_len(self) -> int:
        return self.meta["model_config"]["max_len"]


def prepare_for(meta: dict, dataset_spec: str | None = None, data_dir: str | None = None) -> Prepared:
    """The preprocessed dataset a checkpoint was trained on (or `dataset_spec` instead)."""
    spec = dataset_spec or meta["dataset"]["spec"]
    prep = meta.get("prep_config") or {}
    return prepare(load_dataset(spec, data_dir), PrepConfig(**prep))


def open_model(path: str, dataset_spec: str | None = None, data_dir: str | None = None,
               data: Prepared | None = None, device="cpu") -> Loaded:
    from .checkpoint import read_checkpoint
    meta, _ = read_checkpoint(path)
    data = data or prepare_for(meta, dataset_spec, data_dir)
    model, meta = load_model(path, data, device)
    return Loaded(model, meta, data, path)


def find_user(data: Prepared, user_id) -> int:
    index = data.user_index()
    key = str(user_id).strip()
    if key not in index:
        some = ", ".join(map(str, data.user_ids[:5]))
        raise UserError(f"user {key!r} is not in dataset '{data.name}'. Fix: use one of its user ids (e.g. {some}).")
    return index[key]


def find_item(data: Prepared, item_id) -> int:
    index = data.item_index()
    key = str(item_id).strip()
    if key not in index:
        raise UserError(f"item {key!r} is not in dataset '{data.name}'. Fix: search items by title to find their ids.")
    return index[key]


def search_items(data: Prepared, text: str, limit: int = 20) -> list[dict]:
    """Items whose title contains `text` (case-insensitive), most interacted first."""
    text = text.strip().lower()
    if not text:
        return []
    counts = np.bincount(data.items, minlength=data.n_items + 1)
    hits = [i for i in range(1, data.n_items + 1) if text in str(data.titles[i]).lower()]
    hits.sort(key=lambda i: -counts[i])
    return [{"item_id": str(data.item_ids[i]), "title": str(data.titles[i]), "interactions": int(counts[i])}
            for i in hits[:limit]]


def users_who_interacted(data: Prepared, item_id, limit: int = 50) -> list[str]:
    i = find_item(data, item_id)
    users = np.searchsorted(data.offsets, np.flatnonzero(data.items == i), side="right") - 1
    return [str(data.user_ids[u]) for u in np.unique(users)[:limit]]


def planted_map(data: Prepared, items_table=None) -> dict:
    """follow-up item index -> trigger item index, from the embedded data's items table."""
    if items_table is None or "follow_up" not in items_table.columns:
        return {}
    index = data.item_index()
    out = {}
    for trig, fu in zip(items_table["item_id"], items_table["follow_up"]):
        if fu and str(fu) in index and str(trig) in index:
            out[index[str(fu)]] = index[str(trig)]
    return out


def interesting_users(data: Prepared, planted: dict, n: int = 8, seed: int = 0) -> list[dict]:
    """Users worth a look: on the embedded data, those with a trigger whose follow-up is still due
    (attention should find it); elsewhere, a spread of history lengths."""
    pending = []
    if planted:
        triggers = {t: f for f, t in planted.items()}
        for u in range(data.n_users):
            seq = data.seq(u)
            recent = seq[-10:]
            due = [t for t in recent if t in triggers and triggers[t] not in set(seq.tolist())]
            if due and seq[-1] not in triggers:  # the trigger is not simply the last item
                pending.append({"user_id": str(data.user_ids[u]),
                                "why": f"bought {data.titles[due[0]]}; its follow-up is still due"})
        rng = np.random.default_rng(seed)
        if pending:
            return [pending[i] for i in sorted(rng.choice(len(pending), min(n, len(pending)), replace=False))]
    lens = data.lengths()
    order = np.argsort(lens)
    picks = order[np.linspace(0, len(order) - 1, min(n, len(order))).astype(int)]
    return [{"user_id": str(data.user_ids[u]), "why": f"{lens[u]} interactions"} for u in picks]


def _history_rows(data: Prepared, u: int, visible: np.ndarray) -> list[dict]:
    e = data.offsets[u + 1]
    flat = np.arange(e - len(visible), e)
    rows = []
    for pos, f in enumerate(flat):
        i = data.items[f]
        row = {"item_id": str(data.item_ids[i]), "title": str(data.titles[i]), "category": str(data.categories[i]),
               "timestamp": int(data.times[f]), "steps_back": int(len(flat) - pos)}
        if data.ratings is not None:
            row["rating"] = float(data.ratings[f])
        if data.causes is not None:
            c = str(data.causes[f])
            row["cause"] = c if c in ("taste", "popular") else f"trigger {c}"
        rows.append(row)
    return rows


@torch.no_grad()
def explain_user(loaded: Loaded, user_id, k: int = 10, extra_items=(), planted: dict | None = None,
                 influence: bool = True) -> dict:
    """Top-k for a user with attention, influence and honesty checks; `extra_items` adds "why not X?" rows."""
    model, data, L = loaded.model, loaded.data, loaded.max_len
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    u = find_user(data, user_id)
    full_hist = data.seq(u)
    visible = full_hist[-L:]
    seq = pad_sequence(visible.tolist(), L).to(device)  # (1, L)
    n = len(visible)
    scores = model.score(seq)[0].float()  # (N+1,)
    scores[torch.from_numpy(full_hist).to(device)] = float("-inf")  # never recommend what the user has
    k = max(1, min(k, int(torch.isfinite(scores).sum())))
    top = torch.topk(scores, k)
    rec_items = top.indices.tolist()
    extra = [find_item(data, x) for x in extra_items]
    cand = torch.tensor([rec_items + extra], device=device)  # (1, K)
    out = {"model": loaded.name, "dataset": data.name, "user_id": str(data.user_ids[u]),
           "history_total": int(len(full_hist)), "history": _history_rows(data, u, visible),
           "max_len": L, "arch": loaded.meta["arch"], "attention": loaded.meta["attention"]}
    all_scores = model.score(seq, cand)[0].float()
    expl = model.explain(seq, cand) if model.has_attention else {}
    hard_trained = loaded.meta["attention"] == "hard"
    uniform = loaded.meta["arch"] == "mean"  # no attention: soft and hard are both the uniform weights

    def row_weights(key, j):
        if key not in expl:
            return None
        return expl[key][0, j, -n:].float().cpu().numpy()

    infl = _influence(model, seq, cand, n) if influence and n > 1 else None
    recs = []
    for j, i in enumerate(rec_items + extra):
        w, soft = row_weights("weights", j), row_weights("soft", j)
        if w is not None:
            if hard_trained or uniform:
                hard = w
            else:
                hard = np.zeros_like(w)
                hard[int(np.argmax(w))] = 1.0
        else:
            hard = None
        rec = {"item_id": str(data.item_ids[i]), "title": str(data.titles[i]), "category": str(data.categories[i]),
               "score": float(all_scores[j]), "rank": _rank(scores, i), "kind": "recommendation" if j < k else "why-not",
               "soft": None if soft is None else [round(float(x), 6) for x in soft],
               "hard": None if hard is None else [float(x) for x in hard]}
        c = row_weights("contribution", j)
        if c is not None:
            rec["contribution"] = [round(float(x), 6) for x in c]
        if infl is not None:
            rec["influence"] = [round(float(x), 6) for x in infl[j]]
            if soft is not None:
                rec["honesty"] = _honesty(soft, infl[j])
        if planted and i in planted:
            trig = planted[i]
            where = np.flatnonzero(visible == trig)
            if len(where):
                p = int(where[-1])
                rec["planted"] = {"trigger_item_id": str(data.item_ids[trig]), "trigger_title": str(data.titles[trig]),
                                  "position": p, "steps_back": int(n - p),
                                  "soft_weight": None if soft is None else float(soft[p]),
                                  "hard_hit": None if hard is None or uniform else bool(hard[p] > 0 and hard[p] == hard.max())}
        recs.append(rec)
    out["recommendations"] = [r for r in recs if r["kind"] == "recommendation"]
    out["why_not"] = [r for r in recs if r["kind"] == "why-not"]
    if "maps" in expl:
        out["attention_maps"] = [
            {"layer": li, "head": h, "weights": np.round(m[0, h, -n:, -n:].float().cpu().numpy(), 5).tolist()}
            for li, m in enumerate(expl["maps"]) for h in range(m.shape[1])]
    out["explained_by"] = {
        "target": "each recommendation's own attention over the history (the candidate is the query)",
        "self": "the last position's attention row in the last layer, averaged over heads (shared by all recommendations)",
        "mean": "uniform weights: the mean baseline has no attention",
        "popular": "nothing: the popularity baseline ignores the history",
    }[loaded.meta["arch"]]
    return out


def _rank(scores: torch.Tensor, item: int) -> int | None:
    """0-based rank among the items the user has not interacted with (None for an item they have)."""
    s = scores[item]
    if not torch.isfinite(s):
        return None
    return int((scores > s).sum())


def _influence(model, seq, cand, n) -> np.ndarray:
    """(K, n): score drop for each candidate when each visible history item is removed (set to padding)."""
    L = seq.shape[1]
    variants = seq.repeat(n, 1)  # (n, L)
    cols = torch.arange(L - n, L, device=seq.device)
    variants[torch.arange(n, device=seq.device), cols] = 0
    base = model.score(seq, cand)[0]  # (K,)
    without = model.score(variants, cand.expand(n, -1))  # (n, K)
    return (base[None, :] - without).T.float().cpu().numpy()


def _honesty(soft: np.ndarray, infl: np.ndarray) -> dict:
    """Agreement between what attention points at and what actually moves the score."""
    top_attn, top_infl = int(np.argmax(soft)), int(np.argmax(infl))
    order = np.argsort(-infl)
    rank = int(np.flatnonzero(order == top_attn)[0])
    # Spearman rank correlation with tied values sharing their average rank (no scipy needed).
    ra, ri = pd.Series(soft).rank().to_numpy(), pd.Series(infl).rank().to_numpy()
    rho = float(np.corrcoef(ra, ri)[0, 1]) if len(soft) > 2 and ra.std() and ri.std() else None
    return {"top_attention": top_attn, "top_influence": top_infl, "agree": top_attn == top_infl,
            "attention_top_influence_rank": rank, "spearman": None if rho is None or np.isnan(rho) else round(rho, 3),
            "drop_when_top_attention_removed": round(float(infl[top_attn]), 6),
            "max_drop": round(float(infl[top_infl]), 6)}


def planted_for_model(loaded: Loaded, data_dir: str | None = None, items: pd.DataFrame | None = None) -> dict:
    """The planted follow-up -> trigger map in this model's own item indexing ({} when the data has none).

    Built from the model's prepared data, so a model trained with a rating filter or k-core still
    gets indices that match its history. `items`: the dataset's item table, when the caller has it
    already (the app does), to save reading the dataset again."""
    if loaded.data.causes is None:
        return {}
    if items is None:
        items = load_dataset(loaded.meta["dataset"]["spec"], data_dir).items
    return planted_map(loaded.data, items)


@torch.no_grad()
def planted_accuracy(loaded: Loaded, planted: dict) -> dict | None:
    """How often attention finds the known cause: over users whose held-out (test) item is a planted
    follow-up with its trigger in view, the share where the attention's top history item is that
    trigger (soft weights' argmax, and the hard pick). None for models without attention."""
    model, data, L = loaded.model, loaded.data, loaded.max_len
    if not model.has_attention or loaded.meta["arch"] == "mean" or not planted:
        return None  # popular has no weights; mean's are uniform by construction
    from .preprocess import split_ends
    ends, targets = split_ends(data, "test")
    rows, seqs, cands, trig_pos = [], [], [], []
    for u, (e, t) in enumerate(zip(ends, targets)):
        if int(t) not in planted:
            continue
        hist = data.items[max(data.offsets[u], e - L):e]
        where = np.flatnonzero(hist == planted[int(t)])
        if len(where):
            rows.append(u)
            seqs.append(pad_sequence(hist.tolist(), L))
            cands.append(int(t))
            trig_pos.append(L - len(hist) + int(where[-1]))
    if not rows:
        return None
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    seq = torch.cat(seqs).to(device)
    expl = model.explain(seq, torch.tensor(cands, device=device)[:, None])
    pos = torch.tensor(trig_pos, device=device)
    soft_hit = (expl["soft"][:, 0].argmax(-1) == pos).float().mean().item()
    hard_hit = (expl["weights"][:, 0].argmax(-1) == pos).float().mean().item()
    return {"cases": len(rows), "soft_top_is_trigger": round(soft_hit, 4), "hard_pick_is_trigger": round(hard_hit, 4),
            "chance": round(float(np.mean([1 / max(1, int((s > 0).sum())) for s in seq.cpu()])), 4)}
