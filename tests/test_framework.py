"""The unified framework: herding, feature-mapped discrepancies, DM.

Known answers, not "it runs": herding keeps real rows and beats a random
subset in MMD; a discrepancy on PCA features equals the discrepancy of the
PCA-transformed data; DM matches the means a random subset misses.
"""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.datasets import make_blobs, make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skdc import DiscrepancyCondenser, DistributionMatchingCondenser
from skdc._backend import make_generator, torch_threads
from skdc.discrepancy import MMD, FeatureMapped
from skdc.discrepancy.mapped import random_convnet, random_network, to_torch
from skdc.metrics import mmd
from skdc.selection import KernelHerding, RandomSubset

SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Everything here is tiny: a second thread only adds synchronisation, and
    # on a busy 2-core machine spinning threads make these tests 10-100x
    # slower (the fits pick one thread themselves; the checks here do not).
    with torch_threads(1):
        yield


def _classes(seed=0, n_samples=240, n_features=6):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=4,
        n_classes=3,
        n_clusters_per_class=2,
        random_state=seed,
    )
    return X, y


def _class_mmd(X, y, X_s, y_s, **options):
    """MMD^2 between each class of the set and of the data, class-averaged."""
    return np.mean([mmd(X[y == c], X_s[y_s == c], **options) for c in np.unique(y)])


def _uniform(n, dtype=torch.float64):
    return torch.full((n,), 1.0 / n, dtype=dtype)


# ------------------------------------------------------------ KernelHerding
def test_herding_keeps_real_rows_of_their_class():
    X, y = _classes()
    herding = KernelHerding(size=15, random_state=0).fit(X, y)
    idx = herding.sample_indices_
    assert_allclose(herding.X_, X[idx])
    assert np.array_equal(herding.y_, y[idx])
    assert len(np.unique(idx)) == len(idx) == 15


@pytest.mark.parametrize("seed", SEEDS)
def test_herding_has_lower_mmd_than_random_subset(seed):
    X, y = _classes(seed)
    herding = KernelHerding(size=15, random_state=seed).fit(X, y)
    subset = RandomSubset(size=15, random_state=seed).fit(X, y)
    # Measured: 0.15-0.30 of the random subset's MMD^2 on these data.
    assert _class_mmd(X, y, herding.X_, herding.y_) < 0.5 * _class_mmd(
        X, y, subset.X_, subset.y_
    )


def test_herding_large_class_uses_a_subsample_and_still_beats_random():
    # Above 4096 rows the mean embedding is averaged over a subsample.
    X, _ = make_blobs(n_samples=5000, n_features=2, centers=4, random_state=0)
    herding = KernelHerding(size=20, random_state=0).fit(X)
    subset = RandomSubset(size=20, random_state=0).fit(X)
    assert_allclose(herding.X_, X[herding.sample_indices_])
    assert mmd(X, herding.X_) < 0.5 * mmd(X, subset.X_)


def test_herding_never_picks_rows_of_zero_weight():
    X, y = _classes()
    weight = np.ones(len(X))
    weight[::2] = 0.0
    herding = KernelHerding(size=30, random_state=0).fit(X, y, sample_weight=weight)
    assert (weight[herding.sample_indices_] > 0).all()


def test_herding_linear_kernel_matches_means():
    # With k(x, y) = x.y the greedy step minimises the distance between the
    # means, self term included; a random subset's means are farther off.
    X, y = _classes()
    herding = KernelHerding(size=30, kernel="linear", random_state=0).fit(X, y)
    subset = RandomSubset(size=30, random_state=0).fit(X, y)
    linear = {"kernel": "linear"}
    assert _class_mmd(X, y, herding.X_, herding.y_, **linear) < 0.1 * _class_mmd(
        X, y, subset.X_, subset.y_, **linear
    )


