"""CLI commands for datasets: datasets, stats, make-sample, download."""
import json
import sys

from .common import add_dataset_args, load_from_args


def cmd_datasets(args):
    from ..data.registry import data_dir, list_datasets
    found = list_datasets(args.data_dir)
    if args.json:
        print(json.dumps([vars(a) for a in found], indent=2))
        return
    print(f"data directory: {data_dir(args.data_dir)}")
    for a in found:
        print(f"  {a.name:<24} {a.fmt:<18} {a.path or '(embedded)'}")
    print("download MovieLens with: python -m recsys_core download ml-100k|ml-1m|ml-latest-small")


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
