"""PrivateMMDCondenser: a differentially private synthetic set."""

import math
import numbers
import re

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._backend import as_tensor, make_generator, to_numpy
from .._base import BaseCondenser, _target_kind, _threads_for
from .._optimize import optimise
from .._tabular import needs_encoding, non_numeric_columns
from ..discrepancy._base import params_to_numpy
from ..privacy import (
    FEATURE_SHARE,
    ROW_SENSITIVITY,
    LabelledFeatureMMD,
    gaussian_mechanism,
    labelled_embedding,
)
from ._docs import COMMON_ATTRIBUTES

# The shared attribute text, with discrepancy_ as this estimator reports it.
_ATTRIBUTES = re.sub(
    r"(discrepancy_ : float\n)(?:        .*\n?)+",
    r"\1        Final loss against the noisy release, not the training data (that\n"
    r"        would be a further look at it, unpaid).\n",
    COMMON_ATTRIBUTES,
).rstrip("\n")

# The parameters of BaseCondenser this estimator has (no learned weights: a
# softmax over all rows would let the classes' masses drift from the released
# ones; no batch_size: the real rows are read once, by the release).
_SHARED = (
    "size",
    "allocation",
    "preprocessor",
    "missing",
    "init",
    "max_iter",
    "tol",
    "learning_rate",
    "device",
    "n_jobs",
    "random_state",
    "verbose",
)


def default_delta(n_samples):
    """``1 / N**1.1``: below 1/N, so the guarantee does not allow leaking
    one person's row outright, yet costs little noise (sigma grows with
    sqrt(log(1/delta)))."""
    return 1.0 / n_samples**1.1


# Why a private fit refuses to encode a table itself (two checks share it).
_ENCODER_ON_PRIVATE_ROWS = (
    "would fit an encoder (categories, scales) on the private rows, which the "
    "privacy guarantee does not pay for; encode the table with public "
    "categories and scales first"
)


