"""WassersteinCondenser: minimise an optimal-transport distance."""

import numbers

from sklearn.utils._param_validation import Interval, StrOptions

from .._base import (
    _AUTO_BATCH,
    FEATURE_MAP_CONSTRAINT,
    MATCH_ATOMS_CONSTRAINT,
    BaseCondenser,
)
from .._optimize import BARYCENTRE_ROWS
from ..discrepancy import (
    SemiRelaxedWasserstein,
    SinkhornDivergence,
    SlicedWasserstein,
    Wasserstein,
)
from ._docs import (
    ATOMS_PARAMETER,
    COMMON_ATTRIBUTES,
    COMMON_PARAMETERS,
    FEATURE_MAP_PARAMETER,
)

# batch_size="auto" for the semi-relaxed method (WassersteinCondenser.
# _batch_rows): classes of up to BARYCENTRE_ROWS real rows per synthetic row,
# and plans of up to this many entries (real x synthetic rows), are used
# whole.
_PLAN_ENTRIES = 2**22


class WassersteinCondenser(BaseCondenser):
    __doc__ = f"""Condense data by minimising a Wasserstein distance.

    Each synthetic row moves to the barycentre of the real mass optimal
    transport assigns it.  With ``method="exact"`` every row carries an
    equal share of its class, so the result is a free-support Wasserstein
    barycenter (WMDD's objective); the default, ``"semi-relaxed"``, lets a
    row take more or less than its share at a KL price, which sits between
    that barycenter and k-means centroids.

    Parameters
    ----------
    method : {{"semi-relaxed", "exact", "sinkhorn", "sliced"}}, \
default="semi-relaxed"
        Semi-relaxed W_2^2 (:class:`~skdc.discrepancy.SemiRelaxedWasserstein`);
        exact W_p^p (``ot.emd2``); debiased Sinkhorn divergence in the log
        domain (warm-started from step to step, see
        :func:`skdc.discrepancy.wasserstein.entropic_ot`); or sliced W_p^p
        over random directions.
    p : float, default=2
        Ground cost ``||x - y||^p``; the semi-relaxed method takes p=2 only.
    reg : float, default=0.05
        Sinkhorn only: entropic regularisation relative to the mean cost
        between two real rows of the class.
    reg_m : float, default=0.3
        Semi-relaxed only: the weight of the KL penalty on the synthetic
        rows' masses, relative to the mean squared distance between two real
        rows of the class.  Towards 0 the set tends to k-means centroids,
        as it grows to the equal-mass barycenter of ``method="exact"``.
    n_projections : int, default=64
        Sliced only: random directions per step.
    {FEATURE_MAP_PARAMETER}
    {ATOMS_PARAMETER}
    {COMMON_PARAMETERS}

    Attributes
    ----------
    {COMMON_ATTRIBUTES}

    See Also
    --------
    MMDCondenser : kernel objective.
    skdc.selection.KMeansCentroids : the k-means baseline.

    Notes
    -----
    The exact loss per class is

    .. math::

        W_p^p(P, Q) = \\min_{{\\pi \\in \\Pi(w, 1/m)}}
            \\sum_{{i,j}} \\pi_{{ij}} \\lVert x_i - y_j \\rVert^p,

    solved by POT on minibatches of ``batch_size`` real rows for large
    classes.  With ``batch_size="auto"`` a class of up to 4096 rows is used
    whole (twice the other condensers' 2048), minibatches of 2048 rows
    above: with Newton steps, a minibatch of nearly the class's size costs
    as much per step as the class and keeps the loss from settling (a class
    of 2,109 rows at 200 synthetic rows: 180 steps on minibatches, 80 on
    the whole class; benchmarks/README.md, "Whole classes for W2").  The
    semi-relaxed method also uses a class whole up to 32 real rows per
    synthetic row (and 2**22 plan entries): a minibatch of 2048 rows gave
    313 synthetic rows about 7 real rows each, noisy barycentres that took
    190 steps to settle where the whole class of 9,800 rows took 90
    (benchmarks/README.md, "Large sets").  Up to 128 synthetic rows a
    class that rule changes nothing.  On minibatches of fewer than 32 real
    rows per synthetic row (any ``batch_size``) a semi-relaxed Newton step no
    longer jumps to each minibatch's barycentres: each row moves to the
    mean of all those it was given, weighted by their masses, as
    MiniBatchKMeans moves its centres (500 rows of six tables of 18,000 to
    38,000 rows, and 200 rows of five regression tables, in 0.45 to 0.85
    of the time; the four-model means within 0.005 of before on ten, 0.027
    below on one; benchmarks/README.md, "Averaged steps").

    The semi-relaxed loss keeps the real rows' masses w as a constraint and
    replaces the synthetic side's by the penalty
    ``tau KL(pi^T 1 | 1/m)``, with a small entropic term (1% of the mean
    squared distance, or of twice the median where a long tail makes the
    mean larger) that makes it smooth; each plan is found by Newton's
    method on the dual (:func:`skdc.discrepancy.wasserstein.semi_relaxed_ot`),
    whose systems are solved by conjugate gradients from 256 synthetic rows
    a class on (a step at 500 rows a class took 139 ms against the dense
    solves' 217; benchmarks/README.md, "What was made faster").

    For W_2 with uniform weights the loop takes Newton steps instead of
    Adam's: the loss is quadratic in each synthetic row for a fixed plan,
    with curvature twice the mass the plan gives the row, so a step of one
    moves every row to the barycentre of that mass (Cuturi & Doucet's fixed
    point) and ``learning_rate`` is not used.

    On the quality suite (``benchmarks/quality.py``, five seeds) the
    semi-relaxed default closed most of the exact barycenter's gap to
    k-means where it trailed (digits, wine), leaving no cell below k-means
    by more than seed noise, and fitted in 0.5 to 1.6 times its time (less
    on large tables, where its plans cost less than the network simplex).

    The rows are averages of real rows, which is what makes them good
    training rows for linear models and 1-NN, but on columns of repeated
    values (zero, counts, round amounts) an average lies where no real row
    does.  ``match_atoms`` then gives each row, column by column, the
    data's value at its rank (one-dimensional optimal transport of the
    set's marginal onto the class's) wherever that value is an atom
    holding at least the row's share of the class, and leaves continuous
    values alone.  On the real tables of the quality suite at 50 rows per
    class (five seeds) random forests trained on the set had fallen 0.04 to
    0.05 below forests trained on a random subset on three of six tables;
    with the atoms they are within 0.01 of it or above (credit 0.645 ->
    0.727, Caravan 0.593 -> 0.669, diamond cuts 0.586 -> 0.622), and on
    digits at 50 per class the four-model mean went from 0.964 to 0.970,
    above k-means' 0.967.  At 10 rows per class it cost Caravan 0.027 of
    the mean, hence ``"auto"``; on tables with no repeated values (the
    generated ones) nothing changes.  At every size, a value that stays
    between the data's values in such a column then moves to the nearest
    one: an average of rows with and without voice mail at 2 messages,
    where real rows hold 0 or 4 and more, misled the forests on a held-out
    churn table at 10 rows a class (0.599 -> 0.629, the random subset's
    0.648); over the 39 cells of 20 tables whose values repeat, W2's
    four-model mean moved by -0.009 (Caravan at 10 per class) to +0.009.
    A column of two values keeps its averages: any threshold between the
    two splits real rows alike, and the averages are the class's shares
    (on a survey of 0/1 answers at 10 rows a class, 0.867 -> 0.881).  In
    regression such a column is not put on atoms either, since a row's
    target is the average of rows whose shares it carries: on car prices
    (0/1 dummies for make, body and options) the four-model R^2 at 50 rows
    went from 0.841 to 0.861 over ten seeds (k-means 0.863), at 200 from
    0.918 to 0.926 (0.928).  A regression set also keeps a column's
    averages where the atoms would zero it in every row: on house prices at
    50 rows (the pool area, zero in 99.6% of rows) an MLP trained on the
    set went from R^2 -1.77 to 0.52, and the four-model mean from 0.10 to
    0.67 (k-means 0.66).

    References
    ----------
    Cuturi & Doucet, "Fast computation of Wasserstein barycenters", ICML 2014.
    Liu et al., "Dataset distillation via the Wasserstein metric", 2023.
    Feydy et al., "Interpolating between optimal transport and MMD using
    Sinkhorn divergences", AISTATS 2019.
    Chizat et al., "Scaling algorithms for unbalanced optimal transport
    problems", Mathematics of Computation, 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc import WassersteinCondenser
    >>> X, y = load_iris(return_X_y=True)
    >>> condenser = WassersteinCondenser(size=15, random_state=0).fit(X, y)
    >>> condenser.X_.shape
    (15, 4)
    """

    _parameter_constraints: dict = {
        **BaseCondenser._parameter_constraints,
        "match_atoms": MATCH_ATOMS_CONSTRAINT,
        "feature_map": FEATURE_MAP_CONSTRAINT,
        # keys of _METHODS
        "method": [StrOptions({"exact", "semi-relaxed", "sinkhorn", "sliced"})],
        "p": [Interval(numbers.Real, 1, None, closed="left")],
        "reg": [Interval(numbers.Real, 0, None, closed="neither")],
        "reg_m": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_projections": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    # batch_size="auto" uses classes of up to 4096 rows whole, twice the
    # other condensers' limit: a Newton step moves every row onto its
    # minibatch's barycentre, so near-class-size minibatches cost as much as
    # the class and keep the loss from settling (Notes).
    _whole_class_rows = 2 * _AUTO_BATCH

    def _batch_rows(self, n, m):
        # "auto", semi-relaxed: the whole class while it holds at most
        # BARYCENTRE_ROWS real rows per synthetic row and its plan at most
        # _PLAN_ENTRIES entries; minibatches of 2048 rows give a large set
        # barycentres of a few rows each, noise the loop takes twice the
        # steps to settle (Notes).  Up to 128 synthetic rows a class this is
        # the rule above.
        if self.batch_size != "auto" or self.method != "semi-relaxed":
            return super()._batch_rows(n, m)
        whole = max(self._whole_class_rows, BARYCENTRE_ROWS * m)
        return None if n <= whole and n * m <= _PLAN_ENTRIES else _AUTO_BATCH

    def __init__(
        self,
        *,
        method="semi-relaxed",
        p=2,
        reg=0.05,
        reg_m=0.3,
        n_projections=64,
        feature_map=None,
        match_atoms="auto",
        size=100,
        allocation="proportional",
        preprocessor="auto",
        missing="error",
        init="random_real",
        weights="uniform",
        max_iter=500,
        tol=1e-3,
        learning_rate=0.05,
        batch_size="auto",
        device="auto",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.method = method
        self.p = p
        self.reg = reg
        self.reg_m = reg_m
        self.n_projections = n_projections
        self.feature_map = feature_map
        self.match_atoms = match_atoms
        self.size = size
        self.allocation = allocation
        self.preprocessor = preprocessor
        self.missing = missing
        self.init = init
        self.weights = weights
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _make_discrepancy(self):
        if self.method == "semi-relaxed" and self.p != 2:
            raise ValueError(
                f"method='semi-relaxed' matches squared distances (p=2), got "
                f"p={self.p!r}; use p=2, or method='exact' for other p."
            )
        return _METHODS[self.method](self)


_METHODS = {
    "exact": lambda c: Wasserstein(p=c.p),
    "semi-relaxed": lambda c: SemiRelaxedWasserstein(reg_m=c.reg_m),
    "sinkhorn": lambda c: SinkhornDivergence(reg=c.reg, p=c.p),
    "sliced": lambda c: SlicedWasserstein(n_projections=c.n_projections, p=c.p),
}
"""``method`` -> discrepancy built from the condenser's parameters."""
