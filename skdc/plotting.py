"""Plots of what condensation did, in scikit-learn's Display style.

Each display is built with ``from_estimator`` (or ``from_results``) and drawn
with ``plot(ax=...)``; the drawn artists and the axes stay on the display as
attributes ending in ``_``.  matplotlib is an optional dependency:
``pip install "skdc[plot]"``.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._tabular import encode_pair


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            'skdc.plotting needs matplotlib; install it with pip install "skdc[plot]".'
        ) from None
    return plt


def _axes(ax):
    """(ax, figure): the given axes, or new ones."""
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax, ax.figure


def _group_names(condenser):
    """Labels of the condenser's groups: its classes, or "all rows"."""
    labels = list(condenser.allocation_)
    return ["all rows" if label is None else str(label) for label in labels]


class ConvergenceDisplay:
    """The loss of a condenser's optimisation, one line per group.

    A group is a class (classes are condensed independently), or all rows
    for continuous targets and ``y=None``.

    Parameters
    ----------
    history : list of ndarray
        Loss per iteration of each group (a condenser's ``history_``).
    labels : list of str
        Name of each group.
    name : str, default=None
        Shown in the title.
    legend_title : str, default="group"

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One per group.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc import MMDCondenser
    >>> from skdc.plotting import ConvergenceDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> condenser = MMDCondenser(size=9, max_iter=50, tol=0, random_state=0)
    >>> display = ConvergenceDisplay.from_estimator(condenser.fit(X, y))
    >>> len(display.lines_), display.ax_.get_xlabel()
    (3, 'iteration')
    """

    def __init__(self, history, labels, *, name=None, legend_title="group"):
        self.history = history
        self.labels = labels
        self.name = name
        self.legend_title = legend_title

    @classmethod
    def from_estimator(cls, condenser, *, log_scale=True, ax=None):
        """Plot the ``history_`` of a fitted condenser.

        Parameters
        ----------
        condenser : fitted condenser
        log_scale : bool, default=True
            Logarithmic loss axis (losses fall over orders of magnitude).
        ax : matplotlib Axes, default=None
            New axes when None.

        Returns
        -------
        ConvergenceDisplay
        """
        check_is_fitted(condenser, "history_")
        if not any(len(h) for h in condenser.history_):
            raise ValueError(
                f"{type(condenser).__name__} has no loss history: it optimises "
                "nothing (a selection baseline), so there is no convergence to plot."
            )
        display = cls(
            condenser.history_,
            _group_names(condenser),
            name=type(condenser).__name__,
            legend_title="class" if hasattr(condenser, "classes_") else "group",
        )
        return display.plot(log_scale=log_scale, ax=ax)

    def plot(self, *, log_scale=True, ax=None):
        """Draw one line per group on ``ax``; returns self."""
        ax, figure = _axes(ax)
        self.lines_ = []
        for history, label in zip(self.history, self.labels):
            steps = np.arange(1, len(history) + 1)
            (line,) = ax.plot(steps, history, label=label)
            self.lines_.append(line)
        if log_scale and all((np.asarray(h) > 0).all() for h in self.history):
            ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_ylabel("loss")
        if self.name is not None:
            ax.set_title(self.name)
        if len(self.lines_) > 1:
            ax.legend(title=self.legend_title, fontsize="small")
        self.ax_, self.figure_ = ax, figure
        return self


