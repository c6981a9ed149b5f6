"""Group-balanced condensation and group-fairness metrics.

:class:`FairCondenser` condenses every (class, group) cell on its own, so a
minority group is matched as closely as the majority of its class instead of
being averaged into it, and gives every cell its own synthetic rows.  The two
metrics are thin wrappers over fairlearn's (``pip install skdc[fair]``).
"""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._allocation import _largest_remainder, allocate, resolve_size
from ._base import _target_kind, warn_if_weights_dropped
from ._output import wrap_like


# ---------------------------------------------------------------- metrics
def _fairlearn_metrics():
    try:
        from fairlearn import metrics
    except ImportError as error:  # optional dependency
        raise ImportError(
            "skdc.fairness metrics need fairlearn; install it with "
            "`pip install fairlearn` (or `pip install skdc[fair]`)."
        ) from error
    return metrics


def _binarise(y_true, y_pred, pos_label):
    # fairlearn counts selections as predictions equal to 1: other label sets
    # (strings, {-1, 1}) would silently give 0, so map pos_label to 1 here.
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not (np.any(y_true == pos_label) or np.any(y_pred == pos_label)):
        raise ValueError(
            f"pos_label={pos_label!r} occurs neither in y_true nor in y_pred; "
            "pass the label of the favourable outcome."
        )
    return (y_true == pos_label).astype(int), (y_pred == pos_label).astype(int)


def demographic_parity_difference(
    y_true, y_pred, *, sensitive_features, pos_label=1, sample_weight=None
):
    """Largest gap between groups in the rate of ``pos_label`` predictions.

    fairlearn's ``demographic_parity_difference`` (between groups), with
    ``pos_label`` naming the favourable outcome (any other label counts as
    not selected), so string and multiclass labels work too.

    Examples
    --------
    >>> from skdc.fairness import demographic_parity_difference
    >>> demographic_parity_difference(
    ...     [0, 1, 0, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"]
    ... )
    0.5
    """
    y_true, y_pred = _binarise(y_true, y_pred, pos_label)
    return float(
        _fairlearn_metrics().demographic_parity_difference(
            y_true,
            y_pred,
            sensitive_features=sensitive_features,
            sample_weight=sample_weight,
        )
    )


def equalized_odds_difference(
    y_true, y_pred, *, sensitive_features, pos_label=1, sample_weight=None
):
    """Larger of the between-group gaps in true- and false-positive rates.

    fairlearn's ``equalized_odds_difference`` (worst case, between groups),
    with ``pos_label`` as for :func:`demographic_parity_difference`.

    Examples
    --------
    >>> from skdc.fairness import equalized_odds_difference
    >>> equalized_odds_difference(
    ...     [1, 1, 0, 0, 1, 1, 0, 0],
    ...     [1, 1, 0, 0, 1, 0, 1, 0],
    ...     sensitive_features=["a"] * 4 + ["b"] * 4,
    ... )
    0.5
    """
    y_true, y_pred = _binarise(y_true, y_pred, pos_label)
    return float(
        _fairlearn_metrics().equalized_odds_difference(
            y_true,
            y_pred,
            sensitive_features=sensitive_features,
            sample_weight=sample_weight,
        )
    )


