"""Device, dtype and random-number plumbing shared by every module.

One place decides where tensors live, so estimators never scatter
``.to(device)`` calls and fitted attributes stay NumPy on the CPU.
"""

from contextlib import contextmanager

import numpy as np
import torch

DTYPE = torch.float32


def resolve_device(device):
    """Turn the ``device`` parameter into a :class:`torch.device`."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device='cuda' was requested but PyTorch sees no CUDA device; "
            "use device='auto' or device='cpu'."
        )
    return torch.device(device)


def as_tensor(array, device, dtype=DTYPE):
    """NumPy array (or None) -> tensor on ``device``."""
    if array is None:
        return None
    return torch.as_tensor(np.asarray(array), dtype=dtype, device=device)


def to_numpy(tensor, dtype=None):
    """Tensor -> NumPy array on the CPU, detached from any graph."""
    array = tensor.detach().cpu().numpy()
    return array if dtype is None else array.astype(dtype, copy=False)


def make_generator(seed, device):
    """A local torch generator: results never depend on global torch state."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


@contextmanager
def torch_threads(n):
    """Run the block with ``n`` torch CPU threads (None: leave as is).

    Small problems run faster on one thread: their per-step work is too short
    for OpenMP to amortise its synchronisation, and on a busy machine
    spinning threads make them many times slower (measured 4-100x on 2
    cores).  The setting is process-wide, so it is restored afterwards.
    """
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