class ProjectionDisplay:
    """Real and synthetic rows in 2-D, coloured by class.

    Both sets are projected on the same two axes (the first two principal
    components of the real rows, by default): real rows as small translucent
    dots, synthetic rows as large outlined markers.

    Parameters
    ----------
    real, synthetic : ndarray of shape (n, 2) and (m, 2)
        Projected rows.
    y_real, y_synthetic : ndarray of shape (n,) and (m,), or None
        Class of each row; None draws every row in one colour.
    axis_labels : tuple of str, default=("component 1", "component 2")

    Attributes
    ----------
    scatter_real_, scatter_synthetic_ : matplotlib PathCollection
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdc.selection import KMeansCentroids
    >>> from skdc.plotting import ProjectionDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> condenser = KMeansCentroids(size=9, random_state=0).fit(X, y)
    >>> display = ProjectionDisplay.from_estimator(condenser, X, y)
    >>> len(display.scatter_real_.get_offsets()), len(
    ...     display.scatter_synthetic_.get_offsets())
    (150, 9)
    """

    def __init__(
        self,
        real,
        synthetic,
        y_real=None,
        y_synthetic=None,
        *,
        axis_labels=("component 1", "component 2"),
    ):
        self.real = real
        self.synthetic = synthetic
        self.y_real = y_real
        self.y_synthetic = y_synthetic
        self.axis_labels = axis_labels

    @classmethod
    def from_estimator(
        cls, condenser, X, y=None, *, projection=None, max_real=2000, ax=None
    ):
        """Project the training data and a fitted condenser's ``X_``.

        Parameters
        ----------
        condenser : fitted condenser
        X, y : array-like
            Real rows to show (usually the training data).  A table with
            text columns is projected from an encoding fitted on X (one-hot
            levels, standardised numbers), the condensed rows through it too.
        projection : transformer, default=None
            Fitted on X, then applied to both sets; None is ``PCA(2)``.
        max_real : int, default=2000
            At most this many real rows are drawn (a fixed random sample), so
            large data stays readable; all of them fit the projection.
        ax : matplotlib Axes, default=None

        Returns
        -------
        ProjectionDisplay
        """
        from sklearn.base import clone
        from sklearn.decomposition import PCA
        from sklearn.utils.validation import check_array

        check_is_fitted(condenser, "X_")
        # A table with text columns is projected from its one-hot encoding.
        X, synthetic = encode_pair(X, condenser.X_)
        X = check_array(X, dtype=np.float64)
        synthetic = np.asarray(synthetic, np.float64)
        if X.shape[1] != synthetic.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} columns but the condenser was fitted on "
                f"{condenser.n_features_in_}."
            )
        projection = PCA(n_components=2) if projection is None else clone(projection)
        real = projection.fit_transform(X)
        synthetic = projection.transform(synthetic)
        if real.shape[1] != 2:
            raise ValueError(f"projection must map to 2 columns, got {real.shape[1]}.")
        y_real = None if y is None else np.asarray(y)
        if len(real) > max_real:
            keep = np.random.RandomState(0).choice(len(real), max_real, replace=False)
            real = real[keep]
            y_real = None if y_real is None else y_real[keep]
        y_synthetic = getattr(condenser, "classes_", None)
        if y_synthetic is not None and y_real is not None:
            y_synthetic = np.asarray(condenser.y_)
        else:
            y_real = y_synthetic = None
        name = type(projection).__name__
        display = cls(
            real,
            synthetic,
            y_real,
            y_synthetic,
            axis_labels=(f"{name} 1", f"{name} 2"),
        )
        return display.plot(ax=ax)

    def plot(self, *, ax=None, cmap="tab10"):
        """Draw both sets on ``ax``; returns self."""
        plt = _pyplot()
        ax, figure = _axes(ax)
        colours_real = colours_syn = None
        classes = []
        if self.y_real is not None:
            classes = np.unique(np.concatenate([self.y_real, self.y_synthetic]))
            palette = plt.get_cmap(cmap)
            colour = {c: palette(k % palette.N) for k, c in enumerate(classes)}
            colours_real = [colour[c] for c in self.y_real]
            colours_syn = [colour[c] for c in self.y_synthetic]
        self.scatter_real_ = ax.scatter(
            self.real[:, 0], self.real[:, 1], s=8, c=colours_real, alpha=0.3
        )
        self.scatter_synthetic_ = ax.scatter(
            self.synthetic[:, 0],
            self.synthetic[:, 1],
            s=60,
            c=colours_syn,
            edgecolors="black",
            linewidths=1.0,
            marker="D",
        )
        # The legend says which marker is which set and which colour which
        # class, without one entry per (set, class) pair.
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], ls="", marker="o", color="grey", alpha=0.5, label="real"),
            Line2D(
                [], [], ls="", marker="D", mfc="grey", mec="black", label="synthetic"
            ),
        ]
        handles += [
            Line2D([], [], ls="", marker="s", color=colour[c], label=str(c))
            for c in classes
        ]
        ax.legend(handles=handles, fontsize="small", loc="best")
        ax.set_xlabel(self.axis_labels[0])
        ax.set_ylabel(self.axis_labels[1])
        self.ax_, self.figure_ = ax, figure
        return self


