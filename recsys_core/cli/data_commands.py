"""CLI commands for datasets: datasets (list, add, rename, delete), stats, make-sample, download."""
import json
import sys

from ..errors import UserError, phrase
from .common import add_dataset_args, load_from_args, parse_columns


def cmd_datasets(args):
    from ..data import stored
    from ..data.registry import data_dir, list_datasets
    found = list_datasets(args.data_dir)
    kept = stored.list_stored(args.data_dir)
    if args.json:
        print(json.dumps([vars(a) for a in found] + [{"name": m.id, "path": m.path, "fmt": "stored", **m.to_dict()}
                                                     for m in kept], indent=2))
        return
    print(f"data directory: {data_dir(args.data_dir)}")
    for a in found:
        print(f"  {a.name:<24} {a.fmt:<18} {a.path or '(embedded)'}")
    use = stored.usage(args.data_dir)
    print(f"stored datasets: {use['datasets']} in {stored.store_dir(args.data_dir)} "
          f"({use['bytes'] / 1e6:,.1f} MB of {use['budget_bytes'] / 1e6:,.0f} MB)")
    for m in kept:
        print(f"  {m.id:<24} {m.name[:40]:<40} {m.interactions:>12,} interactions  {m.users:,} users  {m.items:,} items")
    print("download MovieLens with: python -m recsys_core download ml-100k|ml-1m|ml-latest-small")
    print("store your own with: python -m recsys_core datasets add RATINGS [--items CATALOGUE] [--name NAME]")


def cmd_datasets_add(args):
    from ..data import stored
    meta = stored.add(args.ratings, args.items, name=args.name, columns=parse_columns(args.columns),
                      item_columns=parse_columns(args.item_columns, "--item-columns"), data_dir_=args.data_dir)
    for n in meta.notices:
        print(f"notice: {phrase(n)}", file=sys.stderr)
    cat = meta.catalogue
    if cat:
        low = cat.share < 0.5  # most likely another file, or ids written differently: say so, with ids from both
        print(f"{'warning: ' if low else ''}catalogue {cat.file}: {cat.matched:,} of {cat.matched + cat.unmatched:,} "
              f"items matched ({cat.share:.1%}), {cat.catalogue_only:,} catalogue entries never interacted with"
              + (f"; unmatched e.g. {', '.join(cat.unmatched_examples)}" if cat.unmatched else "")
              + (f"; only in the catalogue e.g. {', '.join(cat.catalogue_only_examples)}"
                 if low and cat.catalogue_only_examples else ""), file=sys.stderr)
    print(f"stored {meta.name!r}: {meta.interactions:,} interactions, {meta.users:,} users, {meta.items:,} items, "
          f"{meta.bytes / 1e6:,.1f} MB", file=sys.stderr)
    print(meta.id)  # the last line: what --dataset takes


def cmd_datasets_rename(args):
    from ..data import stored
    meta = stored.rename(args.dataset_id, args.new_name, args.data_dir)
    print(f"{meta.id} is now called {meta.name!r}")


def cmd_datasets_delete(args):
    from ..data import stored
    from ..store.library import delete_dataset, models_of
    meta = stored.find(args.dataset_id, args.data_dir)
    if meta is None:
        raise UserError(f"{args.dataset_id}: no stored dataset has that id or name. "
                        "Fix: see `python -m recsys_core datasets`.")
    doomed = models_of(meta.id, args.models_dir)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"deleting {meta.name!r} ({meta.id}) also deletes its {len(doomed)} saved model(s). "
                            "Fix: add --yes to confirm.")
        answer = input(f"Delete {meta.name!r} ({meta.id}) and its {len(doomed)} saved model(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept it")
            return
    _, removed = delete_dataset(meta.id, args.data_dir, args.models_dir)
    print(f"deleted {meta.name!r} ({meta.id}) and {len(removed)} model(s)")


def cmd_stats(args):
    from ..data.stats import compute_stats, format_stats
    s = compute_stats(load_from_args(args))
    print(json.dumps(s.to_dict(), indent=2) if args.json else format_stats(s))


def cmd_make_sample(args):
    from ..data.sample import SAMPLE_DIR, SampleConfig, generate, write_sample
    ds = generate(SampleConfig(seed=args.seed, scale=args.scale))
    out = args.out or SAMPLE_DIR
    write_sample(ds, out)
    print(f"wrote {len(ds.interactions):,} interactions, {len(ds.items):,} items, "
          f"{ds.interactions['user_id'].nunique():,} users to {out}")


def cmd_download(args):
    from ..data.download import download
    path = download(args.name, args.data_dir, url=args.url, progress=lambda msg: print(msg, file=sys.stderr))
    print(path)


def register(sub):
    data_dir_help = "the data directory (default: $ATTENTION_LENS_DATA, else the user cache); the store is its stored/"
    p = sub.add_parser("datasets", help="list the built-in, detected and stored datasets; add, rename or delete stored ones")
    p.add_argument("--data-dir", default=None, help=data_dir_help)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_datasets)
    actions = p.add_subparsers(dest="action", metavar="{add,rename,delete}")
    a = actions.add_parser("add", help="convert a file into a stored dataset; prints its id on the last line")
    a.add_argument("ratings", metavar="RATINGS",
                   help="CSV/TSV/Parquet (any delimiter), SASRec or one-line-per-user .txt, RecBole .inter, or a MovieLens/RecBole .zip or folder")
    a.add_argument("--items", default=None, metavar="CATALOGUE",
                   help="optional item file: id, title, category/genres and any other columns")
    a.add_argument("--name", default=None, help="display name (default: the file's name); editable later")
    a.add_argument("--columns", default=None, help="ratings mapping: user=COL,item=COL,timestamp=COL[,rating=COL]")
    a.add_argument("--item-columns", default=None, help="catalogue mapping: item=COL[,title=COL,category=COL]")
    a.add_argument("--data-dir", default=None, help=data_dir_help)
    a.set_defaults(func=cmd_datasets_add)
    r = actions.add_parser("rename", help="change a stored dataset's display name")
    r.add_argument("dataset_id", metavar="ID", help="id or current name")
    r.add_argument("new_name", metavar="NAME")
    r.add_argument("--data-dir", default=None, help=data_dir_help)
    r.set_defaults(func=cmd_datasets_rename)
    d = actions.add_parser("delete", help="delete a stored dataset and the saved models trained on it")
    d.add_argument("dataset_id", metavar="ID", help="id or name")
    d.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    d.add_argument("--data-dir", default=None, help=data_dir_help)
    d.add_argument("--models-dir", default=None, help="the model library (default: $ATTENTION_LENS_MODELS)")
    d.set_defaults(func=cmd_datasets_delete)

    p = sub.add_parser("stats", help="print dataset statistics")
    add_dataset_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("make-sample", help="regenerate the embedded dataset (or a scaled one for benchmarks)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--scale", type=float, default=1.0, help="catalogue multiplier; 68 gives ~24K items, ~32K users")
    p.add_argument("--out", default=None, help="folder (default: sample_data/)")
    p.set_defaults(func=cmd_make_sample)

    p = sub.add_parser("download", help="download a MovieLens dataset into the data directory (only when asked)")
    p.add_argument("name", choices=["ml-100k", "ml-1m", "ml-latest-small"])
    p.add_argument("--data-dir", default=None, help="target (default: $ATTENTION_LENS_DATA, else the user cache)")
    p.add_argument("--url", default=None, help="zip URL to fetch instead of the GroupLens one (a mirror)")
    p.set_defaults(func=cmd_download)
