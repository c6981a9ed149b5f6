"""Train models on small sets, score them on real held-out data, tabulate.

Shared by the ``skdc`` command (``skdc demo``, ``skdc evaluate``), by
:func:`skdc.model_selection.evaluate` and by the scripts in ``benchmarks/``.
Nothing here prints: functions return rows (one dict per set) and strings,
and the caller decides where they go.
"""

import time
import warnings
from collections.abc import Mapping
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.preprocessing import StandardScaler

from ._base import resample_with_weights, weights_for


class CondensedSet(NamedTuple):
    """A training set to score: rows, labels, the seconds it took to make
    (None when it was not made, e.g. the full data), optional weights and
    the fitted reducer that made it (None when there is none)."""

    X: Any
    y: Any
    seconds: float | None = None
    sample_weight: Any = None
    reducer: Any = None


class Split(NamedTuple):
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def digits_split(test_size=0.3, random_state=0):
    """scikit-learn's bundled digits (no download), split 70/30 stratified,
    standardised with a scaler fitted on the training rows only."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    scaler = StandardScaler().fit(X_train)
    return Split(scaler.transform(X_train), scaler.transform(X_test), y_train, y_test)


def default_models(random_state=0):
    """The downstream classifiers of the quality bar: linear, 1-NN, forest."""
    return {
        "LogReg": LogisticRegression(max_iter=1000),
        "1-NN": KNeighborsClassifier(n_neighbors=1),
        "RandomForest": RandomForestClassifier(
            n_estimators=200, random_state=random_state
        ),
    }


def default_regressors(random_state=0):
    """The regression counterparts of ``default_models``: ridge, 5-NN (one
    neighbour only interpolates noise), forest."""
    return {
        "Ridge": Ridge(),
        "5-NN": KNeighborsRegressor(n_neighbors=5),
        "RandomForest": RandomForestRegressor(
            n_estimators=200, random_state=random_state
        ),
    }


def model_for(model, X):
    """``model`` as it must be trained on X.

    Condensers return tables as they came, so a DataFrame with categorical,
    string, object or boolean columns gets one-hot encoding for those (a
    missing level is a level of its own) and median imputation and
    standardisation for its numbers; numbers with missing values (the
    full-data baseline of ``missing="impute"``) get the imputation; ``model``
    itself otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> frame = pd.DataFrame({"colour": ["red", "blue"], "size": [1.0, 2.0]})
    >>> model_for(LogisticRegression(), frame).fit(frame, [0, 1]).predict(frame)
    array([0, 1])
    >>> model_for(LogisticRegression(), [[1.0], [2.0]])
    LogisticRegression()
    """
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    from ._tabular import as_numbers, column_kind, needs_encoding

    def numbers():
        return make_pipeline(SimpleImputer(strategy="median"), StandardScaler())

    def numbers_of_frame():
        # Dates and durations as counts of their unit: the imputer takes no
        # timestamps.
        return make_pipeline(FunctionTransformer(as_numbers), numbers())

    if needs_encoding(X):
        levels = [c for c, kind in X.dtypes.items() if column_kind(kind) == "category"]
        encode = make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore", sparse_output=False), levels),
            (numbers_of_frame(), [c for c in X.columns if c not in levels]),
        )
        return make_pipeline(encode, model)
    values = X.to_numpy(dtype=float) if hasattr(X, "to_numpy") else np.asarray(X)
    if values.dtype.kind == "f" and np.isnan(values).any():
        return make_pipeline(numbers(), model)
    return model


def mixed_table(rows, n_classes=2, weights=None, random_state=0):
    """A mixed-type table whose every kind of column carries class signal,
    and its labels: levels (strings), a boolean, integers and floats drawn
    from ``make_classification``'s latent features (the benchmarks' tables
    with categories; nothing is downloaded)."""
    Z, y = make_classification(
        n_samples=rows,
        n_features=12,
        n_informative=8,
        n_redundant=0,
        n_classes=n_classes,
        weights=weights,
        class_sep=1.0,
        shuffle=False,  # columns 0-7 informative, 8-11 noise
        random_state=random_state,
    )
    import pandas as pd

    rng = np.random.RandomState(random_state)
    quintiles = np.quantile(Z[:, 0], [0.2, 0.4, 0.6, 0.8])
    frame = pd.DataFrame(
        {
            "band": np.array(list("abcde"))[np.digitize(Z[:, 0], quintiles)],
            "kind": np.array(["x", "y", "z"])[np.argmax(Z[:, 1:4], axis=1)],
            "region": np.array([f"r{i}" for i in range(8)])[
                4 * (Z[:, 4] > 0) + rng.randint(0, 4, rows)
            ],
            "flag": Z[:, 5] > 0.5,
            "count": rng.poisson(np.exp(1.0 + 0.5 * np.clip(Z[:, 6], -3, 3))),
            "age": np.clip(np.round(40 + 10 * Z[:, 7]), 18, 90).astype(int),
        }
    )
    for j in range(7, 12):
        frame[f"x{j}"] = Z[:, j]
    return frame, y


def condense_all(reducers, X, y):
    """Fit every reducer on (X, y) and time it.

    Parameters
    ----------
    reducers : mapping of name -> condenser or baseline
        Objects with ``fit_resample``; each is cloned, never modified.
    X, y : training data.

    Returns
    -------
    sets : dict of name -> CondensedSet
        The synthetic set, wall-clock seconds of ``fit_resample``, the
        learned ``sample_weight_`` (None for most reducers) and the fitted
        clone (e.g. an AutoCondenser's ``best_name_``).
    caught : list of (name, warnings.WarningMessage)
        Warnings raised while fitting (e.g. ``ConvergenceWarning``),
        collected instead of shown, so the caller can summarise them.
    """
    sets, caught = {}, []
    for name, reducer in reducers.items():
        reducer = clone(reducer)
        with warnings.catch_warnings(record=True) as records:
            # Record every UserWarning (ConvergenceWarning included) each time;
            # other categories keep the caller's filters (errors stay errors).
            warnings.simplefilter("always", UserWarning)
            start = time.perf_counter()
            X_s, y_s, weights = resample_with_weights(reducer, X, y)
            seconds = time.perf_counter() - start
        caught.extend((name, record) for record in records)
        sets[name] = CondensedSet(X_s, y_s, seconds, weights, reducer)
    return sets, caught


def score_sets(sets, X_test, y_test, models, scorer=None):
    """Train each model on each set and score it on (X_test, y_test).

    Parameters
    ----------
    sets : mapping of name -> CondensedSet or tuple (X_s, y_s[, seconds[, w]])
    X_test, y_test : real held-out data.
    models : mapping of name -> estimator
        Cloned before every fit; given the set's sample weights when it has
        them and the model accepts them.
    scorer : str or callable, default=None
        How to score a fitted model: None calls its own ``score`` (accuracy
        for classifiers); a string names a scikit-learn scorer (e.g.
        ``"balanced_accuracy"``); a callable is called as
        ``scorer(model, X_test, y_test)`` and returns a float.

    Returns
    -------
    list of dict
        One row per set: ``method``, ``rows``, ``fit_s`` (None when unknown),
        one score per model under the model's name, and ``mean`` over models.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> rows = score_sets(
    ...     {"two": (X[[0, 2]], y[[0, 2]], 0.5)}, X, y,
    ...     {"1-NN": KNeighborsClassifier(1)},
    ... )
    >>> rows[0]["rows"], rows[0]["1-NN"], rows[0]["mean"]
    (2, 1.0, 1.0)

    Balanced accuracy instead of accuracy, where one class is rare:

    >>> X_test, y_test = np.array([[0.0], [1.0], [2.0], [4.0]]), np.array([0, 0, 0, 1])
    >>> two, nn = {"two": (X[[0, 2]], y[[0, 2]])}, {"1-NN": KNeighborsClassifier(1)}
    >>> accuracy = score_sets(two, X_test, y_test, nn)[0]["1-NN"]
    >>> balanced = score_sets(two, X_test, y_test, nn, "balanced_accuracy")[0]["1-NN"]
    >>> accuracy, balanced
    (0.75, 0.5)
    """
    if isinstance(scorer, str):
        scorer = get_scorer(scorer)
    rows = []
    for name, value in sets.items():
        item = CondensedSet(*value)
        row = {"method": name, "rows": len(item.X), "fit_s": item.seconds}
        for model_name, model in models.items():
            model = clone(model)
            model.fit(item.X, item.y, **weights_for(model, item.sample_weight))
            score = model.score if scorer is None else partial(scorer, model)
            row[model_name] = float(score(X_test, y_test))
        row["mean"] = float(np.mean([row[m] for m in models])) if models else None
        rows.append(row)
    return rows


def format_table(rows, columns, *, formats=None, markdown=False):
    """Rows of dicts -> an aligned text table (or a markdown table).

    Parameters
    ----------
    rows : sequence of mapping
    columns : sequence of str or mapping of key -> header
        Keys to show, in order; a mapping also renames the headers.
    formats : mapping of key -> format spec, default=None
        How to write floats of a column (default ``".3f"``); None is "-".
    markdown : bool, default=False
        A GitHub-flavoured markdown table instead of plain aligned text.

    Examples
    --------
    >>> print(format_table([{"a": "x", "b": 0.5}, {"a": "yy", "b": None}], ["a", "b"]))
    a       b
    x   0.500
    yy      -
    """
    headers = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    formats = {} if formats is None else formats
    cells = [[_cell(row.get(key), formats.get(key)) for key in headers] for row in rows]
    # Numbers align right, text left.
    numeric = [all(_is_number(row.get(key)) for row in rows) for key in headers]
    titles = list(headers.values())
    # Markdown delimiter cells need three characters in some renderers.
    widths = [
        max([3 if markdown else 1, len(t), *(len(line[i]) for line in cells)])
        for i, t in enumerate(titles)
    ]

    def line(values):
        padded = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric)
        ]
        if markdown:
            return "| " + " | ".join(padded) + " |"
        return "  ".join(padded).rstrip()

    out = [line(titles)]
    if markdown:
        rules = [
            "-" * (w - 1) + ":" if right else "-" * w
            for w, right in zip(widths, numeric)
        ]
        out.append("| " + " | ".join(rules) + " |")
    out.extend(line(values) for values in cells)
    return "\n".join(out)


def summarise_warnings(caught):
    """(name, WarningMessage) pairs -> one line, or None when there are none.

    Examples
    --------
    >>> summarise_warnings([]) is None
    True
    """
    if not caught:
        return None
    by_category: dict[str, list[str]] = {}
    for name, record in caught:
        names = by_category.setdefault(record.category.__name__, [])
        if name not in names:
            names.append(name)
    parts = [f"{cat} from {', '.join(names)}" for cat, names in by_category.items()]
    n = len(caught)
    return f"{n} warning{'s' if n > 1 else ''} hidden: " + "; ".join(parts)


def _is_number(value):
    if value is None:
        return True
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _cell(value, spec):
    if value is None:
        return "-"
    if isinstance(value, (float, np.floating)):
        return format(value, spec or ".3f")
    return str(value)


__all__ = [
    "CondensedSet",
    "condense_all",
    "default_models",
    "default_regressors",
    "digits_split",
    "format_table",
    "score_sets",
    "summarise_warnings",
]
