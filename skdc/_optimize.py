"""The one optimisation loop behind every condenser."""

import numpy as np
import torch
from tqdm.auto import tqdm

from ._backend import to_numpy
from .discrepancy._base import row_curvature

# Convergence is judged on the mean loss over windows of this many steps,
# which smooths the noise of minibatches and random projections.
_WINDOW = 10
# Step halvings without progress before the loss counts as settled.
_MAX_STALLS = 3
# Real rows per synthetic row from which a minibatch's barycentres are
# settled enough for full Newton steps (fewer: the steps of objectives with
# ``averages_sparse_batches`` average them, see _Newton); WassersteinCondenser
# uses classes whole up to the same ratio.
BARYCENTRE_ROWS = 32


def optimise(
    discrepancy,
    state,
    X,
    w,
    Y0,
    *,
    learn_weights,
    frozen=None,
    lower,
    upper,
    centre=None,
    scale=None,
    weights=None,
    learning_rate,
    max_iter,
    tol,
    batch_size,
    generator,
    label=None,
    verbose=0,
):
    """Minimise ``discrepancy(state, Y, v)`` over the synthetic rows Y.

    Y is parametrised per feature as ``Y = centre + scale * Z`` with the
    class's mean and standard deviation, so one learning rate suits every
    feature scale while the discrepancy keeps the data's own geometry.  After
    each step Y is projected back into the observed range [lower, upper]
    (synthetic rows must look like data).

    Steps are Adam's, or Newton's where the discrepancy has a curvature per
    row at its current plan (``row_curvature``, exact and semi-relaxed W2)
    and the weights are fixed: each step starts at size one, which for exact
    W2 is Cuturi & Doucet's fixed point (every row moves to the barycentre of
    the real mass the plan gives it), and ``learning_rate`` is not used.
    Either step size is halved whenever the loss stops falling, which also
    settles the noisy steps taken on minibatches.

    With ``learn_weights`` the synthetic weights are optimised too, as
    ``v = softmax(a)`` over free logits a, which keeps them positive and
    summing to one.

    Several groups at once: with Y0 of shape (K, m, d) the discrepancy is a
    stacked one (its call returns the K groups' losses), ``lower``,
    ``upper``, ``centre`` and ``scale`` are (K, 1, d) and ``weights`` (K, m)
    holds each group's synthetic weights (zero on rows that only pad a
    smaller group to m).  Every group keeps its own step size and stops on
    its own, as if fitted alone; a settled group no longer moves.

    Parameters
    ----------
    discrepancy, state
        The objective and its state from ``discrepancy.prepare``.
    X, w : tensor (n, d), tensor (n,)
        The real rows and their weights (summing to one).
    Y0 : tensor (m, d) or (K, m, d)
        Starting points.
    frozen : bool ndarray (d,) or None
        Columns that keep their starting values.
    lower, upper : tensor (d,)
        Observed range per feature.
    centre, scale : tensor (d,) or None
        Parametrisation of Y; None: the weighted mean and standard deviation
        of X.  A private condenser passes public values, so that X (then
        empty) is never read.
    weights : tensor (m,) or (K, m) or None
        Fixed synthetic weights; None: uniform (or learned).
    batch_size : int or None
        Real rows per step; None uses all of them every step.

    Returns
    -------
    Y : tensor (m, d), v : tensor (m,), history : ndarray (n_iter,),
    n_iter : int, converged : bool.  For K groups: Y (K, m, d), v (K, m),
    and lists of K histories, iteration counts and flags.
    """
    grouped = Y0.dim() == 3
    n_groups, m = (Y0.shape[0] if grouped else 1), Y0.shape[-2]
    if centre is None or scale is None:
        centre, scale = standardisation(X, w)
    z_low, z_high = (lower - centre) / scale, (upper - centre) / scale

    Z = ((Y0 - centre) / scale).clone().requires_grad_(True)
    logits = torch.zeros(m, dtype=Y0.dtype, device=Y0.device)
    params = [Z]
    if learn_weights:
        params.append(logits.requires_grad_(True))
    # Recomputed per step only when learned.
    v = torch.softmax(logits, 0) if weights is None else weights
    if frozen is not None:
        # A tensor mask on Z's device: a NumPy mask would be copied every step.
        frozen = torch.as_tensor(frozen, dtype=torch.bool, device=Z.device)
    # Discrepancies that summarise the real rows once (random features) set
    # ``uses_batch = False``: drawing minibatches for them is wasted work.
    if not getattr(discrepancy, "uses_batch", True):
        batch_size = None
    held_out = getattr(discrepancy, "held_out", None)
    # A curvature in Y that is the same in every direction of a row (W2,
    # exact or semi-relaxed, at the current plan) allows Newton steps: from
    # a step of one, each row lands where the plan puts the minimum, so no
    # learning rate is needed, and on a whole class the loss settles in tens
    # of steps.
    newton = not learn_weights and row_curvature(discrepancy, state, v) is not None
    step = 1.0 if newton else learning_rate
    if grouped:  # one step size per group, broadcast over its rows
        step = torch.full((n_groups, 1, 1), step, dtype=Y0.dtype, device=Y0.device)
    if newton:
        # Read after each call: the plan it solved sets the curvature.  A
        # minibatch of fewer than BARYCENTRE_ROWS real rows per synthetic row
        # gives each row a barycentre of a few rows, noise a full step would
        # land on: objectives that opt in average the barycentres instead.
        average = (
            getattr(discrepancy, "averages_sparse_batches", False)
            and batch_size is not None
            and batch_size < min(X.shape[0], BARYCENTRE_ROWS * m)
        )
        optimizer = _Newton(
            Z,
            lambda: row_curvature(discrepancy, state, v),
            scale,
            lr=step,
            average=average,
        )
    else:
        optimizer = _Adam(params, lr=step)
    losses = torch.empty(max_iter, n_groups, dtype=Y0.dtype, device=Y0.device)
    bar = tqdm(total=max_iter, desc=label, disable=verbose <= 0, leave=False)

    first, previous, stalls = [None] * n_groups, [None] * n_groups, [0] * n_groups
    n_iter, converged = [max_iter] * n_groups, [False] * n_groups
    for it in range(max_iter):
        batch = None
        if batch_size is not None and batch_size < X.shape[0]:
            idx = torch.randint(
                X.shape[0], (batch_size,), generator=generator, device=X.device
            )
            # index_select: several times faster than X[idx] on the CPU.
            wb = w.index_select(0, idx)
            batch = (X.index_select(0, idx), wb / wb.sum())
        optimizer.zero_grad()
        Y = centre + scale * Z
        if learn_weights:
            v = torch.softmax(logits, 0)
        loss = discrepancy(state, Y, v, batch=batch, generator=generator)
        loss.sum().backward()  # groups' losses share no parameters
        if frozen is not None:
            Z.grad[..., frozen] = 0.0  # Adam moves nothing with zero gradients
        optimizer.step()
        with torch.no_grad():
            Z.clamp_(min=z_low, max=z_high)
        losses[it] = loss.detach()

        if (it + 1) % _WINDOW == 0:
            # Convergence is judged on a held-out estimate when the
            # discrepancy has one: the objective itself can keep falling by
            # fitting its own random features (see RandomFeatureMMD).
            window = losses[it + 1 - _WINDOW : it + 1].mean(0)  # (K,)
            values = window
            if held_out is not None:
                with torch.no_grad():
                    check = held_out(state, centre + scale * Z, v)
                if check is not None:
                    values = torch.cat([window, check.to(window).reshape(-1)])
            # One host sync per window, not per step.
            values = values.tolist()
            current, judged = values[:n_groups], values[-n_groups:]
            if any(c != c or abs(c) == float("inf") for c in current):
                bar.close()
                _raise_diverged(it + 1, label)
            bar.update(_WINDOW)
            bar.set_postfix(loss=f"{sum(current):.4g}")
            for k in range(n_groups):
                if converged[k]:
                    continue
                best = previous[k]
                if first[k] is None:
                    first[k] = judged[k]
                if best is not None and _stalled(judged[k], best, first[k], tol):
                    # A plateau: halve the step; a few halvings in a row
                    # without progress mean the loss has settled.
                    stalls[k] += 1
                    if stalls[k] > _MAX_STALLS:
                        converged[k], n_iter[k] = True, it + 1
                        optimizer.scale_lr(k, 0.0)  # settled: stays put
                        continue
                    optimizer.scale_lr(k, 0.5)
                else:
                    stalls[k] = 0
                previous[k] = judged[k] if best is None else min(best, judged[k])
            if all(converged):
                break
    bar.close()
    histories = [to_numpy(losses[: n_iter[k], k]) for k in range(n_groups)]
    if not all(np.isfinite(h).all() for h in histories) or not torch.isfinite(Z).all():
        _raise_diverged(max(n_iter), label)
    Y = (centre + scale * Z).detach()
    v = (torch.softmax(logits, 0) if weights is None else weights).detach()
    if grouped:
        return Y, v, histories, n_iter, converged
    return Y, v, histories[0], n_iter[0], converged[0]


