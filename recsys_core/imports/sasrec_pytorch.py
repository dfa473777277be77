"""SASRec.pytorch checkpoints (pmixer/SASRec.pytorch): a plain state dict saved as
`SASRec.epoch=E.lr=LR.layer=B.head=H.hidden=D.maxlen=L.pth`, with `args.txt` beside it (`key,value`
lines: num_heads, norm_first, ...). Its item numbers are the integers of its `user item` text file, so
item number i is the dataset's item id "i".
"""
import os
import re

from ..errors import CheckpointError
from .foreign import Foreign

FILENAME = re.compile(r"layer=(\d+)\.head=(\d+)\.hidden=(\d+)\.maxlen=(\d+)")


def is_sasrec_pytorch(blob) -> bool:
    return isinstance(blob, dict) and "item_emb.weight" in blob and "pos_emb.weight" in blob


def read_args(path: str | None) -> dict:
    """args.txt as {key: text}; {} when there is none."""
    if not path or not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            pairs = (line.strip().partition(",") for line in f if line.strip())
            return {k.strip(): v.strip() for k, sep, v in pairs if sep}
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: cannot read it ({type(e).__name__}). Fix: pass SASRec.pytorch's args.txt.") from None


def convert(blob: dict, path: str, args_path: str | None = None) -> Foreign:
    args_path = args_path or os.path.join(os.path.dirname(path), "args.txt")
    args = read_args(args_path)
    named = FILENAME.search(os.path.basename(path))
    items, hidden = blob["item_emb.weight"].shape
    blocks = len({k.split(".")[1] for k in blob if k.startswith("attention_layers.")})
    heads = args.get("num_heads") or (named.group(2) if named else None)
    if heads is None or not heads.isdigit() or int(heads) < 1 or hidden % int(heads):
        raise CheckpointError(f"{path}: cannot tell its number of attention heads (no args.txt beside it, and the "
                              "file name has no head=H). Fix: keep SASRec.pytorch's args.txt beside the file, "
                              "or its original file name.")
    notices = []
    if "norm_first" not in args:
        notices.append("no args.txt with norm_first beside the checkpoint: assumed post-LN blocks, SASRec.pytorch's "
                       "default. If it was trained with --norm_first, import it with its args.txt.")
    settings = {"hidden_units": int(hidden), "num_blocks": blocks, "num_heads": int(heads),
                "maxlen": int(blob["pos_emb.weight"].shape[0]) - 1, "norm_first": args.get("norm_first") == "True"}
    state = {("item" + k[len("item_emb"):] if k.startswith("item_emb.") else k): v for k, v in blob.items()}
    return Foreign(family="sasrec-pytorch", library="SASRec.pytorch", model="SASRec", settings=settings, state=state,
                   item_rows=("item.weight",), tokens=[str(i) for i in range(1, items)],
                   id_map="SASRec.pytorch's numbering: item number i is the dataset's item id i",
                   max_len=settings["maxlen"], notices=notices)
