"""CLI commands for models: train, evaluate, recommend (registered by cli.main.build_parser)."""
import json
import sys

from .common import add_dataset_args, load_from_args
from .progress import ProgressBar


def cmd_train(args):
    from ..data.preprocess import PrepConfig, prepare
    from ..data.registry import canonical_spec
    from ..models import family_of
    from ..models.config import ModelConfig
    from ..training.config import TrainConfig
    from ..training.run import checked_settings, train_and_save, with_features
    from .config_flags import config_values
    if "attention" not in family_of(args.arch).settings and args.attention_given:
        print(f"notice: --attention is ignored for --arch {args.arch} (it has no attention).", file=sys.stderr)
    model_values = config_values(ModelConfig, args)
    item_features = model_values.pop("item_features")  # its table comes from the data, loaded below
    model_cfg, train_cfg = checked_settings(ModelConfig(**model_values), TrainConfig(**config_values(TrainConfig, args)))
    from ..training.distributed import world_from_env
    from ..training.process import setup_training_process
    setup_training_process(train_cfg.threads, share=world_from_env().local_size)  # this process is here to train
    data = prepare(load_from_args(args), PrepConfig(min_rating=args.min_rating, k_core=args.k_core))
    spec = canonical_spec(args.dataset, args.data_dir)
    if args.ratings and data.ratings is None:  # before training, not after it
        from ..errors import DataError
        raise DataError(f"{data.name}: has no ratings, so --ratings has nothing to learn. Fix: drop --ratings, or "
                        "map the rating column (--columns rating=COL).")
    model_cfg = with_features(model_cfg, data, item_features)
    model_cfg, choices = model_cfg.resolved_for(data)
    if world_from_env().main:  # under torchrun, rank 0 speaks for every rank
        print(f"training {model_cfg.name} on {data.name}: {data.n_users:,} users, {data.n_items:,} items",
              file=sys.stderr)
        for why in choices + loss_choice(train_cfg, model_cfg, data):
            print(f"  chosen from the data: {why}", file=sys.stderr)
    out = train_and_save(data, model_cfg, train_cfg, args.out, dataset_spec=spec, callback=ProgressBar())
    m = out.metrics
    from ..claims.edits import training_claim
    if out.meta is not None:  # under torchrun only rank 0 saves (and has metadata to say)
        print(f"\nsaved {out.path}: {training_claim(out.meta.training).text}", file=sys.stderr)
    for proto in m:
        print(f"{proto:<8} " + "  ".join(f"{k} {v:.4f}" for k, v in m[proto].items() if k.endswith("@10")))
    if args.ratings and world_from_env().main:
        _train_ratings(args, data, model_cfg, train_cfg)


def loss_choice(train_cfg, model_cfg, data) -> list[str]:
    """One sentence when `auto` picked the full softmax for a catalogue above the small-catalogue bound
    (sparse data), the choice a user would not expect from the flag's help alone."""
    from ..models.config import DataProfile
    median, family = DataProfile.of(data).median_history, model_cfg.family
    loss = train_cfg.resolved_loss(data.n_items, family, median)
    if train_cfg.loss != "auto" or loss != "full" or data.n_items <= train_cfg.full_max_items:
        return []
    return [f"the median user has {median:g} interactions: sparse data, where few positions train per epoch, so the "
            f"loss is the full softmax over all {data.n_items:,} items (it beat "
            f"{train_cfg.resolved_negatives(family)} sampled negatives on the Amazon shops)"]


def _train_ratings(args, data, model_cfg, train_cfg):
    """train --ratings: a rating model (target attention over the rated history) saved as rating.pt beside
    model.pt; its MAE/RMSE and liked-item precision/recall/F1 on the held-out interactions."""
    from ..models.config import ModelConfig
    from ..ratings import RatingTrainConfig, train_and_save_ratings
    from ..training.device import resolve_device
    cfg = model_cfg if "attention" in model_cfg.family.settings else ModelConfig(max_len=model_cfg.max_len)
    print("training the rating model (rating.pt)…", file=sys.stderr)
    _, f = train_and_save_ratings(data, cfg, args.out, train_cfg=RatingTrainConfig(seed=args.seed),
                                  threshold=args.like_threshold, device=str(resolve_device(train_cfg.device)))
    base = f.get("rating_baselines", {})
    print(f"ratings  mae {f['mae']:.4f}  rmse {f['rmse']:.4f}  f1 {f['f1']:.4f} (liked: rated ≥ {f['like_threshold']:g}; "
          f"{f['rating_split']}; item-mean rmse {base.get('item mean', {}).get('rmse', float('nan')):.4f})")