def _stalled(value, best, first, tol):
    """Whether a window's mean loss ``value`` fails to improve on the best
    window's by ``tol`` times the larger of that best and the progress made
    since the first window.

    The loss's own size is the scale while it stays above the progress
    made (W2: the spread of a class around m rows does not vanish, and
    its Newton steps settle at a fixed point).  A loss that falls towards
    zero (an MMD, down 90 to 99% from where it started) is judged on the
    progress instead: relative to its own small value, Adam's slow tail
    counted as progress for hundreds of steps, so MMDCondenser ran to
    max_iter and warned on most classes of digits, while the sets it makes
    now, after a median of 140 to 300 steps a class, train models as well
    (benchmarks/README.md, "MMD's stopping rule").
    """
    return best - value <= tol * max(abs(best), first - best)


def standardisation(X, w):
    """Weighted mean and standard deviation (d,) of X (n, d): the
    parametrisation of the synthetic rows (constant columns get scale 1).

    A column counts as constant when its spread is within the dtype's
    rounding of its values or of the widest column's spread: a constant
    column's rounding leaves a tiny standard deviation rather than zero,
    and a Newton step divides by its square (on one class of digits
    condensed with ``preprocessor="quantile"``, a column of 1e-16 rounding
    noise had a spread of 4e-22, whose square underflowed to zero in
    float32, and the step made the set NaN)."""
    centre = w @ X
    scale = (w @ (X - centre) ** 2).sqrt()
    rounding = torch.finfo(X.dtype).eps * torch.maximum(X.abs().amax(0), scale.max())
    return centre, torch.where(scale > rounding, scale, torch.ones_like(scale))


