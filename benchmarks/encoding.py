"""Time to encode a table, as every condenser fit on a table does.

A condenser given a table (string, boolean or date columns,
``preprocessor="quantile"``, or long-tailed numbers with the default
``"auto"``) fits ``skdc._tabular.TableEncoder`` on all the rows and encodes
them.  At a million rows that work is a large part of the fit.  Since
2026-12-01 the encoder fills numbers with their medians through
``np.nanmedian`` (``MedianImputer``) instead of ``SimpleImputer``'s sort of
a masked array, its fit hands back the encoding its column transformer
computed instead of transforming the rows a second time, and it one-hot
encodes levels as ``OneHotEncoder`` does but counts and looks them up with
pandas' hash tables (``LevelEncoder``), where scikit-learn loops over
Python objects one at a time.

This encodes each dataset of ``quality.py`` named (``--rows`` generated
rows: their 70% training split) in each ``--numbers`` mode, the way it was
before (``SimpleImputer(strategy="median")``, ``OneHotEncoder``, ``fit``
then ``transform``) and the way it is
(``fit_transform``), alternately, in one process, and
prints the least CPU seconds of ``--repeats`` rounds of each, their ratio
and whether the two encodings are equal; with ``--fit``, the same for a
whole ``WassersteinCondenser()`` fit on the table (100 rows, one torch
thread), and whether the two sets are equal.

    python benchmarks/encoding.py [--rows 1000000] [--repeats 3] [--fit]
"""

import argparse
import contextlib
import time
from functools import partial
from unittest.mock import patch

import numpy as np
import torch
from quality import DATASETS  # beside this script
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder

import skdc._tabular
from skdc import WassersteinCondenser
from skdc._tabular import MAX_LEVELS, TableEncoder


def _cpu_seconds(encode):
    start = time.process_time()
    encoded = encode()
    return time.process_time() - start, encoded


def _sorted_median():
    return SimpleImputer(strategy="median")


def _one_encoder():
    return OneHotEncoder(
        sparse_output=False, handle_unknown="ignore", max_categories=MAX_LEVELS
    )


@contextlib.contextmanager
def encoded_as_before():
    """The table encoder as it was before 2026-12-01: SimpleImputer's
    medians, one OneHotEncoder for all columns of levels, and a fit that
    encodes the rows a second time."""
    with (
        patch.object(skdc._tabular, "MedianImputer", _sorted_median),
        patch.object(skdc._tabular, "LevelEncoder", _one_encoder),
        patch.object(TableEncoder, "fit_transform", _fit_then_transform),
    ):
        yield


def _fit_then_transform(encoder, X):
    return encoder.fit(X).transform(X)


def time_both(work, repeats):
    """(before s, after s, results before and after): the least CPU seconds
    of ``repeats`` rounds of ``work()`` as before and as now, alternately."""
    before, after = [], []
    for _ in range(repeats):
        with encoded_as_before():
            seconds, old = _cpu_seconds(work)
        before.append(seconds)
        seconds, new = _cpu_seconds(work)
        after.append(seconds)
    return min(before), min(after), old, new


def _encode(X, numbers):
    return TableEncoder(numbers).fit_transform(X)


def _condense(X, y):
    return WassersteinCondenser(random_state=0).fit(X, y)


def _row(name, X, what, before, after, same):
    return (
        f"| {name} | {X.shape[0]:,} x {X.shape[1]} | {what} | {before:.2f} "
        f"| {after:.2f} | {after / before:.2f} | {'yes' if same else 'NO'} |"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["mixed", "sep1-inf5-10cls"],
        choices=list(DATASETS),
    )
    parser.add_argument(
        "--numbers", nargs="+", default=["standard", "auto", "quantile"]
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--fit",
        action="store_true",
        help="also time WassersteinCondenser()'s whole fit on each table",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(
        "| dataset | rows x columns | what | before CPU s | after CPU s "
        "| after / before | same result |"
    )
    print("| --- | --- | --- | --: | --: | --: | --- |")
    for name in args.datasets:
        split = DATASETS[name][0](args.rows)
        X, y = split.X_train, split.y_train
        for numbers in args.numbers:
            before, after, old, new = time_both(
                partial(_encode, X, numbers), args.repeats
            )
            same = np.array_equal(old, new)
            print(_row(name, X, numbers, before, after, same), flush=True)
        if args.fit:
            before, after, old, new = time_both(partial(_condense, X, y), args.repeats)
            same = np.array_equal(
                np.asarray(old.X_, dtype=object), np.asarray(new.X_, dtype=object)
            )
            print(_row(name, X, "W2 fit", before, after, same), flush=True)


if __name__ == "__main__":
    main()
