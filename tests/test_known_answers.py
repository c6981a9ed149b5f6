"""Known answers: closed forms, reference implementations, and the property a
condenser exists for (a lower discrepancy than a random subset)."""

import warnings

import numpy as np
import ot
import pytest
import torch
from scipy.spatial.distance import cdist
from scipy.stats import wasserstein_distance
from sklearn.datasets import load_diabetes, load_iris, make_blobs

from skdc import (
    DiscrepancyCondenser,
    MMDCondenser,
    RandomSubset,
    WassersteinCondenser,
)
from skdc._allocation import allocate, resolve_size
from skdc.discrepancy import MMD, SinkhornDivergence, SlicedWasserstein, Wasserstein
from skdc.discrepancy._base import params_to_torch
from skdc.metrics import mmd, sinkhorn_divergence, wasserstein

SEEDS = (0, 1, 2)

# The fits that must converge say so through their assertions, not warnings.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _two_classes_1d(seed=0):
    rng = np.random.RandomState(seed)
    X = np.concatenate([rng.normal(0, 1, 50), rng.normal(5, 2, 40)])[:, None]
    return X, np.repeat([0, 1], [50, 40])


# ------------------------------------------------ condensers: closed forms


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("learning_rate", [0.05, 0.01])
@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: WassersteinCondenser(method="exact", p=2, **kw),
        lambda **kw: MMDCondenser(kernel="linear", **kw),
    ],
    ids=["W2-exact", "MMD-linear"],
)
def test_one_point_per_class_is_the_class_mean(make, learning_rate, seed):
    # E|x - y|^2 and (E x - y)^2 are both minimised by y = E x.  The loop
    # works in units of the class's standard deviation and Adam (MMD) moves
    # by about learning_rate of them per step, so that is its resolution;
    # exact W2's Newton steps do better (tested below).
    X, y = _two_classes_1d()
    condenser = make(
        size=2, learning_rate=learning_rate, tol=1e-6, max_iter=1000, random_state=seed
    )
    condenser.fit(X, y)
    for k in (0, 1):
        real = X[y == k, 0]
        np.testing.assert_allclose(
            condenser.X_[condenser.y_ == k, 0],
            real.mean(),
            atol=learning_rate * real.std(),
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_w2_points_on_uniform_data_are_quantile_midpoints(seed):
    # The W2-optimal M equal-mass points of U(0, 1) are the midpoints
    # (i + 0.5) / M of its M quantile cells.  On the evenly spaced grid below
    # each cell's mean is exactly its midpoint, which Newton steps reach to
    # float32 precision.
    n, m = 500, 5
    X = ((np.arange(n) + 0.5) / n)[:, None]
    condenser = WassersteinCondenser(method="exact", p=2, size=m, random_state=seed)
    condenser.fit(X)
    np.testing.assert_allclose(
        np.sort(condenser.X_[:, 0]), (np.arange(m) + 0.5) / m, atol=1e-6
    )


def test_w2_points_on_uniform_sample_are_its_quantile_cell_means():
    # On a random sample the optimum is the mean of each block of n / M sorted
    # values, which are the midpoints up to sampling error (~ 1 / sqrt(n)).
    m = 5
    X = np.random.RandomState(0).uniform(size=(500, 1))
    blocks = np.sort(X[:, 0]).reshape(m, -1).mean(1)
    condenser = WassersteinCondenser(method="exact", p=2, size=m, random_state=0)
    condenser.fit(X)
    np.testing.assert_allclose(np.sort(condenser.X_[:, 0]), blocks, atol=1e-6)
    np.testing.assert_allclose(blocks, (np.arange(m) + 0.5) / m, atol=0.03)


@pytest.mark.parametrize("seed", SEEDS)
def test_w2_newton_steps_on_minibatches_settle_near_the_quantile_midpoints(seed):
    # With minibatches each Newton step lands on a noisy barycentre (about
    # 50 real rows per synthetic row here); halving the step whenever the
    # loss stalls averages the noise away: within an eighth of a cell.
    n, m = 4000, 5
    X = ((np.arange(n) + 0.5) / n)[:, None]
    condenser = WassersteinCondenser(
        method="exact", size=m, batch_size=256, random_state=seed
    )
    condenser.fit(X)
    np.testing.assert_allclose(
        np.sort(condenser.X_[:, 0]), (np.arange(m) + 0.5) / m, atol=0.2 / 8
    )


@pytest.mark.parametrize("method", ["exact", "semi-relaxed"])
@pytest.mark.parametrize("learning_rate", [0.05, 0.5])
def test_w2_lands_on_the_class_mean_whatever_the_learning_rate(learning_rate, method):
    # W2 takes Newton steps (its curvature in each row is twice the row's
    # mass): the first lands on the mean, learning_rate plays no part, and
    # the answer is exact to float32, not to a step's resolution as with Adam.
    X, y = _two_classes_1d()
    condenser = WassersteinCondenser(
        method=method, size=2, learning_rate=learning_rate, random_state=0
    ).fit(X, y)
    for k in (0, 1):
        expected = X[y == k, 0].mean()
        np.testing.assert_allclose(
            condenser.X_[condenser.y_ == k, 0], expected, rtol=1e-5
        )


def test_w2_exact_fit_is_a_barycentre_fixed_point():
    # At convergence each synthetic row is the barycentre of the real mass
    # the optimal plan sends it (Cuturi & Doucet's fixed point).
    X, _ = make_blobs(400, n_features=3, centers=5, random_state=0)
    m = 12
    condenser = WassersteinCondenser(method="exact", size=m, random_state=0).fit(X)
    Y = condenser.X_
    plan = ot.emd(np.full(len(X), 1 / len(X)), np.full(m, 1 / m), ot.dist(X, Y))
    np.testing.assert_allclose(plan.T @ X * m, Y, atol=1e-4 * X.std())
    assert condenser.n_iter_ < 200


def test_linear_mmd_matches_the_data_mean():
    # Linear-kernel MMD^2 is ||mean(X) - mean(Y)||^2: only the mean is matched.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3)) * [1.0, 5.0, 0.1] + [3.0, -2.0, 1.0]
    condenser = MMDCondenser(kernel="linear", size=5, tol=1e-6, max_iter=300)
    condenser.set_params(random_state=0).fit(X)
    # To 1% of each feature's spread (the features differ 50-fold in scale).
    np.testing.assert_allclose(
        (condenser.X_.mean(0) - X.mean(0)) / X.std(0), 0.0, atol=0.01
    )
    assert condenser.discrepancy_ < 1e-4 * X.var(0).sum()


# ------------------------------------------------------ metrics: references


def _clouds(seed=0, n=30, m=12, d=3):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n, d)), rng.normal(0.5, 1.5, size=(m, d))


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_mmd_is_squared_distance_of_means(seed):
    X, Y = _clouds(seed)
    expected = np.sum((X.mean(0) - Y.mean(0)) ** 2)
    np.testing.assert_allclose(mmd(X, Y, kernel="linear"), expected, rtol=1e-10)
    np.testing.assert_allclose(
        mmd(X, Y, kernel="linear", squared=False), np.sqrt(expected), rtol=1e-10
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_energy_mmd_is_the_energy_distance(seed):
    X, Y = _clouds(seed)
    expected = (
        2 * cdist(X, Y).mean() - cdist(X, X).mean() - cdist(Y, Y).mean()
    )  # V-statistic: the zero diagonals included
    # The kernel floors distances at 1e-6 (a finite gradient at x == y).
    np.testing.assert_allclose(mmd(X, Y, kernel="energy"), expected, atol=1e-6)


def test_gaussian_mmd_with_fixed_bandwidth_matches_the_formula():
    X, Y = _clouds(1)
    h = 1.3

    def k(A, B):
        return np.exp(-cdist(A, B, "sqeuclidean") / (2 * h**2))

    expected = k(X, X).mean() - 2 * k(X, Y).mean() + k(Y, Y).mean()
    np.testing.assert_allclose(mmd(X, Y, bandwidth=h), expected, rtol=1e-8)
    # A list of bandwidths averages the kernels.
    h2 = 0.4

    def k2(A, B):
        return np.exp(-cdist(A, B, "sqeuclidean") / (2 * h2**2))

    mixed = (
        (k(X, X) + k2(X, X)).mean()
        - (k(X, Y) + k2(X, Y)).mean() * 2
        + (k(Y, Y) + k2(Y, Y)).mean()
    ) / 2
    np.testing.assert_allclose(mmd(X, Y, bandwidth=[h, h2]), mixed, rtol=1e-8)


def test_multiscale_bandwidth_averages_quarter_half_and_whole_median():
    X, Y = _clouds(2)
    # The median heuristic: median distance between two rows of X (all
    # pairs, X having fewer than 1000 rows).
    d = cdist(X, X)
    median = np.median(d[np.triu_indices(len(X), 1)])

    def k(A, B, h):
        return np.exp(-cdist(A, B, "sqeuclidean") / (2 * h**2))

    expected = np.mean(
        [
            k(X, X, h).mean() - 2 * k(X, Y, h).mean() + k(Y, Y, h).mean()
            for h in (0.25 * median, 0.5 * median, median)
        ]
    )
    np.testing.assert_allclose(mmd(X, Y, bandwidth="multiscale"), expected, rtol=1e-6)
    np.testing.assert_allclose(
        mmd(X, Y, bandwidth="median"),
        k(X, X, median).mean() - 2 * k(X, Y, median).mean() + k(Y, Y, median).mean(),
        rtol=1e-6,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_wasserstein_1d_p1_equals_scipy(seed):
    rng = np.random.RandomState(seed)
    x, y = rng.normal(size=40), rng.exponential(size=25)
    np.testing.assert_allclose(
        wasserstein(x[:, None], y[:, None], p=1),
        wasserstein_distance(x, y),
        rtol=1e-6,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_wasserstein_1d_p2_equal_sizes_is_sorted_quantile_distance(seed):
    rng = np.random.RandomState(seed)
    x, y = rng.normal(size=30), rng.uniform(-1, 3, size=30)
    expected = np.sqrt(np.mean((np.sort(x) - np.sort(y)) ** 2))
    np.testing.assert_allclose(
        wasserstein(x[:, None], y[:, None], p=2), expected, rtol=1e-8
    )
    # In 1-D every direction is the same line: sliced equals exact.
    np.testing.assert_allclose(
        wasserstein(x[:, None], y[:, None], p=2, method="sliced"), expected, rtol=1e-8
    )


def test_wasserstein_of_a_translation_is_its_length():
    X, _ = _clouds(2)
    shift = np.array([3.0, -4.0, 0.0])  # length 5
    np.testing.assert_allclose(wasserstein(X, X + shift), 5.0, rtol=1e-6)


def test_sinkhorn_divergence_zero_on_itself_positive_when_shifted():
    # reg=0.5: at the default blur Sinkhorn hits its 1000-iteration cap on
    # these 30 rows (POT warns), which would blur the tolerances below.
    X, _ = _clouds(0)
    assert abs(sinkhorn_divergence(X, X, reg=0.5)) < 1e-10
    assert sinkhorn_divergence(X, X + 0.1, reg=0.5) > 0
    assert sinkhorn_divergence(X[:20], X[10:], reg=0.5) > 0
    # Debiased, with the quadratic cost, a translation by t costs |t|^2 at
    # any blur: the cross terms of |x - y - t|^2 are absorbed by the dual
    # potentials, so the plan is that of (X, X).
    for t in (0.5, 2.0):
        np.testing.assert_allclose(
            sinkhorn_divergence(X, X + t, reg=0.5), 3 * t**2, rtol=1e-6
        )


@pytest.mark.parametrize("symmetric", [False, True], ids=["a-b", "a-a"])
def test_entropic_ot_matches_pot_and_finite_differences(symmetric):
    import ot

    from skdc.discrepancy.wasserstein import cost_matrix, entropic_ot

    rng = np.random.RandomState(0)
    X = torch.as_tensor(rng.normal(size=(40, 3)))
    Y = torch.as_tensor(rng.normal(size=(12, 3)) + 0.5, dtype=torch.float64)
    a = torch.as_tensor(rng.uniform(0.5, 1.5, 40))
    a = a / a.sum()
    b = torch.full((12,), 1 / 12, dtype=torch.float64)
    eps = 0.05 * float(cost_matrix(X, X, 2).mean())

    def ours(a, Y):
        if symmetric:
            return entropic_ot(a, None, cost_matrix(X, X, 2), eps, tol=1e-13)[0]
        return entropic_ot(a, b, cost_matrix(X, Y, 2), eps, tol=1e-13)[0]

    a_, Y_ = a.clone().requires_grad_(True), Y.clone().requires_grad_(True)
    value = ours(a_, Y_)
    value.backward()
    M = cost_matrix(X, X if symmetric else Y_, 2)
    reference = ot.solve(
        M, a, a if symmetric else b, reg=eps, max_iter=100000, tol=1e-13
    )
    np.testing.assert_allclose(value.item(), reference.value.item(), rtol=1e-9)
    if not symmetric:
        # The gradient in the rows is the plan's: POT's envelope gradient.
        Y_pot = Y.clone().requires_grad_(True)
        ot.solve(
            cost_matrix(X, Y_pot, 2),
            a,
            b,
            reg=eps,
            max_iter=100000,
            tol=1e-13,
            grad="envelope",
        ).value.backward()
        np.testing.assert_allclose(Y_.grad, Y_pot.grad, atol=1e-9)
    # In the weights, against central differences along a direction that
    # keeps them summing to one (POT's envelope gradient is off here).
    direction = torch.as_tensor(rng.normal(size=40))
    direction -= direction.mean()
    h = 1e-6
    numeric = (ours(a + h * direction, Y) - ours(a - h * direction, Y)) / (2 * h)
    np.testing.assert_allclose(float(a_.grad @ direction), numeric.item(), rtol=1e-6)


@pytest.mark.parametrize("dense_rows", [256, 0], ids=["dense", "conjugate"])
def test_semi_relaxed_ot_matches_pot(dense_rows, monkeypatch):
    # b's side relaxed into tau KL(P^T 1 | b): POT's unbalanced Sinkhorn with
    # reg_m=(inf, tau) gives the plan; our value is its primal objective and
    # our gradient in the rows its plan's, sum_i P_ij 2 (y_j - x_i).  Newton's
    # systems solved densely or (as for many synthetic rows) by conjugate
    # gradients: the same answer.
    import ot

    from skdc.discrepancy import wasserstein
    from skdc.discrepancy.wasserstein import cost_matrix, semi_relaxed_ot

    monkeypatch.setattr(wasserstein, "_DENSE_NEWTON_ROWS", dense_rows)

    rng = np.random.RandomState(3)
    X = torch.as_tensor(rng.normal(size=(40, 3)))
    Y = torch.as_tensor(rng.normal(size=(6, 3))).requires_grad_(True)
    a = torch.as_tensor(rng.uniform(0.5, 1.5, 40))
    a, b = a / a.sum(), torch.full((6,), 1 / 6, dtype=torch.float64)
    eps, tau = 0.1, 0.5
    M = cost_matrix(X, Y, 2)
    value, g, mass = semi_relaxed_ot(a, b, M, eps, tau, tol=1e-12)
    value.backward()
    plan = ot.unbalanced.sinkhorn_unbalanced(
        a.numpy(),
        b.numpy(),
        M.detach().numpy(),
        reg=eps,
        reg_m=(float("inf"), tau),
        numItermax=100000,
        stopThr=1e-14,
    )

    def kl(p, q):
        return float((p * np.log(p / q) - p + q).sum())

    np.testing.assert_allclose(mass.numpy(), plan.sum(0), rtol=1e-8)
    mass = plan.sum(0)
    primal = (
        float((plan * M.detach().numpy()).sum())
        + eps * kl(plan, np.outer(a, b))
        + tau * kl(mass, b.numpy())
    )
    np.testing.assert_allclose(value.item(), primal, rtol=1e-9)
    np.testing.assert_allclose((b * torch.exp(-g / tau)).numpy(), mass, rtol=1e-8)
    assert np.ptp(mass) > 0.05  # the relaxation moved mass between columns
    grad = 2 * (mass[:, None] * Y.detach().numpy() - plan.T @ X.numpy())
    np.testing.assert_allclose(Y.grad.numpy(), grad, atol=1e-9)
    # Warm-started from this solve's potential, the next step's solve
    # reaches the cold answer.
    moved = cost_matrix(X, Y.detach() + 0.1, 2)
    warm = semi_relaxed_ot(a, b, moved, eps, tau, g=g, tol=1e-12)
    cold = semi_relaxed_ot(a, b, moved, eps, tau, tol=1e-12)
    np.testing.assert_allclose(float(warm[0]), float(cold[0]), rtol=1e-10)
    np.testing.assert_allclose(warm[2].numpy(), cold[2].numpy(), rtol=1e-8)


def test_semi_relaxed_ot_conjugate_gradients_match_the_dense_solve(monkeypatch):
    # Above _DENSE_NEWTON_ROWS synthetic rows the Newton systems go to
    # conjugate gradients over the plan's larger entries; the solve they
    # reach is the dense one's, from a cold and from a warm start.
    from skdc.discrepancy import wasserstein
    from skdc.discrepancy.wasserstein import cost_matrix, semi_relaxed_ot

    rng = np.random.RandomState(5)
    m = wasserstein._DENSE_NEWTON_ROWS + 44
    X = torch.as_tensor(rng.normal(size=(900, 4)))
    Y = torch.as_tensor(rng.normal(size=(m, 4)))
    a = torch.full((900,), 1 / 900, dtype=torch.float64)
    b = torch.full((m,), 1 / m, dtype=torch.float64)
    M = cost_matrix(X, Y, 2)
    scale = float(M.mean())
    eps, tau = 0.01 * scale, 0.3 * scale
    conjugate = semi_relaxed_ot(a, b, M, eps, tau, tol=1e-10)
    warm = semi_relaxed_ot(
        a, b, cost_matrix(X, Y + 0.05, 2), eps, tau, g=conjugate[1], tol=1e-10
    )
    monkeypatch.setattr(wasserstein, "_DENSE_NEWTON_ROWS", m + 1)
    dense = semi_relaxed_ot(a, b, M, eps, tau, tol=1e-10)
    dense_warm = semi_relaxed_ot(
        a, b, cost_matrix(X, Y + 0.05, 2), eps, tau, g=dense[1], tol=1e-10
    )
    for ours, theirs in ((conjugate, dense), (warm, dense_warm)):
        np.testing.assert_allclose(float(ours[0]), float(theirs[0]), rtol=1e-9)
        np.testing.assert_allclose(ours[2].numpy(), theirs[2].numpy(), atol=1e-9)
    # The relaxation moved mass: the test is not of a trivial plan.
    assert float(dense[2].max() - dense[2].min()) > 0.5 / m


def test_sparse_newton_direction_solves_the_newton_system():
    # The conjugate-gradient direction leaves a residual of at most
    # _CG_RTOL of the right-hand side's in the full (dense) system.
    from skdc.discrepancy import wasserstein

    rng = np.random.RandomState(6)
    n, m = 500, 300
    s = torch.softmax(torch.as_tensor(rng.normal(size=(n, m)) * 8), 1)
    a = torch.full((n,), 1 / n, dtype=torch.float64)
    plan = a[:, None] * s
    mass = plan.sum(0)
    target = mass * torch.as_tensor(rng.uniform(0.5, 1.5, m))
    eps, tau = 0.05, 1.5
    d = wasserstein._sparse_newton_direction(s, a, mass, target, eps, tau)
    H = (torch.diag(mass) - s.T @ plan) / eps + torch.diag(target / tau)
    rhs = target - mass
    residual = float((H @ d - rhs).norm() / rhs.norm())
    assert residual <= wasserstein._CG_RTOL * 1.01


def test_exact_transport_matches_pot_in_value_and_gradients():
    from skdc.discrepancy._transport import emd2

    rng = np.random.RandomState(4)
    a = torch.as_tensor(rng.uniform(0.5, 1.5, 30))
    a = (a / a.sum()).requires_grad_(True)
    b = torch.as_tensor(rng.uniform(0.5, 1.5, 7))
    b = (b / b.sum()).requires_grad_(True)
    M = torch.as_tensor(rng.uniform(size=(30, 7))).requires_grad_(True)
    ours = emd2(a, b, M)
    ours.backward()
    a_, b_, M_ = (t.detach().clone().requires_grad_(True) for t in (a, b, M))
    reference = ot.emd2(a_, b_, M_)
    reference.backward()
    np.testing.assert_allclose(ours.item(), reference.item(), rtol=1e-12)
    for got, want in ((a, a_), (b, b_), (M, M_)):
        np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 1.5])
def test_sliced_one_dimensional_cost_matches_pot(p):
    from skdc.discrepancy._transport import wasserstein_1d

    rng = np.random.RandomState(5)
    # Ties within and across the samples, and uneven weights.
    x = torch.as_tensor(np.round(rng.normal(size=(40, 6)), 1)).requires_grad_(True)
    y = torch.as_tensor(np.round(rng.normal(1, 2, size=(9, 6)), 1))
    y = y.requires_grad_(True)
    a = torch.as_tensor(rng.uniform(0.5, 1.5, 40))
    b = torch.as_tensor(rng.uniform(0.5, 1.5, 9))
    a, b = a / a.sum(), (b / b.sum()).requires_grad_(True)
    ours = wasserstein_1d(x, y, a, b, p)
    ours.sum().backward()
    x_, y_, b_ = (t.detach().clone().requires_grad_(True) for t in (x, y, b))
    reference = ot.wasserstein_1d(x_, y_, a, b_, p=p)
    reference.sum().backward()
    np.testing.assert_allclose(ours.detach(), reference.detach(), rtol=1e-12)
    for got, want in ((x, x_), (y, y_), (b, b_)):
        np.testing.assert_allclose(got.grad, want.grad, atol=1e-12)


class _TriedBeforeTorch:
    """A POT backend tried before PyTorch's, as JAX's is: creating it is what
    takes 75% of a GPU where JAX has a CUDA build."""

    __type__ = torch.Tensor

    def __init__(self):
        raise AssertionError("POT was handed torch tensors")


@pytest.mark.parametrize("method", ["exact", "sliced", "semi-relaxed", "sinkhorn"])
def test_pot_is_only_handed_numpy_arrays(monkeypatch, method):
    from ot import backend

    implementations = list(backend._BACKEND_IMPLEMENTATIONS)
    monkeypatch.setattr(
        backend,
        "_BACKEND_IMPLEMENTATIONS",
        implementations[:1] + [_TriedBeforeTorch] + implementations[1:],
    )
    with pytest.raises(AssertionError, match="torch tensors"):  # the check bites
        ot.emd2(torch.ones(2) / 2, torch.ones(2) / 2, torch.eye(2))
    X, y = make_blobs(n_samples=120, centers=3, n_features=4, random_state=0)
    WassersteinCondenser(size=4, method=method, max_iter=5, random_state=0).fit(X, y)
    if method in ("exact", "sliced"):
        assert wasserstein(X[:40], X[40:], method=method) > 0


@pytest.mark.parametrize(
    "reg_m, expected",
    # tau -> 0: every real row goes to its nearest synthetic row, the
    # k-means centroids 0 and 10; tau large: equal masses, so the second
    # row takes 400 rows of the large cluster besides the small one's 100,
    # and sits at their mean 2.
    [(0.01, [0.0, 10.0]), (10.0, [0.0, 2.0])],
    ids=["k-means", "barycenter"],
)
def test_semi_relaxed_w2_spans_k_means_to_the_barycenter(reg_m, expected):
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 0.05, (900, 1)), rng.normal(10, 0.05, (100, 1))]
    # The answer is in the data's units; "auto" would power-map this column
    # (its small far cluster is a long tail).
    condenser = WassersteinCondenser(
        method="semi-relaxed", reg_m=reg_m, size=2, preprocessor=None, random_state=0
    ).fit(X, np.zeros(1000, dtype=int))
    np.testing.assert_allclose(np.sort(condenser.X_.ravel()), expected, atol=0.1)


