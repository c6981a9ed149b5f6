"""Mixed-type tables: condensers with default settings against baselines.

Three tables built offline, each split 70/30 (stratified for classes,
random_state=0), condensed straight from the DataFrame (skdc encodes
numbers and categories itself and decodes valid rows):

* ``classification``: ``--rows`` rows, 3 classes from make_classification
  (8 informative of 12 latent features); categorical columns whose level
  frequencies depend on the class (``band``: quintile of one latent, 5
  levels; ``kind``: argmax of three, 3 levels; ``region``: the sign of one
  plus noise, 8 levels), a boolean ``flag``, two integer columns (``count``:
  Poisson with a latent rate; ``age``: a clipped, rounded affine function of
  a latent) and five numeric columns (one informative, four noise).
* ``regression``: scikit-learn's bundled diabetes (442 rows, unscaled),
  ``sex`` as a categorical ("F"/"M") and ``age`` as an integer column;
  the target is the disease progression.
* ``imbalanced``: the ``classification`` table with 2 classes, weights
  [0.9, 0.1].

Methods: the full training split, RandomSubset, KMeansCentroids,
WassersteinCondenser() and MMDCondenser(), all defaults, at two sizes
(``--per-class``, rows per class with allocation="balanced"; for regression
``--sizes`` total rows).  Models, each in a pipeline that one-hot encodes
the categorical columns and standardises the rest: RandomForest (200 trees),
LogisticRegression (Ridge for regression) and HistGradientBoosting with
min_samples_leaf=5 (the default, 20, cannot split sets this small).  Scores:
balanced accuracy on the real test split (R^2 for regression), means over
``--seeds``; ``fit s`` is the mean seconds of ``fit_resample``.

Category decoding is measured too: ``cat TV`` is the total variation
distance between the level frequencies of each categorical column in the
synthetic rows and in the real rows of the same class, averaged over columns
and classes (0 = same proportions).  The rows ``... argmax`` decode the same
optimised sets with per-row argmax instead of skdc's count-preserving
decoding (condensed with ``preprocessor=None`` on the encoded table, then
decoded class by class), to show what the decoding buys.

Acceptance (exit status 1 if missed): on the classification table the
RandomForest trained on WassersteinCondenser's and MMDCondenser's sets
scores at least as well as on RandomSubset's, at both sizes.

    python benchmarks/tabular.py [--rows 3000] [--per-class 10 50]
        [--sizes 20 50] [--seeds 0 1 2] [--tables classification regression]
        [--threads 1] [--max-iter N]
"""

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split

from skdc import MMDCondenser, WassersteinCondenser
from skdc._backend import torch_threads
from skdc._evaluation import (
    condense_all,
    format_table,
    mixed_table,
    model_for,
    score_sets,
)
from skdc._tabular import TableEncoder, column_kind
from skdc.selection import KMeansCentroids, RandomSubset

METHODS = {
    "RandomSubset": RandomSubset,
    "KMeansCentroids": KMeansCentroids,
    "WassersteinCondenser": WassersteinCondenser,
    "MMDCondenser": MMDCondenser,
}
CANDIDATES = ("WassersteinCondenser", "MMDCondenser")
FULL = "full data"


# --------------------------------------------------------------------------
# Tables


def classification(rows):
    return mixed_table(rows, n_classes=3)


def imbalanced(rows):
    return mixed_table(rows, n_classes=2, weights=[0.9, 0.1])


def diabetes(rows):
    X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    X["sex"] = X["sex"].map({1.0: "F", 2.0: "M"})
    X["age"] = X["age"].astype(int)
    return X, y.to_numpy()


# name -> (builder, task)
TABLES = {
    "classification": (classification, "classification"),
    "regression": (diabetes, "regression"),
    "imbalanced": (imbalanced, "classification"),
}


def models(frame, task):
    if task == "regression":
        named = {
            "RF": RandomForestRegressor(n_estimators=200, random_state=0),
            "Ridge": Ridge(),
            "HGB": HistGradientBoostingRegressor(min_samples_leaf=5, random_state=0),
        }
    else:
        named = {
            "RF": RandomForestClassifier(n_estimators=200, random_state=0),
            "LogReg": LogisticRegression(max_iter=1000),
            "HGB": HistGradientBoostingClassifier(min_samples_leaf=5, random_state=0),
        }
    return {name: model_for(model, frame) for name, model in named.items()}


# --------------------------------------------------------------------------
# Measures