# ------------------------------------------------------------ FeatureMapped
def _transformers(X):
    return {
        "pca": PCA(n_components=3).fit(X),
        "pca-whiten": PCA(n_components=3, whiten=True).fit(X),
        "scaler": StandardScaler().fit(X),
        "scaler-no-mean": StandardScaler(with_mean=False).fit(X),
        "scaler-no-std": StandardScaler(with_std=False).fit(X),
        "pipeline": make_pipeline(StandardScaler(), PCA(3, whiten=True)).fit(X),
        "nystroem": Nystroem(n_components=8, random_state=0).fit(X),
        "nystroem-gamma": Nystroem(gamma=0.3, n_components=8, random_state=0).fit(X),
    }


@pytest.mark.parametrize(
    "name",
    [
        "pca",
        "pca-whiten",
        "scaler",
        "scaler-no-mean",
        "scaler-no-std",
        "pipeline",
        "nystroem",
        "nystroem-gamma",
    ],
)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_to_torch_equals_transform(name, dtype):
    X, _ = _classes()
    X_new = 3.0 * X[:40] + 1.0  # not the rows it was fitted on
    transformer = _transformers(X)[name]
    Xt = torch.as_tensor(X_new, dtype=dtype)
    rtol = 1e-12 if dtype == torch.float64 else 1e-5
    assert_allclose(
        to_torch(transformer, Xt)(Xt).numpy(),
        transformer.transform(X_new),
        rtol=rtol,
        atol=rtol,
    )


def test_feature_mapped_pca_equals_mmd_of_transformed_data():
    X, y = _classes()
    real, syn = X[y == 0], X[y == 1][:10]
    pca = PCA(n_components=3).fit(X)
    objective = FeatureMapped(MMD(), pca)
    Xt, Yt = torch.as_tensor(real), torch.as_tensor(syn)
    state = objective.prepare(Xt, _uniform(len(real)))
    value = objective(state, Yt, _uniform(len(syn)))
    assert_allclose(
        float(value), mmd(pca.transform(real), pca.transform(syn)), rtol=1e-10
    )


def test_feature_mapped_module_is_used_frozen():
    X, _ = _classes()
    Xt = torch.as_tensor(X, dtype=torch.float32)
    net = torch.nn.Linear(X.shape[1], 4)
    objective = FeatureMapped(MMD(kernel="linear"), net)
    Y = Xt[:10].clone().requires_grad_(True)
    state = objective.prepare(Xt, _uniform(len(X), torch.float32))
    objective(state, Y, _uniform(10, torch.float32)).backward()
    assert Y.grad is not None and Y.grad.abs().sum() > 0
    # The user's module is a fixed map, never trained.
    assert net.weight.grad is None


@pytest.mark.parametrize("transformer", [PCA(2), make_pipeline(StandardScaler())])
def test_unfitted_transformer_raises(transformer):
    objective = FeatureMapped(MMD(), transformer)
    X = torch.zeros(5, 3)
    with pytest.raises(NotFittedError, match="fit it first"):
        objective.prepare(X, _uniform(5, X.dtype))


def test_unsupported_feature_maps_raise():
    X = torch.zeros(5, 3)
    w = _uniform(5, X.dtype)
    with pytest.raises(TypeError, match="MinMaxScaler"):
        FeatureMapped(MMD(), MinMaxScaler().fit(X.numpy())).prepare(X, w)
    with pytest.raises(TypeError, match="kernel='rbf' only"):
        polynomial = Nystroem(kernel="poly", n_components=3).fit(X.numpy())
        FeatureMapped(MMD(), polynomial).prepare(X, w)
    with pytest.raises(ValueError, match="Unknown feature_map"):
        FeatureMapped(MMD(), "random_nets").prepare(X, w)
    with pytest.raises(ValueError, match="hidden_sizes"):
        FeatureMapped(MMD(), "random_network", hidden_sizes=(8, 0)).prepare(X, w)


