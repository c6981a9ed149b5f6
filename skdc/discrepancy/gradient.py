"""Gradient matching: the objective of Dataset Condensation (DC).

Rows are ``[features | one-hot labels]``: the last ``n_classes`` columns are
the labels.  For a network :math:`f_\\theta` and each class :math:`c`, the
gradient of the cross-entropy loss on the real rows of the class and on the
synthetic rows of the class are compared layer by layer:

.. math::

    D(S) = \\sum_c \\sum_{\\ell} \\sum_{o}
        \\Big(1 - \\cos\\big(\\nabla_{W_\\ell} L_c^{\\mathrm{real}}[o],\\;
                            \\nabla_{W_\\ell} L_c^{\\mathrm{syn}}[o]\\big)\\Big),

where :math:`o` runs over the output units (rows) of each weight matrix
:math:`W_\\ell`.  A synthetic set that drives a model's training the way the
real data does is good for training that model.  The network is kept between
calls, trained on the synthetic rows in between and redrawn every few calls,
so the synthetic set is matched along training trajectories of many models.
"""

import math
import numbers

import torch

from ._base import Discrepancy, real_batch
from .mapped import _uniform

# Synthetic gradient rows are normalised with this floor, relative to the
# size of the real gradient rows: it bounds the derivative of the cosine
# where a synthetic row vanishes, and changes no cosine measurably (1e-12).
_NORM_FLOOR = 1e-6


def _linear_layer(fan_in, fan_out, generator, like):
    """``torch.nn.Linear`` with its default initialisation, uniform on
    [-1/sqrt(fan_in), 1/sqrt(fan_in)], drawn from ``generator``."""
    # skip_init: no draw from torch's global generator that is thrown away.
    layer = torch.nn.utils.skip_init(
        torch.nn.Linear, fan_in, fan_out, device=like.device, dtype=like.dtype
    )
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        layer.weight.copy_(_uniform((fan_out, fan_in), bound, generator, like))
        layer.bias.copy_(_uniform((fan_out,), bound, generator, like))
    return layer


def _linear_model(n_features, n_classes, hidden_size, generator, like):
    return _linear_layer(n_features, n_classes, generator, like)


def _mlp_model(n_features, n_classes, hidden_size, generator, like):
    return torch.nn.Sequential(
        _linear_layer(n_features, hidden_size, generator, like),
        torch.nn.ReLU(),
        _linear_layer(hidden_size, n_classes, generator, like),
    )


MODELS = {"linear": _linear_model, "mlp": _mlp_model}
"""``model`` name -> ``(n_features, n_classes, hidden_size, generator, like)
-> torch.nn.Module`` with freshly drawn parameters."""


def class_losses(module, params, X, T, W):
    """Weighted cross-entropy of each class, a tensor (k,).

    X (n, d) are standardised features, T (n, k) target distributions
    (one-hot rows), W (k, n) the weight of each row in the loss of each
    class (rows of other classes weigh 0, each row of W sums to 1)."""
    logits = torch.func.functional_call(module, params, (X,))  # (n, k)
    nll = -(T * torch.log_softmax(logits, dim=1)).sum(1)  # (n,)
    return W @ nll


def layer_distance(g_real, g_syn):
    """DC's distance between two gradients of one parameter tensor: the sum
    over output units of 1 - cosine between their rows.

    ``g_real`` (o, ...) is a constant, ``g_syn`` (o, ...) is differentiable.
    Output units whose real gradient is zero carry no direction to match
    (units dead on the class): they add nothing, so a set that equals the
    data has distance 0.  One-dimensional tensors (biases) add nothing, as
    in DC: the cosine of two numbers is only their sign agreement."""
    if g_real.dim() < 2:
        return g_real.new_zeros(())
    a = g_real.reshape(g_real.shape[0], -1)  # (o, i)
    b = g_syn.reshape(g_syn.shape[0], -1)  # (o, i)
    a_norm = a.norm(dim=1)  # (o,)
    live = a_norm > 0
    a_hat = a[live] / a_norm[live, None]  # (o', i)
    b = b[live]
    # A floor relative to the real rows' size: no blow-up where a synthetic
    # row vanishes, and no absolute scale that float32 gradients could fall
    # below.
    floor = _NORM_FLOOR * a_norm[live].mean() if live.any() else 0.0
    b_norm = torch.sqrt((b * b).sum(1) + floor**2)  # (o',)
    cos = (a_hat * b).sum(1) / b_norm  # (o',)
    return (1.0 - cos).sum()


