"""Every condenser and baseline of skdc, side by side.

Part 1 (digits): standardised digits, stratified 70/30 split
(random_state=0); each method condenses the training split to 1, 10 and 50
rows per class; the table gives the test accuracy of LogisticRegression,
1-NN, RandomForest and an MLP trained on each set, their mean, and the fit
time as a ratio to KMeansCentroids' in the same process.

Part 2 (large N): make_classification(n_samples=100_000, n_features=40,
n_informative=20, n_classes=5), 10 rows per class: exact (minibatch) MMD
against random-feature MMD, accuracy and time.

    python benchmarks/framework.py [--per-class 1 10 50] [--skip-large]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdc import (
    DistributionMatchingCondenser,
    GradientMatchingCondenser,
    KIPCondenser,
    MMDCondenser,
    WassersteinCondenser,
)
from skdc._evaluation import (
    condense_all,
    default_models,
    digits_split,
    format_table,
    score_sets,
)
from skdc.selection import KernelHerding, KMeansCentroids, RandomSubset


def reducers(size, seed=0):
    common = {"size": size, "allocation": "balanced", "random_state": seed}
    return {
        "RandomSubset": RandomSubset(**common),
        "KMeansCentroids": KMeansCentroids(**common),
        "KernelHerding": KernelHerding(**common),
        "MMD gaussian": MMDCondenser(**common),
        "MMD gaussian rff": MMDCondenser(features="rff", **common),
        "MMD energy": MMDCondenser(kernel="energy", **common),
        "MMD linear": MMDCondenser(kernel="linear", **common),
        "DM (random network)": DistributionMatchingCondenser(**common),
        "W2 exact": WassersteinCondenser(method="exact", **common),
        "W2 exact, learned weights": WassersteinCondenser(
            method="exact", weights="learned", **common
        ),
        "Sinkhorn": WassersteinCondenser(method="sinkhorn", **common),
        "Sliced W2": WassersteinCondenser(method="sliced", **common),
        "KIP gaussian": KIPCondenser(**common),
        "KIP gaussian, learned labels": KIPCondenser(learn_labels=True, **common),
        "KIP NTK": KIPCondenser(kernel="ntk", **common),
        "Gradient matching (DC)": GradientMatchingCondenser(**common),
    }


def models():
    return {
        **default_models(random_state=0),
        "MLP": MLPClassifier((64,), max_iter=1000, random_state=0),
    }


def table(rows, model_names):
    kmeans = next(r["fit_s"] for r in rows if r["method"] == "KMeansCentroids")
    for row in rows:
        row["x_kmeans"] = None if row["fit_s"] is None else row["fit_s"] / kmeans
    columns = {"method": "method", "rows": "rows"}
    columns.update({m: m for m in model_names})
    columns.update({"mean": "mean", "fit_s": "fit s", "x_kmeans": "time / k-means"})
    return format_table(
        rows, columns, formats={"fit_s": ".2f", "x_kmeans": ".1f"}, markdown=True
    )


def digits(per_class_values):
    split = digits_split(test_size=0.3, random_state=0)
    n_classes = len(np.unique(split.y_train))
    ms = models()
    for per_class in per_class_values:
        chosen = reducers(per_class * n_classes)
        if per_class > 10:
            # Sinkhorn's solver overhead makes it minutes here; see its Notes.
            del chosen["Sinkhorn"]
        sets, _ = condense_all(chosen, split.X_train, split.y_train)
        sets = {"full data": (split.X_train, split.y_train, None), **sets}
        rows = score_sets(sets, split.X_test, split.y_test, ms)
        print(f"\n## digits, {per_class} rows per class\n")
        print(table(rows, ms))


def large():
    X, y = make_classification(
        n_samples=100_000,
        n_features=40,
        n_informative=20,
        n_classes=5,
        random_state=0,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    common = {"size": 50, "allocation": "balanced", "random_state": 0}
    chosen = {
        "RandomSubset": RandomSubset(**common),
        "KMeansCentroids": KMeansCentroids(**common),
        "MMD exact (minibatch)": MMDCondenser(**common),
        "MMD rff": MMDCondenser(features="rff", **common),
    }
    sets, _ = condense_all(chosen, X_train, y_train)
    ms = models()
    rows = score_sets(sets, X_test, y_test, ms)
    print("\n## make_classification 100k x 40, 5 classes, 10 rows per class\n")
    print(table(rows, ms))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # convergence notes would drown the tables
    start = time.perf_counter()
    digits(args.per_class)
    if not args.skip_large:
        large()
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
