"""Adversarial discrepancy and robust accuracy: known answers and errors."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from skdc import DiscrepancyCondenser
from skdc.discrepancy import (
    MMD,
    Adversarial,
    GradientMatching,
    RandomFeatureMMD,
    SlicedWasserstein,
    Wasserstein,
)
from skdc.discrepancy.adversarial import worst_case_rows
from skdc.discrepancy.krr import KernelRidgeMatching
from skdc.robustness import robust_score

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _tensor(a):
    return torch.as_tensor(a, dtype=torch.float64)


def _uniform(n):
    return torch.full((n,), 1.0 / n, dtype=torch.float64)


# ------------------------------------------------------------ Adversarial
@pytest.mark.parametrize(
    "norm, expected",
    [
        # Every row moves eps along the mean difference: (|d| + eps)^2.
        ("l2", lambda d, eps: (np.linalg.norm(d) + eps) ** 2),
        # Every coordinate moves eps away: sum_j (|d_j| + eps)^2.
        ("linf", lambda d, eps: np.sum((np.abs(d) + eps) ** 2)),
    ],
)
def test_linear_mmd_worst_case_has_the_closed_form(norm, expected):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(6, 3)) + 0.4
    d = X.mean(0) - Y.mean(0)
    robust = Adversarial(MMD(kernel="linear"), 0.3, norm=norm, steps=10)
    state = robust.prepare(_tensor(X), _uniform(30))
    value = robust(state, _tensor(Y), _uniform(6))
    np.testing.assert_allclose(float(value), expected(d, 0.3), rtol=1e-6)


@pytest.mark.parametrize("base", [MMD(), MMD(kernel="energy"), Wasserstein()], ids=repr)
def test_worst_case_exceeds_the_clean_value_and_zero_radius_is_the_base(base):
    rng = np.random.RandomState(1)
    X, Y = _tensor(rng.normal(size=(40, 2))), _tensor(rng.normal(size=(8, 2)))
    w, v = _uniform(40), _uniform(8)
    clean = float(base(base.prepare(X, w), Y, v))
    robust = Adversarial(base, 0.5)
    assert float(robust(robust.prepare(X, w), Y, v)) > clean + 1e-3
    zero = Adversarial(base, 0.0)
    np.testing.assert_allclose(float(zero(zero.prepare(X, w), Y, v)), clean)


def test_random_feature_mean_embedding_is_recomputed():
    # RandomFeatureMMD summarises the real rows by their mean embedding in
    # prepare; the worst case must embed the moved rows, not reuse it.
    rng = np.random.RandomState(5)
    X, Y = _tensor(rng.normal(size=(40, 2))), _tensor(rng.normal(size=(8, 2)))
    w, v = _uniform(40), _uniform(8)
    base = RandomFeatureMMD(n_features=256)
    robust = Adversarial(base, 0.5)
    state = robust.prepare(X, w, generator=torch.Generator().manual_seed(0))
    clean = float(base(state["base"], Y, v))
    assert float(robust(state, Y, v)) > clean + 1e-3


def test_mmd_cached_real_term_is_recomputed_at_the_moved_rows():
    # The value must equal the plain MMD between the moved rows and Y; the
    # real-real term cached on the clean rows would give another number.
    rng = np.random.RandomState(2)
    X, Y = _tensor(rng.normal(size=(25, 2))), _tensor(rng.normal(size=(5, 2)))
    w, v = _uniform(25), _uniform(5)
    robust = Adversarial(MMD(bandwidth=1.0), 0.4, steps=3)
    state = robust.prepare(X, w)
    MMD(bandwidth=1.0)(state["base"], Y, v)  # fills the cache, as a fit does
    value = robust(state, Y, v)
    swapped = MMD(bandwidth=1.0).prepare(Y, v)
    moved = worst_case_rows(
        lambda Z: MMD(bandwidth=1.0)(swapped, Z, w), X, 0.4, "l2", 3
    )
    plain = MMD(bandwidth=1.0)
    expected = plain(plain.prepare(moved, w), Y, v)
    np.testing.assert_allclose(float(value), float(expected), rtol=1e-10)


@pytest.mark.parametrize("norm, order", [("l2", 2), ("linf", np.inf)])
def test_perturbations_stay_in_the_ball(norm, order):
    X = _tensor(np.random.RandomState(3).normal(size=(20, 4)))
    moved = worst_case_rows(lambda Z: (Z**2).sum(), X, 0.25, norm, steps=7)
    sizes = np.linalg.norm((moved - X).numpy(), ord=order, axis=1)
    assert sizes.max() <= 0.25 + 1e-12
    # (x^2).sum() grows fastest straight outwards: every row uses its budget.
    np.testing.assert_allclose(sizes, 0.25, rtol=1e-9)


def test_gradient_reaches_the_synthetic_rows_only():
    rng = np.random.RandomState(4)
    X = _tensor(rng.normal(size=(30, 2))).requires_grad_(True)
    Y = _tensor(rng.normal(size=(6, 2))).requires_grad_(True)
    robust = Adversarial(SlicedWasserstein(n_projections=8), 0.3)
    generator = torch.Generator().manual_seed(0)
    state = robust.prepare(X.detach(), _uniform(30))
    robust(state, Y, _uniform(6), generator=generator).backward()
    assert Y.grad is not None and torch.isfinite(Y.grad).all()
    assert X.grad is None


def test_kernel_ridge_matching_keeps_the_label_columns():
    # Rows are [features | one-hot labels]; only features may move.
    X, y = make_blobs(40, 2, centers=2, random_state=0)
    Z = _tensor(np.column_stack([X, np.eye(2)[y]]))
    Y = Z[::8].clone()
    base = KernelRidgeMatching(n_targets=2)
    robust = Adversarial(base, 0.5)
    state = robust.prepare(Z, _uniform(40))
    objective = robust._inner_objective(state, Z, _uniform(40), Y, _uniform(5), None)
    value = objective(Z[:, :2])
    clean = base(base.prepare(Z, _uniform(40)), Y, _uniform(5))
    np.testing.assert_allclose(float(value), float(clean), rtol=1e-10)
    assert float(robust(state, Y, _uniform(5))) > float(clean)


def test_robust_condenser_fits_and_scores():
    X, y = make_blobs(60, 2, centers=2, random_state=0)
    robust = DiscrepancyCondenser(
        Adversarial(MMD(), 0.5), size=6, max_iter=20, random_state=0, device="cpu"
    ).fit(X, y)
    plain = DiscrepancyCondenser(
        MMD(), size=6, max_iter=20, random_state=0, device="cpu"
    ).fit(X, y)
    assert robust.X_.shape == (6, 2)
    # Measured on the same rows, the worst case is the larger discrepancy.
    assert robust.discrepancy_ > plain.discrepancy_
    np.testing.assert_allclose(-robust.score(X, y), robust.discrepancy_, rtol=1e-4)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epsilon": -1.0}, ValueError, "epsilon must be a finite number"),
        ({"norm": "l1"}, ValueError, "Unknown norm 'l1'"),
        ({"steps": 0}, ValueError, "steps must be an integer"),
        ({"step_size": -0.1}, ValueError, "step_size must be a positive"),
        ({"base": GradientMatching(n_classes=2)}, TypeError, "GradientMatching"),
        ({"base": "mmd"}, TypeError, "base must be a discrepancy"),
    ],
)
def test_adversarial_errors(kwargs, error, match):
    params = {"base": MMD(), "epsilon": 0.1, **kwargs}
    base, epsilon = params.pop("base"), params.pop("epsilon")
    robust = Adversarial(base, epsilon, **params)
    with pytest.raises(error, match=match):
        robust.prepare(_tensor(np.zeros((4, 2))), _uniform(4))


# ----------------------------------------------------------- robust_score
def _brute_force(model, X, y, epsilon, norm):
    """Correct under every point of the ball's surface (a fine circle, or the
    four corners of the box): enough in 2-D for argmax-of-affine models."""
    if norm == "l2":
        angles = np.linspace(0, 2 * np.pi, 7200, endpoint=False)
        offsets = epsilon * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        offsets = epsilon * np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    moved = X[:, None, :] + offsets[None, :, :]  # (n, k, 2)
    pred = model.predict(moved.reshape(-1, 2)).reshape(len(X), -1)
    return np.mean((pred == y[:, None]).all(axis=1) & (model.predict(X) == y))


@pytest.mark.parametrize("norm", ["l2", "linf"])
@pytest.mark.parametrize("centers", [2, 3])
def test_exact_attack_matches_brute_force(norm, centers):
    X, y = make_blobs(120, 2, centers=centers, cluster_std=2.0, random_state=0)
    model = LogisticRegression().fit(X, y)
    for epsilon in (0.0, 0.3, 1.0):
        exact = robust_score(model, X, y, epsilon, norm=norm, attack="exact")
        assert exact == _brute_force(model, X, y, epsilon, norm)
    assert exact < model.score(X, y)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, 5, n_informative=3, random_state=0)
    return X, y


def test_pgd_matches_exact_on_linear_models(binary):
    X, y = binary
    X3, y3 = make_blobs(150, 3, centers=3, cluster_std=2.5, random_state=1)
    for X_, y_ in ((X, y), (X3, y3)):
        model = LogisticRegression().fit(X_, y_)
        for norm in ("l2", "linf"):
            for epsilon in (0.2, 0.6):
                exact = robust_score(model, X_, y_, epsilon, norm=norm)
                pgd = robust_score(model, X_, y_, epsilon, norm=norm, attack="pgd")
                np.testing.assert_allclose(pgd, exact, atol=0.02)


def test_pgd_on_an_mlp_lowers_accuracy_as_epsilon_grows(binary):
    X, y = binary
    with pytest.warns(ConvergenceWarning):
        mlp = MLPClassifier((16,), max_iter=50, random_state=0).fit(X, y)
    scores = [robust_score(mlp, X, y, e) for e in (0.0, 0.25, 0.5, 1.0)]
    assert scores[0] == mlp.score(X, y)
    assert all(a >= b for a, b in zip(scores, scores[1:]))
    assert scores[-1] < scores[0] - 0.2
    # A gradient attack beats random noise of the same size.
    noise = robust_score(mlp, X, y, 0.5, attack="noise", random_state=0)
    assert scores[2] < noise <= scores[0]


def test_torch_module_and_linear_model_agree(binary):
    X, y = binary
    model = LogisticRegression().fit(X, y)
    module = torch.nn.Linear(5, 2)
    with torch.no_grad():
        module.weight.copy_(torch.as_tensor(np.vstack([0 * model.coef_, model.coef_])))
        module.bias.copy_(torch.as_tensor([0.0, model.intercept_[0]]))
    exact = robust_score(model, X, y, 0.4)
    np.testing.assert_allclose(robust_score(module, X, y, 0.4), exact, atol=0.01)
    # The caller's module is left as it was (float32, trainable).
    assert module.weight.dtype == torch.float32 and module.weight.requires_grad


def test_noise_is_the_fallback_for_any_estimator(binary):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = binary
    knn = KNeighborsClassifier().fit(X, y)
    first = robust_score(knn, X, y, 0.5, random_state=0)
    np.testing.assert_allclose(
        first, robust_score(knn, X, y, 0.5, attack="noise", random_state=0)
    )
    assert first <= knn.score(X, y)
    with pytest.raises(TypeError, match="attack='exact' needs a linear"):
        robust_score(knn, X, y, 0.5, attack="exact")
    with pytest.raises(TypeError, match="attack='pgd' needs a model"):
        robust_score(knn, X, y, 0.5, attack="pgd")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"norm": "l1"}, "Unknown norm 'l1'"),
        ({"attack": "fgsm"}, "Unknown attack 'fgsm'"),
        ({"epsilon": -0.1}, "epsilon must be a finite number"),
        ({"steps": 0}, "steps must be an integer"),
    ],
)
def test_robust_score_errors(binary, kwargs, match):
    X, y = binary
    model = LogisticRegression().fit(X, y)
    params = {"epsilon": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        robust_score(model, X, y, **params)


def test_robust_score_refuses_text_columns_and_names_the_fix(binary):
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = binary
    frame = pd.DataFrame(X[:, :2], columns=["a", "b"]).assign(
        kind=np.where(X[:, 2] > 0, "up", "down")
    )
    encode = make_column_transformer(
        (OneHotEncoder(sparse_output=False), ["kind"]), remainder="passthrough"
    )
    model = make_pipeline(encode, LogisticRegression()).fit(frame, y)
    with pytest.raises(ValueError, match="non-numeric columns 'kind', and robust"):
        robust_score(model, frame, y, 0.1)
    # The fix the message names: the encoded features and the last step.
    encoded = model[:-1].transform(frame)
    assert robust_score(model[-1], encoded, y, 0.0) == model.score(frame, y)


def test_pgd_attacks_a_pipeline_in_the_raw_units(binary):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = binary
    X = X * np.array([1, 10, 0.1, 1, 1])  # features on different scales
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    # A linear model of the scaled data is linear in the raw data too: the
    # exact attack on the folded coefficients is the reference.
    scaler, model = pipe[0], pipe[-1]
    folded = LogisticRegression().fit(X, y)
    folded.coef_ = model.coef_ / scaler.scale_
    folded.intercept_ = model.intercept_ - folded.coef_ @ scaler.mean_
    exact = robust_score(folded, X, y, 0.3)
    np.testing.assert_allclose(robust_score(pipe, X, y, 0.3), exact, atol=0.01)


# ------------------------------------------------------- robust KIP switch
def test_kip_robust_epsilon_wraps_kernel_ridge_matching():
    from skdc import KIPCondenser

    X, y = make_blobs(n_samples=[30, 30], n_features=3, random_state=0)
    params = {"size": 6, "max_iter": 20, "random_state": 0, "device": "cpu"}
    plain = KIPCondenser(**params).fit(X, y)
    robust = KIPCondenser(robust_epsilon=0.5, **params).fit(X, y)
    objective = robust._objective()
    assert isinstance(objective, Adversarial)
    assert isinstance(objective.base, KernelRidgeMatching)
    assert objective.epsilon == 0.5
    # Same start, other objective: the sets part ways; labels stay allocated.
    assert not np.allclose(plain.X_, robust.X_)
    np.testing.assert_array_equal(plain.y_, robust.y_)
    with pytest.raises(ValueError, match="robust_epsilon"):
        KIPCondenser(robust_epsilon=-1.0, **params).fit(X, y)
