"""Baselines that pick or cluster real rows, with the condensers' API.

A condenser is only worth its cost if it beats these: a stratified random
subset (real rows, no optimisation) and per-class k-means centroids.
:class:`KernelHerding`, defined in ``skdc/_herding.py``, is a third: real rows
picked greedily for a low MMD.
"""

import numbers

import numpy as np

from ._base import _BaseReducer, group_result
from ._herding import KernelHerding
from ._init import kmeans_centers


class RandomSubset(_BaseReducer):
    """Stratified random subset of real rows.

    Each class keeps its allocated number of rows, drawn without replacement
    (with probability proportional to ``sample_weight`` when given).

    Parameters
    ----------
    size : int or float, default=100
        Rows in total, or a fraction of the training rows.
    allocation : {"proportional", "balanced"} or dict, default="proportional"
    preprocessor : "auto", "standard", "quantile" or None, default="auto"
    missing : {"error", "impute"}, default="error"
        Mixed-type tables and missing values, as for
        :class:`~skdc.MMDCondenser`.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    X_, y_, classes_, allocation_, n_features_in_, discrepancy_
        As for :class:`~skdc.MMDCondenser`; ``discrepancy_`` is the Gaussian
        MMD^2 at the median bandwidth.
    sample_indices_ : ndarray of shape (size,)
        Rows of the training data that were kept.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc.selection import RandomSubset
    >>> X, y = load_iris(return_X_y=True)
    >>> subset = RandomSubset(size=6, random_state=0).fit(X, y)
    >>> bool((subset.X_ == X[subset.sample_indices_]).all())
    True
    """

    def __init__(
        self,
        *,
        size=100,
        allocation="proportional",
        preprocessor="auto",
        missing="error",
        random_state=None,
    ):
        self.size = size
        self.allocation = allocation
        self.preprocessor = preprocessor
        self.missing = missing
        self.random_state = random_state

    def _fit_group(self, X, w, m, seed):
        rng = np.random.RandomState(seed)
        indices = np.sort(rng.choice(X.shape[0], size=m, replace=False, p=w))
        return group_result(X[indices], indices=indices)


class KMeansCentroids(_BaseReducer):
    """Per-class k-means centroids (MiniBatchKMeans above 10,000 rows).

    Parameters
    ----------
    size : int or float, default=100
    allocation : {"proportional", "balanced"} or dict, default="proportional"
    preprocessor : "auto", "standard", "quantile" or None, default="auto"
    missing : {"error", "impute"}, default="error"
        Mixed-type tables and missing values, as for
        :class:`~skdc.MMDCondenser`.
    n_jobs : int, default=None
        Classes clustered in parallel.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    X_, y_, classes_, allocation_, n_features_in_, discrepancy_
        As for :class:`~skdc.MMDCondenser`.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc.selection import KMeansCentroids
    >>> X, y = load_iris(return_X_y=True)
    >>> KMeansCentroids(size=9, random_state=0).fit(X, y).X_.shape
    (9, 4)
    """

    _parameter_constraints: dict = {
        **_BaseReducer._parameter_constraints,
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        *,
        size=100,
        allocation="proportional",
        preprocessor="auto",
        missing="error",
        n_jobs=None,
        random_state=None,
    ):
        self.size = size
        self.allocation = allocation
        self.preprocessor = preprocessor
        self.missing = missing
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit_group(self, X, w, m, seed):
        return group_result(kmeans_centers(X, w, m, np.random.RandomState(seed)))


__all__ = ["KMeansCentroids", "KernelHerding", "RandomSubset"]
