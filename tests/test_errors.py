"""Bad input gets a clear error naming the problem; a diverging fit raises."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from skdc import (
    CondensedEstimator,
    DiscrepancyCondenser,
    MMDCondenser,
    RandomSubset,
    WassersteinCondenser,
)
from skdc._allocation import allocate
from skdc._optimize import optimise
from skdc.discrepancy import MMD, Discrepancy, SinkhornDivergence, Wasserstein
from skdc.metrics import mmd, sinkhorn_divergence, wasserstein

FAST = {"max_iter": 10, "random_state": 0, "device": "cpu"}

# Fits here stop after a few steps on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = np.repeat(["a", "b", "c"], [20, 12, 8])
    return X, y


@pytest.fixture(
    params=[
        lambda: MMDCondenser(size=6, **FAST),
        lambda: WassersteinCondenser(size=6, **FAST),
        lambda: RandomSubset(size=6, random_state=0),
    ],
    ids=["MMD", "Wasserstein", "RandomSubset"],
)
def reducer(request):
    return request.param()


# ------------------------------------------------------------------- input


def test_nan_in_X(reducer):
    X, y = _data()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        reducer.fit(X, y)


def test_inf_in_X(reducer):
    X, y = _data()
    X[5, 0] = -np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        reducer.fit(X, y)


def test_nan_in_y(reducer):
    X, _ = _data()
    y = np.linspace(0, 1, 40)
    y[0] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        reducer.fit(X, y)


def test_1d_X(reducer):
    X, y = _data()
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        reducer.fit(X[:, 0], y)


def test_X_and_y_of_different_lengths(reducer):
    X, y = _data()
    with pytest.raises(
        ValueError, match=r"inconsistent numbers of samples: \[39, 40\]"
    ):
        reducer.fit(X[:39], y)


def test_2d_y(reducer):
    X, y = _data()
    with pytest.raises(ValueError, match="y should be a 1d array"):
        reducer.fit(X, np.column_stack([y, y]))


def test_object_y_of_numbers_is_an_unknown_label_type(reducer):
    X, _ = _data()
    y = np.repeat([0, 1], 20).astype(object)
    with pytest.raises(ValueError, match="Unknown label type"):
        reducer.fit(X, y)


def test_negative_sample_weight(reducer):
    X, y = _data()
    weight = np.ones(40)
    weight[7] = -1
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        reducer.fit(X, y, sample_weight=weight)


def test_class_without_weight(reducer):
    X, y = _data()
    with pytest.raises(ValueError, match="class 'c' has none"):
        reducer.fit(X, y, sample_weight=np.where(y == "c", 0.0, 1.0))


def test_zero_weights_leave_a_class_fewer_rows_than_its_allocation(reducer):
    # Rows of zero weight cannot be drawn: class "c" keeps one of its 8 rows
    # but the balanced allocation asks it for two.
    X, y = _data()
    weight = np.ones(40)
    weight[np.flatnonzero(y == "c")[1:]] = 0
    reducer.set_params(allocation="balanced")
    with pytest.raises(ValueError, match="class 'c': 2 asked, 1 available"):
        reducer.fit(X, y, sample_weight=weight)


# ---------------------------------------------------- size and allocation


def test_size_larger_than_the_data(reducer):
    X, y = _data()
    reducer.set_params(size=41)
    with pytest.raises(ValueError, match="size=41 asks for 41 synthetic rows but the"):
        reducer.fit(X, y)


@pytest.mark.parametrize("size", [0, -3, 0.0, 1.0, 1.5])
def test_size_out_of_range_is_an_invalid_parameter(reducer, size):
    X, y = _data()
    reducer.set_params(size=size)
    with pytest.raises(InvalidParameterError, match="The 'size' parameter of"):
        reducer.fit(X, y)


def test_fewer_rows_than_classes(reducer):
    X, y = _data()
    reducer.set_params(size=2)
    with pytest.raises(ValueError, match="y has 3 classes; every class needs at"):
        reducer.fit(X, y)


def test_dict_allocation_asking_a_class_for_too_many_rows(reducer):
    X, y = _data()
    reducer.set_params(allocation={"a": 2, "b": 2, "c": 9})
    with pytest.raises(
        ValueError,
        match=r"fewer rows than their allocation \(class 'c': 9 asked, 8 available\)",
    ):
        reducer.fit(X, y)


def test_balanced_allocation_asking_a_small_class_for_too_many_rows(reducer):
    X, y = _data()
    reducer.set_params(size=30, allocation="balanced")
    with pytest.raises(ValueError, match="class 'c': 10 asked, 8 available"):
        reducer.fit(X, y)


def test_dict_allocation_with_missing_or_unknown_classes(reducer):
    X, y = _data()
    reducer.set_params(allocation={"a": 2, "b": 2, "z": 1})
    with pytest.raises(ValueError, match=r"missing \['c'\], unknown \['z'\]"):
        reducer.fit(X, y)


@pytest.mark.parametrize("count", [0, 1.5])
def test_dict_allocation_counts_must_be_positive_integers(count):
    with pytest.raises(ValueError, match="allocation counts must be integers >= 1"):
        allocate(np.array(["a", "b"]), np.array([5, 5]), 4, {"a": 2, "b": count})


def test_single_row_class(reducer):
    X, y = _data()
    y = y.astype(object)
    y[-1] = "lonely"
    with pytest.raises(ValueError, match="Class 'lonely' has 1 row; condensation"):
        reducer.fit(X, y)


# -------------------------------------------------------- unknown options


def test_unknown_kernel():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="The 'kernel' parameter of"):
        MMDCondenser(kernel="cosine", size=6, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="Unknown kernel 'cosine'; choose one of"):
        mmd(X, X, kernel="cosine")


def test_unknown_method():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="The 'method' parameter of"):
        WassersteinCondenser(method="greenkhorn", size=6, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="Unknown method 'greenkhorn'; use 'exact'"):
        wasserstein(X, X, method="greenkhorn")


def test_unknown_init():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="The 'init' parameter of"):
        MMDCondenser(init="zeros", size=6, **FAST).fit(X, y)


@pytest.mark.parametrize("bandwidth", [-1.0, 0.0, np.inf])
def test_non_positive_bandwidth(bandwidth):
    X, y = _data()
    if np.isfinite(bandwidth):
        with pytest.raises(InvalidParameterError, match="The 'bandwidth' parameter"):
            MMDCondenser(bandwidth=bandwidth, size=6, **FAST).fit(X, y)
    with pytest.raises(
        ValueError, match="bandwidth must be 'median', 'multiscale', a positive"
    ):
        mmd(X, X, bandwidth=bandwidth)


@pytest.mark.parametrize("bandwidth", [[1.0, -0.5], [], ("median", [1.0, 0.0])])
def test_bandwidth_list_with_a_bad_entry(bandwidth):
    # Lists pass the parameter check; the discrepancy checks their entries.
    X, y = _data()
    with pytest.raises(
        ValueError, match="bandwidth must be 'median', 'multiscale', a positive"
    ):
        MMDCondenser(bandwidth=bandwidth, size=6, **FAST).fit(X, y)


def test_unknown_bandwidth_rule():
    X, _ = _data()
    with pytest.raises(ValueError, match="Unknown bandwidth rule 'scott'"):
        mmd(X, X, bandwidth="scott")


def test_bad_transport_options():
    X, _ = _data()
    with pytest.raises(ValueError, match="p must be a number >= 1, got 0.5"):
        wasserstein(X, X, p=0.5)
    with pytest.raises(ValueError, match="reg must be a positive number, got 0"):
        sinkhorn_divergence(X, X, reg=0)


def test_metrics_need_the_same_columns():
    X, _ = _data()
    with pytest.raises(ValueError, match="same number of columns, got 3 and 2"):
        mmd(X, X[:, :2])


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_requested_without_cuda():
    X, y = _data()
    with pytest.raises(ValueError, match="device='cuda' was requested but PyTorch"):
        MMDCondenser(size=6, device="cuda", max_iter=10).fit(X, y)


def test_condensed_estimator_needs_a_condenser():
    X, y = _data()
    model = CondensedEstimator(LogisticRegression(), LogisticRegression())
    with pytest.raises(InvalidParameterError, match="The 'condenser' parameter"):
        model.fit(X, y)


def test_discrepancy_condenser_needs_a_discrepancy():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="The 'discrepancy' parameter"):
        DiscrepancyCondenser(discrepancy="mmd", size=6, **FAST).fit(X, y)


# ------------------------------------------------------------------- score


def test_score_before_fit(reducer):
    X, y = _data()
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        reducer.score(X, y)


def test_score_with_unseen_classes(reducer):
    X, y = _data()
    reducer.fit(X, y)
    y_new = y.copy()
    y_new[:2] = "d"
    with pytest.raises(ValueError, match=r"y holds classes unseen during fit: \['d'\]"):
        reducer.score(X, y_new)


def test_score_without_y_after_a_supervised_fit(reducer):
    X, y = _data()
    reducer.fit(X, y)
    with pytest.raises(ValueError, match="fitted with classification targets; score"):
        reducer.score(X)


def test_score_with_other_features(reducer):
    X, y = _data()
    reducer.fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3"):
        reducer.score(X[:, :2], y)


def test_predict_before_fit():
    X, _ = _data()
    model = CondensedEstimator(MMDCondenser(size=6, **FAST), LogisticRegression())
    with pytest.raises(NotFittedError):
        model.predict(X)


# --------------------------------------------------------- the loop itself


@pytest.mark.parametrize(
    "condenser",
    [MMDCondenser(size=6, **FAST), WassersteinCondenser(size=6, **FAST)],
    ids=["MMD", "Wasserstein"],
)
def test_extreme_data_diverges_with_a_clear_error(condenser):
    # Squared distances of values near 1e20 overflow float32: the loss is not
    # finite, and the fit says so instead of returning NaN rows.
    X, y = _data()
    with pytest.raises(FloatingPointError, match="check the data for extreme values"):
        condenser.fit(X * 1e20, y)


class _NaNAfter(Discrepancy):
    """Squared distance of the means that turns NaN from call ``start`` on."""

    def __init__(self, start, value=float("nan")):
        self.start = start
        self.value = value

    def prepare(self, X, w, *, params=None, generator=None):
        return {"params": {}, "mean": w @ X, "calls": 0}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        state["calls"] += 1
        loss = ((state["mean"] - v @ Y) ** 2).sum()
        return loss * self.value if state["calls"] >= self.start else loss


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_loss_raises_through_the_public_api(value):
    # The loop checks the loss once per window of 10 steps.
    X, y = _data()
    condenser = DiscrepancyCondenser(_NaNAfter(15, value), size=6, max_iter=50)
    with pytest.raises(
        FloatingPointError,
        match=r"diverged \(non-finite loss by iteration 20, DiscrepancyCondenser",
    ):
        condenser.set_params(random_state=0).fit(X, y)


def test_non_finite_loss_raises_in_optimise():
    X = torch.randn(20, 2, generator=torch.Generator().manual_seed(0))
    w = torch.full((20,), 1 / 20)
    discrepancy = _NaNAfter(3)
    with pytest.raises(FloatingPointError, match="by iteration 10, unit test"):
        optimise(
            discrepancy,
            discrepancy.prepare(X, w),
            X,
            w,
            X[:4].clone(),
            learn_weights=False,
            lower=X.min(0).values,
            upper=X.max(0).values,
            learning_rate=0.05,
            max_iter=30,
            tol=1e-4,
            batch_size=None,
            generator=torch.Generator().manual_seed(0),
            label="unit test",
        )


def test_non_finite_loss_in_the_last_partial_window_raises():
    # max_iter=5 ends before the first window check: the final check catches it.
    X, y = _data()
    condenser = DiscrepancyCondenser(_NaNAfter(3), size=6, max_iter=5, random_state=0)
    with pytest.raises(FloatingPointError, match="by iteration 5"):
        condenser.fit(X, y)


def test_convergence_warning_when_max_iter_is_reached():
    X, y = _data()
    condenser = MMDCondenser(size=6, max_iter=10, tol=0.0, random_state=0)
    with pytest.warns(
        ConvergenceWarning,
        match=r"MMDCondenser reached max_iter=10 before the loss settled "
        r"\(groups: a, b, c\)",
    ):
        condenser.fit(X, y)
    np.testing.assert_array_equal(condenser.n_iter_, [10, 10, 10])
    assert [len(h) for h in condenser.history_] == [10, 10, 10]


def test_no_convergence_warning_once_the_loss_settles():
    # A huge tol counts every window as a plateau: the loop stops early.
    X, y = _data()
    condenser = MMDCondenser(size=6, max_iter=500, tol=1e6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        condenser.fit(X, y)
    assert (condenser.n_iter_ < 500).all()
    assert [len(h) for h in condenser.history_] == condenser.n_iter_.tolist()


def test_negative_scaling_of_a_discrepancy():
    with pytest.raises(ValueError, match="only be scaled by a non-negative factor"):
        -1 * (MMD() + Wasserstein())
    with pytest.raises(ValueError, match="non-negative factor, got -0.1"):
        SinkhornDivergence() * -0.1
