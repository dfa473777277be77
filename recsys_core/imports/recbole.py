"""RecBole checkpoints (`saved/<Model>-<date>.pth`, RecBole 1.x): a torch.save zip whose pickle holds
`config` (RecBole's Config object), `state_dict`, `other_parameter`, `optimizer` and training counters.

Read with the allow-list unpickler (safe_pickle): only RecBole's own classes and yaml's loaders are
allowed, as inert stand-ins. The file holds no id map: RecBole numbers item tokens by their first
appearance in the .inter file (after its filters; none by default), 0 being padding. So the tokens come
from the dataset's own .inter file when it is one, else from the dataset's rows as loaded (the same
order for a file that lists each user's interactions together, in time order), else from --id-map.
"""
import os

from ..errors import CheckpointError
from .foreign import Foreign
from .safe_pickle import read_torch_zip

SUPPORTED = {"SASRec": "recbole-sasrec", "BERT4Rec": "recbole-bert4rec", "GRU4Rec": "recbole-gru4rec"}
TRANSFORMER = ("hidden_size", "n_layers", "n_heads", "inner_size", "hidden_act", "layer_norm_eps", "MAX_ITEM_LIST_LENGTH")
SETTINGS = {"SASRec": TRANSFORMER, "BERT4Rec": TRANSFORMER,
            "GRU4Rec": ("embedding_size", "hidden_size", "num_layers", "MAX_ITEM_LIST_LENGTH")}
# Config keys that change which interactions RecBole keeps (and so its numbering), with their defaults.
FILTERS = {"rm_dup_inter": None, "val_interval": None, "user_inter_num_interval": "[0,inf)",
           "item_inter_num_interval": "[0,inf)"}


def allowed(module: str, name: str) -> bool:
    """RecBole's own classes (Config, its enums, the model class) and yaml's loader classes, as stand-ins."""
    return module.split(".")[0] == "recbole" or (module in ("yaml.loader", "yaml") and name.endswith("Loader"))


def is_recbole(blob) -> bool:
    return isinstance(blob, dict) and "config" in blob and "state_dict" in blob


def read(path: str) -> dict:
    return read_torch_zip(path, allowed)


def convert(blob: dict, path: str) -> Foreign:
    """A RecBole checkpoint as a Foreign (its tokens still to be found from the dataset)."""
    config = getattr(blob["config"], "state", None)
    final = config.get("final_config_dict") if isinstance(config, dict) else None
    if not isinstance(final, dict) or not isinstance(blob["state_dict"], dict):
        raise CheckpointError(f"{path}: a RecBole file without its config. Fix: pass the .pth RecBole saved in saved/.")
    model = str(final.get("model") or "")
    if model not in SUPPORTED:
        raise CheckpointError(f"{path}: a RecBole {model or 'model'} checkpoint; the models that can be imported are "
                              f"{', '.join(SUPPORTED)}. Fix: train one of those with RecBole, or export the model "
                              "with TorchScript (--format torchscript).")
    missing = [k for k in SETTINGS[model] if k not in final]
    if missing:
        raise CheckpointError(f"{path}: its config has no {', '.join(missing)}. Fix: pass the file RecBole saved.")
    settings = {k: final[k] for k in SETTINGS[model]}
    state = {("item" + k[len("item_embedding"):] if k.startswith("item_embedding.") else k): v
             for k, v in blob["state_dict"].items() if hasattr(v, "shape")}
    if "item.weight" not in state:
        raise CheckpointError(f"{path}: its weights have no item_embedding. Fix: pass the file RecBole saved.")
    item_rows = ("item.weight", "output_bias") if model == "BERT4Rec" else ("item.weight",)
    notices = [f"RecBole's config filters interactions ({k} = {final[k]}): its item numbers may not follow the "
               "dataset's order; pass --id-map if the import's metrics look wrong."
               for k, default in FILTERS.items() if final.get(k, default) != default]
    return Foreign(family=SUPPORTED[model], library="RecBole", model=model, settings=settings, state=state,
                   item_rows=item_rows, max_len=int(settings["MAX_ITEM_LIST_LENGTH"]),
                   extra_rows=1 if model == "BERT4Rec" else 0, notices=notices)


def tokens_from_dataset(ds, foreign: Foreign, inter_file: str | None = None) -> tuple[list[str], str]:
    """RecBole's item tokens in the order of its numbers: first appearance in the .inter file (`inter_file`, else
    the dataset's own when it is one; plus the .item file's other tokens when the model has rows for them),
    else in the dataset's rows."""
    source = inter_file or getattr(ds, "source", "")
    if source.endswith(".inter") and os.path.isfile(source):
        from ..data.loaders.recbole import _read_atomic
        df, _ = _read_atomic(source, keep_default_na=True)
        column = next((c for c in df.columns if c.lower() == "item_id"), None) or \
            next(c for c in df.columns if "item" in c.lower())
        tokens = list(dict.fromkeys(df[column].astype(str).str.strip()))
        rows = len(foreign.state["item.weight"]) - foreign.extra_rows - 1
        item_file = source[: -len(".inter")] + ".item"
        if rows > len(tokens) and os.path.isfile(item_file):
            extra, _ = _read_atomic(item_file, keep_default_na=False)
            col = next((c for c in extra.columns if "item" in c.lower()), extra.columns[0])
            tokens = list(dict.fromkeys(tokens + list(extra[col].astype(str).str.strip())))
        return tokens, f"RecBole's numbering: first appearance in {os.path.basename(source)}"
    tokens = list(dict.fromkeys(ds.interactions["item_id"].astype(str)))
    return tokens, f"RecBole's numbering: first appearance in {ds.name}'s interactions, each user's in time order"
