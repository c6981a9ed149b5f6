"""Scale: dask input, a distributed cluster, memory without N x N, the GPU.

Speed itself is measured in benchmarks/scale.py, not here.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

import skdc._dask
import skdc.discrepancy.rff
from skdc import MMDCondenser, PrivateMMDCondenser, WassersteinCondenser
from skdc._backend import as_tensor
from skdc._optimize import _WINDOW, optimise
from skdc.discrepancy import MMD, RandomFeatureMMD, SlicedWasserstein
from skdc.discrepancy.rff import fourier_features

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"size": 12, "max_iter": 30, "random_state": 0, "device": "cpu"}
CONDENSERS = {
    "MMD": lambda **kw: MMDCondenser(**{**FAST, **kw}),
    "MMD-rff": lambda **kw: MMDCondenser(
        features="rff", n_features=128, **{**FAST, **kw}
    ),
    "Wasserstein-sliced": lambda **kw: WassersteinCondenser(
        method="sliced", n_projections=16, **{**FAST, **kw}
    ),
}


def _data(counts=(600, 300, 100), n_features=4, seed=0):
    X, y = make_blobs(n_samples=list(counts), n_features=n_features, random_state=seed)
    return X, y


# ------------------------------------------------------------------- dask
@pytest.mark.parametrize("name", sorted(CONDENSERS))
def test_dask_array_gives_the_numpy_result(name):
    da = pytest.importorskip("dask.array")
    X, y = _data()
    expected = CONDENSERS[name]().fit(X, y)
    # Chunks that split classes: classes fit in memory, so the dask fit is
    # the NumPy fit on the same rows in the same order: equal, not close.
    got = CONDENSERS[name]().fit(da.from_array(X, chunks=170), da.from_array(y, 170))
    np.testing.assert_array_equal(got.X_, expected.X_)
    np.testing.assert_array_equal(got.y_, expected.y_)
    assert got.discrepancy_ == expected.discrepancy_


def test_dask_dataframe_in_pandas_out():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(d=lambda f: f.d > 0)
    expected_X, expected_y = CONDENSERS["MMD"]().fit_resample(frame, pd.Series(y))
    got_X, got_y = CONDENSERS["MMD"]().fit_resample(
        dd.from_pandas(frame, npartitions=3), dd.from_pandas(pd.Series(y), 3)
    )
    assert list(got_X.columns) == ["a", "b", "c", "d"]
    assert got_X["d"].dtype == bool
    pd.testing.assert_frame_equal(got_X, expected_X)
    np.testing.assert_array_equal(got_y.to_numpy(), expected_y.to_numpy())


@pytest.mark.parametrize("kind", ["text", "dates"])
def test_dask_dataframe_with_text_column_raises(kind):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    if kind == "text":
        colour = list("rgbrgb")
    else:  # pandas tables take dates; dask input is read as NumPy numbers
        colour = pd.date_range("2024-01-01", periods=6)
    frame = pd.DataFrame({"x": np.arange(6.0), "colour": colour})
    with pytest.raises(ValueError, match=r"non-numeric columns \['colour'\]"):
        MMDCondenser(**{**FAST, "size": 2}).fit(
            dd.from_pandas(frame, npartitions=2), np.arange(6) % 2
        )


@pytest.mark.parametrize("weighted", [False, True])
def test_dask_rff_reads_every_row_of_large_classes(monkeypatch, weighted):
    """Classes above SAMPLE_ROWS: the RFF mean embedding is still the one of
    all the class's rows, and the allocation follows the full counts."""
    da = pytest.importorskip("dask.array")
    monkeypatch.setattr(skdc._dask, "SAMPLE_ROWS", 150)
    X, y = _data(counts=(900, 300, 100))
    w = np.random.RandomState(1).uniform(0.5, 2, len(y)) if weighted else None
    condenser = CONDENSERS["MMD-rff"]().fit(
        da.from_array(X, chunks=256), y, sample_weight=w
    )
    w = np.ones(len(y)) if w is None else w
    # Proportional to 900/300/100 rows ({0: 7, 1: 3, 2: 2}), not to the
    # 150/150/100 sampled ({0: 5, 1: 4, 2: 3}).
    assert condenser.allocation_ == CONDENSERS["MMD-rff"]().fit(X, y).allocation_
    assert condenser.allocation_ == {0: 7, 1: 3, 2: 2}
    # discrepancy_ measures the synthetic rows against the full-data
    # embedding: recompute it in memory from every row (float32 sums).
    total = 0.0
    for k, params in enumerate(condenser._group_params):
        omega = torch.as_tensor(params["omega"], dtype=torch.float64)
        wk = torch.as_tensor(w[y == k] / w[y == k].sum())
        real = wk @ fourier_features(torch.as_tensor(X[y == k]), omega)
        rows = condenser.X_[condenser.y_ == k]
        syn = fourier_features(torch.as_tensor(rows), omega).mean(0)
        total += w[y == k].sum() / w.sum() * float(((real - syn) ** 2).sum())
    np.testing.assert_allclose(condenser.discrepancy_, total, rtol=1e-4)


