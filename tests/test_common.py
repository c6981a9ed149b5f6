"""scikit-learn's estimator checks and skdc's own checks, on every reducer."""

import json
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import BaseEstimator, clone
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

import skdc
import skdc.discrepancy
import skdc.selection
from skdc import (
    AutoCondenser,
    CondensedEstimator,
    DiscrepancyCondenser,
    DistributionMatchingCondenser,
    FairCondenser,
    GradientMatchingCondenser,
    KIPCondenser,
    KMeansCentroids,
    MMDCondenser,
    PrivateMMDCondenser,
    RandomSubset,
    WassersteinCondenser,
)
from skdc.discrepancy import MMD, Wasserstein
from skdc.selection import KernelHerding

# Few steps: these tests check the API, not the quality of the optimum.
FAST = {"size": 6, "max_iter": 10, "random_state": 0, "device": "cpu"}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# One instance of every condenser, variant and baseline, by test id.
_REDUCERS = {
    "MMD": MMDCondenser(**FAST),
    "MMD-rff": MMDCondenser(features="rff", n_features=64, **FAST),
    "Wasserstein-exact": WassersteinCondenser(method="exact", **FAST),
    # reg=1 for speed only: each Sinkhorn solve converges in tens of
    # iterations instead of hundreds at the default blur.
    "Wasserstein-sinkhorn": WassersteinCondenser(method="sinkhorn", reg=1.0, **FAST),
    "Wasserstein-semi-relaxed": WassersteinCondenser(method="semi-relaxed", **FAST),
    "Wasserstein-sliced": WassersteinCondenser(
        method="sliced", n_projections=16, **FAST
    ),
    "Discrepancy-sum": DiscrepancyCondenser(
        MMD(kernel="energy") + 0.5 * Wasserstein(), **FAST
    ),
    "DistributionMatching": DistributionMatchingCondenser(hidden_sizes=(16,), **FAST),
    # Fixed one-hot labels: y_ keeps the allocation (learned ones may not).
    "KIP": KIPCondenser(learn_labels=False, **FAST),
    "GradientMatching": GradientMatchingCondenser(hidden_size=8, **FAST),
    "RandomSubset": RandomSubset(size=6, random_state=0),
    "KMeansCentroids": KMeansCentroids(size=6, random_state=0),
    "KernelHerding": KernelHerding(size=6, random_state=0),
}
REDUCERS, REDUCER_IDS = list(_REDUCERS.values()), list(_REDUCERS)

# ------------------------------------------------------ scikit-learn checks

# Every check listed here fails for a reason of the method, not of the code.
_SAMPLE_WEIGHT = (
    "zero weights leave a class one real row to draw from, where the repeated "
    "rows give it three: the weighted fit asks that class for more rows than "
    "it has and raises (a condenser draws rows, it cannot repeat one)"
)
_FOLDS = (
    "AutoCondenser condenses training folds: a class of the check's 10 rows "
    "keeps one row in a fold, and the error names the class, not n_features"
)


_UNEQUAL_WEIGHTS = (
    "unequal sample weights raise: they change the sensitivity the noise of "
    "the private release is calibrated to"
)


