"""A discrepancy measured on features phi(x) of the rows.

The synthetic rows stay in input space and are optimised there; only the
discrepancy looks at them through ``phi``:

.. math::

    D_\\varphi(P, Q) = D(\\varphi_\\# P, \\varphi_\\# Q).

With a random network redrawn at every step and a linear-kernel MMD this is
Distribution Matching (DM); with a fitted PCA it matches the data in its
leading principal directions only.
"""

import math
import numbers

import torch
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..kernels import sq_distances
from ._base import Discrepancy, real_batch


def _pca(pca, like):
    # PCA.transform: (x - mean) @ components.T, divided by the (clipped)
    # standard deviation of each component when whitening.
    components = torch.as_tensor(pca.components_, dtype=like.dtype, device=like.device)
    mean = torch.as_tensor(pca.mean_, dtype=like.dtype, device=like.device)
    shift = mean @ components.T  # (k,)
    scale = None
    if pca.whiten:
        std = torch.as_tensor(pca.explained_variance_).sqrt()
        # sklearn clips in the dtype of explained_variance_, before the cast.
        std = std.clamp_min(torch.finfo(std.dtype).eps)
        scale = std.to(dtype=like.dtype, device=like.device)

    def transform(X):  # (n, d) -> (n, k)
        Z = X @ components.T - shift
        return Z if scale is None else Z / scale

    return transform


def _standard_scaler(scaler, like):
    # StandardScaler.transform: centre and/or divide, each only when enabled;
    # scale_ already maps constant features to 1.
    def tensor(values):
        return torch.as_tensor(values, dtype=like.dtype, device=like.device)

    mean = tensor(scaler.mean_) if scaler.with_mean else None
    scale = tensor(scaler.scale_) if scaler.with_std else None

    def transform(X):  # (n, d) -> (n, d)
        if mean is not None:
            X = X - mean
        return X if scale is None else X / scale

    return transform


def _pipeline(pipeline, like):
    # Pipelines mark skipped steps with None or "passthrough".
    kept = [step for _, step in pipeline.steps if step not in (None, "passthrough")]
    steps = [to_torch(step, like) for step in kept]

    def transform(X):
        for step in steps:
            X = step(X)
        return X

    return transform


def _nystroem(nystroem, like):
    # Nystroem.transform: K(X, components_) @ normalization_.T; the Gaussian
    # (rbf) kernel only, whose gamma defaults to 1 / n_features.
    if nystroem.kernel != "rbf":
        raise TypeError(
            f"FeatureMapped converts Nystroem with kernel='rbf' only, not "
            f"{nystroem.kernel!r}."
        )
    components = torch.as_tensor(
        nystroem.components_, dtype=like.dtype, device=like.device
    )
    normalization = torch.as_tensor(
        nystroem.normalization_, dtype=like.dtype, device=like.device
    )
    gamma = nystroem.gamma
    if gamma is None:
        gamma = 1.0 / components.shape[1]

    def transform(X):  # (n, d) -> (n, n_components)
        K = torch.exp(-gamma * sq_distances(X, components))  # (n, c)
        return K @ normalization.T

    return transform


_CONVERTERS = {
    PCA: _pca,
    StandardScaler: _standard_scaler,
    Nystroem: _nystroem,
    Pipeline: _pipeline,
}
"""scikit-learn transformer type -> ``(fitted, like) -> torch function``."""


def to_torch(transformer, like):
    """A fitted scikit-learn transformer as a differentiable torch function.

    Parameters
    ----------
    transformer : PCA, StandardScaler, Nystroem (rbf) or Pipeline of those, fitted
    like : tensor
        Its dtype and device are those of the function's constants.

    Returns
    -------
    callable
        Tensor (n, d) -> tensor (n, k), equal to ``transformer.transform`` up
        to rounding in the dtype of ``like``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.decomposition import PCA
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> pca = PCA(n_components=2).fit(X)
    >>> Xt = torch.as_tensor(X)
    >>> bool(np.allclose(to_torch(pca, Xt)(Xt).numpy(), pca.transform(X)))
    True
    """
    convert = next(
        (f for kind, f in _CONVERTERS.items() if isinstance(transformer, kind)), None
    )
    if convert is None:
        names = ", ".join(kind.__name__ for kind in _CONVERTERS)
        raise TypeError(
            f"FeatureMapped converts fitted {names} to torch, not "
            f"{type(transformer).__name__}: its transform is not "
            "differentiable in the synthetic rows. Pass a torch.nn.Module or a "
            "function on tensors instead."
        )
    try:
        check_is_fitted(transformer)
    except NotFittedError:
        raise NotFittedError(
            f"FeatureMapped needs a fitted {type(transformer).__name__}; fit it "
            "first, on the training data. It is never fitted inside the "
            "discrepancy, where the data being measured (held-out data, in "
            "score) would decide the features."
        ) from None
    return convert(transformer, like)


