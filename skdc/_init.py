"""Starting points of the synthetic set, one function per ``init`` option."""

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

# Above this many rows, k-means runs in minibatches.
MINIBATCH_ROWS = 10_000


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


INITS = {
    "random_real": _random_real,
    "kmeans++": _kmeanspp,
    "kmeans": kmeans_centers,
    "noise": _noise,
}
"""``init`` name -> function ``(X (n, d), w (n,), m, rng) -> (m, d)``."""
