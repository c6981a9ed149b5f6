"""Exponentials whose results are never subnormal.

Kernels and transport plans are exponentials of minus a cost over a scale,
and on real tables many of those costs are hundreds of scales: their
exponentials fall below the dtype's smallest normal number.  CPUs compute
on such subnormal numbers through a slow path, so a matrix product of a
plan that holds some took tens of times longer (a semi-relaxed W2 fit on a
churn table spent three quarters of its time there).  Here an exponent is
clamped at the log of the cube root of the smallest normal number (about
2e-13 in float32, 6e-103 in float64): every product of two such entries and
a weight stays normal, and a sum of them changes by a relative 1e-13 at
most, far below float32's resolution.
"""

import math

import torch


def floor_exponent(dtype):
    """The smallest exponent :func:`exp` takes for ``dtype``: the log of the
    cube root of its smallest normal number."""
    return math.log(torch.finfo(dtype).tiny) / 3.0


def exp(z):
    """``torch.exp(z)`` with z clamped below at :func:`floor_exponent`
    (zero gradient there); NaN stays NaN."""
    # Clamped before, not after: exp itself is slow when its result is
    # subnormal, and masking to exact zeros cost more than exp.
    return torch.exp(z.clamp_min(floor_exponent(z.dtype)))


def logsumexp(z, dim):
    """``torch.logsumexp(z, dim)`` through :func:`exp`, so the sum never
    meets a subnormal term.  Slices that are all -inf give -inf."""
    top = z.amax(dim, keepdim=True).detach()
    total = exp(z - _finite(top)).sum(dim)
    # exp's floor gives an all -inf slice a sum of floors, not 0; its
    # maximum says so without another pass over z.
    top = top.squeeze(dim)
    return torch.where(top == -torch.inf, top, total.log() + _finite(top))


def logsumexp_and_softmax(z):
    """``(logsumexp(z, 1), softmax(z, 1))`` of a finite (n, m) z from one
    pass of :func:`exp`: the softmax's entries are that pass's, divided by
    their row sums, where ``exp(z - logsumexp)`` would take a second.  The
    two agree to rounding."""
    top = z.amax(1, keepdim=True).detach()
    graph = torch.is_grad_enabled() and z.requires_grad
    # Without a graph, exp's steps run in place on one buffer (the same bits).
    e = exp(z - top) if graph else (z - top).clamp_min_(floor_exponent(z.dtype)).exp_()
    total = e.sum(1)
    rows = e / total[:, None] if graph else e.div_(total[:, None])
    return total.log() + top.squeeze(1), rows


def softmax(z, dim):
    """``torch.softmax(z, dim)`` with every entry zero or normal: an
    entry whose exponent lies below :func:`floor_exponent` after the
    slice's maximum is subtracted is exactly zero (a slower mask than
    :func:`exp`'s clamp, for plans whose zeros mean "no mass")."""
    shifted = z - _finite(z.amax(dim, keepdim=True).detach())
    e = exp(shifted).masked_fill(shifted < floor_exponent(z.dtype), 0.0)
    return e / e.sum(dim, keepdim=True)


def _finite(top):
    """Slice maxima with 0 where one is not finite, so that subtracting
    them never makes a NaN of -inf."""
    return torch.where(torch.isfinite(top), top, torch.zeros_like(top))
