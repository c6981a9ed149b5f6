"""Accuracy under bounded perturbations of the inputs.

:func:`robust_score` measures how a classifier (typically one trained on a
condensed set) holds up when each test row may be moved within a ball of
radius epsilon.  Three attacks, from exact to generic:

* ``"exact"`` — linear models (``coef_``, ``intercept_``, predicting the
  argmax of affine scores): the worst case has a closed form through the dual
  norm, so the figure is the true robust accuracy.
* ``"pgd"`` — models skdc can write as a torch function: a
  ``torch.nn.Module`` returning logits, scikit-learn's ``MLPClassifier`` and
  linear classifiers, and ``Pipeline`` s of ``StandardScaler``, ``PCA`` or
  ``Nystroem`` before one of those.  Projected gradient ascent on the
  margin: an upper bound on the robust accuracy, usually tight.
* ``"noise"`` — any estimator with ``predict``: random points of the ball, a
  weak attack and a loose upper bound.

The objective that trains for robustness is
:class:`skdc.discrepancy.Adversarial`.
"""

import copy
import numbers

import numpy as np
import torch
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from ._tabular import non_numeric_columns
from .discrepancy.adversarial import NORMS
from .discrepancy.mapped import _CONVERTERS, to_torch

# Relative mismatch between decision_function and X @ coef_.T + intercept_
# above which an estimator is not treated as linear.
_LINEAR_RTOL = 1e-6

# Dual norm of each ball: the largest change of w.x over ||delta|| <= 1.
_DUAL_NORMS = {"l2": 2, "linf": 1}


# ----------------------------------------------------------- exact (linear)
def _affine_scores(estimator):
    """(W (k, d), b (k,)) whose argmax is the prediction, from coef_ and
    intercept_; a binary model scores its first class 0 and its second
    ``w.x + b`` (predict picks the second when that is > 0)."""
    W = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
    b = np.broadcast_to(b, (W.shape[0],)).copy()
    if W.shape[0] == 1:
        W = np.vstack([np.zeros_like(W), W])
        b = np.array([0.0, b[0]])
    return W, b


def _is_linear(estimator):
    return (
        hasattr(estimator, "coef_")
        and hasattr(estimator, "intercept_")
        and hasattr(estimator, "classes_")
        and hasattr(estimator, "decision_function")
    )


def linear_robust_margins(W, b, X, codes, epsilon, norm):
    """Worst-case margin of each row of an argmax-of-affine classifier.

    A row x of class y stays correctly classified under every perturbation
    of norm at most epsilon iff, for every other class k,

    .. math::

        (w_y - w_k) \\cdot x + b_y - b_k - \\varepsilon \\lVert w_y - w_k
        \\rVert_* > 0,

    with the dual norm (L2 for L2, L1 for L-infinity): a point is moved across
    one pairwise boundary at a time, so the minimum over k of these margins
    is exact, for one-vs-rest and softmax models alike.

    Parameters
    ----------
    W : ndarray (k, d), b : ndarray (k,)
    X : ndarray (n, d)
    codes : ndarray of int (n,)
        Index of each row's true class in W.
    epsilon : float
    norm : {"l2", "linf"}

    Returns
    -------
    ndarray (n,)
        Smallest pairwise robust margin; > 0 means robustly correct.
    """
    scores = X @ W.T + b  # (n, k)
    true = scores[np.arange(len(X)), codes]  # (n,)
    diff = W[codes][:, None, :] - W[None, :, :]  # (n, k, d)
    dual = np.linalg.norm(diff, ord=_DUAL_NORMS[norm], axis=2)  # (n, k)
    margins = true[:, None] - scores - epsilon * dual  # (n, k)
    margins[np.arange(len(X)), codes] = np.inf
    return margins.min(axis=1)


def _exact_correct(estimator, X, codes, epsilon, norm):
    if not _is_linear(estimator):
        raise TypeError(
            f"attack='exact' needs a linear classifier (coef_, intercept_ and "
            f"decision_function); {type(estimator).__name__} is not one. Use "
            "attack='pgd' or attack='noise'."
        )
    W, b = _affine_scores(estimator)
    # Models that only look linear (a kernel or a link inside) would get a
    # wrong figure: the closed form must reproduce their own scores.
    own = np.asarray(estimator.decision_function(X), dtype=np.float64)
    mine = X @ W.T + b
    mine = mine[:, 1] if own.ndim == 1 else mine
    scale = max(np.abs(own).max(), 1.0)
    if np.abs(own - mine).max() > _LINEAR_RTOL * scale:
        raise TypeError(
            f"{type(estimator).__name__}.decision_function is not X @ coef_.T + "
            "intercept_, so the exact linear attack does not apply; use "
            "attack='pgd' or attack='noise'."
        )
    return linear_robust_margins(W, b, X, codes, epsilon, norm) > 0


# ------------------------------------------------------------------- pgd
_ACTIVATIONS = {
    "identity": lambda z: z,
    "logistic": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}


