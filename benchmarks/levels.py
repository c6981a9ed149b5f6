"""Fit time against the number of levels of one string column.

Real tables carry string columns of many levels: postcodes, product codes,
an identifier left in.  skdc one-hot encodes at most 64 levels a column
(the rest share one column, decoded back to real levels by their
frequencies), so a column of many levels should cost little more than one
of a few.  This script measures that.

Table: ``skdc._evaluation.mixed_table`` of ``--rows`` rows (the quality
suite's mixed table: three string columns of 3 to 8 levels, a boolean, two
integer columns, five floats, two classes), plus a string column ``code``
whose values are drawn uniformly from L levels, for each L of
``--levels``; L equal to ``--rows`` gives every row a level of its own (an
identifier).  Every method condenses the table with its defaults (100 rows,
proportional allocation, ``random_state=0``); reported per method and L:

* ``cpu s``: CPU seconds of ``fit_resample`` (one torch thread, so this is
  the fit's own work, steadier than wall time on a shared machine);
* ``x no code``: that over the same method's CPU seconds on the table
  without ``code``, measured in the same process;
* ``code levels``: distinct levels of ``code`` in the condensed rows.

An untimed warm-up fit of every method runs first.

    python benchmarks/levels.py [--rows 20000] [--levels 0 64 1000 20000]
"""

import argparse
import sys
import time
import warnings

import numpy as np

from skdc import MMDCondenser, WassersteinCondenser
from skdc._backend import torch_threads
from skdc._evaluation import format_table, mixed_table
from skdc.selection import KMeansCentroids, RandomSubset

METHODS = {
    "RandomSubset": RandomSubset,
    "KMeansCentroids": KMeansCentroids,
    "WassersteinCondenser": WassersteinCondenser,
    "MMDCondenser": MMDCondenser,
}


def with_code(frame, levels, rng):
    """``frame`` plus a string column of ``levels`` levels drawn uniformly
    (one per row when ``levels`` is the number of rows); 0: ``frame``."""
    if levels == 0:
        return frame
    if levels == len(frame):
        codes = rng.permutation(levels)
    else:
        codes = rng.randint(levels, size=len(frame))
    return frame.assign(code=[f"c{i}" for i in codes])


def cpu_seconds(method, X, y):
    start = time.process_time()
    X_s, _ = method(random_state=0).fit_resample(X, y)
    return time.process_time() - start, X_s


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--levels", type=int, nargs="+", default=[0, 64, 1000, 20_000])
    parser.add_argument(
        "--methods", nargs="+", choices=list(METHODS), default=list(METHODS)
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    bad = [n for n in args.levels if not 0 <= n <= args.rows]
    if bad:
        parser.error(f"--levels {bad} must lie between 0 and --rows ({args.rows})")

    X, y = mixed_table(args.rows)
    tables = {n: with_code(X, n, np.random.RandomState(1)) for n in args.levels}
    print(
        f"# Fit time against the levels of one string column: {args.rows} rows, "
        f"torch threads {args.threads}\n"
    )
    rows = []
    with torch_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in args.methods:  # untimed warm-up
            cpu_seconds(METHODS[name], X.iloc[:2000], y[:2000])
        for name in args.methods:
            base, _ = cpu_seconds(METHODS[name], X, y)
            for n, table in tables.items():
                seconds, X_s = cpu_seconds(METHODS[name], table, y)
                rows.append(
                    {
                        "method": name,
                        "levels": "identifier" if n == args.rows else n,
                        "cpu_s": f"{seconds:.2f}",
                        "ratio": f"{seconds / base:.2f}",
                        "kept": X_s["code"].nunique() if "code" in X_s else "-",
                    }
                )
    columns = {
        "method": "method",
        "levels": "levels of code",
        "cpu_s": "cpu s",
        "ratio": "x no code",
        "kept": "code levels",
    }
    print(format_table(rows, columns, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
