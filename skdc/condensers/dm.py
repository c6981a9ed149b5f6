"""DistributionMatchingCondenser: DM, mean matching of random-network features."""

import numbers

from sklearn.utils._param_validation import Interval

from .._base import MATCH_ATOMS_CONSTRAINT, BaseCondenser
from ..discrepancy import MMD, FeatureMapped
from ._docs import ATOMS_PARAMETER, COMMON_ATTRIBUTES, COMMON_PARAMETERS


class DistributionMatchingCondenser(BaseCondenser):
    __doc__ = f"""Condense data by Distribution Matching (DM).

    DM is MMD with a linear kernel on random-network features: at every step a
    new randomly initialised ReLU network embeds the real rows (the minibatch,
    or the whole class) and the synthetic rows, and the synthetic rows move to
    bring the mean embedding of their class closer to the real one.  Over the
    steps this matches the class distributions through many random nonlinear
    features, at the cost of one network evaluation per step and no kernel
    matrix at all.  The objective is literally
    ``FeatureMapped(MMD(kernel="linear"), "random_network")``, so this class
    is :class:`~skdc.DiscrepancyCondenser` with that discrepancy (see the
    example).

    Parameters
    ----------
    hidden_sizes : tuple of int, default=(128, 128)
        Widths of the random network's layers, input -> hidden_sizes[0] ->
        ... -> hidden_sizes[-1], a ReLU after each; weights drawn with
        ``torch.nn.Linear``'s default initialisation at every step.  With
        ``image_shape``, the channels of the ConvNet's blocks instead.
    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(channels, height, width)`` when each row is
        a flattened image (C order): the random network is then DM's small
        ConvNet (3x3 convolution, instance norm, ReLU, 2x2 average pooling
        per block) instead of an MLP.  ``(8, 8)`` for scikit-learn's digits.
    {ATOMS_PARAMETER}
    {COMMON_PARAMETERS}

    Attributes
    ----------
    {COMMON_ATTRIBUTES}
        For DM, the value under one random network: a noisy estimate.

    See Also
    --------
    MMDCondenser : ``kernel="linear"`` matches the means of the raw features.
    skdc.discrepancy.FeatureMapped : any discrepancy on features.

    Notes
    -----
    For a class with real rows :math:`x_i` (weights :math:`w_i`), synthetic
    rows :math:`y_j` and a network :math:`\\psi_\\theta` drawn afresh at every
    step, the loss of the step is

    .. math::

        \\Big\\lVert \\sum_i w_i \\psi_\\theta(x_i)
            - \\frac{{1}}{{m}} \\sum_j \\psi_\\theta(y_j) \\Big\\rVert^2,

    the MMD^2 of the linear kernel on :math:`\\psi_\\theta`-features, so the
    optimisation minimises its expectation over :math:`\\theta`.  DM on images
    uses a small ConvNet (``image_shape``); for tabular rows, an MLP.

    References
    ----------
    Zhao & Bilen, "Dataset condensation with distribution matching", WACV
    2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skdc import DiscrepancyCondenser, DistributionMatchingCondenser
    >>> from skdc.discrepancy import MMD, FeatureMapped
    >>> X, y = load_iris(return_X_y=True)
    >>> dm = DistributionMatchingCondenser(size=15, random_state=0).fit(X, y)
    >>> dm.X_.shape
    (15, 4)
    >>> literally = DiscrepancyCondenser(
    ...     FeatureMapped(MMD(kernel="linear"), "random_network"),
    ...     size=15,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> bool(np.array_equal(dm.X_, literally.X_))
    True
    """

    _parameter_constraints: dict = {
        **BaseCondenser._parameter_constraints,
        "match_atoms": MATCH_ATOMS_CONSTRAINT,
        # Each width is checked when the network is drawn.
        "hidden_sizes": [
            "array-like",
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        # Checked against the number of features when the network is drawn.
        "image_shape": ["array-like", None],
    }

    def __init__(
        self,
        *,
        hidden_sizes=(128, 128),
        image_shape=None,
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
        self.hidden_sizes = hidden_sizes
        self.image_shape = image_shape
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
        hidden = self.hidden_sizes
        # A single width is a one-layer network.
        hidden = (hidden,) if isinstance(hidden, numbers.Integral) else tuple(hidden)
        return FeatureMapped(
            MMD(kernel="linear"),
            "random_network",
            hidden_sizes=hidden,
            image_shape=self.image_shape,
        )
