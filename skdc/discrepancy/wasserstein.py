"""Optimal-transport discrepancies on torch tensors (POT for exact OT).

* :class:`Wasserstein` — exact W_p^p (POT's network simplex).  For
  p = 2 a Newton step moves each synthetic row to the barycentre of the real
  mass the transport plan gives it, Cuturi & Doucet's fixed point, whose
  limit is a free-support barycenter (WMDD).
* :class:`SemiRelaxedWasserstein` — W_2^2 whose synthetic side is a penalty
  instead of a constraint (semi-relaxed OT): a synthetic row may take more
  or less than its share of the data, at a KL price.  Between the equal-mass
  barycenter (no relaxation) and k-means centroids (free masses).
* :class:`SinkhornDivergence` — the debiased entropic cost
  ``OT_e(P, Q) - (OT_e(P, P) + OT_e(Q, Q)) / 2``, solved in the log domain
  by :func:`entropic_ot`.
* :class:`SlicedWasserstein` — the mean of 1-D W_p^p over random directions,
  drawn afresh at every call (a stochastic gradient of the sliced distance).

All three return the p-th power of the distance, whose gradient is smooth
where the distance's is not (at zero).
"""

import numbers

import torch

from .. import _floats
from ..kernels import sq_distances
from ._base import Discrepancy, real_batch
from ._transport import emd2, wasserstein_1d

METHODS = ("exact", "sinkhorn", "sliced")

# Rows used to estimate the typical transport cost of a class.
_SCALE_ROWS = 1000
# SemiRelaxedWasserstein's epsilon is relative to the mean squared distance
# but to no more than _TAIL_CAP times the median (a long tail inflates the
# mean), nor less than _TAIL_FLOOR times the mean: far below it (a tight
# cluster beside a far one) cost / epsilon outgrows float32's precision and
# the plan's Newton solve fails.
_TAIL_CAP = 2.0
_TAIL_FLOOR = 0.1
# SemiRelaxedWasserstein.finish: the plan's rows, and its epsilon as a
# fraction of the fit's.
_FINISH_ROWS = 8192
_SHARPEN = 0.01
# Real rows per block when every row of a class is assigned.
_ASSIGN_ROWS = 2**15
# semi_relaxed_ot: from this many synthetic rows on, Newton's direction
# comes from conjugate gradients over the plan's entries above _PLAN_DROP
# (see _sparse_newton_direction), to a residual of _CG_RTOL of the
# gradient's, in at most _CG_MAX_ITER products.
_DENSE_NEWTON_ROWS = 256
_PLAN_DROP = 1e-10
_CG_RTOL = 1e-2
_CG_MAX_ITER = 200


def cost_matrix(X, Y, p):
    """(n, m) matrix of ||x - y||^p."""
    d2 = sq_distances(X, Y)
    if p == 2:
        return d2
    return d2.clamp_min(1e-12) ** (p / 2.0)


def _some_rows(X, k, generator):
    """Indices of k rows of X drawn at random, or None when X has at most k."""
    if X.shape[0] <= k:
        return None
    return torch.randperm(X.shape[0], generator=generator, device=X.device)[:k]


def _scale_rows(X, generator):
    idx = _some_rows(X, _SCALE_ROWS, generator)
    return X if idx is None else X[idx]


def _mean_pair_cost(rows, p):
    return cost_matrix(rows, rows, p).mean().clamp_min(1e-12)


def mean_cost(X, p, generator=None):
    """Mean cost ||x - x'||^p between two real rows, on at most
    ``_SCALE_ROWS`` of them: the scale entropic settings are relative to."""
    return _mean_pair_cost(_scale_rows(X, generator), p)


