"""The `patterns` command: what drives a model's recommendations across all users (recsys_core.population).

    python -m recsys_core patterns --model PATH [--users N] [--json] [--html FILE]

Prints the sentences (claims/population.py), the top because-of pairs, the look-back profile, the
explainers' agreement with the removal test and the slices; --json prints the Patterns document,
--html writes the offline report, --csv-dir writes every table as CSV.
"""
import json
import os
import sys

from ..errors import UserError


def _progress(stage: str, done: int, total: int):
    sys.stderr.write(f"\r{stage}: {done:,}/{total:,} users   ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _write(path: str, text: str):
    from ..atomic import atomic_write_bytes
    try:
        atomic_write_bytes(path, lambda f: f.write(text.encode("utf-8")))
    except OSError as e:
        raise UserError(f"{path}: cannot write it ({e.strerror or e}). Fix: pick a writable file.") from None


def print_patterns(p, claims):
    for c in claims:
        print(c.text)
    print(f"\ntop because-of pairs (of {p.recommendations:,} recommendations; influence = total score drop on removal)")
    print(f"{'#':>3} {'influence':>9} {'users':>6} {'removal':>7} {'attention':>9} planted  history item -> recommended")
    for i, x in enumerate(p.pairs[:20]):
        att = "-" if x.top_by_attention is None else f"{x.top_by_attention:,}"
        planted = "-" if x.planted is None else ("yes" if x.planted else "no")
        print(f"{i + 1:>3} {x.influence:>9.2f} {x.users:>6,} {x.top_by_removal:>7,} {att:>9} {planted:<8} "
              f"{x.history_title} -> {x.title}")
    if p.precision is not None:
        print(f"precision@{p.precision.k} against the planted pairs: {p.precision.precision:.2f}")
    pr = p.profile
    print("\nlook-back profile (share at each step back, the first 10)")
    for name in ("influence", "soft", "hard", "planted"):
        row = getattr(pr, name)
        if row is not None:
            print(f"  {name:<10}" + " ".join(f"{v:6.3f}" for v in row[:10]))
    for i, row in enumerate(pr.layers or []):
        print(f"  layer {i + 1:<4}" + " ".join(f"{v:6.3f}" for v in row[:10]))
    if p.trust:
        print("\nagreement with the removal test's top item (95% interval)")
        for a in p.trust:
            print(f"  {a.explainer:<22} {a.agree.value:6.3f}  [{a.agree.low:.3f}, {a.agree.high:.3f}]  "
                  f"of {a.recommendations:,}")
    print("\nNDCG@10 / HR@10 on the held-out item, by history length")
    for r in [p.slices.overall, *p.slices.by_length]:
        print(f"  {r.group:<10} {r.users:>6,} users  ndcg {r.ndcg.value:.3f}  hr {r.hr.value:.3f}")
    print(f"\n{p.seconds:.1f} s")


def cmd_patterns(args):
    from ..claims.population import population_claims
    from ..explain.planted import planted_for_model
    from ..population.export import TABLES, to_csv, to_html
    from ..population.report import patterns
    from ..store.opened import open_model
    if args.users is not None and args.users < 1:
        raise UserError(f"--users {args.users}: look at least one user. Fix: pass --users 1 or more, or leave it out "
                        "for all users.")
    if args.top_k < 1:
        raise UserError(f"-k {args.top_k}: the top list needs at least one item. Fix: pass -k 1 or more.")
    loaded = open_model(args.model, args.dataset, args.data_dir)
    names = [x for x in args.explainers.split(",") if x.strip()] if args.explainers else None
    p = patterns(loaded, users=args.users, k=args.top_k, seed=args.seed, explainers=names,
                 planted=planted_for_model(loaded, args.data_dir), progress=None if args.json else _progress)
    claims = population_claims(p)
    if args.html:
        _write(args.html, to_html(p, claims))
    if args.csv_dir:
        os.makedirs(args.csv_dir, exist_ok=True)
        for name in TABLES:
            _write(os.path.join(args.csv_dir, f"{name}.csv"), to_csv(p, name))
    if args.json:
        print(json.dumps({**p.to_json(), "claims": [c.to_json() for c in claims]}, indent=2))
    else:
        print_patterns(p, claims)


def register(sub):
    p = sub.add_parser("patterns", help="what drives the recommendations across all users: because-of pairs, "
                       "category flows, look-back, trust, slices, item map")
    p.add_argument("--model", required=True, help="the folder `train` wrote, or its model.pt")
    p.add_argument("--users", type=int, default=None, help="a seeded sample of this many users (default: all)")
    p.add_argument("-k", "--top-k", dest="top_k", type=int, default=10, help="recommendations per user (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seeds the sample of users")
    p.add_argument("--explainers", default=None, help="comma-separated explainers whose agreement with the removal "
                   "test is measured (default: all that apply but integrated-gradients)")
    p.add_argument("--dataset", default=None, help="default: the dataset the model was trained on")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--json", action="store_true", help="print the whole result as JSON")
    p.add_argument("--html", default=None, metavar="FILE", help="also write a self-contained HTML report")
    p.add_argument("--csv-dir", default=None, metavar="DIR", help="also write every table as DIR/<table>.csv")
    p.set_defaults(func=cmd_patterns)
