"""Group-balanced condensation and the fairness metrics: known answers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from skdc import FairCondenser, MMDCondenser
from skdc.fairness import (
    _equal_split,
    cell_allocation,
    demographic_parity_difference,
    equalized_odds_difference,
)
from skdc.selection import RandomSubset

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"max_iter": 20, "random_state": 0, "device": "cpu"}


def _data():
    """Two classes of 40 rows; in each, 8 rows of a minority group "m"
    shifted by +10 along the first feature, 32 of the majority "M"."""
    X, y = make_blobs(80, 2, centers=[[0, 0], [0, 6]], random_state=0)
    group = np.where(np.arange(80) % 5 == 0, "m", "M")
    X[group == "m", 0] += 10
    return X, np.array(["no", "yes"])[y], group


# --------------------------------------------------------------- metrics
def test_metrics_known_answers():
    y_true = np.array([1, 1, 0, 0, 1, 1, 0, 0])
    y_pred = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    group = np.array(["a"] * 4 + ["b"] * 4)
    # Selection rates 3/4 and 1/4; TPR 1 and 1/2, FPR 1/2 and 0.
    assert demographic_parity_difference(
        y_true, y_pred, sensitive_features=group
    ) == pytest.approx(0.5)
    assert equalized_odds_difference(
        y_true, y_pred, sensitive_features=group
    ) == pytest.approx(0.5)


def test_metrics_with_string_labels_use_pos_label():
    y_true = np.array(["no", "yes", "no", "yes"])
    y_pred = np.array(["yes", "yes", "no", "yes"])
    group = ["a", "a", "b", "b"]
    assert demographic_parity_difference(
        y_true, y_pred, sensitive_features=group, pos_label="yes"
    ) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="pos_label=1 occurs neither"):
        demographic_parity_difference(y_true, y_pred, sensitive_features=group)


# ------------------------------------------------------------ allocation
def test_equal_split_passes_the_share_of_a_small_cell_on():
    np.testing.assert_array_equal(_equal_split(10, np.array([2, 20, 20])), [2, 4, 4])
    np.testing.assert_array_equal(_equal_split(9, np.array([30, 5, 30])), [3, 3, 3])


def test_cell_allocation_equal_and_proportional():
    cell_class = np.array([0, 0, 1, 1])
    counts = np.array([32, 8, 30, 10])
    np.testing.assert_array_equal(
        cell_allocation(np.array([6, 4]), cell_class, counts, "equal"), [3, 3, 2, 2]
    )
    # One row per cell first, the rest in proportion (largest remainder):
    # class 0: 1 + 4 * (0.8, 0.2) -> (4, 2); class 1: 1 + 2 * (0.75, 0.25).
    np.testing.assert_array_equal(
        cell_allocation(np.array([6, 4]), cell_class, counts, "proportional"),
        [4, 2, 3, 1],
    )
    with pytest.raises(ValueError, match="every \\(class, group\\) cell needs"):
        cell_allocation(np.array([1, 4]), cell_class, counts, "equal")


# ------------------------------------------------------------- estimator
def test_each_cell_gets_rows_and_carries_its_group():
    X, y, group = _data()
    fair = FairCondenser(MMDCondenser(size=8, **FAST)).fit(
        X, y, sensitive_features=group
    )
    assert fair.allocation_ == {"no": 4, "yes": 4}
    assert fair.cell_allocation_ == {
        ("no", "M"): 2,
        ("no", "m"): 2,
        ("yes", "M"): 2,
        ("yes", "m"): 2,
    }
    np.testing.assert_array_equal(fair.y_, ["no"] * 4 + ["yes"] * 4)
    np.testing.assert_array_equal(fair.sensitive_features_, ["M", "M", "m", "m"] * 2)
    np.testing.assert_array_equal(fair.groups_, ["M", "m"])
    np.testing.assert_array_equal(fair.classes_, ["no", "yes"])
    # Each row lies in its own cell's range: minority rows sit near x0 = 10.
    for label, g in fair.cell_allocation_:
        real = X[(y == label) & (group == g)]
        rows = fair.X_[(fair.y_ == label) & (fair.sensitive_features_ == g)]
        assert (rows >= real.min(0) - 1e-6).all() and (rows <= real.max(0) + 1e-6).all()


def test_the_minority_is_matched_where_a_plain_fit_misses_it():
    # A plain fit gives each class rows where its mass is: the majority.
    X, y, group = _data()
    plain = MMDCondenser(size=8, **FAST).fit(X, y)
    fair = FairCondenser(MMDCondenser(size=8, **FAST)).fit(
        X, y, sensitive_features=group
    )
    assert (plain.X_[:, 0] > 5).sum() < (fair.X_[:, 0] > 5).sum() == 4
    assert set(fair.cell_discrepancy_) == set(fair.cell_allocation_)
    np.testing.assert_allclose(
        fair.discrepancy_, np.mean(list(fair.cell_discrepancy_.values()))
    )
    np.testing.assert_allclose(
        -fair.score(X, y, sensitive_features=group), fair.discrepancy_, rtol=1e-4
    )
    with pytest.raises(ValueError, match="score needs them too"):
        fair.score(X, y)


def test_without_groups_it_is_the_wrapped_condenser():
    X, y, _ = _data()
    fair = FairCondenser(MMDCondenser(size=8, **FAST)).fit(X, y)
    plain = MMDCondenser(size=8, **FAST).fit(X, y)
    np.testing.assert_array_equal(fair.X_, plain.X_)
    np.testing.assert_array_equal(fair.y_, plain.y_)
    assert fair.sensitive_features_ is None
    assert fair.score(X, y) == plain.score(X, y)


def test_unsupervised_and_proportional_groups():
    X, _, group = _data()
    fair = FairCondenser(
        RandomSubset(size=10, random_state=0), group_allocation="proportional"
    ).fit(X, sensitive_features=group)
    assert fair.y_ is None and fair.target_type_ == "unsupervised"
    # 1 each, then 8 rows as 64 : 16 -> 6.4 and 1.6, the spare row to "m".
    assert fair.cell_allocation_ == {(None, "M"): 7, (None, "m"): 3}
    # A random subset keeps real rows: each row is one of its group's.
    for row, g in zip(fair.X_, fair.sensitive_features_):
        assert (np.abs(X[group == g] - row).sum(1) == 0).any()


def test_pandas_in_pandas_out():
    X, y, group = _data()
    frame = pd.DataFrame(X, columns=["a", "b"])
    X_s, y_s = FairCondenser(MMDCondenser(size=8, **FAST)).fit_resample(
        frame, pd.Series(y, name="label"), sensitive_features=pd.Series(group)
    )
    assert isinstance(X_s, pd.DataFrame) and list(X_s.columns) == ["a", "b"]
    assert isinstance(y_s, pd.Series) and y_s.name == "label" and len(y_s) == 8


def test_errors_name_the_problem():
    X, y, group = _data()
    fair = FairCondenser(MMDCondenser(size=8, **FAST))
    lonely = group.copy()
    lonely[0] = "x"  # one row in cell ("no"?, "x")
    with pytest.raises(ValueError, match="fewer than 2 rows"):
        fair.fit(X, y, sensitive_features=lonely)
    with pytest.raises(ValueError, match="must hold class labels or be None"):
        fair.fit(X, np.linspace(0, 1, 80), sensitive_features=group)
    with pytest.raises(ValueError, match="every \\(class, group\\) cell needs"):
        FairCondenser(MMDCondenser(size=2, **FAST)).fit(X, y, sensitive_features=group)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fair.fit(X, y, sensitive_features=group[:10])
