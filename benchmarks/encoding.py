"""Time to encode a table, as every condenser fit on a table does.

A condenser given a table (string, boolean or date columns,
``preprocessor="quantile"``, or long-tailed numbers with the default
``"auto"``) fits ``skdc._tabular.TableEncoder`` on all the rows and encodes
them.  At a million rows that work is a large part of the fit.  Since
2026-12-01 the encoder fills numbers with their medians through
``np.nanmedian`` (``MedianImputer``) instead of ``SimpleImputer``'s sort of
a masked array, its fit hands back the encoding its column transformer
computed instead of transforming the rows a second time, and it one-hot
encodes each column with its own ``OneHotEncoder`` (``LevelEncoder``), a
column of short strings as NumPy text, which scikit-learn counts in C.

This encodes each dataset of ``quality.py`` named (``--rows`` generated
rows: their 70% training split) in each ``--numbers`` mode, the way it was
before (``SimpleImputer(strategy="median")``, one ``OneHotEncoder`` for all
columns of levels, ``fit`` then ``transform``) and the way it is
(``fit_transform``), alternately, in one process, and
prints the least CPU seconds of ``--repeats`` rounds of each, their ratio
and whether the two encodings are equal.

    python benchmarks/encoding.py [--rows 1000000] [--repeats 3]
"""

import argparse
import time
from unittest.mock import patch

import numpy as np
from quality import DATASETS  # beside this script
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder

import skdc._tabular
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


def _before(X, numbers):
    with (
        patch.object(skdc._tabular, "MedianImputer", _sorted_median),
        patch.object(skdc._tabular, "LevelEncoder", _one_encoder),
    ):
        return TableEncoder(numbers).fit(X).transform(X)


def time_encoding(X, numbers, repeats):
    """(before s, after s, equal encodings): least CPU seconds of each."""
    before, after = [], []
    for _ in range(repeats):
        seconds, old = _cpu_seconds(lambda: _before(X, numbers))
        before.append(seconds)
        seconds, new = _cpu_seconds(lambda: TableEncoder(numbers).fit_transform(X))
        after.append(seconds)
    return min(before), min(after), np.array_equal(old, new)


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
    args = parser.parse_args(argv)
    print(
        "| dataset | rows x columns | numbers | before CPU s | after CPU s "
        "| after / before | same encoding |"
    )
    print("| --- | --- | --- | --: | --: | --: | --- |")
    for name in args.datasets:
        X = DATASETS[name][0](args.rows).X_train
        for numbers in args.numbers:
            before, after, same = time_encoding(X, numbers, args.repeats)
            print(
                f"| {name} | {X.shape[0]:,} x {X.shape[1]} | {numbers} "
                f"| {before:.2f} | {after:.2f} | {after / before:.2f} "
                f"| {'yes' if same else 'NO'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