@pytest.mark.parametrize(
    "options, atol, rtol",
    [
        ({"features": "rff", "n_features": 64}, 1e-4, 1e-4),
        ({}, 1e-3, 1e-2),
        ({"bandwidth": ("median", [0.5, 1.0])}, 1e-3, 1e-2),
    ],
    ids=["rff", "exact", "exact multi-scale"],
)
def test_stacked_groups_give_the_looped_result(monkeypatch, options, atol, rtol):
    # MMD optimises small classes in one stack (per-class step sizes and
    # stopping); classes of unequal sizes are padded, synthetic rows with
    # weight zero and, for the exact kernels, real rows too.  The sums run
    # in another order, and float32 rounding grows over the exact kernels'
    # hundreds of steps: hence their looser tolerance.
    import skdc._base

    X, y = _data(counts=(300, 120, 60))
    kwargs = {**options, "size": 20, "random_state": 0}
    calls = []

    def counted(*args, **kw):
        calls.append(args[4].shape)  # Y0
        return optimise(*args, **kw)

    monkeypatch.setattr(skdc._base, "optimise", counted)
    stacked = MMDCondenser(**kwargs).fit(X, y)
    assert calls == [(3, 12, 4)]  # one optimisation, padded to 12 rows
    monkeypatch.setattr(MMDCondenser, "_stack_groups", False)
    looped = MMDCondenser(**kwargs).fit(X, y)
    assert calls[1:] == [(12, 4), (5, 4), (3, 4)]
    assert stacked.allocation_ == looped.allocation_ == {0: 12, 1: 5, 2: 3}
    np.testing.assert_array_equal(stacked.n_iter_, looped.n_iter_)
    np.testing.assert_allclose(stacked.X_, looped.X_, atol=atol)
    for a, b in zip(stacked.history_, looped.history_):
        np.testing.assert_allclose(a, b, rtol=rtol)
    assert stacked.discrepancy_ == pytest.approx(looped.discrepancy_, rel=1e-3)


@pytest.mark.parametrize(
    "options, stacked", [({}, True), ({"features": "rff", "n_features": 64}, False)]
)
def test_stacking_limit_is_the_objectives(monkeypatch, options, stacked):
    # 60 rows x 40 columns a class: 2,400 synthetic numbers, above the base
    # limit (2,048) that random-feature MMD keeps, below exact MMD's own.
    import skdc._base

    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((300, 40)), np.repeat([0, 1, 2], 100)
    calls = []

    def counted(*args, **kw):
        calls.append(args[4].shape)  # Y0
        return optimise(*args, **kw)

    monkeypatch.setattr(skdc._base, "optimise", counted)
    MMDCondenser(size=180, max_iter=10, random_state=0, **options).fit(X, y)
    assert calls == ([(3, 60, 40)] if stacked else [(60, 40)] * 3)


def test_dask_summarised_classes_are_stacked(monkeypatch):
    # Classes summarised through dask (full-data embeddings) are optimised
    # in one stack too, with the looped result.
    import skdc._base

    da = pytest.importorskip("dask.array")
    monkeypatch.setattr(skdc._dask, "SAMPLE_ROWS", 150)
    X, y = _data(counts=(900, 300, 100))
    calls = []

    def counted(*args, **kw):
        calls.append(args[4].shape)  # Y0
        return optimise(*args, **kw)

    monkeypatch.setattr(skdc._base, "optimise", counted)
    fit = lambda: CONDENSERS["MMD-rff"]().fit(da.from_array(X, chunks=256), y)  # noqa: E731
    stacked = fit()
    assert calls == [(3, 7, 4)]
    monkeypatch.setattr(MMDCondenser, "_stack_groups", False)
    looped = fit()
    assert calls[1:] == [(7, 4), (3, 4), (2, 4)]
    np.testing.assert_array_equal(stacked.n_iter_, looped.n_iter_)
    np.testing.assert_allclose(stacked.X_, looped.X_, atol=1e-4)


