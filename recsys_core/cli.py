"""Command line: everything the app does, callable as `python -m recsys_core COMMAND`.

Every command has --help. User errors print one line to stderr and exit 2; never a traceback.
"""
import argparse
import json
import sys

from .errors import UserError


def parse_columns(text: str | None) -> dict | None:
    """'user=uid,item=iid,timestamp=ts' -> {'user': 'uid', ...}."""
    if not text:
        return None
    out = {}
    for part in text.split(","):
        key, sep, val = part.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise UserError(f"--columns: {part!r} is not ROLE=COLUMN. Fix: e.g. --columns user=uid,item=iid,timestamp=ts")
        out[key.strip()] = val.strip()
    return out


def add_dataset_args(p: argparse.ArgumentParser, required: bool = False):
    p.add_argument("--dataset", default=None if required else "sample", required=required,
                   help="sample, ml-100k, ml-1m, ml-latest-small, or a PATH to a file or folder (default: sample)")
    p.add_argument("--data-dir", default=None,
                   help="where dataset names are looked up (default: $ATTENTION_LENS_DATA, else the user cache)")
    p.add_argument("--columns", default=None,
                   help="column mapping for CSV/Parquet: user=COL,item=COL,timestamp=COL[,rating=COL,title=COL]")
    p.add_argument("--min-rating", type=float, default=None, help="keep interactions rated at least this")
    p.add_argument("--k-core", type=int, default=0, help="drop users and items with fewer interactions (0: off)")


def load_from_args(args):
    from .datasets import load_dataset
    ds = load_dataset(args.dataset, args.data_dir, parse_columns(args.columns))
    for n in ds.notices:
        print(f"notice: {n}", file=sys.stderr)
    return ds


def cmd_datasets(args):
    from .datasets import data_dir, list_datasets
    found = list_datasets(args.data_dir)
    if args.json:
        print(json.dumps([vars(a) for a in found], indent=2))
        return
    print(f"data directory: {data_dir(args.data_dir)}")
    for a in found:
        print(f"  {a.name:<24} {a.fmt:<18} {a.path or '(embedded)'}")
    print("download MovieLens with: python -m recsys_core download ml-100k|ml-1m|ml-latest-small")


def cmd_stats(args):
    from .stats import compute_stats, format_stats
    s = compute_stats(load_from_args(args))
    print(json.dumps(s.to_dict(), indent=2) if args.json else format_stats(s))


def cmd_make_sample(args):
    from .sample import SAMPLE_DIR, SampleConfig, generate, write_sample
    ds = generate(SampleConfig(seed=args.seed, scale=args.scale))
    out = args.out or SAMPLE_DIR
    write_sample(ds, out)
    print(f"wrote {len(ds.interactions):,} interactions, {len(ds.items):,} items, "
          f"{ds.interactions['user_id'].nunique():,} users to {out}")


def cmd_download(args):
    from .download import download
    path = download(args.name, args.data_dir, url=args.url, progress=lambda msg: print(msg, file=sys.stderr))
    print(path)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m recsys_core",
                                 description="Attention Lens core: datasets, training, evaluation and explanations.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("datasets", help="list the built-in and detected datasets")
    p.add_argument("--data-dir", default=None, help="where to look (default: $ATTENTION_LENS_DATA, else the user cache)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_datasets)

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

    from .cli_models import register
    register(sub)
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
