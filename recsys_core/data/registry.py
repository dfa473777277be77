"""Name -> dataset: the built-in names, the data directory, stored datasets, and listing what is available.

`--dataset` takes `sample`, `ml-100k`, `ml-1m`, `ml-latest-small`, a stored dataset's id or name
(see `stored`), or a path. Names are looked up in the data directory: an explicit `data_dir`, else
$ATTENTION_LENS_DATA, else the user cache folder where downloads go. Nothing here touches the network.
"""
import os
from dataclasses import dataclass

from ..errors import DataError, UserError
from .dataset import Dataset
from .loaders import BUILTIN, detect_format, load_path, load_sample
from .paths import cache_dir, data_dir  # noqa: F401 (cache_dir: re-exported)


def folder_within(text: str, root: str) -> str:
    """The folder a visitor typed, if it lies inside `root` (after resolving links and '..'), else a
    UserError: a shared server must not list or read folders its owner did not offer. The CLI reads
    any path its user names; only the app asks this."""
    path = os.path.realpath(os.path.expanduser(text.strip()))
    base = os.path.realpath(root)
    if path != base and os.path.commonpath([path, base]) != base:
        raise UserError("That folder is outside this server's data folder, so the app will not read it. "
                        "Fix: pick a folder inside the data folder, or ask whoever runs the server to set "
                        "ATTENTION_LENS_DATA (or ATTENTION_LENS_OPEN_FOLDERS=1 on a one-person machine).")
    return path


def stored_for(spec: str, data_dir_: str | None = None):
    """The stored dataset a spec names (an id, or a name that is not also a path), else None."""
    from . import stored
    if spec in BUILTIN or (not stored.is_id(spec) and os.path.exists(os.path.expanduser(spec))):
        return None
    if stored.is_id(spec):
        meta = stored.find(spec, data_dir_)
        if meta is None:
            raise DataError(f"{spec}: this stored dataset is no longer in the dataset store {stored.store_dir(data_dir_)} "
                            "(it was deleted, or the server uses another data folder). Fix: add the file again "
                            "(`python -m recsys_core datasets add FILE` or the Data page), or point ATTENTION_LENS_DATA "
                            "at the folder that holds it.")
        return meta
    return stored.find(spec, data_dir_)


def canonical_spec(spec: str, data_dir_: str | None = None) -> str:
    """What a model records as its dataset: a built-in name, a stored dataset's id, or an absolute path."""
    if spec in BUILTIN:
        return spec
    meta = stored_for(spec, data_dir_)
    return meta.id if meta else os.path.abspath(os.path.expanduser(spec))


def resolve_path(spec: str, data_dir_: str | None = None) -> str | None:
    """The path a dataset spec points at; None for the embedded sample."""
    if spec == "sample":
        return None
    if meta := stored_for(spec, data_dir_):
        return meta.path
    if spec in BUILTIN:
        path = os.path.join(data_dir(data_dir_), spec)
        if not os.path.isdir(path):
            raise DataError(f"{spec}: not found in the data directory {data_dir(data_dir_)}. "
                            f"Fix: run `python -m recsys_core download {spec}`, or pass --data-dir / set "
                            "ATTENTION_LENS_DATA to the folder that holds it.")
        return path
    return os.path.expanduser(spec)


def load_dataset(spec: str = "sample", data_dir_: str | None = None, columns: dict | None = None) -> Dataset:
    if meta := stored_for(spec, data_dir_):
        from .stored import load_stored
        return load_stored(meta)
    path = resolve_path(spec, data_dir_)
    if path is None:
        return load_sample()
    ds = load_path(path, columns)
    if spec in BUILTIN:
        ds.name = spec
        root = os.path.dirname(path.rstrip(os.sep))  # notices name "ml-100k/u.data", not the server's folders
        ds.notices = [n.replace(root + os.sep, "") for n in ds.notices]
    return ds


@dataclass
class Available:
    name: str  # what --dataset takes
    path: str  # "" for the embedded sample
    fmt: str


def list_datasets(data_dir_: str | None = None) -> list[Available]:
    """The embedded sample plus every folder in the data directory whose format is recognised."""
    found = [Available("sample", "", "sample")]
    root = data_dir(data_dir_)
    if os.path.isdir(root):
        for name in sorted(os.listdir(root)):
            path = os.path.join(root, name)
            if name.startswith(".") or name == "stored" or not os.path.isdir(path):  # hidden: e.g. an interrupted download
                continue
            try:
                fmt = detect_format(path)
            except DataError:
                continue
            found.append(Available(name if name in BUILTIN else path, path, fmt))
    return found
