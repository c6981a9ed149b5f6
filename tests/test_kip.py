"""Kernel inducing points: the kernel ridge objective and its condenser."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes, make_classification
from sklearn.kernel_ridge import KernelRidge

from skdc import KIPCondenser
from skdc.discrepancy.krr import KernelRidgeMatching, krr_predict
from skdc.kernels import KERNELS, relu_ntk
from skdc.selection import RandomSubset

F64 = torch.float64


def test_krr_predict_equals_sklearn_kernel_ridge():
    rng = np.random.RandomState(0)
    X_train, Y_train, X_test = rng.randn(20, 3), rng.randn(20, 2), rng.randn(7, 3)
    h = 1.3
    kernel = lambda A, B: KERNELS["gaussian"](A, B, torch.tensor([h], dtype=F64))  # noqa: E731
    # The Gaussian kernel's diagonal is 1, so the relative ridge is absolute.
    ours = krr_predict(
        kernel, *(torch.as_tensor(a) for a in (X_train, Y_train, X_test)), 0.1
    )
    sklearn = KernelRidge(alpha=0.1, kernel="rbf", gamma=1 / (2 * h * h))
    expected = sklearn.fit(X_train, Y_train).predict(X_test)
    assert_allclose(ours.numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("depth", [1, 2])
def test_relu_ntk_is_positive_definite_and_symmetric(depth):
    X = torch.as_tensor(np.random.RandomState(0).randn(30, 4))
    K = relu_ntk(X, X, depth=depth)
    assert_allclose(K.numpy(), K.T.numpy(), rtol=1e-12)
    assert torch.linalg.eigvalsh(K).min() > 0


def test_relu_ntk_one_layer_closed_form():
    # depth 1: theta = sigma0 * (pi - t)/pi + |x||y| (sin t + (pi - t) cos t)/pi
    x = torch.tensor([[1.0, 0.0]], dtype=F64)
    y = torch.tensor([[0.0, 1.0]], dtype=F64)
    # with the bias input, x.y + 1 = 1 and |x|^2 + 1 = |y|^2 + 1 = 2.
    t = np.arccos(1 / 2)
    sigma1 = 2 * (np.sin(t) + (np.pi - t) * np.cos(t)) / np.pi
    expected = 1 * (np.pi - t) / np.pi + sigma1
    assert_allclose(float(relu_ntk(x, y, depth=1)), expected, rtol=1e-6)


def test_objective_is_zero_when_synthetic_rows_interpolate_the_data():
    rng = np.random.RandomState(0)
    X = torch.as_tensor(
        np.column_stack([rng.randn(12, 2), np.eye(3)[rng.randint(3, size=12)]])
    )
    w = torch.full((12,), 1 / 12, dtype=F64)
    objective = KernelRidgeMatching(n_targets=3, ridge=1e-8)
    state = objective.prepare(X, w)
    # KRR trained on the data itself (tiny ridge) interpolates it.
    assert float(objective(state, X, w)) < 1e-6


def _blobs(seed=0):
    return make_classification(
        n_samples=300,
        n_features=6,
        n_informative=4,
        n_classes=3,
        n_clusters_per_class=1,
        random_state=seed,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kip_beats_random_subset_on_its_objective(seed):
    X, y = _blobs(seed)
    kip = KIPCondenser(size=9, random_state=seed, max_iter=200).fit(X, y)
    subset = RandomSubset(size=9, random_state=seed).fit(X, y)
    # Score both sets with KIP's objective and its fitted bandwidth.
    subset_as_kip = KIPCondenser(size=9, random_state=seed, max_iter=1)
    with pytest.warns(UserWarning):
        subset_as_kip.fit(X, y)
    subset_as_kip.X_, subset_as_kip.y_soft_ = subset.X_, np.eye(3)[subset.y_]
    assert kip.score(X, y) > subset_as_kip.score(X, y)


def test_kip_keeps_allocated_labels_unless_learning_them():
    X, y = _blobs()
    fixed = KIPCondenser(size=9, allocation="balanced", max_iter=50, random_state=0)
    with pytest.warns(UserWarning):
        fixed.fit(X, y)
    assert_allclose(fixed.y_soft_, np.eye(3)[np.repeat([0, 1, 2], 3)])
    learned = KIPCondenser(size=9, learn_labels=True, max_iter=50, random_state=0)
    with pytest.warns(UserWarning):
        learned.fit(X, y)
    assert learned.y_soft_.shape == (9, 3)
    assert not np.allclose(learned.y_soft_, np.eye(3)[np.repeat([0, 1, 2], 3)])
    assert ((learned.y_soft_ >= 0) & (learned.y_soft_ <= 1)).all()
    assert_allclose(learned.y_, learned.classes_[learned.y_soft_.argmax(1)])


def test_kip_regression_learns_targets_on_the_original_scale():
    X, y = load_diabetes(return_X_y=True)
    kip = KIPCondenser(size=20, max_iter=100, random_state=0, learn_labels=True)
    kip.fit(X, y)
    assert kip.target_type_ == "regression"
    assert y.min() <= kip.y_.min() and kip.y_.max() <= y.max()


def test_kip_needs_targets():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="needs y"):
        KIPCondenser(size=5).fit(X)