def cost_scales(X, generator=None):
    """(mean, median) squared distance between two real rows, from one draw
    of at most ``_SCALE_ROWS`` rows; the median over pairs of distinct rows
    (repeated rows removed, so a class of many equal rows still gets the
    distance between its different ones), the mean as :func:`mean_cost`'s.

    The mean follows a long tail: on a held-out spam table whose counts
    stay heavy-tailed after the power map it was 6.0 times the median in
    the spam class; over the other classes of the quality suite's 45
    tables, 0.8 to 2.4 times (benchmarks/README.md, "The blur on long
    tails")."""
    sub = _scale_rows(X, generator)
    mean = _mean_pair_cost(sub, 2)
    distinct = torch.unique(sub, dim=0)
    if distinct.shape[0] < 2:
        return mean, mean
    C = cost_matrix(distinct, distinct, 2)
    upper = torch.triu_indices(*C.shape, offset=1, device=C.device)
    return mean, C[upper[0], upper[1]].median().clamp_min(1e-12)


def _check_p(p):
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not p >= 1:
        raise ValueError(f"p must be a number >= 1, got {p!r}.")


def _check_positive(obj, *names):
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, numbers.Real) or not value > 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}.")


class Wasserstein(Discrepancy):
    """Exact p-Wasserstein distance to the power p, ``W_p^p``."""

    def __init__(self, p=2):
        self.p = p

    def prepare(self, X, w, *, params=None, generator=None):
        _check_p(self.p)
        return {"params": {} if params is None else params, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        X, w = real_batch(state, batch)
        M = cost_matrix(X, Y, self.p)  # (n, m)
        return emd2(w, v, M)

    def row_curvature(self, state, v):
        # d^2/dy_j^2 of sum_ij pi_ij ||x_i - y_j||^2 at a fixed plan is
        # 2 v_j (the plan's column sums), the same in every direction.
        return 2.0 * v if self.p == 2 else None


class SemiRelaxedWasserstein(Discrepancy):
    """Semi-relaxed W_2^2: the real side's masses are kept, the synthetic
    side's are a KL penalty,

    .. math::

        \\min_{\\pi \\ge 0,\\, \\pi 1 = w} \\sum_{ij} \\pi_{ij}
            \\lVert x_i - y_j \\rVert^2 + \\tau\\, KL(\\pi^\\top 1 \\,|\\, v)
            + \\varepsilon\\, KL(\\pi \\,|\\, w v^\\top).

    A synthetic row may take more or less than its share ``v_j`` of the data:
    as ``reg_m`` grows the set tends to the equal-mass barycenter of
    :class:`Wasserstein`, as it shrinks to k-means centroids (every real row
    to its nearest synthetic one).  A Newton step moves each row to the
    barycentre of the mass its plan gives it, as for exact W_2.

    Parameters
    ----------
    reg_m : float, default=0.3
        tau, relative to the mean squared distance between two real rows of
        the class.
    reg : float, default=0.01
        epsilon, relative to the same scale but to no more than twice the
        median squared distance between two distinct real rows
        (:func:`cost_scales`): a long tail inflates the mean, and a blur of
        its size pulled the rows together on heavy-tailed counts.  Small, so
        the plan is nearly the unregularised one; it makes the problem
        smooth, solved by Newton's method on its dual
        (:func:`semi_relaxed_ot`).
    sharpen : bool, default=False
        End the fit with one barycentric step under the plan re-solved at a
        hundredth of epsilon (:meth:`finish`), nearly the unregularised
        one.  The entropic plan spreads each real row over several
        synthetic rows, which pulls them towards each other: on digits at
        50 rows per class a random forest trained on the set scored 0.954
        without the step and 0.961 with it (k-means centroids: 0.969).
        Across the quality suite the step was level within noise (higher
        in 7 cells of 23, by at most 0.002; lower in 3, by 0.004 on the
        mixed-type table at 50 per class) for 10 to 30% more fit time on
        the 14,000-row tables, so it is not the default.
    """

    # Newton steps on minibatches of fewer than BARYCENTRE_ROWS real rows per
    # synthetic row average their barycentres (skdc._optimize._Newton).
    # Measured on this objective only: exact W2 (10,000 rows of blobs to 200)
    # took as long and ended higher in loss (3.700 against 3.532).
    averages_sparse_batches = True

    def __init__(self, reg_m=0.3, reg=0.01, sharpen=False):
        self.reg_m = reg_m
        self.reg = reg
        self.sharpen = sharpen

    def prepare(self, X, w, *, params=None, generator=None):
        _check_positive(self, "reg_m", "reg")
        if params is None:
            mean, median = cost_scales(X, generator)
            # The blur is kept small against the distance between typical
            # rows, which a long tail inflates the mean of; the masses'
            # price stays on the mean (see ``reg``).
            typical = torch.minimum(mean, _TAIL_CAP * median)
            typical = torch.maximum(typical, _TAIL_FLOOR * mean)
            params = {"epsilon": self.reg * typical, "tau": self.reg_m * mean}
        return {"params": params, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        X, w = real_batch(state, batch)
        params, g = state["params"], state.get("g")
        if g is not None and g.shape != v.shape:
            g = None  # another synthetic set: start afresh
        value, state["g"], state["mass"] = semi_relaxed_w2(
            w, v, X, Y, params["epsilon"], params["tau"], g=g
        )
        return value

    def row_curvature(self, state, v):
        # As for exact W_2 at a fixed plan, with the mass the last solve's
        # plan gives each row in place of v (before the first solve: v).
        return 2.0 * state.get("mass", v)

    def finish(self, state, Y, v, *, generator=None):
        """Y after one barycentric step under a near-unregularised plan, or
        Y itself when ``sharpen`` is False.

        The plan is re-solved at ``_SHARPEN`` times epsilon (on at most
        ``_FINISH_ROWS`` real rows, warm-started from the last potentials),
        then every synthetic row moves to the mean of the real mass that
        plan gives it over all rows: nearly each real row's cheapest
        synthetic row once the potentials are counted, with the rows on a
        boundary split so that the masses stay the penalised ones."""
        if not self.sharpen:
            return Y
        X, w = state["X"], state["w"]
        idx = _some_rows(X, _FINISH_ROWS, generator)
        sub, sub_w = (X, w) if idx is None else (X[idx], w[idx])
        eps = state["params"]["epsilon"] * _SHARPEN
        _, g, _ = semi_relaxed_ot(
            sub_w / sub_w.sum(),
            v,
            cost_matrix(sub, Y, 2),
            eps,
            state["params"]["tau"],
            g=state.get("g"),
        )
        return plan_means(X, w, Y, v, g, eps)


class SinkhornDivergence(Discrepancy):
    """Debiased Sinkhorn divergence of the cost ||x - y||^p.

    Parameters
    ----------
    reg : float, default=0.05
        Entropic regularisation relative to the data: the solver uses
        ``reg`` times the mean cost between two real rows of the class, so the
        same value works whatever the scale of the features.
    p : float, default=2
    max_iter : int, default=1000
        Sinkhorn iterations per evaluation at most.
    tol : float, default=1e-4
        Each solve stops when its plan's marginals are within ``tol`` of the
        weights (L1).  Warm starts carry the precision from step to step: on
        digits, 1e-4 gave the same synthetic set (LR accuracy and W2 to five
        digits) as 1e-6 in a quarter of the time.

    Notes
    -----
    Each step solves the real-synthetic problem (alternating updates) and
    the synthetic-synthetic one (symmetric updates), warm-started from the
    previous step's potentials (:func:`entropic_ot`); the real-real term,
    which has no gradient, is solved once.  On digits at 10 rows per class a
    fit took 10 s against 1.5 s for exact W2 (it took 103 s with POT's
    solver, cold-started at every step, and a real-real solve per
    minibatch).  Use ``method="exact"`` or ``"sliced"`` unless the smoothing
    is wanted.
    """

    def __init__(self, reg=0.05, p=2, max_iter=1000, tol=1e-4):
        self.reg = reg
        self.p = p
        self.max_iter = max_iter
        self.tol = tol

    def prepare(self, X, w, *, params=None, generator=None):
        _check_p(self.p)
        _check_positive(self, "reg", "tol")
        if params is None:
            params = {"epsilon": self.reg * mean_cost(X, self.p, generator)}
        return {"params": params, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        eps = state["params"]["epsilon"]
        X, w = real_batch(state, batch)
        if "xx" not in state:
            # The real-real term carries no gradient: solved once, on all
            # rows or on the first minibatch (re-solving a 2048 x 2048
            # problem at every step was most of a step's time), so with
            # minibatches the value is offset by that batch's sampling error.
            with torch.no_grad():
                state["xx"], _ = self._ot(w, None, cost_matrix(X, X, self.p), eps)
        # Warm starts: the synthetic rows move little between steps, so the
        # last step's potentials on their side start this step's solves.
        xy, state["g_xy"] = self._ot(
            w, v, cost_matrix(X, Y, self.p), eps, state.get("g_xy")
        )
        yy, state["g_yy"] = self._ot(
            v, None, cost_matrix(Y, Y, self.p), eps, state.get("g_yy")
        )
        return xy - 0.5 * (state["xx"] + yy)

    def _ot(self, a, b, M, eps, g=None):
        # Marginals cannot be met more closely than their rounding.
        tol = max(self.tol, 10 * torch.finfo(M.dtype).eps)
        if g is not None and g.shape != (a if b is None else b).shape:
            g = None  # another synthetic set: start afresh
        return entropic_ot(a, b, M, eps, g=g, max_iter=self.max_iter, tol=tol)


def entropic_ot(a, b, M, eps, *, g=None, max_iter=1000, tol=1e-9):
    """Entropic OT cost ``min_P <P, M> + eps KL(P | a b^T)`` between weights a
    (n,) and b (m,) under the cost M (n, m), by log-domain Sinkhorn.

    ``b=None`` solves the symmetric problem of a with itself (M symmetric,
    n x n) with the averaged update ``f <- (f + T(f)) / 2`` of Feydy et al.
    (2019): alternating updates oscillate there and took hundreds of
    iterations more.

    Starts from the potential ``g`` (on b's side) when given, else from
    eps-scaling (eps halved from the largest cost down, one iteration each),
    and stops when the marginals are within ``tol`` (L1) or after
    ``max_iter`` iterations.  Returns ``(value, g)``: the value is
    differentiable in M, a and b with the gradients of the optimum (envelope
    theorem: the plan for M, the potentials for the weights), not through
    the iterations; g (detached) warm-starts the next solve.
    """
    symmetric = b is None
    b = a if symmetric else b
    with torch.no_grad():
        cost, log_a, log_b = M.detach(), a.detach().log(), b.detach().log()

        def rows(g, e):  # the f making the row marginals exact given g
            return -e * _floats.logsumexp(log_b[None, :] + (g[None, :] - cost) / e, 1)

        def columns(f, e):
            return -e * _floats.logsumexp(log_a[:, None] + (f[:, None] - cost) / e, 0)

        def iterate(g, e):  # one Sinkhorn iteration on b's potential
            if symmetric:
                return 0.5 * (g + rows(g, e))
            return columns(rows(g, e), e)

        if g is None:
            g, e = torch.zeros_like(b), max(float(cost.max()), float(eps))
            while e > eps:
                g = iterate(g, e)
                e /= 2
        for it in range(max_iter):
            g = iterate(g, eps)
            if (it + 1) % 10 == 0:
                # Read once every 10 iterations (a host sync on a GPU).  The
                # plan of (f, g) puts b_j exp((g_j - columns(f)_j) / eps) on
                # column j; f = g when symmetric, else f = rows(g), which
                # makes the rows exact.
                f = g if symmetric else rows(g, eps)
                gap = g - columns(f, eps)
                if float((b * torch.expm1(gap / eps).abs()).sum()) < tol:
                    break
        f = g if symmetric else rows(g, eps)
    # The dual objective at the (fixed) potentials: equal to the optimum,
    # and its gradient in M is the plan, in the weights the potentials.
    plan = (a[:, None] * b[None, :]) * _floats.exp((f[:, None] + g[None, :] - M) / eps)
    value = a @ f + b @ g - eps * (plan.sum() - a.sum() * b.sum())
    return value, g


def semi_relaxed_ot(a, b, M, eps, tau, *, g=None, max_iter=100, tol=1e-3):
    """Semi-relaxed entropic OT between weights a (n,) and b (m,) under the
    cost M (n, m): ``min <P, M> + eps KL(P | a b^T) + tau KL(P^T 1 | b)``
    over plans P >= 0 whose rows sum to a.

    Solved by Newton's method with backtracking on the dual in b's potential
    g alone (a's potential f eliminated: ``f = rows(g)``), which is concave,
    smooth and m-dimensional: from a warm start a solve takes a few
    iterations, a third to a tenth of the time of the unbalanced Sinkhorn update
    of Chizat et al. (2018) to the same precision.  Stops when the column
    sums are within ``tol`` (L1) of their optimum ``b exp(-g / tau)``.
    From ``_DENSE_NEWTON_ROWS`` synthetic rows on, each Newton system is
    solved by conjugate gradients (:func:`_newton_direction`).

    Returns ``(value, g, mass)``: the value (differentiable in M and the
    weights with the gradients of the optimum, as :func:`entropic_ot`'s), g
    to warm-start the next solve, and the plan's column sums (detached).
    """
    g, f, _ = _semi_relaxed_dual(a, b, M, eps, tau, g, max_iter, tol)
    plan = (a[:, None] * b[None, :]) * _floats.exp((f[:, None] + g[None, :] - M) / eps)
    value = (
        a @ f
        - tau * (b @ torch.expm1(-g / tau))
        - eps * (plan.sum() - a.sum() * b.sum())
    )
    return value, g, plan.detach().sum(0)


def semi_relaxed_w2(a, b, X, Y, eps, tau, *, g=None, max_iter=100, tol=1e-3):
    """:func:`semi_relaxed_ot` under the cost ``||x_i - y_j||^2`` of X (n, d)
    and Y (m, d), the same ``(value, g, mass)``.

    From ``_DENSE_NEWTON_ROWS`` synthetic rows on, where only Y carries a
    gradient (the weights and the real rows are constants), the value's
    gradient is written out: at the optimal plan P
    it is ``2 (diag(P^T 1) Y - P^T X)`` (the envelope theorem), one (m, n)
    by (n, d) product, where autograd would form the plan again and go back
    through it and the cost matrix in (n, m) passes.  With the graph-free
    passes in place, a fit of whole classes of 13,070 and 7,930 rows to 498
    and 302 took 0.78 of its time (benchmarks/README.md, "Large sets")."""
    # Below _DENSE_NEWTON_ROWS synthetic rows autograd keeps the sets the
    # quality suites were measured with: the two gradients agree to
    # rounding, which a fit's steps and the move onto data values amplify.
    generic = b.shape[0] < _DENSE_NEWTON_ROWS or not Y.requires_grad
    if generic or any(t.requires_grad for t in (a, b, X)):
        M = cost_matrix(X, Y, 2)
        return semi_relaxed_ot(a, b, M, eps, tau, g=g, max_iter=max_iter, tol=tol)
    with torch.no_grad():
        M = cost_matrix(X, Y, 2)
    g, f, s = _semi_relaxed_dual(a, b, M, eps, tau, g, max_iter, tol)
    with torch.no_grad():
        plan = a[:, None] * s  # rows sum to a: the plan's total is a's
        mass, pulled = plan.sum(0), plan.T @ X
        value = a @ f - tau * (b @ torch.expm1(-g / tau))
        value = value - eps * a.sum() * (1.0 - b.sum())
    # Equal to the value, with the gradient above: the quadratic's value
    # cancels against its detached copy.
    quadratic = (mass[:, None] * Y * Y).sum() - 2.0 * (pulled * Y).sum()
    return value + (quadratic - quadratic.detach()), g, mass


def _semi_relaxed_dual(a, b, M, eps, tau, g, max_iter, tol):
    """The Newton solve of :func:`semi_relaxed_ot`: ``(g, f, s)``, b's
    potential, a's, and the plan's rows over a (``P = a s``), detached."""
    with torch.no_grad():
        cost, log_b = M.detach(), b.detach().log()
        a_, b_ = a.detach(), b.detach()
        # Many synthetic rows: the cheaper plan rows of one exponential
        # pass.  Fewer keep the two passes the quality suites were measured
        # with (the two agree to rounding, which a fit's steps amplify).
        large = b_.shape[0] >= _DENSE_NEWTON_ROWS

        def at(g):
            """The dual's value (up to a constant), the f making the rows
            exact, and the plan's rows over a (P_ij / a_i), from one pass."""
            # (n, m); in place after the first operation, the same bits.
            logits = (g - cost).div_(eps).add_(log_b)
            if large:  # one exponential pass instead of two
                lse, rows = _floats.logsumexp_and_softmax(logits)
            else:
                lse = _floats.logsumexp(logits, 1)
                rows = _floats.exp(logits - lse[:, None])
            f = -eps * lse
            value = float(a_ @ f - tau * (b_ @ torch.expm1(-g / tau)))
            return value, f, rows

        g = torch.zeros_like(b_) if g is None else g
        value, f, s = at(g)
        for _ in range(max_iter):
            plan = a_[:, None] * s
            mass, target = plan.sum(0), b_ * torch.exp(-g / tau)
            if float((mass - target).abs().sum()) < tol:
                break
            direction = _newton_direction(s, a_, plan, mass, target, eps, tau)
            step, trial = 1.0, at(g + direction)
            while trial[0] < value and step > 1e-4:  # backtrack
                step /= 2
                trial = at(g + step * direction)
            if trial[0] < value:
                break  # no ascent left at this dtype's precision
            g = g + step * direction
            value, f, s = trial
    return g, f, s


def _newton_direction(s, a, plan, mass, target, eps, tau):
    """Newton's direction d for the dual of :func:`semi_relaxed_ot`:
    ``H d = target - mass`` with H minus the dual's Hessian,
    ``(diag(mass) - s^T diag(a) s) / eps + diag(target / tau)``, where s
    holds the plan's rows over a and ``plan = a s``.

    H is positive definite (the KL term's diagonal bounds it away from
    singular along g + constant).  Below ``_DENSE_NEWTON_ROWS`` columns it
    is formed and solved; above, forming it costs O(n m^2) and solving it
    O(m^3), while a row of s holds few entries that count (each real row
    goes to its nearest synthetic rows), so conjugate gradients take
    products with H through those entries instead
    (:func:`_sparse_newton_direction`)."""
    if s.shape[1] >= _DENSE_NEWTON_ROWS:
        return _sparse_newton_direction(s, a, mass, target, eps, tau)
    H = (torch.diag(mass) - s.T @ plan) / eps + torch.diag(target / tau)
    # Kept positive definite in the dtype's precision when a row's target
    # mass underflows.
    H.diagonal().add_(torch.finfo(H.dtype).eps * float(H.diagonal().max()))
    return torch.linalg.solve(H, target - mass)


def _sparse_newton_direction(s, a, mass, target, eps, tau):
    """:func:`_newton_direction` by Jacobi-preconditioned conjugate
    gradients, with s's entries below ``_PLAN_DROP`` left out of the
    products.  The H so approximated stays positive definite (a row's
    ``diag(s_i) - t_i t_i^T`` is positive semi-definite for any
    ``0 <= t_i <= s_i``), so the direction ascends the dual; an inexact
    direction only costs the solve more Newton steps, whose stopping rule
    reads the exact column sums."""
    rhs = target - mass
    rows, cols = (s > _PLAN_DROP).nonzero(as_tuple=True)
    values = s[rows, cols]
    weighted = a[rows] * values
    diagonal = mass / eps + target / tau

    def product(v):  # H v through the kept entries, O(kept) per product
        sv = torch.zeros_like(s[:, 0]).index_add_(0, rows, values * v[cols])
        cross = torch.zeros_like(v).index_add_(0, cols, weighted * sv[rows])
        return diagonal * v - cross / eps

    jacobi = (
        diagonal - torch.zeros_like(mass).index_add_(0, cols, weighted * values) / eps
    )
    # Positive in the dtype's precision when a row's target mass underflows.
    jacobi = jacobi.clamp_min(torch.finfo(jacobi.dtype).eps * float(jacobi.max()))
    x, r = torch.zeros_like(rhs), rhs.clone()
    z = r / jacobi
    p, rz = z.clone(), r @ z
    stop = _CG_RTOL * float(rhs.norm())
    for _ in range(_CG_MAX_ITER):
        Hp = product(p)
        curvature = float(p @ Hp)
        if not curvature > 0:  # nothing left to solve in this precision
            break
        alpha = rz / curvature
        x += alpha * p
        r -= alpha * Hp
        if float(r.norm()) <= stop:
            break
        z = r / jacobi
        rz, rz_old = r @ z, rz
        p = z + (rz / rz_old) * p
    return x


def plan_means(X, w, Y, v, g, eps):
    """Each row of Y (m, d) moved to the mean of the real mass that the
    semi-relaxed plan with potentials g (m,) gives it, ``P_ij`` proportional
    to ``w_i v_j exp((g_j - ||x_i - y_j||^2) / eps)`` with rows summing to
    w; a row of Y that receives no mass stays.  X is read in blocks, so
    memory stays O(block m)."""
    sums, mass = torch.zeros_like(Y), torch.zeros_like(g)
    log_v = v.log()
    for start in range(0, X.shape[0], _ASSIGN_ROWS):
        Xb, wb = X[start : start + _ASSIGN_ROWS], w[start : start + _ASSIGN_ROWS]
        logits = log_v + (g - cost_matrix(Xb, Y, 2)) / eps
        plan = wb[:, None] * _floats.softmax(logits, 1)
        mass += plan.sum(0)
        sums += plan.T @ Xb
    tiny = torch.finfo(mass.dtype).tiny
    return torch.where((mass > tiny)[:, None], sums / mass.clamp_min(tiny)[:, None], Y)


class SlicedWasserstein(Discrepancy):
    """Sliced p-Wasserstein distance to the power p, over ``n_projections``
    random unit directions."""

    def __init__(self, n_projections=64, p=2):
        self.n_projections = n_projections
        self.p = p

    def prepare(self, X, w, *, params=None, generator=None):
        _check_p(self.p)
        if (
            not isinstance(self.n_projections, numbers.Integral)
            or self.n_projections < 1
        ):
            raise ValueError(
                f"n_projections must be a positive integer, got {self.n_projections!r}."
            )
        return {"params": {} if params is None else params, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        X, w = real_batch(state, batch)
        theta = torch.randn(
            X.shape[1],
            self.n_projections,
            generator=generator,
            device=X.device,
            dtype=X.dtype,
        )
        theta = theta / theta.norm(dim=0, keepdim=True)  # (d, k) unit columns
        # W_p^p per direction, averaged.  Not ot.sliced_wasserstein_distance,
        # which returns its p-th root: the root's gradient is infinite (NaN
        # after backward) when the synthetic rows match the data exactly,
        # e.g. a class whose rows are all equal.
        projected = wasserstein_1d(X @ theta, Y @ theta, w, v, self.p)  # (k,)
        return projected.mean()
