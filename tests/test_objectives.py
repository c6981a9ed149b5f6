"""Identities of the framework's objectives, asserted numerically."""

import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from skdc import DiscrepancyCondenser, MMDCondenser, WassersteinCondenser
from skdc.discrepancy import MMD, Discrepancy, RandomFeatureMMD, Wasserstein
from skdc.metrics import mmd
from skdc.selection import RandomSubset

F64 = torch.float64


def _cloud(n, d, seed, shift=0.0):
    rng = np.random.RandomState(seed)
    X = torch.as_tensor(rng.standard_normal((n, d)) + shift, dtype=F64)
    return X, torch.full((n,), 1.0 / n, dtype=F64)


def test_rff_mmd_converges_to_exact_mmd():
    X, w = _cloud(400, 5, 0)
    Y, v = _cloud(30, 5, 1, shift=0.5)
    exact = MMD()
    state = exact.prepare(X, w, generator=torch.Generator().manual_seed(0))
    target = float(exact(state, Y, v))
    errors = []
    for seed in range(5):
        # Fixed bandwidth equal to the exact MMD's median, fresh frequencies.
        bandwidth = float(state["params"]["bandwidth"])
        rff = RandomFeatureMMD(bandwidth=bandwidth, n_features=4096)
        s = rff.prepare(X, w, generator=torch.Generator().manual_seed(seed))
        errors.append(abs(float(rff(s, Y, v)) - target))
    # Monte Carlo error of D=4096 frequencies: O(1/sqrt(D)) ~ 0.016 of k's
    # range; the MMD^2 error stays well inside 0.01 here (target ~0.1).
    assert max(errors) < 0.01
    assert target > 0.05


def test_rff_features_have_unit_norm():
    from skdc.discrepancy.rff import fourier_features, random_frequencies

    X, _ = _cloud(50, 3, 0)
    omega = random_frequencies(
        "laplacian",
        torch.tensor([1.0, 2.0], dtype=F64),
        3,
        64,
        torch.Generator().manual_seed(0),
        X,
    )
    norms = fourier_features(X, omega).norm(dim=1)
    assert_allclose(norms.numpy(), 1.0, rtol=1e-12)


def test_rff_frequencies_are_orthogonal_in_blocks_with_spectral_lengths():
    from skdc.discrepancy.rff import orthogonal_directions, random_frequencies

    X, _ = _cloud(10, 4, 0)
    generator = torch.Generator().manual_seed(0)
    directions = orthogonal_directions(4, 10, generator, X)  # blocks 4, 4, 2
    for block in (slice(0, 4), slice(4, 8), slice(8, 10)):
        gram = directions[:, block].T @ directions[:, block]
        assert_allclose(gram.numpy(), np.eye(gram.shape[0]), atol=1e-12)
    # Lengths follow the Gaussian kernel's spectral density: |omega| * h is
    # chi-distributed with d degrees of freedom, E|omega|^2 h^2 = d.
    omega = random_frequencies(
        "gaussian", torch.tensor([2.0], dtype=F64), 4, 20000, generator, X
    )
    squared = (omega.norm(dim=0) * 2.0) ** 2
    assert abs(float(squared.mean()) - 4.0) < 0.1  # standard error 0.02


def test_orthogonal_frequencies_estimate_the_kernel_better_than_independent():
    # Yu et al. (2016): orthogonal directions lower the kernel estimate's
    # variance at no cost; measured here 4x lower or more at d = 10.
    from skdc.discrepancy.rff import fourier_features, random_frequencies

    X, _ = _cloud(200, 10, 0)
    h = torch.cdist(X, X).median()
    K = torch.exp(-(torch.cdist(X, X) ** 2) / (2 * h * h))

    def error(omega):
        F = fourier_features(X, omega)
        return float(((F @ F.T - K) ** 2).mean())

    orthogonal, independent = [], []
    for seed in range(5):
        g = torch.Generator().manual_seed(seed)
        orthogonal.append(error(random_frequencies("gaussian", h, 10, 256, g, X)))
        independent.append(error(torch.randn(10, 256, generator=g, dtype=F64) / h))
    assert np.mean(independent) > 2 * np.mean(orthogonal)