def test_semi_relaxed_fit_is_a_stationary_point():
    # Newton steps at the plan's masses end where every row is the
    # barycentre of the mass its plan gives it: the gradient vanishes.
    from skdc.discrepancy import SemiRelaxedWasserstein

    X, y = load_iris(return_X_y=True)
    X = X[y == 0].astype(np.float64)
    # The optimiser's own answer: iris's one-decimal values are atoms.
    condenser = WassersteinCondenser(
        method="semi-relaxed", size=5, random_state=0, tol=1e-6, match_atoms=False
    ).fit(X, np.zeros(len(X), dtype=int))
    discrepancy = SemiRelaxedWasserstein()
    Xt = torch.as_tensor(X)
    w = torch.full((len(X),), 1 / len(X), dtype=torch.float64)
    state = discrepancy.prepare(
        Xt, w, params=params_to_torch(condenser._group_params[0], "cpu", torch.float64)
    )
    Y = torch.as_tensor(condenser.X_, dtype=torch.float64).requires_grad_(True)
    v = torch.full((5,), 0.2, dtype=torch.float64)
    discrepancy(state, Y, v).backward()
    curvature = discrepancy.row_curvature(state, v)
    np.testing.assert_allclose(float(curvature.sum()), 2.0, rtol=1e-2)
    # Newton's step grad / curvature, against the spread of the class.
    step = Y.grad / curvature[:, None]
    assert float(step.norm(dim=1).max()) < 1e-3 * float(Xt.std(0).norm())


