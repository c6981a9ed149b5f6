"""Acceptance figures on scikit-learn's digits at 10 rows per class.

Setup (DESIGN.md, "Quality bar"): digits standardised with a scaler fitted on
the training split, stratified 70/30 split with random_state=0; every reducer
condenses the training split to 10 rows per class (allocation="balanced") with
seeds 0, 1 and 2.  For each method it reports, averaged over the seeds:

* test accuracy of LogisticRegression(max_iter=1000) trained on the set;
* MMD^2 (Gaussian kernel, median bandwidth) between each class of the set and
  the same class of the training data, averaged over classes, and its ratio
  to RandomSubset's;
* fit seconds, and their ratio to KMeansCentroids' in this same process
  (absolute seconds depend on the machine; the ratio much less).

and checks the acceptance criteria, printing PASS/FAIL for each.  Exit status
1 when any check fails.

    python benchmarks/digits.py [--seeds 0 1 2] [--threads 1]
"""

import argparse
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from skdc import MMDCondenser, WassersteinCondenser
from skdc._evaluation import condense_all, digits_split, format_table, score_sets
from skdc.metrics import mmd
from skdc.selection import KMeansCentroids, RandomSubset

METHODS = (
    "RandomSubset",
    "KMeansCentroids",
    "MMDCondenser",
    "MMD median",
    "WassersteinCondenser",
)
FULL = "full data"


def make_reducers(size, seed, max_iter=None):
    common = {"size": size, "allocation": "balanced", "random_state": seed}
    tuning = {} if max_iter is None else {"max_iter": max_iter}
    return {
        "RandomSubset": RandomSubset(**common),
        "KMeansCentroids": KMeansCentroids(**common),
        "MMDCondenser": MMDCondenser(**common, **tuning),
        # The kernel the fidelity check measures with: MMDCondenser's default
        # until 2026-12-01, now one of its options.
        "MMD median": MMDCondenser(bandwidth="median", **common, **tuning),
        "WassersteinCondenser": WassersteinCondenser(**common, **tuning),
    }


def class_mmd2(X, y, X_s, y_s):
    """Gaussian MMD^2 at the median bandwidth (of the real class) between
    each class of the set and of the data, averaged over classes."""
    X_s, y_s = np.asarray(X_s), np.asarray(y_s)
    return float(np.mean([mmd(X[y == c], X_s[y_s == c]) for c in np.unique(y)]))


def run(seeds, per_class, max_iter=None):
    split = digits_split(test_size=0.3, random_state=0)
    X, y = split.X_train, split.y_train
    size = per_class * len(np.unique(y))
    model = {"LogReg": LogisticRegression(max_iter=1000)}

    # Warm-up, untimed: first calls pay for lazy imports and thread pools.
    condense_all(make_reducers(size, 0, max_iter=2), X, y)

    results = {name: {"acc": [], "mmd2": [], "seconds": []} for name in METHODS}
    caught = []
    for seed in seeds:
        sets, warned = condense_all(make_reducers(size, seed, max_iter), X, y)
        caught.extend(warned)
        for row in score_sets(sets, split.X_test, split.y_test, model):
            name = row["method"]
            results[name]["acc"].append(row["LogReg"])
            results[name]["seconds"].append(row["fit_s"])
            results[name]["mmd2"].append(class_mmd2(X, y, *sets[name][:2]))
    (full,) = score_sets({FULL: (X, y)}, split.X_test, split.y_test, model)

    summary = {
        name: {key: float(np.mean(values)) for key, values in r.items()}
        | {"acc_sd": float(np.std(r["acc"]))}
        for name, r in results.items()
    }
    random_mmd2 = summary["RandomSubset"]["mmd2"]
    kmeans_s = summary["KMeansCentroids"]["seconds"]
    rows = [
        {
            "method": FULL,
            "rows": len(X),
            "acc": full["LogReg"],
            "acc_sd": None,
            "mmd2": 0.0,
            "mmd2_ratio": 0.0,
            "seconds": None,
            "time_ratio": None,
        }
    ]
    for name in METHODS:
        s = summary[name]
        rows.append(
            {
                "method": name,
                "rows": size,
                "acc": s["acc"],
                "acc_sd": s["acc_sd"],
                "mmd2": s["mmd2"],
                "mmd2_ratio": s["mmd2"] / random_mmd2,
                "seconds": s["seconds"],
                "time_ratio": s["seconds"] / kmeans_s,
            }
        )
    return rows, summary, caught


def checks(summary):
    acc = {name: s["acc"] for name, s in summary.items()}
    mmd2 = {name: s["mmd2"] for name, s in summary.items()}
    return [
        (
            "MMD LR acc >= KMeans - 0.01",
            f"{acc['MMDCondenser']:.3f} >= {acc['KMeansCentroids'] - 0.01:.3f}",
            acc["MMDCondenser"] >= acc["KMeansCentroids"] - 0.01,
        ),
        (
            "MMD LR acc >= Random + 0.03",
            f"{acc['MMDCondenser']:.3f} >= {acc['RandomSubset'] + 0.03:.3f}",
            acc["MMDCondenser"] >= acc["RandomSubset"] + 0.03,
        ),
        (
            "Wasserstein LR acc >= Random + 0.03",
            f"{acc['WassersteinCondenser']:.3f} >= {acc['RandomSubset'] + 0.03:.3f}",
            acc["WassersteinCondenser"] >= acc["RandomSubset"] + 0.03,
        ),
        # The MMD^2 here is at the median bandwidth: the objective of
        # MMDCondenser(bandwidth="median").  The default's three scales
        # trade some of it for better models on most tables
        # (benchmarks/README.md, "MMD's defaults"); its ratio is in the table.
        (
            "MMD (median bandwidth) MMD^2 <= 0.25 x Random's",
            f"{mmd2['MMD median']:.4f} <= {0.25 * mmd2['RandomSubset']:.4f}",
            mmd2["MMD median"] <= 0.25 * mmd2["RandomSubset"],
        ),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="condensers' max_iter (default: theirs)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch CPU threads (default: 1; tiny per-class problems run "
        "slower with more threads on a busy machine)",
    )
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    rows, summary, caught = run(args.seeds, args.per_class, args.max_iter)
    elapsed = time.perf_counter() - start

    seeds = ", ".join(map(str, args.seeds))
    print(
        f"## digits, {args.per_class} rows per class, seeds {seeds} "
        f"(means over seeds; torch threads: {args.threads})\n"
    )
    columns = {
        "method": "method",
        "rows": "rows",
        "acc": "LR acc",
        "acc_sd": "± sd",
        "mmd2": "MMD^2",
        "mmd2_ratio": "MMD^2 / Random",
        "seconds": "fit s",
        "time_ratio": "time / KMeans",
    }
    formats = {
        "mmd2": ".4f",
        "mmd2_ratio": ".2f",
        "seconds": ".2f",
        "time_ratio": ".2f",
        "acc_sd": ".3f",
    }
    print(format_table(rows, columns, formats=formats, markdown=True))
    print()
    results = checks(summary)
    for label, detail, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}  {label}  ({detail})")
    if caught:
        names = sorted({name for name, _ in caught})
        print(f"\n{len(caught)} warnings while condensing ({', '.join(names)}).")
    print(f"\ntotal {elapsed:.1f} s")
    return 0 if all(ok for _, _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