def test_dask_private_condenser_reads_every_row_or_refuses(monkeypatch):
    # Its release must see every row: small classes are read whole (the
    # in-memory fit), larger ones are refused, never sampled.
    da = pytest.importorskip("dask.array")
    X, y = _data(counts=(120, 80, 60))
    X = np.clip(X / np.abs(X).max(), -1, 1)
    kwargs = {"size": 9, "max_iter": 30, "n_features": 32, "random_state": 0}
    lazy = PrivateMMDCondenser(**kwargs).fit(da.from_array(X, chunks=64), y)
    eager = PrivateMMDCondenser(**kwargs).fit(X, y)
    np.testing.assert_array_equal(lazy.X_, eager.X_)
    assert lazy.epsilon_ == eager.epsilon_
    monkeypatch.setattr(skdc._dask, "SAMPLE_ROWS", 100)
    with pytest.raises(ValueError, match="reads every row.*X.compute"):
        PrivateMMDCondenser(**kwargs).fit(da.from_array(X, chunks=64), y)


def test_dask_other_objectives_fit_a_weighted_sample(monkeypatch):
    da = pytest.importorskip("dask.array")
    monkeypatch.setattr(skdc._dask, "SAMPLE_ROWS", 150)
    X, y = _data(counts=(900, 300, 100))
    condenser = CONDENSERS["MMD"]().fit(da.from_array(X, chunks=256), y)
    assert condenser.allocation_ == {0: 7, 1: 3, 2: 2}
    assert condenser.n_features_in_ == 4
    # Synthetic rows stay inside each class's observed range.
    for k in range(3):
        rows = condenser.X_[condenser.y_ == k]
        assert (rows >= X[y == k].min(0) - 1e-9).all()
        assert (rows <= X[y == k].max(0) + 1e-9).all()


