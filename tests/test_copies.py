"""preprocessor="auto" and copied columns: numbers that are copies of each
other (a unit conversion, a fixed rate) weigh as one column in distances."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.spatial.distance import pdist

from skdc import KMeansCentroids, MMDCondenser, WassersteinCondenser
from skdc._tabular import COPY_MIN_ROWS, CopyWeights, TableEncoder, copy_groups


def _table(n=400, seed=0):
    """Minutes, their charge at a fixed rate, an unrelated count and a
    category; the class follows the minutes."""
    rng = np.random.RandomState(seed)
    minutes = rng.normal(180.0, 50.0, n)
    frame = pd.DataFrame(
        {
            "minutes": minutes,
            "charge": 0.17 * minutes,
            "calls": rng.poisson(4, n),
            "plan": rng.choice(["a", "b", "c"], n),
        }
    )
    return frame, (minutes > 180.0).astype(int)


def test_copy_groups_link_copies_in_any_units_and_sign():
    rng = np.random.RandomState(0)
    x, other = rng.normal(size=(2, 500))
    X = np.column_stack(
        [x, 2.0 * x + 1.0, -3.0 * x, other, x + 0.01 * rng.normal(size=500)]
    )
    groups = copy_groups(X)
    assert len(set(groups[[0, 1, 2, 4]])) == 1
    assert groups[3] != groups[0]
    assert_allclose(CopyWeights().fit(X).weights_, [0.5, 0.5, 0.5, 1.0, 0.5])


def test_copy_groups_chain_through_a_middle_column():
    # a ~ b and b ~ c above the line, a ~ c just below it: one group.
    rng = np.random.RandomState(0)
    a, d, e = rng.normal(size=(3, 5000))
    b = a + 0.12 * d
    c = b + 0.12 * e
    corr = np.corrcoef([a, b, c])
    assert corr[0, 2] < 0.99 < min(corr[0, 1], corr[1, 2])
    assert len(set(copy_groups(np.column_stack([a, b, c])))) == 1


def test_constant_columns_and_few_rows_have_no_copies():
    rng = np.random.RandomState(0)
    x = rng.normal(size=500)
    X = np.column_stack([x, np.ones(500), np.ones(500), x])
    assert_allclose(CopyWeights().fit(X).weights_, [0.5**0.5, 1, 1, 0.5**0.5])
    # In a handful of rows two unrelated columns can line up by chance.
    few = rng.normal(size=(COPY_MIN_ROWS - 1, 3))
    assert_array_equal(copy_groups(few), [0, 1, 2])


def test_copy_weights_round_trip():
    X = np.column_stack([np.arange(50.0), 2.0 * np.arange(50.0), np.arange(50.0) % 7])
    weights = CopyWeights().fit(X)
    assert_allclose(weights.inverse_transform(weights.transform(X)), X)


def test_a_copied_column_adds_nothing_to_encoded_distances():
    frame, _ = _table()
    alone = TableEncoder("auto").fit(frame.drop(columns="charge"))
    both = TableEncoder("auto").fit(frame)
    assert_allclose(
        pdist(both.transform(frame)),
        pdist(alone.transform(frame.drop(columns="charge"))),
        rtol=1e-9,
    )
    decoded = both.inverse_transform(both.transform(frame))
    assert_allclose(decoded[["minutes", "charge"]], frame[["minutes", "charge"]])


@pytest.mark.parametrize("reducer", [WassersteinCondenser, KMeansCentroids])
def test_sets_ignore_a_copied_column_and_keep_it_a_copy(reducer):
    # The copy leaves the geometry as it was, so the set's other columns
    # are those condensed without it, and its charges are 0.17 times its
    # minutes.  (W2's Newton steps and k-means depend on distances alone.)
    frame, y = _table()
    kwargs = {"size": 20, "random_state": 0}
    X_both, y_both = reducer(**kwargs).fit_resample(frame, y)
    X_alone, y_alone = reducer(**kwargs).fit_resample(frame.drop(columns="charge"), y)
    assert_array_equal(y_both, y_alone)
    assert_array_equal(X_both["plan"], X_alone["plan"])
    assert_array_equal(X_both["calls"], X_alone["calls"])
    assert_allclose(X_both["minutes"], X_alone["minutes"], rtol=1e-4)  # float32
    assert_allclose(X_both["charge"], 0.17 * X_both["minutes"], rtol=1e-6)


def test_gradient_steps_keep_a_copy_a_copy():
    # Adam's steps are per coordinate, so the set is not the one without
    # the copy; but both coordinates get the same gradient from the same
    # start, and the charges stay 0.17 times the minutes.
    frame, y = _table()
    X_s, _ = MMDCondenser(size=20, max_iter=50, random_state=0).fit_resample(frame, y)
    assert_allclose(X_s["charge"], 0.17 * X_s["minutes"], rtol=1e-5)


def test_standard_counts_copies_twice():
    frame, _ = _table()
    standard = TableEncoder("standard").fit(frame)
    numeric = standard.transformer_.named_transformers_["numeric"]
    assert not any(isinstance(step, CopyWeights) for step in numeric)
    Z = standard.transform(frame)
    assert_allclose(Z[:, 0], Z[:, 1])  # both standardised, both full weight


def test_quantile_scores_weigh_copies_as_one():
    frame, _ = _table()
    encoder = TableEncoder("quantile").fit(frame)
    weights = encoder.transformer_.named_transformers_["numeric"][-1].weights_
    assert_allclose(weights, [0.5**0.5, 0.5**0.5, 1.0])
