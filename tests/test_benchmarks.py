"""The benchmark scripts' method names build reducers that fit.

Their figures are measured by running the scripts (benchmarks/README.md);
this only keeps every name that README tells users to pass working.
"""

import importlib.util
import pathlib

import numpy as np
import pytest
from sklearn.datasets import load_iris

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quality = _load("quality")


# Twenty steps check that a name fits, not how well.
@pytest.mark.filterwarnings("ignore:.*reached max_iter")
@pytest.mark.filterwarnings("ignore:.*without their learned weights")
@pytest.mark.parametrize("name", sorted(quality.ALIASES))
def test_quality_alias_fits(name):
    X, y = load_iris(return_X_y=True)
    (reducer,) = quality.make_reducers(
        [name], size=6, allocation="balanced", seed=0, max_iter=20
    ).values()
    X_s, y_s = reducer.fit_resample(X, y)
    assert X_s.shape == (6, 4)
    np.testing.assert_array_equal(np.bincount(y_s), [2, 2, 2])
    assert np.isfinite(X_s).all()
    # Synthetic rows stay in the observed range of each feature.
    assert (X_s >= X.min(0) - 1e-9).all() and (X_s <= X.max(0) + 1e-9).all()
