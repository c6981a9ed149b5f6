"""Distributionally robust discrepancy: the worst case over perturbed real rows.

.. math::

    D_\\varepsilon(P, Q) = \\max_{\\|\\delta_i\\| \\le \\varepsilon}
        D\\big(\\textstyle\\sum_i w_i\\, \\delta_{x_i + \\delta_i},\\; Q\\big)

Every real row may move anywhere in its ball of radius epsilon (L2 or
L-infinity); the synthetic set then matches the least favourable of these
distributions, the inner problem of adversarial training written as a
distributionally robust objective (a Wasserstein-infinity ball around the
data).  The inner maximum is found by projected gradient ascent on the
perturbations, detached from the outer graph, so the outer gradient in the
synthetic rows is that of ``D`` at the perturbed rows (Danskin's theorem).
"""

import numbers

import torch

from ._base import Discrepancy, Scaled, Sum, real_batch
from .gradient import GradientMatching
from .krr import KernelRidgeMatching
from .mapped import FeatureMapped


def _project_l2(delta, epsilon):
    # Row-wise projection onto the L2 ball of radius epsilon.
    norms = delta.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (n, 1)
    return delta * (epsilon / norms).clamp(max=1.0)


def _project_linf(delta, epsilon):
    return delta.clamp(-epsilon, epsilon)


def _ascent_l2(grad):
    # The steepest-ascent direction of unit L2 norm, row by row.
    return grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-12)


def _ascent_linf(grad):
    return grad.sign()


NORMS = {
    "l2": (_ascent_l2, _project_l2),
    "linf": (_ascent_linf, _project_linf),
}
"""Norm -> (steepest-ascent direction of a gradient, projection onto the ball)."""


def worst_case_rows(objective, X, epsilon, norm, steps, step_size=None):
    """Projected gradient ascent on per-row perturbations of X.

    Parameters
    ----------
    objective : callable
        Tensor (n, d) -> differentiable scalar, the value to maximise.
    X : tensor (n, d)
    epsilon : float
        Radius of each row's ball.
    norm : {"l2", "linf"}
    steps : int
    step_size : float, default=None
        None is ``2.5 * epsilon / steps`` (Madry et al.), enough to cross the
        ball and come back.

    Returns
    -------
    tensor (n, d)
        ``X + delta``, detached.
    """
    ascent, project = NORMS[norm]
    step = 2.5 * epsilon / steps if step_size is None else step_size
    delta = torch.zeros_like(X)
    # The caller may measure under no_grad (score, discrepancy_); the ascent
    # needs its own small graph in any case.
    with torch.enable_grad():
        for _ in range(steps):
            delta.requires_grad_(True)
            (grad,) = torch.autograd.grad(objective(X + delta), delta)
            delta = project(delta.detach() + step * ascent(grad), epsilon)
    return (X + delta).detach()


def _label_columns(base):
    """Trailing label columns the base reads (0 for distributional ones).

    Kernel-ridge matching reads its targets there: the perturbation must
    leave them alone (an attacker moves inputs, not labels).  Gradient
    matching draws a new network per call, so an ascent on it would chase a
    different objective at every step; it is refused."""
    if isinstance(base, GradientMatching):
        raise TypeError(
            "Adversarial cannot wrap GradientMatching: it draws a new network at "
            "every call, so there is no fixed objective to maximise. Wrap a "
            "distributional discrepancy or KernelRidgeMatching."
        )
    if isinstance(base, KernelRidgeMatching):
        return int(base.n_targets)
    if isinstance(base, Sum):
        counts = {_label_columns(part) for part in base.parts}
        if len(counts) > 1:
            raise TypeError(
                "Adversarial cannot wrap a sum that mixes label-aware and "
                "distributional parts; wrap each part on its own."
            )
        return counts.pop()
    if isinstance(base, Scaled | FeatureMapped):
        return _label_columns(base.base)
    if not (callable(getattr(base, "prepare", None)) and callable(base)):
        raise TypeError(
            f"base must be a discrepancy (prepare and __call__), got "
            f"{type(base).__name__}."
        )
    return 0