def test_numpy_and_torch_trigonometry_agree():
    # On the CPU float32 sines and cosines come from NumPy (faster there).
    import skdc.discrepancy.rff as rff

    X = torch.randn(300, 6, generator=torch.Generator().manual_seed(0)) * 3
    omega = torch.randn(6, 40, generator=torch.Generator().manual_seed(1))
    w = torch.full((300,), 1 / 300)
    assert rff._numpy_trig(X)
    fast = (rff.fourier_features(X, omega), rff.mean_embedding(X, w, omega))
    with torch.enable_grad():
        plain = rff.fourier_features(X.requires_grad_(True), omega).detach()
    assert_allclose(fast[0].numpy(), plain.numpy(), atol=1e-6)
    assert_allclose(fast[1].numpy(), (w @ plain).numpy(), atol=1e-6)


def test_rff_fits_stop_on_the_held_out_frequencies():
    # The objective can fall toward 0 by fitting its own frequencies (m*d
    # free numbers against 2D features); the held-out ones stop the loop.
    rng = np.random.RandomState(0)
    X = rng.standard_normal((2000, 20))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = MMDCondenser(
            features="rff", n_features=64, size=40, random_state=0, max_iter=2000
        ).fit(X)
    assert model.n_iter_[0] < 2000
    # The objective was still falling when the held-out estimate settled.
    history = model.history_[0]
    assert history[-10:].mean() < 0.9 * history[-60:-50].mean()


def test_loop_judges_convergence_on_held_out_when_given():
    from skdc._optimize import _MAX_STALLS, _WINDOW, optimise

    class EverFalling(Discrepancy):
        """A loss that keeps falling; its held-out estimate is flat."""

        def __init__(self, flat):
            self.flat = flat

        def __call__(self, state, Y, v, *, batch=None, generator=None):
            return (Y**2).sum()

        def held_out(self, state, Y, v):
            return torch.tensor(1.0, dtype=Y.dtype) if self.flat else None

    X = torch.ones(5, 2, dtype=F64)
    kwargs = {
        "learn_weights": False,
        "lower": X.new_full((2,), -10.0),
        "upper": X.new_full((2,), 10.0),
        "learning_rate": 0.01,
        "max_iter": 300,
        "tol": 1e-3,
        "batch_size": None,
        "generator": torch.Generator().manual_seed(0),
    }
    for flat, expected in ((True, (_MAX_STALLS + 2) * _WINDOW), (False, 300)):
        *_, n_iter, converged = optimise(
            EverFalling(flat), {}, X, X.new_full((5,), 0.2), 5 * X, **kwargs
        )
        assert (n_iter, converged) == (expected, flat)


@pytest.mark.parametrize(
    "value, best, first, stalled",
    [
        # A loss near zero after falling far (MMD): judged on the progress
        # made, 0.9 here, so 0.0005 of improvement is a stall, though it is
        # 0.5% of the loss itself.
        (0.0995, 0.1, 1.0, True),
        (0.0985, 0.1, 1.0, False),
        # A loss that stays large (W2): judged on itself, 0.01 at 10.
        (9.995, 10.0, 12.0, True),
        (9.98, 10.0, 12.0, False),
        # No progress, or a worse window: a stall.
        (1.0, 1.0, 1.0, True),
        (1.2, 1.0, 0.9, True),
    ],
)
def test_a_window_stalls_below_tol_of_the_loss_or_of_the_progress(
    value, best, first, stalled
):
    from skdc._optimize import _stalled

    assert _stalled(value, best, first, tol=1e-3) is stalled


def test_mmd_settles_before_max_iter_on_digits():
    # Judged against the loss's own size, the slow tail of Adam's steps on a
    # loss near zero kept MMD running to max_iter on 9 of digits' 10 classes.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = MMDCondenser(size=100, random_state=0).fit(X, y)
    assert max(model.n_iter_) < model.max_iter


