"""Base classes: what every condenser and baseline shares.

``_BaseReducer.fit`` is the template: validate, encode the target, split the
rows into groups (one per class, or one for regression and ``y=None``), give
each group its share of the synthetic rows, reduce every group independently
(in parallel through joblib) and assemble the fitted attributes.  Subclasses
implement one hook, ``_fit_group``.  ``BaseCondenser`` implements it with the
single optimisation loop, so a concrete condenser only names its discrepancy.
"""

import numbers
import warnings
from abc import abstractmethod

import numpy as np
import torch
from joblib import effective_n_jobs
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    check_X_y,
    has_fit_parameter,
    validate_data,
)

from ._allocation import allocate, resolve_size
from ._backend import (
    DTYPE,
    as_tensor,
    make_generator,
    resolve_device,
    to_numpy,
    torch_threads,
)
from ._dask import fit_dask, is_dask_collection
from ._init import INITS
from ._marginals import (
    match_atoms,
    matches_atoms,
    repeating_columns,
    takes_data_values,
    to_data_values,
)
from ._optimize import optimise, standardisation
from ._output import wrap_like
from ._search import cached, measuring, shared
from ._tabular import (
    TableEncoder,
    check_missing,
    needs_encoding,
    non_numeric_columns,
    numeric_tails,
)
from ._targets import target_weight
from .discrepancy import MMD, FeatureMapped
from .discrepancy._base import params_to_numpy, params_to_torch

# Discrepancies reported in ``discrepancy_`` and ``score`` are estimated on at
# most this many real rows per class: the real-real term is quadratic.
_REPORT_ROWS = 4096
# ``batch_size="auto"``: minibatches of this many real rows for classes of
# more than ``_whole_class_rows`` (a class attribute; by default this size).
_AUTO_BATCH = 2048
# Kernel entries x features per step below which one CPU thread is fastest.
_SMALL_STEP = 2**22
# Groups are optimised together when the largest has at most this many
# synthetic numbers (rows x columns), unless the objective sets its own
# ``stack_entries``: then a step is mostly Python and launch overhead, which
# stacking pays once.  Random-feature MMD, 10 classes, one CPU thread:
# 10 x 10 numbers a class 2.3x faster stacked, 50 x 5 1.6x, 50 x 50 level,
# 200 x 50 2.1x slower (settled groups keep computing until the slowest
# settles).  Exact MMD sets a higher limit (see MMD.stack_entries).
_STACK_ENTRIES = 2**11

_CLASSIFICATION = ("binary", "multiclass")
# Parameter constraint of ``feature_map`` (see skdc.discrepancy.FeatureMapped).
FEATURE_MAP_CONSTRAINT = [
    StrOptions({"random_network"}),
    HasMethods(["transform"]),
    callable,
    None,
]
# Parameter constraint of ``match_atoms`` (class-conditional condensers).
MATCH_ATOMS_CONSTRAINT = [StrOptions({"auto"}), "boolean"]
# A float y with more distinct values than this is a regression target.
_MAX_FLOAT_LABELS = 20


