"""Exponentials without subnormal results (skdc._floats)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from skdc import _floats


def _is_subnormal(t):
    tiny = torch.finfo(t.dtype).tiny
    return (t != 0) & (t.abs() < tiny)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_exp_is_normal_and_exact_above_the_floor(dtype):
    low = _floats.floor_exponent(dtype)
    z = torch.linspace(3 * low, 5.0, 10_001, dtype=dtype)
    out = _floats.exp(z)
    assert not _is_subnormal(out).any()
    floor = float(torch.exp(torch.tensor(low, dtype=dtype)))
    assert (out[z <= low] == floor).all()
    above = z > low
    assert_allclose(out[above].numpy(), torch.exp(z[above]).numpy(), rtol=1e-6)
    # The floor's products with each other and a weight of 1e-6 stay normal.
    assert floor * floor * 1e-6 >= torch.finfo(dtype).tiny


def test_exp_gradient_and_nan():
    z = torch.tensor([0.0, -1.0, -1e4], requires_grad=True)
    _floats.exp(z).sum().backward()
    assert_allclose(z.grad.numpy(), [1.0, np.exp(-1.0), 0.0], rtol=1e-6)
    assert torch.isnan(_floats.exp(torch.tensor([float("nan")]))).all()


def test_logsumexp_and_softmax_match_torch():
    rng = np.random.RandomState(0)
    # Spreads of hundreds: most exponentials underflow in float32.
    z = torch.as_tensor(rng.normal(scale=300.0, size=(50, 40)), dtype=torch.float32)
    z[3] = -torch.inf  # a slice with no mass
    z[4, :5] = -torch.inf
    for dim in (0, 1):
        expected = torch.logsumexp(z, dim)
        assert_allclose(_floats.logsumexp(z, dim).numpy(), expected.numpy(), rtol=1e-6)
        soft = _floats.softmax(z, dim)
        assert not _is_subnormal(soft).any()
        assert_allclose(soft.numpy(), torch.softmax(z, dim).numpy(), atol=1e-12)
        # Far below the maximum, exactly zero: no mass.
        assert (soft[z - z.amax(dim, keepdim=True) < -200] == 0).all()
    assert _floats.logsumexp(z, 1)[3] == -torch.inf


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_one_pass_logsumexp_and_softmax_match_torch(dtype):
    rng = np.random.RandomState(0)
    z = torch.as_tensor(rng.normal(scale=40.0, size=(50, 30)), dtype=dtype)
    lse, rows = _floats.logsumexp_and_softmax(z)
    assert_allclose(lse.numpy(), torch.logsumexp(z, 1).numpy(), rtol=1e-6)
    # Equal to rounding above exp's floor; at the floor a normal number
    # (about 2e-13 of the row's largest entry in float32) where torch's
    # would be smaller or subnormal.
    floor = 1.01 * float(np.exp(_floats.floor_exponent(dtype)))
    assert_allclose(rows.numpy(), torch.softmax(z, 1).numpy(), rtol=1e-5, atol=floor)
    assert not _is_subnormal(rows).any()
    assert_allclose(rows.sum(1).numpy(), np.ones(50), rtol=1e-6)


def test_graph_free_passes_give_the_same_bits():
    # Without a graph sq_distances and logsumexp_and_softmax run in place,
    # which must not change a bit of what the quality suites measured.
    from skdc.kernels import sq_distances

    rng = np.random.RandomState(1)
    X = torch.as_tensor(rng.normal(size=(40, 5)), dtype=torch.float32)
    Y = torch.as_tensor(rng.normal(size=(7, 5)), dtype=torch.float32)
    Y.requires_grad_(True)
    with_graph = sq_distances(X, Y)
    with torch.no_grad():
        without = sq_distances(X, Y)
    assert with_graph.requires_grad and not without.requires_grad
    np.testing.assert_array_equal(with_graph.detach().numpy(), without.numpy())

    z = (-with_graph / 0.01).detach().requires_grad_(True)
    lse, rows = _floats.logsumexp_and_softmax(z)
    with torch.no_grad():
        lse_free, rows_free = _floats.logsumexp_and_softmax(z)
    np.testing.assert_array_equal(lse.detach().numpy(), lse_free.numpy())
    np.testing.assert_array_equal(rows.detach().numpy(), rows_free.numpy())
    # The floor was exercised: entries far below the row's largest sit on
    # it, positive and normal, as exp's own clamp puts them.
    assert (rows_free < 1e-10).any() and (rows_free > 0).all()
    assert not _is_subnormal(rows_free).any()
