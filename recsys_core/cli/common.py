"""What every CLI command shares: the dataset arguments and loading a dataset from them."""
import argparse
import sys

from ..errors import UserError, phrase


def parse_columns(text: str | None, flag: str = "--columns") -> dict | None:
    """'user=uid,item=iid,timestamp=ts' -> {'user': 'uid', ...}; 'rating=' (empty) leaves a role unmapped."""
    if not text:
        return None
    out = {}
    for part in text.split(","):
        key, sep, val = part.partition("=")
        if not sep or not key.strip():
            raise UserError(f"{flag}: {part!r} is not ROLE=COLUMN. Fix: e.g. --columns user=uid,item=iid,timestamp=ts")
        out[key.strip()] = val.strip()
    return out


def add_dataset_args(p: argparse.ArgumentParser, required: bool = False):
    p.add_argument("--dataset", default=None if required else "sample", required=required,
                   help="sample, ml-100k, ml-1m, ml-latest-small, a stored dataset's id or name (see `datasets`), "
                        "or a PATH to a file or folder (default: sample)")
    p.add_argument("--data-dir", default=None,
                   help="where dataset names are looked up (default: $ATTENTION_LENS_DATA, else the user cache)")
    p.add_argument("--columns", default=None,
                   help="column mapping for CSV/Parquet: user=COL,item=COL,timestamp=COL[,rating=COL,title=COL]")
    p.add_argument("--min-rating", type=float, default=None, help="keep interactions rated at least this")
    p.add_argument("--k-core", type=int, default=0, help="drop users and items with fewer interactions (0: off)")


def load_from_args(args):
    from ..data.registry import load_dataset
    ds = load_dataset(args.dataset, args.data_dir, parse_columns(args.columns))
    for n in ds.notices:
        print(f"notice: {phrase(n)}", file=sys.stderr)
    return ds