class _BaseReducer(BaseEstimator):
    """Validation, allocation, grouping and output for every reducer."""

    _parameter_constraints: dict = {
        "size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
        "allocation": [StrOptions({"proportional", "balanced"}), dict],
        "random_state": ["random_state"],
        "preprocessor": [StrOptions({"auto", "standard", "quantile"}), None],
        "missing": [StrOptions({"error", "impute"})],
    }

    # Baselines reduce each class on its own (see BaseCondenser).
    _joint_classes = False
    # preprocessor="auto" power-maps long-tailed numeric columns (a private
    # condenser may not: finding them reads the rows).
    _maps_tails = True

    @abstractmethod
    def _fit_group(self, X, w, m, seed):
        """Reduce one group of real rows X (n, d), weights w (n,) summing to
        one, to m rows (condensers also take ``objective``: the group's
        discrepancy when it is not ``_objective()``).  Returns a dict with
        ``X`` (m, d), ``weights`` ((m,) or None), ``params`` (resolved
        discrepancy settings, NumPy), ``history``, ``n_iter`` and ``indices``
        (selected rows or None)."""

    def _group_options(self, labels, sizes):
        """Keyword arguments of ``_fit_group``, one dict per group (label:
        its class, or None for all rows; size: its rows)."""
        return [{} for _ in labels]

    def _fit_groups(self, Z, w, groups, alloc, seeds, per_group, extra):
        """``_fit_group`` results of every group: one call per group, through
        joblib (threads; ``n_jobs``)."""
        parallel = Parallel(n_jobs=getattr(self, "n_jobs", None), prefer="threads")
        return parallel(
            delayed(self._fit_group)(
                Z[g], w[g] / w[g].sum(), int(m), int(s), **extra, **own
            )
            for g, m, s, own in zip(groups, alloc, seeds, per_group)
        )

    def _shared_fit_groups(self, Z, w, groups, alloc, seeds, per_group, extra):
        """``_fit_groups``; inside a search, shared by the fits of this class
        on the same rows whose parameters differ only in ``match_atoms``,
        which acts after the optimisation: AutoCondenser judges W2 with and
        without atoms for one optimisation.  The results are read, never
        changed, by the steps after it (they return copies)."""

        def fit():
            return self._fit_groups(Z, w, groups, alloc, seeds, per_group, extra)

        params = self.get_params(deep=False)
        params.pop("match_atoms", None)
        plain = (type(None), bool, numbers.Number, str)
        if (
            not hasattr(self, "match_atoms")
            or any("objective" in o for o in per_group)  # dask's summaries
            or not all(isinstance(v, plain) for v in params.values())
        ):
            # Nothing to share, or parameters (a feature map, a discrepancy,
            # a RandomState) whose repr need not tell two of them apart.
            return fit()
        name = (
            "fitted groups",
            type(self).__qualname__,
            tuple(sorted(params.items())),
            tuple(np.asarray(alloc).tolist()),
            tuple(np.asarray(seeds).tolist()),
        )
        return shared(name, (Z, w, *groups), fit)

    # Whether match_atoms also moves values left between the data's values
    # (skdc._marginals.to_data_values); benchmarks turn it off to measure it.
    _data_values = True

    def _atom_columns(self, preprocessor, n_features, joint):
        """Columns whose values go to the data's atoms after the fit
        (``match_atoms``, see ``skdc/_marginals.py``), or None.

        The numbers of X only: an encoded table's one-hot blocks are decoded
        by counts, and trailing target or label columns are the answer.  A
        joint problem (one group of all classes) is left alone: its rows'
        classes are only known after the fit."""
        if not hasattr(self, "match_atoms") or joint:
            return None  # what each group gets: matches_atoms, takes_data_values
        if isinstance(preprocessor, TableEncoder):
            n_features = preprocessor.n_numeric_
        return np.arange(n_features)

    def _make_discrepancy(self):
        """The discrepancy that ``score`` and ``discrepancy_`` report.

        Selection baselines optimise nothing and are measured with a Gaussian
        MMD at the median bandwidth."""
        return MMD()

    def _threads(self, counts, alloc, n_features):
        """Torch CPU threads for the fit: one when the work is too small to
        share between threads (see ``torch_threads``), else torch's setting.

        A baseline's only torch work is measuring its discrepancy, whose
        largest term is quadratic in the (at most ``_REPORT_ROWS``) rows."""
        rows = np.minimum(counts, _REPORT_ROWS)
        return _threads_for(self._device(), rows * rows, n_features)

    def _objective(self):
        """The discrepancy actually measured: ``_make_discrepancy``'s, seen
        through ``feature_map`` when the estimator has one."""
        discrepancy = self._make_discrepancy()
        feature_map = getattr(self, "feature_map", None)
        if feature_map is None:
            return discrepancy
        return FeatureMapped(discrepancy, feature_map)

    def _device(self):
        return resolve_device(getattr(self, "device", "cpu"))

    # ----------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Learn the synthetic set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Also a dask array or a dask DataFrame of numeric columns, read
            through dask: classes of up to 65,536 rows are read whole (the
            result equals the in-memory fit), larger ones through a uniform
            sample of that many rows, except that random-feature MMD reads
            every row for its mean embeddings (see ``skdc/_dask.py``).
        y : array-like of shape (n_samples,), default=None
            Class labels (class-conditional condensation), continuous targets
            (joint condensation of X and y), or None (condense X alone).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each real row in the distribution to match.

        Returns
        -------
        self
        """
        if is_dask_collection(X):
            # Data that need not fit in memory: sampled through dask.
            return fit_dask(self, X, y, sample_weight)
        return self._fit(X, y, sample_weight)

    # Whether dask input may be fitted on a sample of each large class (see
    # ``_dask.fit_dask``); an estimator that must read every row says no.
    _fits_dask_samples = True
    # Whether ``_measure_fit`` gives the ``discrepancy_`` the fit would have
    # measured (a search may then measure only the fit it keeps); a condenser
    # that measures something other than its rows' distance says no.
    _measures_later = True

    def _fit(self, X, y, sample_weight, *, seeds=None, counts=None, objectives=None):
        """The fit on rows in memory.

        ``fit_dask`` fits a sample of a larger dask input through this, with
        the per-group ``seeds`` it drew, the full data's per-group ``counts``
        for the allocation and, for random-feature MMD, per-group
        ``objectives`` that summarise every row (None: the estimator's own).
        """
        frame = X
        X, preprocessor = self._encode_X(X, reset=True)
        X, y = self._validate_fit_data(X, y)
        w = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError("sample_weight must be non-negative with a positive sum.")
        target_type, classes, codes, y_encoding = _encode_target(X, y)
        if target_type == "regression":
            # Wider when the rows' neighbours predict y (see _targets); a
            # search's candidates on the same fold share the estimate.
            mean, sd, spread = y_encoding
            weight = shared("target weight", (X, y), lambda: target_weight(X, y))
            y_encoding = (mean, sd, spread * weight)
        Z = _join_target(X, y, target_type, y_encoding)
        groups = _groups(codes, len(classes) if classes is not None else 1, len(X))
        _check_group_sizes(groups, classes, w)
        if counts is None:
            counts = self._allocation_counts(Z, codes, groups, w)

        # A dict allocation gives every count itself and ignores size, so the
        # default size must not fail on data with fewer rows than it.
        total = (
            None
            if isinstance(self.allocation, dict)
            else resolve_size(self.size, X.shape[0])
        )
        labels = classes if classes is not None else np.array([None])
        alloc = allocate(labels, counts, total, self.allocation)
        class_alloc = alloc
        joint = self._joint_classes and target_type == "classification"
        # Trailing target columns of the rows the discrepancy sees (read by
        # _make_discrepancy and _frozen_columns): one-hot labels, y, or none.
        self._n_label_columns = (
            len(classes) if joint else int(target_type == "regression")
        )
        extra = {}
        if joint:
            # One problem over all classes: each row carries its one-hot label
            # in trailing columns, and the starting points are drawn per class.
            Z = np.column_stack([Z, np.eye(len(classes))[codes]])
            extra = {"strata": (codes, alloc)}
            groups, counts = [np.arange(len(X))], np.array([counts.sum()])
            labels, alloc = np.array([None]), np.array([alloc.sum()])
        if seeds is None:
            rng = check_random_state(self.random_state)
            seeds = rng.randint(np.iinfo(np.int32).max, size=len(groups))
        per_group = self._group_options(labels, [len(g) for g in groups])
        if objectives is not None:
            for options, objective in zip(per_group, objectives):
                options["objective"] = objective

        discrepancy = self._objective()
        with torch_threads(self._threads(counts, alloc, Z.shape[1])):
            results = self._shared_fit_groups(
                Z, w, groups, alloc, seeds, per_group, extra
            )
            columns = self._atom_columns(preprocessor, X.shape[1], joint)
            # One group is the whole set: a column the matching would make
            # one value there keeps its fitted values (_marginals._flattens).
            keep_spread = target_type != "classification"
            if columns is not None and takes_data_values(self.match_atoms):
                # Both steps below read which columns repeat: probed once.
                repeating = [repeating_columns(Z[g], w[g], columns) for g in groups]
                # A regression row's target is its rows' average, which a 0/1
                # column matched by rank would no longer fit.
                two_valued = target_type != "regression"
                results = [
                    {
                        **r,
                        "X": match_atoms(
                            Z[g],
                            w[g],
                            r["X"],
                            r["weights"],
                            columns,
                            two_valued,
                            keep_spread,
                            repeats,
                        ),
                    }
                    if matches_atoms(self.match_atoms, m, alloc)
                    else r
                    for r, g, m, repeats in zip(results, groups, alloc, repeating)
                ]
            if isinstance(preprocessor, TableEncoder):
                # The decoded table is the answer, so it is what gets measured:
                # each group's rows become valid rows here (one category per
                # column, counts kept per group, whole integers).
                results = [_snapped(r, preprocessor, X.shape[1]) for r in results]
            if (
                columns is not None
                and self._data_values
                and takes_data_values(self.match_atoms)
            ):
                # After the snapping, which rounds whole numbers: one that no
                # row holds (1 where the data jumps from 0 to 10) moves too.
                results = [
                    {
                        **r,
                        "X": to_data_values(
                            Z[g], w[g], r["X"], columns, keep_spread, repeats
                        ),
                    }
                    for r, g, repeats in zip(results, groups, repeating)
                ]
            # Baselines resolve no settings while fitting: measuring on the
            # training rows resolves them, and score reuses them (unmeasured,
            # score resolves them on the rows it is given).
            measured = [
                self._fitted_discrepancy(
                    own.get("objective", discrepancy), r, Z[g], w[g], s
                )
                if measuring()
                else (np.nan, r["params"])
                for r, g, s, own in zip(results, groups, seeds, per_group)
            ]

        unsettled = [
            "all rows" if lab is None else str(lab)
            for lab, r in zip(labels, results)
            if not r["converged"]
        ]
        if unsettled:
            warnings.warn(
                f"{type(self).__name__} reached max_iter={self.max_iter} before the "
                f"loss settled (groups: {', '.join(unsettled)}); increase max_iter "
                "or tol.",
                ConvergenceWarning,
                stacklevel=3,  # past sklearn's fit wrapper, to the caller
            )
        shares = np.array([w[g].sum() for g in groups]) / w.sum()
        group_values = [value for value, _ in measured]
        Z_syn = np.vstack([r["X"] for r in results])
        soft = None
        if joint:
            Z_syn, soft = Z_syn[:, : X.shape[1]], Z_syn[:, X.shape[1] :]
        X_syn, y_syn = _split_target(Z_syn, target_type, y_encoding, X.dtype)
        if isinstance(preprocessor, TableEncoder):
            # Mixed tables: X_ is the decoded DataFrame (exact: rows were snapped).
            X_syn = preprocessor.inverse_transform(X_syn)
        if target_type == "classification":
            y_syn = np.repeat(classes, class_alloc)
            if joint:
                y_syn = classes[np.argmax(soft, axis=1)]
        weights = None
        if any(r["weights"] is not None for r in results):
            # Each class keeps its share of the data's weight; the mean weight
            # is 1 so regularised estimators see the usual total weight.
            weights = alloc.sum() * np.concatenate(
                [
                    (r["weights"] if r["weights"] is not None else np.full(m, 1 / m))
                    * share
                    for r, m, share in zip(results, alloc, shares)
                ]
            )
        indices = None
        if all(r["indices"] is not None for r in results):
            indices = np.concatenate([g[r["indices"]] for r, g in zip(results, groups)])
            if isinstance(preprocessor, TableEncoder) and not preprocessor.array_:
                # Selected rows keep their own levels, rare ones included.
                X_syn = preprocessor.keep_rare_levels(X_syn, frame.iloc[indices])

        self.X_ = X_syn
        self.y_ = y_syn
        self.sample_weight_ = weights
        if target_type == "classification":
            self.classes_ = classes
        self.target_type_ = target_type
        self.preprocessor_ = preprocessor
        self.allocation_ = dict(
            zip((classes if joint else labels).tolist(), class_alloc.tolist())
        )
        if joint:
            self.y_soft_ = soft
        self.n_iter_ = np.array([r["n_iter"] for r in results])
        self.history_ = [r["history"] for r in results]
        self.discrepancy_ = float(np.dot(shares, group_values))
        if indices is not None:
            self.sample_indices_ = indices
        self._group_params = [params for _, params in measured]
        self._group_seeds = seeds
        self._y_encoding = y_encoding
        return self

    def fit_resample(self, X, y=None, sample_weight=None):
        """Fit, then return the synthetic set ``(X_s, y_s)``.

        This is the imbalanced-learn sampler protocol: in an
        ``imblearn.pipeline.Pipeline`` the condensed set replaces the training
        data at fit time, and test data passes through untouched.  pandas in
        gives pandas out (same columns; integer and boolean columns keep
        their dtype); ``y_s`` is None when ``y`` is None.

        Returns
        -------
        X_s : ndarray or DataFrame of shape (size, n_features)
        y_s : ndarray or Series of shape (size,), or None
        """
        self.fit(X, y, sample_weight=sample_weight)
        warn_if_weights_dropped(self)
        return wrap_like(X, y, self.X_, self.y_)

    # --------------------------------------------------------------- score
    def score(self, X, y=None, sample_weight=None):
        """Minus the discrepancy between (X, y) and the synthetic set.

        The discrepancy is the one the estimator optimised, with the settings
        resolved at fit time (e.g. the median bandwidth of the training data),
        averaged over classes by their weight in ``X``; it is estimated on at
        most 4096 rows per class.  Higher is better, so ``GridSearchCV`` can
        tune a condenser on its own; compare only settings that share a
        discrepancy, since values of different kernels are not comparable.
        """
        check_is_fitted(self, "X_")
        values, _, masses = self._group_measures(X, y, sample_weight)
        present = masses > 0
        return -float(np.dot(masses[present], values[present]) / masses.sum())

    def _measure_fit(self, X, y=None, sample_weight=None):
        """Measure ``discrepancy_`` on the rows the fit saw, as the fit
        measures it outside a search: for a kept fit of a search whose other
        fits skipped measuring (AutoCondenser keeps one of several)."""
        values, params, masses = self._group_measures(X, y, sample_weight)
        self.discrepancy_ = float(np.dot(masses, values) / masses.sum())
        self._group_params = params

    def _group_measures(self, X, y, sample_weight):
        """``(values, params, masses)`` per group of the fitted set: the
        discrepancy of (X, y)'s rows of that group to its synthetic rows
        (NaN for a group with no rows), the settings it was measured with,
        and the group's weight in X."""
        X, _ = self._encode_X(X, reset=False)
        w = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.target_type_ != "unsupervised" and y is None:
            raise ValueError(
                f"This condenser was fitted with {self.target_type_} targets; "
                "score needs y too."
            )
        if self.target_type_ == "unsupervised":
            codes, y_num = None, None
        elif self.target_type_ == "classification":
            y = np.asarray(y)
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(f"y holds classes unseen during fit: {unknown}.")
            codes, y_num = np.searchsorted(self.classes_, y), None
        else:
            codes, y_num = None, np.asarray(y, float)
        Z = _join_target(X, y_num, self.target_type_, self._y_encoding)
        X_syn = self.X_
        if isinstance(self.preprocessor_, TableEncoder):
            X_syn = self.preprocessor_.transform(X_syn)
        Z_syn = _join_target(
            X_syn,
            self.y_ if y_num is not None else None,
            self.target_type_,
            self._y_encoding,
        )
        bounds = np.cumsum([0, *self.allocation_.values()])
        groups = _groups(codes, len(self.allocation_), len(X))
        if hasattr(self, "y_soft_"):
            # Joint classes: one problem over [X, one-hot label] rows.
            Z = np.column_stack([Z, np.eye(len(self.classes_))[codes]])
            Z_syn = np.column_stack([Z_syn, self.y_soft_])
            bounds, groups = np.array([0, len(Z_syn)]), [np.arange(len(X))]
        discrepancy = self._objective()
        counts = np.array([len(g) for g in groups])
        values = np.full(len(groups), np.nan)
        masses = np.zeros(len(groups))
        params = list(self._group_params)
        # Measuring only: the quadratic rule of _BaseReducer, for every reducer.
        with torch_threads(_BaseReducer._threads(self, counts, None, Z.shape[1])):
            for k, g in enumerate(groups):
                if len(g) == 0:
                    continue
                rows = slice(bounds[k], bounds[k + 1])
                v = None if self.sample_weight_ is None else self.sample_weight_[rows]
                values[k], params[k] = self._measure(
                    discrepancy,
                    self._group_params[k],
                    Z[g],
                    w[g],
                    Z_syn[rows],
                    v,
                    self._group_seeds[k],
                )
                masses[k] = w[g].sum()
        return values, params, masses

    def _allocation_counts(self, Z, codes, groups, w):
        """Rows per group that the allocation shares out (a private condenser
        returns noisy counts instead)."""
        # Rows of zero weight are not part of the distribution (as if removed),
        # so they count neither for the shares nor as rows available to draw.
        return np.array([np.count_nonzero(w[g]) for g in groups])

    def _fitted_discrepancy(self, discrepancy, result, X, w, seed):
        """``(discrepancy_ of one group, settings kept for score)`` from its
        ``_fit_group`` result, measured on the group's rows (X, w)."""
        return self._measure(
            discrepancy, result["params"], X, w, result["X"], result["weights"], seed
        )

    def _measure(self, discrepancy, params, X, w, Y, v, seed):
        """Discrepancy between real rows (X, w) and synthetic rows (Y, v) on
        at most ``_REPORT_ROWS`` real rows, with the settings ``params``
        (resolved on X when None).  Returns ``(value, params)``."""
        rng = np.random.RandomState(seed)
        if X.shape[0] > _REPORT_ROWS:
            keep = rng.choice(X.shape[0], _REPORT_ROWS, replace=False)
            X, w = X[keep], w[keep]
        device = self._device()
        v = np.full(Y.shape[0], 1.0 / Y.shape[0]) if v is None else v / v.sum()
        with torch.no_grad():
            Xt = as_tensor(X, device)
            generator = make_generator(seed, device)
            state = discrepancy.prepare(
                Xt,
                as_tensor(w / w.sum(), device),
                params=params_to_torch(params, device, DTYPE),
                generator=generator,
            )
            value = discrepancy(
                state, as_tensor(Y, device), as_tensor(v, device), generator=generator
            )
        # Every skdc discrepancy is >= 0; rounding can leave -1e-9.
        return max(float(value), 0.0), params_to_numpy(state["params"])

    def _validate_fit_data(self, X, y):
        """Check y against the encoded X (a float ndarray); subclasses that
        refuse some targets extend this."""
        if y is not None:
            X, y = check_X_y(X, y, dtype=None, ensure_min_samples=2, y_numeric=False)
        return X, y

    def _encode_X(self, X, *, reset):
        """Validate X and encode it: mixed tables, numbers with long-tailed
        columns (``preprocessor="auto"``) and any X (``"quantile"``) through
        a ``TableEncoder``; other numbers as they are (median-imputed with
        ``missing="impute"``).

        With ``reset`` (fit) the preprocessor is chosen and fitted; otherwise
        (score) the fitted ``preprocessor_`` is reused.  Returns
        ``(X, preprocessor)``, X a float ndarray.
        """
        mode = self.preprocessor
        if reset:
            table = mode == "quantile" or (
                mode in ("auto", "standard") and needs_encoding(X)
            )
            table = table or (
                mode == "auto"
                and self._maps_tails
                and shared("tails", X, lambda: numeric_tails(X))
            )
        else:
            table = isinstance(self.preprocessor_, TableEncoder)
        if table:
            array = not hasattr(X, "isna")
            # Arrays take this path at fit only as numbers (quantiles, long
            # tails); at score, as the fit took them or with quantiles.
            fitted_array = not reset and getattr(self.preprocessor_, "array_", False)
            if array and (reset or mode == "quantile" or fitted_array):
                # Numbers only, checked as the numeric path checks them.
                X = check_array(
                    X,
                    dtype=[np.float64, np.float32],
                    ensure_min_samples=2 if reset else 1,
                    ensure_all_finite="allow-nan",
                )
            validate_data(self, X, reset=reset, skip_check_array=True)
            columns = None if reset else self.preprocessor_.columns_
            frame = _as_frame(X, columns) if array else X
            check_missing(frame.isna().to_numpy(), list(frame.columns), self.missing)
            if reset:
                # An array is decoded back to an array.  The encoder is never
                # changed after its fit, so fits in a search may share it.
                preprocessor, Z = shared(
                    ("encoder", mode, array),
                    frame,
                    lambda: _fitted_encoding(TableEncoder(mode), X),
                )
                Z = Z.copy()  # the shared encoding stays as it was
            else:
                preprocessor = self.preprocessor_
                # The rows this very encoder was fitted on, in a search (the
                # set it keeps is measured on them): their encoding is kept.
                fitted = cached(("encoder", mode, array), frame)
                if fitted is not None and fitted[0] is preprocessor:
                    Z = fitted[1].copy()
                else:
                    Z = preprocessor.transform(frame)
            return check_array(Z, ensure_min_samples=2 if reset else 1), preprocessor
        text = non_numeric_columns(X) if reset else []
        if text:
            raise ValueError(
                f"X has non-numeric columns {', '.join(map(repr, text))}; use "
                "preprocessor='auto' (the default) to encode them, or encode "
                "them yourself."
            )
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite="allow-nan",
        )
        names = getattr(self, "feature_names_in_", None)
        check_missing(
            np.isnan(X), names if names is not None else range(X.shape[1]), self.missing
        )
        if reset:
            impute = self.missing == "impute"
            preprocessor = SimpleImputer(strategy="median").fit(X) if impute else None
        else:
            preprocessor = self.preprocessor_
        if preprocessor is not None:
            X = preprocessor.transform(X)
        return X, preprocessor

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = self.missing == "impute"
        return tags