class Adversarial(Discrepancy):
    """The base discrepancy at the worst bounded perturbation of the real rows.

    Each call first perturbs the real rows it measures (the minibatch, or the
    whole class), every row within its own ball of radius ``epsilon``, to
    maximise the base discrepancy to the current synthetic rows by ``steps``
    of projected gradient ascent; it then returns the base discrepancy at the
    perturbed rows, differentiable in the synthetic rows.  Minimising it
    (``DiscrepancyCondenser(discrepancy=Adversarial(MMD(), 0.3))``) gives a
    synthetic set that matches every distribution within the ball, so models
    trained on it see data as an attacker may present it.

    Parameters
    ----------
    base : Discrepancy
        A distributional discrepancy (MMD, RandomFeatureMMD, Wasserstein,
        SinkhornDivergence, SlicedWasserstein, FeatureMapped, sums and
        multiples of them) or :class:`KernelRidgeMatching`, whose trailing
        target columns are left unperturbed.  GradientMatching raises
        ``TypeError`` (it draws a new network at every call).
    epsilon : float
        Radius of each real row's ball, in the units of the features (the
        condensers do not rescale; standardise the data first so that one
        radius suits every feature).  ``0`` gives ``base`` itself.
    norm : {"l2", "linf"}, default="l2"
    steps : int, default=5
        Ascent steps per call; each costs about one evaluation of ``base``
        and its gradient.
    step_size : float, default=None
        Step length of the ascent; None is ``2.5 * epsilon / steps``.

    Notes
    -----
    The inner problem is solved as ``D(Q, P_delta)``, with the roles of real
    and synthetic rows swapped: every skdc distributional discrepancy is
    symmetric, and its second argument is the one it differentiates in full
    (MMD, for one, treats the real-real kernel term as a constant of the
    optimisation; here that term depends on the perturbation).  The synthetic
    side is prepared once per call, so settings resolved on the real data
    (the median bandwidth) are kept, and what depends on the real rows (the
    cached real-real term, a random-feature mean embedding) is recomputed at
    the perturbed rows.  Kernel-ridge matching is not symmetric; its ascent
    runs in its own direction (a model trained on the synthetic rows, scored
    on the moved real rows), which makes the moved rows adversarial examples
    against that model, as in robust KIP (Tsilivis et al.).  With regression
    targets and a distributional base, the scaled target column is
    perturbed too: the ball lies in the joint space of (X, y).

    References
    ----------
    Madry et al., "Towards deep learning models resistant to adversarial
    attacks", ICLR 2018.
    Sinha, Namkoong and Duchi, "Certifying some distributional robustness with
    principled adversarial training", ICLR 2018.
    Tsilivis, Su and Kempe, "Can we achieve robustness from data alone?",
    2022.

    Examples
    --------
    >>> import torch
    >>> from skdc.discrepancy import MMD, Adversarial
    >>> X = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    >>> w = torch.full((40,), 1 / 40)
    >>> Y, v = X[:10].clone(), torch.full((10,), 1 / 10)
    >>> robust = Adversarial(MMD(), epsilon=0.5)
    >>> plain = MMD()
    >>> bool(robust(robust.prepare(X, w), Y, v) > plain(plain.prepare(X, w), Y, v))
    True
    """

    def __init__(self, base, epsilon, *, norm="l2", steps=5, step_size=None):
        self.base = base
        self.epsilon = epsilon
        self.norm = norm
        self.steps = steps
        self.step_size = step_size

    def _check(self):
        """Validate the options; returns the base's trailing label columns."""
        n_labels = _label_columns(self.base)
        if (
            not isinstance(self.epsilon, numbers.Real)
            or isinstance(self.epsilon, bool)
            or not 0 <= self.epsilon < float("inf")
        ):
            raise ValueError(
                f"epsilon must be a finite number >= 0, got {self.epsilon!r}."
            )
        if self.norm not in NORMS:
            raise ValueError(f"Unknown norm {self.norm!r}; use one of {sorted(NORMS)}.")
        if not isinstance(self.steps, numbers.Integral) or self.steps < 1:
            raise ValueError(f"steps must be an integer >= 1, got {self.steps!r}.")
        if self.step_size is not None and not (
            isinstance(self.step_size, numbers.Real) and self.step_size > 0
        ):
            raise ValueError(
                f"step_size must be a positive number or None, got {self.step_size!r}."
            )
        return n_labels

    def prepare(self, X, w, *, params=None, generator=None):
        n_labels = self._check()
        base = self.base.prepare(X, w, params=params, generator=generator)
        return {
            "params": base["params"],
            "base": base,
            "X": X,
            "w": w,
            "n_labels": n_labels,
        }

    def _inner_objective(self, state, X, w, Y, v, generator):
        """Rows' inputs (n, d - k) -> the base discrepancy, for the ascent.

        Distributional bases are measured with the roles swapped (see Notes);
        label-aware ones (kernel ridge matching) in their own direction, on a
        state rebuilt at the moved rows, their labels kept."""
        k, params = state["n_labels"], state["params"]
        Y, v = Y.detach(), v.detach()
        if k == 0:
            with torch.no_grad():
                swapped = self.base.prepare(Y, v, params=params, generator=generator)
            return lambda inputs: self.base(swapped, inputs, w, generator=generator)
        labels = X[:, X.shape[1] - k :]  # (n, k)

        def objective(inputs):
            moved = torch.cat([inputs, labels], dim=1)
            fresh = self.base.prepare(moved, w, params=params, generator=generator)
            return self.base(fresh, Y, v, generator=generator)

        return objective

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        if self.epsilon == 0:
            return self.base(state["base"], Y, v, batch=batch, generator=generator)
        X, w = real_batch(state, batch)
        k = state["n_labels"]
        inputs = X[:, : X.shape[1] - k]  # (n, d - k): labels never move
        objective = self._inner_objective(state, X, w, Y, v, generator)
        worst = worst_case_rows(
            objective, inputs, self.epsilon, self.norm, self.steps, self.step_size
        )
        X_worst = torch.cat([worst, X[:, X.shape[1] - k :]], dim=1)
        # A fresh state at the perturbed rows: nothing cached on the clean
        # rows (the real-real term, a mean embedding) may leak into the value.
        with torch.no_grad():
            moved = self.base.prepare(
                X_worst, w, params=state["params"], generator=generator
            )
        return self.base(moved, Y, v, generator=generator)
