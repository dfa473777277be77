"""Data-parallel training over several processes (PyTorch DDP), when started by torchrun.

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK (and the rendezvous address) in each process; nothing
else turns this on, and a plain process is a world of one, trained exactly as before.

    torchrun --nproc-per-node 2 -m recsys_core train --dataset sample --out runs/ddp

Every rank builds the same epoch plan (the batch order comes from the shared seed) and trains on its
own share of it: batches rank, rank + W, rank + 2W, ... (`shard`), the same number on every rank.
DDP averages the gradients (gloo on CPU, NCCL on GPU). Rank 0 alone validates, saves and prints; the
decisions that end training (early stop, time, a non-finite loss) are agreed by every rank, so no
rank waits on a collective the others have left.
"""
import os
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1  # processes on this machine (they share its cores)

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.size > 1


def world_from_env(env=None) -> World:
    """The World torchrun describes in the environment (a world of one outside torchrun)."""
    env = os.environ if env is None else env
    size = int(env.get("WORLD_SIZE", 1) or 1)
    if size <= 1:
        return World()
    return World(rank=int(env.get("RANK", 0)), size=size, local_rank=int(env.get("LOCAL_RANK", 0)),
                 local_size=int(env.get("LOCAL_WORLD_SIZE", size)))


def backend_for(device: torch.device) -> str:
    return "nccl" if device.type == "cuda" else "gloo"


def rank_device(device: torch.device, world: World) -> torch.device:
    """Each rank on a machine takes its own GPU (cuda:LOCAL_RANK); CPU ranks share the CPU."""
    if device.type == "cuda" and world.active:
        return torch.device("cuda", world.local_rank)
    return device


def start(device: torch.device) -> World:
    """Join the process group torchrun set up (once per process); a world of one does nothing."""
    world = world_from_env()
    if world.active and not dist.is_initialized():
        device = rank_device(device, world)
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend_for(device))
    if not world.main:
        quiet()
    return world


def current() -> World:
    """The World of the process group this process has joined (a world of one if none)."""
    if not (dist.is_available() and dist.is_initialized()):
        return World()
    env = world_from_env()
    return World(rank=dist.get_rank(), size=dist.get_world_size(), local_rank=env.local_rank,
                 local_size=env.local_size)


def finish():
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def quiet():
    """Ranks other than 0 print nothing (rank 0 speaks for the run); a crash's traceback still shows."""
    devnull = open(os.devnull, "w")
    sys.stdout = sys.stderr = devnull
    sys.excepthook = _traceback_to_real_stderr


def _traceback_to_real_stderr(kind, value, tb):
    import traceback
    traceback.print_exception(kind, value, tb, file=sys.__stderr__)


def wrap(model: torch.nn.Module, device: torch.device, world: World) -> torch.nn.Module:
    """The module whose forward trains: DDP around `model` on several ranks, `model` itself on one."""
    if not world.active:
        return model
    from torch.nn.parallel import DistributedDataParallel
    ids = [device.index] if device.type == "cuda" else None
    # Every family uses all its parameters for every loss (checked for each family, variant, encoder and
    # loss), so DDP needs no extra pass over the graph looking for unused ones.
    return DistributedDataParallel(model, device_ids=ids)


def shard(n_batches: int, world: World) -> range:
    """This rank's batches of an epoch plan of `n_batches`: every W-th, the same count on every rank
    (the last n_batches % W are left out, a different few each epoch as the plan is reshuffled)."""
    per_rank = n_batches // world.size
    return range(world.rank, per_rank * world.size, world.size)


def agree_step(loss: float, stop: bool, world: World) -> tuple[float, bool]:
    """(mean loss over ranks, whether any rank wants to stop) - one small all-reduce per step. A
    non-finite loss on any rank makes the mean non-finite, so every rank skips the step together."""
    if not world.active:
        return loss, stop
    t = torch.tensor([loss, float(stop)], dtype=torch.float64, device=_collective_device())
    dist.all_reduce(t)
    return float(t[0]) / world.size, bool(t[1] > 0)


def _collective_device() -> torch.device:
    """NCCL reduces only tensors on the rank's GPU; gloo takes CPU tensors."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def broadcast_flag(flag: bool, world: World) -> bool:
    """Rank 0's decision, on every rank (e.g. early stopping after rank 0 validated)."""
    if not world.active:
        return flag
    t = torch.tensor([float(flag)], dtype=torch.float64, device=_collective_device())
    dist.broadcast(t, src=0)
    return bool(t[0] > 0)