class BaseCondenser(_BaseReducer):
    """Base class of condensers that learn synthetic rows by gradient descent.

    A concrete condenser stores its own parameters and returns its objective
    from ``_make_discrepancy``; the loop, the validation and the output are
    shared.  See :func:`skdc._optimize.optimise` for the loop.
    """

    _parameter_constraints: dict = {
        **_BaseReducer._parameter_constraints,
        "init": [StrOptions(set(INITS))],
        "weights": [StrOptions({"uniform", "learned"})],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
        "device": [StrOptions({"auto", "cpu", "cuda"})],
        "n_jobs": [numbers.Integral, None],
        "verbose": ["verbose"],
    }

    # Objectives that couple the classes (they need the labels of real and
    # synthetic rows: kernel ridge, gradient matching) set this to True:
    # classification data is then one problem whose rows carry their one-hot
    # label in trailing columns; ``y_soft_`` holds the synthetic ones.
    _joint_classes = False

    @abstractmethod
    def _make_discrepancy(self):
        """The objective, a :class:`skdc.discrepancy.Discrepancy`."""

    def _frozen_columns(self, n_columns):
        """Boolean mask (n_columns,) of the columns the optimiser leaves as
        they start, or None: every column moves."""
        return None

    def _threads(self, counts, alloc, n_features):
        # A step's kernel work: real rows per step x synthetic rows.
        rows = np.array([self._batch_rows(n, m) or n for n, m in zip(counts, alloc)])
        return _threads_for(self._device(), rows * np.asarray(alloc), n_features)

    # batch_size="auto": classes of at most this many rows are used whole.
    _whole_class_rows = _AUTO_BATCH

    def _batch_rows(self, n, m):
        """Real rows per step for a group of n real rows condensed to m, or
        None: the whole group."""
        if self.batch_size == "auto":
            return None if n <= self._whole_class_rows else _AUTO_BATCH
        return self.batch_size

    def _group_options(self, labels, sizes):
        # The progress bar of each group names its class.
        return [
            {
                "label": f"{type(self).__name__}: "
                + ("all rows" if label is None else f"class {label}")
                + f" ({size:,} rows)"
            }
            for label, size in zip(labels.tolist(), sizes)
        ]

    def _fit_group(self, X, w, m, seed, strata=None, objective=None, label=None):
        start = self._start_group(X, w, m, seed, strata, objective)
        Y, v, history, n_iter, converged = optimise(
            start["discrepancy"],
            start["state"],
            start["X"],
            start["w"],
            start["Y0"],
            learn_weights=self.weights == "learned",
            frozen=self._frozen_columns(X.shape[1]),
            lower=start["lower"],
            upper=start["upper"],
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            batch_size=self._batch_rows(X.shape[0], m),
            generator=start["generator"],
            label=label,
            verbose=self.verbose,
        )
        Y = self._finish(start, Y, v)
        return self._group_result(X, Y, v, start["state"], history, n_iter, converged)

    def _finish(self, start, Y, v):
        """The objective's last move after the loop (``finish``), if it has
        one, with the frozen columns kept."""
        finish = getattr(start["discrepancy"], "finish", None)
        if finish is None:
            return Y
        with torch.no_grad():
            done = finish(start["state"], Y, v, generator=start["generator"])
        frozen = self._frozen_columns(Y.shape[-1])
        if frozen is not None and done is not Y:
            keep = torch.as_tensor(frozen, device=Y.device)
            done[..., keep] = Y[..., keep]
        return done

    def _start(self):
        """The ``init`` option to start from (a condenser may resolve its
        own ``"auto"``)."""
        return self.init

    def _start_group(self, X, w, m, seed, strata=None, objective=None):
        """What a group's optimisation starts from: its rows and weights as
        tensors, starting points, objective and state, observed range."""
        device = self._device()
        rng = np.random.RandomState(seed)
        generator = make_generator(seed, device)
        Y0 = _initial_points(self._start(), X, w, m, rng, strata)
        Xt, wt = as_tensor(X, device), as_tensor(w, device)
        discrepancy = self._objective() if objective is None else objective
        state = discrepancy.prepare(Xt, wt, generator=generator)
        lower, upper = torch.aminmax(Xt, dim=0)  # one pass for both
        return {
            "X": Xt,
            "w": wt,
            "Y0": as_tensor(Y0, device),
            "discrepancy": discrepancy,
            "state": state,
            "lower": lower,
            "upper": upper,
            "generator": generator,
        }

    def _group_result(self, X, Y, v, state, history, n_iter, converged):
        return {
            # float32 rounding can step past the observed range; clip again.
            "X": np.clip(to_numpy(Y, np.float64), X.min(0), X.max(0)),
            "weights": to_numpy(v, np.float64) if self.weights == "learned" else None,
            "params": params_to_numpy(state["params"]),
            "history": history,
            "n_iter": n_iter,
            "converged": converged,
            "indices": None,
        }

    # Whether groups whose objectives can be stacked (random-feature MMD)
    # are optimised together: one step for all of them instead of a loop.
    _stack_groups = True

    def _fit_groups(self, Z, w, groups, alloc, seeds, per_group, extra):
        objectives = [own.get("objective") for own in per_group]
        objectives = [self._objective() if o is None else o for o in objectives]
        stackable = (
            self._stack_groups
            and len(groups) > 1
            # Only where the loop would run the groups one after another:
            # n_jobs or a joblib backend (dask) spreads them instead.
            and effective_n_jobs(getattr(self, "n_jobs", None)) == 1
            and not extra  # one joint problem has no groups to stack
            and self.weights != "learned"
            and self._frozen_columns(Z.shape[1]) is None
            and all(hasattr(o, "stack_states") for o in objectives)
            and int(np.max(alloc)) * Z.shape[1]
            <= min(getattr(o, "stack_entries", _STACK_ENTRIES) for o in objectives)
            # Stacked steps use every real row: objectives that would draw
            # minibatches from a large group are left to the loop.
            and not any(
                getattr(o, "uses_batch", True) and self._batch_rows(len(g), m)
                for o, g, m in zip(objectives, groups, alloc)
            )
        )
        if not stackable:
            return super()._fit_groups(Z, w, groups, alloc, seeds, per_group, extra)
        starts = [
            self._start_group(Z[g], w[g] / w[g].sum(), int(m), int(s), None, o)
            for g, m, s, o in zip(groups, alloc, seeds, objectives)
        ]
        # Groups of fewer rows are padded to the largest with rows of weight
        # zero, which neither move nor count.
        m_max = int(np.max(alloc))
        Y0, weights = [], []
        for start, m in zip(starts, alloc):
            pad = start["Y0"][:1].expand(m_max - int(m), -1)
            Y0.append(torch.cat([start["Y0"], pad]))
            v = torch.zeros(m_max, dtype=pad.dtype, device=pad.device)
            v[: int(m)] = 1.0 / int(m)
            weights.append(v)
        scaling = [standardisation(s["X"], s["w"]) for s in starts]
        Y, _, histories, n_iters, converged = optimise(
            starts[0]["discrepancy"],
            starts[0]["discrepancy"].stack_states([s["state"] for s in starts]),
            starts[0]["X"],
            starts[0]["w"],
            torch.stack(Y0),
            learn_weights=False,
            lower=torch.stack([s["lower"] for s in starts])[:, None],
            upper=torch.stack([s["upper"] for s in starts])[:, None],
            centre=torch.stack([c for c, _ in scaling])[:, None],
            scale=torch.stack([sd for _, sd in scaling])[:, None],
            weights=torch.stack(weights),
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            batch_size=None,
            generator=starts[0]["generator"],
            label=f"{type(self).__name__}: {len(groups)} groups together",
            verbose=self.verbose,
        )
        return [
            self._group_result(Z[g], Y[k, : int(m)], None, start["state"], h, n, c)
            for k, (g, m, start, h, n, c) in enumerate(
                zip(groups, alloc, starts, histories, n_iters, converged)
            )
        ]