def _binary_logits(z):  # (n, 1) -> (n, 2): class 0 scores 0, as in predict
    return torch.cat([torch.zeros_like(z), z], dim=1)


def _mlp_torch(mlp):
    """A fitted MLPClassifier as a torch function to logits (its output layer
    before the softmax or logistic link)."""
    if mlp.out_activation_ not in ("softmax", "logistic") or len(mlp.classes_) < 2:
        raise TypeError("robust_score supports single-label MLPClassifier only.")
    layers = [
        (
            torch.as_tensor(W, dtype=torch.float64),
            torch.as_tensor(b, dtype=torch.float64),
        )
        for W, b in zip(mlp.coefs_, mlp.intercepts_)
    ]
    hidden = _ACTIVATIONS[mlp.activation]
    binary = mlp.out_activation_ == "logistic"

    def logits(X):  # (n, d) -> (n, k)
        for i, (W, b) in enumerate(layers):
            X = X @ W + b
            if i < len(layers) - 1:
                X = hidden(X)
        return _binary_logits(X) if binary else X

    return logits


def _linear_torch(estimator):
    W, b = _affine_scores(estimator)
    W, b = torch.as_tensor(W), torch.as_tensor(b)
    return lambda X: X @ W.T + b


def _module_torch(module):
    # Evaluated in float64 on a frozen copy: the caller's module is untouched.
    module = copy.deepcopy(module).double().eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def as_torch_classifier(estimator):
    """-> (torch function from rows (n, d) float64 to logits (n, k), classes).

    A ``torch.nn.Module`` (returning logits) has classes ``0 .. k-1``; the
    others keep their ``classes_``.  Raises TypeError for anything else.
    """
    if isinstance(estimator, torch.nn.Module):
        return _module_torch(estimator), None
    if isinstance(estimator, Pipeline):
        *steps, (_, last) = estimator.steps
        logits, classes = as_torch_classifier(last)
        like = torch.zeros(1, dtype=torch.float64)
        head = to_torch(Pipeline(steps), like) if steps else (lambda X: X)
        return (lambda X: logits(head(X))), classes
    if isinstance(estimator, MLPClassifier):
        check_is_fitted(estimator)
        return _mlp_torch(estimator), estimator.classes_
    if _is_linear(estimator):
        return _linear_torch(estimator), estimator.classes_
    raise TypeError(
        f"attack='pgd' needs a model skdc can differentiate (torch.nn.Module, "
        f"MLPClassifier, a linear classifier, or a Pipeline of StandardScaler/PCA "
        f"before one); got {type(estimator).__name__}. Use attack='noise'."
    )


def _margin_loss(logits, codes):
    """Best wrong logit minus the true one, per row (n,): > 0 means fooled."""
    true = logits.gather(1, codes[:, None]).squeeze(1)
    others = logits.scatter(1, codes[:, None], float("-inf"))
    return others.max(dim=1).values - true


def _pgd_correct(logits_fn, X, codes, epsilon, norm, steps, step_size):
    ascent, project = NORMS[norm]
    X = torch.as_tensor(X, dtype=torch.float64)
    codes = torch.as_tensor(codes)
    # A row is broken if any iterate fools the model (the best attack so far),
    # which also counts rows misclassified before any step.
    with torch.no_grad():
        fooled = _fooled(logits_fn(X), codes)
    if epsilon == 0:
        return ~fooled.numpy()
    step = 2.5 * epsilon / steps if step_size is None else step_size
    delta = torch.zeros_like(X)
    for _ in range(steps):
        delta.requires_grad_(True)
        margin = _margin_loss(logits_fn(X + delta), codes)
        (grad,) = torch.autograd.grad(margin.sum(), delta)
        delta = project(delta.detach() + step * ascent(grad), epsilon)
        with torch.no_grad():
            fooled |= _fooled(logits_fn(X + delta), codes)
    return ~fooled.numpy()


def _fooled(logits, codes):
    # argmax picks the first of tied classes, as numpy and predict do.
    return logits.argmax(dim=1) != codes


def _pgd(estimator, X, y, epsilon, norm, steps, step_size):
    logits_fn, classes = as_torch_classifier(estimator)
    codes = _codes(y, classes)
    return _pgd_correct(logits_fn, X, codes, epsilon, norm, steps, step_size)


# ----------------------------------------------------------------- noise
def _noise_correct(estimator, X, y, epsilon, norm, n_draws, rng):
    n, d = X.shape
    correct = np.asarray(estimator.predict(X)) == y
    for _ in range(n_draws):
        if norm == "l2":
            # Uniform on the sphere: the ball's farthest points.
            direction = rng.standard_normal((n, d))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            delta = epsilon * direction
        else:
            delta = epsilon * rng.choice([-1.0, 1.0], size=(n, d))  # box corners
        correct &= np.asarray(estimator.predict(X + delta)) == y
    return correct


