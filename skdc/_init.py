"""Starting points of the synthetic set, one function per ``init`` option."""

import warnings

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning

# Above this many rows, k-means runs in minibatches.
MINIBATCH_ROWS = 10_000
# A k-means start reads at most this many rows of a class (drawn by weight):
# it is only where the optimisation starts, so its cost stays bounded on
# millions of rows while every class of the quality suite is used whole.
START_ROWS = 32_768


def _random_real(X, w, m, rng):
    idx = rng.choice(X.shape[0], size=m, replace=False, p=w)
    return X[idx]


def _kmeanspp(X, w, m, rng):
    centers, _ = kmeans_plusplus(X, m, sample_weight=w, random_state=rng)
    return centers


def _noise(X, w, m, rng):
    mean = w @ X
    std = np.sqrt(np.maximum(w @ (X - mean) ** 2, 0.0))
    return mean + std * rng.standard_normal((m, X.shape[1]))


def kmeans_centers(X, w, m, rng):
    """Weighted k-means centroids; minibatch k-means on large inputs."""
    seed = rng.randint(np.iinfo(np.int32).max)
    if X.shape[0] > MINIBATCH_ROWS:
        model = MiniBatchKMeans(m, n_init=3, batch_size=2048, random_state=seed)
    else:
        model = KMeans(m, n_init=3, random_state=seed)
    return model.fit(X, sample_weight=w).cluster_centers_


def _kmeans_start(X, w, m, rng):
    """k-means centroids as starting rows, on at most ``START_ROWS`` rows
    (or four per centroid)."""
    n = max(START_ROWS, 4 * m)
    if X.shape[0] > n:
        idx = rng.choice(X.shape[0], size=n, replace=True, p=w)
        X, w = X[idx], np.full(n, 1.0 / n)
    with warnings.catch_warnings():
        # Fewer distinct rows than centroids only duplicates a start.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return kmeans_centers(X, w, m, rng)


INITS = {
    "random_real": _random_real,
    "kmeans++": _kmeanspp,
    "kmeans": _kmeans_start,
    "noise": _noise,
}
"""``init`` name -> function ``(X (n, d), w (n,), m, rng) -> (m, d)``."""
