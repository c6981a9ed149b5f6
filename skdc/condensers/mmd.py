"""MMDCondenser: minimise the maximum mean discrepancy."""

import numbers

from sklearn.utils._param_validation import Interval, StrOptions

from .._base import FEATURE_MAP_CONSTRAINT, MATCH_ATOMS_CONSTRAINT, BaseCondenser
from .._init import INITS
from ..discrepancy import MMD, RandomFeatureMMD
from ..discrepancy.mmd import BANDWIDTH_RULES
from ..kernels import KERNELS
from ._docs import (
    ATOMS_PARAMETER,
    COMMON_ATTRIBUTES,
    FEATURE_MAP_PARAMETER,
    common_parameters,
)

_AUTO_INIT = """``"auto"``: ``"kmeans"`` for ``features="exact"``,
        ``"random_real"`` for ``features="rff"``."""


class MMDCondenser(BaseCondenser):
    __doc__ = f"""Condense data by minimising the maximum mean discrepancy.

    Synthetic rows start at the k-means centroids of their class (random
    real rows with random features) and are moved by gradient descent until
    their kernel mean embedding matches that of the real rows of the class.
    With a Gaussian kernel this is the objective of M3D; with
    ``kernel="linear"`` it matches class means (DM's objective without its
    random network); with ``kernel="energy"`` it minimises the energy
    distance (support points).

    Parameters
    ----------
    kernel : {{"gaussian", "laplacian", "imq", "energy", "linear"}}, \
default="gaussian"
    bandwidth : "auto", "multiscale", "median", float or list of float, \
default="auto"
        Kernel scale: ``"multiscale"`` averages the kernels at 1/4, 1/2 and
        1 times the median pairwise distance within each class,
        ``"median"`` uses that distance alone; or an absolute scale, or a
        list of scales whose kernels are averaged.  ``"auto"`` is
        ``"multiscale"`` for ``features="exact"`` (the smaller scales keep a
        gradient between near rows, where a median-wide kernel is flat) and
        ``"median"`` for ``features="rff"`` (a few hundred random
        frequencies estimate the quarter-median kernel poorly).
    features : {{"exact", "rff"}}, default="exact"
        ``"exact"`` evaluates the kernel on (minibatches of) real rows;
        ``"rff"`` matches mean embeddings of random Fourier features (Gaussian
        and Laplacian kernels), so the real rows are read once and each step
        costs the same whatever the number of rows.
    n_features : int, default=512
        Random frequencies for ``features="rff"`` (orthogonal in blocks of
        the number of columns: 512 of them estimate the kernel more closely
        than 1024 independent ones).
    {FEATURE_MAP_PARAMETER}
    {ATOMS_PARAMETER}
    {common_parameters(auto_init=_AUTO_INIT)}

    Attributes
    ----------
    {COMMON_ATTRIBUTES}

    See Also
    --------
    WassersteinCondenser : optimal-transport objective.
    skdc.selection.KMeansCentroids : the k-means baseline.

    Notes
    -----
    For each class with real rows :math:`x_i` (weights :math:`w_i`) and
    synthetic rows :math:`y_j` (weights :math:`1/m`), the loss is

    .. math::

        \\mathrm{{MMD}}^2 = \\sum_{{i,i'}} w_i w_{{i'}} k(x_i, x_{{i'}})
            - 2 \\sum_{{i,j}} \\frac{{w_i}}{{m}} k(x_i, y_j)
            + \\sum_{{j,j'}} \\frac{{1}}{{m^2}} k(y_j, y_{{j'}}).

    Only (block, m) slices of the real-synthetic Gram matrix are built.

    References
    ----------
    Gretton et al., "A kernel two-sample test", JMLR 2012.
    Zhang et al., "M3D: Dataset condensation by minimizing maximum mean
    discrepancy", AAAI 2024.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc import MMDCondenser
    >>> X, y = load_iris(return_X_y=True)
    >>> X_s, y_s = MMDCondenser(size=15, random_state=0).fit_resample(X, y)
    >>> X_s.shape, sorted(set(y_s.tolist()))
    ((15, 4), [0, 1, 2])
    """

    _parameter_constraints: dict = {
        **BaseCondenser._parameter_constraints,
        "match_atoms": MATCH_ATOMS_CONSTRAINT,
        "feature_map": FEATURE_MAP_CONSTRAINT,
        "kernel": [StrOptions(set(KERNELS))],
        "bandwidth": [
            StrOptions({"auto", *BANDWIDTH_RULES}),
            Interval(numbers.Real, 0, None, closed="neither"),
            list,
            tuple,
        ],
        "init": [StrOptions({"auto", *INITS})],
        "features": [StrOptions({"exact", "rff"})],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        kernel="gaussian",
        bandwidth="auto",
        features="exact",
        n_features=512,
        feature_map=None,
        match_atoms="auto",
        size=100,
        allocation="proportional",
        preprocessor="auto",
        missing="error",
        init="auto",
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
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.features = features
        self.n_features = n_features
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

    # init="auto" and bandwidth="auto": the exact kernel starts from k-means
    # centroids and averages three scales (the quality suite); random
    # features keep random real rows and the median kernel (at 10^6 rows x
    # 50 features, benchmarks/scale.py: LR 0.307, against 0.294 from k-means
    # centroids and 0.259 with three scales, whose quarter-median kernel 512
    # frequencies estimate poorly).
    def _start(self):
        if self.init != "auto":
            return self.init
        return "random_real" if self.features == "rff" else "kmeans"

    def _make_discrepancy(self):
        bandwidth = self.bandwidth
        if isinstance(bandwidth, str) and bandwidth == "auto":
            bandwidth = "median" if self.features == "rff" else "multiscale"
        if self.features == "rff":
            return RandomFeatureMMD(
                kernel=self.kernel, bandwidth=bandwidth, n_features=self.n_features
            )
        return MMD(kernel=self.kernel, bandwidth=bandwidth)
