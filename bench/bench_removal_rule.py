"""Which removal rule should every "what removing this item does" number follow? On every shipped model
of the embedded shop, two rules for taking one history item out (leave-one-out occlusion):

  blank in place   the item set to padding where it was (what `recommend`'s influence used to do)
  close the gap    the item deleted and the rest moved up (what the what-if editor does)

compared by how often each finds the planted trigger (hit@1, hit@3 over the planted test cases) and
by the faithfulness of its order (deletion area: the mean score as items are removed in that order,
lower is better; the deletions themselves close the gap), over up to 60 cases per model.

    python bench/bench_removal_rule.py        # writes bench/results/removal_rule.json
"""
import sys

import numpy as np
import torch
from common import table, write_json

from recsys_core.explain.explainers.common import chunked_scores
from recsys_core.explain.explainers.occlusion import occlusion
from recsys_core.explain.faithfulness import faithfulness
from recsys_core.explain.planted import planted_for_model
from recsys_core.explain.planted_hits import hit_at, planted_cases
from recsys_core.explain.removal import Viewed
from recsys_core.store.library import list_models
from recsys_core.store.opened import open_model

FAITH_CASES = 60


@torch.no_grad()
def blank_in_place(model, seq, cand):
    """(B, K, L) score drop when each item is set to padding where it stands."""
    B, L = seq.shape
    rows, cols = torch.nonzero(seq > 0, as_tuple=True)
    variants = seq[rows].clone()
    variants[torch.arange(len(rows)), cols] = 0
    out = torch.zeros(B, cand.shape[1], L)
    out[rows, :, cols] = model.score(seq, cand).float()[rows] - chunked_scores(model, variants, cand[rows]).float()
    return out


def main() -> int:
    rows, data = [], None
    for entry in [e for e in list_models(include_shipped=True) if e.shipped]:
        loaded = open_model(entry.path, data=data)
        data = loaded.data
        cases = planted_cases(loaded, planted_for_model(loaded))
        if cases is None or not loaded.model.has_attention:
            continue
        with torch.no_grad():
            imps = {"blank in place": blank_in_place(loaded.model, cases.seq, cases.follow_up)[:, 0],
                    "close the gap": occlusion(loaded.model, cases.seq, cases.follow_up, cases.older)[:, 0]}
        areas = {k: [] for k in imps}
        for j in range(min(FAITH_CASES, len(cases))):
            u_seq = cases.seq[j]
            n = int((u_seq > 0).sum())
            base = Viewed(seq=u_seq[None], older=cases.older[j:j + 1], had=torch.zeros(data.n_items + 1, dtype=torch.int32))
            f = faithfulness(loaded.model, base, int(cases.follow_up[j, 0]),
                             {k: v[j, -n:].numpy() for k, v in imps.items()}, random_orders=0, with_rank=False)
            for k in imps:
                areas[k].append(f[k].deletion_area)
        for rule, imp in imps.items():
            rows.append({"model": entry.name, "rule": rule, "cases": len(cases),
                         "hit@1": round(float(hit_at(imp, cases.seq, cases.position, 1).mean()), 4),
                         "hit@3": round(float(hit_at(imp, cases.seq, cases.position, 3).mean()), 4),
                         "deletion_area": round(float(np.mean(areas[rule])), 4)})
    table(rows, ["model", "rule", "cases", "hit@1", "hit@3", "deletion_area"])
    write_json("removal_rule", {"what": "leave-one-out removal rules: planted-trigger hits and deletion areas",
                                "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