# ------------------------------------------------------------ allocation
def _equal_split(total, caps):
    """``total`` rows over cells as equally as their sizes ``caps`` allow
    (water-filling: a cell that runs out passes its share to the others)."""
    alloc = np.zeros(len(caps), dtype=int)
    while total > 0:
        open_ = np.flatnonzero(alloc < caps)
        if open_.size == 0:
            break
        give = np.full(open_.size, total // open_.size)
        give[: total % open_.size] += 1
        give = np.minimum(give, caps[open_] - alloc[open_])
        alloc[open_] += give
        total -= int(give.sum())
    return alloc


def _proportional_split(total, caps):
    return _largest_remainder(caps / caps.sum(), total)


_SPLITS = {"equal": _equal_split, "proportional": _proportional_split}
"""group_allocation -> (rows of a class, rows per cell) -> rows per cell."""


def cell_allocation(class_alloc, cell_class, cell_counts, group_allocation):
    """Synthetic rows per (class, group) cell.

    Parameters
    ----------
    class_alloc : ndarray of int (n_classes,)
        Rows per class.
    cell_class : ndarray of int (n_cells,)
        Class index of each cell.
    cell_counts : ndarray of int (n_cells,)
        Real rows in each cell.
    group_allocation : {"equal", "proportional"}

    Returns
    -------
    ndarray of int (n_cells,), at least 1 per cell.
    """
    alloc = np.zeros(len(cell_class), dtype=int)
    for c, total in enumerate(class_alloc):
        cells = np.flatnonzero(cell_class == c)
        if total < len(cells):
            raise ValueError(
                f"Class index {c} gets {total} synthetic rows but has {len(cells)} "
                "groups; every (class, group) cell needs a row, so raise size "
                "(or the class's allocation)."
            )
        alloc[cells] = _SPLITS[group_allocation](int(total), cell_counts[cells])
    return alloc


# -------------------------------------------------------------- estimator
class FairCondenser(MetaEstimatorMixin, BaseEstimator):
    """Group-balanced condensation with any condenser.

    ``fit(X, y, sensitive_features=g)`` condenses each (class, group) cell as
    its own problem with the wrapped condenser, so the objective is the
    average of the discrepancy over cells and a minority group is matched as
    closely as a majority one; in a plain fit, the synthetic rows of a class
    follow its majority group.  The wrapped condenser's ``size`` and
    ``allocation`` set the rows per class; ``group_allocation`` splits each
    class's rows over its groups.  Every synthetic row carries its group in
    ``sensitive_features_``.  Without ``sensitive_features`` it is the
    wrapped condenser.

    Parameters
    ----------
    condenser : condenser
        Any skdc condenser or baseline with ``size`` and ``allocation``.
    group_allocation : {"equal", "proportional"}, default="equal"
        ``"equal"``: the groups of a class share its rows equally (a cell
        with fewer real rows than its share passes the rest on), so models
        trained on the set weigh the groups equally; ``"proportional"``: as
        in the data (stratified).  Every cell gets at least one row.

    Attributes
    ----------
    X_, y_, sample_weight_ : ndarray
        The synthetic set, grouped by class and, within a class, by group.
    sensitive_features_ : ndarray of shape (size,) or None
        Group of each synthetic row.
    groups_ : ndarray
        The groups seen in fit.
    classes_ : ndarray
        Class labels (classification only).
    allocation_ : dict
        Rows per class.
    cell_allocation_ : dict
        Rows per ``(class, group)`` (``(None, group)`` without y).
    cell_discrepancy_ : dict
        The wrapped condenser's discrepancy within each cell.
    discrepancy_ : float
        Mean of ``cell_discrepancy_`` over cells (each cell counts once).
    condenser_ : condenser
        The fitted clone that condensed the cells.
    target_type_, n_features_in_, feature_names_in_, n_iter_, history_
        As for the wrapped condenser.

    See Also
    --------
    demographic_parity_difference, equalized_odds_difference

    Notes
    -----
    The cells are independent problems, so the uniform average over cells,
    or any weighted sum, has the same minimiser; what balances the groups is
    that each cell is matched on its own rows with rows of its own.
    Condensers that couple the classes (KIP, gradient matching) see the
    cells as classes: their model then learns to tell the groups apart too.
    Regression targets are not supported (cells need discrete labels).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skdc import MMDCondenser
    >>> from skdc.fairness import FairCondenser
    >>> X, y = load_iris(return_X_y=True)
    >>> group = np.where(np.arange(150) % 5 == 0, "minority", "majority")
    >>> fair = FairCondenser(MMDCondenser(size=12, max_iter=300, random_state=0))
    >>> fair = fair.fit(X, y, sensitive_features=group)
    >>> fair.cell_allocation_[(0, "minority")], fair.cell_allocation_[(0, "majority")]
    (2, 2)
    """

    _parameter_constraints: dict = {
        "condenser": [HasMethods(["fit_resample", "set_params"])],
        "group_allocation": [StrOptions(set(_SPLITS))],
    }

    def __init__(self, condenser, *, group_allocation="equal"):
        self.condenser = condenser
        self.group_allocation = group_allocation

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None, sensitive_features=None):
        """Condense every (class, group) cell.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Class labels, or None.
        sample_weight : array-like of shape (n_samples,), default=None
        sensitive_features : array-like of shape (n_samples,), default=None
            Group of each row; None fits the wrapped condenser alone.

        Returns
        -------
        self
        """
        condenser = clone(self.condenser)
        if sensitive_features is None:
            condenser.fit(X, y, sample_weight=sample_weight)
            self._set_common(condenser)
            self.X_, self.y_ = condenser.X_, condenser.y_
            self.sensitive_features_ = None
            self.groups_ = None
            self.allocation_ = condenser.allocation_
            self.cell_allocation_ = None
            self.cell_discrepancy_ = None
            self.discrepancy_ = condenser.discrepancy_
            return self

        n = _num_samples(X)
        groups, group_codes = np.unique(
            column_or_1d(sensitive_features, warn=True), return_inverse=True
        )
        classes, class_codes = self._classes(y, n)
        check_consistent_length(X, group_codes, class_codes)
        w = _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64)
        # One integer label per cell that occurs: class-major, group-minor.
        cells, cell_labels = np.unique(
            class_codes * len(groups) + group_codes, return_inverse=True
        )
        cell_class, cell_group = np.divmod(cells, len(groups))
        cell_counts = np.array(
            [np.count_nonzero(w[cell_labels == k]) for k in range(len(cells))]
        )
        # Python scalars (tolist): keys read ("no", "m"), not np.str_("no").
        class_names = [None] if classes is None else classes.tolist()
        group_names = groups.tolist()
        names = [
            (class_names[c], group_names[g]) for c, g in zip(cell_class, cell_group)
        ]
        small = [name for name, count in zip(names, cell_counts) if count < 2]
        if small:
            raise ValueError(
                f"The (class, group) cells {small} have fewer than 2 rows of "
                "positive weight; each cell is condensed on its own and needs 2. "
                "Merge rare groups first."
            )
        n_classes = 1 if classes is None else len(classes)
        class_counts = np.bincount(cell_class, cell_counts, n_classes).astype(int)
        class_alloc = self._class_allocation(classes, class_counts, n)
        alloc = cell_allocation(
            class_alloc, cell_class, cell_counts, self.group_allocation
        )
        condenser.set_params(allocation=dict(enumerate(alloc.tolist())))
        condenser.fit(X, cell_labels, sample_weight=sample_weight)

        position = np.asarray(condenser.y_, dtype=int)  # cell of each row
        per_cell = {}
        for k, name in enumerate(names):
            rows = np.flatnonzero(cell_labels == k)
            per_cell[name] = -float(
                condenser.score(
                    _safe_indexing(X, rows), cell_labels[rows], sample_weight=w[rows]
                )
            )

        self._set_common(condenser)
        self.X_ = condenser.X_
        self.y_ = None if classes is None else classes[cell_class[position]]
        self.sensitive_features_ = groups[cell_group[position]]
        self.groups_ = groups
        self.target_type_ = "unsupervised" if classes is None else "classification"
        if classes is not None:
            self.classes_ = classes
        labels = [None] if classes is None else classes.tolist()
        self.allocation_ = dict(zip(labels, class_alloc.tolist()))
        self.cell_allocation_ = dict(zip(names, alloc.tolist()))
        self.cell_discrepancy_ = per_cell
        self.discrepancy_ = float(np.mean(list(per_cell.values())))
        return self

    def _classes(self, y, n):
        """-> (classes or None, class index of every row)."""
        if y is None:
            return None, np.zeros(n, dtype=int)
        y = column_or_1d(y, warn=True)
        target_type = _target_kind(y)
        if target_type != "classification":
            raise ValueError(
                "FairCondenser balances groups within classes, so y must hold "
                f"class labels or be None; got {target_type} targets."
            )
        return np.unique(y, return_inverse=True)

    def _class_allocation(self, classes, class_counts, n):
        params = self.condenser.get_params()
        if "size" not in params or "allocation" not in params:
            raise TypeError(
                f"FairCondenser needs a condenser with size and allocation "
                f"parameters; {type(self.condenser).__name__} has none."
            )
        allocation = params["allocation"]
        total = (
            None if isinstance(allocation, dict) else resolve_size(params["size"], n)
        )
        labels = np.array([None]) if classes is None else classes
        return allocate(labels, class_counts, total, allocation)

    def _set_common(self, condenser):
        self.condenser_ = condenser
        self.sample_weight_ = condenser.sample_weight_
        self.target_type_ = condenser.target_type_
        if hasattr(condenser, "classes_"):
            self.classes_ = condenser.classes_
        self.n_features_in_ = condenser.n_features_in_
        if hasattr(condenser, "feature_names_in_"):
            self.feature_names_in_ = condenser.feature_names_in_
        self.n_iter_ = condenser.n_iter_
        self.history_ = condenser.history_

    def fit_resample(self, X, y=None, sample_weight=None, sensitive_features=None):
        """Fit, then return ``(X_s, y_s)``; the groups are in
        ``sensitive_features_``.  pandas in gives pandas out."""
        self.fit(
            X, y, sample_weight=sample_weight, sensitive_features=sensitive_features
        )
        warn_if_weights_dropped(self)
        return wrap_like(X, y, self.X_, self.y_)

    def score(self, X, y=None, sample_weight=None, sensitive_features=None):
        """Minus the mean over cells of the discrepancy between the rows of
        (X, y) in each cell and that cell's synthetic rows (the wrapped
        condenser's score without groups)."""
        check_is_fitted(self, "X_")
        if self.groups_ is None:
            return self.condenser_.score(X, y, sample_weight=sample_weight)
        if sensitive_features is None:
            raise ValueError(
                "This FairCondenser was fitted with sensitive_features; score "
                "needs them too."
            )
        n = _num_samples(X)
        groups = column_or_1d(sensitive_features)
        w = _check_sample_weight(sample_weight, np.empty((n, 0)), dtype=np.float64)
        names = list(self.cell_allocation_)
        values = []
        for k, (label, group) in enumerate(names):
            rows = groups == group
            if y is not None and label is not None:
                rows &= np.asarray(y) == label
            rows = np.flatnonzero(rows)
            if rows.size == 0:
                continue
            values.append(
                -self.condenser_.score(
                    _safe_indexing(X, rows),
                    np.full(rows.size, k),
                    sample_weight=w[rows],
                )
            )
        return -float(np.mean(values))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


__all__ = [
    "FairCondenser",
    "demographic_parity_difference",
    "equalized_odds_difference",
]
