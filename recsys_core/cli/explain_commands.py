"""The `explain` command: everything about one recommendation (registered by cli.main.build_parser).

    python -m recsys_core explain --model PATH --user U [--item I] [--explainers a,b] [--json]

Prints each explainer's top history items, their faithfulness against random order, the verified
counterfactual and the sentences that word it; --json prints the ItemReport document.
"""
import json

from ..errors import UserError


def _top(history, values, n=3) -> str:
    order = sorted(range(len(values)), key=lambda i: -values[i])[:n]
    return ", ".join(f"{history[i]['title']} ({values[i]:.3g})" for i in order)


def _num(x, fmt="{:7.3f}") -> str:
    return "      -" if x is None or x != x else fmt.format(x)


def print_report(rep):
    print(f"{rep.model} on {rep.dataset}, user {rep.user_id}: {rep.title} (item {rep.item_id}) is "
          f"#{rep.rank + 1}, score {rep.score:.3f} ({'in' if rep.kind == 'recommendation' else 'outside'} "
          f"the top {rep.top_k})")
    print(f"history: {len(rep.history)} items the model sees, most recent last")
    for line in rep.words:
        print(f"  {line}")
    for note in rep.notes:
        print(f"  note: {note}")
    print("\nexplainer               deletion insertion  compr.  suff.  tau(occl)  top items")
    for name in [*rep.explainers, "random"]:
        f = rep.faithfulness.get(name)
        if f is None:
            continue
        top = _top(rep.history, rep.importance[name]) if name in rep.importance else "(mean of random orders)"
        print(f"{name:<22} {_num(f.deletion_area)}  {_num(f.insertion_area)} {_num(f.aopc_comprehensiveness)} "
              f"{_num(f.aopc_sufficiency)} {_num(f.kendall_tau, '{:9.3f}')}  {top}")
    print(f"best explainer (lowest deletion area): {rep.best_explainer or '-'}")
    cf = rep.counterfactual
    print(f"\ncounterfactual ({cf.kind}, in {cf.order_from}'s order, every step re-scored):")
    for step in cf.steps:
        names = ", ".join(rep.history[p]["title"] for p in step.removed) or "(nothing removed)"
        print(f"  #{step.rank + 1:<5} score {step.score:7.3f}  without {names}")
    print("  " + (f"found: removing {len(cf.removed)} item(s) -> #{cf.rank_after + 1}" if cf.found
                  else f"none found within {cf.max_removals} removal(s)"))


def cmd_explain(args):
    from ..explain.report import explain_item
    from ..store.opened import open_model
    if args.top_k < 1:
        raise UserError(f"-k {args.top_k}: the top list needs at least one item. Fix: pass -k 1 or more.")
    if args.max_removals < 1:
        raise UserError(f"--max-removals {args.max_removals} is below 1. Fix: pass --max-removals 1 or more.")
    loaded = open_model(args.model, args.dataset, args.data_dir)
    names = [x for x in args.explainers.split(",") if x.strip()] if args.explainers else None
    wi = None
    if args.edit:  # what-if: the same edit text as the Explain page and its links
        from ..explain.whatif import what_if
        wi = what_if(loaded, args.user, args.edit, k=args.top_k)
    history = None if wi is None else wi.history
    rep = explain_item(loaded, args.user, item_id=args.item, explainers=names, top_k=args.top_k,
                       max_removals=args.max_removals, history=history)
    _exports(args, loaded, wi)
    if args.json:
        doc = rep.to_json()
        if wi is not None:
            doc["what_if"] = {"edit": wi.edit, "steps": [c.text for c in _steps(loaded, wi)],
                              "moves": [vars(m) for m in wi.moves]}
        print(json.dumps(doc, indent=2))
        return
    if wi is not None:
        print(f"what if ({wi.edit}): " + " ".join(c.text for c in _steps(loaded, wi))
              + f" The top {args.top_k} on the edited history:")
        for m in wi.moves:
            print(f"  {'#' + str(m.after) if m.after else 'out':>5}  {m.arrow:<4} was "
                  f"{'#' + str(m.before) if m.before else 'not ranked':<11} {m.title}")
        print()
    print_report(rep)


def _steps(loaded, wi):
    from ..claims.edits import edit_claims
    return edit_claims(wi.original, wi.edit, dict(zip(map(str, loaded.data.item_ids), map(str, loaded.data.titles))))


def _exports(args, loaded, wi):
    """--html / --csv: the user's explanation (the Explain page's view of it) as a file, written atomically."""
    if not (args.html or args.csv):
        return
    from ..atomic import atomic_write_bytes
    from ..claims.edits import edit_claims
    from ..explain.export import to_csv, to_html
    from ..explain.page import explain_page
    page = explain_page(loaded, args.user, k=args.top_k, history=wi.history if wi is not None else None)
    titles = dict(zip(map(str, loaded.data.item_ids), map(str, loaded.data.titles)))
    steps = edit_claims(wi.original, wi.edit, titles) if wi is not None else None
    for path, text in ((args.html, to_html(page, whatif=wi, steps=steps) if args.html else ""),
                       (args.csv, to_csv(page.expl) if args.csv else "")):
        if path:
            try:
                atomic_write_bytes(path, lambda f, t=text: f.write(t.encode("utf-8")))
            except OSError as e:
                raise UserError(f"{path}: cannot write it ({e.strerror or e}). Fix: pick a writable file.") from None


def register(sub):
    from ..explain.counterfactual import MAX_REMOVALS
    from ..explain.explainers import EXPLAINERS
    p = sub.add_parser("explain", help="one recommendation explained: explainers, faithfulness, counterfactual")
    p.add_argument("--model", required=True, help="the folder `train` wrote, or its model.pt")
    p.add_argument("--user", required=True, help="the dataset's own user id")
    p.add_argument("--item", default=None, help="item id to explain (default: the user's top recommendation)")
    p.add_argument("--explainers", default=None, help="comma-separated, from: " + ", ".join(EXPLAINERS)
                   + " (default: all that apply to the model)")
    p.add_argument("-k", "--top-k", dest="top_k", type=int, default=10, help="size of the top list (default 10)")
    p.add_argument("--max-removals", type=int, default=MAX_REMOVALS, help="counterfactual search depth")
    p.add_argument("--dataset", default=None, help="default: the dataset the model was trained on")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--edit", default=None, help="what-if: explain an edited history, e.g. --edit=-3,+ID,5>1 (-N removes "
                   "the item N back, +ID adds an item as the most recent, N>M moves one); prints what moved")
    p.add_argument("--html", default=None, metavar="FILE", help="also write a self-contained HTML report of the user")
    p.add_argument("--csv", default=None, metavar="FILE", help="also write the user's explanation as CSV")
    p.set_defaults(func=cmd_explain)
