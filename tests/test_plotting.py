"""skdc.plotting: every display draws the expected artists (Agg backend)."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdc import MMDCondenser  # noqa: E402
from skdc.model_selection import condensation_curve  # noqa: E402
from skdc.plotting import (  # noqa: E402
    CondensationCurveDisplay,
    ConvergenceDisplay,
    ImageGridDisplay,
    ProjectionDisplay,
)
from skdc.selection import KMeansCentroids, RandomSubset  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
X_IRIS, Y_IRIS = load_iris(return_X_y=True)
# Standardised: lbfgs then converges in a few steps, which keeps tests fast.
X_IRIS = StandardScaler().fit_transform(X_IRIS)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def mmd():
    return MMDCondenser(size=9, max_iter=40, tol=0, random_state=0).fit(X_IRIS, Y_IRIS)


def test_convergence_one_line_per_class(mmd):
    display = ConvergenceDisplay.from_estimator(mmd)
    assert len(display.lines_) == 3
    assert [line.get_label() for line in display.lines_] == ["0", "1", "2"]
    for line, history in zip(display.lines_, mmd.history_):
        np.testing.assert_allclose(line.get_ydata(), history)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 41))
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_title() == "MMDCondenser"
    assert display.figure_ is display.ax_.figure
    legend = display.ax_.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "2"]
    assert legend.get_title().get_text() == "class"


def test_convergence_draws_on_given_axes_and_refuses_baselines(mmd):
    _, ax = plt.subplots()
    display = ConvergenceDisplay.from_estimator(mmd, ax=ax, log_scale=False)
    assert display.ax_ is ax
    assert ax.get_yscale() == "linear"
    with pytest.raises(ValueError, match="no loss history"):
        ConvergenceDisplay.from_estimator(RandomSubset(size=6).fit(X_IRIS, Y_IRIS))


def test_projection_real_and_synthetic_points(mmd):
    display = ProjectionDisplay.from_estimator(mmd, X_IRIS, Y_IRIS)
    assert display.scatter_real_.get_offsets().shape == (150, 2)
    assert display.scatter_synthetic_.get_offsets().shape == (9, 2)
    # Coloured by class: three distinct colours among the real points, and
    # each synthetic point has the colour of its class's real points.
    real = display.scatter_real_.get_facecolors()[:, :3]
    synthetic = display.scatter_synthetic_.get_facecolors()[:, :3]
    assert len(np.unique(real, axis=0)) == 3
    for k in range(3):
        first_real = real[np.flatnonzero(Y_IRIS == k)[0]]
        for row in np.flatnonzero(mmd.y_ == k):
            np.testing.assert_allclose(synthetic[row], first_real)
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["real", "synthetic", "0", "1", "2"]
    assert display.ax_.get_xlabel() == "PCA 1"


def test_projection_samples_large_data_and_checks_columns(mmd):
    display = ProjectionDisplay.from_estimator(mmd, X_IRIS, Y_IRIS, max_real=50)
    assert len(display.scatter_real_.get_offsets()) == 50
    with pytest.raises(ValueError, match="X has 2 columns"):
        ProjectionDisplay.from_estimator(mmd, X_IRIS[:, :2], Y_IRIS)


def test_projection_of_a_table_with_text_columns():
    import pandas as pd
    from sklearn.decomposition import PCA

    from skdc._tabular import TableEncoder

    frame = pd.DataFrame(X_IRIS[:, :2], columns=["a", "b"]).assign(
        kind=np.where(X_IRIS[:, 2] > 0, "long", "short")
    )
    condenser = KMeansCentroids(size=9, random_state=0).fit(frame, Y_IRIS)
    display = ProjectionDisplay.from_estimator(condenser, frame, Y_IRIS)
    # PCA of the one-hot encoding fitted on the real rows, both sets through it.
    encoder = TableEncoder("standard").fit(frame)
    pca = PCA(n_components=2).fit(encoder.transform(frame))
    np.testing.assert_allclose(
        display.synthetic, pca.transform(encoder.transform(condenser.X_)), atol=1e-10
    )
    with pytest.raises(ValueError, match="Y must have X's columns"):
        ProjectionDisplay.from_estimator(condenser, frame[["b", "a", "kind"]], Y_IRIS)


def test_condensation_curve_lines():
    results = condensation_curve(
        KMeansCentroids(random_state=0),
        X_IRIS,
        Y_IRIS,
        sizes=[3, 6, 12],
        cv=2,
        baselines=("full", "random"),
    )
    display = CondensationCurveDisplay.from_results(results)
    assert set(display.lines_) == {"KMeansCentroids", "random", "full"}
    line = display.lines_["KMeansCentroids"]
    np.testing.assert_array_equal(line.get_xdata(), [3, 6, 12])
    expected = (
        results[results["condenser"] == "KMeansCentroids"]
        .groupby("size")["score"]
        .mean()
    )
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    full = results.loc[results["condenser"] == "full", "score"].mean()
    np.testing.assert_allclose(display.lines_["full"].get_ydata(), [full, full])
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["KMeansCentroids", "random", "full data"]
    # The full-data level is inside the view, not on its edge.
    low, high = display.ax_.get_ylim()
    assert low < full < high
    assert display.ax_.get_xlabel() == "rows in the training set"


def test_condensation_curve_needs_one_estimator():
    results = condensation_curve(
        RandomSubset(random_state=0), X_IRIS, Y_IRIS, sizes=[6], cv=2, baselines=()
    )
    two = results.assign(estimator=["a", "b"])
    with pytest.raises(ValueError, match="one estimator"):
        CondensationCurveDisplay.from_results(two)


def test_image_grid_one_row_per_class():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    scaler = StandardScaler().fit(X)
    condenser = KMeansCentroids(size=30, allocation="balanced", random_state=0)
    condenser.fit(scaler.transform(X), y)
    display = ImageGridDisplay.from_estimator(
        condenser, (8, 8), inverse_transform=scaler.inverse_transform, per_class=2
    )
    assert display.axes_.shape == (2, 10)  # one column per class
    assert len(display.images_) == 20
    assert display.images_[0].get_array().shape == (8, 8)
    # One grey scale for all, back on the 0..16 pixel scale of digits (the
    # balanced centroids reach both ends).
    assert display.images_[0].get_clim() == display.images_[-1].get_clim()
    low, high = display.images_[0].get_clim()
    np.testing.assert_allclose([low, high], [0, 16], atol=1e-9)
    labels = [display.axes_[0, j].get_title() for j in range(10)]
    assert labels == [str(k) for k in range(10)]
    with pytest.raises(ValueError, match="holds 49 pixels"):
        ImageGridDisplay.from_estimator(condenser, (7, 7))
