"""Reading a PyTorch zip file (torch.save) whose pickle holds more than tensors, without running anything.

RecBole's checkpoints pickle its Config object, enums, yaml's loader class, torch.device and numpy
scalars beside the weights, so torch.load(weights_only=True) refuses them and a plain torch.load would
import RecBole and could run any code the file names. Here every global the pickle names must be on an
allow-list, and each allowed one is replaced by an inert stand-in: a class whose instances only keep
the arguments and state the pickle gives them. Tensors are rebuilt from the archive's storage records
as plain bytes. Anything else is refused before it is created (pickle resolves every global through
find_class: GLOBAL, STACK_GLOBAL, INST, OBJ and the extension registry alike).
"""
import collections
import io
import pickle
import zipfile

import numpy as np
import torch

from ..errors import CheckpointError

MAX_BYTES = 2 * 1024 ** 3  # an archive claiming more than this is refused before reading

STORAGES = {name: dtype for name, dtype in (
    ("FloatStorage", torch.float32), ("DoubleStorage", torch.float64), ("HalfStorage", torch.float16),
    ("BFloat16Storage", torch.bfloat16), ("LongStorage", torch.int64), ("IntStorage", torch.int32),
    ("ShortStorage", torch.int16), ("CharStorage", torch.int8), ("ByteStorage", torch.uint8),
    ("BoolStorage", torch.bool))}
NUMERIC_KINDS = "biufc?"  # numpy scalars of these kinds are decoded from their bytes; object arrays never


class Inert:
    """Stands in for an allowed class: keeps what the pickle passes and does nothing else."""
    origin = ""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs, self.state = args, kwargs, None

    def __setstate__(self, state):
        self.state = state

    def __repr__(self):
        return f"<{self.origin} {self.args!r}>"


def stand_in(module: str, name: str) -> type:
    return type(name, (Inert,), {"origin": f"{module}.{name}"})


class Storage:
    """torch.<Type>Storage named in a persistent id: only its dtype is used."""

    def __init__(self, dtype):
        self.dtype = dtype


class Dtype(Inert):
    """numpy.dtype(code, ...): keeps the code."""


def numpy_scalar(dtype, data=b""):
    code = dtype.args[0] if isinstance(dtype, Dtype) and dtype.args else ""
    try:
        kind = np.dtype(code).kind if isinstance(code, str) else "O"
    except TypeError:
        kind = "O"
    if kind not in NUMERIC_KINDS or not isinstance(data, bytes):
        raise pickle.UnpicklingError(f"a numpy scalar of type {code!r}")
    return np.frombuffer(data, dtype=np.dtype(code), count=1)[0].item()


def rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return torch.as_strided(storage, tuple(size), tuple(stride), int(offset)).clone()


def rebuild_parameter(data, requires_grad=False, hooks=None):
    return data


def latin1(text, encoding="latin1"):  # _codecs.encode, which protocol-2 pickles use for bytes
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("_codecs.encode with other arguments")
    return text.encode("latin1")


# What the pickles of a torch.save'd dict of tensors need, whatever wrote it.
TORCH_GLOBALS = {
    ("collections", "OrderedDict"): lambda: collections.OrderedDict,  # a state dict: BUILD adds its _metadata
    ("torch._utils", "_rebuild_tensor_v2"): lambda: rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): lambda: rebuild_parameter,
    ("torch", "device"): lambda: stand_in("torch", "device"),
    ("_codecs", "encode"): lambda: latin1,
    **{("torch", name): (lambda dtype=dtype: Storage(dtype)) for name, dtype in STORAGES.items()},
    **{(m, "scalar"): lambda: numpy_scalar for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(m, "dtype"): lambda: Dtype for m in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray")},
}


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, records: dict, allowed):
        super().__init__(io.BytesIO(data))
        self.records, self.allowed = records, allowed

    def find_class(self, module, name):
        make = TORCH_GLOBALS.get((module, name))
        if make is not None:
            return make()
        if self.allowed(module, name):
            return stand_in(module, name)
        raise Refused(f"{module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], Storage)):
            raise pickle.UnpicklingError("an unknown persistent id")
        _, kind, key, _, numel = pid
        raw = self.records.get(str(key))
        if raw is None:
            raise pickle.UnpicklingError(f"storage {key} is missing")
        flat = torch.frombuffer(bytearray(raw), dtype=kind.dtype) if raw else torch.empty(0, dtype=kind.dtype)
        return flat[:numel] if numel <= len(flat) else flat


class Refused(Exception):
    """The pickle names a global outside the allow-list (the text is that global)."""


def read_torch_zip(path: str, allowed=lambda module, name: False):
    """The object a torch.save zip holds, every tensor rebuilt from bytes and every allowed global an Inert
    stand-in. Raises CheckpointError (one line) for anything else."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if sum(i.file_size for i in infos) > MAX_BYTES:
                raise CheckpointError(f"{path}: the archive claims more than {MAX_BYTES >> 30} GB. Fix: check the file.")
            pickles = [i.filename for i in infos if i.filename.endswith("/data.pkl") and i.filename.count("/") == 1]
            if len(pickles) != 1:
                raise CheckpointError(f"{path}: a zip file, but not one written by torch.save. "
                                      "Fix: pass the checkpoint file the library saved.")
            prefix = pickles[0][: -len("data.pkl")]
            order = z.read(prefix + "byteorder").decode().strip() if prefix + "byteorder" in z.namelist() else "little"
            if order != "little":
                raise CheckpointError(f"{path}: written on a big-endian machine. Fix: re-save it on a little-endian one.")
            records = {i.filename[len(prefix) + 5:]: z.read(i) for i in infos if i.filename.startswith(prefix + "data/")}
            data = z.read(pickles[0])
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, ValueError) as e:
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or corrupt: {type(e).__name__}). "
                              "Fix: copy the file again from where it was saved.") from None
    try:
        return _Unpickler(data, records, allowed).load()
    except Refused as e:
        raise CheckpointError(f"{path}: refused: its pickle names {e}, which a model checkpoint of the supported "
                              "libraries never needs; nothing in it was run. Fix: import only checkpoints saved "
                              "by RecBole or SASRec.pytorch.") from None
    except Exception as e:  # noqa: BLE001  any malformed pickle: one line, never a traceback
        raise CheckpointError(f"{path}: its pickle cannot be read ({type(e).__name__}: {str(e)[:80]}). "
                              "Fix: copy the file again from where it was saved.") from None
