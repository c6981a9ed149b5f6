"""AutoCondenser: it keeps the set the judge prefers."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_blobs
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    KFold,
    RepeatedKFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.utils import resample

from skdc import (
    AutoCondenser,
    CondensedEstimator,
    KMeansCentroids,
    MMDCondenser,
    PrivateMMDCondenser,
    RandomSubset,
)
from skdc.auto import _heldout_mmd, default_candidates
from skdc.metrics import mmd

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _blobs(seed=0):
    X, y = make_blobs(
        n_samples=[60, 60, 60], n_features=4, cluster_std=1.5, random_state=seed
    )
    return X, y


def _scattered():
    """A condenser whose set is noise: one step from points drawn at random
    in the data's bounding box."""
    return MMDCondenser(init="noise", max_iter=1, learning_rate=1e-6, device="cpu")


@pytest.mark.parametrize("cv", ["final", 3])
@pytest.mark.parametrize("y_kind", ["classes", "none"])
def test_picks_the_candidate_the_judge_prefers(y_kind, cv):
    # Blobs in 4 columns plus 12 of pure noise: noise rows drawn about each
    # class's mean are far from the real rows in the noise columns, and
    # centroids average those columns out, so k-means leads by more than
    # two standard errors of the fold-by-fold lead (5 with classes, 9 without).
    X, y = make_blobs(
        n_samples=[150] * 3, n_features=4, cluster_std=1.5, random_state=0
    )
    X = np.hstack([X, 3 * np.random.RandomState(0).standard_normal((450, 12))])
    y = y if y_kind == "classes" else None
    auto = AutoCondenser(
        candidates={"noise": _scattered(), "kmeans": KMeansCentroids()},
        cv=cv,
        size=9,
        random_state=0,
    ).fit(X, y)
    assert auto.best_name_ == "kmeans"
    scores = auto.cv_results_["mean_test_score"]
    assert list(auto.cv_results_["condenser"]) == ["noise", "kmeans"]
    assert scores[1] > scores[0]
    assert auto.best_score_ == pytest.approx(scores.max())


def test_reference_is_kept_unless_beaten_by_more_than_two_standard_errors():
    from skdc.auto import LEAD_STANDARD_ERRORS, _choose

    assert LEAD_STANDARD_ERRORS == 2

    def results(*columns):  # columns: fold scores of each candidate
        folds = np.array(columns).T  # (n_splits, n_candidates)
        out = {f"split{i}_test_score": row for i, row in enumerate(folds)}
        out["mean_test_score"] = folds.mean(0)
        return out

    # Candidate 1 leads by 0.01 on average, but the lead swings from fold
    # to fold: mean 0.01 < standard error 0.0153.  The reference stays.
    noisy = results([0.80, 0.80, 0.80], [0.84, 0.80, 0.79])
    assert _choose(noisy, 3, 2.0) == 0
    # Leads 0.02, 0.01, 0.03: mean 0.02, 3.5 standard errors (0.0058), so
    # it wins.  Leads 0.04, -0.01, 0.03: the same mean, 1.3 standard errors
    # (0.0153), beyond one but within two, so the reference stays.
    assert _choose(results([0.80] * 3, [0.82, 0.81, 0.83]), 3, 2.0) == 1
    assert _choose(results([0.80] * 3, [0.84, 0.79, 0.83]), 3, 2.0) == 0
    # A steady lead of 0.01 on every fold: standard error 0, so it wins.
    steady = results([0.80, 0.70, 0.75], [0.81, 0.71, 0.76], [0.5, 0.5, 0.5])
    assert _choose(steady, 3, 2.0) == 1
    # The reference itself best: kept.
    assert _choose(results([0.9, 0.9], [0.8, 0.85]), 2, 2.0) == 0