class _StepRule:
    """What the loop needs of an update rule: a step size it can scale."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def scale_lr(self, group, factor):
        """Multiply the step size (of one group, when it is per group)."""
        if torch.is_tensor(self.lr):
            self.lr[group] *= factor
        else:
            self.lr *= factor


class _Newton(_StepRule):
    """``Z -= lr * grad / curvature``: a Newton step for a discrepancy whose
    Hessian in each row of Y is ``curvature()`` (m,) or (K, m) times the
    identity, where ``Y = centre + scale * Z``.

    With ``average`` (steps on minibatches) the divisor is instead each
    row's curvature summed over every step so far (for W2, the masses its
    plans gave it).  At ``lr`` 1 a row then sits at the mass-weighted mean
    of the barycentres its minibatches gave it, where a full step jumps to
    the latest one: MiniBatchKMeans' step of one over a centre's count
    (Sculley, 2010).
    """

    def __init__(self, Z, curvature, scale, lr, average=False):
        super().__init__([Z], lr)
        self.curvature, self.scale = curvature, scale
        self.average, self.total = average, None

    @torch.no_grad()
    def step(self):
        (Z,) = self.params
        c = self.curvature()
        if self.average:
            self.total = c.clone() if self.total is None else self.total.add_(c)
            c = self.total
        # In Z the curvature is c_j * scale^2.  Rows without any (padding,
        # or given no mass by a relaxed plan) have no minimum and stay; so
        # do rows whose mass is within the dtype's precision of underflow,
        # where the gradient is rounding and 1 / c may overflow (a subnormal
        # c made inf * 0 = NaN on a real table with outlying rows).
        finfo = torch.finfo(c.dtype)
        floor = finfo.tiny / finfo.eps
        inverse = torch.where(c > floor, 1.0 / c.clamp_min(floor), 0.0)
        Z.sub_(self.lr * inverse[..., None] / self.scale**2 * Z.grad)


class _Adam(_StepRule):
    """Adam (Kingma & Ba, 2015) with torch.optim.Adam's defaults.

    The update is torch.optim.Adam's single-tensor one, operation for
    operation, so results match it.  Written out because on problems of
    a few thousand numbers torch.optim's per-step machinery (hooks, profiler
    and dynamo guards) cost about 0.5 ms a step, as much as the whole RFF
    loss, and its first use imports torch._dynamo (about 3 s).
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.betas, self.eps = betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        self.n_steps = 0

    @torch.no_grad()
    def step(self):
        self.n_steps += 1
        beta1, beta2 = self.betas
        # Bias corrections in Python floats: no device work, no host sync.
        step_size = self.lr / (1 - beta1**self.n_steps)
        correction2_sqrt = (1 - beta2**self.n_steps) ** 0.5
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            g = p.grad
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denom = (v.sqrt() / correction2_sqrt).add_(self.eps)
            if torch.is_tensor(step_size):  # per group: (K, 1, 1)
                p.sub_(step_size * m / denom)
            else:
                p.addcdiv_(m, denom, value=-step_size)


def _raise_diverged(iteration, label):
    where = "" if label is None else f", {label}"
    raise FloatingPointError(
        f"The optimisation diverged (non-finite loss by iteration {iteration}"
        f"{where}); lower learning_rate or check the data for extreme values."
    )
