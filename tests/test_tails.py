"""preprocessor="auto" and long-tailed numbers: a Yeo-Johnson power map of
the columns whose bulk standardising would squeeze."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris

from skdc import (
    KMeansCentroids,
    MMDCondenser,
    PrivateMMDCondenser,
    RandomSubset,
    WassersteinCondenser,
)
from skdc._tabular import TableEncoder, TailMap, long_tailed, numeric_tails


def _columns(n=2000, seed=0):
    """A normal column, a right tail, a left tail, and a skewed count with
    few levels."""
    rng = np.random.RandomState(seed)
    return np.column_stack(
        [
            rng.normal(size=n),
            np.exp(rng.normal(size=n) * 1.5),
            -np.exp(rng.normal(size=n) * 1.5),
            rng.poisson(0.05, n) * 7.0,
        ]
    )


def test_long_tailed_flags_skewed_columns_with_many_values():
    # The count's skewness is above 4, but it holds 3 or so values: levels,
    # not a tail.
    assert_array_equal(long_tailed(_columns()), [False, True, True, False])


def test_long_tailed_needs_a_squeezed_bulk_and_one_sided_skew():
    rng = np.random.RandomState(0)
    n = 4000
    X = np.column_stack(
        [
            # Skewness 2, but its middle half spans 1.1 standard deviations.
            rng.exponential(size=n),
            # A squeezed bulk with skewness near 0: a symmetric spike.
            np.where(rng.rand(n) < 0.9, 0.1, 3.0) * rng.normal(size=n),
            # Both: the middle half spans about 0.2 standard deviations.
            np.exp(rng.normal(size=n) * 1.5),
        ]
    )
    assert_array_equal(long_tailed(X), [False, False, True])


def test_long_tailed_leaves_a_column_that_is_mostly_one_value():
    rng = np.random.RandomState(0)
    n = 4000
    tail = np.exp(rng.normal(size=n) * 1.5) * 100

    def zero_in(share):
        return np.where(rng.rand(n) < share, 0.0, tail)

    # Zero in 95% of rows (porch areas, waiting days): an atom and a few
    # scattered rows, left alone; zero in 80% (spam7's counts): mapped.
    X = np.column_stack([zero_in(0.95), zero_in(0.8), tail])
    assert_array_equal(long_tailed(X), [False, True, True])
    # The share is read among the finite values.
    X[: n // 2, 1] = np.nan
    assert long_tailed(X)[1]


def test_long_tailed_is_scale_free():
    # Its moments would overflow at 1e280 and underflow at 1e-280.
    column = _columns()[:, [1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flags = long_tailed(np.hstack([column, column * 1e280, column * 1e-280]))
    assert flags.all()


def test_long_tailed_ignores_missing_values():
    X = _columns()
    X[::3, 1] = np.nan
    assert_array_equal(long_tailed(X), [False, True, True, False])


def test_tail_map_round_trips_and_leaves_other_columns_alone():
    X = _columns()
    tails = TailMap().fit(X)
    Z = tails.transform(X)
    assert_array_equal(Z[:, [0, 3]], X[:, [0, 3]])
    assert_allclose(tails.inverse_transform(Z), X, rtol=1e-9, atol=1e-12)
    # The map made the tails roughly symmetric.
    assert not long_tailed(Z).any()


def test_tail_map_sees_shape_not_units_or_offset():
    # Mapped, a column in thousands and shifted by a year gives the same
    # values as the original, up to the standardising that follows.
    X = _columns()[:, [1]]
    a = TailMap().fit_transform(X)
    b = TailMap().fit_transform(1000.0 * X + 1950.0)

    def standard(z):
        return (z - z.mean()) / z.std()

    assert_allclose(standard(b), standard(a), atol=1e-6)


def test_tail_map_inverse_stays_in_the_data_range():
    # Mapped values beyond the training range decode to the data's extremes.
    X = _columns()
    tails = TailMap().fit(X)
    mapped = tails.transform(X[:1])
    up = tails.inverse_transform(mapped + 1e3)[0]
    down = tails.inverse_transform(mapped - 1e3)[0]
    for j in (1, 2):
        ends = np.sort([up[j], down[j]])
        assert_allclose(ends, [X[:, j].min(), X[:, j].max()])


def test_tail_map_powers_are_gentle_on_either_side():
    # Left tails are mirrored, so both get a log-like power below 1.
    tails = TailMap().fit(_columns())
    assert (tails.lambdas_ < 1).all()


def test_a_column_that_is_mostly_one_value_keeps_its_magnitudes():
    # Zero in 88% of rows (just under TAIL_ATOM, so it is mapped): the
    # likelihood's power is so negative that every nonzero value would map
    # to nearly one number; bounded, the map still decodes each value to
    # itself.
    rng = np.random.RandomState(0)
    rare = np.exp(rng.normal(size=3000) * 1.5) * 100
    X = np.where(rng.rand(3000) < 0.88, 0.0, rare)[:, None]
    tails = TailMap().fit(X)
    assert tails.columns_[0]
    # The bound holds, and binds: the map's distance to its ceiling at the
    # top is 1e-8.
    assert_allclose((1 + tails.top_[0]) ** tails.lambdas_[0], 1e-8, rtol=1e-6)
    assert_allclose(tails.inverse_transform(tails.transform(X)), X, rtol=1e-6)


def test_numeric_tails_answers_for_numbers_only():
    X = _columns()
    assert numeric_tails(X) and numeric_tails(pd.DataFrame(X))
    assert not numeric_tails(X[:, [0, 3]])
    assert not numeric_tails(pd.DataFrame({"a": X[:, 1], "kind": "x"}))
    infinite = X.copy()
    infinite[0, 0] = np.inf
    assert not numeric_tails(infinite)  # left for validation to name


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "cls", [WassersteinCondenser, MMDCondenser, KMeansCentroids, RandomSubset]
)
def test_arrays_with_tails_come_back_as_arrays_in_range(cls):
    X = _columns(600).astype(np.float32)
    y = np.arange(600) % 2
    reducer = cls(size=20, random_state=0)
    X_s, y_s = reducer.fit_resample(X, y)
    assert isinstance(reducer.preprocessor_, TableEncoder)
    assert isinstance(X_s, np.ndarray) and X_s.dtype == np.float32
    assert X_s.shape == (20, 4) and len(y_s) == 20
    assert (X_s >= X.min(0)).all() and (X_s <= X.max(0)).all()
    assert np.isfinite(reducer.score(X, y))


def test_numbers_without_tails_are_condensed_as_they_are():
    X, y = load_iris(return_X_y=True)
    condenser = WassersteinCondenser(size=15, random_state=0).fit(X, y)
    assert condenser.preprocessor_ is None
    standard = WassersteinCondenser(size=15, preprocessor="standard", random_state=0)
    assert_array_equal(standard.fit(X, y).X_, condenser.X_)


def test_a_long_tail_keeps_the_bulk_by_default():
    # Most rows near 1, a few hundred times larger: standardised, the tail
    # spans the scale and the bulk collapses to one value; power-mapped, the
    # set keeps the bulk's median and interquartile range.
    rng = np.random.RandomState(0)
    X = np.exp(rng.normal(size=(2000, 1)) * 2.0)
    quartiles = np.percentile(X, [25, 50, 75])
    X_auto = WassersteinCondenser(size=40, random_state=0).fit_resample(X, None)[0]
    kept = np.percentile(X_auto, [25, 50, 75])
    assert_allclose(kept[1], quartiles[1], rtol=0.2)
    assert_allclose(np.ptp(kept[[0, 2]]), np.ptp(quartiles[[0, 2]]), rtol=0.2)
    X_units = WassersteinCondenser(
        size=40, preprocessor="standard", random_state=0
    ).fit_resample(X, None)[0]
    # The lower half of the set is one value.
    lower_half = np.sort(X_units.ravel())[: len(X_units) // 2]
    assert np.ptp(lower_half) < 0.01 * np.ptp(quartiles)


def test_tables_map_their_tails_and_keep_columns_and_dtypes():
    kinds = np.random.RandomState(0).choice(["a", "b", "c"], 300)
    frame = pd.DataFrame(_columns(300)[:, :2], columns=["age", "amount"])
    frame["kind"] = kinds
    y = np.arange(300) % 2
    condenser = WassersteinCondenser(size=20, random_state=0)
    X_s, _ = condenser.fit_resample(frame, y)
    numeric = condenser.preprocessor_.transformer_.named_transformers_["numeric"]
    assert_array_equal(numeric[1].columns_, [False, True])
    assert list(X_s.columns) == list(frame.columns)
    assert set(X_s["kind"]) <= {"a", "b", "c"}
    assert X_s["amount"].between(frame["amount"].min(), frame["amount"].max()).all()
    # "standard" encodes the same table without the map.
    standard = WassersteinCondenser(size=20, preprocessor="standard", random_state=0)
    steps = standard.fit(frame, y).preprocessor_.transformer_
    assert not any(
        isinstance(step, TailMap) for step in steps.named_transformers_["numeric"]
    )


def test_infinite_values_with_tails_are_named():
    X = _columns(300)
    X[5, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        WassersteinCondenser(size=10).fit(X, None)


def test_private_condenser_never_maps_private_tails():
    # Finding the long-tailed columns reads the rows, which the privacy
    # guarantee does not cover: "auto" condenses the numbers as they are.
    X = np.clip(_columns(300), -5.0, 50.0)
    y = np.arange(300) % 2
    condenser = PrivateMMDCondenser(
        size=10, preprocessor="auto", bounds=(-5.0, 50.0), random_state=0
    ).fit(X, y)
    assert condenser.preprocessor_ is None


def test_tables_without_tails_condense_as_with_standard():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, 300),
            "visits": rng.poisson(3, 300),
            "kind": rng.choice(["a", "b", "c"], 300),
        }
    )
    y = rng.randint(0, 2, 300)
    auto = WassersteinCondenser(size=20, random_state=0).fit_resample(frame, y)[0]
    standard = WassersteinCondenser(
        size=20, preprocessor="standard", random_state=0
    ).fit_resample(frame, y)[0]
    pd.testing.assert_frame_equal(auto, standard)