def test_random_network_is_redrawn_at_every_call_on_the_batch():
    X, _ = _classes()
    Xt = torch.as_tensor(X)
    Y, v = Xt[:5], _uniform(5)
    objective = FeatureMapped(MMD(kernel="linear"), "random_network")
    state = objective.prepare(Xt, _uniform(len(X)))
    batch = (Xt[100:164], _uniform(64))
    generator = make_generator(7, Xt.device)
    first = objective(state, Y, v, batch=batch, generator=generator)
    second = objective(state, Y, v, batch=batch, generator=generator)
    assert float(first) != float(second)  # a new network each call

    # Known answer: the squared distance between the mean features of the
    # minibatch and of Y under the first network the generator draws.
    net = random_network(X.shape[1], (128, 128), make_generator(7, Xt.device), Xt)
    expected = net(batch[0]).mean(0) - net(Y).mean(0)  # (128,)
    assert_allclose(float(first), float(expected @ expected), rtol=1e-10)


def test_random_network_default_init_bounds():
    # torch.nn.Linear's default: uniform within 1/sqrt(fan_in), biases too.
    X = torch.eye(4, dtype=torch.float64)
    generator = make_generator(0, X.device)
    net = random_network(4, (128,), generator, X)
    # Row i of the first layer's pre-activation is W[i] + b, |.| <= 2/sqrt(4).
    assert net(X).max() <= 1.0
    assert (net(X) > 0).any() and (net(X) == 0).any()  # ReLU


# ----------------------------------------------- DistributionMatchingCondenser
def _dm(seed, **params):
    params = {"size": 15, "max_iter": 60, "device": "cpu", **params}
    return DistributionMatchingCondenser(random_state=seed, **params)


def _random_network_mmd(X, y, X_s, y_s, n_networks=20):
    """DM's objective in expectation: the linear-kernel MMD^2 of
    random-network features, averaged over classes and many networks."""
    objective = FeatureMapped(MMD(kernel="linear"), "random_network")
    generator = make_generator(123, torch.device("cpu"))
    values = []
    for c in np.unique(y):
        Xt, Yt = torch.as_tensor(X[y == c]), torch.as_tensor(X_s[y_s == c])
        state = objective.prepare(Xt, _uniform(len(Xt)))
        values += [
            float(objective(state, Yt, _uniform(len(Yt)), generator=generator))
            for _ in range(n_networks)
        ]
    return np.mean(values)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", SEEDS)