def test_plan_means_known_answers():
    from skdc.discrepancy.wasserstein import plan_means

    rng = np.random.RandomState(3)
    X = torch.as_tensor(rng.normal(size=(200, 3)))
    w = torch.as_tensor(rng.uniform(0.5, 1.5, 200))
    Y = torch.as_tensor(rng.normal(size=(4, 3)))
    v, g = torch.full((4,), 0.25, dtype=torch.float64), torch.zeros(4).double()
    # A tiny epsilon: each row of Y goes to the weighted mean of its
    # Voronoi cell (a Lloyd step).
    cell = ((X[:, None] - Y[None]) ** 2).sum(-1).argmin(1).numpy()
    expected = np.array(
        [
            np.average(X.numpy()[cell == j], axis=0, weights=w.numpy()[cell == j])
            for j in range(4)
        ]
    )
    np.testing.assert_allclose(
        plan_means(X, w, Y, v, g, 1e-6).numpy(), expected, atol=1e-8
    )
    # A huge one: every row of Y gets every real row alike, the weighted mean.
    mean = np.average(X.numpy(), axis=0, weights=w.numpy())
    np.testing.assert_allclose(
        plan_means(X, w, Y, v, g, 1e9).numpy(), np.tile(mean, (4, 1)), atol=1e-6
    )
    # A potential of -inf sends nothing to a row: it stays where it is.
    g[2] = -1e6
    out = plan_means(X, w, Y, v, g, 1e-3).numpy()
    np.testing.assert_array_equal(out[2], Y[2].numpy())
    assert np.isfinite(out).all()