# --------------------------------------------------------------- helpers
_DROPPED = "fit_resample returns the synthetic rows without their learned weights"


def warn_if_weights_dropped(reducer):
    """Warn that ``fit_resample`` returns rows without their learned weights:
    the set was optimised as a weighted one, and a model trained on the rows
    alone sees another distribution."""
    if getattr(reducer, "sample_weight_", None) is None:
        return
    warnings.warn(
        f"{type(reducer).__name__}.{_DROPPED}, which a model trained on them "
        "alone ignores. Pass sample_weight=condenser.sample_weight_ to the "
        "model's fit, or use skdc.model_selection.CondensedEstimator, which "
        "does.",
        UserWarning,
        stacklevel=3,
    )


def resample_with_weights(reducer, X, y=None, **fit_params):
    """``reducer.fit_resample`` for callers that use the learned weights too:
    ``(X_s, y_s, sample_weight_ or None)``, without the warning above."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=f".*{_DROPPED}", category=UserWarning)
        X_s, y_s = reducer.fit_resample(X, y, **fit_params)
    return X_s, y_s, getattr(reducer, "sample_weight_", None)


def weights_for(model, sample_weight):
    """fit's keyword for a set's weights: the last step's for a pipeline,
    none for a model that takes none (an empty dict, also without weights)."""
    if sample_weight is None:
        return {}
    key, last = "sample_weight", model
    if isinstance(model, Pipeline):
        name, last = model.steps[-1]
        key = f"{name}__sample_weight"
    return {key: sample_weight} if has_fit_parameter(last, "sample_weight") else {}


def _threads_for(device, kernel_entries, n_features):
    """1 on the CPU when the largest kernel matrix times the features is
    below ``_SMALL_STEP``; None (torch's own setting) otherwise."""
    if device.type != "cpu":
        return None
    work = int(np.max(kernel_entries)) * n_features
    return 1 if work < _SMALL_STEP else None


def _initial_points(init, X, w, m, rng, strata=None):
    """Starting rows; with ``strata=(codes, counts)`` drawn class by class."""
    if strata is None:
        return INITS[init](X, w, m, rng)
    codes, counts = strata
    parts = []
    for k, count in enumerate(counts):
        rows = codes == k
        parts.append(INITS[init](X[rows], w[rows] / w[rows].sum(), int(count), rng))
    return np.vstack(parts)


def group_result(X, *, indices=None, params=None):
    """The ``_fit_group`` result of a reducer that optimises nothing."""
    return {
        "X": X,
        "weights": None,
        "params": params,
        "history": np.zeros(0),
        "n_iter": 0,
        "converged": True,
        "indices": indices,
    }


def _target_kind(y):
    """ "unsupervised" (y is None), "classification" or "regression": the
    task y poses, decided by y alone; other targets raise."""
    if y is None:
        return "unsupervised"
    y = np.asarray(y)
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    # Float targets are continuous unless they look like labels (few distinct
    # whole numbers): scikit-learn calls 25.0, 26.0, ... "multiclass", which
    # would split a regression target into hundreds of tiny classes.
    if kind == "multiclass" and y.dtype.kind == "f":
        if len(np.unique(y)) > _MAX_FLOAT_LABELS:
            kind = "continuous"
    if kind in _CLASSIFICATION:
        return "classification"
    if kind == "continuous":
        return "regression"
    raise ValueError(
        f"y must be class labels, continuous targets or None; got a {kind} "
        "target, which skdc cannot condense."
    )


def _encode_target(X, y):
    """-> (target_type, classes, integer codes per row, regression encoding)."""
    kind = _target_kind(y)
    if kind == "unsupervised":
        return kind, None, None, None
    if kind == "classification":
        classes, codes = np.unique(y, return_inverse=True)
        return kind, classes, codes, None
    y = y.astype(np.float64)
    sd = y.std()
    # y weighs like one typical feature: scaled to the features' RMS spread
    # (a fit widens it by _targets.target_weight; held-out measures do not).
    spread = np.sqrt(np.mean(X.var(0)))
    encoding = (y.mean(), sd if sd > 0 else 1.0, spread if spread > 0 else 1.0)
    return kind, None, None, encoding


def _join_target(X, y, target_type, y_encoding):
    """Regression condenses [X, y] jointly, y in the units of ``y_encoding``."""
    if target_type != "regression" or y is None:
        return X
    mean, sd, spread = y_encoding
    return np.column_stack([X, (np.asarray(y, np.float64) - mean) / sd * spread])


def _split_target(Z, target_type, y_encoding, dtype):
    if target_type != "regression":
        return Z.astype(dtype, copy=False), None
    mean, sd, spread = y_encoding
    return Z[:, :-1].astype(dtype, copy=False), Z[:, -1] / spread * sd + mean


def _groups(codes, n_groups, n_rows):
    """Row indices of each group: one per class, or all rows."""
    if codes is None:
        return [np.arange(n_rows)]
    return [np.flatnonzero(codes == k) for k in range(n_groups)]


def _snapped(result, encoder, n_columns):
    """A group's result whose first ``n_columns`` columns (the encoded table;
    trailing target columns are left alone) are snapped to valid rows."""
    Z = result["X"]
    rows = encoder.snap(Z[:, :n_columns])
    return {**result, "X": np.column_stack([rows, Z[:, n_columns:]])}


def _fitted_encoding(encoder, X):
    """``(encoder fitted on X, its encoding of X)``."""
    return encoder, encoder.fit_transform(X)


def _as_frame(X, columns):
    """Array-like -> DataFrame with ``columns`` (a table condenser scored on
    an array)."""
    import pandas as pd

    return pd.DataFrame(X, columns=columns)


def _check_group_sizes(groups, classes, w):
    # Python scalars: messages say 'c', not np.str_('c').
    labels = classes.tolist() if classes is not None else [None]
    for k, g in enumerate(groups):
        if classes is not None and len(g) < 2:
            raise ValueError(
                f"Class {labels[k]!r} has {len(g)} row; condensation needs at "
                "least 2 rows per class. Drop or merge the class first."
            )
        if w[g].sum() <= 0:
            raise ValueError(
                "Every class needs a positive total sample_weight; "
                f"class {labels[k]!r} has none."
            )
