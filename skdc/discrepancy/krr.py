"""Kernel-ridge performance matching: the objective of KIP.

Rows are ``[features | targets]``: the last ``n_targets`` columns are the
targets (one-hot labels for classification).  A kernel ridge regressor is fit
on the synthetic rows and scored on the real rows:

.. math::

    L(S) = \\sum_i w_i \\lVert K_{rS} (K_{SS} + \\lambda I)^{-1} Y_S
           - y_i \\rVert^2,

so the synthetic set is good exactly when a model trained on it predicts the
real data well.  Unlike a distribution distance it couples the classes, and
the synthetic targets can be learned too (soft labels).
"""

import numbers

import torch

from ..kernels import KERNELS, relu_ntk
from ._base import Discrepancy, real_batch
from .mmd import resolve_bandwidth


def krr_predict(kernel, X_train, Y_train, X_test, ridge, weights=None):
    """Kernel ridge predictions for X_test (n, d) from X_train (m, d) and
    Y_train (m, k).

    ``ridge`` is relative to the mean of the kernel's diagonal on X_train, so
    one value suits every kernel scale; row weights (m,) with mean 1 divide
    it per row (heavier rows are fit more closely).
    """
    K_ss = kernel(X_train, X_train)  # (m, m)
    lam = ridge * torch.diagonal(K_ss).mean().detach()
    reg = (lam if weights is None else lam / weights).expand(K_ss.shape[0])
    alpha = torch.linalg.solve(K_ss + torch.diag(reg), Y_train)  # (m, k)
    return kernel(X_test, X_train) @ alpha  # (n, k)


class KernelRidgeMatching(Discrepancy):
    """Weighted squared error of kernel ridge regression trained on the
    synthetic rows and evaluated on the real ones.

    Parameters
    ----------
    n_targets : int
        Trailing columns that are targets.
    kernel : {"gaussian", "ntk"}, default="gaussian"
        Gaussian (median bandwidth of the real features), or the neural
        tangent kernel of an infinitely wide ReLU MLP.
    depth : int, default=1
        Hidden layers of the NTK's network.
    ridge : float, default=1e-2
        Regularisation relative to the mean of the kernel's diagonal on the
        synthetic rows; learned synthetic weights divide it per row.
    """

    def __init__(self, n_targets, kernel="gaussian", depth=1, ridge=1e-2):
        self.n_targets = n_targets
        self.kernel = kernel
        self.depth = depth
        self.ridge = ridge

    def _check(self):
        if self.kernel not in ("gaussian", "ntk"):
            raise ValueError(
                f"Unknown kernel {self.kernel!r} for kernel ridge matching; use "
                "'gaussian' or 'ntk'."
            )
        if not isinstance(self.ridge, numbers.Real) or not self.ridge > 0:
            raise ValueError(f"ridge must be a positive number, got {self.ridge!r}.")

    def _kernel(self, params):
        if self.kernel == "ntk":
            return lambda A, B: relu_ntk(A, B, depth=self.depth)
        bandwidth = params["bandwidth"]
        return lambda A, B: KERNELS["gaussian"](A, B, bandwidth)

    def prepare(self, X, w, *, params=None, generator=None):
        self._check()
        if params is None:
            features = X[:, : X.shape[1] - self.n_targets]
            bandwidth = resolve_bandwidth(
                "gaussian" if self.kernel == "gaussian" else "linear",
                "median",
                features,
                generator,
            )
            params = {"bandwidth": bandwidth}
        return {"params": params, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        X, w = real_batch(state, batch)
        k = self.n_targets
        kernel = self._kernel(state["params"])
        Y_x, Y_t = Y[:, :-k], Y[:, -k:]  # (m, d), (m, k)
        pred = krr_predict(kernel, Y_x, Y_t, X[:, :-k], self.ridge, v * len(v))
        return w @ ((pred - X[:, -k:]) ** 2).sum(1)