def test_dm_matches_means_better_than_random_subset(seed):
    X, y = _classes(seed)
    dm = _dm(seed).fit(X, y)
    subset = RandomSubset(size=15, random_state=seed).fit(X, y)
    # Measured ratios to the random subset: 0.03-0.07 on DM's own objective,
    # under 0.01 on the raw means.
    assert _random_network_mmd(X, y, dm.X_, dm.y_) < 0.25 * _random_network_mmd(
        X, y, subset.X_, subset.y_
    )
    linear = {"kernel": "linear"}
    assert _class_mmd(X, y, dm.X_, dm.y_, **linear) < 0.1 * _class_mmd(
        X, y, subset.X_, subset.y_, **linear
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "allocation, expected",
    [
        ("proportional", {0: 7, 1: 5, 2: 3}),
        ("balanced", {0: 5, 1: 5, 2: 5}),
        ({0: 2, 1: 6, 2: 7}, {0: 2, 1: 6, 2: 7}),
    ],
)
def test_dm_gives_every_class_its_allocation(allocation, expected):
    X, y = _classes()
    # 70, 50 and 30 rows: 15 proportional rows split exactly 7, 5, 3.
    keep = np.concatenate(
        [np.flatnonzero(y == c)[:n] for c, n in zip(range(3), (70, 50, 30))]
    )
    X, y = X[keep], y[keep]
    # Minibatches smaller than the classes: a network per step and batch.
    dm = _dm(0, allocation=allocation, batch_size=16, max_iter=20).fit(X, y)
    labels, counts = np.unique(dm.y_, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist())) == expected
    assert dm.allocation_ == expected
    assert dm.X_.shape == (15, X.shape[1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dm_is_discrepancy_condenser_with_feature_mapped_linear_mmd():
    X, y = _classes()
    dm = _dm(0, hidden_sizes=(16,), max_iter=20).fit(X, y)
    literal = DiscrepancyCondenser(
        FeatureMapped(MMD(kernel="linear"), "random_network", hidden_sizes=(16,)),
        size=15,
        max_iter=20,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    assert_allclose(dm.X_, literal.X_)
    assert_allclose(dm.history_[0], literal.history_[0])


def test_dm_rejects_bad_hidden_sizes():
    X, y = _classes()
    with pytest.raises(ValueError, match="hidden_sizes"):
        _dm(0, hidden_sizes=(8, 0)).fit(X, y)


# ----------------------------------------------------------- random ConvNet
def _images(n_per_class=40, seed=0):
    """Two classes of 6x6 images: a bright horizontal or vertical bar."""
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=0.3, size=(2 * n_per_class, 6, 6))
    X[:n_per_class, 2:4, :] += 2.0
    X[n_per_class:, :, 2:4] += 2.0
    return X.reshape(len(X), -1), np.repeat([0, 1], n_per_class)


def test_random_convnet_pools_to_one_pixel_and_reads_rows_in_c_order():
    X, _ = _images()
    Xt = torch.as_tensor(X)
    generator = make_generator(0, Xt.device)
    # 6x6 -> 3x3 -> 1x1 (floor) -> 1x1: 8 channels left, one value each.
    net = random_convnet((6, 6), (4, 4, 8), generator, Xt)
    assert net(Xt).shape == (len(X), 8)
    # A (1, H, W) shape is the same network as (H, W).
    one = random_convnet((6, 6), (4,), make_generator(1, Xt.device), Xt)(Xt)
    same = random_convnet((1, 6, 6), (4,), make_generator(1, Xt.device), Xt)(Xt)
    assert_allclose(one.numpy(), same.numpy())
    # Convolutions see neighbouring pixels: transposing every image changes
    # the features (an MLP on the rows would not care about the layout, but
    # a row reshaped in the wrong order would mix bars of both classes).
    transposed = torch.as_tensor(
        X.reshape(-1, 6, 6).transpose(0, 2, 1).reshape(len(X), -1)
    )
    first = torch.as_tensor(X[:1])
    net = random_convnet((6, 6), (4,), make_generator(2, Xt.device), Xt)
    assert not np.allclose(net(first).numpy(), net(transposed[:1]).numpy())


@pytest.mark.parametrize(
    "image_shape, match",
    [((5, 5), "holds 25 values but the rows have 36"), ((6, 0), "positive"), (6, "")],
)
def test_image_shape_is_checked(image_shape, match):
    X, y = _images()
    with pytest.raises(ValueError, match=match or "image_shape"):
        _dm(0, image_shape=image_shape, max_iter=2).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dm_with_image_shape_matches_convnet_features_better_than_random():
    X, y = _images()
    dm = _dm(0, image_shape=(6, 6), hidden_sizes=(8, 8), size=6, max_iter=80)
    dm.fit(X, y)
    literal = DiscrepancyCondenser(
        FeatureMapped(
            MMD(kernel="linear"),
            "random_network",
            hidden_sizes=(8, 8),
            image_shape=(6, 6),
        ),
        size=6,
        max_iter=80,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    assert_allclose(dm.X_, literal.X_)
    subset = RandomSubset(size=6, random_state=0).fit(X, y)
    # DM's objective in expectation, over fresh networks of the same family.
    objective = literal._objective()
    generator = make_generator(99, torch.device("cpu"))

    def loss(X_s, y_s):
        values = []
        for c in (0, 1):
            Xt = torch.as_tensor(X[y == c], dtype=torch.float32)
            Yt = torch.as_tensor(X_s[y_s == c], dtype=torch.float32)
            state = objective.prepare(Xt, _uniform(len(Xt), torch.float32))
            for _ in range(10):
                v = _uniform(len(Yt), torch.float32)
                values.append(float(objective(state, Yt, v, generator=generator)))
        return np.mean(values)

    assert loss(dm.X_, dm.y_) < 0.5 * loss(subset.X_, subset.y_)
