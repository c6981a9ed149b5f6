"""Maximum mean discrepancy with a characteristic (or linear) kernel.

.. math::

    \\mathrm{MMD}^2(P, Q) = \\mathbb{E}\\,k(x, x') - 2\\,\\mathbb{E}\\,k(x, y)
                          + \\mathbb{E}\\,k(y, y')

with x, x' ~ P (real rows, weights w) and y, y' ~ Q (synthetic rows, weights v).
Only (block, m) slices of the real-synthetic Gram matrix are ever built; the
real-real term is a constant of the optimisation, computed blockwise without
gradients and cached when the whole class is used.
"""

import math
import numbers

import torch

from ..kernels import KERNELS, SCALE_FREE, median_distance
from ._base import Discrepancy, real_batch

# Entries of one Gram-matrix block (1 MB in float32).  A kernel makes
# several temporaries per block: 2^22-entry blocks peaked near 100 MB on the
# 4096-row real-real term and ran slower (out of cache) than these.
_BLOCK_ENTRIES = 2**18
# Rows beyond which the constant real-real term is estimated on a subsample.
_XX_ROWS = 4096
# Named bandwidth rules: multiples of the median distance between real rows.
# Scales below the median keep a gradient between near rows, where one
# median-wide kernel is flat.
BANDWIDTH_RULES = {"median": (1.0,), "multiscale": (0.25, 0.5, 1.0)}