def test_newton_step_leaves_rows_whose_mass_underflowed():
    """A relaxed plan can give a row a subnormal mass: its gradient is then
    rounding and 1 / mass overflows (inf * 0 made NaN rows on lending_club).
    Such a row stays; rows with mass move to their barycentre."""
    from skdc._optimize import _Newton

    Z = torch.tensor([[1.0, 2.0], [3.0, -1.0], [5.0, 5.0]], requires_grad=True)
    bary = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    # Masses: ordinary, tiny but normal, subnormal (float32).
    c = torch.tensor([0.5, 1e-20, 1.4e-39])
    assert c[2] < torch.finfo(torch.float32).tiny
    # W2's gradient at a fixed plan: c_j (y_j - barycentre_j), here with a
    # rounding residue in the subnormal row and a zero in one coordinate.
    Z.grad = c[:, None] * (Z.detach() - bary)
    Z.grad[2] = torch.tensor([3e-38, 0.0])
    start = Z.detach().clone()
    _Newton(Z, lambda: c, torch.ones(2), lr=1.0).step()
    assert torch.isfinite(Z).all()
    assert_allclose(Z[:2].detach().numpy(), bary[:2].numpy(), atol=1e-6)
    assert_allclose(Z[2].detach().numpy(), start[2].numpy())


