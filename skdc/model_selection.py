"""Condensation as a step of ordinary scikit-learn model selection.

:class:`CondensedEstimator` makes "condense, then train" one estimator;
:func:`evaluate` and :func:`condensation_curve` cross-validate models trained
on condensed sets (and on the baselines) and return tidy tables.
"""

import numbers
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import resample_with_weights, weights_for


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class CondensedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator on a condensed version of its training data.

    ``fit`` condenses (X, y) with a clone of ``condenser`` and fits a clone of
    ``estimator`` on the synthetic set, with its ``sample_weight_`` when the
    condenser learns weights (a pipeline's last step gets them; a model that
    takes no weights trains without them, with a warning); ``predict``,
    ``predict_proba``, ``decision_function`` and ``score`` delegate to the
    fitted estimator.  Because it is a plain estimator, condensation works
    inside a ``sklearn.pipeline.Pipeline``, ``cross_validate`` and
    ``GridSearchCV`` (tune ``condenser__size``, ``estimator__C``, ...), always
    training on condensed data and scoring on real data.

    Parameters
    ----------
    condenser : condenser
        Any skdc condenser or baseline (an object with ``fit_resample``).
    estimator : estimator
        The model trained on the synthetic set.

    Attributes
    ----------
    condenser_ : condenser
        The fitted clone of ``condenser``.
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_ : ndarray
        The estimator's classes (classifiers only).
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdc import CondensedEstimator, MMDCondenser
    >>> X, y = load_iris(return_X_y=True)
    >>> model = CondensedEstimator(
    ...     MMDCondenser(size=15, random_state=0), LogisticRegression()
    ... ).fit(X, y)
    >>> model.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "condenser": [HasMethods(["fit_resample"])],
        "estimator": [HasMethods(["fit"])],
    }

    def __init__(self, condenser, estimator):
        self.condenser = condenser
        self.estimator = estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None, **fit_params):
        """Condense (X, y), then fit the estimator on the synthetic set.

        ``sample_weight`` weighs the real rows for the condenser: it has one
        entry per row of X, not per synthetic row, so it never reaches the
        estimator directly; ``fit_params`` do.
        """
        condenser = clone(self.condenser)
        weighted = {} if sample_weight is None else {"sample_weight": sample_weight}
        X_s, y_s, weights = resample_with_weights(condenser, X, y, **weighted)
        estimator = clone(self.estimator)
        routed = weights_for(estimator, weights)
        if weights is not None and not routed:
            warnings.warn(
                f"{type(condenser).__name__} learned weights for its rows, "
                f"which {type(estimator).__name__} cannot take (its fit has "
                "no sample_weight), so it trains on the rows alone; use a "
                'model that takes sample_weight, or weights="uniform" in the '
                "condenser.",
                UserWarning,
                stacklevel=2,
            )
        estimator.fit(X_s, y_s, **{**fit_params, **routed})
        self.condenser_ = condenser
        self.estimator_ = estimator
        self.n_features_in_ = condenser.n_features_in_
        if hasattr(condenser, "feature_names_in_"):
            self.feature_names_in_ = condenser.feature_names_in_
        return self

    @property
    def classes_(self):
        check_is_fitted(self)
        return self.estimator_.classes_

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    @available_if(_estimator_has("score"))
    def score(self, X, y=None, sample_weight=None):
        """The fitted estimator's score on (X, y): accuracy for classifiers,
        R^2 for regressors."""
        check_is_fitted(self)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self.estimator_.score(X, y, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = inner.target_tags.required
        return tags


# ------------------------------------------------------------ evaluation
# What ``evaluate`` can add to the condensers it is given.
_BASELINES = ("full", "random", "kmeans")
# The columns of ``evaluate``'s table, in order.
EVALUATE_COLUMNS = (
    "condenser",
    "size",
    "estimator",
    "fold",
    "score",
    "fit_seconds",
    "discrepancy",
)
# The discrepancy column is measured on at most this many rows per class of
# each side: the Gaussian MMD costs time quadratic in the rows.
_MEASURE_ROWS = 1000


def evaluate(
    condensers,
    X,
    y,
    *,
    estimators=None,
    cv=5,
    baselines=_BASELINES,
    scoring=None,
    discrepancy=True,
    groups=None,
    n_jobs=None,
):
    """Cross-validate models trained on condensed sets against the baselines.

    In every fold of ``cv`` each condenser condenses the training rows once;
    every estimator is then trained on the condensed set and scored on the
    real held-out rows of the fold.  The baselines go through the same folds:
    ``"full"`` trains on all training rows, ``"random"`` on a
    :class:`~skdc.selection.RandomSubset` and ``"kmeans"`` on
    :class:`~skdc.selection.KMeansCentroids`, both with the ``size``,
    ``allocation``, ``random_state`` and ``missing`` of each condenser.  The folds are
    scikit-learn's :func:`~sklearn.model_selection.cross_validate`, run once
    per set, with the training of the estimators in its scorer.

    Parameters
    ----------
    condensers : condenser, list of condensers or dict of name -> condenser
        Objects with ``fit_resample`` (cloned, never modified).  Names default
        to the class names.
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels or continuous targets.
    estimators : estimator, list or dict of name -> estimator, default=None
        The models trained on each set.  None: logistic regression, 1-NN and
        a random forest for class labels; ridge, 5-NN and a random forest for
        continuous targets; for a DataFrame with text, categorical or boolean
        columns, each behind a one-hot encoder for those and median
        imputation and scaling for the numbers.  Models of your own get the
        sets as they are, so give them their own encoding.  A set's sample
        weights reach a model's ``fit``, or a pipeline's last step's.
    cv : int, cross-validation generator or iterable, default=5
        As in :func:`~sklearn.model_selection.cross_validate`: an int is
        stratified k-fold when the estimators are classifiers, k-fold
        otherwise, both in the rows' order; for rows sorted by date or by
        target pass ``KFold(k, shuffle=True, random_state=0)`` (``skdc
        evaluate`` does).  The splits are drawn once, so every set sees the
        same folds.
    baselines : sequence of {"full", "random", "kmeans"}, default=all three
    scoring : str or callable, default=None
        None uses each estimator's own ``score`` (accuracy for classifiers,
        R^2 for regressors); a string names a scikit-learn scorer, e.g.
        ``"balanced_accuracy"``, the better choice when classes are
        imbalanced; a callable is called as ``scoring(model, X_test, y_test)``.
    discrepancy : bool, default=True
        Measure the discrepancy column.  False leaves it NaN and saves time.
    groups : array-like of shape (n_samples,), default=None
        Group labels for group-aware splitters such as ``GroupKFold``.
    n_jobs : int, default=None
        Folds run in parallel (``cross_validate``'s ``n_jobs``).

    Returns
    -------
    DataFrame
        One row per set, fold and estimator, with columns

        - ``condenser``: the condenser's name, or the baseline's;
        - ``size``: rows of the training set in that fold;
        - ``estimator``: the estimator's name;
        - ``fold``: 0, 1, ...;
        - ``score``: the estimator trained on the set, scored on the fold's
          held-out rows;
        - ``fit_seconds``: seconds to make the set (NaN for ``"full"``);
        - ``discrepancy``: Gaussian MMD^2, bandwidth the median distance
          within the held-out rows, between the held-out rows and the set,
          class by class, averaged with the class shares of the held-out
          rows (for continuous targets, between rows ``[X, y]``).  The same
          measure for every set, so rows compare; ``"full"`` gives its floor.
          Synthetic sample weights are not used; NaN for non-numeric tables.

    See Also
    --------
    condensation_curve : The score against the size of the set.
    CondensedEstimator : Condense and train as one estimator.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import scale
    >>> from skdc import MMDCondenser
    >>> from skdc.model_selection import evaluate
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> table = evaluate(
    ...     MMDCondenser(size=15, max_iter=100, random_state=0), X, y,
    ...     estimators=LogisticRegression(max_iter=1000), cv=3,
    ... )
    >>> list(table.columns)
    ['condenser', 'size', 'estimator', 'fold', 'score', 'fit_seconds', 'discrepancy']
    >>> table.groupby("condenser", sort=False)["size"].first().to_dict()
    {'MMDCondenser': 15, 'full': 100, 'random': 15, 'kmeans': 15}
    """
    reducers = _named(condensers, "condensers")
    for name, reducer in reducers:
        if not hasattr(reducer, "fit_resample"):
            raise TypeError(
                f"condenser {name!r} is a {type(reducer).__name__}, which has no "
                "fit_resample; pass skdc condensers or baselines."
            )
    return _evaluate_sets(
        reducers,
        X,
        y,
        estimators=estimators,
        cv=cv,
        baselines=baselines,
        scoring=scoring,
        discrepancy=discrepancy,
        groups=groups,
        n_jobs=n_jobs,
    )


def condensation_curve(
    condenser,
    X,
    y,
    *,
    sizes,
    estimator=None,
    cv=5,
    baselines=_BASELINES,
    scoring=None,
    discrepancy=False,
    groups=None,
    n_jobs=None,
):
    """Cross-validated score of a model trained on condensed sets of several sizes.

    :func:`evaluate` with one condenser at every size in ``sizes`` (a clone
    with ``size`` set), the ``"random"`` and ``"kmeans"`` baselines at the
    same sizes, and the ``"full"`` data once.

    Parameters
    ----------
    condenser : condenser
        An estimator with ``fit_resample`` and a ``size`` parameter.
    X, y : array-like
    sizes : sequence of int or float
        Values of ``size``: row counts, or fractions in (0, 1).
    estimator : estimator, default=None
        The model; None is the first of :func:`evaluate`'s defaults
        (logistic regression, or ridge for continuous targets).
    cv, baselines, scoring, groups, n_jobs
        As in :func:`evaluate`.
    discrepancy : bool, default=False
        Measure the discrepancy column too.

    Returns
    -------
    DataFrame
        :func:`evaluate`'s table; ``size`` is the column to plot against.

    See Also
    --------
    skdc.plotting.CondensationCurveDisplay : Plot it.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skdc.selection import KMeansCentroids
    >>> from skdc.model_selection import condensation_curve
    >>> X, y = load_iris(return_X_y=True)
    >>> X = scale(X)
    >>> curve = condensation_curve(
    ...     KMeansCentroids(random_state=0), X, y, sizes=[3, 12], cv=3,
    ...     baselines=("full",),
    ... )
    >>> curve.groupby(["condenser", "size"], sort=False).size().to_dict()
    {('KMeansCentroids', 3): 3, ('KMeansCentroids', 12): 3, ('full', 100): 3}
    """
    if not hasattr(condenser, "fit_resample") or "size" not in condenser.get_params():
        raise TypeError(
            "condenser must have fit_resample and a size parameter, got a "
            f"{type(condenser).__name__}."
        )
    if isinstance(sizes, (str, numbers.Number)) or len(sizes) == 0:
        raise ValueError(f"sizes must be a non-empty list of sizes, got {sizes!r}.")
    name = type(condenser).__name__
    reducers = [(name, clone(condenser).set_params(size=size)) for size in sizes]
    if estimator is not None and (
        isinstance(estimator, (list, tuple, Mapping)) or not hasattr(estimator, "fit")
    ):
        raise TypeError(
            f"estimator must be one estimator, got a {type(estimator).__name__}."
        )
    return _evaluate_sets(
        reducers,
        X,
        y,
        estimators=estimator,
        cv=cv,
        baselines=baselines,
        scoring=scoring,
        discrepancy=discrepancy,
        groups=groups,
        n_jobs=n_jobs,
        first_default_only=True,
    )


def _evaluate_sets(
    reducers,
    X,
    y,
    *,
    estimators,
    cv,
    baselines,
    scoring,
    discrepancy,
    groups,
    n_jobs,
    first_default_only=False,
):
    """evaluate over (name, reducer) pairs, names possibly repeated."""
    import pandas as pd

    if y is None:
        raise ValueError(
            "evaluate needs y: models are trained on each set and scored on "
            "held-out rows."
        )
    unknown = sorted(set(baselines) - set(_BASELINES))
    if isinstance(baselines, str) or unknown:
        raise ValueError(
            f"baselines must be a subset of {_BASELINES}, got {baselines!r}."
        )
    task = _target_type(y)
    if estimators is None:
        models = _default_models(task, X)
        if first_default_only:
            models = dict([next(iter(models.items()))])
    else:
        models = dict(_named(estimators, "estimators"))
    classifier = any(is_classifier(model) for model in models.values())
    # Drawn once: every set is trained and scored on the same folds.
    splits = list(check_cv(cv, y, classifier=classifier).split(X, y, groups))

    sets = list(reducers) + _baseline_sets(reducers, baselines)
    scorer = _SetScorer(models, scoring, task, discrepancy)
    rows = []
    for name, reducer in sets:
        result = cross_validate(
            _TrainingSet(reducer),
            X,
            y,
            cv=splits,
            scoring=scorer,
            n_jobs=n_jobs,
            error_score="raise",
        )
        for fold in range(len(splits)):
            seconds = np.nan if reducer is None else result["fit_time"][fold]
            for k, model_name in enumerate(models):
                rows.append(
                    {
                        "condenser": name,
                        "size": int(result["test_size"][fold]),
                        "estimator": model_name,
                        "fold": fold,
                        "score": result[f"test_score{k}"][fold],
                        "fit_seconds": seconds,
                        "discrepancy": result["test_discrepancy"][fold],
                    }
                )
    return pd.DataFrame(rows, columns=list(EVALUATE_COLUMNS))


def _named(objects, what):
    """One object, a list or a dict -> list of (name, object); class names,
    numbered when a list repeats one."""
    if isinstance(objects, Mapping):
        pairs = [(str(name), obj) for name, obj in objects.items()]
    elif isinstance(objects, (list, tuple)):
        names = [type(obj).__name__ for obj in objects]
        pairs = [
            (n if names.count(n) == 1 else f"{n}_{names[:i].count(n) + 1}", obj)
            for i, (n, obj) in enumerate(zip(names, objects))
        ]
    else:
        pairs = [(type(objects).__name__, objects)]
    if not pairs:
        raise ValueError(f"{what} is empty; pass at least one.")
    taken = {*_BASELINES} if what == "condensers" else set()
    clash = [name for name, _ in pairs if name in taken]
    if clash:
        raise ValueError(
            f"{what} may not be named {clash[0]!r}, the name of a baseline."
        )
    return pairs


def _shuffled_folds(n_splits, task, random_state):
    """``n_splits`` folds of the shuffled rows, stratified for classes
    (``task == "classification"``), drawn with ``random_state``: rows sorted
    by date, target or class still give every fold a sample of the data."""
    folds = StratifiedKFold if task == "classification" else KFold
    return folds(n_splits, shuffle=True, random_state=random_state)


def _target_type(y):
    """The task y poses, "classification" or "regression", by the rule the
    condensers use."""
    from ._base import _target_kind

    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one column, got shape {y.shape}.")
    return _target_kind(y)


def _default_models(task, X):
    """evaluate's default models, each able to read X's columns as the
    condensers return them: one-hot levels, imputed and scaled numbers
    (``skdc._evaluation.model_for``)."""
    from ._evaluation import default_models, default_regressors, model_for

    if task == "classification":
        models = default_models(random_state=0)
    else:
        models = default_regressors(random_state=0)
    return {name: model_for(model, X) for name, model in models.items()}


def _baseline_sets(reducers, baselines):
    """(name, reducer) of the baselines; None makes the full training set.
    One random subset and one k-means set per distinct size and allocation."""
    from .selection import KMeansCentroids, RandomSubset

    sets = [("full", None)] if "full" in baselines else []
    kinds = [(k, c) for k, c in (("random", RandomSubset), ("kmeans", KMeansCentroids))]
    kinds = [(k, c) for k, c in kinds if k in baselines]
    seen = {}
    for name, reducer in reducers:
        params = reducer.get_params()
        if kinds and "size" not in params:
            raise ValueError(
                f"condenser {name!r} has no size parameter, so the random and "
                "k-means baselines cannot match it; pass baselines=('full',)."
            )
        key = (params.get("size"), repr(params.get("allocation", "proportional")))
        seen.setdefault(key, params)
    for kind, cls in kinds:
        for params in seen.values():
            shared = {
                key: params[key]
                for key in ("size", "allocation", "random_state", "missing")
                if key in params
            }
            sets.append((kind, cls(**shared)))
    return sets


class _TrainingSet(BaseEstimator):
    """The training set of one fold: condensed by ``reducer``, or all rows
    when it is None.  ``cross_validate`` times its ``fit``."""

    def __init__(self, reducer=None):
        self.reducer = reducer

    def fit(self, X, y):
        if self.reducer is None:
            self.X_, self.y_, self.sample_weight_ = X, y, None
            return self
        reducer = clone(self.reducer)
        self.X_, self.y_, self.sample_weight_ = resample_with_weights(reducer, X, y)
        return self


class _SetScorer:
    """``cross_validate`` scorer: trains every model on the fitted
    ``_TrainingSet`` and scores it on the held-out rows; also returns the
    set's size and its discrepancy to the held-out rows."""

    def __init__(self, models, scoring, task, discrepancy):
        self.models = models
        self.scoring = scoring
        self.task = task
        self.discrepancy = discrepancy

    def __call__(self, training_set, X_test, y_test):
        from ._evaluation import CondensedSet, score_sets

        item = CondensedSet(
            training_set.X_, training_set.y_, None, training_set.sample_weight_
        )
        row = score_sets({"set": item}, X_test, y_test, self.models, self.scoring)[0]
        # Positional keys: model names may hold any character.
        out = {f"score{k}": row[name] for k, name in enumerate(self.models)}
        out["size"] = row["rows"]
        out["discrepancy"] = (
            _heldout_mmd(X_test, y_test, item.X, item.y, self.task)
            if self.discrepancy
            else np.nan
        )
        return out


def _heldout_mmd(X_test, y_test, X_set, y_set, task, seed=0):
    """Gaussian MMD^2 between held-out rows and a training set (see
    ``evaluate``); NaN when the tables are not numeric."""
    from sklearn.utils import check_array

    from ._base import _encode_target, _join_target
    from .metrics import mmd

    try:
        A = check_array(X_test, dtype=np.float64)
        B = check_array(X_set, dtype=np.float64)
    except (TypeError, ValueError):
        return np.nan
    rng = check_random_state(seed)

    def cap(rows):
        if len(rows) <= _MEASURE_ROWS:
            return rows
        return rows[rng.choice(len(rows), _MEASURE_ROWS, replace=False)]

    if task == "classification":
        y_test, y_set = np.asarray(y_test), np.asarray(y_set)
        classes, counts = np.unique(y_test, return_counts=True)
        if not np.isin(classes, y_set).all():
            return np.nan  # a held-out class the set has no row of
        values = [mmd(cap(A[y_test == c]), cap(B[y_set == c])) for c in classes]
        return float(np.dot(counts / counts.sum(), values))
    y_test = np.asarray(y_test, np.float64)
    encoding = _encode_target(A, y_test)[3]
    A = _join_target(A, y_test, "regression", encoding)
    B = _join_target(B, np.asarray(y_set, np.float64), "regression", encoding)
    return mmd(cap(A), cap(B))


__all__ = ["CondensedEstimator", "condensation_curve", "evaluate"]
