"""Fits inside a model search skip discrepancy_ and share their encoding."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_blobs

from skdc import KMeansCentroids, MMDCondenser, RandomSubset, WassersteinCondenser
from skdc._search import _content_key, search_fits, shared


def _blobs():
    return make_blobs(n_samples=[60, 60, 60], n_features=4, random_state=0)


def _table(n=120, seed=0):
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "amount": rng.lognormal(size=n),
            "kind": rng.choice(["a", "b", "c"], size=n),
            "count": rng.poisson(3, size=n),
        }
    )
    return frame, (frame["amount"] > 1).to_numpy().astype(int)


def test_search_fits_leave_discrepancy_nan_and_score_still_measures():
    X, y = _blobs()
    measured = KMeansCentroids(size=9, random_state=0).fit(X, y)
    with search_fits():
        unmeasured = KMeansCentroids(size=9, random_state=0).fit(X, y)
    assert np.isnan(unmeasured.discrepancy_)
    assert_allclose(unmeasured.X_, measured.X_)
    # The bandwidth the fit did not resolve is resolved on the scored rows:
    # on the training rows, the same value.
    assert unmeasured.score(X, y) == pytest.approx(measured.score(X, y))
    # Only inside the block.
    again = KMeansCentroids(size=9, random_state=0).fit(X, y)
    assert again.discrepancy_ == pytest.approx(measured.discrepancy_)
    # Fits that are kept measure, and still share.
    with search_fits(measure=True):
        kept = KMeansCentroids(size=9, random_state=0).fit(X, y)
        other = RandomSubset(size=9, random_state=0).fit(X, y)
    assert kept.discrepancy_ == pytest.approx(measured.discrepancy_)
    assert np.isfinite(other.discrepancy_)


@pytest.mark.filterwarnings("ignore:.*reached max_iter")
@pytest.mark.parametrize("measure", [False, True])
def test_fits_on_the_same_table_share_one_encoder_inside_a_search(measure):
    X, y = _table()
    alone = [
        c.fit(X, y)
        for c in (
            WassersteinCondenser(size=6, max_iter=5, random_state=0),
            RandomSubset(size=6, random_state=0),
        )
    ]
    with search_fits(measure=measure):
        # A copy of the rows, as each of a search's fits gets its own.
        inside = [
            c.fit(X.copy(), y)
            for c in (
                WassersteinCondenser(size=6, max_iter=5, random_state=0),
                RandomSubset(size=6, random_state=0),
            )
        ]
        other = RandomSubset(size=6, random_state=0).fit(X.iloc[1:], y[1:])
    assert inside[0].preprocessor_ is inside[1].preprocessor_
    assert other.preprocessor_ is not inside[0].preprocessor_
    assert alone[0].preprocessor_ is not alone[1].preprocessor_
    # Sharing changes nothing in the sets.
    for a, b in zip(alone, inside):
        pd.testing.assert_frame_equal(a.X_, b.X_)
        assert_array_equal(a.y_, b.y_)


def test_shared_computes_once_per_content_and_never_outside_a_search():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    X = np.arange(12.0).reshape(4, 3)
    assert shared("n", X, compute) == 1 and shared("n", X, compute) == 2
    with search_fits():
        assert shared("n", X, compute) == 3
        assert shared("n", X.copy(), compute) == 3  # same content
        assert shared("other", X, compute) == 4  # another name
        assert shared("n", X + 1, compute) == 5  # other values
        assert shared("n", [[1, 2]], compute) == 6  # not keyed: computed
        assert shared("n", [[1, 2]], compute) == 7
    with search_fits():  # a new search starts empty
        assert shared("n", X, compute) == 8


def test_content_key_tells_values_types_and_columns_apart():
    X, _ = _table()
    key = _content_key(X)
    assert key == _content_key(X.copy())
    changed = X.copy()
    changed.loc[0, "kind"] = "b" if X.loc[0, "kind"] != "b" else "c"
    assert _content_key(changed) != key
    assert _content_key(X.astype({"count": float})) != key
    assert _content_key(X.rename(columns={"count": "n"})) != key
    assert _content_key(X[["kind", "amount", "count"]]) != key
    values = np.arange(6.0).reshape(2, 3)
    assert _content_key(values) != _content_key(values.reshape(3, 2))
    assert _content_key(values) != _content_key(values.astype(np.float32))
    assert _content_key(np.array([["a"]], dtype=object)) is None
    assert _content_key(pd.DataFrame({"cells": [[1], [2]]})) is None


def test_regression_fits_on_the_same_rows_share_the_target_weight(monkeypatch):
    import skdc._base

    calls = []
    weigh = skdc._base.target_weight
    monkeypatch.setattr(
        skdc._base, "target_weight", lambda X, y: calls.append(1) or weigh(X, y)
    )
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=300)
    alone = KMeansCentroids(size=8, random_state=0).fit(X, y)
    with search_fits():
        inside = [
            reducer(size=8, random_state=0).fit(X.copy(), y.copy())
            for reducer in (KMeansCentroids, RandomSubset)
        ]
        RandomSubset(size=8, random_state=0).fit(X, y + 1.0)  # another target
    assert len(calls) == 3  # alone, the shared one, the other target's
    assert_allclose(inside[0]._y_encoding, alone._y_encoding)
    assert_allclose(inside[0].X_, alone.X_)


@pytest.mark.filterwarnings("ignore:.*reached max_iter")
@pytest.mark.parametrize("condenser", [WassersteinCondenser, MMDCondenser])
def test_fits_differing_only_in_match_atoms_share_one_optimisation(
    monkeypatch, condenser
):
    from skdc._base import BaseCondenser

    calls = []
    fit_groups = BaseCondenser._fit_groups
    monkeypatch.setattr(
        BaseCondenser,
        "_fit_groups",
        lambda self, *a: calls.append(self.match_atoms) or fit_groups(self, *a),
    )
    X, y = _table()  # "count" repeats its values: atoms move them

    def fits(settings, max_iter=10, **params):
        return [
            condenser(
                size=12, match_atoms=atoms, max_iter=max_iter, random_state=0, **params
            ).fit(X.copy(), y)
            for atoms in settings
        ]

    alone = fits([True, False])
    assert calls == [True, False]
    with search_fits():
        inside = fits([True, False, "auto"])
        fits([False], max_iter=9)  # another optimisation
        # An object among the parameters: not trusted as a key.
        fits([True, False], allocation={0: 6, 1: 6})
    # False's optimisation is True's; the objects' fits optimise each.
    assert calls[2:] == [True, False, True, False]
    # The same sets as fitted alone, and the atoms still act on each.
    for a, b in zip(alone, inside):
        pd.testing.assert_frame_equal(a.X_, b.X_)
    assert not inside[0].X_["count"].equals(inside[1].X_["count"])
    assert inside[0].X_["count"].isin(X["count"]).all()


@pytest.mark.filterwarnings("ignore:.*reached max_iter")
@pytest.mark.parametrize(
    "make",
    [
        lambda: WassersteinCondenser(size=9, max_iter=10, random_state=0),
        lambda: MMDCondenser(size=9, max_iter=10, random_state=0),
        lambda: KMeansCentroids(size=9, random_state=0),
        lambda: RandomSubset(size=9, random_state=0),
    ],
)
@pytest.mark.parametrize("data", ["blobs", "table", "regression", "no y"])
def test_measure_fit_gives_what_the_fit_would_have_measured(make, data):
    X, y = _table() if data == "table" else _blobs()
    if data == "regression":
        y = X[:, 0] + 0.1 * np.arange(len(X)) / len(X)
    if data == "no y":
        y = None
    w = np.linspace(0.5, 2.0, len(X))
    measured = make().fit(X, y, sample_weight=w)
    with search_fits():
        later = make().fit(X, y, sample_weight=w)
    assert np.isnan(later.discrepancy_)
    later._measure_fit(X, y, sample_weight=w)
    assert later.discrepancy_ > 0
    assert_allclose(later.discrepancy_, measured.discrepancy_, rtol=1e-6)
    # The settings it resolved (a baseline's bandwidth) are the training
    # rows', as the measured fit's: other rows are scored with them.
    assert_allclose(
        later.score(X[::2], None if y is None else y[::2]),
        measured.score(X[::2], None if y is None else y[::2]),
        rtol=1e-6,
    )


def test_measuring_inside_the_search_reuses_the_rows_encoding(monkeypatch):
    from skdc._tabular import TableEncoder

    X, y = _table()
    measured = RandomSubset(size=6, random_state=0).fit(X, y)
    encoded = []
    transform = TableEncoder.transform

    def counted(self, frame):
        encoded.append(len(frame))
        return transform(self, frame)

    with search_fits():
        later = RandomSubset(size=6, random_state=0).fit(X, y)
        monkeypatch.setattr(TableEncoder, "transform", counted)
        later._measure_fit(X.copy(), y)
        assert encoded == [6]  # the set alone: the rows' encoding is kept
        later.score(X.iloc[1:], y[1:])  # other rows are encoded
        assert encoded == [6, 119, 6]
    assert_allclose(later.discrepancy_, measured.discrepancy_, rtol=1e-12)
