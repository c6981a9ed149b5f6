"""The discrepancy protocol and its algebra (``a + b``, ``c * a``)."""

import numbers

import numpy as np
import torch


class Discrepancy:
    """A differentiable discrepancy between real data and a synthetic set.

    A discrepancy has two methods:

    ``prepare(X, w, *, params=None, generator=None) -> state``
        Runs once per class on all its real rows ``X`` (n, d) with weights
        ``w`` (n,) summing to one.  It resolves data-dependent settings (a
        median bandwidth, an entropic scale) into ``state["params"]``, a dict
        of tensors that is kept after fitting, and may cache terms that depend
        on the real data alone.  Given ``params`` from an earlier fit, it
        reuses them instead of resolving again, so held-out data is measured
        with the same settings as the training data.

    ``__call__(state, Y, v, *, batch=None, generator=None) -> scalar``
        Returns the discrepancy between the real data and the synthetic rows
        ``Y`` (m, d) with weights ``v`` (m,), differentiable in ``Y`` and
        ``v``.  ``batch=(X_b, w_b)`` measures against a minibatch of real rows
        instead of all of them; ``generator`` drives any randomness (random
        projections).

    Discrepancies add and scale: ``MMD() + 0.1 * SinkhornDivergence()`` is a
    discrepancy whose value is the weighted sum of its parts.  Any object with
    these two methods can be used where skdc takes a discrepancy.

    Optionally, ``held_out(state, Y, v) -> scalar or None`` estimates the
    discrepancy independently of what the objective was fitted to (random
    features not used by the objective); the optimisation loop then judges
    convergence on it instead of on the objective.

    Optionally, ``row_curvature(state, v) -> tensor or None`` gives the
    second derivative of the discrepancy in each synthetic row at the last
    call's transport plan, where it is the same in every direction (exact
    W_2^2: ``2 v_j``; semi-relaxed W_2^2: twice the mass the plan gives row
    j).  The loop then takes Newton steps instead of Adam's: one step of size
    one solves the quadratic the discrepancy is at that plan.

    Optionally, ``finish(state, Y, v, *, generator=None) -> Y`` moves the
    synthetic rows once more after the loop (the class's frozen columns are
    kept); :class:`SemiRelaxedWasserstein` uses it to sharpen its
    entropic optimum when asked.  ``c * d`` passes ``d``'s on; a sum has
    none, since one part's optimum is not the sum's.
    """

    def prepare(self, X, w, *, params=None, generator=None):
        return {"params": {}, "X": X, "w": w}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        raise NotImplementedError

    def held_out(self, state, Y, v):
        return None

    def row_curvature(self, state, v):
        return None

    def __add__(self, other):
        if not _is_discrepancy(other):
            return NotImplemented
        return Sum([self, other])

    def __radd__(self, other):
        # sum([...]) starts from 0.
        if isinstance(other, numbers.Number) and other == 0:
            return self
        return NotImplemented

    def __mul__(self, factor):
        if not isinstance(factor, numbers.Real) or isinstance(factor, bool):
            return NotImplemented
        return Scaled(self, float(factor))

    __rmul__ = __mul__

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash(repr(self))


def row_curvature(discrepancy, state, v):
    """The discrepancy's ``row_curvature(state, v)``, or None for one without
    (a user-written discrepancy needs only ``prepare`` and ``__call__``)."""
    method = getattr(discrepancy, "row_curvature", None)
    return None if method is None else method(state, v)


def _is_discrepancy(obj):
    return callable(getattr(obj, "prepare", None)) and callable(obj)


def real_batch(state, batch):
    """The real rows a call measures against: the minibatch or all rows."""
    return (state["X"], state["w"]) if batch is None else batch


class Sum(Discrepancy):
    """Sum of discrepancies; ``a + b`` builds one."""

    def __init__(self, parts):
        flat = []
        for part in parts:
            flat.extend(part.parts if isinstance(part, Sum) else [part])
        self.parts = flat

    def prepare(self, X, w, *, params=None, generator=None):
        given = params["parts"] if params is not None else [None] * len(self.parts)
        states = [
            part.prepare(X, w, params=p, generator=generator)
            for part, p in zip(self.parts, given)
        ]
        return {"parts": states, "params": {"parts": [s["params"] for s in states]}}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        return sum(
            part(s, Y, v, batch=batch, generator=generator)
            for part, s in zip(self.parts, state["parts"])
        )

    def row_curvature(self, state, v):
        curvatures = [
            row_curvature(part, s, v) for part, s in zip(self.parts, state["parts"])
        ]
        if any(c is None for c in curvatures):
            return None
        return sum(curvatures)

    def __repr__(self):
        return " + ".join(repr(p) for p in self.parts)


class Scaled(Discrepancy):
    """A discrepancy times a non-negative constant; ``0.1 * d`` builds one."""

    def __init__(self, base, factor):
        if factor < 0:
            raise ValueError(
                f"A discrepancy can only be scaled by a non-negative factor, got "
                f"{factor}: a negative weight would reward moving away from the data."
            )
        self.base = base
        self.factor = factor

    def prepare(self, X, w, *, params=None, generator=None):
        return self.base.prepare(X, w, params=params, generator=generator)

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        return self.factor * self.base(state, Y, v, batch=batch, generator=generator)

    def row_curvature(self, state, v):
        curvature = row_curvature(self.base, state, v)
        return None if curvature is None else self.factor * curvature

    def finish(self, state, Y, v, *, generator=None):
        # A positive factor leaves the base's optimum where it is.
        finish = getattr(self.base, "finish", None)
        if finish is None or self.factor == 0:
            return Y
        return finish(state, Y, v, generator=generator)

    def __repr__(self):
        return f"{self.factor!r} * {self.base!r}"


def params_to_numpy(params):
    """Resolved settings -> nested structure of NumPy arrays (for pickling)."""
    if isinstance(params, dict):
        return {k: params_to_numpy(v) for k, v in params.items()}
    if isinstance(params, list):
        return [params_to_numpy(v) for v in params]
    if isinstance(params, torch.Tensor):
        return params.detach().cpu().numpy()
    return params


def params_to_torch(params, device, dtype):
    """Inverse of :func:`params_to_numpy`."""
    if isinstance(params, dict):
        return {k: params_to_torch(v, device, dtype) for k, v in params.items()}
    if isinstance(params, list):
        return [params_to_torch(v, device, dtype) for v in params]
    if isinstance(params, np.ndarray):
        return torch.as_tensor(params, device=device, dtype=dtype)
    return params