def category_tv(X_s, y_s, X, y):
    """Mean total variation distance between level frequencies, per
    categorical column and class (one group without classes)."""
    columns = [c for c, d in X.dtypes.items() if column_kind(d) == "category"]
    if y is None or not columns:
        return None
    labels = np.unique(y) if y_s is not None and len(np.unique(y)) < 20 else [None]
    distances = []
    for label in labels:
        real = X if label is None else X[np.asarray(y) == label]
        syn = X_s if label is None else X_s[np.asarray(y_s) == label]
        for c in columns:
            p = real[c].value_counts(normalize=True)
            q = syn[c].value_counts(normalize=True)
            p, q = p.align(q, fill_value=0.0)
            distances.append(0.5 * float(np.abs(p - q).sum()))
    return float(np.mean(distances))


def argmax_sets(X, y, size, allocation, seed, max_iter):
    """The candidates' optimised sets decoded by per-row argmax: condensed
    with preprocessor=None on the encoded table, decoded class by class."""
    encoder = TableEncoder().fit(X)
    Z = encoder.transform(X)
    sets = {}
    for name in CANDIDATES:
        reducer = make(name, size, allocation, seed, max_iter)
        reducer.set_params(preprocessor=None)
        start = time.perf_counter()
        Z_s, y_s = reducer.fit_resample(Z, y)
        seconds = time.perf_counter() - start
        # y_s is grouped by class in sorted order, as np.unique lists them.
        parts = [
            encoder.inverse_transform(Z_s[y_s == label], method="argmax")
            for label in np.unique(y_s)
        ]
        sets[f"{name} argmax"] = (pd.concat(parts, ignore_index=True), y_s, seconds)
    return sets


def make(name, size, allocation, seed, max_iter):
    reducer = METHODS[name](size=size, allocation=allocation, random_state=seed)
    if max_iter is not None and "max_iter" in reducer.get_params():
        reducer.set_params(max_iter=max_iter)
    return reducer


# --------------------------------------------------------------------------
# Running


def run_table(name, rows, per_class, sizes, seeds, max_iter):
    build, task = TABLES[name]
    X, y = build(rows)
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=0.3,
        stratify=y if task == "classification" else None,
        random_state=0,
    )
    X_train, X_test = X_train.reset_index(drop=True), X_test.reset_index(drop=True)
    scorer = "r2" if task == "regression" else "balanced_accuracy"
    ms = models(X_train, task)
    keys = [*ms, "fit_s", "cat_tv"]
    (full,) = score_sets({FULL: (X_train, y_train)}, X_test, y_test, ms, scorer)
    n_classes = len(np.unique(y_train)) if task == "classification" else 1
    cells = {}
    steps = sizes if task == "regression" else [k * n_classes for k in per_class]
    allocation = "proportional" if task == "regression" else "balanced"
    for size in steps:
        per_seed = {}
        for seed in seeds:
            reducers = {m: make(m, size, allocation, seed, max_iter) for m in METHODS}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sets, _ = condense_all(reducers, X_train, y_train)
                if task == "classification":
                    sets.update(
                        argmax_sets(X_train, y_train, size, allocation, seed, max_iter)
                    )
                scored = score_sets(sets, X_test, y_test, ms, scorer)
            for row in scored:
                s = sets[row["method"]]
                row["cat_tv"] = category_tv(s[0], s[1], X_train, y_train)
                per_seed.setdefault(row["method"], []).append(row)
        cells[size] = [
            {
                "method": method,
                "rows": size,
                **{k: _mean([r[k] for r in group]) for k in keys},
            }
            for method, group in per_seed.items()
        ]
    return task, full, ms, cells


def _mean(values):
    return None if values[0] is None else float(np.mean(values))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--per-class", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--tables", nargs="+", choices=list(TABLES), default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-iter", type=int, default=None)
    args = parser.parse_args(argv)

    failed = []
    for name in args.tables or list(TABLES):
        with torch_threads(args.threads):
            task, full, ms, cells = run_table(
                name, args.rows, args.per_class, args.sizes, args.seeds, args.max_iter
            )
        metric = "R^2" if task == "regression" else "balanced accuracy"
        print(f"\n## {name} ({metric}, mean over seeds {args.seeds})\n")
        columns = {"method": "method", "rows": "rows", **{m: m for m in ms}}
        columns.update({"cat_tv": "cat TV", "fit_s": "fit s"})
        full = {**full, "fit_s": None, "cat_tv": 0.0}
        table = [full, *(row for rows in cells.values() for row in rows)]
        print(format_table(table, columns, formats={"fit_s": ".2f"}, markdown=True))
        if name == "classification":
            for size, rows in cells.items():
                rf = {row["method"]: row["RF"] for row in rows}
                for candidate in CANDIDATES:
                    ok = rf[candidate] >= rf["RandomSubset"]
                    print(
                        f"{'PASS' if ok else 'FAIL'}: {candidate} RF "
                        f"{rf[candidate]:.3f} >= RandomSubset RF "
                        f"{rf['RandomSubset']:.3f} at {size} rows"
                    )
                    if not ok:
                        failed.append((candidate, size))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