def test_an_mmd_challenger_needs_half_a_standard_error_the_others_two():
    from skdc.auto import _choose, _lead_bars, default_candidates

    bars = _lead_bars(default_candidates().values())
    assert dict(zip(default_candidates(), bars)) == {
        "wasserstein": 2.0,
        "mmd": 0.5,
        "mmd-real-start": 0.5,
        "wasserstein-quantile": 2.0,
        "kmeans": 2.0,
        "random": 2.0,
        "wasserstein-no-atoms": 2.0,
    }
    # Leads 0.04, -0.01, 0.03 over the reference: 1.3 standard errors.
    folds = np.array([[0.80] * 3, [0.84, 0.79, 0.83]]).T
    results = {f"split{i}_test_score": row for i, row in enumerate(folds)}
    results["mean_test_score"] = folds.mean(0)
    assert _choose(results, 3, [2.0, 0.5]) == 1  # an MMD challenger passes
    assert _choose(results, 3, [2.0, 2.0]) == 0  # another does not
    # Leads 0.03, -0.01, 0.01: mean 0.01, 0.87 standard errors (0.0115).
    folds[:, 1] = [0.83, 0.79, 0.81]
    results = {f"split{i}_test_score": row for i, row in enumerate(folds)}
    results["mean_test_score"] = folds.mean(0)
    assert _choose(results, 3, [2.0, 0.5]) == 1
    assert _choose(results, 3, [2.0, 1.0]) == 0
    # The bar is the best candidate's; a user's MMD gets the MMD bar.
    assert _lead_bars([KMeansCentroids(), MMDCondenser(bandwidth=2.0)]) == [2.0, 0.5]


@pytest.mark.parametrize("cv", ["final", 3])
def test_the_winner_is_fitted_on_all_rows_and_exposes_its_set(cv):
    X, y = _blobs()
    auto = AutoCondenser(
        candidates=[KMeansCentroids(), RandomSubset()], cv=cv, size=12, random_state=3
    )
    X_s, y_s = auto.fit_resample(X, y)
    # A list names candidates by class.
    assert set(auto.cv_results_["condenser"]) == {"KMeansCentroids", "RandomSubset"}
    best = auto.best_condenser_
    # size and random_state reach the candidate; its fit is on all rows.
    assert best.size == 12 and best.random_state == 3
    again = type(best)(size=12, random_state=3).fit(X, y)
    assert_allclose(auto.X_, again.X_)
    assert_array_equal(auto.y_, again.y_)
    assert_allclose(X_s, auto.X_)
    assert_array_equal(y_s, auto.y_)
    assert_array_equal(auto.classes_, [0, 1, 2])
    assert auto.score(X, y) == pytest.approx(best.score(X, y))


def _counted_calls(monkeypatch, method):
    """The list that names the class of each call of ``_BaseReducer.method``."""
    from skdc._base import _BaseReducer

    calls = []
    original = getattr(_BaseReducer, method)

    def counted(self, *args):
        calls.append(type(self).__name__)
        return original(self, *args)

    monkeypatch.setattr(_BaseReducer, method, counted)
    return calls


def test_search_fits_skip_their_discrepancy_and_the_refit_keeps_it(monkeypatch):
    calls = _counted_calls(monkeypatch, "_fitted_discrepancy")
    X, y = _blobs()
    auto = AutoCondenser(
        candidates=[KMeansCentroids(), RandomSubset()], cv=3, size=12, random_state=3
    ).fit(X, y)
    # 2 candidates x 3 folds x 3 classes unmeasured; the refit's 3 classes.
    assert calls == [auto.best_name_] * 3
    direct = type(auto.best_condenser_)(size=12, random_state=3).fit(X, y)
    assert np.isfinite(auto.best_condenser_.discrepancy_)
    assert auto.best_condenser_.discrepancy_ == pytest.approx(direct.discrepancy_)


