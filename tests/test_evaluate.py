"""skdc.model_selection.evaluate and condensation_curve."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from skdc import CondensedEstimator, MMDCondenser, WassersteinCondenser
from skdc.model_selection import EVALUATE_COLUMNS, condensation_curve, evaluate
from skdc.selection import KMeansCentroids, RandomSubset

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
# Standardised: lbfgs then converges in a few steps, which keeps tests fast.
X_IRIS = StandardScaler().fit_transform(X_IRIS)
LR = LogisticRegression(max_iter=1000)


def test_columns_rows_and_sizes():
    table = evaluate(
        {"mmd": MMDCondenser(size=15, max_iter=20, random_state=0)},
        X_IRIS,
        Y_IRIS,
        estimators={"lr": LR, "1nn": KNeighborsClassifier(1)},
        cv=3,
    )
    assert tuple(table.columns) == EVALUATE_COLUMNS
    # 4 sets (mmd + 3 baselines) x 3 folds x 2 estimators.
    assert len(table) == 24
    assert list(table["condenser"].unique()) == ["mmd", "full", "random", "kmeans"]
    assert table["estimator"].unique().tolist() == ["lr", "1nn"]
    assert sorted(table["fold"].unique()) == [0, 1, 2]
    sizes = table.groupby("condenser")["size"].unique()
    for name in ("mmd", "random", "kmeans"):
        assert sizes[name].tolist() == [15]
    assert sizes["full"].tolist() == [100]  # 2/3 of 150 rows per fold
    assert table["score"].between(0, 1).all()
    full = table["condenser"] == "full"
    assert table.loc[full, "fit_seconds"].isna().all()
    assert (table.loc[~full, "fit_seconds"] >= 0).all()
    assert (table["discrepancy"] >= 0).all()
    # Held-out rows are closer to all 100 training rows than to 15 random ones.
    mean = table.groupby("condenser")["discrepancy"].mean()
    assert mean["full"] < mean["random"]
    # The set's own discrepancy does not depend on the model trained on it.
    per_set = table.groupby(["condenser", "fold"])["discrepancy"].nunique()
    assert (per_set == 1).all()


@pytest.mark.parametrize(
    "cv, scoring",
    [
        (5, None),
        (StratifiedKFold(4, shuffle=True, random_state=1), "balanced_accuracy"),
    ],
    ids=["int-default", "splitter-balanced"],
)
def test_full_baseline_equals_cross_val_score(cv, scoring):
    table = evaluate(
        RandomSubset(size=12, random_state=0),
        X_IRIS,
        Y_IRIS,
        estimators=LR,
        cv=cv,
        baselines=("full",),
        scoring=scoring,
        discrepancy=False,
    )
    full = table[table["condenser"] == "full"]
    expected = cross_val_score(LR, X_IRIS, Y_IRIS, cv=cv, scoring=scoring)
    np.testing.assert_allclose(full["score"].to_numpy(), expected)
    assert table["discrepancy"].isna().all()


def test_group_splitter_gets_the_groups():
    groups = np.arange(len(Y_IRIS)) % 5
    table = evaluate(
        RandomSubset(size=12, random_state=0),
        X_IRIS,
        Y_IRIS,
        estimators=LR,
        cv=GroupKFold(5),
        groups=groups,
        baselines=("full",),
        discrepancy=False,
    )
    full = table[table["condenser"] == "full"]
    expected = cross_val_score(LR, X_IRIS, Y_IRIS, cv=GroupKFold(5), groups=groups)
    np.testing.assert_allclose(full["score"].to_numpy(), expected)
    assert full["size"].tolist() == [120] * 5


def test_random_baseline_matches_the_condenser_settings():
    # The random baseline has the condenser's size, allocation and seed: the
    # same scores as a CondensedEstimator over that RandomSubset.
    condenser = KMeansCentroids(size=9, allocation="balanced", random_state=3)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    table = evaluate(
        condenser, X_IRIS, Y_IRIS, estimators=LR, cv=cv, baselines=("random",)
    )
    expected = cross_val_score(
        CondensedEstimator(
            RandomSubset(size=9, allocation="balanced", random_state=3), LR
        ),
        X_IRIS,
        Y_IRIS,
        cv=cv,
    )
    random = table[table["condenser"] == "random"]
    np.testing.assert_allclose(random["score"].to_numpy(), expected)


def test_regression_and_pandas_input():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X, y = X.iloc[:150], y.iloc[:150]
    table = evaluate(
        KMeansCentroids(size=20, random_state=0),
        X,
        y,
        estimators=Ridge(),
        cv=3,
        baselines=("full", "random"),
    )
    assert table["condenser"].unique().tolist() == ["KMeansCentroids", "full", "random"]
    # Continuous targets: k-fold (not stratified) and the estimator's R^2.
    full = table[table["condenser"] == "full"]
    np.testing.assert_allclose(
        full["score"].to_numpy(), cross_val_score(Ridge(), X, y, cv=KFold(3))
    )
    assert np.isfinite(table["discrepancy"]).all()
    assert (table["discrepancy"] >= 0).all()


def test_names_of_lists_and_repeats():
    table = evaluate(
        [RandomSubset(size=6, random_state=0), RandomSubset(size=9, random_state=0)],
        X_IRIS,
        Y_IRIS,
        estimators=[KNeighborsClassifier(1)],
        cv=2,
        baselines=("kmeans",),
        discrepancy=False,
    )
    assert table["condenser"].unique().tolist() == [
        "RandomSubset_1",
        "RandomSubset_2",
        "kmeans",
    ]
    assert table["estimator"].unique().tolist() == ["KNeighborsClassifier"]
    # One k-means baseline per distinct size.
    kmeans = table[table["condenser"] == "kmeans"]
    assert sorted(kmeans["size"].unique()) == [6, 9]


def test_default_models_read_a_table_with_text_columns():
    # The condensed table keeps its text column; the default models one-hot
    # encode it, as AutoCondenser's judge and the CLI's do.
    rng = np.random.RandomState(0)
    n = 300
    kind = rng.choice(["red", "blue"], n)
    frame = pd.DataFrame({"x": rng.normal(size=n), "kind": kind})
    y = (kind == "red").astype(int)  # learnable from the text column alone
    table = evaluate(
        KMeansCentroids(size=10, random_state=0),
        frame,
        y,
        cv=3,
        baselines=("full",),
    )
    scores = table.groupby(["condenser", "estimator"], sort=False)["score"].mean()
    assert list(scores.index.get_level_values("estimator").unique()) == [
        "LogReg",
        "1-NN",
        "RandomForest",
    ]
    assert (scores > 0.95).all()
    curve = condensation_curve(
        KMeansCentroids(random_state=0), frame, y, sizes=[4], baselines=("full",)
    )
    assert (curve["score"] > 0.95).all()


def test_weights_of_a_set_reach_the_last_step_of_a_pipeline():
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.pipeline import make_pipeline

    from skdc._evaluation import score_sets

    seen = []

    class Recorder(ClassifierMixin, BaseEstimator):
        def fit(self, X, y, sample_weight=None):
            seen.append(sample_weight)
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.full(len(X), self.classes_[0])

    X, y, w = X_IRIS[:6], Y_IRIS[:6], np.arange(1.0, 7.0)
    models = {"bare": Recorder(), "piped": make_pipeline(StandardScaler(), Recorder())}
    score_sets({"set": (X, y, None, w)}, X, y, models)
    assert len(seen) == 2
    for weights in seen:
        np.testing.assert_array_equal(weights, w)


def test_condensation_curve():
    curve = condensation_curve(
        RandomSubset(random_state=0),
        X_IRIS,
        Y_IRIS,
        sizes=[3, 0.2],
        cv=3,
        baselines=("full", "kmeans"),
    )
    assert tuple(curve.columns) == EVALUATE_COLUMNS
    counts = curve.groupby(["condenser", "size"], sort=False).size().to_dict()
    # 0.2 of the 100 training rows of a fold is 20; one estimator, 3 folds.
    assert counts == {
        ("RandomSubset", 3): 3,
        ("RandomSubset", 20): 3,
        ("full", 100): 3,
        ("kmeans", 3): 3,
        ("kmeans", 20): 3,
    }
    assert curve["estimator"].unique().tolist() == ["LogReg"]
    assert curve["discrepancy"].isna().all()


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: evaluate(LR, X_IRIS, Y_IRIS), TypeError, "no fit_resample"),
        (
            lambda: evaluate(RandomSubset(), X_IRIS, Y_IRIS, baselines=("best",)),
            ValueError,
            "baselines must be a subset",
        ),
        (
            lambda: evaluate({"full": RandomSubset()}, X_IRIS, Y_IRIS),
            ValueError,
            "name of a baseline",
        ),
        (lambda: evaluate([], X_IRIS, Y_IRIS), ValueError, "condensers is empty"),
        (lambda: evaluate(RandomSubset(), X_IRIS, None), ValueError, "needs y"),
        (
            lambda: condensation_curve(RandomSubset(), X_IRIS, Y_IRIS, sizes=5),
            ValueError,
            "non-empty list",
        ),
        (
            lambda: condensation_curve(
                RandomSubset(), X_IRIS, Y_IRIS, sizes=[5], estimator=[LR, LR]
            ),
            TypeError,
            "one estimator",
        ),
    ],
)
def test_bad_input_names_the_problem(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_dataframe_of_results_is_tidy():
    table = evaluate(
        RandomSubset(size=6, random_state=0),
        pd.DataFrame(X_IRIS, columns=list("abcd")),
        pd.Series(Y_IRIS, name="species"),
        estimators=KNeighborsClassifier(1),
        cv=2,
        baselines=(),
    )
    assert table.dtypes["score"] == np.float64
    assert table.dtypes["size"] == np.int64
    assert table["size"].tolist() == [6, 6]


# Progress: long fits report on stderr only when asked to.
@pytest.mark.parametrize("verbose", [0, 1])
@pytest.mark.parametrize(
    "condenser, bars",
    [
        # One bar per class (50 rows each) ...
        (
            WassersteinCondenser(size=9, max_iter=20, tol=0),
            [f"WassersteinCondenser: class {k} (50 rows):" for k in range(3)],
        ),
        # ... or one for the classes optimised together (small MMD classes).
        (
            MMDCondenser(size=9, max_iter=20, tol=0),
            ["MMDCondenser: 3 groups together:"],
        ),
    ],
    ids=["per class", "stacked"],
)
def test_progress_bars_only_when_verbose(capfd, verbose, condenser, bars):
    clone(condenser).set_params(verbose=verbose, random_state=0).fit(X_IRIS, Y_IRIS)
    out, err = capfd.readouterr()
    assert out == ""
    if verbose:
        for bar in bars:
            assert bar in err
        assert "loss=" in err
        assert "20/20" in err
    else:
        assert err == ""


# Learned weights: fit_resample cannot return them, so it says so; the
# callers that pass them on (CondensedEstimator, evaluate) stay quiet.
def test_fit_resample_warns_that_learned_weights_stay_behind():
    learned = MMDCondenser(size=9, max_iter=20, weights="learned", random_state=0)
    with pytest.warns(UserWarning, match="without their learned weights"):
        X_s, _ = learned.fit_resample(X_IRIS, Y_IRIS)
    assert X_s.shape == (9, 4) and learned.sample_weight_.shape == (9,)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*learned weights")
        MMDCondenser(size=9, max_iter=20, random_state=0).fit_resample(X_IRIS, Y_IRIS)
        learned.fit(X_IRIS, Y_IRIS)
        model = CondensedEstimator(learned, LR).fit(X_IRIS, Y_IRIS)
        evaluate(learned, X_IRIS, Y_IRIS, estimators=LR, cv=2, baselines=())
    assert model.condenser_.sample_weight_ is not None


def test_condensed_estimator_passes_learned_weights_through_a_pipeline():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    learned = MMDCondenser(size=9, max_iter=20, weights="learned", random_state=0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    model = CondensedEstimator(learned, pipe).fit(X_IRIS, Y_IRIS)
    X_s, y_s = model.condenser_.X_, model.condenser_.y_
    w = model.condenser_.sample_weight_
    assert not np.allclose(w, w[0])  # the weights are not all alike
    Z = StandardScaler().fit_transform(X_s)
    weighted = LogisticRegression().fit(Z, y_s, sample_weight=w)
    np.testing.assert_allclose(model.estimator_[-1].coef_, weighted.coef_, rtol=1e-6)
    # A model that takes no weights trains on the rows alone, and says so.
    with pytest.warns(UserWarning, match="cannot take"):
        nearest = CondensedEstimator(learned, KNeighborsClassifier(1))
        nearest.fit(X_IRIS, Y_IRIS)
    np.testing.assert_array_equal(nearest.predict(X_s), y_s)
