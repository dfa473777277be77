"""TorchScript archives (torch.jit.save of a module whose forward is `scores = module(item_seq)`).

A TorchScript module is code by nature, so "nothing runs" means here: no Python is unpickled or
imported (torch.jit.load resolves only TorchScript's own types, and it is called only after these
checks), the archive's code may call only torch's own operators (aten, prim; a module that calls an
extension's operators is refused), and the one thing executed is its forward on a dummy batch, inside
TorchScript's interpreter, to check the signature: a (B, L) long tensor in, (B, M+1) finite float scores
out, M being the number of ids in its id map.
"""
import re
import zipfile

import torch

from ..errors import CheckpointError
from ..models.torchscript import open_archive
from .foreign import Foreign

OWN_OPS = {"aten", "prim"}  # operator namespaces torch itself provides
OPS = re.compile(r"\bops\.(\w+)\.")


def is_torchscript(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return any("/code/" in n for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def check_code(path: str):
    """Refuse an archive whose code calls operators from outside torch (an extension library's)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if "/code/" in name and name.endswith(".py"):
                text = z.read(name).decode("utf-8", "replace")
                foreign = sorted(set(OPS.findall(text)) - OWN_OPS)
                if foreign:
                    raise CheckpointError(f"{path}: refused: its code calls operators outside torch "
                                          f"(ops.{foreign[0]}); only modules built from torch's own operators "
                                          "are imported. Fix: export a module that uses plain torch.")


def convert(path: str, tokens: list[str] | None, max_len: int) -> Foreign:
    if not is_torchscript(path):
        raise CheckpointError(f"{path}: not a TorchScript archive (torch.jit.save writes a zip with a code/ "
                              "folder). Fix: export the model with torch.jit.script(model).save(PATH).")
    if not tokens:
        raise CheckpointError(f"{path}: a TorchScript model needs its id map: a text file with the dataset's item "
                              "id of item number 1, 2, ... one per line. Fix: pass --id-map FILE.")
    check_code(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        module = open_archive(data)
    except Exception as e:  # noqa: BLE001  any archive TorchScript cannot open: one line
        raise CheckpointError(f"{path}: TorchScript cannot open it ({type(e).__name__}: "
                              f"{str(e).splitlines()[0][:100] if str(e) else ''}). Fix: save it again with "
                              "torch.jit.save, with this version of torch.") from None
    check_signature(module, len(tokens), max_len, path)
    return Foreign(family="torchscript", library="TorchScript", model=type(module).__name__ or "module",
                   settings={"archive_bytes": len(data), "items": len(tokens), "max_len": max_len},
                   state={"archive": torch.frombuffer(bytearray(data), dtype=torch.uint8).clone()},
                   item_rows=(), tokens=tokens, max_len=max_len)


@torch.no_grad()
def check_signature(module, items: int, max_len: int, path: str):
    """Its forward on a dummy batch: a (2, max_len) long tensor of item numbers must give (2, items + 1)
    finite float scores."""
    seq = torch.zeros(2, max_len, dtype=torch.long)
    seq[0, -min(max_len, items):] = torch.arange(1, min(max_len, items) + 1)
    seq[1, -1] = items
    want = f"a ({len(seq)}, {max_len}) long tensor of item numbers in, ({len(seq)}, {items + 1}) float scores out"
    try:
        out = module(seq)
    except Exception as e:  # noqa: BLE001  the module's own error, whatever it is
        raise CheckpointError(f"{path}: its forward failed on {want.split(' in,')[0]} ({type(e).__name__}: "
                              f"{(str(e).splitlines() or [''])[0][:100]}). Fix: export a module whose forward "
                              f"takes item_seq (B, L) and returns scores (B, N+1).") from None
    if not isinstance(out, torch.Tensor) or out.shape != (len(seq), items + 1) or not out.is_floating_point():
        got = f"a {tuple(out.shape)} {out.dtype} tensor" if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckpointError(f"{path}: wrong signature: it returned {got}, not ({len(seq)}, {items + 1}) float scores "
                              f"for its {items:,} items + padding. Fix: forward(item_seq) must return {want}.")
    if not torch.isfinite(out[:, 1:]).all():
        raise CheckpointError(f"{path}: its scores are not finite (NaN or infinite) on a dummy batch: it is broken. "
                              "Fix: check the exported model.")