def test_user_estimator_and_cv_splitter_are_used():
    X, y = _blobs()
    cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    auto = AutoCondenser(
        estimator=LogisticRegression(),
        candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
        cv=cv,
        scoring="accuracy",
        size=6,
        random_state=0,
    ).fit(X, y)
    # The same numbers as cross-validating the pipeline by hand.
    for k, condenser in enumerate(
        [KMeansCentroids(size=6, random_state=0), RandomSubset(size=6, random_state=0)]
    ):
        direct = cross_val_score(
            CondensedEstimator(condenser, LogisticRegression()),
            X,
            y,
            cv=cv,
            scoring="accuracy",
        )
        assert_allclose(auto.cv_results_["mean_test_score"][k], direct.mean())
        assert_allclose(auto.cv_results_["split3_test_score"][k], direct[3])


@pytest.mark.parametrize("y_kind", ["none", "regression", "classes"])
def test_a_number_of_folds_is_shuffled_folds_drawn_with_random_state(y_kind):
    # Rows as a file sorted by group holds them: unshuffled, each held-out
    # fold would be one blob the fold's set never saw.
    X, groups = _blobs()
    order = np.argsort(groups, kind="stable")
    X, groups = X[order], groups[order]
    y = {"none": None, "regression": X[:, 0] + groups, "classes": groups}[y_kind]
    candidates = {"kmeans": KMeansCentroids(), "random": RandomSubset()}
    kwargs = {"candidates": candidates, "size": 9, "random_state": 0}
    auto = AutoCondenser(cv=3, **kwargs).fit(X, y)
    splitter = StratifiedKFold if y_kind == "classes" else KFold
    shuffled = AutoCondenser(
        cv=splitter(3, shuffle=True, random_state=0), **kwargs
    ).fit(X, y)
    in_order = AutoCondenser(cv=splitter(3), **kwargs).fit(X, y)  # as given
    scores = auto.cv_results_["mean_test_score"]
    assert_array_equal(scores, shuffled.cv_results_["mean_test_score"])
    assert_array_equal(
        auto.cv_results_["split2_test_score"], shuffled.cv_results_["split2_test_score"]
    )
    assert not np.array_equal(scores, in_order.cv_results_["mean_test_score"])
    default = AutoCondenser(**kwargs).fit(X, y)
    if y_kind == "none":  # cv="auto" is these folds without y
        assert_array_equal(default.cv_results_["mean_test_score"], scores)
    if y_kind == "regression":  # and for a continuous target, these drawn twice
        repeated = RepeatedKFold(n_splits=3, n_repeats=2, random_state=0)
        twice = AutoCondenser(cv=repeated, **kwargs).fit(X, y)
        assert_array_equal(
            default.cv_results_["mean_test_score"],
            twice.cv_results_["mean_test_score"],
        )
        # The first draw is cv=3's folds; the second another partition.
        for i in range(3):
            key = f"split{i}_test_score"
            assert_array_equal(default.cv_results_[key], auto.cv_results_[key])
        assert "split5_test_score" in default.cv_results_
        assert not np.array_equal(default.cv_results_["mean_test_score"], scores)
    if y_kind == "none":
        # Held-out MMD of sets that saw every blob, and of sets that missed one.
        assert (scores > -0.1).all()
        assert (in_order.cv_results_["mean_test_score"] < -0.5).all()


@pytest.mark.parametrize("frame", [False, True])
def test_the_judge_trains_each_model_on_the_sets_weights(frame):
    from sklearn.ensemble import RandomForestClassifier

    from skdc.auto import _default_judge

    X, y = _blobs()
    if frame:  # a table: each model sits at the end of an encoding pipeline
        X = pd.DataFrame(X, columns=list("abcd")).assign(e=np.where(y == 0, "u", "v"))
    w = np.linspace(0.05, 3.0, len(y))
    judge = _default_judge("classification", X, 0).fit(X, y, sample_weight=w)
    logreg, nearest, forest = (
        e.steps[-1][1] if frame else e for e in judge.estimators_
    )
    encode = judge.estimators_[0][:-1] if frame else None
    Z = encode.transform(X) if frame else X
    weighted = LogisticRegression(max_iter=1000).fit(Z, y, sample_weight=w)
    assert_allclose(logreg.coef_, weighted.coef_, rtol=1e-6)
    assert not np.allclose(
        logreg.coef_, LogisticRegression(max_iter=1000).fit(Z, y).coef_
    )
    trees = RandomForestClassifier(n_estimators=forest.n_estimators, random_state=0)
    assert_allclose(
        forest.predict_proba(Z), trees.fit(Z, y, sample_weight=w).predict_proba(Z)
    )
    # 1-NN takes no weights and trains on the rows alone.
    assert_array_equal(nearest.predict(Z), y)


