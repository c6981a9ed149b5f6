"""Kernel herding: greedy selection of real rows that minimises the MMD.

Exported from :mod:`skdc.selection`, next to the other baselines that keep
real rows.
"""

import numbers

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._backend import as_tensor, make_generator, to_numpy
from ._base import _BaseReducer, group_result
from .discrepancy import MMD
from .discrepancy._base import params_to_numpy
from .discrepancy.mmd import (
    BANDWIDTH_RULES,
    _block_rows,
    check_mmd_options,
    resolve_bandwidth,
)
from .kernels import KERNELS

# Up to this many rows the mean embedding is exact (blockwise over all rows
# of the class); above, it is averaged over a weighted subsample of this many
# rows, so its cost grows linearly in the rows instead of quadratically.
_EXACT_ROWS = 4096
# Rows whose self-similarity k(x, x) is computed together: the kernels return
# Gram matrices, so each chunk costs a (chunk, chunk) block for its diagonal.
_DIAG_CHUNK = 64


def kernel_mean(kernel, X, R, r, bandwidth):
    """``K(X, R) r`` for X (n, d), R (k, d), r (k,): the kernel mean embedding
    of the weighted rows (R, r) evaluated at every row of X, blockwise over
    the rows of X so no (n, k) matrix larger than a block exists."""
    step = _block_rows(R.shape[0], bandwidth.numel())
    return torch.cat(
        [
            kernel(X[start : start + step], R, bandwidth) @ r  # (b,)
            for start in range(0, X.shape[0], step)
        ]
    )


def kernel_diagonal(kernel, X, bandwidth):
    """``k(x_i, x_i)`` for every row of X (n, d) -> (n,)."""
    return torch.cat(
        [
            kernel(X[s : s + _DIAG_CHUNK], X[s : s + _DIAG_CHUNK], bandwidth).diagonal()
            for s in range(0, X.shape[0], _DIAG_CHUNK)
        ]
    )


def herd(kernel, X, mean, candidates, m, bandwidth):
    """Pick m distinct rows of X (n, d), one at a time, each time the row that
    makes the equally weighted set closest in MMD to the data.

    With S the t rows picked so far, adding x gives the set S + {x} of t + 1
    rows, whose MMD^2 to the data is, up to terms that do not depend on x,

    .. math::

        \\frac{2}{t + 1} \\Big( \\frac{\\sum_{s \\in S} k(x, s)
            + k(x, x) / 2}{t + 1} - \\mu(x) \\Big),

    with ``mean`` the mean embedding mu (n,) of the data at every row.  This
    is Chen et al.'s herding step with the self term kept, which matters for
    kernels whose diagonal is not constant (linear).  ``candidates``
    (n,) bool marks the rows that may be picked.  Returns indices (m,) in the
    order they were picked.
    """
    n = X.shape[0]
    half_diagonal = 0.5 * kernel_diagonal(kernel, X, bandwidth)  # (n,)
    picked_sum = torch.zeros_like(mean)  # (n,) sum over S of k(x_i, s)
    open_ = candidates.clone()
    chosen = torch.empty(m, dtype=torch.long, device=X.device)
    for t in range(m):
        criterion = (picked_sum + half_diagonal) / (t + 1) - mean  # (n,)
        # Rows already picked, or outside the distribution, are never chosen.
        i = torch.where(open_, criterion, torch.inf).argmin()
        chosen[t] = i
        open_[i] = False
        picked_sum += kernel(X, X[i].reshape(1, -1), bandwidth).reshape(n)
    return chosen