def test_averaged_newton_steps_land_on_the_mean_of_the_barycentres():
    """With ``average`` each row ends at the mean of its minibatches'
    barycentres weighted by their masses: after a first step onto b1, a
    second with masses c2 lands at (c1 b1 + c2 b2) / (c1 + c2)."""
    from skdc._optimize import _Newton

    scale = torch.tensor([2.0, 0.5], dtype=F64)
    Z = torch.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=F64, requires_grad=True)
    b1 = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=F64)
    b2 = torch.tensor([[4.0, -2.0], [1.0, 3.0]], dtype=F64)
    c1 = torch.tensor([0.5, 0.1], dtype=F64)
    c2 = torch.tensor([0.5, 0.3], dtype=F64)
    masses = iter([c1, c2])
    step = _Newton(Z, lambda: next(masses), scale, lr=1.0, average=True)
    for c, b in ((c1, b1), (c2, b2)):
        # W2's gradient in Z at a fixed plan: scale * c (Y - b), Y = scale Z.
        Z.grad = scale * c[:, None] * (scale * Z.detach() - b)
        step.step()
        if c is c1:
            assert_allclose((scale * Z).detach().numpy(), b1.numpy(), rtol=1e-12)
    expected = (c1[:, None] * b1 + c2[:, None] * b2) / (c1 + c2)[:, None]
    assert_allclose((scale * Z).detach().numpy(), expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "size, batch_size, method, averaged",
    [
        (50, "auto", "semi-relaxed", False),  # 2048 rows a step: 41 a row
        (100, "auto", "semi-relaxed", True),  # 20 per synthetic row
        (100, None, "semi-relaxed", False),  # the whole class: no noise
        (20, 512, "semi-relaxed", True),  # 26 per synthetic row
        (100, "auto", "exact", False),  # measured on semi-relaxed W2 only
    ],
)
def test_newton_steps_average_barycentres_of_few_rows(
    monkeypatch, size, batch_size, method, averaged
):
    # Minibatches of fewer than 32 real rows per synthetic row give each row
    # the barycentre of a few rows, noise a full step would land on.
    import skdc._optimize as loop

    made = []

    class Recorded(loop._Newton):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.average)

    monkeypatch.setattr(loop, "_Newton", Recorded)
    X, _ = make_blobs(5000, n_features=3, centers=4, random_state=1)
    model = WassersteinCondenser(
        size=size, batch_size=batch_size, method=method, max_iter=10
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    assert made == [averaged]


def test_linear_mmd_closed_form_equals_gram_form():
    from skdc.discrepancy.mmd import mmd2
    from skdc.kernels import KERNELS

    X, w = _cloud(60, 4, 0)
    Y, v = _cloud(7, 4, 1, shift=1.0)
    linear = MMD(kernel="linear")
    closed = float(linear(linear.prepare(X, w), Y, v))
    gram = float(mmd2(KERNELS["linear"], X, w, Y, v, X.new_ones(1)))
    assert_allclose(closed, gram, rtol=1e-10)
    assert_allclose(closed, float(((X.mean(0) - Y.mean(0)) ** 2).sum()), rtol=1e-10)


def test_w2_with_learned_weights_reaches_kmeans_inertia():
    X, _ = make_blobs(300, centers=4, cluster_std=[0.3, 0.6, 1.0, 1.5], random_state=0)
    kmeans = KMeans(4, n_init=10, random_state=0).fit(X)
    # tol far below the default: the objective is flat near its optimum, so
    # at tol=1e-3 the fit stopped with a centre 0.014 from k-means'.
    condenser = WassersteinCondenser(
        method="exact",
        size=4,
        weights="learned",
        max_iter=2000,
        tol=1e-5,
        random_state=0,
    ).fit(X)
    # W2^2 with free support and free weights is the k-means objective.
    assert_allclose(condenser.discrepancy_, kmeans.inertia_ / len(X), rtol=1e-3)
    centers = np.sort(condenser.X_[:, 0])
    assert_allclose(centers, np.sort(kmeans.cluster_centers_[:, 0]), atol=3e-3)
    # The learned weights are the cluster masses (mean 1 over the 4 rows).
    masses = np.sort(np.bincount(kmeans.labels_) / len(X) * 4)
    assert_allclose(np.sort(condenser.sample_weight_), masses, atol=1e-2)


def test_equal_weights_cannot_reach_kmeans_on_unequal_clusters():
    # Sanity check of the test above: with equal weights W2 stays above.
    rng = np.random.RandomState(0)
    # Unequal masses: 250 rows around (0, 0), 30 around (10, 10).
    X = np.vstack([rng.standard_normal((250, 2)), rng.standard_normal((30, 2)) + 10])
    kmeans = KMeans(2, n_init=10, random_state=0).fit(X)
    # In the data's units, as k-means' inertia ("auto" would power-map the
    # columns: the small far cluster is a long tail).
    condenser = WassersteinCondenser(
        method="exact", size=2, max_iter=500, preprocessor=None, random_state=0
    ).fit(X)
    assert condenser.discrepancy_ > 2 * kmeans.inertia_ / len(X)


class MeanGap(Discrepancy):
    """A user-written discrepancy: squared gap between weighted means."""

    def prepare(self, X, w, *, params=None, generator=None):
        return {"params": {} if params is None else params, "mean": w @ X}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        gap = state["mean"] - v @ Y
        return gap @ gap


class PlainMeanGap:
    """The same, with the two methods only (no Discrepancy base class)."""

    prepare = MeanGap.prepare
    __call__ = MeanGap.__call__


@pytest.mark.parametrize(
    "objective", [MeanGap(), PlainMeanGap()], ids=["subclass", "plain object"]
)
def test_user_written_discrepancy_is_an_extension_point(objective):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 3)) + [1.0, -2.0, 0.5]
    y = np.repeat([0, 1], 100)
    # This loss falls to zero, so the default tol stops it once a window
    # gains under 1e-3 of what the fit has gained (a mean gap near 0.01);
    # a lower tol solves it to the precision asserted.
    condenser = DiscrepancyCondenser(objective, size=6, tol=1e-6, random_state=0)
    condenser.fit(X, y)
    for label in (0, 1):
        assert_allclose(
            condenser.X_[condenser.y_ == label].mean(0),
            X[y == label].mean(0),
            atol=1e-3,
        )
    assert condenser.discrepancy_ < 1e-5


