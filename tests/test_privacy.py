"""Differential privacy: the mechanism's calibration, the released
embedding's sensitivity, an empirical audit of the guarantee, and
PrivateMMDCondenser's refusals of everything that would read data unpaid."""

import functools
import math
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import binomtest
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression

from skdc import MMDCondenser, PrivateMMDCondenser
from skdc.condensers import private as private_module
from skdc.privacy import (
    ROW_SENSITIVITY,
    LabelledFeatureMMD,
    audit,
    gaussian_delta,
    gaussian_mechanism,
    gaussian_sigma,
    labelled_embedding,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"size": 12, "max_iter": 60, "n_features": 64, "device": "cpu"}


def _blobs(n=120, d=3, seed=0):
    """Three standardised-scale classes inside the default bounds."""
    X, y = make_blobs(
        n_samples=n, n_features=d, centers=3, cluster_std=0.4, random_state=seed
    )
    X = (X - X.mean(0)) / X.std(0)
    return np.clip(X, -2.9, 2.9), y


# ------------------------------------------------------- Gaussian mechanism
@pytest.mark.parametrize("epsilon", [0.05, 0.5, 1.0, 4.0, 30.0, 500.0])
@pytest.mark.parametrize("delta", [1e-2, 1e-6, 1e-12])
def test_sigma_meets_the_exact_condition_with_equality(epsilon, delta):
    sigma = gaussian_sigma(epsilon, delta, sensitivity=0.3)
    np.testing.assert_allclose(gaussian_delta(sigma, epsilon, 0.3), delta, rtol=1e-8)
    # Smallest: a little less noise breaks the guarantee.
    assert gaussian_delta(sigma * (1 - 1e-6), epsilon, 0.3) > delta


def test_sigma_matches_an_independent_high_precision_solution():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40

    def exact_delta(sigma, eps):  # sensitivity 1
        a, b = 1 / (2 * sigma), eps * sigma
        return mpmath.ncdf(a - b) - mpmath.exp(eps) * mpmath.ncdf(-a - b)

    for eps, delta in [(0.1, 1e-5), (1.0, 1e-5), (8.0, 1e-8)]:
        # Bisection in mpmath: shares no code with gaussian_sigma.
        low, high = mpmath.mpf("1e-3"), mpmath.mpf(1e4)
        for _ in range(200):
            mid = (low + high) / 2
            low, high = (mid, high) if exact_delta(mid, eps) > delta else (low, mid)
        np.testing.assert_allclose(gaussian_sigma(eps, delta), float(high), rtol=1e-9)


def test_sigma_beats_the_classical_bound_and_scales_with_sensitivity():
    for eps in (0.1, 0.5, 0.9):
        classical = math.sqrt(2 * math.log(1.25 / 1e-5)) / eps
        assert gaussian_sigma(eps, 1e-5) < classical
    np.testing.assert_allclose(
        gaussian_sigma(1.0, 1e-5, 7.0), 7.0 * gaussian_sigma(1.0, 1e-5), rtol=1e-10
    )
    sigmas = [gaussian_sigma(eps, 1e-5) for eps in (0.5, 1, 2, 8, 100)]
    assert np.all(np.diff(sigmas) < 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epsilon": 0, "delta": 1e-5}, "epsilon must be a positive"),
        ({"epsilon": math.inf, "delta": 1e-5}, "epsilon must be a positive"),
        ({"epsilon": 1, "delta": 0}, r"delta must be in \(0, 1\)"),
        ({"epsilon": 1, "delta": 1.0}, r"delta must be in \(0, 1\)"),
        ({"epsilon": 1, "delta": 1e-5, "sensitivity": -1}, "sensitivity must be"),
    ],
)
def test_sigma_rejects_bad_privacy_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gaussian_sigma(**kwargs)


def test_gaussian_delta_rejects_bad_sigma():
    with pytest.raises(ValueError, match="sigma must be a positive"):
        gaussian_delta(0.0, 1.0)


