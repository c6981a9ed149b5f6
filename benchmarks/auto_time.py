"""AutoCondenser's time with and without the search's shared work.

    python benchmarks/auto_time.py --datasets lending-club mixed digits
    python benchmarks/auto_time.py --compare judge-trees
    python benchmarks/auto_time.py --compare judging --rows 1000000
    python benchmarks/auto_time.py --compare measuring
    python benchmarks/auto_time.py --compare atoms-candidate

Inside its search AutoCondenser's fold fits skip measuring their
``discrepancy_`` and share each fold's encoding (``skdc._search``); its
default for classes, judging the final sets, shares the rows' encoding
between the candidates' fits on all rows.  This fits ``AutoCondenser()``
on datasets of ``quality.py`` (``--rows`` generated rows, 20,000 by
default) at ``--per-class`` rows per class, alternately with that sharing
and with it turned off (the fold fits then work as outside a search), and
k-means once per round as the baseline; it prints the least CPU seconds
of ``--repeats`` rounds (CPU time: these machines are shared), their ratio,
each in units of k-means' fit, and whether both picked the same candidate
with the same set.  ``--compare judge-trees`` times the default judge's
forest of ``JUDGE_TREES`` trees against the 100 it had before instead;
``--compare judging`` times judging the final sets (the default for
classes) against the 3-fold search that chose before 2026-12-01;
``--compare measuring`` times measuring ``discrepancy_`` of the final set
kept only against measuring every candidate's (as before 2026-12-01).
``--compare atoms-candidate`` times the seven default candidates against
the six before ``"wasserstein-no-atoms"`` joined them, whose set is a
decode of W2's optimisation.
"""

import argparse
import sys
import time
import warnings
from contextlib import nullcontext
from unittest.mock import patch

import numpy as np
import torch
from quality import (  # beside this script
    DATASETS,
    _default_candidates_without,
    choose_allocation,
)

import skdc._base
import skdc.auto
from skdc import AutoCondenser, KMeansCentroids


def _cpu_seconds(fit):
    start = time.process_time()
    fitted = fit()
    return time.process_time() - start, fitted


# The default's folds, which the 3-fold arm asks of with cv=3.
_RESOLVED_CV = skdc.auto._resolved_cv

# What --compare times: (label, the setting that makes that arm) for the arm
# as it was, then the default's.
ARMS = {
    "sharing": [
        (
            "unshared",
            lambda: patch.object(
                skdc.auto, "search_fits", lambda measure=False: nullcontext()
            ),
        ),
        ("shared", nullcontext),
    ],
    "judging": [
        (
            "3 folds",
            lambda: patch.object(
                skdc.auto, "_resolved_cv", lambda cv, *rest: _RESOLVED_CV(3, *rest)
            ),
        ),
        ("final sets", nullcontext),
    ],
    "measuring": [
        (
            "every set measured",
            lambda: patch.object(skdc._base, "measuring", lambda: True),
        ),
        ("kept set measured", nullcontext),
    ],
    "atoms-candidate": [
        (
            "six candidates",
            # quality.py's filter calls the unpatched defaults.
            lambda: patch.object(
                skdc.auto,
                "default_candidates",
                lambda: _default_candidates_without(skdc.auto.NO_ATOMS),
            ),
        ),
        ("seven", nullcontext),
    ],
    "judge-trees": [
        ("100 trees", lambda: patch.object(skdc.auto, "JUDGE_TREES", 100)),
        (f"{skdc.auto.JUDGE_TREES} trees", nullcontext),
    ],
}


def time_dataset(name, per_class, repeats, arms, seed=0, rows=20_000):
    split = DATASETS[name][0](rows)
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

    seconds = {label: [] for label, _ in arms} | {"kmeans": []}
    fitted = {}
    for _ in range(repeats):
        for label, setting in arms:
            with setting():
                spent, fitted[label] = _cpu_seconds(auto)
            seconds[label].append(spent)
        seconds["kmeans"].append(_cpu_seconds(kmeans)[0])
    best = {key: min(values) for key, values in seconds.items()}
    before, after = (fitted[label] for label, _ in arms)
    same = after.best_name_ == before.best_name_ and np.array_equal(
        np.asarray(after.X_, dtype=object), np.asarray(before.X_, dtype=object)
    )
    return best, same, after.best_name_


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
    parser.add_argument("--compare", choices=list(ARMS), default="sharing")
    parser.add_argument(
        "--rows", type=int, default=20_000, help="rows of the generated datasets"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    arms = ARMS[args.compare]
    old, new = (label for label, _ in arms)
    print(
        f"| dataset | {old} CPU s | {new} CPU s | {new} / {old} "
        f"| {old} / k-means | {new} / k-means | same pick and set | pick |"
    )
    print("| --- | --: | --: | --: | --: | --: | --- | --- |")
    for name in args.datasets:
        timed = time_dataset(name, args.per_class, args.repeats, arms, rows=args.rows)
        if timed is None:
            print(f"| {name} | skipped: too few rows | | | | | | |")
            continue
        best, same, pick = timed
        before, after, kmeans = best[old], best[new], best["kmeans"]
        print(
            f"| {name} | {before:.1f} | {after:.1f} | {after / before:.2f} "
            f"| {before / kmeans:.0f} | {after / kmeans:.0f} "
            f"| {'yes' if same else 'NO'} | {pick} |",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
