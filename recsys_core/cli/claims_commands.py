"""CLI command check-claims: every claim the app makes about a model, regenerated and checked
(recsys_core.claims.check); exit 1 on any contradiction."""
import json
import os
import sys


def cmd_check_claims(args):
    from ..claims.check import check_claims
    from ..errors import UserError
    from ..explain.planted import planted_for_model
    from ..store.opened import open_model
    loaded = open_model(args.model, args.dataset, args.data_dir)
    partner_path = args.partner
    if partner_path == "auto":  # the Explain page's default: the shipped target-hard, else a hard-trained model
        from ..store.checkpoint import read_meta  # the light metadata: no weights read to pick one
        from ..store.library import hard_partner, list_models
        same = {e.path: read_meta(e.path) for e in list_models()
                if e.fingerprint == loaded.meta.dataset.fingerprint}
        partner_path = hard_partner(os.path.realpath(loaded.path), {os.path.realpath(p): m for p, m in same.items()})
    partner = open_model(partner_path, data=loaded.data) if partner_path and partner_path != "none" else None
    ids = [str(u) for u in loaded.data.user_ids]
    if args.users != "all":
        try:
            n = int(args.users)
        except ValueError:
            raise UserError(f"--users {args.users}: not a number or 'all'. Fix: pass e.g. --users 50.") from None
        if n < 1:
            raise UserError(f"--users {n}: check at least one user. Fix: pass --users 1 or more, or all.")
        ids = ids[:n]
    bar = (lambda d, t: sys.stderr.write(f"\rchecking claims: {d}/{t} users")) if not args.json else None
    rep = check_claims(loaded, ids, partner=partner, planted=planted_for_model(loaded, args.data_dir),
                       top_k=args.top_k, seed=args.seed, measured=not args.no_measured, progress=bar)
    if args.json:
        print(json.dumps(rep.to_json(), indent=2))
    else:
        sys.stderr.write("\n")
        print(f"{rep.model}: {rep.users:,} users, {rep.explanations:,} explanations, "
              f"{sum(rep.claims.values()):,} claims checked in {rep.seconds:.0f} s")
        for kind, n in sorted(rep.claims.items()):
            print(f"  {kind:<22} {n:>7,}")
        print(f"contradictions: {len(rep.findings)}")
        for f in rep.findings:
            print(f"  user {f.user} [{f.kind}] {f.problem}\n      {f.text}")
    return 1 if rep.findings else 0


def register(sub):
    p = sub.add_parser("check-claims", help="regenerate every claim about a model and check it against re-scoring")
    p.add_argument("--model", required=True, help="the folder `train` wrote, or its model.pt")
    p.add_argument("--users", default="50", help="how many users (the first N), or all (default 50)")
    p.add_argument("--partner", default="auto", help="the hard-trained model whose map is shown beside this one "
                   "(its claims are checked too): a path, none, or auto (default: the Explain page's choice)")
    p.add_argument("-k", "--top-k", dest="top_k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="seeds the random why-not items and what-if edits")
    p.add_argument("--no-measured", action="store_true", help="skip the measured reports (every explainer per user)")
    p.add_argument("--dataset", default=None)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check_claims)
