"""AutoCondenser's time with and without the search's shared work.

    python benchmarks/auto_time.py --datasets lending-club mixed digits

Inside its search AutoCondenser's fold fits skip measuring their
``discrepancy_`` and share each fold's encoding (``skdc._search``).  This
fits ``AutoCondenser()`` on datasets of ``quality.py`` (20,000 generated
rows) at ``--per-class`` rows per class, alternately with that sharing and
with it turned off (the fold fits then work as outside a search), and
k-means once per round as the baseline; it prints the least CPU seconds
of ``--repeats`` rounds (CPU time: these machines are shared), their ratio,
each in units of k-means' fit, and whether both picked the same candidate
with the same set.
"""

import argparse
import contextlib
import sys
import time
import warnings

import numpy as np
import torch
from quality import DATASETS, choose_allocation  # beside this script

import skdc.auto
from skdc import AutoCondenser, KMeansCentroids


def _cpu_seconds(fit):
    start = time.process_time()
    fitted = fit()
    return time.process_time() - start, fitted


def time_dataset(name, per_class, repeats, seed=0):
    split = DATASETS[name][0](20_000)
    allocation, size = choose_allocation(split.y_train, per_class)
    if allocation is None:
        return None

    def auto():
        return AutoCondenser(size=size, allocation=allocation, random_state=seed).fit(
            split.X_train, split.y_train
        )

    def kmeans():
        return KMeansCentroids(size=size, allocation=allocation, random_state=seed).fit(
            split.X_train, split.y_train
        )

    sharing = skdc.auto.search_fits
    seconds = {"shared": [], "unshared": [], "kmeans": []}
    fitted = {}
    try:
        for _ in range(repeats):
            for label in ("unshared", "shared"):
                skdc.auto.search_fits = (
                    sharing if label == "shared" else contextlib.nullcontext
                )
                spent, fitted[label] = _cpu_seconds(auto)
                seconds[label].append(spent)
            seconds["kmeans"].append(_cpu_seconds(kmeans)[0])
    finally:
        skdc.auto.search_fits = sharing
    best = {key: min(values) for key, values in seconds.items()}
    a, b = fitted["shared"], fitted["unshared"]
    same = a.best_name_ == b.best_name_ and np.array_equal(
        np.asarray(a.X_, dtype=object), np.asarray(b.X_, dtype=object)
    )
    return best, same, a.best_name_


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["lending-club", "mixed", "caravan", "sep1-inf5-10cls", "digits"],
        choices=list(DATASETS),
    )
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    print(
        "| dataset | unshared CPU s | shared CPU s | shared / unshared "
        "| unshared / k-means | shared / k-means | same pick and set | pick |"
    )
    print("| --- | --: | --: | --: | --: | --: | --- | --- |")
    for name in args.datasets:
        timed = time_dataset(name, args.per_class, args.repeats)
        if timed is None:
            print(f"| {name} | skipped: too few rows | | | | | | |")
            continue
        best, same, pick = timed
        shared, unshared, kmeans = best["shared"], best["unshared"], best["kmeans"]
        print(
            f"| {name} | {unshared:.1f} | {shared:.1f} | {shared / unshared:.2f} "
            f"| {unshared / kmeans:.0f} | {shared / kmeans:.0f} "
            f"| {'yes' if same else 'NO'} | {pick} |",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