# ------------------------------------------------------------- sensitivity
def _embedding(X, y, omega, n_classes=3):
    X = torch.as_tensor(X, dtype=torch.float64)
    labels = torch.as_tensor(np.eye(n_classes)[y])
    w = torch.full((len(X),), 1.0 / len(X), dtype=torch.float64)
    return labelled_embedding(X, labels, w, omega).numpy()


def _omega(d=3, n_features=16, seed=0, bandwidth=1.0):
    params = LabelledFeatureMMD(bandwidth, n_features, 0).frequencies(
        d, torch.Generator().manual_seed(seed), torch.zeros(0, dtype=torch.float64)
    )
    return params["omega"]


def _antipodal(x, omega, steps=300, starts=8):
    """A row whose features point as far from x's as gradient descent finds
    from several starts: the adversarial replacement within a class."""
    x = torch.as_tensor(x, dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    best, best_value = None, np.inf
    for _ in range(starts):
        start = torch.randn(x.shape, generator=generator, dtype=x.dtype)
        z = (x + start).requires_grad_(True)
        opt = torch.optim.Adam([z], lr=0.1)
        for _ in range(steps):
            opt.zero_grad()
            value = ((z - x) @ omega).cos().mean()  # phi(x).phi(z), to minimise
            value.backward()
            opt.step()
        value = float(((z.detach() - x) @ omega).cos().mean())
        if value < best_value:
            best, best_value = z.detach().numpy(), value
    return best


def test_replacing_one_row_moves_the_embedding_by_at_most_sqrt2_over_n():
    rng = np.random.RandomState(0)
    n, bound = 40, ROW_SENSITIVITY / 40
    omega = _omega()
    worst = 0.0
    for trial in range(30):
        X, y = rng.normal(size=(n, 3)) * 3, rng.randint(3, size=n)
        i = rng.randint(n)
        X2, y2 = X.copy(), y.copy()
        if trial % 3 == 0:  # adversarial, same class
            X2[i] = _antipodal(X[i], omega, steps=60)
        elif trial % 3 == 1:  # another class, any row
            X2[i], y2[i] = rng.normal(size=3) * 10, (y[i] + 1) % 3
        else:  # a random row of a random class
            X2[i], y2[i] = rng.normal(size=3) * 3, rng.randint(3)
        change = np.linalg.norm(_embedding(X, y, omega) - _embedding(X2, y2, omega))
        worst = max(worst, change)
    assert worst <= bound * (1 + 1e-12)
    assert worst <= 2 / n
    # Moving a row to another class attains the bound exactly.
    X2, y2 = X.copy(), y.copy()
    y2[0] = (y[0] + 1) % 3
    change = np.linalg.norm(_embedding(X, y, omega) - _embedding(X2, y2, omega))
    np.testing.assert_allclose(change, bound, rtol=1e-12)


def test_adversarial_row_within_a_class_approaches_the_bound():
    # The search finds rows whose features nearly oppose: the bound is tight.
    omega = _omega(n_features=4)
    X = np.zeros((10, 3))
    X2 = X.copy()
    X2[0] = _antipodal(X[0], omega)
    y = np.zeros(10, dtype=int)
    change = np.linalg.norm(_embedding(X, y, omega) - _embedding(X2, y, omega))
    assert 0.9 * ROW_SENSITIVITY / 10 < change <= ROW_SENSITIVITY / 10 * (1 + 1e-12)


# ----------------------------------------------------------- empirical audit
@functools.lru_cache(maxsize=1)
def _released_statistics(epsilon=1.0, delta=1e-3, draws=10000):
    """The mechanism run ``draws`` times on two neighbouring data sets, each
    release projected on the direction in which they differ (the set of
    outcomes where the privacy loss is largest lies along it)."""
    omega = _omega(n_features=8)
    X, y = _blobs(n=50)
    X2, y2 = X.copy(), y.copy()
    y2[0] = (y[0] + 1) % 3  # attains the sensitivity bound
    exact, exact2 = _embedding(X, y, omega), _embedding(X2, y2, omega)
    direction = (exact - exact2).ravel()
    direction /= np.linalg.norm(direction)
    sensitivity = ROW_SENSITIVITY / 50
    rng = np.random.RandomState(0)
    stats = np.empty((2, draws))
    for k, value in enumerate((exact, exact2)):
        for i in range(draws):
            noisy, sigma = gaussian_mechanism(value, epsilon, delta, sensitivity, rng)
            stats[k, i] = noisy.ravel() @ direction
    centres = (exact.ravel() @ direction, exact2.ravel() @ direction)
    return stats, centres, sigma


def _audit_violation(noise_factor, epsilon=1.0, delta=1e-3):
    """Largest z-score of P[M(D) in S] - e^eps P[M(D') in S] - delta over
    sets S = {s > t}; the noise is scaled by ``noise_factor`` around the
    exact values (the same draws, so only the scale differs)."""
    (s, s2), (centre, centre2), sigma = _released_statistics(epsilon, delta)
    s = centre + noise_factor * (s - centre)
    s2 = centre2 + noise_factor * (s2 - centre2)
    draws, worst = len(s), -np.inf
    for t in centre2 + sigma * noise_factor * np.linspace(-1, 4, 11):
        p, p2 = np.mean(s > t), np.mean(s2 > t)
        se = math.sqrt((p * (1 - p) + math.exp(2 * epsilon) * p2 * (1 - p2)) / draws)
        gap = p - math.exp(epsilon) * p2 - delta
        worst = max(worst, gap / max(se, 1e-12))
    return worst


def test_released_statistic_stays_within_the_dp_bound():
    # Within 4 standard errors on every set: consistent with (eps, delta)-DP.
    assert _audit_violation(noise_factor=1.0) < 4.0


def test_the_audit_catches_noise_a_factor_two_too_small():
    assert _audit_violation(noise_factor=0.5) > 4.0


# ------------------------------------------------------ the private condenser
def test_fit_releases_with_the_analytic_sigma_and_default_delta():
    X, y = _blobs()
    model = PrivateMMDCondenser(epsilon=0.5, random_state=0, **FAST).fit(X, y)
    n = len(X)
    np.testing.assert_allclose(model.delta_, 1 / n**1.1)
    assert model.delta_ < 1 / n
    assert model.epsilon_ == 0.5
    np.testing.assert_allclose(model.sensitivity_, math.sqrt(2) / n)
    expected = gaussian_sigma(0.5, model.delta_, math.sqrt(2) / n) / (math.sqrt(2) / n)
    np.testing.assert_allclose(model.noise_multiplier_, expected)
    given = PrivateMMDCondenser(delta=1e-7, random_state=0, **FAST).fit(X, y)
    assert given.delta_ == 1e-7
    assert not hasattr(given, "_release")


def test_synthetic_rows_stay_in_the_public_bounds():
    X, y = _blobs()
    bounds = ([-1.0, -0.5, -2.0], 0.5)
    model = PrivateMMDCondenser(bounds=bounds, random_state=0, **FAST).fit(X, y)
    assert (model.X_ >= np.array(bounds[0])).all() and (model.X_ <= 0.5).all()
    assert model.X_.shape == (12, 3)
    assert sorted(model.allocation_) == [0, 1, 2]
    assert sum(model.allocation_.values()) == 12


def test_loop_never_sees_real_rows():
    X, y = _blobs()
    seen = []
    real = private_module.optimise

    def spy(discrepancy, state, X_loop, *args, **kwargs):
        seen.append(tuple(X_loop.shape))
        return real(discrepancy, state, X_loop, *args, **kwargs)

    with mock.patch.object(private_module, "optimise", spy):
        PrivateMMDCondenser(random_state=0, **FAST).fit(X, y)
    assert seen == [(0, 3 + 3)]  # no rows: features and one-hot columns only


def test_discrepancy_is_measured_against_the_release_not_the_data():
    X, y = _blobs()
    # Almost no noise: the release is the data's embedding, both agree.
    loose = PrivateMMDCondenser(epsilon=1e6, random_state=0, **FAST).fit(X, y)
    np.testing.assert_allclose(loose.discrepancy_, -loose.score(X, y), rtol=1e-3)
    # Strong noise: the loss against the release is mostly noise, far from
    # the discrepancy to the training rows.
    tight = PrivateMMDCondenser(epsilon=0.05, random_state=0, **FAST).fit(X, y)
    assert tight.discrepancy_ > 10 * -tight.score(X, y)


def test_high_epsilon_keeps_utility():
    X, y = _blobs(n=300, seed=1)
    X_test, y_test = _blobs(n=300, seed=1)
    model = PrivateMMDCondenser(epsilon=8.0, random_state=0, **FAST).fit(X, y)
    accuracy = LogisticRegression().fit(model.X_, model.y_).score(X_test, y_test)
    assert accuracy >= 0.9


def test_unsupervised_and_pandas():
    X, _ = _blobs()
    model = PrivateMMDCondenser(random_state=0, **FAST)
    X_s, y_s = model.fit_resample(pd.DataFrame(X, columns=["a", "b", "c"]))
    assert list(X_s.columns) == ["a", "b", "c"] and y_s is None
    assert model.allocation_ == {None: 12}
    score = model.score(pd.DataFrame(X, columns=["a", "b", "c"]))
    assert np.isfinite(score) and score <= 0


def test_no_synthetic_row_copies_or_favours_training_rows_beyond_the_bound():
    # Members and non-members from one distribution.  Swapping a member for
    # a non-member is one replacement, so epsilon-DP lets a synthetic row's
    # nearest real row be a member with odds at most e^epsilon: a share of at
    # most e/(1 + e) = 0.73 at epsilon = 1 (0.5 would be no signal at all;
    # one seed measured 0.68, twelve averaged 0.57, so the test pools seeds
    # and checks the bound, not the absence of any signal).
    X, y = _blobs(n=400, seed=3)
    members, holdout = np.arange(0, 400, 2), np.arange(1, 400, 2)
    pool = np.vstack([X[members], X[holdout]])
    bound = np.e / (1 + np.e)

    def member_hits(model):
        distances = np.linalg.norm(model.X_[:, None] - pool[None], axis=2)
        return distances, int((distances.argmin(1) < 200).sum())

    hits = 0
    for seed in range(4):
        model = PrivateMMDCondenser(
            epsilon=1.0, random_state=seed, **{**FAST, "size": 60}
        ).fit(X[members], y[members])
        distances, found = member_hits(model)
        assert distances[:, :200].min() > 1e-6  # no copies
        hits += found
    assert binomtest(hits, 240, bound, alternative="greater").pvalue > 0.01
    # The check can fail: a plain condenser started from member rows does.
    plain = MMDCondenser(
        size=60, init="random_real", max_iter=1, random_state=0, device="cpu"
    ).fit(X[members], y[members])
    _, found = member_hits(plain)
    assert binomtest(found, 60, bound, alternative="greater").pvalue < 0.01


def _rows_near_canary(make, with_canary, seeds=range(6)):
    """Synthetic rows within 1 of an outlying training row (the canary), summed
    over seeds; without the canary, a typical row takes its place."""
    X, y = _blobs(n=200, seed=3)
    canary = np.array([2.8, -2.8, 2.8])  # every other row is over 4 away
    extra = canary if with_canary else X[0]
    X, y = np.vstack([X, extra]), np.r_[y, 0]
    near = 0
    for seed in seeds:
        model = make(seed).fit(X, y)
        near += int((np.linalg.norm(model.X_ - canary, axis=1) < 1.0).sum())
    return near


def test_an_outlying_training_row_is_not_reproduced():
    # The private set lands near the canary no more often than without it
    # (rows parked at the corner of the box, by chance, count in both).
    def private(seed):
        return PrivateMMDCondenser(random_state=seed, **{**FAST, "size": 60})

    assert _rows_near_canary(private, True) <= _rows_near_canary(private, False)

    # The check can fail: a set started from real rows copies the canary.
    def plain(seed):
        return MMDCondenser(size=60, max_iter=1, random_state=seed, device="cpu")

    assert _rows_near_canary(plain, True) > _rows_near_canary(plain, False)


# ------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    "params, match",
    [
        ({"init": "random_real"}, "init='random_real' starts from the data"),
        ({"init": "kmeans"}, "init='kmeans' starts from the data"),
        ({"bandwidth": "median"}, "bandwidth='median' is the median distance"),
        ({"missing": "impute"}, "missing='impute' fills gaps"),
        ({"bounds": (-1.0, 1.0, 2.0)}, "bounds must be"),
        ({"bounds": (1.0, -1.0)}, "bounds must be"),
        ({"bounds": ([0.0, 0.0], 1.0)}, "bounds must be"),
        ({"bounds": (-np.inf, 1.0)}, "bounds must be"),
    ],
)
def test_options_that_read_data_unpaid_raise(params, match):
    X, y = _blobs()
    with pytest.raises(ValueError, match=match):
        PrivateMMDCondenser(**params, **FAST).fit(X, y)