def _block_rows(n_cols, n_scales):
    return max(1, _BLOCK_ENTRIES // max(1, n_cols * n_scales))


def weighted_gram_sum(kernel, X, w, Y, v, bandwidth):
    """``w^T K(X, Y) v`` for X (n, d), w (n,), Y (m, d), v (m,), blockwise
    over the rows of X so no (n, m) matrix larger than a block exists.
    Leading group axes are kept: X (K, n, d) ... gives K sums."""
    step = _block_rows(Y.shape[-2], bandwidth.numel())
    total = X.new_zeros(X.shape[:-2])
    for start in range(0, X.shape[-2], step):
        block = kernel(X[..., start : start + step, :], Y, bandwidth)  # (b, m)
        total = total + _quadratic_form(w[..., start : start + step], block, v)
    return total


def _quadratic_form(a, K, b):
    """``a^T K b`` over the last axes, kept apart for each group."""
    return torch.einsum("...i,...ij,...j->...", a, K, b)


def mmd2(kernel, X, w, Y, v, bandwidth, xx=None):
    """Weighted (V-statistic) MMD^2 between (X, w) and (Y, v); ``xx`` is the
    real-real term when already known.  With a leading group axis on every
    argument, the K groups' values."""
    if xx is None:
        with torch.no_grad():
            xx = weighted_gram_sum(kernel, X, w, X, w, bandwidth)
    xy = weighted_gram_sum(kernel, X, w, Y, v, bandwidth)
    yy = _quadratic_form(v, kernel(Y, Y, bandwidth), v)
    return xx - 2.0 * xy + yy


class MMD(Discrepancy):
    """Squared maximum mean discrepancy.

    Parameters
    ----------
    kernel : {"gaussian", "laplacian", "imq", "energy", "linear"}, default="gaussian"
        ``"energy"`` (k = -||x - y||) makes MMD^2 the energy distance;
        ``"linear"`` makes it the squared distance between the means.
    bandwidth : "median", "multiscale", float or list of float, \
default="median"
        Kernel scale.  ``"median"`` is the median pairwise distance of the
        real rows (per class); ``"multiscale"`` averages the kernels at
        1/4, 1/2 and 1 times it; floats are absolute scales, and a list
        averages the kernels at each scale.  Other multiples of the median
        are written ``bandwidth=("median", [0.5, 1, 2])``.  Ignored by the
        scale-free kernels (energy, linear).
    """

    def __init__(self, kernel="gaussian", bandwidth="median"):
        self.kernel = kernel
        self.bandwidth = bandwidth

    def prepare(self, X, w, *, params=None, generator=None):
        check_mmd_options(self.kernel, self.bandwidth)
        if params is None:
            params = {
                "bandwidth": resolve_bandwidth(
                    self.kernel, self.bandwidth, X, generator
                )
            }
        return {"params": params, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        if self.kernel == "linear":
            # Closed form, ||w^T X - v^T Y||^2: O((n + m) d), no Gram matrix.
            X, w = real_batch(state, batch)
            diff = _mean(w, X) - _mean(v, Y)  # (d,)
            return (diff * diff).sum(-1)
        xx = self._cached_real_term(state, generator)
        X, w = real_batch(state, batch)
        # The real-real term is a constant of the optimisation: minibatches
        # reuse the whole class's value instead of paying O(batch^2) per step.
        bandwidth = state["params"]["bandwidth"]
        return mmd2(KERNELS[self.kernel], X, w, Y, v, bandwidth, xx=xx)

    def _cached_real_term(self, state, generator):
        """The state's real-real term ``w^T K(X, X) w``, computed on first
        use and kept in the state."""
        if "xx" not in state:
            bandwidth = state["params"]["bandwidth"]
            state["xx"] = _real_term(
                KERNELS[self.kernel], state["X"], state["w"], bandwidth, generator
            )
        return state["xx"]

    # Synthetic numbers (rows x columns) per group up to which the base class
    # stacks groups (see skdc._base._STACK_ENTRIES).  Exact Gaussian MMD,
    # one CPU thread, stacked time / looped time: digits' 10 classes of
    # about 126 rows at 10 x 64 numbers a class 0.26, 50 x 64 0.32,
    # 100 x 64 0.57, 150 x 64 1.1; 10 classes of 1,500 rows at 100 x 30
    # 0.84, 200 x 30 0.88.
    stack_entries = 2**13

    def stack_states(self, states):
        """One state for several groups' states: the real rows padded to the
        largest group with rows of weight zero, and a leading group axis on
        every tensor; a call with Y (K, m, d) and v (K, m) returns the K
        groups' losses.  For groups matched on all their rows (no
        minibatches), where one step for all of them saves the per-step
        overhead that dominates small classes."""
        n = max(state["X"].shape[0] for state in states)
        X = torch.stack([_pad_rows(state["X"], n) for state in states])
        w = torch.stack([_pad_rows(state["w"], n) for state in states])
        stacked = {
            "params": {
                "bandwidth": torch.stack([s["params"]["bandwidth"] for s in states])
            },
            "X": X,
            "w": w,
        }
        if self.kernel != "linear":
            terms = [self._cached_real_term(state, None) for state in states]
            stacked["xx"] = torch.stack(terms)
        return stacked


def _mean(w, X):
    """``w^T X`` over the rows, (K, n) x (K, n, d) -> (K, d) or unbatched."""
    return (w[..., :, None] * X).sum(-2)


def _pad_rows(A, n):
    """A (rows, ...) padded with zeros to n rows."""
    pad = A.new_zeros((n - A.shape[0], *A.shape[1:]))
    return torch.cat([A, pad])


def _real_term(kernel, X, w, bandwidth, generator):
    """``w^T K(X, X) w``, exact up to ``_XX_ROWS`` rows, else estimated on a
    weighted subsample of that many rows."""
    with torch.no_grad():
        if X.shape[0] > _XX_ROWS:
            idx = torch.multinomial(w, _XX_ROWS, replacement=True, generator=generator)
            X = X[idx]
            w = torch.full((_XX_ROWS,), 1.0 / _XX_ROWS, dtype=X.dtype, device=X.device)
        return weighted_gram_sum(kernel, X, w, X, w, bandwidth)


def resolve_bandwidth(kernel, bandwidth, X, generator):
    """The ``bandwidth`` option -> tensor of scales (k,) for the rows X."""
    if kernel in SCALE_FREE:
        return X.new_ones(1)
    if isinstance(bandwidth, str):  # a rule, checked by check_mmd_options
        bandwidth = ("median", BANDWIDTH_RULES[bandwidth])
    if _is_median_multiple(bandwidth):
        factors = torch.as_tensor(bandwidth[1], dtype=X.dtype, device=X.device)
        return median_distance(X, generator=generator) * factors.reshape(-1)
    return torch.as_tensor(bandwidth, dtype=X.dtype, device=X.device).reshape(-1)


def _is_median_multiple(bandwidth):
    """``("median", factors)``: multiples of the median distance."""
    return (
        isinstance(bandwidth, tuple)
        and len(bandwidth) == 2
        and bandwidth[0] == "median"
    )


def check_mmd_options(kernel, bandwidth):
    """Raise a clear error for an unknown kernel or a non-positive bandwidth."""
    if kernel not in KERNELS:
        raise ValueError(f"Unknown kernel {kernel!r}; choose one of {sorted(KERNELS)}.")
    if isinstance(bandwidth, str):
        if bandwidth not in BANDWIDTH_RULES:
            raise ValueError(
                f"Unknown bandwidth rule {bandwidth!r}; use 'median', "
                "'multiscale', a positive number or a list of positive numbers."
            )
        return
    values = bandwidth[1] if _is_median_multiple(bandwidth) else bandwidth
    values = [values] if isinstance(values, numbers.Real) else list(values)
    if not values or any(
        not isinstance(b, numbers.Real) or not 0 < b < math.inf for b in values
    ):
        raise ValueError(
            f"bandwidth must be 'median', 'multiscale', a positive number or a "
            f"list of positive numbers, got {bandwidth!r}."
        )
