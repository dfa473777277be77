"""The dataset store: uploads converted once into persisted datasets that survive restarts.

An upload (CSV, TSV, Parquet, SASRec text, a MovieLens/RecBole zip, with an optional item catalogue)
is read by the loaders once and written as `<store>/<id>/` holding interactions.parquet, items.parquet
and dataset.json. The id is a hash of the files' bytes and the column mappings, so the same upload
finds the same dataset (and the models that record that id) again; a changed file gets a new id.
The display name can be edited. A conversion is written into a hidden temp folder and renamed into
place, so a half-written dataset never appears; deleting renames it away first. Disk use is bounded
($ATTENTION_LENS_STORE_MB, default 2,000 MB) and reported. The store lives under the data directory
(`<data dir>/stored`, or $ATTENTION_LENS_STORE).
"""
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field

import pandas as pd

from ..atomic import fsync_path, remove_stale_temps
from ..errors import DataError, UserError
from .catalogue import CatalogueInfo
from .dataset import Dataset
from .paths import data_dir

DEFAULT_BUDGET_MB = 2000
PREFIX = "ds-"  # every stored id starts so; a name the user types never looks like one
META = "dataset.json"


def store_dir(data_dir_: str | None = None) -> str:
    return os.environ.get("ATTENTION_LENS_STORE") or os.path.join(data_dir(data_dir_), "stored")


def budget_mb() -> float:
    try:
        mb = float(os.environ.get("ATTENTION_LENS_STORE_MB", DEFAULT_BUDGET_MB))
    except ValueError:
        return DEFAULT_BUDGET_MB
    return mb if mb > 0 else DEFAULT_BUDGET_MB


@dataclass
class StoredDataset:
    id: str
    name: str  # editable display name
    files: list[str]  # the uploaded file names, as the user knows them
    fmt: str
    interactions: int
    users: int
    items: int
    has_ratings: bool
    has_times: bool
    columns: dict | None = None
    catalogue: CatalogueInfo | None = None
    notices: list[str] = field(default_factory=list)  # what the loader fixed, in the user's file names
    created: str = ""
    bytes: int = 0
    path: str = ""  # the folder; not written to dataset.json

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("path")
        return d

    @classmethod
    def from_dict(cls, d: dict, path: str) -> "StoredDataset":
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__ and k != "path"}
        cat = d.get("catalogue")
        d["catalogue"] = CatalogueInfo(**cat) if cat else None
        return cls(**d, path=path)

    @property
    def label(self) -> str:
        return f"{self.name} · {self.interactions:,} interactions · stored"


