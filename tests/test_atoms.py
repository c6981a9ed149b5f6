"""match_atoms: synthetic values put on the values many real rows share,
and, in columns whose values repeat, on values the data holds."""

from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import skdc._marginals
from skdc import (
    DiscrepancyCondenser,
    GradientMatchingCondenser,
    KIPCondenser,
    MMDCondenser,
    PrivateMMDCondenser,
    WassersteinCondenser,
)
from skdc._marginals import (
    AUTO_MIN_ROWS,
    match_atoms,
    matches_atoms,
    takes_data_values,
    to_data_values,
)

# Short fits: the tests compare sets with and without matching.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_mostly_zero_column_known_answer():
    # 5 of 10 real rows are 0 and 3 are 2.  Four synthetic rows hold a
    # quarter each; the middles of their ranks, 1/8 and 3/8, fall on 0, 5/8
    # on 2 (3/10 of the weight: an atom), 7/8 on 7, which one row in ten
    # holds, so the highest row keeps its value.
    X = np.array([0, 0, 0, 0, 0, 2, 2, 2, 7, 9], dtype=float)[:, None]
    Y = np.array([0.5, 0.1, 3.0, 0.3])[:, None]
    out = match_atoms(X, np.ones(10), Y)
    np.testing.assert_array_equal(out[:, 0], [2.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(Y[:, 0], [0.5, 0.1, 3.0, 0.3])  # a copy


def test_continuous_column_is_left_alone():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    Y = rng.normal(size=(20, 3))
    np.testing.assert_array_equal(match_atoms(X, np.ones(500), Y), Y)


def test_only_the_given_columns_change():
    X = np.zeros((8, 2))
    Y = np.full((4, 2), 0.25)
    out = match_atoms(X, np.ones(8), Y, columns=[1])
    np.testing.assert_array_equal(out[:, 0], Y[:, 0])
    np.testing.assert_array_equal(out[:, 1], 0.0)


def test_weights_set_the_ranks_and_the_atoms():
    X = np.array([[0.0], [5.0]])
    Y = np.array([[1.0], [2.0]])
    # Equal real weights: each value holds half, each synthetic row half.
    np.testing.assert_array_equal(match_atoms(X, np.ones(2), Y), [[0.0], [5.0]])
    # 0 weighs 3/4: the middles 1/6 and 1/2 of three rows reach it, and it
    # outweighs their thirds; 5 (1/4) does not, so the top row keeps 4.
    np.testing.assert_array_equal(
        match_atoms(X, np.array([3.0, 1.0]), np.array([[1.0], [2.0], [4.0]])),
        [[0.0], [0.0], [4.0]],
    )
    # A synthetic row of weight 0.9 outweighs 0's 3/4: it keeps its value;
    # the light row below it (middle 0.05) goes to 0.
    np.testing.assert_array_equal(
        match_atoms(X, np.array([3.0, 1.0]), Y, v=np.array([0.1, 0.9])),
        [[0.0], [2.0]],
    )


@settings(max_examples=50, deadline=None)
@given(
    real=st.lists(st.integers(0, 4), min_size=2, max_size=40),
    synthetic=st.lists(
        st.floats(-1, 5, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=10,
    ),
)
def test_order_kept_and_new_values_are_real(real, synthetic):
    X = np.array(real, dtype=float)[:, None]
    Y = np.array(synthetic)[:, None]
    out = match_atoms(X, np.ones(len(real)), Y)[:, 0]
    moved = out != Y[:, 0]
    assert np.isin(out[moved], X[:, 0]).all()
    # Among moved rows, a lower synthetic value never gets a higher atom.
    low, high = Y[moved, 0], out[moved]
    ranked = high[np.argsort(low, kind="stable")]
    assert (np.diff(ranked) >= 0).all()


def _counts_table(n=600, seed=0):
    """Two classes; 'visits' is 0 in most rows, 'amount' is continuous."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    visits = np.where(rng.random(n) < 0.7, 0, rng.integers(1, 6, n) + 2 * y)
    amount = rng.normal(size=n) + y
    colour = rng.choice(["red", "green", "blue"], n)
    X = pd.DataFrame({"visits": visits, "amount": amount, "colour": colour})
    return X, y


@pytest.mark.parametrize(
    "condenser",
    # MMDCondenser's defaults fit as many rows onto the zeros here as the
    # atoms put there; from random real rows with one median-wide kernel its
    # fit leaves values between, as W2's averages do.
    [
        WassersteinCondenser,
        partial(MMDCondenser, bandwidth="median", init="random_real"),
    ],
    ids=["wasserstein", "mmd-median"],
)
def test_condensers_put_zeros_where_the_data_has_them(condenser):
    X, y = _counts_table()
    common = {"size": 20, "allocation": "balanced", "random_state": 0, "max_iter": 50}
    on = condenser(match_atoms=True, **common).fit(X, y)
    off = condenser(match_atoms=False, **common).fit(X, y)
    for k in (0, 1):
        real_zeros = (X["visits"][y == k] == 0).mean()
        zeros = (on.X_["visits"][on.y_ == k] == 0).mean()
        # 10 rows per class, and a row goes to 0 when the middle of its
        # rank does: the class's share of zeros to the nearest tenth.
        assert abs(zeros - real_zeros) <= 0.1
    assert (off.X_["visits"] == 0).mean() < (on.X_["visits"] == 0).mean()
    # Categories are decoded on their own, and the continuous column keeps
    # its fitted values: the fit itself is the same.
    pd.testing.assert_series_equal(on.X_["colour"], off.X_["colour"])
    np.testing.assert_array_equal(on.X_["amount"], off.X_["amount"])


def test_arrays_and_learned_weights():
    X, y = _counts_table()
    Z = X[["visits", "amount"]].to_numpy(dtype=float)
    common = {"size": 20, "random_state": 0, "max_iter": 30, "weights": "learned"}
    on = WassersteinCondenser(method="exact", match_atoms=True, **common).fit(Z, y)
    off = WassersteinCondenser(method="exact", match_atoms=False, **common).fit(Z, y)
    np.testing.assert_array_equal(on.sample_weight_, off.sample_weight_)
    moved = on.X_ != off.X_
    assert moved[:, 0].any() and not moved[:, 1].any()
    assert np.isin(on.X_[moved], Z[:, 0]).all()


def test_regression_target_is_not_matched():
    rng = np.random.default_rng(0)
    X = np.where(rng.random((300, 2)) < 0.6, 0.0, rng.normal(size=(300, 2)))
    y = np.where(rng.random(300) < 0.6, 0.0, rng.normal(size=300))
    common = {"size": 10, "random_state": 0, "max_iter": 30}
    on = DiscrepancyCondenser(match_atoms=True, **common).fit(X, y)
    off = DiscrepancyCondenser(match_atoms=False, **common).fit(X, y)
    np.testing.assert_array_equal(on.y_, off.y_)
    assert (on.X_ == 0).sum() > (off.X_ == 0).sum()


def test_match_atoms_can_leave_two_valued_columns():
    # Column 0 holds 0 and 1, column 1 holds 0, 1 and 2: with two_valued
    # off only the second goes to its atoms.
    X = np.column_stack([np.repeat([0.0, 1.0], 10), np.repeat([0.0, 1.0, 2.0], 7)[:20]])
    Y = np.array([[0.2, 0.2], [0.6, 0.9], [0.9, 1.7], [0.4, 0.1]])
    matched = match_atoms(X, np.ones(20), Y)
    np.testing.assert_array_equal(matched, [[0, 1], [1, 1], [1, 2], [0, 0]])
    kept = match_atoms(X, np.ones(20), Y, two_valued=False)
    np.testing.assert_array_equal(kept[:, 0], Y[:, 0])
    np.testing.assert_array_equal(kept[:, 1], matched[:, 1])


def test_regression_keeps_the_shares_of_two_valued_columns():
    # Six 0/1 columns make 64 kinds of row, more than the 40 synthetic
    # rows of ten real ones each, so rows mix both values; a regression set
    # keeps those shares where a classification set (each class its own
    # group) puts them on 0 and 1.
    rng = np.random.default_rng(0)
    n = 400
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, (n, 6))]).astype(float)
    y = X[:, 0] + X[:, 1] + 0.1 * rng.normal(size=n)
    common = {"size": 40, "random_state": 0, "max_iter": 30}
    regression = WassersteinCondenser(**common).fit(X, y)
    shares = regression.X_[:, 1:]
    assert ((shares > 0) & (shares < 1)).mean() > 0.3
    labels = (y > np.median(y)).astype(int)
    classes = WassersteinCondenser(allocation="balanced", **common).fit(X, labels)
    assert np.isin(classes.X_[:, 1:], [0.0, 1.0]).all()


def test_auto_matches_classes_of_enough_rows():
    below, enough = AUTO_MIN_ROWS - 1, AUTO_MIN_ROWS
    assert not matches_atoms("auto", below) and matches_atoms("auto", enough)
    assert matches_atoms(True, 1) and not matches_atoms(False, 500)
    X, y = _counts_table()
    common = {"allocation": {0: below, 1: enough}, "random_state": 0, "max_iter": 30}
    auto = WassersteinCondenser(**common).fit(X, y)
    off = WassersteinCondenser(match_atoms=False, **common).fit(X, y)
    small, large = auto.y_ == 0, auto.y_ == 1
    pd.testing.assert_frame_equal(auto.X_[small], off.X_[small])
    assert (auto.X_["visits"][large] == 0).sum() > (off.X_["visits"][large] == 0).sum()


def test_auto_leaves_uneven_sets_without_atoms():
    # Classes of 20 and 40 rows: both large enough, but the set is uneven,
    # so neither class is matched; data values still move (0.3 visits -> 0).
    assert matches_atoms("auto", 40, np.array([40, 41]))
    assert not matches_atoms("auto", 40, np.array([20, 40]))
    assert matches_atoms(True, 40, np.array([20, 40]))
    X, y = _counts_table()
    even = {0: AUTO_MIN_ROWS + 10, 1: AUTO_MIN_ROWS + 10}
    uneven = {0: AUTO_MIN_ROWS, 1: AUTO_MIN_ROWS + 20}

    def unmatched(allocation):
        """Whether "auto" leaves values the forced matching moves."""
        common = {"allocation": allocation, "random_state": 0, "max_iter": 30}
        auto = WassersteinCondenser(**common).fit(X, y)
        forced = WassersteinCondenser(match_atoms=True, **common).fit(X, y)
        return not auto.X_.equals(forced.X_)

    assert not unmatched(even)
    assert unmatched(uneven)


@pytest.mark.parametrize(
    "condenser", [KIPCondenser, GradientMatchingCondenser, PrivateMMDCondenser]
)
def test_joint_and_private_condensers_do_not_offer_it(condenser):
    # Joint problems learn their rows' classes; a private set must not copy
    # the data's values.
    assert "match_atoms" not in condenser().get_params()
    with pytest.raises(TypeError, match="match_atoms"):
        condenser(match_atoms=True)


def test_match_atoms_is_validated():
    X, y = _counts_table(100)
    with pytest.raises(ValueError, match="match_atoms"):
        WassersteinCondenser(match_atoms="yes", size=4).fit(X, y)


# ----------------------------------------------------------- data values
def test_values_between_the_data_values_move_to_the_nearest():
    # 0 in six rows, then 10, 22 and 40: 1.5 goes to 0, 24 to 22, 35 to 40
    # and 16 (a tie) to the lower; values the data holds stay.
    X = np.array([0.0] * 6 + [10.0, 22.0, 40.0])[:, None]
    Y = np.array([1.5, 0.0, 24.0, 35.0, 16.0, 10.0])[:, None]
    out = to_data_values(X, np.ones(9), Y)
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.0, 22.0, 40.0, 10.0, 10.0])
    np.testing.assert_array_equal(Y[:, 0], [1.5, 0.0, 24.0, 35.0, 16.0, 10.0])


def test_data_values_leave_continuous_and_other_columns_alone():
    rng = np.random.default_rng(0)
    # Normal draws never repeat, even where 40 rows leave wide gaps.
    X = np.column_stack([rng.normal(size=40), np.repeat([0.0, 1.0, 2.0, 3.0], 10)])
    Y = np.column_stack([np.linspace(-2.5, 2.5, 11), np.full(11, 0.3)])
    out = to_data_values(X, np.ones(40), Y)
    np.testing.assert_array_equal(out[:, 0], Y[:, 0])
    np.testing.assert_array_equal(out[:, 1], 0.0)
    np.testing.assert_array_equal(to_data_values(X, np.ones(40), Y, columns=[0]), Y)


def test_data_values_leave_two_valued_columns_alone():
    # A 0/1 column keeps its averages (shares); a third value makes it a
    # code whose values move.
    X = np.repeat([0.0, 1.0], 20)[:, None]
    Y = np.array([[0.3], [0.8], [1.0]])
    np.testing.assert_array_equal(to_data_values(X, np.ones(40), Y), Y)
    X3 = X.copy()
    X3[1, 0] = 2.0
    np.testing.assert_array_equal(
        to_data_values(X3, np.ones(40), Y), [[0.0], [1.0], [1.0]]
    )


def test_two_valued_residue_goes_to_the_value():
    # Within 1% of the gap from 0 or 1 a value is float residue of a row of
    # one value; 0.3 and 0.98 are shares and stay.
    X = np.repeat([0.0, 1.0], 20)[:, None]
    Y = np.array([[1e-7], [0.3], [0.98], [0.996], [1.0 + 1e-7], [-1e-7]])
    out = to_data_values(X, np.ones(40), Y)
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.3, 0.98, 1.0, 1.0, 0.0])
    # The same on another scale (a standardised dummy).
    scaled = to_data_values(5 * X - 2, np.ones(40), 5 * Y - 2)
    np.testing.assert_allclose(scaled[:, 0], 5 * out[:, 0] - 2)
    assert np.isin(scaled[[0, 3, 4, 5], 0], [-2.0, 3.0]).all()


def test_rows_of_weight_zero_offer_no_values():
    X = np.array([0.0, 0.0, 3.0, 10.0, 10.0, 20.0])[:, None]
    Y = np.array([[2.9], [4.0], [19.0]])
    w = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(
        to_data_values(X, np.ones(6), Y), [[3.0], [3.0], [20.0]]
    )
    np.testing.assert_array_equal(to_data_values(X, w, Y), [[0.0], [0.0], [20.0]])


def test_a_column_that_varies_is_not_made_one_value():
    # Zero in 97 rows and 500 to 1,000 in three (standard deviation 136):
    # the averages 0, 30 and 120 would all go to 0 (as atoms and as nearest
    # values), leaving a column a model learns nothing from; with
    # keep_spread they stay.
    X = np.array([0.0] * 97 + [500.0, 800.0, 1000.0])[:, None]
    Y = np.array([[0.0], [30.0], [120.0]])
    w = np.ones(100)
    np.testing.assert_array_equal(to_data_values(X, w, Y, keep_spread=True), Y)
    np.testing.assert_array_equal(match_atoms(X, w, Y, keep_spread=True), Y)
    np.testing.assert_array_equal(to_data_values(X, w, Y), 0.0)
    np.testing.assert_array_equal(match_atoms(X, w, Y), 0.0)
    # One row at 400 keeps the column varied: the others move.
    np.testing.assert_array_equal(
        to_data_values(X, w, np.vstack([Y, [[400.0]]]), keep_spread=True),
        [[0.0], [0.0], [0.0], [500.0]],
    )
    # Values a tenth of a standard deviation apart or less are noise about
    # one value, not rows apart.
    noise = np.array([[0.0], [13.0], [-13.0]])
    np.testing.assert_array_equal(to_data_values(X, w, noise, keep_spread=True), 0.0)
    np.testing.assert_array_equal(match_atoms(X, w, noise, keep_spread=True), 0.0)
    # A column the data hold at one value is that value in the set.
    spread = np.array([[0.5], [0.7], [0.2]])
    np.testing.assert_array_equal(
        to_data_values(np.zeros((5, 1)), np.ones(5), spread, keep_spread=True), 0.0
    )


def test_regression_sets_keep_a_rare_column_varied():
    # An amount that is zero in 99.5% of rows: the atoms put every row of a
    # classification set's classes on 0, while a regression set, one group,
    # keeps the column varied.
    rng = np.random.default_rng(0)
    n = 2000
    rare = np.where(rng.random(n) < 0.995, 0.0, rng.integers(50, 500, n))
    X = np.column_stack([rng.normal(size=n), rare])
    y = X[:, 0] + 0.1 * rng.normal(size=n)
    common = {"size": 40, "random_state": 0, "max_iter": 30}
    regression = WassersteinCondenser(**common).fit(X, y)
    assert np.ptp(regression.X_[:, 1]) > 0
    labels = (y > np.median(y)).astype(int)
    classes = WassersteinCondenser(allocation="balanced", **common).fit(X, labels)
    np.testing.assert_array_equal(classes.X_[:, 1], 0.0)


def test_long_columns_are_searched_in_every_row(monkeypatch):
    # Every 100th row is sampled; 57 sits in one row between them, so 56
    # goes to it although the nearest sampled value is 9.
    monkeypatch.setattr(skdc._marginals, "_PROBE_ROWS", 100)
    column = np.repeat(np.arange(10.0), 1000)
    column[5001] = 57.0
    Y = np.array([[56.0], [3.0], [8.6], [30.0]])
    out = to_data_values(column[:, None], np.ones(len(column)), Y)
    brute = [column[np.argmin(np.abs(column - value))] for value in Y[:, 0]]
    np.testing.assert_array_equal(out[:, 0], brute)
    np.testing.assert_array_equal(out[:, 0], [57.0, 3.0, 9.0, 9.0])


def test_float32_chance_repeats_leave_a_column_continuous():
    # 200,000 normal draws rounded to float32 repeat some values by chance
    # (4 of the probe's 16,667 rows), which says nothing of atoms: the
    # column keeps its fitted values, as its float64 original does.  A
    # float32 count column is still moved onto the data's values.
    rng = np.random.default_rng(0)
    normal = rng.normal(size=200_000)
    counts = rng.poisson(3.0, size=200_000).astype(np.float64)
    Y = np.array([[0.123456789, 1.4], [-1.0000001, 2.6], [2.5, 7.2]])
    for X in (
        np.column_stack([normal, counts]),
        np.column_stack([normal, counts]).astype(np.float32),
    ):
        probe = np.sort(X[skdc._marginals._probe(X), 0])
        assert np.any(probe[1:] == probe[:-1]) == (X.dtype == np.float32)
        for move in (to_data_values, match_atoms):
            out = move(X, np.ones(len(X)), Y)
            np.testing.assert_array_equal(out[:, 0], Y[:, 0])
        out = to_data_values(X, np.ones(len(X)), Y)
        np.testing.assert_array_equal(out[:, 1], [1.0, 3.0, 7.0])


def _messages_table(n=1500, seed=0):
    """Voice-mail messages, 0 without the plan (70% of rows) and 10 to 40
    with it, the plan rarer in class 1; continuous minutes and noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    plan = rng.random(n) < np.where(y == 1, 0.15, 0.4)
    X = pd.DataFrame(
        {
            "messages": np.where(plan, rng.integers(10, 41, n), 0),
            "minutes": rng.normal(180 + 30 * y, 50, n),
            "noise": rng.normal(size=n),
        }
    )
    return X, y


@pytest.mark.parametrize("condenser", [WassersteinCondenser, MMDCondenser])
def test_condensed_values_are_values_the_data_holds(condenser):
    # 10 rows a class, so no atoms under "auto"; a row averaging rows with
    # and without the plan lands between 0 and 10, where no real row lies.
    X, y = _messages_table()
    common = {"size": 20, "allocation": "balanced", "random_state": 0, "max_iter": 60}
    X_auto, y_auto = condenser(**common).fit_resample(X, y)
    X_off, _ = condenser(match_atoms=False, **common).fit_resample(X, y)

    def between(values):
        return (values > 0) & (values < 10)

    assert between(X_off["messages"]).any()  # so the test can fail
    for k in (0, 1):
        real = X["messages"][y == k]
        assert np.isin(X_auto["messages"][y_auto == k], real).all()
    np.testing.assert_array_equal(X_auto["minutes"], X_off["minutes"])


def test_only_false_turns_data_values_off():
    assert takes_data_values("auto") and takes_data_values(True)
    assert not takes_data_values(False)
