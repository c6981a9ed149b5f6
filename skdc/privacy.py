"""Differential privacy: the Gaussian mechanism, the released embedding and
a privacy audit for any synthetic set.

Three parts:

* :func:`gaussian_sigma` calibrates the Gaussian mechanism exactly (the
  analytic Gaussian mechanism of Balle & Wang, 2018), and
  :func:`gaussian_delta` is the exact privacy curve it inverts.
* :func:`labelled_embedding` and :class:`LabelledFeatureMMD` are the
  class-conditional random-feature embedding that
  :class:`~skdc.PrivateMMDCondenser` releases with noise, and the discrepancy
  it optimises against that release.
* :func:`audit` measures how close a synthetic set sits to its training rows
  (distance to closest record, a membership-inference attack), for the output
  of any condenser.
"""

import math
import numbers

import numpy as np
import torch
from scipy.optimize import brentq
from scipy.special import log_ndtr
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_array, check_random_state

from .discrepancy import Discrepancy
from .discrepancy.rff import fourier_features, mean_embedding, random_frequencies

__all__ = [
    "LabelledFeatureMMD",
    "audit",
    "gaussian_delta",
    "gaussian_mechanism",
    "gaussian_sigma",
    "labelled_embedding",
]

# Share of each row's unit norm on its random features; the rest is a
# constant coordinate that counts the rows of its class (see
# labelled_embedding for why one half costs no accuracy).
FEATURE_SHARE = 0.5
# L2 distance between the embeddings of two rows, at most: within a class
# the constant coordinates cancel (sqrt(1/2) * 2), across classes the blocks
# are orthogonal (sqrt(1 + 1)).
ROW_SENSITIVITY = math.sqrt(2.0)


# ------------------------------------------------------- Gaussian mechanism
def _check_privacy(epsilon, delta, sensitivity):
    if not isinstance(epsilon, numbers.Real) or not 0 < epsilon < math.inf:
        raise ValueError(f"epsilon must be a positive finite number, got {epsilon!r}.")
    if not isinstance(delta, numbers.Real) or not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}.")
    if not isinstance(sensitivity, numbers.Real) or not 0 < sensitivity < math.inf:
        raise ValueError(
            f"sensitivity must be a positive finite number, got {sensitivity!r}."
        )


def _log_delta(sigma, epsilon, sensitivity):
    """log of the exact delta of the Gaussian mechanism with noise ``sigma``.

    delta = Phi(a - b) - e^eps Phi(-a - b) with a = Delta / (2 sigma) and
    b = eps sigma / Delta, written as
    log Phi(a - b) + log(1 - exp(eps + log Phi(-a - b) - log Phi(a - b)))
    so that neither a large eps (e^eps overflows) nor a tiny delta (two
    nearly equal terms) loses precision.
    """
    a = sensitivity / (2.0 * sigma)
    b = epsilon * sigma / sensitivity
    log_first = log_ndtr(a - b)
    ratio = epsilon + log_ndtr(-a - b) - log_first  # < 0: delta is positive
    return log_first + math.log(-math.expm1(min(ratio, -1e-300)))


def gaussian_delta(sigma, epsilon, sensitivity=1.0):
    """The smallest delta for which Gaussian noise ``sigma`` is (epsilon,
    delta)-differentially private.

    Parameters
    ----------
    sigma : float
        Standard deviation of the noise added to each coordinate.
    epsilon : float
    sensitivity : float, default=1.0
        L2 sensitivity of the released vector.

    Returns
    -------
    float
        :math:`\\Phi(\\tfrac{\\Delta}{2\\sigma} - \\tfrac{\\varepsilon\\sigma}
        {\\Delta}) - e^{\\varepsilon}\\Phi(-\\tfrac{\\Delta}{2\\sigma} -
        \\tfrac{\\varepsilon\\sigma}{\\Delta})`, Balle & Wang's Theorem 8.

    Examples
    --------
    >>> from skdc.privacy import gaussian_delta, gaussian_sigma
    >>> round(gaussian_delta(gaussian_sigma(1.0, 1e-5), 1.0), 12)
    1e-05
    """
    _check_privacy(epsilon, 0.5, sensitivity)
    if not isinstance(sigma, numbers.Real) or not 0 < sigma < math.inf:
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}.")
    return math.exp(_log_delta(float(sigma), float(epsilon), float(sensitivity)))


