"""DiscrepancyCondenser: condense with any discrepancy object."""

from sklearn.utils._param_validation import HasMethods

from .._base import FEATURE_MAP_CONSTRAINT, MATCH_ATOMS_CONSTRAINT, BaseCondenser
from ..discrepancy import MMD
from ._docs import (
    ATOMS_PARAMETER,
    COMMON_ATTRIBUTES,
    COMMON_PARAMETERS,
    FEATURE_MAP_PARAMETER,
)


class DiscrepancyCondenser(BaseCondenser):
    __doc__ = f"""Condense data by minimising a given discrepancy.

    The generic condenser: every other condenser is this one with its
    discrepancy fixed.  Use it for composite objectives, written as formulas
    of :mod:`skdc.discrepancy` objects, and for discrepancies of your own —
    any object with ``prepare(X, w, *, params=None, generator=None)``
    returning a state dict with a ``"params"`` entry, and
    ``__call__(state, Y, v, *, batch=None, generator=None)`` returning a
    differentiable torch scalar (see :class:`skdc.discrepancy.Discrepancy`).

    Parameters
    ----------
    discrepancy : Discrepancy, default=None
        The objective, e.g. ``MMD() + 0.1 * SinkhornDivergence()``; None is
        ``MMD()``.
    {FEATURE_MAP_PARAMETER}
    {ATOMS_PARAMETER}
    {COMMON_PARAMETERS}

    Attributes
    ----------
    {COMMON_ATTRIBUTES}

    See Also
    --------
    MMDCondenser, WassersteinCondenser : the common objectives by name.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc import DiscrepancyCondenser
    >>> from skdc.discrepancy import MMD, SinkhornDivergence
    >>> X, y = load_iris(return_X_y=True)
    >>> objective = MMD(kernel="gaussian") + 0.1 * SinkhornDivergence(reg=0.1)
    >>> condenser = DiscrepancyCondenser(
    ...     discrepancy=objective, size=15, max_iter=50, random_state=0
    ... )
    >>> condenser.fit(X, y).X_.shape
    (15, 4)
    """

    _parameter_constraints: dict = {
        **BaseCondenser._parameter_constraints,
        "match_atoms": MATCH_ATOMS_CONSTRAINT,
        "feature_map": FEATURE_MAP_CONSTRAINT,
        "discrepancy": [HasMethods(["prepare", "__call__"]), None],
    }

    def __init__(
        self,
        discrepancy=None,
        *,
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
        self.discrepancy = discrepancy
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
        return MMD() if self.discrepancy is None else self.discrepancy