# ------------------------------------------------------------ the score
def _codes(y, classes):
    if classes is None:  # a bare torch module: y holds class indices
        codes = np.asarray(y)
        if codes.dtype.kind not in "iu":
            raise ValueError(
                "For a torch.nn.Module, y must hold integer class indices "
                "(the columns of its logits)."
            )
        return codes.astype(np.int64)
    classes = np.asarray(classes)
    y = np.asarray(y)
    unknown = np.setdiff1d(np.unique(y), classes)
    if unknown.size:
        raise ValueError(f"y holds classes the model does not know: {unknown}.")
    return np.searchsorted(classes, y)


def _differentiable(estimator):
    """Whether as_torch_classifier converts the estimator (without trying:
    a failed conversion must raise, not silently fall back to noise)."""
    if isinstance(estimator, Pipeline):
        *steps, (_, last) = estimator.steps
        convertible = all(
            step in (None, "passthrough") or isinstance(step, tuple(_CONVERTERS))
            for _, step in steps
        )
        return convertible and _differentiable(last)
    return isinstance(estimator, torch.nn.Module | MLPClassifier) or _is_linear(
        estimator
    )


def _auto(estimator):
    if _is_linear(estimator):
        return "exact"
    return "pgd" if _differentiable(estimator) else "noise"


_ATTACKS = ("auto", "exact", "pgd", "noise")


def robust_score(
    estimator,
    X,
    y,
    epsilon,
    *,
    norm="l2",
    attack="auto",
    steps=20,
    step_size=None,
    n_draws=10,
    random_state=None,
):
    """Accuracy of a fitted classifier when every row may be perturbed.

    A row counts as correct only if the attack fails to change its predicted
    class anywhere in the ball ``||delta|| <= epsilon`` around it.

    Parameters
    ----------
    estimator : fitted classifier or torch.nn.Module
        A module must map rows (n, d) to logits (n, k); then y holds class
        indices.
    X : array-like of shape (n_samples, n_features)
        Numbers: a table with text columns raises; pass its encoded
        features and the model that reads them.
    y : array-like of shape (n_samples,)
    epsilon : float
        Radius of the ball, in the units of X.
    norm : {"l2", "linf"}, default="l2"
    attack : {"auto", "exact", "pgd", "noise"}, default="auto"
        ``"exact"``: closed form for linear classifiers; ``"pgd"``: projected
        gradient ascent on the margin (best logit of a wrong class minus the
        true one); ``"noise"``: ``n_draws`` random points on the ball's
        surface (corners of the box for L-infinity), any estimator.
        ``"auto"`` takes the first that applies in that order.
    steps : int, default=20
        PGD steps.
    step_size : float, default=None
        PGD step; None is ``2.5 * epsilon / steps``.
    n_draws : int, default=10
        Random perturbations per row for ``attack="noise"``.
    random_state : int, RandomState instance or None, default=None
        Drives ``attack="noise"``.

    Returns
    -------
    float
        Fraction of rows robustly classified correctly; at ``epsilon=0`` the
        plain accuracy.

    See Also
    --------
    skdc.discrepancy.Adversarial : condense for robustness.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdc.robustness import robust_score
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> model = LogisticRegression().fit(X, y)
    >>> clean = robust_score(model, X, y, epsilon=0.0)
    >>> attacked = robust_score(model, X, y, epsilon=0.5)
    >>> bool(clean == model.score(X, y) and attacked < clean)
    True
    """
    if norm not in NORMS:
        raise ValueError(f"Unknown norm {norm!r}; use one of {sorted(NORMS)}.")
    if attack not in _ATTACKS:
        raise ValueError(f"Unknown attack {attack!r}; use one of {list(_ATTACKS)}.")
    if (
        not isinstance(epsilon, numbers.Real)
        or isinstance(epsilon, bool)
        or not 0 <= epsilon < float("inf")
    ):
        raise ValueError(f"epsilon must be a finite number >= 0, got {epsilon!r}.")
    for name, value in (("steps", steps), ("n_draws", n_draws)):
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
    text = non_numeric_columns(X)
    if text:
        raise ValueError(
            f"X has non-numeric columns {', '.join(map(repr, text))}, and "
            "robust_score perturbs numbers; score the encoded features "
            "instead: pipeline[:-1].transform(X) with the pipeline's last "
            "step as the estimator."
        )
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.shape}.")
    check_consistent_length(X, y)
    rng = check_random_state(random_state)
    if attack == "auto":
        attack = _auto(estimator)
    if attack == "exact":
        codes = _codes(y, getattr(estimator, "classes_", None))
        correct = _exact_correct(estimator, X, codes, epsilon, norm)
    elif attack == "pgd":
        correct = _pgd(estimator, X, y, epsilon, norm, steps, step_size)
    else:
        if not hasattr(estimator, "predict"):
            raise TypeError(
                f"attack='noise' needs an estimator with predict; "
                f"{type(estimator).__name__} has none."
            )
        correct = _noise_correct(estimator, X, y, epsilon, norm, n_draws, rng)
    return float(np.mean(correct))


__all__ = ["robust_score"]