def gaussian_sigma(epsilon, delta, sensitivity=1.0):
    """Smallest Gaussian noise that makes a release (epsilon, delta)-DP.

    The analytic Gaussian mechanism: instead of the classical bound
    :math:`\\sigma = \\sqrt{2 \\ln(1.25/\\delta)}\\,\\Delta/\\varepsilon`
    (valid for epsilon < 1 only, and loose), solve the exact condition
    :func:`gaussian_delta` (sigma) = delta for sigma.  The privacy curve
    decreases in sigma, so the root is unique; it is found by Brent's method
    on log sigma, with the curve evaluated in log space.

    Parameters
    ----------
    epsilon : float
        Privacy loss bound, > 0 (any size: the mechanism is exact for
        epsilon >= 1 too).
    delta : float
        Probability of exceeding it, in (0, 1).
    sensitivity : float, default=1.0
        L2 sensitivity of the released vector: the largest change of the
        vector between two neighbouring data sets.

    Returns
    -------
    sigma : float
        Standard deviation of the noise to add to every coordinate.

    References
    ----------
    Balle & Wang, "Improving the Gaussian mechanism for differential privacy:
    analytical calibration and optimal denoising", ICML 2018.

    Examples
    --------
    >>> from skdc.privacy import gaussian_sigma
    >>> round(gaussian_sigma(epsilon=1.0, delta=1e-5), 4)
    3.7306
    >>> round(gaussian_sigma(1.0, 1e-5, sensitivity=2.0), 4)  # scales with it
    7.4613
    """
    _check_privacy(epsilon, delta, sensitivity)
    epsilon, target = float(epsilon), math.log(delta)

    # sigma is proportional to the sensitivity: solve for Delta = 1.
    def gap(log_sigma):
        return _log_delta(math.exp(log_sigma), epsilon, 1.0) - target

    low, high = -1.0, 1.0
    while gap(low) < 0:  # delta(sigma) decreases: move left until above
        low -= 2.0
    while gap(high) > 0:
        high += 2.0
    log_sigma = brentq(gap, low, high, xtol=1e-14, rtol=1e-14)
    return math.exp(log_sigma) * float(sensitivity)


def gaussian_mechanism(value, epsilon, delta, sensitivity, random_state=None):
    """Release ``value`` with Gaussian noise calibrated by
    :func:`gaussian_sigma`.

    Parameters
    ----------
    value : array-like
        The exact statistic, whose L2 sensitivity is ``sensitivity``.
    epsilon, delta, sensitivity : float
    random_state : int, RandomState instance or None, default=None
        Source of the noise (None: fresh noise, what a real release needs).

    Returns
    -------
    noisy : ndarray of float64, the shape of ``value``
    sigma : float
        Standard deviation of the noise added to each coordinate.

    Examples
    --------
    >>> from skdc.privacy import gaussian_mechanism
    >>> noisy, sigma = gaussian_mechanism([0.5, 0.5], 1.0, 1e-5, 0.01, 0)
    >>> noisy.shape, round(sigma, 4)
    ((2,), 0.0373)
    """
    sigma = gaussian_sigma(epsilon, delta, sensitivity)
    value = np.asarray(value, dtype=np.float64)
    rng = check_random_state(random_state)
    return value + rng.normal(0.0, sigma, size=value.shape), sigma


# ------------------------------------------------------ released embedding
def labelled_embedding(X, labels, w, omega):
    """Class-conditional random-feature embedding with a count coordinate.

    Each row x of class k is embedded as :math:`\\psi(x) \\otimes e_k` with

    .. math::

        \\psi(x) = [\\sqrt{1/2}\\, \\varphi(x), \\sqrt{1/2}],

    where :math:`\\varphi` are the unit-norm random Fourier features of
    :mod:`skdc.discrepancy.rff`; so every row's embedding has norm 1, and
    the returned weighted sum over rows is the class-conditional mean
    embedding (row k scaled by the weight of class k) next to the class
    weights themselves (last column, times sqrt(1/2)).

    Replacing one of N rows (weights 1/N) moves the sum by at most
    sqrt(2)/N: within a class the count coordinates cancel and the features
    move by at most sqrt(1/2) * 2; across classes the two rows sit in
    orthogonal blocks.  Without the count coordinate the bound would be 2/N
    for the features alone, so splitting the norm in halves releases the
    class weights at no cost to the features' signal-to-noise ratio.

    Parameters
    ----------
    X : tensor of shape (n, d)
    labels : tensor of shape (n, k)
        One-hot class of each row.
    w : tensor of shape (n,)
        Row weights (1/N for the private release).
    omega : tensor of shape (d, D)
        Random frequencies.

    Returns
    -------
    tensor of shape (k, 2 D + 1)
    """
    rows = []
    for k in range(labels.shape[1]):
        member = labels[:, k] > 0.5
        wk = w[member]
        features = mean_embedding(X[member], wk, omega)  # (2D,) weighted sum
        rows.append(torch.cat([features, wk.sum().reshape(1)]))
    return torch.stack(rows) * math.sqrt(FEATURE_SHARE)


