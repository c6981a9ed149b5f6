"""Discrepancies as plain functions: array-likes in, float out.

They run the same code as the objectives in :mod:`skdc.discrepancy`, in
float64 on the CPU, on all rows (the MMD real-real term is computed in
blocks, so memory stays linear, time quadratic in the rows of ``X``).

A DataFrame X with text, categorical, boolean or date columns is measured in an
encoding fitted on X (one-hot levels, standardised numbers; skdc's table
encoder with ``preprocessor="standard"``), and Y, a table with the same
columns such as a condensed set, goes through the same encoder.  Numeric
input is measured as it is.
"""

import numpy as np
import torch
from sklearn.utils import check_array

from ._backend import as_tensor, make_generator
from ._tabular import encode_pair
from .discrepancy import MMD, SinkhornDivergence, SlicedWasserstein, Wasserstein
from .discrepancy.mmd import weighted_gram_sum
from .kernels import KERNELS


def _evaluate(discrepancy, X, Y, seed=0, weights=None):
    X, Y = encode_pair(X, Y)
    X = check_array(X, dtype=np.float64, input_name="X")
    Y = check_array(Y, dtype=np.float64, input_name="Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of columns, got {X.shape[1]} "
            f"and {Y.shape[1]}."
        )
    cpu = torch.device("cpu")
    generator = make_generator(seed, cpu)
    with torch.no_grad():
        Xt, Yt = as_tensor(X, cpu, torch.float64), as_tensor(Y, cpu, torch.float64)
        wt = torch.full((len(X),), 1 / len(X), dtype=torch.float64)
        if weights is None:
            vt = torch.full((len(Y),), 1 / len(Y), dtype=torch.float64)
        else:
            v = np.asarray(weights, dtype=np.float64)
            if v.shape != (len(Y),) or (v < 0).any() or v.sum() <= 0:
                raise ValueError(
                    f"weights must be {len(Y)} non-negative numbers with a "
                    "positive sum, one per row of Y."
                )
            vt = torch.as_tensor(v / v.sum())
        state = discrepancy.prepare(Xt, wt, generator=generator)
        if isinstance(discrepancy, MMD):
            # Exact on all rows: the optimiser's subsampled constant is not.
            kernel = KERNELS[discrepancy.kernel]
            bandwidth = state["params"]["bandwidth"]
            state["xx"] = weighted_gram_sum(kernel, Xt, wt, Xt, wt, bandwidth)
        return float(discrepancy(state, Yt, vt, generator=generator))


def mmd(X, Y, *, kernel="gaussian", bandwidth="median", squared=True, weights=None):
    """Maximum mean discrepancy between the rows of X and of Y.

    Parameters
    ----------
    X, Y : array-like or DataFrame of shape (n, d) and (m, d)
        Tables with text columns are encoded first (see the module's notes;
        the same for every function here).
    kernel : {"gaussian", "laplacian", "imq", "energy", "linear"}, default="gaussian"
    bandwidth : "median", "multiscale", float or list of float, \
default="median"
        ``"median"`` is the median pairwise distance within X;
        ``"multiscale"`` averages the kernels at 1/4, 1/2 and 1 times it.
    squared : bool, default=True
        Return MMD^2 (the V-statistic); False returns its square root.
    weights : array-like of shape (m,), default=None
        Weights of the rows of Y, e.g. a condenser's ``sample_weight_``;
        None weighs them equally.  The rows of X always weigh equally.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from skdc.metrics import mmd
    >>> X = np.array([[0.0], [2.0]])
    >>> mmd(X, [[1.0]], kernel="linear")  # squared distance between the means
    0.0
    >>> mmd(X, [[3.0]], kernel="linear")
    4.0
    >>> mmd(X, [[0.0], [4.0]], kernel="linear", weights=[3, 1])
    0.0
    """
    # Rounding can leave a tiny negative value where the true one is >= 0.
    discrepancy = MMD(kernel=kernel, bandwidth=bandwidth)
    value = max(_evaluate(discrepancy, X, Y, weights=weights), 0.0)
    return value if squared else float(np.sqrt(value))


def wasserstein(X, Y, *, p=2, method="exact", n_projections=256, seed=0):
    """p-Wasserstein distance W_p between the rows of X and of Y.

    ``method="sliced"`` returns the sliced distance over ``n_projections``
    random directions drawn from ``seed``.

    Examples
    --------
    >>> from skdc.metrics import wasserstein
    >>> round(wasserstein([[0.0], [1.0]], [[2.0], [3.0]]), 6)
    2.0
    """
    if method == "exact":
        discrepancy = Wasserstein(p=p)
    elif method == "sliced":
        discrepancy = SlicedWasserstein(n_projections=n_projections, p=p)
    else:
        raise ValueError(f"Unknown method {method!r}; use 'exact' or 'sliced'.")
    return _evaluate(discrepancy, X, Y, seed=seed) ** (1.0 / p)


def sinkhorn_divergence(X, Y, *, reg=0.05, p=2):
    """Debiased Sinkhorn divergence between the rows of X and of Y.

    ``reg`` is relative to the mean cost ``||x - x'||^p`` within X.  Each
    entropic problem is solved to marginals within 1e-9 or 1000 iterations;
    at small ``reg`` the cross term converges slowly (Sinkhorn's rate
    degrades as exp(-cost / reg)), which bounds the precision of the value.

    Examples
    --------
    >>> from skdc.metrics import sinkhorn_divergence
    >>> X = [[0.0], [1.0], [2.0]]
    >>> abs(sinkhorn_divergence(X, X)) < 1e-6
    True
    """
    # A measurement, solved cold: marginals to 1e-9 (float64).
    return _evaluate(SinkhornDivergence(reg=reg, p=p, tol=1e-9), X, Y)
