"""Column mappings a user confirmed, remembered per header on this server, so that a re-upload, or another
file of the same export, is mapped as before without asking again (the form still shows the mapping,
and it stays editable).

A header is its column names in their order, for a ratings file or a catalogue. Each is one JSON file,
`<store>/mappings/<sha256 of kind and names>.json`, written atomically (recsys_core.atomic); a damaged
or foreign file reads as nothing remembered. A mapping holds every role: "" for one left unmapped.
"""
import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass

from ..atomic import atomic_write_bytes
from .guess import CATALOGUE_ROLES, RATINGS_ROLES
from .preview import TablePreview
from .stored import store_dir

KINDS = {"ratings": RATINGS_ROLES, "catalogue": CATALOGUE_ROLES}


@dataclass
class Remembered:
    kind: str  # "ratings" or "catalogue"
    columns: list[str]  # the header, in order
    mapping: dict[str, str]  # role -> column, "" for a role left unmapped
    saved: str  # when it was confirmed, UTC, e.g. 2026-05-01T10:00:00Z


def folder(data_dir_: str | None = None) -> str:
    return os.path.join(store_dir(data_dir_), "mappings")


def _path(kind: str, columns: list[str], data_dir_: str | None) -> str:
    digest = hashlib.sha256(json.dumps([kind, [str(c) for c in columns]]).encode()).hexdigest()[:24]
    return os.path.join(folder(data_dir_), f"{kind}-{digest}.json")


def remember(kind: str, columns: list[str], mapping: dict[str, str], data_dir_: str | None = None) -> Remembered:
    """Keep `mapping` (role -> column; missing or "" = unmapped) for this header."""
    roles = KINDS[kind]
    columns = [str(c) for c in columns]
    kept = {r: (mapping.get(r) or "") for r in roles}
    kept = {r: c if c in columns else "" for r, c in kept.items()}
    memo = Remembered(kind, columns, kept, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    text = json.dumps(dataclasses.asdict(memo), ensure_ascii=False, indent=1).encode()
    atomic_write_bytes(_path(kind, columns, data_dir_), lambda f: f.write(text))
    return memo


def recall(kind: str, columns: list[str], data_dir_: str | None = None) -> Remembered | None:
    """The mapping last confirmed for exactly this header (same names, same order), or None."""
    columns = [str(c) for c in columns]
    try:
        with open(_path(kind, columns, data_dir_), encoding="utf-8") as f:
            memo = Remembered(**json.load(f))
    except (OSError, ValueError, TypeError):
        return None
    if memo.kind != kind or memo.columns != columns or not isinstance(memo.mapping, dict):
        return None
    mapping = {r: c for r, c in memo.mapping.items()
               if r in KINDS[kind] and isinstance(c, str) and (c == "" or c in columns)}
    return dataclasses.replace(memo, mapping=mapping)


def with_remembered(preview: TablePreview, data_dir_: str | None = None) -> TablePreview:
    """The preview with its guess replaced by the mapping confirmed before for this header, if any."""
    memo = recall(preview.kind, preview.columns, data_dir_)
    if memo is None:
        return preview
    guess = {r: c for r, c in memo.mapping.items() if c}
    day = memo.saved[:10]
    reasons = {r: f"confirmed for this header on {day}" for r in guess}
    return dataclasses.replace(preview, guess=guess, reasons=reasons, remembered=memo.saved)