class LabelledFeatureMMD(Discrepancy):
    """Class-weighted random-feature MMD^2 read from a labelled embedding.

    The state holds a :func:`labelled_embedding` (exact in ``prepare``, or
    a noisy release put there by :class:`~skdc.PrivateMMDCondenser`).  The
    loss compares, class by class, the mean embedding it implies with that
    of the synthetic rows of the class, and averages over classes by their
    weight in the embedding:

    .. math::

        L = \\sum_k \\hat p_k\\, \\lVert \\hat\\mu_k - \\nu_k \\rVert^2,
        \\qquad \\hat\\mu_k = E_k / \\hat p_k,

    with :math:`\\hat p_k` the class weight read from the count coordinate
    (floored at ``min_share`` and normalised: noise can make it negative)
    and :math:`\\nu_k` the weighted mean of :math:`\\varphi` over the
    synthetic rows of class k.  On an exact embedding this is the
    random-feature MMD^2 of every class, weighted as ``discrepancy_`` is for
    the other condensers.

    Parameters
    ----------
    bandwidth : float
        Gaussian kernel scale.
    n_features : int
        Random frequencies D.
    n_labels : int
        Trailing one-hot label columns of the rows (0: one class).
    min_share : float, default=1e-12
        Floor of the class weights.
    """

    def __init__(self, bandwidth, n_features, n_labels, min_share=1e-12):
        self.bandwidth = bandwidth
        self.n_features = n_features
        self.n_labels = n_labels
        self.min_share = min_share

    def _split(self, Z):
        """Rows with trailing one-hot labels -> features (n, d), labels (n, k)."""
        if self.n_labels == 0:
            return Z, Z.new_ones(Z.shape[0], 1)
        return Z[:, : -self.n_labels], Z[:, -self.n_labels :]

    def frequencies(self, d, generator, like):
        """Settings ``{"bandwidth": (1,), "omega": (d, D)}``: Gaussian-kernel
        frequencies drawn from ``generator`` alone (no data enters: the
        bandwidth is a number)."""
        bandwidth = like.new_tensor([float(self.bandwidth)])
        omega = random_frequencies(
            "gaussian", bandwidth, d, self.n_features, generator, like
        )
        return {"bandwidth": bandwidth, "omega": omega}

    def prepare(self, X, w, *, params=None, generator=None):
        features, labels = self._split(X)
        if params is None:
            params = self.frequencies(features.shape[1], generator, X)
        embedding = labelled_embedding(features, labels, w, params["omega"])
        return {"params": params, "embedding": embedding}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        embedding = state["embedding"]  # (k, 2D + 1)
        scale = math.sqrt(FEATURE_SHARE)
        shares = (embedding[:, -1] / scale).clamp_min(self.min_share)  # (k,)
        target = embedding[:, :-1] / (scale * shares[:, None])  # (k, 2D)
        features, labels = self._split(Y)
        phi = fourier_features(features, state["params"]["omega"])  # (m, 2D)
        mass = labels.T @ v  # (k,)
        synthetic = (labels.T @ (v[:, None] * phi)) / mass.clamp_min(1e-30)[:, None]
        per_class = ((target - synthetic) ** 2).sum(1)  # (k,)
        return (shares / shares.sum()) @ per_class