def _frozen(module):
    """A module as a function of its input only: its parameters enter
    detached, so no gradient accumulates in the caller's module."""
    params = {k: v.detach() for k, v in module.named_parameters()}

    def transform(X):
        return torch.func.functional_call(module, params, (X,))

    return transform


def _uniform(shape, bound, generator, like):
    """Uniform on [-bound, bound]."""
    u = torch.rand(shape, generator=generator, dtype=like.dtype, device=like.device)
    return (2.0 * u - 1.0) * bound


def random_network(d, hidden_sizes, generator, like):
    """A freshly drawn ReLU network, d -> hidden_sizes[0] -> ... as a function
    on tensors (n, d) -> (n, hidden_sizes[-1]).

    Weights and biases follow ``torch.nn.Linear``'s default initialisation,
    uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)], drawn from ``generator``.
    Every layer, the last included, ends in a ReLU: a linear last layer would
    add nothing to mean matching, only reweight the directions in which the
    means of the layer before are matched.
    """
    layers = []
    widths = [int(h) for h in hidden_sizes]
    for fan_in, fan_out in zip((d, *widths), widths):
        bound = 1.0 / math.sqrt(fan_in)
        weight = _uniform((fan_in, fan_out), bound, generator, like)  # (i, o)
        bias = _uniform((fan_out,), bound, generator, like)  # (o,)
        layers.append((weight, bias))

    def transform(X):
        for weight, bias in layers:
            X = torch.relu(X @ weight + bias)
        return X

    return transform


def random_convnet(image_shape, channels, generator, like):
    """A freshly drawn ConvNet on rows that are flattened images, as a
    function on tensors (n, C*H*W) -> (n, k).

    Each block is DM's: a 3x3 convolution (padding 1), instance
    normalisation (skipped on 1x1 maps), a ReLU and a 2x2 average pooling
    while the image is at least 2 pixels wide and high; ``channels`` gives
    the blocks' widths.
    Weights and biases are uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)], as
    ``torch.nn.Conv2d`` draws them.  Rows are read in C order, as
    ``X.reshape(n, *image_shape)`` reads them; a 2-tuple shape is one
    channel.
    """
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    blocks = []
    for fan_in_channels, width in zip((shape[0], *channels), channels):
        bound = 1.0 / math.sqrt(fan_in_channels * 9)
        weight = _uniform((width, fan_in_channels, 3, 3), bound, generator, like)
        bias = _uniform((width,), bound, generator, like)
        blocks.append((weight, bias))

    def transform(X):  # (n, C*H*W) -> (n, k)
        Z = X.reshape(X.shape[0], *shape)  # (n, C, H, W)
        for weight, bias in blocks:
            Z = torch.nn.functional.conv2d(Z, weight, bias, padding=1)
            if Z.shape[-1] * Z.shape[-2] > 1:
                # A single pixel normalises to zero: keep it as it is.
                Z = torch.nn.functional.instance_norm(Z)
            Z = torch.relu(Z)
            if min(Z.shape[-2:]) >= 2:
                Z = torch.nn.functional.avg_pool2d(Z, 2)
        return Z.flatten(1)

    return transform


def _check_image_shape(image_shape, n_features):
    shape = tuple(image_shape) if isinstance(image_shape, (list, tuple)) else None
    valid = (
        shape is not None
        and len(shape) in (2, 3)
        and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
            for s in shape
        )
    )
    if not valid:
        raise ValueError(
            "image_shape must be (height, width) or (channels, height, width) "
            f"of positive integers, got {image_shape!r}."
        )
    if math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape={shape} holds {math.prod(shape)} values but the rows "
            f"have {n_features} features; give the shape of one image, e.g. "
            "(8, 8) for scikit-learn's digits."
        )


def _check_hidden_sizes(hidden_sizes):
    sizes = list(hidden_sizes) if isinstance(hidden_sizes, (list, tuple)) else None
    if not sizes or any(
        not isinstance(h, numbers.Integral) or isinstance(h, bool) or h < 1
        for h in sizes
    ):
        raise ValueError(
            "hidden_sizes must be a non-empty list or tuple of positive integers, "
            f"got {hidden_sizes!r}."
        )


