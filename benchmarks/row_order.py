"""AutoCondenser without y on rows sorted by class: folds in the rows'
order against shuffled folds.

    python benchmarks/row_order.py
    python benchmarks/row_order.py --datasets wine mixed --size 50 --seeds 0 1 2
    python benchmarks/row_order.py --compare final

Many files come sorted: by class, by date, by an id.  Cross-validated in
the rows' order, each held-out fold of such a file is a part of the data
the fold's condensers never saw.  For each dataset of ``quality.py`` this
sorts the training rows by their class, as such a file would hold them,
drops y, and fits ``AutoCondenser(size=--size)`` twice: with
``cv=KFold(3)`` (folds in order: what an int meant before 2026-12-02) and
with its default (3 shuffled folds drawn with ``random_state``).  It prints,
averaged over the seeds, the Gaussian MMD^2 (median bandwidth) and the
energy distance of each kept set to the held-out test rows, lower being
better, the candidates picked, and the seconds of each search.
``--compare final`` instead compares, on the rows as they are, the
default's 3 shuffled folds with judging the final sets (``cv="final"``,
the default for classes).
"""

import argparse
import time
import warnings

import numpy as np
import torch
from quality import DATASETS  # beside this script
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing

from skdc import AutoCondenser
from skdc.metrics import mmd

# What --compare sets side by side: whether the rows are sorted by class,
# and (label, AutoCondenser's cv) per arm, the old way first.
COMPARE = {
    "order": (True, (("in order", KFold(3)), ("shuffled", "auto"))),
    "final": (False, (("folds", "auto"), ("final", "final"))),
}


def measure_dataset(name, size, seeds, rows, compare="order"):
    """Per arm: MMD^2 and energy distance of the kept sets to the test rows,
    the picks and the search's seconds, one entry per seed."""
    build, _ = DATASETS[name]
    sort, arms = COMPARE[compare]
    found = {
        label: {k: [] for k in ("mmd", "energy", "picks", "s")} for label, _ in arms
    }
    # quality.py's splits are fixed; the seed draws the condensers.
    split = build(rows)
    X = split.X_train
    if sort:
        order = np.argsort(np.asarray(split.y_train), kind="stable")
        X = _safe_indexing(X, order)
    for seed in seeds:
        for label, cv in arms:
            start = time.process_time()
            auto = AutoCondenser(size=size, cv=cv, random_state=seed).fit(X)
            seconds = time.process_time() - start
            weights = getattr(auto, "sample_weight_", None)
            kept = found[label]
            kept["mmd"].append(mmd(split.X_test, auto.X_, weights=weights))
            kept["energy"].append(
                mmd(split.X_test, auto.X_, kernel="energy", weights=weights)
            )
            kept["picks"].append(auto.best_name_)
            kept["s"].append(seconds)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["digits", "breast_cancer", "wine", "mixed"],
        choices=list(DATASETS),
    )
    parser.add_argument("--size", type=int, default=20, help="rows of each set")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--compare", choices=list(COMPARE), default="order")
    parser.add_argument(
        "--rows", type=int, default=20_000, help="rows of the generated datasets"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    _, ((old, _), (new, _)) = COMPARE[args.compare]
    print(
        f"| dataset | MMD^2 {old} | MMD^2 {new} | energy {old} | energy {new} "
        f"| picks {old} | picks {new} | CPU s {old} | CPU s {new} |"
    )
    print("| --- | --: | --: | --: | --: | --- | --- | --: | --: |")
    for name in args.datasets:
        found = measure_dataset(name, args.size, args.seeds, args.rows, args.compare)
        cells = [f"{np.mean(found[label][k]):.4f}" for k in ("mmd", "energy")
                 for label in (old, new)]  # fmt: skip
        picks = [", ".join(found[label]["picks"]) for label in (old, new)]
        seconds = [f"{np.mean(found[label]['s']):.1f}" for label in (old, new)]
        row = [name, *cells, *picks, *seconds]
        print(f"| {' | '.join(row)} |", flush=True)


if __name__ == "__main__":
    main()