@pytest.mark.parametrize("factor", [None, 0.5])
def test_sharpening_removes_the_entropic_blur(factor):
    # Near the k-means limit (tiny reg_m) the potentials barely matter, so
    # a sharpened set sits at the means of its Voronoi cells (a k-means
    # fixed point); the entropic optimum is pulled off them by the blur.
    # A scaled discrepancy (factor) has the same optimum and sharpens too.
    from skdc.discrepancy import SemiRelaxedWasserstein

    X, y = load_iris(return_X_y=True)
    X = X[y == 0].astype(np.float64)

    def off_cell_means(sharpen):
        discrepancy = SemiRelaxedWasserstein(reg_m=1e-4, sharpen=sharpen)
        condenser = DiscrepancyCondenser(
            discrepancy if factor is None else factor * discrepancy,
            size=5,
            random_state=0,
            tol=1e-6,
            match_atoms=False,  # the optimiser's answer, before any atoms
        ).fit(X, np.zeros(len(X), dtype=int))
        S = condenser.X_
        cell = ((X[:, None] - S[None]) ** 2).sum(-1).argmin(1)
        means = np.array([X[cell == j].mean(0) for j in range(len(S))])
        return np.linalg.norm(S - means, axis=1).max()

    blurred, sharp = off_cell_means(False), off_cell_means(True)
    assert blurred > 1e-3
    assert sharp < 0.1 * blurred


