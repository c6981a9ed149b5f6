"""Identities of the framework's objectives, asserted numerically."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

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
    condenser = WassersteinCondenser(
        size=4, weights="learned", max_iter=2000, random_state=0
    ).fit(X)
    # W2^2 with free support and free weights is the k-means objective.
    assert_allclose(condenser.discrepancy_, kmeans.inertia_ / len(X), rtol=1e-3)
    centers = np.sort(condenser.X_[:, 0])
    assert_allclose(centers, np.sort(kmeans.cluster_centers_[:, 0]), atol=1e-2)
    # The learned weights are the cluster masses (mean 1 over the 4 rows).
    masses = np.sort(np.bincount(kmeans.labels_) / len(X) * 4)
    assert_allclose(np.sort(condenser.sample_weight_), masses, atol=1e-2)


def test_equal_weights_cannot_reach_kmeans_on_unequal_clusters():
    # Sanity check of the test above: with equal weights W2 stays above.
    rng = np.random.RandomState(0)
    # Unequal masses: 250 rows around (0, 0), 30 around (10, 10).
    X = np.vstack([rng.standard_normal((250, 2)), rng.standard_normal((30, 2)) + 10])
    kmeans = KMeans(2, n_init=10, random_state=0).fit(X)
    condenser = WassersteinCondenser(size=2, max_iter=500, random_state=0).fit(X)
    assert condenser.discrepancy_ > 2 * kmeans.inertia_ / len(X)


class MeanGap(Discrepancy):
    """A user-written discrepancy: squared gap between weighted means."""

    def prepare(self, X, w, *, params=None, generator=None):
        return {"params": {} if params is None else params, "mean": w @ X}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        gap = state["mean"] - v @ Y
        return gap @ gap


def test_user_written_discrepancy_is_an_extension_point():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((200, 3)) + [1.0, -2.0, 0.5]
    y = np.repeat([0, 1], 100)
    condenser = DiscrepancyCondenser(MeanGap(), size=6, random_state=0).fit(X, y)
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
    via_objective = DiscrepancyCondenser(FeatureMapped(MMD(), pca), **kwargs)
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
