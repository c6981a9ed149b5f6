"""preprocessor="quantile": condensing on the numbers' normal scores."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris

from skdc import (
    KMeansCentroids,
    MMDCondenser,
    PrivateMMDCondenser,
    RandomSubset,
    WassersteinCondenser,
)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.parametrize("cls", [WassersteinCondenser, MMDCondenser])
def test_arrays_stay_arrays_in_their_dtype_and_range(cls, iris):
    X, y = iris
    X = X.astype(np.float32)
    condenser = cls(size=15, preprocessor="quantile", max_iter=50, random_state=0)
    X_s, y_s = condenser.fit_resample(X, y)
    assert isinstance(X_s, np.ndarray) and X_s.dtype == np.float32
    assert X_s.shape == (15, 4) and len(y_s) == 15
    assert (X_s >= X.min(0)).all() and (X_s <= X.max(0)).all()
    assert np.isfinite(condenser.score(X, y))


def test_condensing_commutes_with_monotone_maps_of_columns(iris):
    # Quantiles do not see a column's units: condensing exp(X) gives exp of
    # condensing X, up to the linear interpolation between quantiles.
    X, y = iris
    fit = WassersteinCondenser(size=15, preprocessor="quantile", random_state=0)
    X_s = fit.fit_resample(X, y)[0]
    X_exp = fit.fit_resample(np.exp(X), y)[0]
    assert_allclose(np.log(X_exp), X_s, atol=0.02)
    # Standardised numbers do see them.
    plain = WassersteinCondenser(size=15, preprocessor="standard", random_state=0)
    gap = np.abs(np.log(plain.fit_resample(np.exp(X), y)[0]) - X_s).max()
    assert gap > 0.1


def test_a_long_tail_does_not_pull_the_set_off_the_bulk():
    # Most rows near 1, a few hundred times larger: standardised, the tail
    # spans the scale and the bulk collapses; in ranks the set keeps the
    # bulk's quartiles.
    rng = np.random.RandomState(0)
    X = np.exp(rng.normal(size=(2000, 1)) * 2.0)
    quartiles = np.percentile(X, [25, 50, 75])
    quantile = WassersteinCondenser(size=40, preprocessor="quantile", random_state=0)
    X_q = quantile.fit_resample(X, None)[0]
    assert_allclose(np.percentile(X_q, [25, 50, 75]), quartiles, rtol=0.2)
    # Condensed on the units themselves, the bulk's rows became one value.
    X_units = WassersteinCondenser(
        size=40, preprocessor="standard", random_state=0
    ).fit_resample(X, None)[0]
    # The lower half of the set is one value.
    lower_half = np.sort(X_units.ravel())[: len(X_units) // 2]
    assert np.ptp(lower_half) < 0.01 * np.ptp(quartiles)


def test_tables_keep_their_columns_and_dtypes():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "amount": np.round(np.exp(rng.normal(size=300) * 1.5), 2),
            "count": rng.poisson(0.5, 300),
            "kind": rng.choice(["a", "b", "c"], 300),
        }
    )
    y = rng.randint(0, 2, 300)
    X_s, _ = WassersteinCondenser(
        size=20, preprocessor="quantile", random_state=0
    ).fit_resample(frame, y)
    assert list(X_s.columns) == list(frame.columns)
    assert X_s["count"].dtype == frame["count"].dtype
    assert set(X_s["kind"]) <= {"a", "b", "c"}
    assert X_s["amount"].between(frame["amount"].min(), frame["amount"].max()).all()


@pytest.mark.parametrize("cls", [KMeansCentroids, RandomSubset])
def test_baselines_take_it_too(cls, iris):
    X, y = iris
    X_s, _ = cls(size=15, preprocessor="quantile", random_state=0).fit_resample(X, y)
    assert isinstance(X_s, np.ndarray) and X_s.shape == (15, 4)
    if cls is RandomSubset:
        # Real rows, decoded back exactly through the quantiles.
        assert all((np.abs(X - row).max(1) < 1e-9).any() for row in X_s)


def _with(X, value):
    X = X.copy()
    X[3, 1] = value
    return X


@pytest.mark.parametrize("value, message", [(np.nan, "missing"), (np.inf, "infinity")])
def test_missing_and_infinite_values_are_named(iris, value, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        WassersteinCondenser(size=15, preprocessor="quantile").fit(_with(X, value), y)


def test_missing_values_can_be_imputed(iris):
    X, y = iris
    X_s, _ = WassersteinCondenser(
        size=15, preprocessor="quantile", missing="impute", max_iter=20, random_state=0
    ).fit_resample(_with(X, np.nan), y)
    assert np.isfinite(X_s).all()


def test_private_condenser_refuses_private_quantiles(iris):
    X, y = iris
    with pytest.raises(ValueError, match="quantiles on the private rows"):
        PrivateMMDCondenser(
            size=15, preprocessor="quantile", bounds=(0.0, 8.0), random_state=0
        ).fit(X, y)
