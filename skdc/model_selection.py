"""Condensation as a step of ordinary scikit-learn model selection."""

from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class CondensedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator on a condensed version of its training data.

    ``fit`` condenses (X, y) with a clone of ``condenser`` and fits a clone of
    ``estimator`` on the synthetic set (with its ``sample_weight_`` when the
    condenser learns weights and the estimator accepts them); ``predict``,
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
        X_s, y_s = condenser.fit_resample(X, y, **weighted)
        estimator = clone(self.estimator)
        weights = getattr(condenser, "sample_weight_", None)
        if weights is not None and has_fit_parameter(estimator, "sample_weight"):
            fit_params = {**fit_params, "sample_weight": weights}
        estimator.fit(X_s, y_s, **fit_params)
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


__all__ = ["CondensedEstimator"]