class FeatureMapped(Discrepancy):
    """A discrepancy between the features phi(x) of the real and synthetic rows.

    The synthetic rows stay in input space (they are what a model is trained
    on); ``base`` compares the two sets after both went through ``phi``.

    Parameters
    ----------
    base : Discrepancy
        Measured on the features, e.g. ``MMD(kernel="linear")``.
    feature_map : "random_network", torch.nn.Module, callable or fitted \
transformer
        ``phi``:

        * ``"random_network"``: a ReLU network of widths ``hidden_sizes``
          with ``torch.nn.Linear``'s default initialisation, drawn afresh
          from the call's ``generator`` at every call, as Distribution
          Matching does.  The real features are recomputed at each call on
          the real rows it measures (the minibatch, or the whole class), and
          ``base``'s settings (a median bandwidth) are resolved afresh for
          each network, since its feature space changes; none are kept.
        * a ``torch.nn.Module`` or any function from tensors (n, d) to
          tensors (n, k): fixed.  A module's parameters are not trained (the
          discrepancy uses them detached).
        * a fitted ``PCA``, ``StandardScaler``, ``Nystroem`` (rbf kernel) or
          ``Pipeline`` of those:
          converted once into torch operations with the same output as its
          ``transform``.  An unfitted one raises ``NotFittedError``: fitting
          it here would let the data being measured choose the features.

        Fixed maps embed the real rows once, in ``prepare``.
    hidden_sizes : tuple of int, default=(128, 128)
        Widths of the random network's layers (channels of its convolution
        blocks when ``image_shape`` is given); used by ``"random_network"``
        only.
    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(channels, height, width)`` of the images the
        rows flatten (in C order).  Given, ``"random_network"`` is a small
        random ConvNet, as Distribution Matching uses on images, instead of
        an MLP.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.decomposition import PCA
    >>> from skdc.discrepancy import MMD, FeatureMapped
    >>> X = np.random.RandomState(0).normal(size=(50, 4))
    >>> objective = FeatureMapped(MMD(), PCA(n_components=2).fit(X))
    >>> Xt = torch.as_tensor(X, dtype=torch.float32)
    >>> w = torch.full((50,), 1 / 50)
    >>> state = objective.prepare(Xt, w)
    >>> float(objective(state, Xt, w)) < 1e-6  # the data matches itself
    True

    Distribution Matching's objective is
    ``FeatureMapped(MMD(kernel="linear"), "random_network")``.
    """

    def __init__(self, base, feature_map, *, hidden_sizes=(128, 128), image_shape=None):
        self.base = base
        self.feature_map = feature_map
        self.hidden_sizes = hidden_sizes
        self.image_shape = image_shape

    def _fixed_map(self, like):
        """``phi`` as a torch function, or None for a random network."""
        phi = self.feature_map
        if isinstance(phi, str):
            if phi != "random_network":
                raise ValueError(
                    f"Unknown feature_map {phi!r}; use 'random_network', a torch "
                    "module, a function on tensors or a fitted scikit-learn "
                    "transformer."
                )
            _check_hidden_sizes(self.hidden_sizes)
            if self.image_shape is not None:
                _check_image_shape(self.image_shape, like.shape[1])
            return None
        if isinstance(phi, BaseEstimator):
            return to_torch(phi, like)
        if isinstance(phi, torch.nn.Module):
            return _frozen(phi)
        if callable(phi):
            return phi
        raise TypeError(
            f"feature_map must be 'random_network', a torch module, a function "
            f"on tensors or a fitted transformer, got {type(phi).__name__}."
        )

    def prepare(self, X, w, *, params=None, generator=None):
        phi = self._fixed_map(X)
        if phi is None:
            # A new network at every call: nothing about the features can be
            # computed before it is drawn.
            return {"params": {}, "X": X, "w": w}
        with torch.no_grad():
            features = phi(X)  # (n, k)
        base = self.base.prepare(features, w, params=params, generator=generator)
        return {"params": base["params"], "base": base, "phi": phi}

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        if "phi" in state:
            if batch is not None:
                with torch.no_grad():
                    batch = (state["phi"](batch[0]), batch[1])  # (b, k), (b,)
            return self.base(
                state["base"], state["phi"](Y), v, batch=batch, generator=generator
            )
        X, w = real_batch(state, batch)
        if self.image_shape is None:
            phi = random_network(X.shape[1], self.hidden_sizes, generator, X)
        else:
            phi = random_convnet(self.image_shape, self.hidden_sizes, generator, X)
        with torch.no_grad():
            features = phi(X)  # (n or b, hidden_sizes[-1])
        base = self.base.prepare(features, w, generator=generator)
        return self.base(base, phi(Y), v, generator=generator)
