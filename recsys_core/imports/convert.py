"""Importing a model trained elsewhere: read the file without running it, find its id map, check it fits the
dataset, build the family that reproduces it, evaluate it on the dataset's test split (both protocols, so
the figures can be set beside the library's own), and save it as our checkpoint (`save_imported`)."""
import os
import time
from dataclasses import dataclass, field

import torch

from ..data.preprocess import Prepared, PrepConfig, pad_left, prepare, split_ends
from ..errors import CheckpointError, UserError
from ..models import build_for_weights
from ..models.config import ForeignSource, ModelConfig
from . import recbole, sasrec_pytorch, torchscript
from .foreign import Foreign, item_index, to_family_order
from .ids import read_id_map
from .safe_pickle import read_torch_zip

FORMATS = ("auto", "recbole", "sasrec-pytorch", "torchscript")
PICKLE_START = b"\x80"  # a bare pickle (the legacy torch format, or pickle.dump)
SANITY_USERS = 64  # users scored right after the import, before any evaluation


@dataclass
class Imported:
    model: torch.nn.Module
    meta: object  # CheckpointMeta
    data: Prepared
    notices: list[str] = field(default_factory=list)


def _check_file(path: str):
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: no such file. Fix: check the path to the checkpoint.")
    if os.path.getsize(path) == 0:
        raise CheckpointError(f"{path}: the file is empty. Fix: copy the checkpoint again.")
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:1] == PICKLE_START:
        raise CheckpointError(f"{path}: refused: a bare pickle (the legacy torch format) can run code when it is read, "
                              "and it was not read. Fix: save the checkpoint again with a current torch.save.")
    if head != b"PK\x03\x04":
        raise CheckpointError(f"{path}: not a PyTorch checkpoint (torch.save and torch.jit.save write zip files). "
                              "Fix: pass the file the library saved.")


def read_foreign(path: str, fmt: str = "auto", tokens: list[str] | None = None, args_path: str | None = None,
                 max_len: int = 50) -> Foreign:
    """The file as a Foreign, never running anything from it; fmt one of FORMATS."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: unknown. Fix: use one of {', '.join(FORMATS)}.")
    _check_file(path)
    if fmt == "torchscript" or (fmt == "auto" and torchscript.is_torchscript(path)):
        return torchscript.convert(path, tokens, max_len)
    blob = read_torch_zip(path, recbole.allowed if fmt in ("auto", "recbole") else (lambda m, n: False))
    if fmt in ("auto", "recbole") and recbole.is_recbole(blob):
        return recbole.convert(blob, path)
    if fmt in ("auto", "sasrec-pytorch") and sasrec_pytorch.is_sasrec_pytorch(blob):
        return sasrec_pytorch.convert(blob, path, args_path)
    what = {"recbole": "a RecBole checkpoint (a dict with config and state_dict)",
            "sasrec-pytorch": "a SASRec.pytorch state dict (item_emb, pos_emb, attention_layers ...)"}.get(fmt)
    raise CheckpointError(f"{path}: a PyTorch file, but not {what or 'a RecBole, SASRec.pytorch or TorchScript model'}. "
                          "Fix: pass the checkpoint the library saved" + (", or --format auto." if what else "."))


def import_model(path: str, dataset: str = "sample", fmt: str = "auto", name: str | None = None,
                 id_map: str | None = None, args_path: str | None = None, max_len: int = 50,
                 data_dir: str | None = None, evaluate_it: bool = True, inter_file: str | None = None) -> Imported:
    """Convert the foreign checkpoint at `path` for `dataset`; nothing is written (see save_imported).
    inter_file: the RecBole .inter file the dataset was stored from, whose row order numbers RecBole's items."""
    from ..data.registry import canonical_spec, load_dataset
    from ..store.checkpoint import make_meta
    from ..training.evaluate import evaluate
    tokens = read_id_map(id_map) if id_map else None
    foreign = read_foreign(path, fmt, tokens, args_path, max_len)
    ds = load_dataset(dataset, data_dir)
    data = prepare(ds, PrepConfig())
    if tokens is not None:
        foreign.tokens, foreign.id_map = tokens, f"the id map {os.path.basename(id_map)}"
    elif foreign.tokens is None:
        foreign.tokens, foreign.id_map = recbole.tokens_from_dataset(ds, foreign, inter_file)
        foreign.from_dataset = True
    index = item_index(foreign, data, path)
    state = to_family_order(foreign, index)
    if not foreign.item_rows:  # the family keeps the library's numbering and maps ours onto it
        state["index_map"] = torch.from_numpy(index)
    source = ForeignSource(library=foreign.library, model=foreign.model, file=os.path.basename(path),
                           settings=foreign.settings, id_map=foreign.id_map)
    s = foreign.settings
    cfg = ModelConfig(arch=foreign.family, max_len=foreign.max_len, dropout=0.0, source=source,
                      dim=int(s.get("hidden_size") or s.get("hidden_units") or s.get("embedding_size") or 64),
                      layers=int(s.get("n_layers") or s.get("num_blocks") or s.get("num_layers") or 1),
                      heads=int(s.get("n_heads") or s.get("num_heads") or 1)).validate()
    model = build_for_weights(cfg, data.n_items)  # weights set next: nothing drawn from the global generator
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise CheckpointError(f"{path}: its weights do not fit a {foreign.library} {foreign.model} "
                              f"({str(e).splitlines()[1 if len(str(e).splitlines()) > 1 else 0].strip()[:120]}). "
                              "Fix: pass the checkpoint as the library saved it.") from None
    model.eval()
    _sanity(model, data, cfg.max_len, path)
    started = time.perf_counter()
    metrics = evaluate(model, data, max_len=cfg.max_len) if evaluate_it else {}
    meta = make_meta(model, data, cfg, metrics=metrics, dataset_spec=canonical_spec(dataset, data_dir),
                     evaluation_seconds=time.perf_counter() - started)
    meta.model_name = " ".join((name or "").split())[:60] or cfg.name
    return Imported(model, meta, data, foreign.notices)


@torch.no_grad()
def _sanity(model, data: Prepared, max_len: int, path: str):
    """Score a few users' test histories: an import that gives NaN or infinite scores is refused."""
    users = torch.arange(min(SANITY_USERS, data.n_users)).numpy()
    ends, _ = split_ends(data, "test")
    scores = model.score(pad_left(data, ends[users], max_len, users))[:, 1:]
    if not torch.isfinite(scores).all():
        raise CheckpointError(f"{path}: imported, but its scores are not finite (NaN or infinite): the model is "
                              "broken. Fix: check the checkpoint in its own library.")


def save_imported(imported: Imported, out_dir: str) -> str:
    """model.pt + metrics.json in out_dir (each written atomically); returns the model.pt path."""
    from ..store.checkpoint import FILENAME, atomic_write_json, save_checkpoint
    from ..training.run import check_writable
    check_writable(out_dir)
    path = os.path.join(out_dir, FILENAME)
    meta = imported.meta
    save_checkpoint(path, imported.model, meta)
    atomic_write_json(os.path.join(out_dir, "metrics.json"),
                      {"model": meta.model_name, "dataset": meta.dataset.name, "imported_from": meta.model_config.source.library,
                       "source_model": meta.model_config.source.model, **meta.metrics})
    return path
