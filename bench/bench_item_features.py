"""Item features (issue 16): do they help, and does their attention point at the right attributes?

For each dataset and attention family, one model with and one without item features (same seed and
time limit): test NDCG@10 / HR@10 under the full and sampled protocols. On the embedded shop also:
  favourite-category accuracy  over users whose held-out item was drawn from their taste (planted
                               cause "taste"): how often the top attended category (feature attention
                               aggregated over the history by the item attention; without features,
                               the item attention summed per category) is one of the user's planted
                               favourite categories (the categories of their taste-caused items)
  chance                       a random category of those in the visible history
  most-frequent                the history's most frequent category (a baseline that uses no model)
  trigger accuracy             explain.planted.planted_accuracy, beside it

    python bench/bench_item_features.py --max-seconds 60 [--epochs N] [--datasets sample ml-100k] [--archs target self]
    # writes bench/results/item_features.json (--out NAME: bench/results/NAME.json)
"""
import argparse
import sys
import tempfile
from collections import Counter

import numpy as np
import torch
from common import SHARED, dataset_available, table, write_json

from recsys_core.data.preprocess import pad_sequence, prepare, split_ends
from recsys_core.data.registry import load_dataset
from recsys_core.explain.planted import planted_accuracy, planted_map
from recsys_core.models.config import ModelConfig
from recsys_core.models.features import aggregate, attribute_table, with_item_features
from recsys_core.store.checkpoint import load_model
from recsys_core.store.opened import Loaded
from recsys_core.training.config import TrainConfig
from recsys_core.training.process import setup_training_process
from recsys_core.training.run import train_and_save


def favourites(data, u: int) -> set[str]:
    """The user's planted favourite categories: those of their taste-caused interactions."""
    s, e = data.offsets[u], data.offsets[u + 1]
    return {str(data.categories[i]) for i, c in zip(data.items[s:e], data.causes[s:e]) if c == "taste"}


@torch.no_grad()
def favourite_category(loaded: Loaded) -> dict:
    """Top attended category of a taste-driven held-out item vs the user's favourites (see the docstring)."""
    model, data, L = loaded.model, loaded.data, loaded.max_len
    vocab, table_ = attribute_table(data.categories)
    ids_of = [np.array(r[:1] or [0]) for r in table_]  # the shop has one category per item
    ends, targets = split_ends(data, "test")
    hits, chance, frequent = [], [], []
    for u, (e, t) in enumerate(zip(ends, targets)):
        if data.causes[e] != "taste":
            continue
        hist = data.items[max(data.offsets[u], e - L):e]
        fav = favourites(data, u)
        out = model.explain(pad_sequence(hist.tolist(), L), torch.tensor([[int(t)]]))
        w = out.soft[0, 0, -len(hist):].numpy()
        if out.feature_weights is not None:
            weights = aggregate(w, out.feature_weights[0, 0, -len(hist):].numpy(),
                                out.feature_ids[0, -len(hist):].numpy(), model.cfg.feature_vocab)
        else:  # the item attention, summed per category
            weights = aggregate(w, np.ones((len(hist), 1)), np.stack([ids_of[i] for i in hist]), vocab)
        cats = [str(data.categories[i]) for i in hist]
        hits.append(next(iter(weights), None) in fav)
        chance.append(np.mean([c in fav for c in set(cats)]))
        frequent.append(Counter(cats).most_common(1)[0][0] in fav)
    return {"taste_cases": len(hits), "fav_category_top": round(float(np.mean(hits)), 4),
            "fav_chance": round(float(np.mean(chance)), 4), "fav_most_frequent": round(float(np.mean(frequent)), 4)}


def run(name: str, arch: str, features: bool, args) -> dict:
    ds = load_dataset(name, None if name == "sample" else str(SHARED))
    data = prepare(ds)
    cfg = ModelConfig(arch=arch)
    if features:
        cfg = with_item_features(cfg, data.categories)
    tcfg = TrainConfig(seed=args.seed, max_seconds=args.max_seconds, threads=args.threads, device=args.device,
                       **({"epochs": args.epochs} if args.epochs else {}))
    with tempfile.TemporaryDirectory() as out:
        res = train_and_save(data, cfg, tcfg, out, dataset_spec=name)
        model, meta = load_model(res.path, data)
    row = {"dataset": name, "model": cfg.name, "seconds": round(res.seconds, 1), "best_epoch": res.best_epoch,
           "stopped": res.stopped}
    for proto in ("full", "sampled"):
        for k in ("ndcg@10", "hr@10"):
            row[f"{proto}_{k}"] = round(res.metrics[proto][k], 4)
    if data.causes is not None:
        loaded = Loaded(model, meta, data)
        row.update(favourite_category(loaded))
        acc = planted_accuracy(loaded, planted_map(data, ds.items))
        row["trigger_soft_top"] = acc.soft_top_is_trigger if acc else None
        row["trigger_chance"] = acc.get("chance")
    print(row, file=sys.stderr, flush=True)
    return row


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", nargs="+", default=["sample", "ml-100k"])
    p.add_argument("--archs", nargs="+", default=["target", "self"])
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--epochs", type=int, default=None,
                   help="at most this many epochs (default: until early stopping): equal epochs compare "
                        "models fairly on a loaded machine, where equal seconds do not")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default="item_features", help="results file name in bench/results/")
    args = p.parse_args()
    setup_training_process(args.threads)  # threads and heap modes: this process trains
    rows = [run(name, arch, features, args) for name in args.datasets if dataset_available(name)
            for arch in args.archs for features in (False, True)]
    table(rows, ["dataset", "model", "seconds", "best_epoch", "full_ndcg@10", "full_hr@10", "sampled_ndcg@10",
                 "fav_category_top", "fav_chance", "fav_most_frequent", "trigger_soft_top", "trigger_chance"])
    write_json(args.out, {
        "what": "test metrics with and without item features (same seed and time limit); on the embedded shop, "
                "how often the top attended category of a taste-driven held-out item is a planted favourite",
        "max_seconds": args.max_seconds, "epochs": args.epochs, "seed": args.seed, "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
