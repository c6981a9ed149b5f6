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

# Rows embedded at once during the pass over the real data.
_CHUNK = 65_536


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
    """Weighted mean of the features of X (n, d), in chunks of rows -> (2D,)."""
    total = X.new_zeros(2 * omega.shape[1])
    for start in range(0, X.shape[0], _CHUNK):
        block = fourier_features(X[start : start + _CHUNK], omega)
        total = total + w[start : start + _CHUNK] @ block
    return total


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
    """

    def __init__(self, kernel="gaussian", bandwidth="median", n_features=1024):
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.n_features = n_features

    def prepare(self, X, w, *, params=None, generator=None):
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
        if params is None:
            bandwidth = resolve_bandwidth(self.kernel, self.bandwidth, X, generator)
            omega = random_frequencies(
                self.kernel, bandwidth, X.shape[1], self.n_features, generator, X
            )
            params = {"bandwidth": bandwidth, "omega": omega}
        return {"params": params, "mean": mean_embedding(X, w, params["omega"])}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        diff = state["mean"] - v @ fourier_features(Y, state["params"]["omega"])
        return diff @ diff
