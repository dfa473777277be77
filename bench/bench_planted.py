"""Does attention find the planted cause? For every shipped model on the embedded data: over users
whose held-out item is a planted follow-up with its trigger in view, how often the soft weights'
top item and the hard pick are that trigger (chance: one over the history length).

    python bench/bench_planted.py        # writes bench/results/planted.json
"""
import sys

from common import table, write_json

from recsys_core.data.loaders import load_sample
from recsys_core.data.preprocess import prepare
from recsys_core.explain.planted import planted_accuracy, planted_map
from recsys_core.store.library import list_models
from recsys_core.store.opened import open_model


def main() -> int:
    data = prepare(load_sample())
    planted = planted_map(data, load_sample().items)
    rows = []
    for entry in list_models(include_shipped=True):
        if not entry.shipped:
            continue
        acc = planted_accuracy(open_model(entry.path, data=data), planted)
        ndcg = entry.metrics.get("full", {}).get("ndcg@10")
        rows.append({"model": entry.name, "full_ndcg@10": ndcg, **(acc.to_json() if acc else {"cases": None})})
    table(rows, ["model", "full_ndcg@10", "cases", "soft_top_is_trigger", "hard_pick_is_trigger", "chance"])
    write_json("planted", {"what": "attention's top history item vs the planted trigger, test split", "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