class CondensationCurveDisplay:
    """Score against the size of the training set, with the baselines.

    One line per method with mean and spread (one standard deviation) over
    the folds; the score of models trained on all the data is a horizontal
    dashed line.

    Parameters
    ----------
    results : DataFrame
        :func:`~skdc.model_selection.condensation_curve`'s (or
        :func:`~skdc.model_selection.evaluate`'s) table, for one estimator.
    score_name : str, default="score"
        Label of the score axis.

    Attributes
    ----------
    lines_ : dict of name -> matplotlib Line2D
        One per method, the full-data line included (under ``"full"``).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import scale
    >>> from skdc.selection import KMeansCentroids
    >>> from skdc.plotting import CondensationCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> display = CondensationCurveDisplay.from_estimator(
    ...     KMeansCentroids(random_state=0), scale(X), y, sizes=[3, 12], cv=2,
    ...     baselines=("full", "random"),
    ... )
    >>> sorted(display.lines_)
    ['KMeansCentroids', 'full', 'random']
    >>> len(display.lines_["random"].get_xdata())
    2
    """

    def __init__(self, results, *, score_name="score"):
        self.results = results
        self.score_name = score_name

    @classmethod
    def from_estimator(
        cls,
        condenser,
        X,
        y,
        *,
        sizes,
        estimator=None,
        cv=5,
        baselines=("full", "random", "kmeans"),
        scoring=None,
        n_jobs=None,
        ax=None,
    ):
        """Run :func:`~skdc.model_selection.condensation_curve` and plot it.

        Parameters are those of ``condensation_curve``, and ``ax``.

        Returns
        -------
        CondensationCurveDisplay
        """
        from .model_selection import condensation_curve

        results = condensation_curve(
            condenser,
            X,
            y,
            sizes=sizes,
            estimator=estimator,
            cv=cv,
            baselines=baselines,
            scoring=scoring,
            n_jobs=n_jobs,
        )
        name = "score" if scoring is None else str(scoring)
        return cls.from_results(results, score_name=name, ax=ax)

    @classmethod
    def from_results(cls, results, *, score_name="score", ax=None):
        """Plot a table from ``condensation_curve`` or ``evaluate``."""
        estimators = results["estimator"].unique()
        if len(estimators) != 1:
            raise ValueError(
                "the table must hold one estimator's scores, got "
                f"{list(estimators)}; select one with "
                "results[results['estimator'] == name]."
            )
        return cls(results, score_name=score_name).plot(ax=ax)

    def plot(self, *, ax=None):
        """Draw the curves on ``ax``; returns self."""
        ax, figure = _axes(ax)
        stats = (
            self.results.groupby(["condenser", "size"], sort=False)["score"]
            .agg(["mean", "std"])
            .fillna(0.0)  # one fold: no spread
            .reset_index()
        )
        self.lines_ = {}
        styles = {"random": ":", "kmeans": "--"}
        for name, group in stats.groupby("condenser", sort=False):
            if name == "full":
                continue
            group = group.sort_values("size")
            sizes, mean, sd = group["size"], group["mean"], group["std"]
            (line,) = ax.plot(
                sizes, mean, marker="o", ls=styles.get(name, "-"), label=name
            )
            ax.fill_between(
                sizes, mean - sd, mean + sd, alpha=0.15, color=line.get_color()
            )
            self.lines_[name] = line
        full = stats[stats["condenser"] == "full"]
        if len(full):
            # Fold sizes of the full data differ by a row or so: one level.
            level = full["mean"].mean()
            self.lines_["full"] = ax.axhline(
                level, color="black", ls="-.", lw=1, label="full data"
            )
            # axhline does not widen the view; this keeps it inside the axes.
            ax.update_datalim([[stats["size"].min(), level]], updatex=False)
            ax.autoscale_view()
        ax.set_xlabel("rows in the training set")
        ax.set_ylabel(self.score_name)
        ax.legend(fontsize="small", loc="lower right")
        self.ax_, self.figure_ = ax, figure
        return self


