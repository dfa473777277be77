"""The GPU path, checked on a CPU machine with CUDA's availability faked: bf16 autocast and pinned,
non-blocking batch copies on CUDA, one GPU per torchrun rank, NCCL there and gloo on CPU; and on CPU
nothing changes (no autocast, batches as they are, float32 losses)."""
import contextlib

import pytest
import torch

from recsys_core.errors import SettingError
from recsys_core.training import device as device_mod
from recsys_core.training.device import DeviceRun, resolve_device, set_threads
from recsys_core.training.distributed import World, backend_for, rank_device


class Batch:
    """Records what DeviceRun.put does to a batch."""

    def __init__(self):
        self.calls = []

    def pin_memory(self):
        self.calls.append("pin")
        return self

    def to(self, device, non_blocking=False):
        self.calls.append(("to", str(device), non_blocking))
        return self


def test_cuda_trains_under_bf16_autocast():
    run = DeviceRun(torch.device("cuda"), cuda_available=lambda: True)
    with pytest.warns(UserWarning) if not torch.cuda.is_available() else contextlib.nullcontext():
        ctx = run.autocast()  # torch warns that it has no CUDA here, and disables itself
    assert isinstance(ctx, torch.autocast)
    assert ctx.device == "cuda" and ctx.fast_dtype == torch.bfloat16


def test_cuda_batches_come_through_pinned_memory_without_blocking():
    b = Batch()
    DeviceRun(torch.device("cuda", 1), cuda_available=lambda: True).put(b)
    assert b.calls == ["pin", ("to", "cuda:1", True)]


def test_cpu_changes_nothing():
    run = DeviceRun(torch.device("cpu"), cuda_available=lambda: True)  # a GPU present but not chosen
    assert isinstance(run.autocast(), contextlib.nullcontext)
    b = Batch()
    run.put(b)
    assert b.calls == [("to", "cpu", False)]
    x = torch.arange(6).view(2, 3)
    assert run.put(x) is x or torch.equal(run.put(x), x)
    with run.autocast():
        y = torch.randn(4, 5) @ torch.randn(5, 3)
    assert y.dtype == torch.float32


def test_auto_picks_cuda_when_present_and_refuses_it_when_not(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(SettingError):
        resolve_device("cuda")


def test_each_rank_takes_its_own_gpu_and_nccl():
    world = World(rank=3, size=4, local_rank=1, local_size=2)
    assert rank_device(torch.device("cuda"), world) == torch.device("cuda", 1)
    assert rank_device(torch.device("cpu"), world) == torch.device("cpu")
    assert rank_device(torch.device("cuda"), World()) == torch.device("cuda")
    assert backend_for(torch.device("cuda", 0)) == "nccl" and backend_for(torch.device("cpu")) == "gloo"


def test_ranks_on_one_machine_split_its_cores(monkeypatch):
    asked = []
    monkeypatch.setattr(device_mod.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 0)
    monkeypatch.setattr(torch, "set_num_threads", asked.append)
    set_threads(None)
    set_threads(None, share=2)
    set_threads(3, share=2)  # an explicit count is kept
    assert asked == [8, 4, 3]
