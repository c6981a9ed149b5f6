"""MMD through random Fourier features: cost independent of the real rows.

For a shift-invariant kernel k(x, y) = E_w cos(w.(x - y)) (Bochner), the
features

.. math::

    \\varphi(x) = D^{-1/2} [\\cos(W x), \\sin(W x)] \\in \\mathbb{R}^{2D}

have unit norm exactly and ``phi(x) . phi(y)`` is an unbiased estimate of
k(x, y) from D frequencies.  MMD^2 becomes the squared distance between mean
embeddings, ``||mu_real - mu_syn||^2``: the real rows enter once, through
``mu_real`` (one chunked pass, O(N D d)), and every optimisation step costs
O(M D d) whatever N is.  Unit norm bounds the sensitivity of ``mu_real`` to
one row, which is what a differentially private release needs.
"""

import math

import torch

from ._base import Discrepancy
from .mmd import check_mmd_options, resolve_bandwidth

# Projection entries (rows x frequencies) computed at once in the pass over
# the real data: 2^20 floats are 4 MB, reused from chunk to chunk (fresh
# 256 MB blocks made the pass twice as slow, allocation and page faults;
# 2^20 to 2^23 ran at the same speed).
_CHUNK_ENTRIES = 2**20


def _gaussian_frequencies(d, n, generator, like):
    return torch.randn(d, n, generator=generator, device=like.device, dtype=like.dtype)


def _laplacian_frequencies(d, n, generator, like):
    # exp(-||x - y|| / h) has a multivariate Cauchy spectral density:
    # a Gaussian vector divided by the absolute value of a Gaussian scalar.
    g = _gaussian_frequencies(d, n, generator, like)
    u = torch.randn(1, n, generator=generator, device=like.device, dtype=like.dtype)
    return g / u.abs().clamp_min(1e-6)


SPECTRAL_SAMPLERS = {
    "gaussian": _gaussian_frequencies,
    "laplacian": _laplacian_frequencies,
}
"""Kernel -> sampler of unit-bandwidth frequencies ``(d, n) -> (d, n)``."""


def random_frequencies(kernel, bandwidth, d, n_features, generator, like):
    """(d, D) frequencies; with several bandwidths each frequency takes one of
    them in turn, so the features estimate the average (mixture) kernel."""
    omega = SPECTRAL_SAMPLERS[kernel](d, n_features, generator, like)
    scales = bandwidth.reshape(-1)
    per_feature = scales[torch.arange(n_features, device=like.device) % len(scales)]
    return omega / per_feature[None, :]


def fourier_features(X, omega):
    """(n, d) x (d, D) -> (n, 2D) unit-norm features."""
    proj = X @ omega
    return torch.cat([proj.cos(), proj.sin()], dim=1) / math.sqrt(omega.shape[1])