class ImageGridDisplay:
    """Synthetic rows drawn as images, one column of the grid per class.

    Parameters
    ----------
    images : ndarray of shape (n, height, width)
    labels : ndarray of shape (n,) or None
        Class of each image; None puts all images in one grid row.
    per_class : int, default=10
        At most this many images per class (the first ones).

    Attributes
    ----------
    images_ : list of matplotlib AxesImage
        The images drawn.
    axes_ : ndarray of matplotlib Axes, shape (per_class, n_classes)
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdc.selection import KMeansCentroids
    >>> from skdc.plotting import ImageGridDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> condenser = KMeansCentroids(size=30, random_state=0).fit(X[:300], y[:300])
    >>> display = ImageGridDisplay.from_estimator(condenser, (8, 8), per_class=2)
    >>> display.axes_.shape, len(display.images_)
    ((2, 10), 20)
    """

    def __init__(self, images, labels=None, *, per_class=10):
        self.images = images
        self.labels = labels
        self.per_class = per_class

    @classmethod
    def from_estimator(
        cls, condenser, image_shape, *, inverse_transform=None, per_class=10, ax=None
    ):
        """Draw a fitted condenser's ``X_`` as images.

        Parameters
        ----------
        condenser : fitted condenser
        image_shape : tuple of int
            (height, width) of one image; their product is the number of
            features.
        inverse_transform : callable, default=None
            Maps rows back to pixel values first, e.g. a fitted scaler's
            ``inverse_transform``.
        per_class : int, default=10
        ax : ndarray of matplotlib Axes, default=None
            A grid of (per_class, classes) axes; new ones when None.

        Returns
        -------
        ImageGridDisplay
        """
        check_is_fitted(condenser, "X_")
        return cls.from_data(
            condenser.X_,
            getattr(condenser, "y_", None) if hasattr(condenser, "classes_") else None,
            image_shape,
            inverse_transform=inverse_transform,
            per_class=per_class,
            ax=ax,
        )

    @classmethod
    def from_data(
        cls, X, y, image_shape, *, inverse_transform=None, per_class=10, ax=None
    ):
        """Draw rows X (labelled y, or None) as images; see
        ``from_estimator``."""
        X = np.asarray(X, np.float64)
        if inverse_transform is not None:
            X = np.asarray(inverse_transform(X), np.float64)
        if int(np.prod(image_shape)) != X.shape[1]:
            raise ValueError(
                f"image_shape {tuple(image_shape)} holds {int(np.prod(image_shape))} "
                f"pixels but the rows have {X.shape[1]} features."
            )
        images = X.reshape(len(X), *image_shape)
        labels = None if y is None else np.asarray(y)
        return cls(images, labels, per_class=per_class).plot(ax=ax)

    def plot(self, *, ax=None, cmap="gray_r"):
        """Draw the grid, one column per class; returns self."""
        plt = _pyplot()
        labels = np.zeros(len(self.images)) if self.labels is None else self.labels
        classes = np.unique(labels)
        columns = [np.flatnonzero(labels == c)[: self.per_class] for c in classes]
        n_rows = max(len(c) for c in columns)
        if ax is None:
            figure, ax = plt.subplots(
                n_rows,
                len(classes),
                figsize=(0.8 * len(classes) + 0.2, 0.8 * n_rows + 0.6),
                squeeze=False,
                layout="constrained",
            )
        ax = np.asarray(ax).reshape(n_rows, len(classes))
        figure = ax.flat[0].figure
        # One grey scale for every image, so brightness compares across them.
        low, high = np.min(self.images), np.max(self.images)
        self.images_ = []
        for j, (c, indices) in enumerate(zip(classes, columns)):
            for i in range(n_rows):
                axis = ax[i, j]
                axis.set_axis_off()
                if i < len(indices):
                    self.images_.append(
                        axis.imshow(
                            self.images[indices[i]], cmap=cmap, vmin=low, vmax=high
                        )
                    )
            if self.labels is not None:
                ax[0, j].set_title(str(c))
        self.axes_, self.figure_ = ax, figure
        return self


__all__ = [
    "CondensationCurveDisplay",
    "ConvergenceDisplay",
    "ImageGridDisplay",
    "ProjectionDisplay",
]
