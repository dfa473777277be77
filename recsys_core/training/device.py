"""Device choice: CUDA when present, else CPU, with a user override; CPU thread use; and what changes
on a GPU (DeviceRun): bf16 autocast for the training forward pass and pinned-memory batches.
On CPU nothing changes: float32 throughout, batches as they are."""
import contextlib
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


def set_threads(n: int | None, share: int = 1):
    """torch's thread pool is process-wide; default to the cores we may use, split between the `share`
    processes on this machine (torchrun's ranks), so they do not fight over the same cores."""
    if not n:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        n = max(1, cores // max(1, share))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


class DeviceRun:
    """How training batches meet the device. On CUDA: the forward pass (and its loss) under bf16
    autocast - tensor-core matmuls at half the memory traffic, with float32 weights, optimiser state
    and reductions, so no loss scaling is needed - and batches copied from pinned memory without
    blocking. On CPU: no autocast (CPU bf16 is slower than float32 on most cores) and plain tensors."""

    def __init__(self, device: torch.device, cuda_available=None):
        cuda_available = torch.cuda.is_available if cuda_available is None else cuda_available
        self.device = device
        self.cuda = device.type == "cuda" and cuda_available()

    def autocast(self):
        if self.cuda:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def put(self, batch: torch.Tensor) -> torch.Tensor:
        """`batch` on the device; through pinned memory on CUDA, so the copy overlaps the last step."""
        if self.cuda:
            return batch.pin_memory().to(self.device, non_blocking=True)
        return batch.to(self.device)