def content_id(paths: list[str | None], mappings: list[dict | None]) -> str:
    """ds- and 12 hex digits of SHA-256 over the files' bytes and the column mappings, in order."""
    h = hashlib.sha256()
    for p in paths:
        h.update(b"\x00file\x00")
        if p:
            with open(p, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
    for m in mappings:
        h.update(json.dumps(sorted((m or {}).items())).encode())
    return PREFIX + h.hexdigest()[:12]


def is_id(text: str) -> bool:
    return text.startswith(PREFIX) and len(text) == len(PREFIX) + 12 and all(c in "0123456789abcdef" for c in text[3:])


def _read_meta(folder: str) -> StoredDataset | None:
    try:
        with open(os.path.join(folder, META), encoding="utf-8") as f:
            return StoredDataset.from_dict(json.load(f), folder)
    except (OSError, ValueError, TypeError):
        return None


def _roots(data_dir_: str | None) -> list[str]:
    """The store of `data_dir_`, then the server's default one: a data folder picked in the app for
    MovieLens downloads must not hide the datasets stored before."""
    return list(dict.fromkeys([store_dir(data_dir_), store_dir(None)]))


def list_stored(data_dir_: str | None = None) -> list[StoredDataset]:
    """Every complete stored dataset, newest first; temp folders and broken ones are not listed."""
    seen, out = set(), []
    for root in _roots(data_dir_):
        for m in _list(root):
            if m.id not in seen:
                seen.add(m.id)
                out.append(m)
    return sorted(out, key=lambda m: (m.created, m.id), reverse=True)


def _list(root: str) -> list[StoredDataset]:
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = [m for n in names if is_id(n) and (m := _read_meta(os.path.join(root, n)))]
    return sorted(found, key=lambda m: (m.created, m.id), reverse=True)


def find(spec: str, data_dir_: str | None = None) -> StoredDataset | None:
    """The stored dataset `spec` names: its id, else its display name (exact, then ignoring case)."""
    if not spec:
        return None
    if is_id(spec):
        return next((m for root in _roots(data_dir_) if (m := _read_meta(os.path.join(root, spec)))), None)
    stored = list_stored(data_dir_)
    for same in (lambda m: m.name == spec, lambda m: m.name.casefold() == spec.casefold()):
        hits = [m for m in stored if same(m)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise DataError(f"{spec}: {len(hits)} stored datasets have that name ({', '.join(m.id for m in hits)}). "
                            "Fix: use the id, or rename one with `datasets rename ID NAME`.")
    return None


def load_stored(meta: StoredDataset) -> Dataset:
    """The Dataset a stored one holds (already checked and cleaned when it was added)."""
    try:
        inter = pd.read_parquet(os.path.join(meta.path, "interactions.parquet"))
        items = pd.read_parquet(os.path.join(meta.path, "items.parquet"))
    except (OSError, ValueError) as e:
        raise DataError(f"{meta.name} ({meta.id}): the stored copy cannot be read ({str(e).splitlines()[0]}). "
                        "Fix: delete it on the Data page and add the file again.") from None
    return Dataset(name=meta.name, interactions=inter, items=items, source=meta.name, fmt=meta.fmt,
                   notices=list(meta.notices), has_ratings=meta.has_ratings, has_times=meta.has_times)


def usage(data_dir_: str | None = None) -> dict:
    stored = list_stored(data_dir_)
    return {"datasets": len(stored), "bytes": sum(m.bytes for m in stored), "budget_bytes": int(budget_mb() * 1e6)}


def add(ratings: str, items: str | None = None, name: str | None = None, columns: dict | None = None,
        item_columns: dict | None = None, shown: dict[str, str] | None = None,
        data_dir_: str | None = None, least_match: float | None = None) -> StoredDataset:
    """Convert an upload into a stored dataset, or find the one it already is; returns its record.

    ratings/items: paths (a temp path of an upload is fine); shown: path -> the name the user knows,
    used in every message and notice instead of the server's path; least_match: raise
    catalogue.CatalogueMismatch, storing nothing, when the catalogue names a smaller share of the items."""
    shown = dict(shown or {})
    shown.setdefault(ratings, os.path.basename(ratings))
    if items:
        shown.setdefault(items, os.path.basename(items))
    root = store_dir(data_dir_)
    ident = content_id([ratings, items], [columns, item_columns]) if os.path.isfile(ratings) else None
    if ident and (known := _read_meta(os.path.join(root, ident))):
        return known
    try:
        os.makedirs(root, exist_ok=True)
        remove_stale_temps(root)
        tmp = tempfile.mkdtemp(dir=root, prefix=".tmp-")
    except OSError as e:
        raise UserError(f"{root}: cannot write the dataset store ({e.strerror or e}). "
                        "Fix: set ATTENTION_LENS_DATA (or ATTENTION_LENS_STORE) to a writable folder.") from None
    try:
        return _convert(ratings, items, name, columns, item_columns, shown, root, tmp, ident, least_match)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _named(text: str, shown: dict[str, str]) -> str:
    for path, nice in sorted(shown.items(), key=lambda kv: -len(kv[0])):  # longest first: a folder's files
        text = text.replace(path, nice)
    return text


def _convert(ratings, items, name, columns, item_columns, shown, root, tmp, ident, least_match) -> StoredDataset:
    from .archive import unpack_dataset
    from .loaders import load_path
    source = ratings
    try:
        if ratings.lower().endswith(".zip"):
            source = unpack_dataset(ratings, os.path.join(tmp, "unpacked"), shown[ratings])
            shown[os.path.join(tmp, "unpacked")] = shown[ratings]
        ds = load_path(source, columns)
        cat_info = None
        if items:
            from .catalogue import attach_catalogue, check_match, load_catalogue
            cat = load_catalogue(items, item_columns)
            ds, report = attach_catalogue(ds, cat)
            if least_match is not None:
                check_match(report, ratings, items, least_match)
            cat_info = CatalogueInfo.of(report, shown[items])
    except UserError as e:
        raise e.retold(lambda text: _named(text, shown)) from None
    shutil.rmtree(os.path.join(tmp, "unpacked"), ignore_errors=True)
    inter = ds.interactions
    display = " ".join((name or "").split())[:80] or os.path.splitext(shown[ratings])[0]
    meta = StoredDataset(id=ident or "", name=display, files=[shown[ratings]] + ([shown[items]] if items else []),
                         fmt=ds.fmt, interactions=len(inter), users=int(inter["user_id"].nunique()),
                         items=int(inter["item_id"].nunique()), has_ratings=ds.has_ratings, has_times=ds.has_times,
                         columns=columns, catalogue=cat_info, notices=[_named(n, shown) for n in ds.notices],
                         created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    try:
        inter.to_parquet(os.path.join(tmp, "interactions.parquet"), index=False)
        ds.items.astype({c: str for c in ds.items.columns if ds.items[c].dtype == object}).to_parquet(
            os.path.join(tmp, "items.parquet"), index=False)
        if not meta.id:  # a folder upload: the id is the hash of what was read from it
            meta.id = content_id([os.path.join(tmp, "interactions.parquet"), os.path.join(tmp, "items.parquet")],
                                 [columns, item_columns])
            if known := _read_meta(os.path.join(root, meta.id)):
                return known
        meta.bytes = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp)) + 1024
        used = sum(m.bytes for m in _list(root))
        if used + meta.bytes > budget_mb() * 1e6:
            raise DataError(f"{display}: the dataset store is full ({used / 1e6:,.0f} MB used, this needs "
                            f"{meta.bytes / 1e6:,.1f} MB more, {budget_mb():,.0f} MB allowed). Fix: delete a stored "
                            "dataset (Data page, or `python -m recsys_core datasets delete ID`), or raise "
                            "ATTENTION_LENS_STORE_MB.")
        with open(os.path.join(tmp, META), "w", encoding="utf-8") as f:
            json.dump(meta.to_dict(), f, indent=1)
        for f in os.listdir(tmp):
            fsync_path(os.path.join(tmp, f))
        fsync_path(tmp)
        target = os.path.join(root, meta.id)
        try:
            os.rename(tmp, target)  # one rename: the dataset appears whole or not at all
        except OSError:
            if known := _read_meta(target):  # someone added the same content meanwhile
                return known
            raise
        fsync_path(root)
    except OSError as e:
        raise UserError(f"{root}: cannot save the dataset ({e.strerror or e}). "
                        "Fix: free some disk space, or delete stored datasets.") from None
    meta.path = target
    return meta


def rename(spec: str, new_name: str, data_dir_: str | None = None) -> StoredDataset:
    meta = _require(spec, data_dir_)
    new_name = " ".join(new_name.split())[:80]
    if not new_name:
        raise UserError("The new name is empty. Fix: type a name.")
    meta.name = new_name
    tmp = os.path.join(meta.path, f".tmp-{META}.{os.urandom(3).hex()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(meta.to_dict(), f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(meta.path, META))
    return meta


def delete(spec: str, data_dir_: str | None = None) -> StoredDataset:
    """Remove a stored dataset (its models are the library's business: store.library.delete_dataset)."""
    meta = _require(spec, data_dir_)
    away = os.path.join(os.path.dirname(meta.path), f".tmp-deleted-{meta.id}-{os.urandom(3).hex()}")
    os.rename(meta.path, away)  # gone from listings at once; the bytes follow
    shutil.rmtree(away, ignore_errors=True)
    return meta


def _require(spec: str, data_dir_: str | None) -> StoredDataset:
    meta = find(spec, data_dir_)
    if meta is None:
        raise UserError(f"{spec}: no stored dataset has that id or name. Fix: see `python -m recsys_core datasets`.")
    return meta