def test_sharpening_keeps_the_relaxed_masses():
    # Equal masses split the large cluster (see the barycenter case above):
    # the sharpened plan splits it at the same place instead of rounding
    # every boundary row to one side.
    from skdc.discrepancy import SemiRelaxedWasserstein

    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 0.05, (900, 1)), rng.normal(10, 0.05, (100, 1))]
    condenser = DiscrepancyCondenser(
        SemiRelaxedWasserstein(reg_m=10.0, sharpen=True),
        size=2,
        preprocessor=None,  # in the data's units, as above
        random_state=0,
    ).fit(X, np.zeros(1000, dtype=int))
    np.testing.assert_allclose(np.sort(condenser.X_.ravel()), [0.0, 2.0], atol=0.1)


def test_cost_scales_median_is_over_distinct_rows():
    from skdc.discrepancy.wasserstein import cost_scales

    # Rows 0 (four times), 1, 2 and 10: the distinct rows' six squared
    # distances are 1, 1, 4, 64, 81 and 100, while the mean over all 49
    # ordered pairs counts the repeats and the zeros.
    X = torch.tensor([[0.0], [0.0], [0.0], [0.0], [1.0], [2.0], [10.0]]).double()
    mean, median = cost_scales(X)
    # torch's median of an even count is the lower middle value: 4.
    np.testing.assert_allclose(float(median), 4.0)
    np.testing.assert_allclose(float(mean), (cdist(X, X) ** 2).mean())
    # One distinct row: no pair to take a median of, the mean (clamped).
    same = torch.zeros(5, 2, dtype=torch.float64)
    assert float(cost_scales(same)[1]) == float(cost_scales(same)[0]) > 0


def test_semi_relaxed_blur_is_capped_on_long_tails():
    # epsilon is relative to the mean squared distance, as tau is, unless a
    # long tail makes the mean more than twice the median: then to twice
    # the median, down to a tenth of the mean (float32's floor).
    from skdc.discrepancy import SemiRelaxedWasserstein
    from skdc.discrepancy.wasserstein import cost_scales

    rng = np.random.RandomState(0)
    w = torch.full((200,), 1 / 200, dtype=torch.float64)
    for tail, ratios, expected in [
        (1, (0, 2), lambda mean, median: mean),
        (8, (2, 20), lambda mean, median: 2 * median),
        (60, (20, np.inf), lambda mean, median: mean / 10),
    ]:
        X = np.r_[rng.normal(0, 1, (190, 3)), rng.normal(0, tail, (10, 3))]
        mean, median = map(float, cost_scales(torch.as_tensor(X)))
        assert ratios[0] < mean / median < ratios[1]
        discrepancy = SemiRelaxedWasserstein(reg_m=0.3, reg=0.01)
        params = discrepancy.prepare(torch.as_tensor(X), w)["params"]
        np.testing.assert_allclose(
            float(params["epsilon"]), 0.01 * expected(mean, median)
        )
        np.testing.assert_allclose(float(params["tau"]), 0.3 * mean)


def test_semi_relaxed_needs_p_2():
    with pytest.raises(ValueError, match="p=2"):
        WassersteinCondenser(method="semi-relaxed", p=1, size=3).fit(
            *load_iris(return_X_y=True)
        )


def test_entropic_ot_warm_start_reaches_the_cold_answer():
    from skdc.discrepancy.wasserstein import cost_matrix, entropic_ot

    rng = np.random.RandomState(1)
    X = torch.as_tensor(rng.normal(size=(60, 2)))
    Y = torch.as_tensor(rng.normal(size=(8, 2)))
    a, b = torch.full((60,), 1 / 60.0), torch.full((8,), 1 / 8.0)
    a, b = a.double(), b.double()
    eps = 0.05 * float(cost_matrix(X, X, 2).mean())
    cold, g = entropic_ot(a, b, cost_matrix(X, Y, 2), eps, tol=1e-12)
    moved = Y + 0.05  # the next step's synthetic rows
    warm, _ = entropic_ot(a, b, cost_matrix(X, moved, 2), eps, g=g, tol=1e-12)
    fresh, _ = entropic_ot(a, b, cost_matrix(X, moved, 2), eps, tol=1e-12)
    np.testing.assert_allclose(float(warm), float(fresh), rtol=1e-10)
    assert float(fresh) != pytest.approx(float(cold), rel=1e-3)


