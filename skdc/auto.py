"""AutoCondenser: choose the condenser for the data by the models its set trains."""

import numbers
import time
import warnings
from contextlib import nullcontext

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import balanced_accuracy_score, check_scoring, r2_score
from sklearn.model_selection import GridSearchCV, RepeatedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.utils import (
    ClassifierTags,
    RegressorTags,
    _safe_indexing,
    check_random_state,
    resample,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _num_samples, check_is_fitted, indexable

from ._base import (
    _BaseReducer,
    _target_kind,
    resample_with_weights,
    warn_if_weights_dropped,
    weights_for,
)
from ._evaluation import model_for
from ._output import wrap_like
from ._search import search_fits
from ._tabular import needs_encoding
from .condensers import MMDCondenser, WassersteinCondenser
from .metrics import mmd
from .model_selection import CondensedEstimator, _shuffled_folds
from .selection import KMeansCentroids, RandomSubset

# A candidate replaces the reference only when its mean lead over the folds
# exceeds this many standard errors of the fold-by-fold lead.  Five
# challengers each get a chance to pass by fold noise alone, and with 3
# folds the standard error itself is rough: at one standard error the
# search left W2 in 70 of 159 fits of the quality suite (53 cells, three
# seeds), gaining no more on test than at two, which left it in 40
# (benchmarks/README.md, "auto_rule.py").
LEAD_STANDARD_ERRORS = 2.0
# An MMDCondenser challenger needs only this many: its lead on the folds
# foretells its lead on test better (correlation 0.80 for MMDCondenser(),
# 0.59 for the multi-scale one, over 265 searches of the suite, seeds 0-4)
# than W2 on quantiles' or k-means' (0.35 each).  One standard error was
# chosen on MMDCondenser's defaults before 2026-12-01 (a median-wide kernel
# from random rows).  With the k-means start and three scales, half a
# standard error raised Auto's test score by +0.0006 +- 0.0002 a cell on the
# seeds it was chosen on (0-2, 53 cells of the quality suite) and by
# +0.0002 +- 0.0002 on seeds 3-4, recorded afterwards; +0.0004 +- 0.0002
# over the 265 searches, 16 of which it changed, 12 for the better; on the
# 18 held-out tables, +0.0009 +- 0.0008 (benchmarks/README.md, "Half a
# standard error for MMD").
MMD_LEAD_STANDARD_ERRORS = 0.5
# Trees of the default judge's forest for classes.  With 50 instead of 100
# the searches of the quality suite picked sets that scored the same on test
# (+0.0001 +- 0.0003 a cell over 265 searches, seeds 0-4; +0.0001 +- 0.0005
# on seeds 3-4, checked after 50 was proposed) for 0.55 of the judge's
# fitting; 25 or 10 trees, or no forest, scored 0.0009 to 0.0011 lower
# (benchmarks/README.md, "The judge").  Regression keeps 100: unmeasured.
JUDGE_TREES = 50
# cv="auto": classes judge each candidate's own set on the rows it was
# condensed from ("final"); a continuous target or none gets this many folds.
# A regression set's targets are averages of the targets of the very rows
# it would be judged on, and "final" picked worse sets than the folds on
# the small regression tables (diabetes, car prices, concrete, wage at 50
# and 200 rows: 0.0028 a cell lower, in 5 of 8 cells; benchmarks/README.md,
# "Judging the set returned").  Without y it is unmeasured, so unchanged.
AUTO_FOLDS = 3
# cv="auto" for a continuous target: the AUTO_FOLDS folds drawn this many
# times (RepeatedKFold).  Which partition three folds happen to draw swayed
# the picks (Ames at 50 rows: W2 or MMD by the draw), and with three folds
# the standard error of a lead is rough.  Two draws raised AutoCondenser's
# R^2 by 0.044 summed over 16 cells of the regression suite (5 up, 1 down by
# 0.001; at least the better default in 8 cells, 6 before; seeds 0-2;
# benchmarks/README.md, "Repeated folds for a continuous target"), for about
# twice the time (a median 2.0).
AUTO_REPEATS = 2


# The default candidate judged for classes only (see default_candidates).
NO_ATOMS = "wasserstein-no-atoms"


def default_candidates():
    """The condensers ``AutoCondenser(candidates="default")`` compares.

    The recommended default first (the reference the others must beat by
    more than two standard errors, an MMD by half of one), then the other optimising
    family with its defaults, the same MMD started from random real rows
    instead of k-means centroids (its rows stay sample-like, which random
    forests trained on larger sets of real tables prefer), W2 on the normal
    scores of each number's quantiles (it wins on long-tailed columns and
    loses elsewhere, so the data decides), and the two baselines, so the
    choice is never clearly worse than k-means or a random subset on the
    validation folds.  Last, W2's own optimisation without its atoms
    (``match_atoms=False``): on real tables whose values repeat the atoms
    help random forests on most and cost the other models on some, and the
    two sets come from one fit (they differ only after it), so judging
    both costs a decode and the judge's fits, not a second condensation.
    With it the sets kept scored 0.018 higher summed over 30 cells of the
    quality suite's real tables (7 up, 2 down) and 0.013 over 36 cells of
    18 tables held out from the tuning (6 up, 4 down), seeds 0-2, in 0.91
    to 1.15 times the CPU time, a median 1.05 (benchmarks/README.md, "W2
    without atoms for a decode").  AutoCondenser leaves it out for a
    continuous target and without y: over 16 regression cells its 3-fold
    search's picks moved two, diabetes at 50 rows by +0.005 and deliveries
    at 50 rows by -0.017.
    """
    return {
        "wasserstein": WassersteinCondenser(),
        "mmd": MMDCondenser(),
        "mmd-real-start": MMDCondenser(init="random_real"),
        "wasserstein-quantile": WassersteinCondenser(preprocessor="quantile"),
        "kmeans": KMeansCentroids(),
        "random": RandomSubset(),
        NO_ATOMS: WassersteinCondenser(match_atoms=False),
    }


class _Panel(BaseEstimator):
    """Several models fitted on the same rows; ``score`` is their mean score.

    The default judge of ``AutoCondenser``: a set is good when a linear
    model, a nearest-neighbour model and a forest all learn from it.  The
    tags say classifier or regressor (``kind``), so the search stratifies
    its folds for classes; the mixins are left out because their ``score``
    would replace the mean.
    """

    def __init__(self, estimators, metric, kind):
        self.estimators = estimators
        self.metric = metric
        self.kind = kind

    def fit(self, X, y, sample_weight=None):
        # A set's weights are part of it (learned weights): each model that
        # takes weights trains on them, as the user's would.
        self.estimators_ = [
            clone(e).fit(X, y, **weights_for(e, sample_weight)) for e in self.estimators
        ]
        return self

    def score(self, X, y, sample_weight=None):
        with warnings.catch_warnings():
            # A class too rare to be among the rows judged may still be
            # predicted; balanced accuracy then warns, once per model.
            warnings.filterwarnings("ignore", "y_pred contains classes not in y_true")
            scores = [self.metric(y, e.predict(X)) for e in self.estimators_]
        return float(np.mean(scores))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = self.kind
        if self.kind == "classifier":
            tags.classifier_tags = ClassifierTags()
        else:
            tags.regressor_tags = RegressorTags()
        return tags


def _check_two_classes(y, target_type):
    """The default judge's classifiers learn two classes or more."""
    if target_type != "classification":
        return
    classes = np.unique(np.asarray(y))
    if len(classes) == 1:  # none: the condensers' checks name empty data
        raise ValueError(
            f"y holds one class ({classes[0]!r}), and AutoCondenser's default "
            "judge needs two or more to score a set; condense with a condenser "
            "directly (WassersteinCondenser()), or pass y=None to judge the "
            "sets by how well they match the rows."
        )


def _default_judge(target_type, X, random_state):
    if target_type == "classification":
        models = [
            LogisticRegression(max_iter=1000),
            KNeighborsClassifier(n_neighbors=1),
            RandomForestClassifier(n_estimators=JUDGE_TREES, random_state=random_state),
        ]
        metric, kind = balanced_accuracy_score, "classifier"
    else:
        models = [
            Ridge(),
            KNeighborsRegressor(n_neighbors=1),
            RandomForestRegressor(n_estimators=100, random_state=random_state),
        ]
        metric, kind = r2_score, "regressor"
    return _Panel([model_for(model, X) for model in models], metric, kind)


class _Unsupervised(BaseEstimator):
    """Judge of sets without targets: nothing to train, only the set."""

    def fit(self, X, y=None, sample_weight=None):
        return self


def _heldout_mmd(search_estimator, X, y=None):
    """Minus the Gaussian MMD (median bandwidth) of held-out rows to the set:
    one yardstick for every candidate, whatever it optimised (a table with
    text columns in an encoding fitted on the held-out rows, which imputes
    missing values; numbers get the held-out rows' medians)."""
    condenser = search_estimator.condenser_
    weights = getattr(condenser, "sample_weight_", None)
    if not needs_encoding(X):
        # Numbers with gaps (missing="impute"): the held-out rows' medians, as
        # a table's encoding imputes its own; no gap, no change.
        X = SimpleImputer(strategy="median", keep_empty_features=True).fit_transform(X)
    return -mmd(X, condenser.X_, weights=weights)


def _lead_bars(condensers):
    """Standard errors each candidate's lead over the reference must exceed:
    ``MMD_LEAD_STANDARD_ERRORS`` for an MMDCondenser, else
    ``LEAD_STANDARD_ERRORS``."""
    return [
        MMD_LEAD_STANDARD_ERRORS
        if isinstance(c, MMDCondenser)
        else LEAD_STANDARD_ERRORS
        for c in condensers
    ]


def _choose(results, n_splits, bars):
    """Index of the chosen candidate: the best mean fold score, unless its
    lead over candidate 0 (the reference) is within ``bars[best]`` standard
    errors of their paired fold differences (``bars``: one per candidate,
    or one for all)."""
    best = int(np.argmax(results["mean_test_score"]))
    if best == 0 or n_splits < 2:
        return best
    folds = np.array([results[f"split{i}_test_score"] for i in range(n_splits)])
    lead = folds[:, best] - folds[:, 0]  # (n_splits,)
    standard_error = lead.std(ddof=1) / np.sqrt(n_splits)
    bar = np.broadcast_to(bars, folds.shape[1:])[best]
    return best if lead.mean() > bar * standard_error else 0


def _resolved_cv(cv, target_type, random_state):
    """``cv="auto"``'s choice: "final" for classes, ``AUTO_FOLDS`` shuffled
    folds drawn ``AUTO_REPEATS`` times for a continuous target, and
    ``AUTO_FOLDS`` without y; and a number of folds as shuffled folds
    (stratified for classes) drawn with ``random_state``.  Unshuffled folds
    of rows sorted by date, by target or by class are not samples of the
    data: each fold's condensers never see the part of the distribution
    they are judged on (iris in its own order, without y, 10 rows: the
    default candidates' held-out MMD^2 was 0.63 to 0.70 on such folds, their
    sets' MMD^2 to all rows 0.001 to 0.077; benchmarks/README.md,
    "row_order.py").  Splitters are used as given."""
    if isinstance(cv, str) and cv == "auto":
        if target_type == "regression":
            return RepeatedKFold(
                n_splits=AUTO_FOLDS, n_repeats=AUTO_REPEATS, random_state=random_state
            )
        cv = "final" if target_type == "classification" else AUTO_FOLDS
    if isinstance(cv, numbers.Integral):
        return _shuffled_folds(cv, target_type, random_state)
    return cv


def _with_draws(named, n_init, random_state):
    """``named`` followed by ``n_init - 1`` more draws of each candidate that
    has a ``random_state``: draw k (from 2) is named ``"<name>#k"`` and all
    its candidates get the k-th seed drawn from ``random_state`` (None
    stays None: each fit draws afresh).  Draw 1 is ``named`` itself, so
    ties go to it, and to its first candidate."""
    if n_init == 1:
        return named
    if random_state is None:
        seeds = [None] * (n_init - 1)
    else:
        rng = check_random_state(random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=n_init - 1).tolist()
    drawn = dict(named)
    for k, seed in enumerate(seeds, start=2):
        for name, condenser in named.items():
            if "random_state" in condenser.get_params(deep=False):
                drawn[f"{name}#{k}"] = clone(condenser).set_params(random_state=seed)
    return drawn


def _fit_kept(searched, X, y, weighted):
    """``searched`` fitted on all rows, with its fit's seconds and the
    warnings it raised (shown again only if it wins).  A condenser that can
    measure its ``discrepancy_`` later skips it (NaN) until it wins; any
    other measures it now."""
    later = getattr(searched.condenser, "_measures_later", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        with nullcontext() if later else search_fits(measure=True):
            searched.fit(X, y, **weighted)
        seconds = time.perf_counter() - start
    return searched, seconds, [(w.message, w.category) for w in caught]


def _same_set(a, b):
    """Whether two fitted condensers hold the same set: rows, targets,
    weights and selected rows (None in both counts as equal)."""
    if not (hasattr(a, "X_") and hasattr(b, "X_")):
        return False  # a sampler that keeps no set
    for name in ("X_", "y_", "sample_weight_", "sample_indices_"):
        u, v = getattr(a, name, None), getattr(b, name, None)
        if u is None or v is None:
            if u is not v:
                return False
        elif hasattr(u, "equals"):  # DataFrames, Series: values and types
            if type(u) is not type(v) or not u.equals(v):
                return False
        elif not np.array_equal(
            np.asarray(u, dtype=object), np.asarray(v, dtype=object)
        ):
            return False
    return True


def _judge_final_sets(searched, X, y, weighted, scoring, rows, stratify, seed, n_jobs):
    """Fit every candidate's ``CondensedEstimator`` on all rows and score
    each on them (at most ``rows`` of them, drawn once for all), leaving out
    the rows a set holds verbatim (a selection's ``sample_indices_``), which
    a nearest-neighbour judge would get right for free.

    Called inside ``search_fits()``: the fits share the rows' encoding and
    leave measuring their ``discrepancy_`` to the one kept (see
    ``_fit_kept``).  Returns the fitted estimators, their warnings and a
    ``cv_results_`` dict with one split: the rows the sets were condensed
    from.
    """
    # Checked before the fits: a judge it cannot score fails fast.
    scorer = check_scoring(searched[0], scoring=scoring)
    fits = Parallel(n_jobs=n_jobs)(
        delayed(_fit_kept)(clone(s), X, y, weighted) for s in searched
    )
    # Rows are drawn by index, as in a search's folds (any array-like).
    X, y, stratify = indexable(X, y, stratify)
    n = _num_samples(X)
    index = np.arange(n)
    if rows is not None and n > rows:
        index = np.sort(
            resample(
                index,
                replace=False,
                n_samples=rows,
                stratify=stratify,
                random_state=seed,
            )
        )
    scores, score_times = [], []
    for k, (estimator, _, _) in enumerate(fits):
        # A set equal to an earlier candidate's (W2's without atoms where no
        # value repeats) takes its score, so the earlier wins the tie even
        # when the judge's randomness is not seeded.
        twin = next(
            (
                j
                for j in range(k)
                if _same_set(fits[j][0].condenser_, estimator.condenser_)
            ),
            None,
        )
        if twin is not None:
            scores.append(scores[twin])
            score_times.append(0.0)
            continue
        own = getattr(estimator.condenser_, "sample_indices_", None)
        kept = index if own is None else index[~np.isin(index, own)]
        if kept.size == 0:  # the set is every row: nothing is held out anyway
            kept = index
        start = time.perf_counter()
        scores.append(
            float(
                scorer(
                    estimator,
                    _safe_indexing(X, kept),
                    None if y is None else _safe_indexing(y, kept),
                )
            )
        )
        score_times.append(time.perf_counter() - start)
    scores = np.array(scores)
    zeros = np.zeros_like(scores)
    results = {
        "mean_fit_time": np.array([seconds for _, seconds, _ in fits]),
        "std_fit_time": zeros,
        "mean_score_time": np.array(score_times),
        "std_score_time": zeros,
        "param_condenser": np.array([s.condenser for s in searched], dtype=object),
        "params": [{"condenser": s.condenser} for s in searched],
        "split0_test_score": scores,
        "mean_test_score": scores,
        "std_test_score": zeros,
        "rank_test_score": rankdata(-scores, method="min").astype(np.int32),
    }
    return [e for e, _, _ in fits], [w for _, _, w in fits], results


class AutoCondenser(BaseEstimator):
    """Condense with several candidates and keep the set that trains best.

    For classes (``cv="final"``, the default's choice for them) every
    candidate condenses all the rows to ``size`` rows; the judge
    (``estimator``, or by default a panel of models) is trained on each
    candidate's set and scored on the rows the set was condensed from,
    leaving out rows a set holds verbatim (a selection's own rows, which a
    nearest-neighbour judge would get right for free).  The best-scoring set
    is kept as it is: the set judged is the set returned, with no refit and
    no second draw of the candidate's randomness.  With ``size`` well below
    the number of rows a set cannot memorise the rows it is judged on, and
    judging the very set returned takes out the fit-to-fit noise that
    cross-validation, which judges sets condensed from other rows, leaves
    in the choice: on the quality suite it picked sets that trained better
    models than the 3-fold search's, in half its time at 20,000 rows
    (benchmarks/README.md, "Judging the set returned").  Every candidate
    condenses all the rows, while the 3-fold search's fits see at most
    ``search_rows`` rows and only the winner's refit sees them all; at a
    million rows the two took about the same time (0.94 and 1.10 of the
    3-fold search's; benchmarks/README.md, "Only the set kept measures
    its discrepancy").

    For a continuous target, without y, or with ``cv`` an int or a
    splitter, the choice is cross-validated instead: each candidate
    condenses the training folds (of at most ``search_rows`` rows), the
    judge is scored on the held-out real rows, and the candidate with the
    best mean score is refitted on all the data, unless it beats the first
    candidate (the reference: ``WassersteinCondenser()`` among the default
    candidates) by no more than two standard errors of their fold-by-fold
    difference (half of one for an :class:`MMDCondenser`, whose lead on the
    folds foretells its lead on test better), in which case the reference
    is kept.  That search is :class:`sklearn.model_selection.GridSearchCV`
    over ``CondensedEstimator(condenser=candidate, estimator=judge)``, so
    the folds are stratified for classes and ``cv_results_`` has
    GridSearchCV's columns; ``"final"`` fills the same columns for its one
    "split".

    Parameters
    ----------
    estimator : estimator, default=None
        The model the condensed set is for.  None: a panel of a logistic
        regression (ridge for regression), a 1-nearest-neighbour model and a
        random forest (50 trees for classes, 100 for regression), scored by
        their mean balanced accuracy (R^2 for regression), behind a one-hot
        encoder for the non-numeric columns of a DataFrame, trained with the
        set's weights where a candidate learns some (1-NN takes none);
        without y, candidates are scored by the Gaussian MMD of the rows
        judged on (held out, with cross-validation) to the set.
    candidates : "default", list or dict of condensers, default="default"
        The condensers to compare (see :func:`default_candidates`); a dict
        names them in ``cv_results_``.  The first wins ties, and is the
        reference of cross-validation's standard-error rule (see above).
        Their ``size``, ``allocation``, ``random_state`` and ``missing``
        are set to this estimator's, so every candidate is judged at the
        same size on the same rows.
    cv : "auto", "final", int or cross-validation splitter, default="auto"
        "final": judge each candidate's own set, fitted on all rows, on those
        rows (see above); the winner's fit warnings, and only its, are shown.
        An int or splitter: the cross-validated search, then a refit.  An
        int k is k shuffled folds (stratified for classes) drawn with
        ``random_state``, so rows sorted by date, target or class still give
        every fold a sample of the data; a splitter is used as given (pass
        ``KFold(k)`` for folds in the rows' order).
        "auto": "final" for classes; for a continuous target, whose
        synthetic targets average the very rows they would be judged on, 3
        shuffled folds drawn twice (``RepeatedKFold(n_splits=3,
        n_repeats=2)``, seeded by ``random_state``), and 3 shuffled folds
        without y.
    scoring : str or callable, default=None
        Scorer of the judge; None: the judge's own ``score``.
    search_rows : int or None, default=10_000
        With ``cv="final"``, the sets are judged on a random subset of this
        many rows (stratified by class; the same rows for every candidate)
        when the data has more.  With cross-validation, the search runs on
        such a subset, so its cost stops growing with N, and the winner is
        then refitted on all rows.  None uses all rows.
    n_init : int, default=1
        With ``cv="final"``, each candidate that has a ``random_state``
        condenses the rows this many times, each time from another seed
        drawn from ``random_state``, and the judge compares every set (the
        ``n_init`` of :class:`sklearn.cluster.KMeans`, judged by the models
        instead of a loss).  On the quality suite the test scores of three
        draws of one default candidate had a standard deviation of 0.007
        to 0.009, and the best-judged of the three scored 0.0025 to 0.0036
        above their mean (the random subset: 0.024 and 0.014;
        benchmarks/README.md, "More draws of each candidate").  The draws
        after the first are named ``"<name>#2"``, ``"<name>#3"``, ... in
        ``cv_results_``; ties go to the first draw.  It multiplies the cost
        by about ``n_init``.
        Cross-validation judges a method on other rows, then refits it
        once, so with folds it is unused (a warning says so).
    size, allocation, random_state
        As for every condenser; passed to the candidates.
    missing : {"error", "impute"}, default="error"
        As for every condenser, passed to the candidates: missing values
        raise a ``ValueError`` naming their columns, or each candidate
        imputes them (median for numbers, most frequent value for
        categories); no set holds missing values.  The default judge scores
        rows with missing values too: their numbers get the median, and a
        missing category is a level of its own.
    n_jobs : int, default=None
        Candidates (and folds) fitted in parallel, by joblib (GridSearchCV's
        n_jobs with cross-validation).

    Attributes
    ----------
    best_condenser_ : condenser
        The winning candidate fitted on all the data: with ``cv="final"``
        the very fit that was judged, with cross-validation a refit.
    best_name_ : str
    best_score_ : float
        Its score (the mean over the folds with cross-validation).
    cv_results_ : dict
        GridSearchCV's ``cv_results_`` (with ``cv="final"`` the same columns
        for one split: fit and score times, ``split0_test_score``,
        ``mean_test_score``, ``rank_test_score``), with a ``condenser``
        column of names.
    X_, y_, sample_weight_, classes_, n_features_in_
        Those of ``best_condenser_``.

    Notes
    -----
    With ``cv="final"`` the cost is one fit of each candidate on all rows,
    the judge's fits on the small sets and its predictions for at most
    ``search_rows`` rows; the baselines among the default candidates cost
    little, the candidates share the rows' encoding, and W2 without atoms
    is a decode of W2's own optimisation (with ``n_jobs``, candidates fitted
    in other processes optimise each).  Only the set
    kept measures its ``discrepancy_``, once it has won (a quadratic
    real-real term per class).  With cross-validation it is about
    ``len(candidates)`` condenser fits per fold (6 folds for a continuous
    target with ``cv="auto"``) on at most ``search_rows``
    rows and one fit on all rows; the fold fits skip measuring their
    ``discrepancy_`` (NaN there; a ``scoring`` that reads it sees NaN; the
    refit measures it), and the candidates fitted on the same fold share
    its encoding (and W2's optimisation, as above).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc import AutoCondenser, KMeansCentroids, RandomSubset
    >>> X, y = load_iris(return_X_y=True)
    >>> auto = AutoCondenser(
    ...     candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
    ...     size=15,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> list(auto.cv_results_["condenser"])
    ['kmeans', 'random']
    >>> auto.best_name_ in {"kmeans", "random"}
    True
    >>> auto.X_.shape
    (15, 4)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "candidates": [StrOptions({"default"}), list, dict],
        "cv": ["cv_object", StrOptions({"auto", "final"})],
        "scoring": [str, callable, None],
        **{
            key: _BaseReducer._parameter_constraints[key]
            for key in ("size", "allocation", "random_state", "missing")
        },
        "n_jobs": [numbers.Integral, None],
        "search_rows": [Interval(numbers.Integral, 2, None, closed="left"), None],
        "n_init": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        estimator=None,
        candidates="default",
        cv="auto",
        scoring=None,
        search_rows=10_000,
        n_init=1,
        size=100,
        allocation="proportional",
        missing="error",
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.candidates = candidates
        self.cv = cv
        self.scoring = scoring
        self.search_rows = search_rows
        self.n_init = n_init
        self.size = size
        self.allocation = allocation
        self.missing = missing
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _named_candidates(self, target_type):
        candidates = self.candidates
        if isinstance(candidates, str):
            candidates = default_candidates()
            if target_type != "classification":
                # Measured for classes; over 16 regression cells the folds'
                # picks moved two, deliveries at 50 rows by -0.017.
                del candidates[NO_ATOMS]
        elif isinstance(candidates, list):
            names = [type(c).__name__ for c in candidates]
            # Repeated classes get their position: "MMDCondenser-1", ...
            candidates = {
                name if names.count(name) == 1 else f"{name}-{i}": c
                for i, (name, c) in enumerate(zip(names, candidates))
            }
        if not candidates:
            raise ValueError("candidates is empty; give at least one condenser.")
        shared = {
            "size": self.size,
            "allocation": self.allocation,
            "random_state": self.random_state,
            "missing": self.missing,
        }
        named = {}
        for name, condenser in candidates.items():
            if not hasattr(condenser, "fit_resample"):
                raise TypeError(
                    f"Candidate {name!r} is a {type(condenser).__name__}, not a "
                    "condenser: it has no fit_resample."
                )
            own = condenser.get_params(deep=False)
            named[str(name)] = clone(condenser).set_params(
                **{k: v for k, v in shared.items() if k in own}
            )
        return named

    def _judged_candidates(self, target_type, cv):
        """The named candidates the search judges under the resolved ``cv``:
        with final sets, ``n_init`` draws of each (see ``_with_draws``)."""
        named = self._named_candidates(target_type)
        if cv == "final":
            named = _with_draws(named, self.n_init, self.random_state)
        return named

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None):
        """Condense with every candidate and keep the set the judge rates best.

        Returns
        -------
        self
        """
        target_type = None if y is None else _target_kind(y)
        cv = _resolved_cv(self.cv, target_type, self.random_state)
        named = self._judged_candidates(target_type, cv)
        if cv != "final" and self.n_init > 1:
            warnings.warn(
                f"n_init={self.n_init} is unused with cross-validation "
                f"(cv={self.cv!r} for this target): the folds judge each "
                "candidate on other rows and the winner is refitted once.  "
                "Pass cv='final' to judge n_init draws of each candidate's "
                "own set.",
                UserWarning,
                stacklevel=2,
            )
        names, condensers = list(named), list(named.values())
        if y is None:
            judge, scoring = _Unsupervised(), self.scoring or _heldout_mmd
        else:
            judge = self.estimator
            if judge is None:
                _check_two_classes(y, target_type)
                judge = _default_judge(target_type, X, self.random_state)
            scoring = self.scoring
        weighted = {} if sample_weight is None else {"sample_weight": sample_weight}
        stratify = None if y is None or target_type != "classification" else y
        if cv == "final":
            searched = [CondensedEstimator(c, judge) for c in condensers]
            # One search: the fits share the rows' encoding, which measuring
            # the set kept reuses.
            with search_fits():
                fitted, caught, results = _judge_final_sets(
                    searched,
                    X,
                    y,
                    weighted,
                    scoring,
                    self.search_rows,
                    stratify,
                    self.random_state,
                    self.n_jobs,
                )
                # The first candidate wins ties: the recommended default leads.
                best = int(np.argmax(results["mean_test_score"]))
                condenser = fitted[best].condenser_
                later = getattr(condenser, "_measures_later", False)
                if later and np.isnan(condenser.discrepancy_):  # skipped so far
                    condenser._measure_fit(X, y, **weighted)
            for message, category in caught[best]:
                warnings.warn(message, category, stacklevel=2)
            if hasattr(condenser, "X_"):
                X_s, y_s = wrap_like(X, y, condenser.X_, getattr(condenser, "y_", None))
            else:  # a sampler that keeps no set (imbalanced-learn's): drawn again
                X_s, y_s, _ = resample_with_weights(clone(condenser), X, y, **weighted)
        else:
            results, best = self._cross_validate(
                cv, condensers, judge, scoring, X, y, sample_weight, stratify
            )
            condenser = clone(condensers[best])
            X_s, y_s, _ = resample_with_weights(condenser, X, y, **weighted)

        results = dict(results)
        results["condenser"] = np.array(names, dtype=object)
        self.cv_results_ = results
        self.best_name_ = names[best]
        self.best_score_ = float(results["mean_test_score"][best])
        self.best_condenser_ = condenser
        self._resampled = (X_s, y_s)
        for attribute in (
            "X_",
            "y_",
            "sample_weight_",
            "classes_",
            "n_features_in_",
            "feature_names_in_",
        ):
            if hasattr(condenser, attribute):
                setattr(self, attribute, getattr(condenser, attribute))
        return self

    def _cross_validate(
        self, cv, condensers, judge, scoring, X, y, sample_weight, stratify
    ):
        """``(cv_results_, index of the winner)`` of the search over ``cv``'s
        folds (on ``search_rows`` of the rows)."""
        search = GridSearchCV(
            CondensedEstimator(condensers[0], judge),
            {"condenser": condensers},
            scoring=scoring,
            cv=cv,
            n_jobs=self.n_jobs,
            refit=False,
            error_score="raise",
        )
        X_search, y_search = X, y
        searched = {} if sample_weight is None else {"sample_weight": sample_weight}
        if self.search_rows is not None and _num_samples(X) > self.search_rows:
            arrays = [X] if y is None else [X, y]
            if sample_weight is not None:
                arrays.append(np.asarray(sample_weight))
            drawn = resample(
                *arrays,
                replace=False,
                n_samples=self.search_rows,
                stratify=stratify,
                random_state=self.random_state,
            )
            if len(arrays) == 1:  # resample returns one array bare, not in a list
                drawn = [drawn]
            X_search = drawn[0]
            y_search = None if y is None else drawn[1]
            if sample_weight is not None:
                searched = {"sample_weight": drawn[-1]}
        with warnings.catch_warnings(), search_fits():
            # Fold fits may stop at max_iter; the refit still warns.
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                search.fit(X_search, y_search, **searched)
            except ValueError as error:
                raise ValueError(
                    f"{error} (This happened while condensing a training fold "
                    f"of AutoCondenser's cv={cv!r}, which holds only part "
                    "of the rows: if the error is about rows or sizes, lower "
                    "size or use fewer folds.)"
                ) from error
        bars = _lead_bars(condensers)
        return search.cv_results_, _choose(search.cv_results_, search.n_splits_, bars)

    def fit_resample(self, X, y=None, sample_weight=None):
        """Fit, then return the winner's synthetic set ``(X_s, y_s)``."""
        self.fit(X, y, sample_weight=sample_weight)
        warn_if_weights_dropped(self)
        return self._resampled

    def score(self, X, y=None, sample_weight=None):
        """The winner's ``score``: minus its discrepancy to (X, y)."""
        check_is_fitted(self, "best_condenser_")
        return self.best_condenser_.score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = self.missing == "impute"
        return tags


__all__ = ["AutoCondenser", "default_candidates"]
