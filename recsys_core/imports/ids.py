"""Id-map files: the dataset's item id of a foreign model's item number 1, 2, ... N.

A text file with one item id per line, in the model's order (line 1 = item number 1; blank lines are
skipped), or a JSON list of ids. RecBole users get it from `dataset.field2id_token['item_id'][1:]`.
"""
import json

from ..errors import CheckpointError


def read_id_map(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such id-map file. Fix: check the path.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: cannot read the id map ({type(e).__name__}). "
                              "Fix: save it as UTF-8 text, one item id per line.") from None
    if text.lstrip().startswith("["):
        try:
            ids = [str(x).strip() for x in json.loads(text)]
        except ValueError:
            raise CheckpointError(f"{path}: starts like a JSON list but is not one. "
                                  "Fix: one item id per line, or a JSON list of ids.") from None
    else:
        ids = [line.strip() for line in text.splitlines() if line.strip()]
    if not ids:
        raise CheckpointError(f"{path}: the id map is empty. Fix: list the item id of number 1, 2, ... one per line.")
    seen = {}
    for n, i in enumerate(ids, 1):
        if i in seen:
            raise CheckpointError(f"{path}: item id {i!r} is listed twice (numbers {seen[i]} and {n}). "
                                  "Fix: one line per item number.")
        seen[i] = n
    return ids