def test_sinkhorn_real_term_is_solved_once_per_state():
    # It has no gradient: re-solving it for every minibatch was most of a
    # step's time.
    rng = np.random.RandomState(2)
    X = torch.as_tensor(rng.normal(size=(300, 2)))
    w = torch.full((300,), 1 / 300.0, dtype=torch.float64)
    Y, v = X[:10].clone(), torch.full((10,), 0.1, dtype=torch.float64)
    divergence = SinkhornDivergence()
    state = divergence.prepare(X, w, generator=torch.Generator().manual_seed(0))
    first = (X[:100], w[:100] / w[:100].sum())
    divergence(state, Y, v, batch=first)
    xx = state["xx"]
    # Solved to the divergence's tol (marginals within 1e-4).
    np.testing.assert_allclose(
        float(xx), sinkhorn_self(divergence, state, *first), rtol=1e-4
    )
    divergence(state, Y, v, batch=(X[100:200], w[100:200] / w[100:200].sum()))
    assert state["xx"] is xx


def sinkhorn_self(divergence, state, X, w):
    from skdc.discrepancy.wasserstein import cost_matrix, entropic_ot

    eps = state["params"]["epsilon"]
    return float(entropic_ot(w, w, cost_matrix(X, X, 2), eps, tol=1e-10)[0])


def test_metrics_are_symmetric_in_value_for_equal_sizes():
    X, Y = _clouds(3, n=20, m=20)
    np.testing.assert_allclose(wasserstein(X, Y), wasserstein(Y, X), rtol=1e-8)
    np.testing.assert_allclose(
        mmd(X, Y, kernel="energy"), mmd(Y, X, kernel="energy"), rtol=1e-8
    )


# ------------------------------------------- property: beats random rows


def _blobs(seed):
    X, y = make_blobs(
        n_samples=[120, 80], n_features=4, centers=None, random_state=seed
    )
    return X, y


def _per_class(metric, X, y, S, t):
    """Class-weighted average of metric(real rows of a class, its synthetic
    rows), the way ``discrepancy_`` averages."""
    labels, counts = np.unique(y, return_counts=True)
    values = [metric(X[y == c], S[t == c]) for c in labels]
    return float(np.dot(counts / counts.sum(), values))


@pytest.mark.parametrize("seed", SEEDS)
def test_mmd_condenser_beats_a_random_subset(seed):
    X, y = _blobs(seed)
    condenser = MMDCondenser(size=10, max_iter=100, random_state=seed).fit(X, y)
    subset = RandomSubset(size=10, random_state=seed).fit(X, y)

    def multiscale(A, B):
        return mmd(A, B, bandwidth="multiscale")

    # discrepancy_ is the condenser's own objective, the multi-scale MMD^2
    # of each class, averaged as skdc.metrics.mmd measures it ...
    ours = _per_class(multiscale, X, y, condenser.X_, condenser.y_)
    np.testing.assert_allclose(condenser.discrepancy_, ours, rtol=1e-3, atol=1e-7)
    assert ours < 0.6 * _per_class(multiscale, X, y, subset.X_, subset.y_)
    # ... and the set is closer at the median bandwidth alone too, where the
    # baselines report theirs.
    median = _per_class(mmd, X, y, condenser.X_, condenser.y_)
    assert median < 0.25 * subset.discrepancy_
    np.testing.assert_allclose(
        subset.discrepancy_, _per_class(mmd, X, y, subset.X_, subset.y_), rtol=1e-3
    )


def test_mmd_condenser_auto_settings_depend_on_the_features():
    X, y = _blobs(0)
    kw = {"size": 10, "max_iter": 20, "random_state": 0}

    def fitted(**settings):
        return MMDCondenser(**settings, **kw).fit(X, y).X_

    # Exact kernel: k-means start, three scales; random features: random
    # real rows, the median kernel.
    exact = fitted(init="kmeans", bandwidth="multiscale")
    rff = fitted(features="rff", init="random_real", bandwidth="median")
    np.testing.assert_array_equal(fitted(), exact)
    np.testing.assert_array_equal(fitted(features="rff"), rff)
    # Each other setting makes another set, so the equalities above say which.
    for other in (
        fitted(init="random_real", bandwidth="multiscale"),
        fitted(init="kmeans", bandwidth="median"),
    ):
        assert not np.array_equal(exact, other)
    for other in (
        fitted(features="rff", init="kmeans", bandwidth="median"),
        fitted(features="rff", init="random_real", bandwidth="multiscale"),
    ):
        assert not np.array_equal(rff, other)


def test_kmeans_start_reads_at_most_start_rows(monkeypatch):
    import skdc._init as starts

    rows = []
    centers = starts.kmeans_centers

    def spy(X, w, m, rng):
        rows.append(len(X))
        return centers(X, w, m, rng)

    monkeypatch.setattr(starts, "kmeans_centers", spy)
    monkeypatch.setattr(starts, "START_ROWS", 100)
    X = np.random.RandomState(0).normal(size=(500, 3))
    w = np.full(500, 1 / 500)
    Y = starts.INITS["kmeans"](X, w, 5, np.random.RandomState(0))
    assert Y.shape == (5, 3)
    Y = starts.INITS["kmeans"](
        X[:80], w[:80] / w[:80].sum(), 5, np.random.RandomState(0)
    )
    # 100 rows read of 500 (weighted draws); all 80 where there are fewer.
    assert rows == [100, 80]
    # The start lies where the rows do: within their range.
    assert (Y >= X[:80].min(0)).all() and (Y <= X[:80].max(0)).all()