def test_regression_is_judged_by_r2():
    X, y = load_diabetes(return_X_y=True)
    auto = AutoCondenser(
        candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
        size=40,
        random_state=0,
    ).fit(X, y)
    assert auto.y_.shape == (40,)
    # Mean R^2 of ridge, 1-NN and a forest trained on 40 rows: below 1,
    # and the 1-NN regressor on few rows is worse than predicting the mean.
    assert -1.0 < auto.best_score_ < 0.6


def test_a_set_equal_to_an_earlier_candidates_takes_its_score():
    from sklearn.ensemble import RandomForestClassifier

    from skdc import WassersteinCondenser

    # No value repeats, so W2's set without atoms is W2's own; an unseeded
    # forest would score the two copies differently.
    X, y = make_blobs(n_samples=[200, 200], n_features=3, random_state=0)
    for seed in range(3):
        auto = AutoCondenser(
            estimator=RandomForestClassifier(n_estimators=3),
            candidates={
                "w2": WassersteinCondenser(),
                "w2-no-atoms": WassersteinCondenser(match_atoms=False),
                "random": RandomSubset(),
            },
            cv="final",
            size=10,
            random_state=seed,
        ).fit(X, y)
        w2, twin, random = auto.cv_results_["split0_test_score"]
        assert twin == w2 and auto.best_name_ != "w2-no-atoms"
        # A different set is judged itself.
        assert auto.cv_results_["mean_score_time"][2] > 0


def test_default_candidates_include_the_baselines():
    names = list(default_candidates())
    assert names[0] == "wasserstein"  # the reference of the 1-SE rule
    assert {"kmeans", "random", "mmd", "wasserstein-quantile"} <= set(names)


@pytest.mark.parametrize("target", ["classes", "regression", "none"])
def test_every_default_candidate_condenses_what_autocondenser_accepts(target):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "amount": rng.lognormal(0.0, 2.0, 90),  # a long tail
            "count": rng.poisson(0.3, 90),
            "level": rng.choice(["a", "b", "c"], 90),
        }
    )
    y = {
        "classes": np.repeat([0, 1, 2], 30),
        "regression": rng.normal(size=90),
        "none": None,
    }[target]
    for name, candidate in default_candidates().items():
        candidate.set_params(size=12, random_state=0)
        candidate.fit(X, y)
        assert candidate.X_.shape == (12, 3), name
        assert list(candidate.X_.columns) == list(X.columns), name
        assert set(candidate.X_["level"]) <= {"a", "b", "c"}, name
        # Decoded numbers lie within the data's range.
        amount = candidate.X_["amount"]
        assert amount.between(X["amount"].min(), X["amount"].max()).all(), name


def test_w2_without_atoms_is_a_default_candidate_for_classes_only():
    from skdc.auto import NO_ATOMS

    auto = AutoCondenser()
    assert list(auto._named_candidates("classification"))[-1] == NO_ATOMS
    for target_type in ("regression", None):
        names = list(auto._named_candidates(target_type))
        assert NO_ATOMS not in names and len(names) == 6
    # A user's candidates are kept as given.
    mine = AutoCondenser(candidates={NO_ATOMS: KMeansCentroids()})
    assert list(mine._named_candidates("regression")) == [NO_ATOMS]