def test_sample_weight_raises():
    X, y = _blobs()
    weight = np.ones(len(y))
    weight[0] = 2.0
    with pytest.raises(ValueError, match="does not take unequal sample_weight"):
        PrivateMMDCondenser(**FAST).fit(X, y, sample_weight=weight)
    # Equal weights are no weights.
    equal = PrivateMMDCondenser(random_state=0, **FAST).fit(X, y, np.full(len(y), 3))
    plain = PrivateMMDCondenser(random_state=0, **FAST).fit(X, y)
    np.testing.assert_array_equal(equal.X_, plain.X_)


def test_regression_target_raises():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="continuous y would need a public scale"):
        PrivateMMDCondenser(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_table_encoding_raises():
    X, y = _blobs()
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        kind=np.where(y == 0, "p", "q")
    )
    with pytest.raises(ValueError, match="preprocessor='auto' would fit an encoder"):
        PrivateMMDCondenser(preprocessor="auto", **FAST).fit(frame, y)
    # The default (None) names the column and points at public encoding, not
    # at preprocessor="auto", which raises above.
    with pytest.raises(ValueError, match="non-numeric columns 'kind'; encoding") as e:
        PrivateMMDCondenser(**FAST).fit(frame, y)
    assert "preprocessor='auto'" not in str(e.value)
    # Booleans are numbers to it: they condense as 0/1 without an encoder.
    flags = frame.drop(columns="kind").assign(flag=y == 0)
    X_s, _ = PrivateMMDCondenser(**FAST).fit_resample(flags, y)
    assert X_s["flag"].dtype == bool


