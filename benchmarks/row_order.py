"""AutoCondenser without y on rows sorted by class: folds in the rows'
order against shuffled folds.

    python benchmarks/row_order.py
    python benchmarks/row_order.py --datasets wine mixed --size 50 --seeds 0 1 2

Many files come sorted: by class, by date, by an id.  Cross-validated in
the rows' order, each held-out fold of such a file is a part of the data
the fold's condensers never saw.  For each dataset of ``quality.py`` this
sorts the training rows by their class, as such a file would hold them,
drops y, and fits ``AutoCondenser(size=--size)`` twice: with
``cv=KFold(3)`` (folds in order: what an int meant before 2026-12-02) and
with its default (3 shuffled folds drawn with ``random_state``).  It prints,
averaged over the seeds, the Gaussian MMD^2 (median bandwidth) and the
energy distance of each kept set to the held-out test rows, lower being
better, and the candidates picked.
"""

import argparse
import warnings

import numpy as np
import torch
from quality import DATASETS  # beside this script
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing

from skdc import AutoCondenser
from skdc.metrics import mmd

# (label, AutoCondenser's cv): the folds compared, the old way first.
ARMS = (("in order", KFold(3)), ("shuffled", "auto"))


def measure_dataset(name, size, seeds, rows):
    """Per arm: mean MMD^2 and energy distance of the kept sets to the test
    rows over ``seeds``, and the picks."""
    build, _ = DATASETS[name]
    found = {label: {"mmd": [], "energy": [], "picks": []} for label, _ in ARMS}
    for seed in seeds:
        split = build(rows)
        # quality.py's splits are fixed; the seed draws the condensers.
        order = np.argsort(np.asarray(split.y_train), kind="stable")
        X_sorted = _safe_indexing(split.X_train, order)
        for label, cv in ARMS:
            auto = AutoCondenser(size=size, cv=cv, random_state=seed).fit(X_sorted)
            weights = getattr(auto, "sample_weight_", None)
            kept = found[label]
            kept["mmd"].append(mmd(split.X_test, auto.X_, weights=weights))
            kept["energy"].append(
                mmd(split.X_test, auto.X_, kernel="energy", weights=weights)
            )
            kept["picks"].append(auto.best_name_)
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
    parser.add_argument(
        "--rows", type=int, default=20_000, help="rows of the generated datasets"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    (old, _), (new, _) = ARMS
    print(
        f"| dataset | MMD^2 {old} | MMD^2 {new} | energy {old} | energy {new} "
        f"| picks {old} | picks {new} |"
    )
    print("| --- | --: | --: | --: | --: | --- | --- |")
    for name in args.datasets:
        found = measure_dataset(name, args.size, args.seeds, args.rows)
        cells = [f"{np.mean(found[label][k]):.4f}" for k in ("mmd", "energy")
                 for label in (old, new)]  # fmt: skip
        picks = [", ".join(found[label]["picks"]) for label in (old, new)]
        print(f"| {name} | {' | '.join(cells)} | {' | '.join(picks)} |", flush=True)


if __name__ == "__main__":
    main()