@pytest.mark.parametrize("cv", ["final", 2])
def test_w2_without_atoms_is_a_decode_of_w2s_own_fit(monkeypatch, cv):
    from skdc._base import BaseCondenser

    optimised = []
    fit_groups = BaseCondenser._fit_groups

    def counted(self, *args):
        optimised.append((type(self).__name__, self.match_atoms, self.preprocessor))
        return fit_groups(self, *args)

    monkeypatch.setattr(BaseCondenser, "_fit_groups", counted)
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=120), rng.poisson(2.0, 120)])
    y = np.repeat([0, 1], 60)
    auto = AutoCondenser(cv=cv, size=44, random_state=0).fit(X, y)
    names = list(auto.cv_results_["condenser"])
    assert names[-1] == "wasserstein-no-atoms"
    w2 = [o for o in optimised if o[0] == "WassersteinCondenser"]
    # Once per fit of W2 and of W2 on quantiles: with "final" one each, with
    # two folds one each per fold (and a refit of the winner, if W2).
    refit = int(cv != "final" and auto.best_name_.startswith("wasserstein"))
    folds = 1 if cv == "final" else 2
    assert len(w2) == 2 * folds + refit
    assert all(atoms == "auto" for _, atoms, _ in w2[: 2 * folds])


@pytest.mark.parametrize(
    "candidates, error, match",
    [
        ({}, ValueError, "candidates is empty"),
        ({"lr": LogisticRegression()}, TypeError, "no fit_resample"),
    ],
)
def test_bad_candidates_raise(candidates, error, match):
    X, y = _blobs()
    with pytest.raises(error, match=match):
        AutoCondenser(candidates=candidates, size=6).fit(X, y)


@pytest.mark.parametrize("with_y", [True, False])
def test_search_runs_on_a_stratified_subset_and_refits_on_all_rows(with_y):
    X, y = _blobs()
    kwargs = {"size": 6, "random_state": 0}
    candidates = {"kmeans": KMeansCentroids(), "random": RandomSubset()}
    auto = AutoCondenser(candidates=candidates, cv=3, search_rows=90, **kwargs)
    if with_y:
        auto.fit(X, y)
        X_sub, y_sub = resample(
            X, y, replace=False, n_samples=90, stratify=y, random_state=0
        )
    else:  # one array drawn: the rows, not its first row
        y = None
        auto.fit(X)
        X_sub, y_sub = resample(X, replace=False, n_samples=90, random_state=0), None
    on_subset = AutoCondenser(candidates=candidates, cv=3, search_rows=None, **kwargs)
    on_subset.fit(X_sub, y_sub)
    assert_allclose(
        auto.cv_results_["mean_test_score"], on_subset.cv_results_["mean_test_score"]
    )
    # The winner is refitted on all 180 rows, not on the subset.
    refit = type(auto.best_condenser_)(**kwargs).fit(X, y)
    assert_allclose(auto.X_, refit.X_)


def test_final_sets_are_measured_and_judged_on_their_rows_but_their_own():
    X, y = _blobs()
    auto = AutoCondenser(
        estimator=LogisticRegression(),
        candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
        scoring="accuracy",
        search_rows=120,
        size=30,
        random_state=0,
    ).fit(X, y)
    # Judged on 120 rows drawn once (stratified), less a selection's own rows.
    rows = resample(
        np.arange(len(y)), replace=False, n_samples=120, stratify=y, random_state=0
    )
    for k, candidate in enumerate([KMeansCentroids(), RandomSubset()]):
        direct = candidate.set_params(size=30, random_state=0).fit(X, y)
        assert np.isfinite(direct.discrepancy_)
        kept = rows
        if k == 1:
            kept = np.setdiff1d(rows, direct.sample_indices_)
            assert 0 < kept.size < rows.size
        model = LogisticRegression().fit(direct.X_, direct.y_)
        expected = model.score(X[kept], y[kept])
        assert_allclose(auto.cv_results_["split0_test_score"][k], expected)
        assert_allclose(auto.cv_results_["mean_test_score"][k], expected)
    best = auto.best_condenser_
    assert best.discrepancy_ == pytest.approx(
        type(best)(size=30, random_state=0).fit(X, y).discrepancy_
    )
    ranks = auto.cv_results_["rank_test_score"]
    assert ranks[list(auto.cv_results_["condenser"]).index(auto.best_name_)] == 1


