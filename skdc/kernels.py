"""Kernels between point clouds and the bandwidth heuristic.

Every kernel takes ``X`` of shape (n, d) and ``Y`` of shape (m, d) and returns
the (n, m) Gram matrix.  ``bandwidth`` is a tensor of one or more scales; with
several, the kernel is their average (a multi-scale mixture), which keeps a
non-zero gradient at every distance the scales cover.
"""

import torch

# Floor under squared distances: keeps sqrt differentiable at x == y.
_EPS = 1e-12


def sq_distances(X, Y):
    """Squared Euclidean distances, (n, d) x (m, d) -> (n, m)."""
    d2 = (
        (X * X).sum(1, keepdim=True)  # (n, 1)
        + (Y * Y).sum(1)[None, :]  # (1, m)
        - 2.0 * X @ Y.T  # (n, m)
    )
    return d2.clamp_min(0.0)


def _gaussian(X, Y, bandwidth):
    d2 = sq_distances(X, Y)[None]  # (1, n, m)
    h2 = bandwidth.reshape(-1, 1, 1) ** 2  # (k, 1, 1)
    return torch.exp(-d2 / (2.0 * h2)).mean(0)


def _laplacian(X, Y, bandwidth):
    d = sq_distances(X, Y).clamp_min(_EPS).sqrt()[None]
    return torch.exp(-d / bandwidth.reshape(-1, 1, 1)).mean(0)


def _inverse_multiquadric(X, Y, bandwidth):
    d2 = sq_distances(X, Y)[None]
    h2 = bandwidth.reshape(-1, 1, 1) ** 2
    return torch.rsqrt(1.0 + d2 / h2).mean(0)


def _energy(X, Y, bandwidth):
    # k(x, y) = -||x - y||: MMD^2 with this kernel is the energy distance.
    return -sq_distances(X, Y).clamp_min(_EPS).sqrt()


def _linear(X, Y, bandwidth):
    # MMD^2 with the linear kernel is the squared distance between means.
    return X @ Y.T


KERNELS = {
    "gaussian": _gaussian,
    "laplacian": _laplacian,
    "imq": _inverse_multiquadric,
    "energy": _energy,
    "linear": _linear,
}
"""Kernel name -> function ``(X, Y, bandwidth) -> (n, m)`` Gram matrix."""

# Kernels whose value does not depend on a bandwidth.
SCALE_FREE = frozenset({"energy", "linear"})


def median_distance(X, max_rows=1000, generator=None):
    """Median pairwise Euclidean distance of ``X`` (n, d), on at most
    ``max_rows`` rows drawn without replacement (the median heuristic)."""
    n = X.shape[0]
    if n > max_rows:
        idx = torch.randperm(n, generator=generator, device=X.device)[:max_rows]
        X = X[idx]
        n = max_rows
    d2 = sq_distances(X, X)
    iu = torch.triu_indices(n, n, offset=1, device=X.device)
    d = d2[iu[0], iu[1]].sqrt()
    median = d.median() if d.numel() else torch.zeros((), device=X.device)
    # Degenerate data (all rows equal): any positive scale is as good as another.
    return torch.where(median > 0, median, torch.ones_like(median))
