"""Building modules whose weights are set right after: random initial fills are skipped.

Opening a checkpoint (and the Learn page's fixed toy) builds a module only to overwrite its weights.
Drawing those initial weights would move torch's global random generator, from whichever server thread
opens a model, and costs time for large embeddings. Under `no_random_init()` nn.init's random fills and
the tensor methods beneath them return their tensor untouched. A torch function mode is thread-local,
so models built in other threads meanwhile (training in the same process) draw as usual.
"""
from torch.overrides import TorchFunctionMode

FILLS = frozenset({"normal_", "uniform_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
                   "xavier_normal_", "orthogonal_", "sparse_", "exponential_", "random_", "bernoulli_", "cauchy_",
                   "log_normal_", "geometric_"})


class _NoRandomInit(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in FILLS:
            return args[0] if args else kwargs["tensor"]  # nn.init's functions pass it by keyword
        return func(*args, **(kwargs or {}))


def no_random_init() -> TorchFunctionMode:
    """A context manager: modules built inside keep uninitialised weights instead of random ones."""
    return _NoRandomInit()