class PrivateMMDCondenser(BaseCondenser):
    __doc__ = f"""Differentially private condensation by random-feature MMD.

    The real data is read exactly once: its class-conditional mean embedding
    (unit-norm random Fourier features of a Gaussian kernel, tensor the
    one-hot label, plus a constant coordinate that counts the rows of each
    class) is released through the Gaussian mechanism, calibrated exactly to
    (``epsilon``, ``delta``).  Everything after that -- the class proportions
    and so the allocation, the optimisation of the synthetic rows, its
    stopping rule, ``discrepancy_`` -- reads only that noisy release, so the
    synthetic set is (``epsilon``, ``delta``)-differentially private by
    post-processing.

    Public, not protected: the number of rows N, the number of features,
    the set of class labels (as in DP-MERF), and the parameters below.  The
    data must therefore come on a scale known without looking at it, for
    which ``bandwidth`` and ``bounds`` are set: e.g. features standardised
    with means and deviations that are public (published norms, a
    questionnaire's range), not fitted on the private rows.

    Parameters
    ----------
    epsilon : float, default=1.0
        Privacy loss bound of the whole fit (one release; nothing else is
        spent).
    delta : float or None, default=None
        Failure probability; None gives ``1 / N**1.1``, below 1/N.
    bandwidth : float or "dimension", default="dimension"
        Gaussian kernel scale, a number or ``"dimension"``: sqrt(n_features)
        -- a data-independent rule for standardised features (two
        independent rows of d standard normal features lie about sqrt(2 d)
        apart, rows of one class closer).  ``"median"`` (the data's median
        distance) raises: it reads the data without paying for it.
    n_features : int, default=512
        Random frequencies D; the release has n_classes * (2 D + 1)
        coordinates, each with noise of the same scale, so more features
        mean a finer kernel but more noise in total.
    bounds : (float or array-like, float or array-like), default=(-3.0, 3.0)
        Public box of the synthetic values (lower, upper), per feature or
        for all.  The default suits standardised data; it replaces the
        observed min and max that other condensers clip to.
    size : int or float, default=100
        Synthetic rows in total (int), or a fraction of the training rows
        (float in (0, 1); N is public).
    allocation : {{"proportional", "balanced"}} or dict, default="proportional"
        Rows per class: proportional to the class counts released with
        noise, equal shares, or an explicit ``{{class: count}}``.
    preprocessor : None, "auto" or "standard", default=None
        X must be numeric.  ``"auto"`` and ``"standard"`` are accepted for a
        uniform API but raise on a table that they would encode: the encoder
        learns its categories and scales from the private rows
        (``"quantile"`` raises for the same reason).  Nor does ``"auto"``
        map long-tailed columns here: finding them reads the private rows;
        map them with public statistics first.
    missing : "error", default="error"
        Missing values raise.  ``"impute"`` raises too: it would fill them
        with the private columns' medians; impute with public values first.
    init : "noise", default="noise"
        Starting points: Gaussian noise around the centre of ``bounds``
        (standard deviation a sixth of its width), clipped to it.  The other
        options of :class:`MMDCondenser` start from real rows and raise.
    max_iter : int, default=500
        Optimisation steps.
    tol : float, default=1e-3
        Stopping rule, as for :class:`MMDCondenser` (the loss over 10 steps
        improving by less than this fraction of itself or of the progress
        made); the loss is measured against the noisy release, so the
        stopping rule is post-processing too.
    learning_rate : float, default=0.05
        Adam step size in units of a sixth of the width of ``bounds``.
    device : {{"auto", "cpu", "cuda"}}, default="auto"
    n_jobs : int, default=None
        Unused: all classes are one problem (kept for a uniform API).
    random_state : int, RandomState instance or None, default=None
        Seeds the frequencies, the noise of the release and the start.
        Fixing it is for reproducible experiments; a release meant to be
        private should draw fresh noise (None).
    verbose : int, default=0

    Attributes
    ----------
    {_ATTRIBUTES}
    y_soft_ : ndarray of shape (size, n_classes)
        One-hot labels of the synthetic rows (classification).
    epsilon_ : float
    delta_ : float
        The privacy guarantee of the fit.
    sensitivity_ : float
        L2 sensitivity of the released embedding, sqrt(2) / N.
    noise_multiplier_ : float
        Standard deviation of the noise over ``sensitivity_``.

    See Also
    --------
    MMDCondenser : the same objective without privacy, on all rows.
    skdc.privacy.audit : distance-based privacy figures of any synthetic set.

    Notes
    -----
    Neighbouring data sets differ by the replacement of one row (N public).
    Each row (x, y=k) is embedded as
    :math:`\\psi(x) \\otimes e_k` with
    :math:`\\psi(x) = [\\sqrt{{1/2}}\\,\\varphi(x), \\sqrt{{1/2}}]`,
    unit norm, and the mean over rows is released:

    .. math::

        \\tilde E = \\frac{{1}}{{N}} \\sum_i \\psi(x_i) \\otimes e_{{y_i}}
            + \\mathcal{{N}}(0, \\sigma^2 I), \\qquad
        \\sigma = \\sigma_{{\\text{{analytic}}}}(\\varepsilon, \\delta,
            \\sqrt{{2}}/N).

    Replacing a row moves the mean by at most sqrt(2)/N (the constant
    coordinates cancel within a class; across classes the blocks are
    orthogonal), which is the 2/N of the features alone scaled by the same
    sqrt(1/2) as the features: the class counts come at no cost in the
    features' signal-to-noise ratio, with no split of epsilon.  The last
    coordinate of each class, over sqrt(1/2), estimates its share
    :math:`\\hat p_k` (floored at 1/N); the synthetic rows then minimise
    :math:`\\sum_k \\hat p_k \\lVert \\tilde E_k / \\hat p_k -
    \\nu_k \\rVert^2` (see :class:`skdc.privacy.LabelledFeatureMMD`),
    clipped to ``bounds``.

    Not covered: ``score``, which reads the data passed to it (pass held-out
    data); floating-point attacks on the noise (the noise is NumPy's
    float64 Gaussian); a class label seen only in the private data, and the
    error raised for a class of fewer than 2 rows.

    References
    ----------
    Harder, Adamczewski & Park, "DP-MERF: Differentially private mean
    embeddings with random features for practical privacy-preserving data
    generation", AISTATS 2021.
    Balle & Wang, "Improving the Gaussian mechanism for differential privacy:
    analytical calibration and optimal denoising", ICML 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdc import PrivateMMDCondenser
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)  # stand-in for public scaling
    >>> private = PrivateMMDCondenser(size=15, epsilon=2.0, random_state=0)
    >>> X_s, y_s = private.fit_resample(X, y)
    >>> X_s.shape, private.epsilon_, round(private.noise_multiplier_, 2)
    ((15, 4), 2.0, 1.25)
    """

    _parameter_constraints: dict = {
        **{k: BaseCondenser._parameter_constraints[k] for k in _SHARED},
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "delta": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "bandwidth": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"dimension", "median"}),
        ],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "bounds": [tuple, list],
    }

    # All classes are one problem: one release covers them, and its rows
    # carry their one-hot label in trailing columns (fixed by the allocation).
    _joint_classes = True
    # Which columns are long-tailed is a statistic of the private rows.
    _maps_tails = False

    def __init__(
        self,
        *,
        epsilon=1.0,
        delta=None,
        bandwidth="dimension",
        n_features=512,
        bounds=(-3.0, 3.0),
        size=100,
        allocation="proportional",
        preprocessor=None,
        missing="error",
        init="noise",
        max_iter=500,
        tol=1e-3,
        learning_rate=0.05,
        device="auto",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.epsilon = epsilon
        self.delta = delta
        self.bandwidth = bandwidth
        self.n_features = n_features
        self.bounds = bounds
        self.size = size
        self.allocation = allocation
        self.preprocessor = preprocessor
        self.missing = missing
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # The release must read every row: dask input is never sampled.
    _fits_dask_samples = False
    # Its discrepancy_ is the release's, which measuring the rows would leak.
    _measures_later = False

    # --------------------------------------------------------------- fit
    def fit(self, X, y=None, sample_weight=None):
        """Release the noisy embedding of (X, y) and learn the set from it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            On a public scale (see ``bounds`` and ``bandwidth``).
        y : array-like of shape (n_samples,), default=None
            Class labels, or None.  Continuous targets raise.
        sample_weight : None
            Unequal weights raise (equal ones are the same as None): a
            weight changes how far one row can move the released embedding.

        Returns
        -------
        self
        """
        super().fit(X, y, sample_weight)
        # Set by _allocation_counts, the one place that reads the rows.
        release = self.__dict__.pop("_release")
        self.epsilon_ = float(self.epsilon)
        self.delta_ = release["delta"]
        self.sensitivity_ = release["sensitivity"]
        self.noise_multiplier_ = release["sigma"] / release["sensitivity"]
        return self

    def score(self, X, y=None, sample_weight=None):
        """Minus the random-feature MMD^2 between (X, y) and the synthetic set.

        Measured with the fit's frequencies, class by class, weighted by the
        classes' shares in X.  This reads the data you pass, which the
        privacy guarantee of the fit does not cover: score held-out data, not
        the private rows.
        """
        return super().score(X, y, sample_weight)

    def _validate_fit_data(self, X, y):
        X, y = super()._validate_fit_data(X, y)
        if _target_kind(y) == "regression":
            raise ValueError(
                "PrivateMMDCondenser condenses class labels or X alone; "
                "continuous y would need a public scale for the targets. Bin y "
                "into classes, or pass y=None."
            )
        self._check_public_options(X.shape[1])
        return X, y

    def _encode_X(self, X, *, reset):
        if reset:
            if self.preprocessor == "quantile":
                raise ValueError(
                    "preprocessor='quantile' would fit every column's quantiles "
                    "on the private rows, which the privacy guarantee does not "
                    "pay for; transform the columns with public quantiles "
                    "first, and pass preprocessor=None."
                )
            if self.preprocessor in ("auto", "standard") and needs_encoding(X):
                raise ValueError(
                    f"preprocessor={self.preprocessor!r} {_ENCODER_ON_PRIVATE_ROWS}, "
                    "and pass preprocessor=None."
                )
            text = non_numeric_columns(X)
            if self.preprocessor is None and text:
                # The base class would suggest preprocessor="auto", which
                # raises here.
                raise ValueError(
                    f"X has non-numeric columns {', '.join(map(repr, text))}; "
                    f"encoding them {_ENCODER_ON_PRIVATE_ROWS}."
                )
            if self.missing == "impute":
                raise ValueError(
                    "missing='impute' fills gaps with statistics of the private "
                    "rows (medians), which the privacy guarantee does not pay "
                    "for; impute with public values first, and pass "
                    "missing='error'."
                )
        return super()._encode_X(X, reset=reset)

    def _check_public_options(self, n_features):
        """Raise for every option that would read the data unpaid."""
        if self.init != "noise":
            raise ValueError(
                f"init={self.init!r} starts from the data (rows, centroids or their "
                "spread), which the privacy guarantee does not pay for; "
                "PrivateMMDCondenser starts from noise only: init='noise'."
            )
        if self.bandwidth == "median":
            raise ValueError(
                "bandwidth='median' is the median distance between the private "
                "rows, which the privacy guarantee does not pay for; pass a "
                "number or 'dimension' (sqrt(n_features), for standardised data)."
            )
        self._box(n_features)

    def _box(self, n_features):
        """``bounds`` -> (lower, upper), float64 arrays (n_features,)."""
        message = (
            "bounds must be (lower, upper), each a finite number or one per "
            f"feature ({n_features}), with lower < upper; got {self.bounds!r}."
        )
        if len(self.bounds) != 2:
            raise ValueError(message)
        try:
            box = [
                np.broadcast_to(np.asarray(b, np.float64), (n_features,)).copy()
                for b in self.bounds
            ]
        except (TypeError, ValueError) as error:
            raise ValueError(message) from error
        lower, upper = box
        if not (np.isfinite(lower).all() and np.isfinite(upper).all()):
            raise ValueError(message)
        if not (lower < upper).all():
            raise ValueError(message)
        return lower, upper

    def _bandwidth(self, n_features):
        if self.bandwidth == "dimension":
            return math.sqrt(n_features)
        return float(self.bandwidth)

    def _make_discrepancy(self):
        return LabelledFeatureMMD(
            bandwidth=self._bandwidth(self.n_features_in_),
            n_features=self.n_features,
            n_labels=self._n_label_columns,
        )

    def _allocation_counts(self, Z, codes, groups, w):
        # The one read of the private rows: release their embedding.
        if np.ptp(w) > 0:
            raise ValueError(
                "PrivateMMDCondenser does not take unequal sample_weight: a row's "
                "weight changes how far it can move the released embedding, which "
                "the noise is calibrated to; pass sample_weight=None."
            )
        n, d = Z.shape
        labels = np.eye(len(groups))[codes] if codes is not None else np.ones((n, 1))
        rng = check_random_state(self.random_state)
        generator = make_generator(rng.randint(np.iinfo(np.int32).max), "cpu")
        cpu, f64 = torch.device("cpu"), torch.float64
        discrepancy = LabelledFeatureMMD(
            self._bandwidth(d), self.n_features, n_labels=labels.shape[1]
        )
        Zt = torch.tensor(Z, dtype=f64)  # a copy: pandas may give read-only rows
        params = discrepancy.frequencies(d, generator, Zt)
        with torch.no_grad():
            exact = labelled_embedding(
                Zt,
                as_tensor(labels, cpu, f64),
                Zt.new_full((n,), 1 / n),
                params["omega"],
            ).numpy()
        delta = self.delta if self.delta is not None else default_delta(n)
        sensitivity = ROW_SENSITIVITY / n
        noisy, sigma = gaussian_mechanism(exact, self.epsilon, delta, sensitivity, rng)
        # Post-processing: class shares from the count coordinates, floored
        # at one row (noise can push them below zero).
        scale = math.sqrt(FEATURE_SHARE)
        shares = np.maximum(noisy[:, -1] / scale, 1.0 / n)
        noisy[:, -1] = scale * shares
        self._release = {
            "embedding": noisy,
            "params": params_to_numpy(params),
            "delta": float(delta),
            "sigma": sigma,
            "sensitivity": sensitivity,
        }
        return n * shares

    def _threads(self, counts, alloc, n_features):
        # A step's work: synthetic rows x random features x columns.
        return _threads_for(
            self._device(), np.asarray(alloc) * self.n_features, n_features
        )

    def _group_options(self, labels, sizes):
        # One problem, fitted to the release, not to the rows.
        return [{"label": f"{type(self).__name__}: fitting the release"}]

    def _fit_group(self, X, w, m, seed, strata=None, label=None):
        # X is never read beyond its width: the loop sees the release only.
        device = self._device()
        rng = np.random.RandomState(seed)
        generator = make_generator(seed, device)
        n_labels = self._n_label_columns
        d = X.shape[1] - n_labels
        lower, upper = self._box(d)
        centre, spread = (lower + upper) / 2, (upper - lower) / 6
        start = np.clip(centre + spread * rng.standard_normal((m, d)), lower, upper)
        if n_labels:
            # Labels fixed by the allocation, in class order.
            start = np.column_stack([start, np.repeat(np.eye(n_labels), strata[1], 0)])
            lower, upper = (
                np.r_[lower, np.zeros(n_labels)],
                np.r_[upper, np.ones(n_labels)],
            )
            centre, spread = (
                np.r_[centre, np.zeros(n_labels)],
                np.r_[spread, np.ones(n_labels)],
            )
        frozen = np.arange(X.shape[1]) >= d
        release = self._release
        state = {
            "params": {k: as_tensor(v, device) for k, v in release["params"].items()},
            "embedding": as_tensor(release["embedding"], device),
        }
        discrepancy = self._objective()
        empty = as_tensor(np.zeros((0, X.shape[1])), device)
        Y, v, history, n_iter, converged = optimise(
            discrepancy,
            state,
            empty,
            empty[:, 0],
            as_tensor(start, device),
            learn_weights=False,
            frozen=frozen,
            lower=as_tensor(lower, device),
            upper=as_tensor(upper, device),
            centre=as_tensor(centre, device),
            scale=as_tensor(spread, device),
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            batch_size=None,
            generator=generator,
            label=label,
            verbose=self.verbose,
        )
        with torch.no_grad():
            final = float(discrepancy(state, Y, v))
        return {
            # float32 rounding can step past the box; clip again.
            "X": np.clip(to_numpy(Y, np.float64), lower, upper),
            "weights": None,
            "params": release["params"],
            "history": history,
            "n_iter": n_iter,
            "converged": converged,
            "indices": None,
            "loss": final,
        }

    def _fitted_discrepancy(self, discrepancy, result, X, w, seed):
        # Against the release, never the rows X: see discrepancy_.
        return result["loss"], result["params"]