def test_composite_discrepancy_improves_on_its_starting_points():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 2))
    objective = MMD() + 0.1 * Wasserstein()
    fitted = DiscrepancyCondenser(objective, size=10, random_state=0).fit(X)
    # max_iter=1 keeps the random real rows it starts from (same seed).
    start = DiscrepancyCondenser(objective, size=10, max_iter=1, random_state=0)
    with pytest.warns(UserWarning):
        start.fit(X)
    # score is minus the condenser's own objective on the given data.
    assert fitted.score(X) > start.score(X)
    assert_allclose(-fitted.score(X), fitted.discrepancy_, rtol=1e-5)


@pytest.mark.parametrize("features", ["exact", "rff"])
def test_mmd_condenser_features_beat_random_subset(features):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((400, 3))
    y = np.repeat([0, 1], 200)
    X[y == 1] += 2.0
    condenser = MMDCondenser(size=10, features=features, random_state=0).fit(X, y)
    subset = RandomSubset(size=10, random_state=0).fit(X, y)
    ours = np.mean([mmd(X[y == c], condenser.X_[condenser.y_ == c]) for c in (0, 1)])
    theirs = np.mean([mmd(X[y == c], subset.X_[subset.y_ == c]) for c in (0, 1)])
    assert ours < 0.5 * theirs


def test_feature_map_parameter_is_feature_mapped_discrepancy():
    from sklearn.decomposition import PCA

    from skdc.discrepancy import FeatureMapped

    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 5))
    y = np.repeat([0, 1], 100)
    pca = PCA(2).fit(X)
    kwargs = {"size": 6, "max_iter": 60, "random_state": 0}
    via_parameter = MMDCondenser(feature_map=pca, **kwargs).fit(X, y)
    # MMDCondenser's defaults: the multi-scale kernel from k-means centroids.
    via_objective = DiscrepancyCondenser(
        FeatureMapped(MMD(bandwidth="multiscale"), pca), init="kmeans", **kwargs
    )
    via_objective.fit(X, y)
    np.testing.assert_array_equal(via_parameter.X_, via_objective.X_)


def test_m3d_random_network_features_beat_random_subset():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((300, 4))
    y = np.repeat([0, 1, 2], 100)
    X += y[:, None]
    condenser = MMDCondenser(
        feature_map="random_network", size=9, max_iter=100, random_state=0
    )
    condenser.fit(X, y)
    subset = RandomSubset(size=9, random_state=0).fit(X, y)
    ours = np.mean([mmd(X[y == c], condenser.X_[condenser.y_ == c]) for c in range(3)])
    theirs = np.mean([mmd(X[y == c], subset.X_[subset.y_ == c]) for c in range(3)])
    assert ours < theirs


@pytest.mark.parametrize("magnitude", [1e-20, 1e-22, 1e-24])
def test_a_column_of_rounding_noise_counts_as_constant(magnitude):
    # Its spread squared underflows in float32: the Newton step divided by
    # it and made the set NaN (magnitude 1e-22) before such a column was
    # parametrised as constant.
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(size=(60, 3)), rng.normal(size=60) * magnitude])
    X_s = WassersteinCondenser(size=6, random_state=0).fit_resample(X, None)[0]
    assert np.isfinite(X_s).all()
    assert np.abs(X_s[:, 3]).max() <= np.abs(X[:, 3]).max()


