"""Device choice: CUDA when present, else CPU, with a user override; and CPU thread use."""
import os

import torch

from ..errors import SettingError


def resolve_device(name: str = "auto") -> torch.device:
    if name in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SettingError("device", name, "no CUDA GPU is available here", "use cpu or auto for {device}")
    if name != "cpu" and not name.startswith("cuda") and name != "mps":
        raise SettingError("device", repr(name), "is not a device", "use auto, cpu or cuda for {device}")
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