# -------------------------------------------------------------------- audit
def audit(X_train, X_holdout, X_synthetic):
    """Distance-based privacy figures of a synthetic set.

    Works on the numeric output of any condenser (or any other generator):
    the three arrays must share their columns, and distances are Euclidean
    in the space given, so pass them on the scale you care about (e.g. all
    three through the same StandardScaler, fitted on the training rows).

    Parameters
    ----------
    X_train : array-like of shape (n_train, n_features)
        The rows the synthetic set was made from (the members).
    X_holdout : array-like of shape (n_holdout, n_features)
        Real rows from the same distribution, not used to make it.
    X_synthetic : array-like of shape (n_synthetic, n_features)

    Returns
    -------
    dict of str to float
        ``dcr_synthetic_median``, ``dcr_synthetic_p5``
            Median and 5th percentile of the distance from each synthetic
            row to its closest training row.
        ``dcr_holdout_median``, ``dcr_holdout_p5``
            The same for holdout rows: how close fresh data falls anyway.
        ``dcr_ratio_median``, ``dcr_ratio_p5``
            Synthetic over holdout.  Near 1 or above: the synthetic rows are
            no closer to the training rows than new data is; well below 1:
            they copy or hug training rows.
        ``synthetic_copies``
            Fraction of synthetic rows equal to a training row (distance
            below 1e-6 times the largest norm of a training row).
        ``mia_auc``
            AUC of a membership-inference attack that calls a row a member
            when it lies close to a synthetic row (score: minus the distance
            to the nearest synthetic row; members: the training rows,
            non-members: the holdout rows).  0.5 is chance; above it the
            set gives members away.

    Examples
    --------
    >>> import numpy as np
    >>> from skdc.privacy import audit
    >>> rng = np.random.RandomState(0)
    >>> train, holdout = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    >>> copied = audit(train, holdout, train[:50])
    >>> copied["synthetic_copies"], copied["mia_auc"] > 0.6
    (1.0, True)
    >>> fresh = audit(train, holdout, rng.normal(size=(50, 3)))
    >>> fresh["synthetic_copies"], bool(abs(fresh["mia_auc"] - 0.5) < 0.1)
    (0.0, True)
    """
    arrays = {}
    for name, X in (
        ("X_train", X_train),
        ("X_holdout", X_holdout),
        ("X_synthetic", X_synthetic),
    ):
        arrays[name] = check_array(X, dtype=np.float64, input_name=name)
    train, holdout, synthetic = arrays.values()
    widths = {name: X.shape[1] for name, X in arrays.items()}
    if len(set(widths.values())) != 1:
        raise ValueError(
            f"X_train, X_holdout and X_synthetic must have the same columns; got "
            f"{widths}."
        )
    if len(train) < 2 or len(holdout) < 2:
        raise ValueError(
            "audit needs at least 2 training and 2 holdout rows, got "
            f"{len(train)} and {len(holdout)}."
        )

    def nearest(reference, queries):
        index = NearestNeighbors(n_neighbors=1).fit(reference)
        return index.kneighbors(queries)[0][:, 0]

    to_train_syn = nearest(train, synthetic)
    to_train_holdout = nearest(train, holdout)
    members = nearest(synthetic, train)
    non_members = nearest(synthetic, holdout)
    # Exact copies up to rounding: distances from dot products carry errors
    # of about sqrt(machine epsilon) times the rows' norms.
    tiny = 1e-6 * max(float(np.linalg.norm(train, axis=1).max()), 1.0)
    figures = {
        "dcr_synthetic_median": float(np.median(to_train_syn)),
        "dcr_synthetic_p5": float(np.percentile(to_train_syn, 5)),
        "dcr_holdout_median": float(np.median(to_train_holdout)),
        "dcr_holdout_p5": float(np.percentile(to_train_holdout, 5)),
    }
    figures["dcr_ratio_median"] = _ratio(
        figures["dcr_synthetic_median"], figures["dcr_holdout_median"]
    )
    figures["dcr_ratio_p5"] = _ratio(
        figures["dcr_synthetic_p5"], figures["dcr_holdout_p5"]
    )
    figures["synthetic_copies"] = float(np.mean(to_train_syn <= tiny))
    scores = -np.concatenate([members, non_members])
    is_member = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    figures["mia_auc"] = float(roc_auc_score(is_member, scores))
    return figures


def _ratio(numerator, denominator):
    # Holdout rows that duplicate training rows give a zero denominator.
    if denominator == 0:
        return math.inf if numerator > 0 else 1.0
    return numerator / denominator