# ----------------------------------------------------------- distributed
@pytest.mark.distributed
def test_joblib_dask_backend_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    joblib = pytest.importorskip("joblib")
    X, y = _data()
    expected = CONDENSERS["MMD-rff"]().fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_backend("dask"):
                got = CONDENSERS["MMD-rff"]().fit(X, y)
        ran_on = {t["worker"] for t in tasks.data}
        cluster_workers = set(client.scheduler_info()["workers"])
        # dask input is read by the client's scheduler, i.e. the cluster.
        chunked = CONDENSERS["MMD-rff"]().fit(da.from_array(X, chunks=250), y)
    assert ran_on and ran_on <= cluster_workers
    # Same seeds, same arithmetic; float32 sums in other processes (and other
    # thread counts) may differ in the last bits (3e-7 was seen under load).
    np.testing.assert_allclose(got.X_, expected.X_, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(chunked.X_, expected.X_, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------- memory
def test_condensing_200k_rows_allocates_no_n_by_n_matrix():
    """Peak resident memory of a fresh process condensing 200,000 rows.

    An N x N float32 matrix would take 160 GB and even one (N, 2048) block
    1.6 GB; the bound is the input, its per-class copies and the fixed-size
    blocks of the kernels (a few tens of MB each).
    """
    script = textwrap.dedent(
        """
        import json, resource, sys
        import numpy as np, torch
        from sklearn.datasets import make_blobs
        from skdc import MMDCondenser, PrivateMMDCondenser, WassersteinCondenser
        torch.set_num_threads(1)
        X, y = make_blobs(200_000, 10, centers=2, random_state=0)
        X = X.astype(np.float32)
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        before, out = peak(), {}
        for name, est in [
            ("mmd", MMDCondenser(size=20, max_iter=5, device="cpu")),
            ("rff", MMDCondenser(size=20, max_iter=5, features="rff",
                                 device="cpu")),
            ("wasserstein", WassersteinCondenser(size=20, max_iter=5,
                                                 device="cpu")),
        ]:
            est.fit(X, y)
            out[name] = peak() - before
        out["input"] = X.nbytes
        print(json.dumps(out))
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    grown = json.loads(result.stdout.strip().splitlines()[-1])
    n = 200_000
    # Measured: about 25 MB (MMD) and 56 MB (RFF's pass) over 8 MB of input.
    budget = 4 * grown["input"] + 128 * 2**20  # 160 MB here
    for name in ("mmd", "rff", "wasserstein"):
        assert grown[name] < budget, (name, grown)
        assert grown[name] < n * n * 4 / 100


# ------------------------------------------------------- host round trips
_SYNCS = ("item", "cpu", "tolist", "numpy", "__bool__", "__float__")


@pytest.mark.parametrize(
    "discrepancy",
    [MMD(), RandomFeatureMMD(n_features=64), SlicedWasserstein(n_projections=8)],
    ids=["mmd", "rff", "sliced"],
)
def test_loop_syncs_with_the_host_once_per_window(monkeypatch, discrepancy):
    """On a GPU every .item()/.cpu() stalls the device: the loop reads the
    loss once per window of steps, not once per step."""
    X = as_tensor(np.random.RandomState(0).normal(size=(300, 3)), "cpu")
    w = torch.full((300,), 1 / 300)
    generator = torch.Generator().manual_seed(0)
    state = discrepancy.prepare(X, w, generator=generator)
    # On the CPU random features take their sines from NumPy (free views, no
    # sync); on a GPU they stay in torch, which is what is counted here.
    monkeypatch.setattr(skdc.discrepancy.rff, "_numpy_trig", lambda x: False)
    calls = []
    for name in _SYNCS:
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    max_iter = 60
    optimise(
        discrepancy,
        state,
        X,
        w,
        X[:5].clone(),
        learn_weights=False,
        lower=X.min(0).values,
        upper=X.max(0).values,
        learning_rate=0.05,
        max_iter=max_iter,
        tol=0.0,
        batch_size=100,
        generator=generator,
    )
    monkeypatch.undo()
    # One read per window, plus the history and the final checks.
    assert len(calls) <= max_iter // _WINDOW + 4, calls


# -------------------------------------------------------------------- GPU
needs_cuda = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


@pytest.mark.parametrize("name", sorted(CONDENSERS))
@needs_cuda[0]
@needs_cuda[1]
def test_cuda_fit_matches_cpu_fit(name):
    X, y = _data()
    cpu = CONDENSERS[name]().fit(X, y)
    gpu = CONDENSERS[name](device="cuda").fit(X, y)
    for attribute in ("X_", "y_", "n_iter_"):
        assert isinstance(getattr(gpu, attribute), np.ndarray)
    # Same start (drawn on the CPU), float32 on both devices; the random
    # draws (minibatches, projections, frequencies) come from the device's
    # own generator, so the paths differ by sampling noise, not by bias:
    # compare the fitted discrepancy, and the points at the data's scale.
    np.testing.assert_allclose(gpu.discrepancy_, cpu.discrepancy_, rtol=0.5, atol=1e-3)
    scale = X.std()
    assert np.abs(gpu.X_ - cpu.X_).mean() < 0.5 * scale


@needs_cuda[0]
@needs_cuda[1]
def test_cuda_rff_pass_matches_cpu():
    """The chunked mean embedding on the GPU equals the CPU one (float32)."""
    from skdc.discrepancy.rff import mean_embedding

    generator = torch.Generator().manual_seed(0)
    X = torch.randn(20_000, 10, generator=generator)
    w = torch.full((20_000,), 1 / 20_000)
    omega = torch.randn(10, 512, generator=generator)
    cpu = mean_embedding(X, w, omega)
    gpu = mean_embedding(X.cuda(), w.cuda(), omega.cuda())
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), atol=1e-5)


@needs_cuda[0]
@needs_cuda[1]
def test_device_auto_uses_cuda_and_returns_numpy():
    X, y = _data()
    condenser = MMDCondenser(**{**FAST, "device": "auto"}).fit(X, y)
    assert condenser._device().type == "cuda"
    assert isinstance(condenser.X_, np.ndarray)


def test_rff_hand_written_gradient_matches_autograd():
    """The RFF loss's backward pass (skdc.discrepancy.rff._EmbeddingGap)
    against autograd through the plain formula, in float64."""
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(200, 3, dtype=torch.float64, generator=generator)
    discrepancy = RandomFeatureMMD(n_features=32)
    state = discrepancy.prepare(
        X, torch.full((200,), 1 / 200, dtype=torch.float64), generator=generator
    )
    Y = X[:6].clone().requires_grad_(True)
    v = torch.softmax(torch.randn(6, dtype=torch.float64, generator=generator), 0)
    v.requires_grad_(True)
    grads = torch.autograd.grad(discrepancy(state, Y, v), (Y, v))
    omega = state["params"]["omega"]
    diff = state["mean"] - v @ fourier_features(Y, omega)
    expected = torch.autograd.grad(diff @ diff, (Y, v))
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)