def _planted(loaded) -> dict:
    """evaluate's planted-truth keys: hit@1/@3 of the model's own (soft) attention and every explainer's."""
    from ..explain.planted import planted_for_model
    from ..explain.planted_hits import planted_hits
    hits = planted_hits(loaded, planted_for_model(loaded))
    if hits is None:
        return {}
    out = {}
    own = hits.by_explainer.get("attention") if loaded.model.attention_has_focus else None
    if own is not None:
        out = {"planted_cause_hit@1": own.hit_at_1, "planted_cause_hit@3": own.hit_at_3}
    return {**out, "planted_cases": hits.cases, "planted_chance@1": hits.chance_at_1,
            "planted_by_explainer": hits.to_json()["by_explainer"]}


def cmd_evaluate(args):
    from ..errors import UserError
    from ..store.opened import open_model
    from ..training.evaluate import evaluate
    from ..training.process import setup_training_process
    setup_training_process()  # heap modes for the evaluation (see training/heap.py)
    if args.faithfulness and args.users < 1:
        raise UserError(f"--users {args.users}: faithfulness needs at least one test user. Fix: pass --users 1 or more.")
    loaded = open_model(args.model, args.dataset, args.data_dir)
    protocols = ("full", "sampled") if args.protocol == "both" else (args.protocol,)
    bar = lambda done, total: sys.stderr.write(f"\revaluating {done}/{total} users") if not args.json else None  # noqa: E731
    m = evaluate(loaded.model, loaded.data, protocols, max_len=loaded.max_len, progress=bar)
    if not args.json:
        sys.stderr.write("\n")
    broken = sum(vals["nonfinite_scores"] for vals in m.values())
    if broken:
        print(f"warning: {broken} scores were not finite (NaN or infinite): this model is broken; they rank last.",
              file=sys.stderr)
    planted = _planted(loaded)
    from ..ratings import evaluate_saved_ratings
    ratings = evaluate_saved_ratings(loaded.path, loaded.data, args.like_threshold) or {}
    faith = None
    if args.faithfulness:
        from ..explain.dataset_faithfulness import dataset_faithfulness
        fbar = (lambda d, t: sys.stderr.write(f"\rfaithfulness {d}/{t} users")) if not args.json else None
        faith = dataset_faithfulness(loaded, max_users=args.users, progress=fbar)
        if not args.json:
            sys.stderr.write("\n")
    if args.json:
        extra = {"faithfulness": {k: v.to_json() for k, v in faith.items()}} if faith is not None else {}
        print(json.dumps({"model": loaded.name, "dataset": loaded.data.name, **m, **ratings, **planted, **extra},
                         indent=2))
        return
    print(f"{loaded.name} on {loaded.data.name}")
    for proto, vals in m.items():
        print(f"{proto:<8} " + "  ".join(f"{k} {v}" if isinstance(v, int) else f"{k} {v:.4f}" for k, v in vals.items()))
    if ratings:
        print(f"ratings  mae {ratings['mae']:.4f}  rmse {ratings['rmse']:.4f}  precision {ratings['precision']:.4f}  "
              f"recall {ratings['recall']:.4f}  f1 {ratings['f1']:.4f}  ({ratings['rating_split']})")
    if planted:
        print(f"planted trigger found ({planted['planted_cases']} cases, chance@1 {planted['planted_chance@1']:.3f}):")
        for name, h in planted["planted_by_explainer"].items():
            print(f"  {name:<22} hit@1 {h['hit@1']:.3f}  hit@3 {h['hit@3']:.3f}")
    if faith:
        print(f"faithfulness over {next(iter(faith.values())).users} test users (95% intervals; deletion area: lower "
              "is more faithful):")
        for name, f in faith.items():
            a, d, t = f.deletion_area, f.area_vs_random, f.top_hurts_more
            print(f"  {name:<22} deletion {a.value:7.3f}  vs random {d.value:+.3f} [{d.low:+.3f}, {d.high:+.3f}]  "
                  f"top hurts more {t.value:.2f} [{t.low:.2f}, {t.high:.2f}]")