def test_final_returns_the_set_it_judged():
    # Without a seed a refit would draw another set; the one judged is kept.
    X, y = _blobs()
    auto = AutoCondenser(
        estimator=LogisticRegression(),
        candidates=[MMDCondenser(max_iter=20, device="cpu"), KMeansCentroids()],
        scoring="accuracy",
        size=12,
    ).fit(X, y)
    model = LogisticRegression().fit(auto.X_, auto.y_)
    assert auto.best_score_ == pytest.approx(model.score(X, y))


def test_final_shows_the_winners_fit_warnings_only():
    from sklearn.exceptions import ConvergenceWarning

    X, y = _blobs()

    def prefer(kind):
        return lambda est, X, y: float(isinstance(est.condenser_, kind))

    candidates = {"short": MMDCondenser(max_iter=2, tol=0.0), "km": KMeansCentroids()}
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        AutoCondenser(candidates=candidates, scoring=prefer(MMDCondenser), size=6).fit(
            X, y
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        auto = AutoCondenser(
            candidates=candidates, scoring=prefer(KMeansCentroids), size=6
        ).fit(X, y)
    assert auto.best_name_ == "km"


@pytest.mark.parametrize("target", ["classes", "regression", "none"])
def test_auto_cv_judges_final_sets_for_classes_and_folds_otherwise(target):
    X, y = _blobs()
    y = {"classes": y, "regression": X[:, 0] + X[:, 1], "none": None}[target]
    kwargs = {
        "candidates": {"kmeans": KMeansCentroids(), "random": RandomSubset()},
        "size": 9,
        "random_state": 0,
    }
    auto = AutoCondenser(**kwargs).fit(X, y)
    cv = {
        "classes": "final",
        "regression": RepeatedKFold(n_splits=3, n_repeats=2, random_state=0),
        "none": 3,
    }[target]
    explicit = AutoCondenser(cv=cv, **kwargs).fit(X, y)
    splits = [key for key in auto.cv_results_ if key.startswith("split")]
    assert len(splits) == {"classes": 1, "regression": 6, "none": 3}[target]
    assert_allclose(
        auto.cv_results_["mean_test_score"], explicit.cv_results_["mean_test_score"]
    )


def test_final_sets_fitted_in_parallel_score_as_in_turn():
    X, y = _blobs()
    kwargs = {
        "candidates": {"kmeans": KMeansCentroids(), "random": RandomSubset()},
        "size": 9,
        "random_state": 0,
    }
    serial = AutoCondenser(**kwargs).fit(X, y)
    parallel = AutoCondenser(n_jobs=2, **kwargs).fit(X, y)
    assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert parallel.best_name_ == serial.best_name_
    assert_allclose(parallel.X_, serial.X_)


def test_final_sets_refuse_a_judge_without_score_before_fitting(monkeypatch):
    from sklearn.preprocessing import FunctionTransformer

    fits = []
    monkeypatch.setattr(
        KMeansCentroids, "fit", lambda self, *a, **k: fits.append(1) or self
    )
    X, y = _blobs()
    with pytest.raises(TypeError, match="score"):
        AutoCondenser(
            estimator=FunctionTransformer(), candidates=[KMeansCentroids()], size=6
        ).fit(X, y)
    assert fits == []


def _with_gaps(frame):
    """Blobs with every fifth value of one number missing, as an array or as
    a table that also has a text column with gaps."""
    X, y = _blobs()
    X[::5, 1] = np.nan
    if not frame:
        return X, y
    X = pd.DataFrame(X, columns=list("abcd"))
    X["level"] = np.where(np.arange(len(X)) % 7 == 0, None, np.array(["u", "v"])[y % 2])
    return X, y


@pytest.mark.parametrize(
    "frame, target",
    [(False, "classes"), (False, "regression"), (False, "none"), (True, "classes")],
)
def test_missing_impute_reaches_every_candidate(frame, target):
    X, y = _with_gaps(frame)
    y = {"classes": y, "regression": y + np.arange(len(y)) / len(y), "none": None}[
        target
    ]
    auto = AutoCondenser(size=9, missing="impute", random_state=0).fit(X, y)
    fitted = auto.cv_results_["param_condenser"]
    assert [c.missing for c in fitted] == ["impute"] * len(fitted)
    assert auto.best_condenser_.missing == "impute"
    assert np.isfinite(auto.cv_results_["mean_test_score"]).all()
    assert not pd.DataFrame(auto.X_).isna().any().any()
    assert auto.__sklearn_tags__().input_tags.allow_nan


def test_missing_values_raise_by_default_and_name_the_fix():
    X, _ = _with_gaps(frame=False)
    assert not AutoCondenser().__sklearn_tags__().input_tags.allow_nan
    for y in [_blobs()[1], None]:  # final sets, and folds
        with pytest.raises(ValueError, match="missing='impute'"):
            AutoCondenser(size=9, random_state=0).fit(X, y)


def test_unsupervised_judge_imputes_only_gaps():
    X, _ = _blobs()
    kmeans = CondensedEstimator(KMeansCentroids(size=6, random_state=0), None)
    kmeans.condenser_ = KMeansCentroids(size=6, random_state=0).fit(X)
    complete = _heldout_mmd(kmeans, X)
    assert complete == -mmd(X, kmeans.condenser_.X_)
    gappy = X.copy()
    gappy[0, 0] = np.nan  # one gap gets its column's median
    filled = X.copy()
    filled[0, 0] = np.median(X[1:, 0])
    assert_allclose(_heldout_mmd(kmeans, gappy), -mmd(filled, kmeans.condenser_.X_))


def test_a_class_missing_from_the_rows_judged_raises_no_warning():
    # Two rows of class 2 among 4,000, amid class 0: a stratified draw of 100
    # rows to judge on holds none, while 1-NN on a set with one row of it
    # predicts it for the class-0 rows nearest that row.
    centers = [[0.0, 0.0, 0.0], [6.0, 6.0, 6.0], [0.0, 0.0, 0.0]]
    X, y = make_blobs(n_samples=[1999, 1999, 2], centers=centers, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auto = AutoCondenser(
            candidates=[KMeansCentroids(), RandomSubset()],
            size=21,
            search_rows=100,
            random_state=0,
        ).fit(X, y)
    assert auto.best_condenser_.allocation_ == {0: 10, 1: 10, 2: 1}


def test_one_class_is_a_clear_error_for_the_default_judge():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="y holds one class .* pass y=None"):
        AutoCondenser(size=6).fit(X, np.full(len(X), "a"))
    # A judge of the user's own is trusted to cope.
    auto = AutoCondenser(
        estimator=DummyClassifier(), candidates=[RandomSubset()], size=6
    )
    assert auto.fit(X, np.zeros(len(X))).X_.shape == (6, 4)


def test_final_sets_measure_only_the_set_kept(monkeypatch):
    calls = _counted_calls(monkeypatch, "_measure")
    X, y = _blobs()
    auto = AutoCondenser(
        candidates=[KMeansCentroids(), RandomSubset()], size=12, random_state=3
    ).fit(X, y)
    assert calls == [type(auto.best_condenser_).__name__] * 3  # its 3 classes
    direct = type(auto.best_condenser_)(size=12, random_state=3).fit(X, y)
    assert auto.best_condenser_.discrepancy_ == pytest.approx(direct.discrepancy_)


def test_a_private_candidate_reports_its_release_not_the_rows():
    X, y = _blobs()
    private = PrivateMMDCondenser(epsilon=1.0, max_iter=20, random_state=0)
    auto = AutoCondenser(candidates=[private], size=12, random_state=0).fit(X, y)
    direct = clone(private).set_params(size=12).fit(X, y)
    assert auto.best_condenser_.discrepancy_ == pytest.approx(direct.discrepancy_)


def test_any_sampler_can_be_a_candidate():
    # imbalanced-learn's samplers have fit_resample and no discrepancy_.
    from imblearn.under_sampling import ClusterCentroids

    X, y = _blobs()
    sampler = ClusterCentroids(sampling_strategy={0: 3, 1: 3, 2: 3}, random_state=0)
    for cv in ["final", 3]:
        auto = AutoCondenser(
            candidates={"sampler": sampler}, cv=cv, size=9, random_state=0
        )
        X_s, y_s = auto.fit_resample(X, y)
        assert_array_equal(np.bincount(y_s), [3, 3, 3])
        # The same set as the sampler's own (its seed is Auto's).
        expected, _ = clone(sampler).fit_resample(X, y)
        assert_allclose(X_s, expected)
        assert np.isfinite(auto.cv_results_["mean_test_score"]).all()


def test_n_init_judges_each_candidate_drawn_from_more_seeds():
    X, y = _blobs()
    candidates = {"kmeans": KMeansCentroids(), "random": RandomSubset()}
    # A judge without randomness of its own: a set's score is the set's.
    common = {"estimator": LogisticRegression(), "scoring": "accuracy", "size": 9}
    one = AutoCondenser(candidates=candidates, random_state=0, **common).fit(X, y)
    three = AutoCondenser(
        candidates=candidates, random_state=0, n_init=3, **common
    ).fit(X, y)
    names = ["kmeans", "random", "kmeans#2", "random#2", "kmeans#3", "random#3"]
    assert list(three.cv_results_["condenser"]) == names
    scores = three.cv_results_["mean_test_score"]
    # The first draw is the search of n_init=1; the others are the same
    # candidates seeded by the draws of random_state.
    assert_allclose(scores[:2], one.cv_results_["mean_test_score"])
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=2)
    for k, seed in enumerate(seeds, start=2):
        alone = AutoCondenser(
            candidates=candidates, random_state=int(seed), **common
        ).fit(X, y)
        assert_allclose(
            scores[2 * (k - 1) : 2 * k], alone.cv_results_["mean_test_score"]
        )
    assert three.best_score_ == scores.max()
    assert three.best_name_ == names[int(np.argmax(scores))]
    assert three.best_score_ >= one.best_score_


def test_draws_reseed_only_candidates_with_a_random_state():
    from imblearn.under_sampling import NearMiss

    from skdc.auto import _with_draws

    named = {"random": RandomSubset(random_state=0), "near": NearMiss()}
    drawn = _with_draws(named, 3, 0)
    assert list(drawn) == ["random", "near", "random#2", "random#3"]
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=2)
    assert [drawn[f"random#{k}"].random_state for k in (2, 3)] == list(seeds)
    assert drawn["random"] is named["random"]
    # No seed: every draw is a fresh one.
    unseeded = _with_draws({"random": RandomSubset()}, 2, None)
    assert unseeded["random#2"].random_state is None
    assert _with_draws(named, 1, 0) is named


def test_n_init_is_unused_with_folds_and_says_so():
    X, y = _blobs()
    candidates = {"kmeans": KMeansCentroids(), "random": RandomSubset()}
    auto = AutoCondenser(candidates=candidates, cv=3, n_init=2, size=9, random_state=0)
    with pytest.warns(UserWarning, match="n_init=2 is unused with cross-validation"):
        auto.fit(X, y)
    assert list(auto.cv_results_["condenser"]) == ["kmeans", "random"]