# ----------------------------------------------------------------- audit
def test_audit_flags_copies_and_passes_fresh_rows():
    rng = np.random.RandomState(0)
    train, holdout = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    copies = audit(train, holdout, train[:100])
    assert copies["synthetic_copies"] == 1.0
    assert copies["dcr_synthetic_median"] == 0.0 and copies["dcr_ratio_median"] == 0
    # A third of the members sit at distance 0 from the set: AUC 1/2 + 1/6.
    np.testing.assert_allclose(copies["mia_auc"], 0.5 + 1 / 6, atol=0.03)
    fresh = audit(train, holdout, rng.normal(size=(100, 4)))
    assert fresh["synthetic_copies"] == 0.0
    np.testing.assert_allclose(fresh["mia_auc"], 0.5, atol=0.05)
    np.testing.assert_allclose(fresh["dcr_ratio_median"], 1.0, atol=0.2)
    assert set(fresh) == {
        "dcr_synthetic_median",
        "dcr_synthetic_p5",
        "dcr_holdout_median",
        "dcr_holdout_p5",
        "dcr_ratio_median",
        "dcr_ratio_p5",
        "synthetic_copies",
        "mia_auc",
    }


def test_audit_rejects_mismatched_or_tiny_inputs():
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="must have the same columns"):
        audit(rng.normal(size=(5, 2)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    with pytest.raises(ValueError, match="at least 2 training and 2 holdout"):
        audit(rng.normal(size=(1, 2)), rng.normal(size=(5, 2)), rng.normal(size=(5, 2)))