def _weights_line(ws, history, n=3):
    if ws is None:
        return "-"
    top = sorted(range(len(ws)), key=lambda i: -ws[i])[:n]
    return ", ".join(f"{history[i].title} {ws[i]:.2f}" for i in top if ws[i] > 0)


def cmd_recommend(args):
    from ..claims.recommendation import recommendation_claims
    from ..explain.user import explain_user
    from ..store.opened import open_model
    loaded = open_model(args.model, args.dataset, args.data_dir)
    k = min(max(args.k, 1), loaded.data.n_items)
    if k != args.k:
        print(f"notice: -k {args.k} is outside 1..{loaded.data.n_items:,} (the catalogue); showing {k}.", file=sys.stderr)
    res = explain_user(loaded, args.user, k=k, influence=not args.no_influence)
    if len(res.recommendations) < k:
        print(f"notice: only {len(res.recommendations)} items are left that user {res.user_id} has not interacted "
              "with; showing those.", file=sys.stderr)
    if args.json:
        print(json.dumps(res.to_json(), indent=2))
        return
    print(f"{res.model} on {res.dataset}, user {res.user_id} ({res.history_total} interactions, "
          f"model sees the last {len(res.history)})")
    print("history (oldest first):")
    for h in res.history[-15:]:
        print(f"  {h.steps_back:>3} back  {h.title}")
    print(f"top {len(res.recommendations)}:")
    for r in res.recommendations:
        print(f"  {r.score:8.3f}  {r.title}")
        print(f"            soft: {_weights_line(r.soft, res.history)}")
        print(f"            hard: {_weights_line(r.hard, res.history, 1)}")
        for claim in recommendation_claims(r, res):
            if not claim.detail:
                print(f"            {claim.text}")


def register(sub):
    from ..models.config import ModelConfig
    from ..training.config import TrainConfig
    from .config_flags import add_config_flags

    p = sub.add_parser("train", help="train a model and save checkpoint + metrics.json")
    add_dataset_args(p)
    add_config_flags(p, ModelConfig, TrainConfig)  # every flag a config field declares (recsys_core/setting.py)
    p.set_defaults(attention=None)  # "soft", once _train_entry has noted whether it was given
    p.add_argument("--ratings", action="store_true",
                   help="also train a rating model (rating.pt beside model.pt): MAE/RMSE on the held-out ratings")
    p.add_argument("--like-threshold", type=float, default=4.0,
                   help="a rating at least this counts as liked, for precision/recall/F1 (default 4)")
    p.add_argument("--out", required=True, help="folder for model.pt and metrics.json")
    p.set_defaults(func=_train_entry)

    p = sub.add_parser("evaluate", help="evaluate a saved model")
    p.add_argument("--model", required=True, help="the folder `train` wrote, or its model.pt")
    p.add_argument("--dataset", default=None, help="default: the dataset the model was trained on")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--protocol", choices=["full", "sampled", "both"], default="full")
    p.add_argument("--faithfulness", action="store_true",
                   help="also measure every explainer's faithfulness over test users (deletion area vs random order)")
    p.add_argument("--users", type=int, default=200, help="test users for --faithfulness (default 200)")
    p.add_argument("--like-threshold", type=float, default=4.0,
                   help="with a rating model: a rating at least this counts as liked (default 4)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("recommend", help="top-K for a user with the attention behind each recommendation")
    p.add_argument("--model", required=True, help="the folder `train` wrote, or its model.pt")
    p.add_argument("--user", required=True, help="the dataset's own user id")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--dataset", default=None, help="default: the dataset the model was trained on")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--no-influence", action="store_true", help="skip the removal test (faster)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recommend)


def _train_entry(args):
    args.attention_given = args.attention is not None
    args.attention = args.attention or "soft"
    cmd_train(args)
