"""Utility and privacy audit of PrivateMMDCondenser against non-private sets.

Setup: scikit-learn's bundled ``digits`` and ``breast_cancer`` (no download),
stratified 70/30 ``train_test_split(random_state=0)``, ``StandardScaler``
fitted on the training split.  (A real private release needs a public
scaling; here the scaler's means and deviations stand in for it and are not
accounted.)  Every method condenses the training split to ``--per-class``
rows per class (``allocation="balanced"``), for every seed of ``--seeds``.

Methods: ``RandomSubset`` (real rows), ``MMDCondenser()`` (defaults: Gaussian
MMD at the median bandwidth, started from real rows), and
``PrivateMMDCondenser(epsilon=e)`` for every e of ``--epsilons`` (defaults
otherwise: 512 random features, bandwidth sqrt(n_features), bounds (-3, 3),
delta = 1/N^1.1).  The full training split is the reference row.

Columns, means over seeds:

* ``LR``, ``RF``: test accuracy of LogisticRegression(max_iter=1000) and
  RandomForestClassifier(100 trees, random_state=0) trained on the set and
  scored on the real test split.
* ``DCR ratio``: median distance from each synthetic row to its closest
  training row over the same for the test rows (``skdc.privacy.audit``);
  ``p5 ratio``: the same at the 5th percentile.  Well below 1: the set sits
  on training rows.
* ``copies``: fraction of synthetic rows equal to a training row.
* ``MIA AUC``: distance-based membership inference (training rows against
  test rows, scored by closeness to the set); 0.5 is chance.
* ``fit s``: seconds of ``fit_resample``.

Run from the repository root::

    python benchmarks/privacy.py                # both datasets, seeds 0 1 2
    python benchmarks/privacy.py --seeds 0 --datasets digits
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdc import MMDCondenser, PrivateMMDCondenser
from skdc.privacy import audit
from skdc.selection import RandomSubset

DATASETS = {"digits": load_digits, "breast_cancer": load_breast_cancer}
COLUMNS = ["LR", "RF", "DCR ratio", "p5 ratio", "copies", "MIA AUC", "fit s"]


def split(name):
    X, y = DATASETS[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def methods(size, seed, epsilons):
    common = {"size": size, "allocation": "balanced", "random_state": seed}
    found = {
        "RandomSubset": RandomSubset(**common),
        "MMDCondenser": MMDCondenser(device="cpu", **common),
    }
    for eps in epsilons:
        found[f"Private eps={eps:g}"] = PrivateMMDCondenser(
            epsilon=eps, device="cpu", **common
        )
    return found


def evaluate(X_s, y_s, data):
    X_train, X_test, _, y_test = data
    models = {
        "LR": LogisticRegression(max_iter=1000),
        "RF": RandomForestClassifier(n_estimators=100, random_state=0),
    }
    row = {
        key: model.fit(X_s, y_s).score(X_test, y_test) for key, model in models.items()
    }
    figures = audit(X_train, X_test, X_s)
    row["DCR ratio"] = figures["dcr_ratio_median"]
    row["p5 ratio"] = figures["dcr_ratio_p5"]
    row["copies"] = figures["synthetic_copies"]
    row["MIA AUC"] = figures["mia_auc"]
    return row


def run(name, seeds, per_class, epsilons):
    data = split(name)
    X_train, _, y_train, _ = data
    size = per_class * len(np.unique(y_train))
    rows = {}
    for seed in seeds:
        for method, reducer in methods(size, seed, epsilons).items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                X_s, y_s = reducer.fit_resample(X_train, y_train)
            seconds = time.perf_counter() - start
            row = evaluate(X_s, y_s, data) | {"fit s": seconds}
            rows.setdefault(method, []).append(row)
    full = evaluate(X_train, y_train, data) | {"fit s": 0.0}
    table = {"full training split": full}
    table |= {
        m: {k: np.mean([r[k] for r in rs]) for k in COLUMNS} for m, rs in rows.items()
    }
    return table, len(X_train), size


def markdown(name, table, n_rows, size):
    lines = [
        f"### {name}: {n_rows} training rows -> {size}",
        "",
        "| method | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for method, row in table.items():
        cells = [f"{row[c]:.3f}" if c != "fit s" else f"{row[c]:.1f}" for c in COLUMNS]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument(
        "--epsilons", type=float, nargs="+", default=[0.5, 1.0, 2.0, 8.0]
    )
    parser.add_argument(
        "--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS)
    )
    parser.add_argument("--threads", type=int, default=1, help="PyTorch CPU threads")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    print(f"seeds {args.seeds}, {args.per_class} rows per class\n")
    for name in args.datasets:
        table, n_rows, size = run(name, args.seeds, args.per_class, args.epsilons)
        print(markdown(name, table, n_rows, size), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
