"""Device choice: CUDA when present, else CPU, with a user override; and CPU thread use."""
import os

import torch

from .errors import UserError


def resolve_device(name: str = "auto") -> torch.device:
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"--device {name}: no CUDA GPU is available here. Fix: use --device cpu or auto.")
    if name != "cpu" and not name.startswith("cuda") and name != "mps":
        raise UserError(f"--device {name!r}: unknown. Fix: use auto, cpu or cuda.")
    return torch.device(name)


def available_devices() -> list[str]:
    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    return f"CPU ({torch.get_num_threads()} threads)"


def set_threads(n: int | None):
    """torch's thread pool is process-wide; default to the cores we may use."""
    if not n:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