class KernelHerding(_BaseReducer):
    """Kernel herding: a greedy subset of real rows with low MMD.

    For each class, rows are picked one at a time, each the row that makes
    the equally weighted subset closest to the class in maximum mean
    discrepancy (with ``sample_weight``, closest to the weighted class).  The
    result keeps real rows, like :class:`RandomSubset`, but spreads them over
    the class the way its kernel mean embedding asks for.

    Parameters
    ----------
    size : int or float, default=100
        Rows in total, or a fraction of the training rows.
    allocation : {"proportional", "balanced"} or dict, default="proportional"
    preprocessor : "auto", "standard", "quantile" or None, default="auto"
    missing : {"error", "impute"}, default="error"
        Mixed-type tables and missing values, as for
        :class:`~skdc.MMDCondenser`.
    kernel : {"gaussian", "laplacian", "imq", "energy", "linear"}, \
default="gaussian"
    bandwidth : "median", "multiscale", float or list of float, \
default="median"
        Kernel scale, as for :class:`~skdc.discrepancy.MMD`: the median
        pairwise distance within each class (``"multiscale"``: the kernels
        at 1/4, 1/2 and 1 times it, averaged), an absolute scale, or a list
        of scales whose kernels are averaged.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsamples of large classes: the median distance's (above
        1000 rows) and the mean embedding's (above 4096 rows).  Smaller
        classes give the same rows whatever the seed.

    Attributes
    ----------
    X_, y_, classes_, allocation_, n_features_in_
        As for :class:`~skdc.MMDCondenser`.
    sample_indices_ : ndarray of shape (size,)
        Rows of the training data that were kept, class by class in the order
        of ``classes_`` and, within a class, in the order herding picked
        them (the first k rows of a class are its k-row herding set).
    discrepancy_ : float
        MMD^2 to the training data with the herding kernel and bandwidth.

    See Also
    --------
    RandomSubset : real rows drawn at random.
    KMeansCentroids : per-class k-means centroids.
    skdc.MMDCondenser : moves synthetic rows to minimise the same MMD.

    Notes
    -----
    With :math:`\\mu(x) = \\sum_i w_i k(x, x_i)` the mean embedding of the
    class, the t-th row picked is

    .. math::

        s_t = \\arg\\min_{x \\notin S} \\frac{1}{t} \\Big(
            \\sum_{j < t} k(x, s_j) + \\tfrac12 k(x, x) \\Big) - \\mu(x),

    which minimises the MMD^2 of :math:`\\{s_1, \\dots, s_t\\}` given the
    rows already picked.  Rows are never picked twice, and rows with zero
    weight never.  A class of n rows costs O(n m d) for m picks plus the
    mean embedding: exact, O(n^2 d) in blocks of rows, up to 4096 rows;
    above that, mu is averaged over a ``sample_weight``-weighted subsample of
    4096 rows drawn with replacement, O(4096 n d).  No (n, n) matrix is
    built.

    A low MMD does not guarantee good models: herding reaches far lower MMD
    than k-means centroids, yet models trained on its rows can score worse.

    References
    ----------
    Chen, Welling & Smola, "Super-samples from kernel herding", UAI 2010.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc.selection import KernelHerding
    >>> X, y = load_iris(return_X_y=True)
    >>> herding = KernelHerding(size=6, random_state=0).fit(X, y)
    >>> bool((herding.X_ == X[herding.sample_indices_]).all())
    True
    >>> herding.sample_indices_.shape
    (6,)
    """

    _parameter_constraints: dict = {
        **_BaseReducer._parameter_constraints,
        "kernel": [StrOptions(set(KERNELS))],
        "bandwidth": [
            StrOptions(set(BANDWIDTH_RULES)),
            Interval(numbers.Real, 0, None, closed="neither"),
            list,
            tuple,
        ],
    }

    def __init__(
        self,
        *,
        size=100,
        allocation="proportional",
        preprocessor="auto",
        missing="error",
        kernel="gaussian",
        bandwidth="median",
        random_state=None,
    ):
        self.size = size
        self.allocation = allocation
        self.preprocessor = preprocessor
        self.missing = missing
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.random_state = random_state

    def _make_discrepancy(self):
        # Report the MMD herding minimised, with the bandwidth it used.
        return MMD(kernel=self.kernel, bandwidth=self.bandwidth)

    def _fit_group(self, X, w, m, seed):
        check_mmd_options(self.kernel, self.bandwidth)
        device = self._device()
        generator = make_generator(seed, device)
        Xt, wt = as_tensor(X, device), as_tensor(w, device)
        kernel = KERNELS[self.kernel]
        with torch.no_grad():
            bandwidth = resolve_bandwidth(self.kernel, self.bandwidth, Xt, generator)
            R, r = Xt, wt
            if Xt.shape[0] > _EXACT_ROWS:
                idx = torch.multinomial(
                    wt, _EXACT_ROWS, replacement=True, generator=generator
                )
                R, r = Xt[idx], torch.full_like(wt[:_EXACT_ROWS], 1.0 / _EXACT_ROWS)
            mean = kernel_mean(kernel, Xt, R, r, bandwidth)  # (n,)
            indices = to_numpy(herd(kernel, Xt, mean, wt > 0, m, bandwidth))
        return group_result(
            X[indices],
            indices=indices,
            params=params_to_numpy({"bandwidth": bandwidth}),
        )
