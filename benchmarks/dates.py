"""Tables with dates: condensed as dates, as text, or without them.

skdc condenses ``datetime64`` and ``timedelta64`` columns as numbers (counts
of their unit) and decodes them back to dates.  A date read from a CSV file
without ``--date`` (or ``pd.to_datetime``) is text instead, so a level: the
condenser can only copy dates seen in the data, and the models' encoder
one-hot encodes them, so a date seen in no training row tells a model
nothing.  This script measures what that costs, and what dropping the
dates costs.

Table: ``skdc._evaluation.mixed_table`` of ``--rows`` rows (the quality
suite's mixed table, two classes) plus three time columns: ``opened``, a
date (whole days) about a year later for class 1 than for class 0, with a
spread of a year; ``seen``, a time to the second, without signal; and
``tenure``, a duration twice as long for class 1 on average.  Three
versions of the table: the time columns as they are ("dates"), as ISO
text ("text"), and dropped ("none").  A quarter of the rows is held out.
Each method condenses the training rows of each version to ``--per-class``
rows a class; a logistic regression, a 1-NN and a random forest
(``skdc._evaluation.default_models``, behind the encoder ``model_for``
gives them) are trained on the set and scored on the held-out rows of the
same version (accuracy), and on all training rows ("full data").

    python benchmarks/dates.py [--rows 20000] [--per-class 10 50] [--seeds 0 1 2]
                               [--methods RandomSubset ...]
"""

import argparse
import sys
import warnings

import numpy as np
import pandas as pd
from levels import METHODS  # benchmarks/levels.py, beside this script
from sklearn.model_selection import train_test_split

from skdc._backend import torch_threads
from skdc._evaluation import (
    condense_all,
    default_models,
    format_table,
    mixed_table,
    model_for,
    score_sets,
)

TIMES = ["opened", "seen", "tenure"]


def dated_table(rows, seed):
    """``mixed_table`` plus a date and a duration with class signal and a
    time without; the labels."""
    X, y = mixed_table(rows, random_state=seed)
    rng = np.random.RandomState(seed)
    days = np.clip(np.rint(365 * (2 + y + rng.normal(size=rows))), 0, 5 * 365)
    seconds = rng.randint(0, 365 * 86400, rows)
    X = X.assign(
        opened=pd.Timestamp("2015-01-01") + pd.to_timedelta(days, unit="D"),
        seen=pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"),
        tenure=pd.to_timedelta(np.rint(rng.exponential(30 * (1 + y))), unit="D"),
    )
    return X, y


def versions(X):
    """The table with its time columns as they are, as text, and dropped."""
    text = X.assign(**{c: X[c].astype(str) for c in TIMES})
    return {"dates": X, "text": text, "none": X.drop(columns=TIMES)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--per-class", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--methods", nargs="+", choices=list(METHODS), default=list(METHODS)
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    scores = {}  # (per class, version, method) -> mean score per seed
    with torch_threads(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in args.seeds:
            X, y = dated_table(args.rows, seed)
            train, test = train_test_split(
                np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed
            )
            for version, table in versions(X).items():
                X_train, X_test = table.iloc[train], table.iloc[test]
                models = {
                    k: model_for(m, X_train) for k, m in default_models(seed).items()
                }
                sets = {"full data": (X_train, y[train])}
                for per_class in args.per_class:
                    reducers = {
                        name: METHODS[name](size=2 * per_class, random_state=seed)
                        for name in args.methods
                    }
                    condensed, _ = condense_all(reducers, X_train, y[train])
                    rows = score_sets(condensed, X_test, y[test], models)
                    if per_class == args.per_class[0]:
                        rows += score_sets(sets, X_test, y[test], models)
                    for row in rows:
                        pc = "-" if row["method"] == "full data" else per_class
                        key = (pc, version, row["method"])
                        scores.setdefault(key, []).append(row["mean"])
    print(
        f"# Dates, text or none: {args.rows} rows, seeds {args.seeds}, mean "
        "accuracy of LogReg, 1-NN and RandomForest on held-out rows\n"
    )
    table = {}  # one row per (per class, method), a column per version
    for (per_class, version, method), values in scores.items():
        row = table.setdefault(
            (per_class, method), {"per_class": per_class, "method": method}
        )
        row[version] = f"{np.mean(values):.4f}"
    columns = {"per_class": "per class", "method": "method"}
    columns.update({v: f"time columns: {v}" for v in versions(X)})
    table = list(table.values())
    print(format_table(table, columns, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