def _class_weights(T, w):
    """(k, n) weights of the rows of each class within its class loss, and
    a boolean (k,) of the classes with positive weight.  T (n, k) one-hot."""
    W = T.T * w  # (k, n)
    mass = W.sum(1)  # (k,)
    present = mass > 0
    return W / torch.where(present, mass, torch.ones_like(mass))[:, None], present


class GradientMatching(Discrepancy):
    """Distance between the gradients a network gets from the real rows and
    from the synthetic rows of each class (DC's objective).

    Rows are ``[features | one-hot labels]``.  At each call, for every class
    present in both sets, the gradient of the weighted cross-entropy of the
    model is computed on the real rows of the class (the minibatch, or all
    rows) and on the synthetic rows of the class (their label columns are
    the targets); the value is the sum over classes and weight matrices of
    DC's layer-wise distance, the sum over output units of one minus the
    cosine between the two gradient rows.  The synthetic gradients keep
    their graph, so the value is differentiable in the synthetic rows and
    weights.  A class missing from a minibatch is skipped.

    The model is part of the state: it is drawn from the call's generator at
    the first call and every ``reinit_every`` calls after, and before every
    other call it takes ``inner_steps`` SGD steps (rate ``inner_lr``) on the
    synthetic rows it is given, detached.  Matching thus alternates with
    training, as in DC, and the synthetic set is matched along the training
    of many networks.  A fresh state (``prepare``) always starts from a new
    network, so measuring once (``score``, ``discrepancy_``) compares the
    gradients of one freshly drawn network.

    The model sees the features standardised with the mean and standard
    deviation of the real rows, resolved in ``prepare`` and kept as
    ``params`` (so held-out data is measured in the same units).

    Parameters
    ----------
    model : {"linear", "mlp"} or callable, default="linear"
        ``"linear"``: logistic regression, one ``torch.nn.Linear`` layer;
        ``"mlp"``: one hidden ReLU layer of ``hidden_size`` units.  Both use
        ``torch.nn.Linear``'s default initialisation, drawn from the
        generator.  A callable ``model(n_features, n_classes, generator)``
        must return a fresh ``torch.nn.Module`` mapping tensors (n,
        n_features) to logits (n, n_classes); ``generator`` is a
        ``torch.Generator`` on the fit's device (or None) to draw its
        parameters from, and the module is moved to the data's device and
        dtype.
    hidden_size : int, default=64
        Hidden units of ``"mlp"``.
    inner_steps : int, default=1
        SGD steps the model takes on the synthetic rows between two calls
        (0: the model is only redrawn).
    inner_lr : float, default=0.01
        Learning rate of those steps.
    reinit_every : int, default=10
        Calls between two draws of the model.
    n_classes : int
        Trailing columns that are one-hot labels.  Required; the condenser
        sets it from the data.

    Examples
    --------
    >>> import torch
    >>> from skdc.discrepancy import GradientMatching
    >>> g = torch.Generator().manual_seed(0)
    >>> X = torch.randn(40, 3, generator=g)
    >>> labels = torch.nn.functional.one_hot(torch.arange(40) % 2, 2)
    >>> Z = torch.cat([X, labels], dim=1)  # [features | one-hot labels]
    >>> w = torch.full((40,), 1 / 40)
    >>> objective = GradientMatching(n_classes=2)
    >>> state = objective.prepare(Z, w, generator=g)
    >>> float(objective(state, Z, w, generator=g)) < 1e-5  # data matches itself
    True
    """

    def __init__(
        self,
        model="linear",
        hidden_size=64,
        inner_steps=1,
        inner_lr=0.01,
        reinit_every=10,
        n_classes=None,
    ):
        self.model = model
        self.hidden_size = hidden_size
        self.inner_steps = inner_steps
        self.inner_lr = inner_lr
        self.reinit_every = reinit_every
        self.n_classes = n_classes

    def _check(self, n_columns):
        k = self.n_classes
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(
                "GradientMatching needs n_classes, the number of trailing "
                f"one-hot label columns of the rows, got {k!r}."
            )
        if n_columns <= k:
            raise ValueError(
                f"GradientMatching got rows of {n_columns} columns, of which the "
                f"last n_classes={k} are labels: no feature is left."
            )
        if not callable(self.model) and self.model not in MODELS:
            raise ValueError(
                f"Unknown model {self.model!r}; use 'mlp', 'linear' or a callable "
                "(n_features, n_classes, generator) -> torch.nn.Module."
            )
        for name, low in (("hidden_size", 1), ("inner_steps", 0), ("reinit_every", 1)):
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
        if not isinstance(self.inner_lr, numbers.Real) or not self.inner_lr > 0:
            raise ValueError(f"inner_lr must be positive, got {self.inner_lr!r}.")

    def _draw(self, n_features, generator, like):
        """A fresh model and its parameters as a dict of leaf tensors."""
        if callable(self.model):
            module = self.model(n_features, self.n_classes, generator)
            module = module.to(device=like.device, dtype=like.dtype)
        else:
            module = MODELS[self.model](
                n_features, self.n_classes, int(self.hidden_size), generator, like
            )
        params = {
            name: p.detach().clone().requires_grad_(True)
            for name, p in module.named_parameters()
        }
        return module, params

    def prepare(self, X, w, *, params=None, generator=None):
        self._check(X.shape[1])
        if params is None:
            # Units of the model's input: the real features standardised.
            features = X[:, : -self.n_classes]  # (n, d)
            mean = w @ features  # (d,)
            scale = (w @ (features - mean) ** 2).sqrt()  # (d,)
            scale = torch.where(scale > 0, scale, torch.ones_like(scale))
            params = {"mean": mean, "scale": scale}
        # The model is drawn at the first call, from that call's generator.
        return {"params": params, "X": X, "w": w, "model": None, "calls": 0}

    def _split(self, state, Z):
        """[features | labels] (n, d + k) -> standardised features (n, d) and
        labels (n, k)."""
        k = self.n_classes
        params = state["params"]
        return (Z[:, :-k] - params["mean"]) / params["scale"], Z[:, -k:]

    def _train(self, state, Y, v):
        """``inner_steps`` SGD steps of the model on the synthetic rows."""
        module, params = state["model"]
        features, T = self._split(state, Y.detach())
        weights = v.detach()[None, :]  # (1, m): one loss over all classes
        for _ in range(int(self.inner_steps)):
            loss = class_losses(module, params, features, T, weights)[0]
            grads = torch.autograd.grad(loss, list(params.values()))
            # New tensors, not in-place updates: graphs built on the old
            # parameters stay valid.
            params = {
                name: (p - self.inner_lr * g).detach().requires_grad_(True)
                for (name, p), g in zip(params.items(), grads)
            }
        state["model"] = (module, params)

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        X, w = real_batch(state, batch)
        # Measuring (score) runs under no_grad, but the model's gradients are
        # part of the value itself: build them, and keep the graph of the
        # value only where the caller differentiates in Y or v.
        keep_graph = torch.is_grad_enabled() and (Y.requires_grad or v.requires_grad)
        with torch.enable_grad():
            if state["calls"] % int(self.reinit_every) == 0:
                n_features = X.shape[1] - self.n_classes
                state["model"] = self._draw(n_features, generator, X)
            elif self.inner_steps > 0:
                self._train(state, Y, v)
            state["calls"] += 1
            value = self._distance(state, X, w, Y, v)
        return value if keep_graph else value.detach()

    def _distance(self, state, X, w, Y, v):
        module, params = state["model"]
        weights = list(params.values())
        x_feat, x_lab = self._split(state, X)  # (n, d), (n, k)
        y_feat, y_lab = self._split(state, Y)  # (m, d), (m, k)
        # Synthetic rows belong to the class of their largest label column.
        y_hard = torch.nn.functional.one_hot(
            y_lab.detach().argmax(1), self.n_classes
        ).to(Y.dtype)  # (m, k)
        W_real, real_present = _class_weights(x_lab, w)  # (k, n), (k,)
        W_syn, syn_present = _class_weights(y_hard, v)  # (k, m), (k,)
        real_loss = class_losses(module, params, x_feat, x_lab, W_real)  # (k,)
        syn_loss = class_losses(module, params, y_feat, y_lab, W_syn)  # (k,)
        present = (real_present & syn_present).tolist()
        total = Y.new_zeros(())
        for c in (c for c, here in enumerate(present) if here):
            g_real = torch.autograd.grad(real_loss[c], weights, retain_graph=True)
            g_syn = torch.autograd.grad(
                syn_loss[c], weights, retain_graph=True, create_graph=True
            )
            for a, b in zip(g_real, g_syn):
                total = total + layer_distance(a.detach(), b)
        return total