def _expected_failed_checks(estimator):
    if isinstance(estimator, PrivateMMDCondenser):
        return dict.fromkeys(
            [
                "check_sample_weight_equivalence_on_dense_data",
                "check_sample_weights_not_overwritten",
            ],
            _UNEQUAL_WEIGHTS,
        )
    if isinstance(estimator, AutoCondenser):
        # A fraction size: the weighted and repeated data give equal folds.
        return {} if estimator.cv == "final" else {"check_fit2d_1feature": _FOLDS}
    # check_classifier_data_not_an_array passes for CondensedEstimator since
    # synthetic values of integer columns are values the data holds: rounding
    # them to keep a DataFrame's dtype changes nothing.
    return {"check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT}


# The random-feature MMD is MMDCondenser again: one set of API checks is enough.
_CHECKED = [
    *(r for name, r in _REDUCERS.items() if name != "MMD-rff"),
    KIPCondenser(**FAST),
    CondensedEstimator(MMDCondenser(**FAST), LogisticRegression()),
    PrivateMMDCondenser(n_features=16, **FAST),
    FairCondenser(MMDCondenser(**FAST)),
    AutoCondenser(
        candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
        cv=2,
        size=0.5,
        random_state=0,
    ),
    # The default for classes: the candidates' own sets, judged on all rows.
    AutoCondenser(
        candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
        cv="final",
        size=0.5,
        random_state=0,
    ),
]


@parametrize_with_checks(
    _CHECKED,
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", _CHECKED, ids=lambda e: type(e).__name__)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


# ------------------------------------------------------------- skdc checks


def _data(n_per_class=(20, 12, 8), n_features=3, seed=0):
    """Three well separated, imbalanced classes labelled "a", "b", "c"."""
    X, y = make_blobs(
        n_samples=list(n_per_class),
        n_features=n_features,
        cluster_std=1.0,
        center_box=(-8, 8),
        random_state=seed,
    )
    return X, np.array(["a", "b", "c"])[y]


@pytest.fixture(params=REDUCERS, ids=REDUCER_IDS)
def reducer(request):
    return clone(request.param)


def test_rows_follow_the_allocation(reducer):
    X, y = _data()
    X_s, y_s = reducer.set_params(size=9).fit_resample(X, y)

    # Proportional to (20, 12, 8) with at least one row each, summing to 9.
    assert reducer.allocation_ == {"a": 4, "b": 3, "c": 2}
    assert X_s.shape == (9, 3)
    np.testing.assert_array_equal(reducer.classes_, ["a", "b", "c"])
    labels, counts = np.unique(y_s, return_counts=True)
    np.testing.assert_array_equal(labels, ["a", "b", "c"])
    np.testing.assert_array_equal(counts, [4, 3, 2])
    np.testing.assert_array_equal(X_s, reducer.X_)
    np.testing.assert_array_equal(y_s, reducer.y_)
    assert reducer.target_type_ == "classification"
    assert reducer.n_features_in_ == 3
    assert np.isfinite(reducer.X_).all()
    assert np.isfinite(reducer.discrepancy_) and reducer.discrepancy_ >= 0


def test_synthetic_rows_stay_in_the_class_range(reducer):
    # Synthetic rows must look like data: inside each class's observed box
    # (the whole data's box where one problem couples the classes: KIP, DC).
    X, y = _data()
    reducer.fit(X, y)
    for label in reducer.classes_:
        real = X if hasattr(reducer, "y_soft_") else X[y == label]
        syn = reducer.X_[reducer.y_ == label]
        assert (syn >= real.min(0) - 1e-5).all() and (syn <= real.max(0) + 1e-5).all()


def test_balanced_allocation(reducer):
    X, y = _data()
    reducer.set_params(size=9, allocation="balanced").fit(X, y)
    assert reducer.allocation_ == {"a": 3, "b": 3, "c": 3}
    _, counts = np.unique(reducer.y_, return_counts=True)
    np.testing.assert_array_equal(counts, [3, 3, 3])


def test_float32_in_float32_out(reducer):
    X, y = _data()
    X_s, _ = reducer.fit_resample(X.astype(np.float32), y)
    assert X_s.dtype == np.float32
    assert reducer.X_.dtype == np.float32
    X_s, _ = clone(reducer).fit_resample(X, y)
    assert X_s.dtype == np.float64


def test_list_input_matches_array_input(reducer):
    X, y = _data()
    X_list, y_list = clone(reducer).fit_resample(X.tolist(), y.tolist())
    X_arr, y_arr = reducer.fit_resample(X, y)
    assert isinstance(X_list, np.ndarray)
    np.testing.assert_allclose(X_list, X_arr, rtol=1e-6)
    np.testing.assert_array_equal(y_list, y_arr)


def test_pandas_in_pandas_out(reducer):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["height", "width", "depth"])
    target = pd.Series(y, name="kind")
    X_s, y_s = reducer.fit_resample(frame, target)

    assert isinstance(X_s, pd.DataFrame) and isinstance(y_s, pd.Series)
    assert list(X_s.columns) == ["height", "width", "depth"]
    assert (X_s.dtypes == np.float64).all()
    assert y_s.name == "kind"
    assert len(X_s) == len(y_s) == 6
    np.testing.assert_array_equal(reducer.feature_names_in_, frame.columns)
    # The same numbers as from NumPy input.
    X_np, y_np = clone(reducer).fit_resample(X, y)
    np.testing.assert_allclose(X_s.to_numpy(), X_np, rtol=1e-6)
    np.testing.assert_array_equal(y_s.to_numpy(), y_np)


def test_pandas_integer_and_bool_columns_keep_their_dtype(reducer):
    X, y = _data()
    frame = pd.DataFrame(
        {
            "x": X[:, 0],
            "count": np.rint(X[:, 1] * 3).astype(np.int64),
            "flag": X[:, 2] > 0,
        }
    )
    X_s, _ = reducer.fit_resample(frame, pd.Series(y))
    assert list(X_s.dtypes) == [np.float64, np.int64, np.bool_]
    # Rounded values stay inside the observed range of the column.
    assert frame["count"].min() <= X_s["count"].min()
    assert X_s["count"].max() <= frame["count"].max()


def test_pandas_nullable_number_columns_keep_their_dtype(reducer):
    X, y = _data()
    frame = pd.DataFrame(
        {
            "x": pd.array(X[:, 0], dtype="Float64"),
            "count": pd.array(np.rint(X[:, 1] * 3), dtype="Int64"),
            "small": pd.array(np.rint(np.abs(X[:, 2])), dtype="UInt8"),
        }
    )
    X_s, _ = reducer.fit_resample(frame, pd.Series(y))
    assert X_s.dtypes.equals(frame.dtypes)
    for column in ("count", "small"):
        assert frame[column].min() <= X_s[column].min()
        assert X_s[column].max() <= frame[column].max()


def test_mixed_table_decodes_to_valid_rows(reducer):
    # Text columns are encoded, condensed and decoded: valid levels, same
    # dtypes, and score encodes held-out rows with the fitted encoder.
    X, y = _data()
    frame = pd.DataFrame(
        {
            "x": X[:, 0],
            "size": np.where(X[:, 1] > 0, "big", "small"),
            "count": np.rint(X[:, 2]).astype(np.int64),
        }
    )
    X_s, _ = reducer.fit_resample(frame, pd.Series(y))
    assert list(X_s.dtypes) == list(frame.dtypes)
    assert set(X_s["size"]) <= {"big", "small"}
    assert frame["count"].min() <= X_s["count"].min()
    assert X_s["count"].max() <= frame["count"].max()
    assert np.isfinite(reducer.score(frame, y))


def test_constant_class_condenses_to_its_row(reducer):
    # A class whose rows are all equal has one answer; no zero bandwidth,
    # zero spread or zero distance may turn it into NaN.  Four rows of eight:
    # the synthetic quantiles then match the data's exactly (distance 0).
    X, y = _data()
    X[y == "c"] = [1.0, -2.0, 3.0]
    reducer.set_params(allocation={"a": 2, "b": 2, "c": 4}).fit(X, y)
    assert np.isfinite(reducer.X_).all() and np.isfinite(reducer.discrepancy_)
    if hasattr(reducer, "y_soft_"):
        return  # KIP, DC: one model across classes, not each class's rows.
    rows = reducer.X_[reducer.y_ == "c"]
    assert len(rows) == 4
    np.testing.assert_allclose(
        rows, np.broadcast_to([1.0, -2.0, 3.0], rows.shape), atol=1e-6
    )


def test_same_random_state_same_output(reducer):
    X, y = _data()
    first = clone(reducer).fit(X, y)
    second = clone(reducer).fit(X, y)
    np.testing.assert_array_equal(first.X_, second.X_)
    np.testing.assert_array_equal(first.y_, second.y_)
    assert first.discrepancy_ == second.discrepancy_


def test_classes_in_parallel_give_the_same_output(monkeypatch):
    # Each class's seed is drawn before the classes are dispatched.  Serial
    # here is the loop over classes: stacked classes sum in another order
    # (tests/test_scale.py compares them to the loop).
    monkeypatch.setattr(MMDCondenser, "_stack_groups", False)
    X, y = _data()
    serial = MMDCondenser(**FAST).fit(X, y)
    parallel = MMDCondenser(n_jobs=2, **FAST).fit(X, y)
    np.testing.assert_array_equal(parallel.X_, serial.X_)


def test_clone_and_pickle_round_trip(reducer):
    X, y = _data()
    X_test, y_test = _data(n_per_class=(10, 10, 10), seed=1)
    cloned = clone(reducer)
    assert cloned.get_params().keys() == reducer.get_params().keys()
    assert not hasattr(cloned, "X_")

    reducer.fit(X, y)
    restored = pickle.loads(pickle.dumps(reducer))
    np.testing.assert_array_equal(restored.X_, reducer.X_)
    np.testing.assert_array_equal(restored.y_, reducer.y_)
    score = reducer.score(X_test, y_test)
    assert restored.score(X_test, y_test) == score
    assert np.isfinite(score) and score <= 0
    # Fitted attributes are NumPy, never torch tensors.
    assert not any(isinstance(v, torch.Tensor) for v in vars(reducer).values())


def test_score_is_minus_discrepancy_on_training_data(reducer):
    # score(X_train) and discrepancy_ measure the same thing with the same
    # settings; the training classes have at most 4096 rows, so exactly.
    X, y = _data()
    reducer.fit(X, y)
    np.testing.assert_allclose(-reducer.score(X, y), reducer.discrepancy_, rtol=1e-4)


# Condensers that learn a model from X to y, and what they say without y.
_NEEDS_Y = {
    KIPCondenser: "KIPCondenser learns a kernel ridge model from X to y",
    GradientMatchingCondenser: "GradientMatchingCondenser needs class labels",
}


def test_unsupervised_fit(reducer):
    X, _ = _data()
    if type(reducer) in _NEEDS_Y:
        with pytest.raises(ValueError, match=_NEEDS_Y[type(reducer)]):
            reducer.fit(X)
        return
    X_s, y_s = reducer.fit_resample(X)
    assert X_s.shape == (6, 3)
    assert y_s is None and reducer.y_ is None
    assert reducer.target_type_ == "unsupervised"
    assert reducer.allocation_ == {None: 6}
    assert not hasattr(reducer, "classes_")
    assert np.isfinite(reducer.score(X))


def test_in_imblearn_pipeline_with_grid_search(reducer):
    X, y = _data()
    X_test, y_test = _data(n_per_class=(10, 10, 10), seed=0)
    pipe = make_imb_pipeline(StandardScaler(), reducer, LogisticRegression())
    pipe.fit(X, y)
    # The model was trained on the condensed rows; test rows pass untouched.
    assert pipe[-1].n_features_in_ == 3
    assert pipe[1].X_.shape == (6, 3)
    assert pipe.predict(X_test).shape == (30,)
    assert pipe.score(X_test, y_test) >= 0.9

    pipe = ImbPipeline(
        [
            ("scale", StandardScaler()),
            ("condense", reducer),
            ("model", LogisticRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"condense__size": [3, 9]}, cv=2).fit(X, y)
    best = search.best_params_["condense__size"]
    assert best in (3, 9)
    assert search.best_estimator_["condense"].X_.shape == (best, 3)
    assert search.best_score_ >= 0.9


@pytest.mark.parametrize(
    "reducer",
    [
        MMDCondenser(**FAST),
        WassersteinCondenser(**FAST),
        RandomSubset(size=6, random_state=0),
    ],
    ids=["MMD", "Wasserstein", "RandomSubset"],
)
def test_grid_search_on_the_condenser_score(reducer):
    # GridSearchCV can tune a condenser alone: score is minus a discrepancy.
    X, y = _data()
    search = GridSearchCV(reducer, {"size": [3, 6]}, cv=2).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and (scores <= 0).all()
    assert search.best_estimator_.X_.shape[0] == search.best_params_["size"]


def test_condensed_estimator_in_sklearn_pipeline_cross_validate():
    X, y = _data()
    model = make_pipeline(
        StandardScaler(),
        CondensedEstimator(MMDCondenser(**FAST), LogisticRegression()),
    )
    result = cross_validate(model, X, y, cv=3)
    assert result["test_score"].shape == (3,)
    assert result["test_score"].min() >= 0.9


def test_condensed_estimator_trains_on_the_condensed_set():
    X, y = _data()
    model = CondensedEstimator(MMDCondenser(**FAST), LogisticRegression()).fit(X, y)
    assert model.condenser_.X_.shape == (6, 3)
    np.testing.assert_array_equal(model.classes_, ["a", "b", "c"])
    reference = LogisticRegression().fit(model.condenser_.X_, model.condenser_.y_)
    np.testing.assert_allclose(model.estimator_.coef_, reference.coef_)
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    assert model.score(X, y) == reference.score(X, y)


def test_condensed_estimator_routes_sample_weight_to_the_condenser():
    # sample_weight weighs the real rows; with zero weight on class "c" except
    # two rows, the condenser may only draw those two.
    X, y = _data()
    weight = np.ones(len(y))
    keep = np.flatnonzero(y == "c")[:2]
    weight[y == "c"] = 0
    weight[keep] = 1
    model = CondensedEstimator(
        RandomSubset(size=9, random_state=0), LogisticRegression()
    )
    model.fit(X, y, sample_weight=weight)
    rows = model.condenser_.sample_indices_[model.condenser_.y_ == "c"]
    assert set(rows.tolist()) <= set(keep.tolist())


def test_every_public_estimator_is_checked():
    public = {
        getattr(module, name)
        for module in (skdc, skdc.selection)
        for name in getattr(module, "__all__", dir(module))
    }
    estimators = {
        c for c in public if isinstance(c, type) and issubclass(c, BaseEstimator)
    }
    checked = {type(e) for e in _CHECKED}
    assert estimators - checked == set()


def test_public_names_exist_and_are_unique():
    # skdc imports each public name on first use, from the module _EXPORTS
    # gives for it.
    assert set(skdc.__all__) == set(skdc._EXPORTS)
    for module in (skdc, skdc.discrepancy):
        assert len(module.__all__) == len(set(module.__all__))
        for name in module.__all__:
            assert hasattr(module, name), name


def test_import_skdc_loads_the_heavy_packages_only_when_a_name_is_used():
    # A fresh interpreter: this one has imported everything already.
    code = """
import json, sys, skdc
heavy = lambda: sorted(m for m in ("torch", "sklearn", "scipy") if m in sys.modules)
listed = {"WassersteinCondenser", "selection"} <= set(dir(skdc))
seen = {"before": heavy(), "listed": listed}
seen["subpackage"] = skdc.selection.KMeansCentroids.__name__
seen["after"] = heavy()
try:
    skdc.Wasserstein
except AttributeError as error:
    seen["unknown"] = str(error)
print(json.dumps(seen))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "before": [],
        "listed": True,
        "subpackage": "KMeansCentroids",
        "after": ["scipy", "sklearn", "torch"],
        "unknown": "module 'skdc' has no attribute 'Wasserstein'",
    }


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_gives_numpy_close_to_cpu():
    X, y = _data()
    cpu = MMDCondenser(**FAST).fit(X, y)
    gpu = MMDCondenser(**{**FAST, "device": "cuda"}).fit(X, y)
    assert isinstance(gpu.X_, np.ndarray)
    restored = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_array_equal(restored.X_, gpu.X_)
    # Same start (seeded on the CPU), float32 on both: close, not identical.
    np.testing.assert_allclose(gpu.X_, cpu.X_, atol=0.05)


def test_arrays_need_none_of_the_optional_packages():
    """pandas, matplotlib, fairlearn, dask and pyarrow are extras: condensing
    and the demo's work on arrays must run without them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "blocked = {'pandas', 'matplotlib', 'fairlearn', 'dask', 'pyarrow'}\n"
        "class Absent:  # as if not installed: importing them fails\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in blocked:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "import numpy as np\n"
        "from sklearn.datasets import load_iris\n"
        "import skdc\n"
        "X, y = load_iris(return_X_y=True)\n"
        "for cls in (skdc.MMDCondenser, skdc.WassersteinCondenser):\n"
        "    X_s, y_s = cls(size=9, max_iter=5, random_state=0).fit_resample(X, y)\n"
        "    assert X_s.shape == (9, 4)\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
