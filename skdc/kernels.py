"""Kernels between point clouds and the bandwidth heuristic.

Every kernel takes ``X`` of shape (n, d) and ``Y`` of shape (m, d) and returns
the (n, m) Gram matrix.  ``bandwidth`` is a tensor of one or more scales; with
several, the kernel is their average (a multi-scale mixture), which keeps a
non-zero gradient at every distance the scales cover.
"""

import torch

from . import _floats

# Floor under squared distances: keeps sqrt differentiable at x == y.
_EPS = 1e-12


def sq_distances(X, Y):
    """Squared Euclidean distances, (n, d) x (m, d) -> (n, m); leading
    group axes are kept, (K, n, d) x (K, m, d) -> (K, n, m)."""
    norms = (X * X).sum(-1)[..., :, None] + (Y * Y).sum(-1)[..., None, :]
    if torch.is_grad_enabled() and (X.requires_grad or Y.requires_grad):
        return (norms - 2.0 * X @ Y.transpose(-1, -2)).clamp_min(0.0)
    # Without a graph the same operations run in place: the same bits, two
    # (n, m) buffers where five were allocated (and paged in) per call.
    cross = (X @ Y.transpose(-1, -2)).mul_(2.0)
    return norms.sub_(cross).clamp_min_(0.0)


def _per_scale(d, bandwidth):
    """Distances (..., n, m) -> (..., 1, n, m) and the scales (..., k) ->
    (..., k, 1, 1), to average a kernel over its k scales on axis -3."""
    return d.unsqueeze(-3), bandwidth[..., None, None]


def _gaussian(X, Y, bandwidth):
    d2, h = _per_scale(sq_distances(X, Y), bandwidth)
    return _floats.exp(-d2 / (2.0 * h**2)).mean(-3)


def _laplacian(X, Y, bandwidth):
    d, h = _per_scale(sq_distances(X, Y).clamp_min(_EPS).sqrt(), bandwidth)
    return _floats.exp(-d / h).mean(-3)


def _inverse_multiquadric(X, Y, bandwidth):
    d2, h = _per_scale(sq_distances(X, Y), bandwidth)
    return torch.rsqrt(1.0 + d2 / h**2).mean(-3)


def _energy(X, Y, bandwidth):
    # k(x, y) = -||x - y||: MMD^2 with this kernel is the energy distance.
    return -sq_distances(X, Y).clamp_min(_EPS).sqrt()


def _linear(X, Y, bandwidth):
    # MMD^2 with the linear kernel is the squared distance between means.
    return X @ Y.transpose(-1, -2)


KERNELS = {
    "gaussian": _gaussian,
    "laplacian": _laplacian,
    "imq": _inverse_multiquadric,
    "energy": _energy,
    "linear": _linear,
}
"""Kernel name -> function ``(X, Y, bandwidth) -> (n, m)`` Gram matrix; with
X (K, n, d), Y (K, m, d) and bandwidth (K, k), K Gram matrices (K, n, m)."""

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


def relu_ntk(X, Y, depth=1):
    """Neural tangent kernel of an infinitely wide ReLU MLP with ``depth``
    hidden layers (He scaling, a bias input), (n, d) x (m, d) -> (n, m).

    The arc-cosine recursion of Cho & Saul (2009) and Jacot et al. (2018):
    with sigma_0 = x.y + 1 and the angle t_l between x and y at layer l,

        sigma_l   = |x|_l |y|_l (sin t_l + (pi - t_l) cos t_l) / pi
        dsigma_l  = (pi - t_l) / pi
        theta_l   = theta_{l-1} dsigma_l + sigma_l,   theta_0 = sigma_0,

    where He scaling keeps the diagonal: |x|_l^2 = |x|^2 + 1 at every layer.
    """
    nx = (X * X).sum(1) + 1.0  # (n,) diagonal, constant through the layers
    ny = (Y * Y).sum(1) + 1.0  # (m,)
    norm = (nx[:, None] * ny[None, :]).sqrt()  # (n, m)
    sigma = X @ Y.T + 1.0
    theta = sigma
    for _ in range(depth):
        # Clamp strictly inside [-1, 1]: acos has an infinite slope at +-1.
        cos = (sigma / norm).clamp(-1.0 + 1e-6, 1.0 - 1e-6)
        angle = torch.acos(cos)
        sigma = norm * (torch.sin(angle) + (torch.pi - angle) * cos) / torch.pi
        theta = theta * (torch.pi - angle) / torch.pi + sigma
    return theta
