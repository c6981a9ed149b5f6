"""A regression target's weight in the matched rows (skdc._targets)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsRegressor

from skdc import WassersteinCondenser
from skdc._targets import MAX_TARGET_WEIGHT, target_weight
from skdc.selection import KMeansCentroids


def _rows(n=3000, d=4, seed=0):
    return np.random.RandomState(seed).normal(size=(n, d))


def test_a_target_the_neighbours_cannot_predict_weighs_one_feature():
    X = _rows()
    noise = np.random.RandomState(1).normal(size=len(X))
    assert target_weight(X, noise) == 1.0
    # A third of the variance signal (R^2 about 0.3): still one feature.
    assert target_weight(X, X[:, 0] + 1.5 * noise) == 1.0


def test_a_predictable_target_weighs_more_up_to_the_cap():
    X = _rows()
    noise = np.random.RandomState(1).normal(size=len(X))
    y = X[:, 0] + 0.3 * noise
    some = target_weight(X, y)
    assert 1.0 < some < MAX_TARGET_WEIGHT
    # The known answer: sqrt(R^2 / (1 - R^2)) of the neighbours' R^2 on
    # the (fixed) sample of 2,000 rows, three shuffled folds.
    keep = np.random.RandomState(0).choice(len(y), 2000, replace=False)
    folds = KFold(3, shuffle=True, random_state=0)
    r2 = cross_val_score(
        KNeighborsRegressor(5), X[keep], y[keep], cv=folds, scoring="r2"
    ).mean()
    assert 0.7 < r2 < 0.9
    assert_allclose(some, np.sqrt(r2 / (1 - r2)), rtol=1e-12)
    # A target the neighbours predict almost exactly takes the cap.
    assert target_weight(X, X[:, 0]) == MAX_TARGET_WEIGHT
    # sqrt(R^2 / (1 - R^2)) grows as the noise shrinks.
    assert some < target_weight(X, X[:, 0] + 0.1 * noise)


@pytest.mark.parametrize(
    "y", [np.ones(500), np.arange(20.0)], ids=["constant", "twenty rows"]
)
def test_too_little_to_go_on_weighs_one_feature(y):
    assert target_weight(_rows(len(y)), y) == 1.0


def test_the_weight_reads_a_fixed_sample_of_large_data():
    X = _rows(6000)
    y = X[:, 0] + 0.3 * np.random.RandomState(1).normal(size=6000)
    assert target_weight(X, y) == target_weight(X.copy(), y.copy())


@pytest.mark.parametrize("reducer", [WassersteinCondenser, KMeansCentroids])
def test_a_regression_fit_widens_y_by_the_weight(reducer):
    X = _rows(800)
    y = 10.0 + 5.0 * X[:, 0]
    fitted = reducer(size=20, random_state=0).fit(X, y)
    mean, sd, spread = fitted._y_encoding
    assert_allclose([mean, sd], [y.mean(), y.std()])
    # One typical feature's spread, times the weight (here the cap).
    one_feature = np.sqrt(np.mean(X.var(0)))
    assert_allclose(spread, one_feature * MAX_TARGET_WEIGHT, rtol=1e-6)
    # Decoded on y's own scale all the same.
    assert y.min() <= fitted.y_.min() and fitted.y_.max() <= y.max()