def mean_embedding(X, w, omega):
    """Weighted mean of the features of X (n, d), in chunks of rows -> (2D,).

    Equal to ``w @ fourier_features(X, omega)`` without its (n, 2D) matrix:
    one (chunk, D) buffer is reused for the projections and their cosines and
    sines, which are reduced against w before the next chunk.
    """
    n, n_freq = X.shape[0], omega.shape[1]
    if torch.is_grad_enabled() and (X.requires_grad or omega.requires_grad):
        # In-place buffers cannot carry gradients; this path can.
        return w @ fourier_features(X, omega)
    step = max(1, min(n, _CHUNK_ENTRIES // n_freq))
    proj = X.new_empty(step, n_freq)  # (chunk, D)
    trig = X.new_empty(step, n_freq)
    cos_sum, sin_sum = X.new_zeros(n_freq), X.new_zeros(n_freq)  # (D,)
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        p, t, wb = proj[: rows.stop - start], trig[: rows.stop - start], w[rows]
        torch.matmul(X[rows], omega, out=p)
        cos_sum.addmv_(torch.cos(p, out=t).T, wb)
        sin_sum.addmv_(torch.sin(p, out=t).T, wb)
    return torch.cat([cos_sum, sin_sum]) / math.sqrt(n_freq)


class RandomFeatureMMD(Discrepancy):
    """MMD^2 estimated with ``n_features`` random Fourier frequencies.

    Parameters
    ----------
    kernel : {"gaussian", "laplacian"}, default="gaussian"
    bandwidth : "median", float, list of float or ("median", factors)
        As for :class:`~skdc.discrepancy.MMD`.
    n_features : int, default=1024
        Random frequencies D (the embedding has 2D coordinates).

    Notes
    -----
    Minibatches are never needed: the real data is summarised by its mean
    embedding once, in ``prepare``, and a ``batch`` passed to the call is
    ignored.

    Cost: the pass is O(N D d) once, each step O(m D d).  The exact MMD
    with ``batch_size="auto"`` also costs the same per step whatever N
    (2048 real rows per step), so random features save time mostly on
    classes of up to a few thousand rows (about half the exact fit's time
    at 1,000 rows per class) and cost more above 10^5 rows per class, where
    the pass dominates: 10^6 rows x 50 features took 13.6 CPU seconds in all
    at D=1024, 6.5 at D=256, 7.2 for the exact MMD (benchmarks/scale.py).
    Their gain at scale is elsewhere: an objective without minibatch noise,
    data read once (through dask too), and a bounded-sensitivity summary.
    """

    def __init__(self, kernel="gaussian", bandwidth="median", n_features=1024):
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.n_features = n_features

    def prepare(self, X, w, *, params=None, generator=None):
        if params is None:
            params = self.settings(X, generator)
        return {"params": params, "mean": mean_embedding(X, w, params["omega"])}

    def settings(self, X, generator=None):
        """Checked options resolved on the rows X (n, d): ``{"bandwidth":
        (k,), "omega": (d, D)}``, what ``prepare`` keeps in ``params``."""
        check_mmd_options(self.kernel, self.bandwidth)
        if self.kernel not in SPECTRAL_SAMPLERS:
            raise ValueError(
                f"Random features support the kernels {sorted(SPECTRAL_SAMPLERS)}, "
                f"not {self.kernel!r}; use the exact MMD for it."
            )
        if not isinstance(self.n_features, int) or self.n_features < 1:
            raise ValueError(
                f"n_features must be a positive integer, got {self.n_features!r}."
            )
        bandwidth = resolve_bandwidth(self.kernel, self.bandwidth, X, generator)
        omega = random_frequencies(
            self.kernel, bandwidth, X.shape[1], self.n_features, generator, X
        )
        return {"bandwidth": bandwidth, "omega": omega}

    # The real rows enter through ``state["mean"]`` only: the optimisation
    # loop draws no minibatches for this discrepancy.
    uses_batch = False

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        mean, omega = state["mean"], state["params"]["omega"]
        if mean.requires_grad or omega.requires_grad:
            # Differentiable in the real side too (rare): plain autograd.
            diff = mean - v @ fourier_features(Y, omega)
            return diff @ diff
        return _EmbeddingGap.apply(mean, Y, v, omega)


class _EmbeddingGap(torch.autograd.Function):
    """``||mean - v @ fourier_features(Y, omega)||^2``, differentiable in Y
    and v, with a hand-written backward.

    With P = Y omega (m, D), C = cos P, S = sin P, r = D^(-1/2) and the gaps
    g_c = mean[:D] - r v^T C, g_s = mean[D:] - r v^T S:

        dL/dP = 2 r v (g_c S - g_s C),   dL/dY = dL/dP omega^T,
        dL/dv = -2 r (C g_c + S g_s).

    Autograd would evaluate sin and cos again in the backward pass and keep
    a dozen intermediate nodes; on a 50-row class this halves the step.
    """

    @staticmethod
    def forward(ctx, mean, Y, v, omega):
        r = omega.shape[1] ** -0.5
        proj = Y @ omega  # (m, D)
        C, S = proj.cos(), proj.sin()
        n_freq = omega.shape[1]
        gap_c = mean[:n_freq] - r * (v @ C)  # (D,)
        gap_s = mean[n_freq:] - r * (v @ S)
        ctx.save_for_backward(C, S, v, omega, gap_c, gap_s)
        return gap_c @ gap_c + gap_s @ gap_s

    @staticmethod
    def backward(ctx, grad):
        C, S, v, omega, gap_c, gap_s = ctx.saved_tensors
        scale = 2 * omega.shape[1] ** -0.5 * grad
        grad_Y = grad_v = None
        if ctx.needs_input_grad[1]:
            grad_P = (S * gap_c - C * gap_s) * (scale * v)[:, None]  # (m, D)
            grad_Y = grad_P @ omega.T
        if ctx.needs_input_grad[2]:
            grad_v = -scale * (C @ gap_c + S @ gap_s)
        return None, grad_Y, grad_v, None
