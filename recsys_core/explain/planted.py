"""The embedded shop's planted truth: which trigger item brings customers back for which follow-up,
how often a model's attention finds that trigger, and users worth a look because of it."""
import numpy as np
import pandas as pd
import torch

from ..data.preprocess import Prepared, pad_sequence, split_ends
from ..data.registry import load_dataset
from ..store.opened import Loaded


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


def planted_for_model(loaded: Loaded, data_dir: str | None = None, items: pd.DataFrame | None = None) -> dict:
    """The planted follow-up -> trigger map in this model's own item indexing ({} when the data has none).

    Built from the model's prepared data, so a model trained with a rating filter or k-core still
    gets indices that match its history. `items`: the dataset's item table, when the caller has it
    already (the app does), to save reading the dataset again."""
    if loaded.data.causes is None:
        return {}
    if items is None:
        items = load_dataset(loaded.meta.dataset.spec, data_dir).items
    return planted_map(loaded.data, items)


@torch.no_grad()
def planted_accuracy(loaded: Loaded, planted: dict) -> dict | None:
    """How often attention finds the known cause: over users whose held-out (test) item is a planted
    follow-up with its trigger in view, the share where the attention's top history item is that
    trigger (soft weights' argmax, and the hard pick). None for models without attention."""
    model, data, L = loaded.model, loaded.data, loaded.max_len
    if not model.attention_has_focus or not planted:
        return None  # no weights (popular), or uniform ones by construction (mean)
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