def test_kmeans_start_on_fewer_distinct_rows_than_centroids_is_silent():
    from skdc._init import INITS

    X = np.repeat([[0.0, 0.0], [1.0, 2.0]], 10, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # sklearn's ConvergenceWarning included
        Y = INITS["kmeans"](X, np.full(20, 0.05), 4, np.random.RandomState(0))
    assert {tuple(row) for row in Y} == {(0.0, 0.0), (1.0, 2.0)}


@pytest.mark.parametrize("method", ["semi-relaxed", "exact"])
@pytest.mark.parametrize("seed", SEEDS)
def test_wasserstein_condenser_beats_a_random_subset(seed, method):
    X, y = _blobs(seed)
    condenser = WassersteinCondenser(
        method=method, size=10, max_iter=100, random_state=seed
    )
    condenser.fit(X, y)
    subset = RandomSubset(size=10, random_state=seed).fit(X, y)

    def w2(A, B):
        return wasserstein(A, B, p=2) ** 2

    ours = _per_class(w2, X, y, condenser.X_, condenser.y_)
    theirs = _per_class(w2, X, y, subset.X_, subset.y_)
    assert ours < 0.8 * theirs
    if method == "exact":
        # discrepancy_ is that same W2^2, averaged over classes.
        np.testing.assert_allclose(condenser.discrepancy_, ours, rtol=1e-4)


# ---------------------------------------------------------- target types


def test_regression_targets_are_learned_on_the_original_scale():
    X, y = load_diabetes(return_X_y=True)
    condenser = MMDCondenser(size=40, max_iter=50, random_state=0).fit(X, y)
    assert condenser.target_type_ == "regression"
    assert condenser.X_.shape == (40, 10) and condenser.y_.shape == (40,)
    assert y.min() <= condenser.y_.min() and condenser.y_.max() <= y.max()
    # On the scale of y (mean 152, sd 77), not standardised.
    assert abs(condenser.y_.mean() - y.mean()) < 0.5 * y.std()
    assert 0.3 * y.std() < condenser.y_.std() < 2 * y.std()
    assert not hasattr(condenser, "classes_")
    assert condenser.allocation_ == {None: 40}


def test_no_target_is_unsupervised():
    X, _ = load_diabetes(return_X_y=True)
    condenser = MMDCondenser(size=20, max_iter=20, random_state=0)
    X_s, y_s = condenser.fit_resample(X)
    assert condenser.y_ is None and y_s is None
    assert condenser.target_type_ == "unsupervised"
    assert X_s.shape == (20, 10)


def test_float_labels_with_few_values_are_classes():
    X, _ = _two_classes_1d()
    y = np.repeat([1.0, 2.0], [50, 40])
    subset = RandomSubset(size=6, random_state=0).fit(X, y)
    assert subset.target_type_ == "classification"
    np.testing.assert_array_equal(subset.classes_, [1.0, 2.0])


# -------------------------------------------------------------- allocation


def test_allocation_proportional_balanced_and_dict_through_fit():
    X, y = _two_classes_1d()  # 50 and 40 rows
    y = np.where(np.arange(90) < 10, 2, y)  # classes 0: 40, 1: 40, 2: 10
    fitted = RandomSubset(size=10, random_state=0).fit(X, y)
    assert fitted.allocation_ == {0: 4, 1: 4, 2: 2}
    fitted = RandomSubset(size=10, allocation="balanced", random_state=0).fit(X, y)
    assert fitted.allocation_ == {0: 4, 1: 3, 2: 3}
    fitted = RandomSubset(allocation={0: 1, 1: 5, 2: 10}, random_state=0).fit(X, y)
    assert fitted.allocation_ == {0: 1, 1: 5, 2: 10}
    assert fitted.X_.shape == (16, 1)
    np.testing.assert_array_equal(fitted.y_, np.repeat([0, 1, 2], [1, 5, 10]))


@pytest.mark.parametrize(
    "counts, total, allocation, expected",
    [
        # One row each, then 7 in proportion: quotas 3.5, 2.1, 1.4 -> 3, 2, 1;
        # the one row left goes to the largest remainder (0.5).
        ([50, 30, 20], 10, "proportional", [5, 3, 2]),
        # Shares that divide the rows left exactly: no remainder to hand out.
        ([60, 30, 30], 7, "proportional", [3, 2, 2]),
        # A tiny class still gets its row.
        ([1000, 1, 1], 5, "proportional", [3, 1, 1]),
        ([98, 1, 1], 3, "proportional", [1, 1, 1]),
        # Equal remainders: the first class wins the tie (stable order).
        ([10, 10, 10], 10, "balanced", [4, 3, 3]),
        ([100, 5, 50], 9, "balanced", [3, 3, 3]),
        # A dict is taken as given; the total is ignored.
        ([7, 9], 1, {"a": 2, "b": 6}, [2, 6]),
    ],
)
def test_allocate(counts, total, allocation, expected):
    classes = np.array(["a", "b", "c"][: len(counts)])
    alloc = allocate(classes, np.array(counts), total, allocation)
    np.testing.assert_array_equal(alloc, expected)
    assert all(a >= 1 for a in alloc)
    if not isinstance(allocation, dict):
        assert alloc.sum() == total


@pytest.mark.parametrize("seed", SEEDS)
def test_allocate_random_cases_sum_and_floor(seed):
    rng = np.random.RandomState(seed)
    counts = rng.randint(1, 200, size=7)
    for total in range(7, counts.sum() // 4):
        alloc = allocate(np.arange(7), counts, total, "proportional")
        assert alloc.sum() == total and alloc.min() >= 1
        # Largest remainder is within one row of the exact quota.
        quota = 1 + counts / counts.sum() * (total - 7)
        assert np.abs(alloc - quota).max() < 1


def test_resolve_size():
    assert resolve_size(7, 100) == 7
    assert resolve_size(0.25, 40) == 10
    assert resolve_size(0.001, 40) == 1  # never zero rows
    assert resolve_size(40, 40) == 40


# ---------------------------------------------------- discrepancy algebra


def _tensors():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(25, 3, generator=g, dtype=torch.float64)
    Y = torch.randn(6, 3, generator=g, dtype=torch.float64) + 0.3
    w = torch.full((25,), 1 / 25, dtype=torch.float64)
    v = torch.full((6,), 1 / 6, dtype=torch.float64)
    return X, w, Y, v


def _value(discrepancy, X, w, Y, v):
    state = discrepancy.prepare(X, w, generator=torch.Generator().manual_seed(1))
    return float(discrepancy(state, Y, v, generator=torch.Generator().manual_seed(2)))


def test_sum_and_scaling_of_discrepancies():
    X, w, Y, v = _tensors()
    parts = [MMD(), Wasserstein(), SinkhornDivergence(reg=0.5)]
    a, b, c = (_value(d, X, w, Y, v) for d in parts)
    assert a > 0 and b > 0 and c > 0

    np.testing.assert_allclose(
        _value(MMD() + 0.5 * Wasserstein(), X, w, Y, v), a + 0.5 * b, rtol=1e-12
    )
    np.testing.assert_allclose(
        _value(2 * (MMD() + Wasserstein()) + SinkhornDivergence(reg=0.5), X, w, Y, v),
        2 * a + 2 * b + c,
        rtol=1e-12,
    )
    # sum() starts from 0; Wasserstein() * 3 scales from the right too.
    np.testing.assert_allclose(
        _value(sum([MMD(), Wasserstein() * 3]), X, w, Y, v), a + 3 * b, rtol=1e-12
    )
    # Sums flatten: (a + b) + c has three parts, not two.
    assert len(((MMD() + Wasserstein()) + SlicedWasserstein()).parts) == 3


def test_sum_is_differentiable_in_the_synthetic_rows():
    X, w, Y, v = _tensors()
    Y = Y.clone().requires_grad_(True)
    objective = MMD() + 0.5 * Wasserstein()
    state = objective.prepare(X, w)
    objective(state, Y, v).backward()
    assert Y.grad is not None and torch.isfinite(Y.grad).all()
    assert Y.grad.abs().sum() > 0


def test_row_curvature_of_exact_w2_and_of_sums_and_scalings():
    # W2^2 at a fixed plan is sum_ij pi_ij |x_i - y_j|^2: curvature 2 v_j in
    # row j.  Sums and scalings keep a curvature only if every part has one.
    X, w, _, _ = _tensors()
    v = torch.tensor([0.25, 0.75], dtype=torch.float64)

    def curvature(discrepancy):
        return discrepancy.row_curvature(discrepancy.prepare(X, w), v)

    np.testing.assert_allclose(curvature(Wasserstein()), 2 * v)
    np.testing.assert_allclose(curvature(3 * Wasserstein()), 6 * v)
    np.testing.assert_allclose(curvature(Wasserstein() + 0.5 * Wasserstein()), 3 * v)
    assert curvature(Wasserstein(p=1)) is None
    assert curvature(MMD()) is None
    assert curvature(Wasserstein() + MMD()) is None


@pytest.mark.parametrize("kernel", ["gaussian", "laplacian", "imq", "energy", "linear"])
def test_stacked_mmd_states_give_each_groups_loss(kernel):
    # Groups of 30, 12 and 5 real rows (padded to 30 with rows of weight
    # zero) and 4 synthetic rows each: one stacked call returns the three
    # losses of three separate calls, for every kernel.
    rng = np.random.RandomState(0)
    discrepancy = MMD(kernel=kernel, bandwidth=("median", [0.5, 1.0]))
    states, Ys, vs = [], [], []
    for n in (30, 12, 5):
        X = torch.as_tensor(rng.standard_normal((n, 3)))
        w = torch.full((n,), 1.0 / n, dtype=torch.float64)
        states.append(discrepancy.prepare(X, w))
        Ys.append(torch.as_tensor(rng.standard_normal((4, 3))))
        vs.append(torch.as_tensor(rng.dirichlet(np.ones(4))))
    separate = [float(discrepancy(st, Y, v)) for st, Y, v in zip(states, Ys, vs)]
    stacked = discrepancy.stack_states(states)
    together = discrepancy(stacked, torch.stack(Ys), torch.stack(vs))
    assert together.shape == (3,)
    np.testing.assert_allclose(together.numpy(), separate, rtol=1e-10)


def test_prepare_reuses_given_params():
    # Held-out data is measured with the settings resolved on the training
    # data: the median bandwidth is not recomputed.
    X, w, Y, v = _tensors()
    objective = MMD() + SinkhornDivergence()
    fitted = objective.prepare(X, w)["params"]
    state = objective.prepare(Y, v, params=fitted)
    reused = state["params"]["parts"][0]["bandwidth"]
    assert reused is fitted["parts"][0]["bandwidth"]
    fresh = objective.prepare(Y, v)["params"]
    assert float(fresh["parts"][0]["bandwidth"]) != float(
        fitted["parts"][0]["bandwidth"]
    )


def test_zero_scaling_gives_zero_and_negative_scaling_raises():
    X, w, Y, v = _tensors()
    assert _value(0 * MMD(), X, w, Y, v) == 0.0
    with pytest.raises(ValueError, match="non-negative factor, got -0.5"):
        -0.5 * MMD()
    with pytest.raises(ValueError, match="non-negative factor"):
        MMD() * -1
    with pytest.raises(TypeError):
        MMD() + 1.0
    with pytest.raises(TypeError):
        MMD() * "2"


def test_discrepancy_equality_and_repr():
    assert MMD(kernel="linear") == MMD(kernel="linear")
    assert MMD(kernel="linear") != MMD(kernel="energy")
    assert hash(MMD(bandwidth=2.0)) == hash(MMD(bandwidth=2.0))
    assert repr(0.5 * Wasserstein(p=1)) == "0.5 * Wasserstein(p=1)"


def test_semi_relaxed_w2_gradient_is_autograds(monkeypatch):
    # From _DENSE_NEWTON_ROWS synthetic rows on, the value's gradient in Y
    # is written out (2 (diag(P^T 1) Y - P^T X) at the optimal plan) where
    # autograd went back through the plan and the cost matrix: the same
    # value, gradient and masses.  Below, and wherever X or the weights
    # carry a gradient (Adversarial's ascent), autograd's path is taken.
    from skdc.discrepancy import wasserstein
    from skdc.discrepancy.wasserstein import (
        cost_matrix,
        semi_relaxed_ot,
        semi_relaxed_w2,
    )

    rng = np.random.RandomState(3)
    m = wasserstein._DENSE_NEWTON_ROWS + 14
    X = torch.as_tensor(rng.normal(size=(700, 3)))
    a = torch.full((700,), 1 / 700, dtype=torch.float64)
    b = torch.full((m,), 1 / m, dtype=torch.float64)
    start = rng.normal(size=(m, 3))
    eps, tau = 0.05, 1.0

    Y_written = torch.tensor(start, requires_grad=True)
    written = semi_relaxed_w2(a, b, X, Y_written, eps, tau, tol=1e-10)
    written[0].backward()
    Y_auto = torch.tensor(start, requires_grad=True)
    auto = semi_relaxed_ot(a, b, cost_matrix(X, Y_auto, 2), eps, tau, tol=1e-10)
    auto[0].backward()
    np.testing.assert_allclose(
        float(written[0].detach()), float(auto[0].detach()), rtol=1e-12
    )
    np.testing.assert_allclose(Y_written.grad.numpy(), Y_auto.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(written[2].numpy(), auto[2].numpy(), atol=1e-14)
    assert float(Y_auto.grad.abs().max()) > 1e-4  # not a vanishing gradient

    # The written-out path is the one taken: autograd's would call exp on
    # the (n, m) plan once more after the solve.
    calls, exp = [], wasserstein._floats.exp
    monkeypatch.setattr(
        wasserstein._floats, "exp", lambda z: calls.append(z.shape) or exp(z)
    )
    semi_relaxed_w2(a, b, X, torch.tensor(start, requires_grad=True), eps, tau)
    assert (700, m) not in calls
    calls.clear()
    X_grad = X.clone().requires_grad_(True)
    semi_relaxed_w2(a, b, X_grad, torch.tensor(start, requires_grad=True), eps, tau)
    assert (700, m) in calls
