"""Random numbers drawn once and handed out as slices at random offsets.

On CPU, drawing fresh random tensors for every training step costs more than the layers that use
them: a Bernoulli dropout mask was a third of a SASRec step, and Gumbel noise for hard attention
(`exponential_` over batch x positions x candidates x history) was 41% of a target-hard step
(16 ms per draw of 775K cells, against 0.5 ms for the softmax beside it). A slice of a pool at
least twice the request, at an offset drawn from torch's seeded generator, keeps every element's
distribution exact and the values varied from step to step, for the cost of one random integer.
"""
from collections.abc import Callable

import torch

POOL_SIZE = 1 << 22


class RandomPool:
    """`take(like)` returns a tensor shaped like `like` (same device and dtype) of draws from `draw`.

    draw(n, device) -> (n,) float tensor: n independent draws of the wanted distribution.
    """

    def __init__(self, draw: Callable[[int, torch.device], torch.Tensor], size: int = POOL_SIZE):
        self.draw, self.size, self._pool = draw, size, None

    def take(self, like: torch.Tensor) -> torch.Tensor:
        n = like.numel()
        pool = self._pool
        if pool is None or pool.device != like.device or pool.dtype != like.dtype or len(pool) < 2 * n:
            pool = self._pool = self.draw(max(self.size, 2 * n), like.device).to(like.dtype)
        start = int(torch.randint(0, len(pool) - n + 1, (1,)))
        return pool[start:start + n].view_as(like)