def test_many_synthetic_rows_fit_like_the_dense_newton_solve(monkeypatch):
    # A group of 260 synthetic rows takes the conjugate-gradient Newton
    # systems (in float32 here); the fit lowers its loss as far as with the
    # dense solves.
    from skdc.discrepancy import wasserstein

    X, _ = make_blobs(1500, n_features=4, centers=6, random_state=0)
    X = X.astype(np.float32)
    size = wasserstein._DENSE_NEWTON_ROWS + 4
    common = {"size": size, "max_iter": 30, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        conjugate = WassersteinCondenser(**common).fit(X)
        monkeypatch.setattr(wasserstein, "_DENSE_NEWTON_ROWS", size + 1)
        dense = WassersteinCondenser(**common).fit(X)
    assert conjugate.X_.dtype == np.float32
    assert np.isfinite(conjugate.X_).all()
    losses = conjugate.history_[0]
    assert losses[-1] < 0.95 * losses[0]
    assert_allclose(conjugate.discrepancy_, dense.discrepancy_, rtol=0.02)


@pytest.mark.parametrize(
    "n, m, rows",
    [
        (4096, 10, None),  # up to 128 rows a class: whole up to 4096 rows
        (4097, 128, 2048),  # and minibatches of 2048 above, as before
        (9800, 313, None),  # up to 32 real rows per synthetic row: whole
        (13070, 311, 2048),  # 42 per synthetic row: minibatches
        (100_000, 3200, 2048),  # 31 per row, but 320 million plan entries
    ],
)
def test_semi_relaxed_w2_uses_whole_classes_for_large_sets(n, m, rows):
    # Minibatches of 2048 real rows gave 300 synthetic rows about 7 rows
    # each: barycentres of noise, which took twice the steps to settle
    # (benchmarks/README.md, "Large sets").
    assert WassersteinCondenser()._batch_rows(n, m) == rows
    # Only "auto" and only the semi-relaxed method read m.
    assert WassersteinCondenser(batch_size=512)._batch_rows(n, m) == 512
    exact = WassersteinCondenser(method="exact")._batch_rows(n, m)
    assert exact == (None if n <= 4096 else 2048)


def test_semi_relaxed_w2_condenses_a_large_set_from_the_whole_class():
    # 5,000 rows to 200 synthetic rows (25 per row): "auto" takes every row
    # at each step, where the other methods keep minibatches of 2048.
    X, _ = make_blobs(5000, n_features=3, centers=4, random_state=1)

    def fit(**params):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = WassersteinCondenser(size=200, max_iter=15, random_state=0)
            return model.set_params(**params).fit(X).X_

    np.testing.assert_array_equal(fit(), fit(batch_size=None))
    assert not np.array_equal(fit(), fit(batch_size=2048))


def test_w2_uses_classes_of_up_to_4096_rows_whole():
    # batch_size="auto": W2 takes Newton steps, which minibatches nearly the
    # class's size keep from settling, so it uses classes whole up to 4096
    # rows; the Adam-stepped condensers switch to minibatches above 2048.
    X, y = make_blobs(5000, n_features=4, centers=[[0] * 4, [3] * 4], random_state=0)
    y[:1000] = 1 - y[:1000]  # overlapping classes: plans that take some steps
    small = np.flatnonzero(y == 0)  # 2,500 rows
    assert 2048 < len(small) <= 4096

    def fit(model, rows, labels, **params):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model(size=20, random_state=0, **params).fit(X[rows], labels)

    auto = fit(WassersteinCondenser, small, y[small])
    whole = fit(WassersteinCondenser, small, y[small], batch_size=None)
    np.testing.assert_array_equal(auto.X_, whole.X_)
    batched = fit(WassersteinCondenser, small, y[small], batch_size=2048)
    assert not np.array_equal(auto.X_, batched.X_)
    # The whole class settles in fewer steps than its minibatches.
    assert auto.n_iter_[0] < batched.n_iter_[0]

    # Above 4096 rows: minibatches of 2048.
    every, one_class = np.arange(5000), np.zeros(5000, dtype=int)
    np.testing.assert_array_equal(
        fit(WassersteinCondenser, every, one_class, max_iter=20).X_,
        fit(WassersteinCondenser, every, one_class, max_iter=20, batch_size=2048).X_,
    )
    # MMD keeps its minibatches above 2048 rows.
    np.testing.assert_array_equal(
        fit(MMDCondenser, small, y[small], max_iter=20).X_,
        fit(MMDCondenser, small, y[small], max_iter=20, batch_size=2048).X_,
    )
