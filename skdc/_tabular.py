"""Mixed-type tables: encode to numbers, condense, decode to valid rows.

Condensers move real-valued rows.  A table with categorical, boolean,
integer, date and duration columns is encoded with scikit-learn
(``ColumnTransformer``: median imputation then ``StandardScaler`` for numbers,
dates and durations as counts of their unit, ``SimpleImputer`` then
one-hot levels, as ``OneHotEncoder`` gives them, for categories and
booleans), condensed in that space, and
decoded back to a DataFrame with the input's columns and dtypes.

Decoding must give rows that look like data: a synthetic one-hot block holds
fractions such as (0.6, 0.3, 0.1), and trees trained on fractional dummies
have nothing to split on.  Every block is therefore decoded to exactly one
category.  Per-row argmax would do that, but it sends every row of a class to
the class's most common category whenever the soft rows sit near the class
mean, losing the category proportions the condenser matched.
:func:`decode_categories` keeps them: it rounds the block's column sums to
whole category counts (largest remainders) and gives each row a category
under those counts so that the total soft membership is largest, an optimal
transport problem between rows and categories (solved exactly by POT).

Scale of the encoded space: numbers are standardised and one-hot columns left
at 0/1.  A category change then moves a row by sqrt(2), the same distance as
the root-mean-square difference between two random values of a standardised
number, so a category flip weighs like a typical numeric difference whatever
the number of levels.  Standardising the dummies instead would blow up rare
levels (the dummy of a level with 1% of rows would span ten standard
units).
Measured on benchmarks/tabular.py's tables (2000 rows, 20 rows per class,
two seeds): scaling the dummies by 0.5 scored like 1; by 2, random forests
on WassersteinCondenser's sets lost 0.02 (3 classes) and 0.07 (imbalanced)
balanced accuracy.

With ``numbers="quantile"`` numbers are first mapped through their
training quantiles to normal scores (``QuantileTransformer``), then
standardised, and decoded back through the same steps: distances then
count ranks, not units, so a long tail no longer spreads one column over
many standard units while its bulk shares a fraction of one, and an
average of rows decodes to a value between the data's own.

With ``numbers="auto"`` only the long-tailed columns are remapped (see
:func:`long_tailed`), by a Yeo-Johnson power map (:class:`TailMap`), and
the others are standardised as they are.  The power keeps more of a
column's units than quantiles do.  Measured with benchmarks/quality.py
(WassersteinCondenser, seeds 0-2, four-model mean at 10 and 50 rows per
class) on the five real tables with such columns, against standardising
them: spam7 +0.054 and +0.036, nass-dead +0.018 and +0.029, hpc-jobs
+0.010 and +0.015, Lending Club +0.001 and -0.004, credit -0.018 and
-0.017 (where the one mapped column, debt, is zero in 82% of rows: the
map sets the other rows apart from that atom, which helped on spam7's
counts, zero in 51-85% of rows, and cost here).

With ``numbers="auto"`` and ``"quantile"``, numeric columns that copy each
other (a correlation of 0.99 or more in size: a unit conversion, a charge
that is its minutes times a rate) weigh as one column (:class:`CopyWeights`):
standardised, k copies would each add a full column's share to every
squared distance, counting one quantity k times over.

Columns with more than MAX_LEVELS levels keep a dummy for each of their
MAX_LEVELS - 1 most frequent levels and one shared by the rest; decoding
hands the rows of the shared dummy real rare levels in proportion to their
training frequencies.
"""

import numpy as np
import ot
from scipy.sparse.csgraph import connected_components
from scipy.stats import yeojohnson_normmax
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler

from ._allocation import _largest_remainder

_NUMERIC, _INTEGER, _CATEGORY = "numeric", "integer", "category"
# Dates and durations: numbers of their unit (whole, like integers) from the
# column's earliest value, decoded back to the column's dtype.
_TIME = "time"

# Levels kept as one-hot columns of their own per categorical column; the
# rarer ones share one column.  A 3,000-level column would otherwise add
# 3,000 dimensions that every distance of every step pays for, while a set of
# a few hundred rows cannot hold most of those levels anyway.
MAX_LEVELS = 64

# Reference quantiles of numbers="quantile" (QuantileTransformer's default);
# fewer when the table has fewer rows.
QUANTILES = 1000

# A numeric column is long-tailed when standardising squeezes its middle
# half of rows into less than TAIL_SQUEEZE standard deviations (a normal
# column's spans 1.35, an exponential's 1.1), the squeeze comes from one
# side (skewness above TAIL_SKEW in size: a symmetric spike is no tail a
# monotone map could spread) and it holds at least TAIL_LEVELS distinct
# values (fewer are levels of a count, which a map would only move apart).
# Skewness alone also picked incomes, tumour areas and distances whose bulk
# is not squeezed (breast_cancer, doctor-health, benefits-ui,
# college-income), where mapping moved W2 by -0.011 to +0.014.
TAIL_SQUEEZE = 0.5
TAIL_SKEW = 2.0
TAIL_LEVELS = 20
# A column whose commonest value holds at least TAIL_ATOM of its rows is
# that value plus a few scattered rows: there is no bulk to spread, and in
# the mapped scale those rows sit near the atom, so a condensed set's
# averages decode to a shrunken tail (Ames' porch areas kept 0.23 to 0.37
# of their spread; benchmarks/README.md, "regression.py").  Spam7's counts,
# zero in 51% to 85% of rows, are the ones the map helps most.
TAIL_ATOM = 0.9
# Rows the test reads at most (a fixed random subset above): the quartiles
# and moments of 100,000 rows settle well inside these margins, and the
# test then costs the same on 10^6 rows as on 10^5.
TAIL_ROWS = 100_000
# Significant digits the power map keeps up to a column's largest value.
TAIL_DIGITS = 8

# Numeric columns are copies of each other when their correlation is at
# least COPY_CORRELATION in size (a unit conversion, a fixed rate: a phone
# plan's charge is its minutes times a price).  Copies are found on at most
# COPY_ROWS rows (a fixed random subset), and only in tables of at least
# COPY_MIN_ROWS rows: in a handful of rows unrelated columns can line up.
COPY_CORRELATION = 0.99
COPY_ROWS = 10_000
COPY_MIN_ROWS = 20


def column_kind(dtype):
    """How a column of ``dtype`` is encoded: "numeric", "integer", "time"
    (dates, with or without a time zone, and durations) or "category"
    (booleans, strings, objects and pandas categoricals)."""
    import pandas as pd

    api = pd.api.types
    if api.is_bool_dtype(dtype):
        return _CATEGORY
    if api.is_integer_dtype(dtype):
        return _INTEGER
    if api.is_numeric_dtype(dtype) and not api.is_complex_dtype(dtype):
        return _NUMERIC
    if api.is_datetime64_any_dtype(dtype) or api.is_timedelta64_dtype(dtype):
        return _TIME
    return _CATEGORY


def time_counts(column, origin=0):
    """A date or duration column -> float64 counts of its unit after
    ``origin`` (NaT: NaN).

    A date counts from 1970 (UTC for a zoned one), a duration from zero;
    ``origin`` (a whole count, see :func:`time_grid`) is taken off before
    the counts become floats, because nanoseconds since 1970 pass 2**53,
    past which float64 drops whole counts.
    """
    import pandas as pd

    values = pd.array(column)
    counts = (values.asi8 - np.int64(origin)).astype(np.float64)
    counts[np.asarray(values.isna())] = np.nan
    return counts


def column_numbers(column, origin=0):
    """A number, date or duration column -> float64 with NaN for missing
    values (dates and durations as counts of their unit after ``origin``):
    the input scikit-learn's imputers and scalers take."""
    if column_kind(column.dtype) == _TIME:
        return time_counts(column, origin)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def as_numbers(frame):
    """A DataFrame of numbers, dates and durations -> a float64 array of
    :func:`column_numbers`."""
    columns = [column_numbers(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def _wall_counts(values):
    """Counts of a zoned date array's local wall-clock times (a naive
    array's own counts): a zone's daylight-saving shifts would otherwise
    put a column of local midnights on a grid of one hour."""
    if getattr(values.dtype, "tz", None) is not None:
        values = values.tz_localize(None)
    return values.asi8


def time_grid(column):
    """(origin, step) of a date or duration column: its earliest count, and
    the greatest common divisor of the local wall-clock counts after the
    earliest -- the column's resolution (a day for dates, a second for
    times to the second).  The step is 1 for a column of one value, and
    (0, 1) for one of only NaT."""
    import pandas as pd

    values = pd.array(column)
    present = ~np.asarray(values.isna())
    if not present.any():
        return 0, 1
    wall = _wall_counts(values)[present]
    step = int(np.gcd.reduce(wall - wall.min()))
    return int(values.asi8[present].min()), max(step, 1)


def from_time_counts(counts, dtype, origin=0, step=1):
    """Counts after ``origin`` -> a Series of ``dtype``, rounded to whole
    ``step`` s of local wall-clock time (the inverse of :func:`time_counts`).

    A zoned value already on that grid keeps its instant, so a real row in
    the hour a clock goes back over stays exact; one moved onto the grid
    there takes standard time, and one moved into the hour a clock skips
    is moved past it.
    """
    import pandas as pd

    counts = np.rint(np.asarray(counts)).astype(np.int64) + np.int64(origin)
    unit = getattr(dtype, "unit", None) or np.datetime_data(dtype)[0]
    if pd.api.types.is_timedelta64_dtype(dtype):
        kind = f"m8[{unit}]"
    else:
        kind = f"M8[{unit}]"
    tz = getattr(dtype, "tz", None)

    def snapped(wall, anchor):
        # In whole counts: nanoseconds since 1970 are past float64's 2**53.
        return anchor + (wall - anchor + step // 2) // step * step

    if tz is None:
        return pd.Series(snapped(counts, np.int64(origin)).astype(kind))
    utc = pd.array(np.append(counts, origin).astype(kind)).tz_localize("UTC")
    wall = _wall_counts(utc.tz_convert(tz))
    on_grid = snapped(wall[:-1], wall[-1])
    moved = on_grid != wall[:-1]
    series = pd.Series(utc[:-1].tz_convert(tz))
    if moved.any():
        local = pd.Series(on_grid[moved].astype(kind)).dt.tz_localize(
            tz, ambiguous=np.zeros(int(moved.sum()), bool), nonexistent="shift_forward"
        )
        series[moved] = local.to_numpy()
    return series


def needs_encoding(X):
    """True for a DataFrame with a categorical, string, object, boolean,
    date or duration column: the input that ``preprocessor="auto"``
    encodes."""
    if not hasattr(X, "dtypes") or not hasattr(X, "columns"):
        return False
    return any(column_kind(dtype) not in (_NUMERIC, _INTEGER) for dtype in X.dtypes)


def long_tailed(values):
    """Boolean mask of the long-tailed columns of ``values`` (n, k): at
    least TAIL_LEVELS distinct finite values, an interquartile range below
    TAIL_SQUEEZE standard deviations, a skewness above TAIL_SKEW in size,
    and no value holding TAIL_ATOM of the rows.  Non-finite values are
    ignored; above TAIL_ROWS rows, a fixed random subset of them is read.

    Standardising such a column spends its unit of spread on the few rows
    of the tail, squeezing the bulk, where most rows differ, into a
    fraction of a unit that every distance then overlooks.
    """
    # The subset first: a float64 copy of all of a large float32 X would
    # double its memory (400 MB more at 10^6 rows x 50 columns).
    values = np.asarray(_fixed_subset(np.asarray(values), TAIL_ROWS), dtype=np.float64)
    mask = np.zeros(values.shape[1], dtype=bool)
    for j, column in enumerate(values.T):
        column = column[np.isfinite(column)]
        if len(column) == 0 or not column.any():
            continue
        # The test is scale-free; in units of the largest value the moments
        # neither overflow (1e200) nor underflow (1e-200).
        column = column / np.abs(column).max()
        centred = column - column.mean()
        spread = np.mean(centred**2)
        lower, upper = np.percentile(column, [25, 75])
        squeezed = upper - lower < TAIL_SQUEEZE * np.sqrt(spread)
        skewed = abs(np.mean(centred**3)) > TAIL_SKEW * spread**1.5
        if not (squeezed and skewed):
            continue
        # Sorting for the distinct values costs most: last, and rarely.
        counts = np.unique(column, return_counts=True)[1]
        mask[j] = len(counts) >= TAIL_LEVELS and counts.max() < TAIL_ATOM * len(column)
    return mask


def _fixed_subset(values, rows):
    """At most ``rows`` rows of ``values``: all of them, or a random subset
    drawn the same way every time (in their original order)."""
    if len(values) <= rows:
        return values
    drawn = np.random.default_rng(0).choice(len(values), rows, replace=False)
    return values[np.sort(drawn)]


def copy_groups(values):
    """Group label of each column of ``values`` (n, k): columns linked by a
    chain of correlations of at least COPY_CORRELATION in size share one.
    Constant columns, and every column of a table with fewer than
    COPY_MIN_ROWS rows, are groups of their own."""
    values = _fixed_subset(np.asarray(values, dtype=np.float64), COPY_ROWS)
    k = values.shape[1]
    if len(values) < COPY_MIN_ROWS or k < 2:
        return np.arange(k)
    centred = values - values.mean(axis=0)
    norms = np.sqrt((centred**2).sum(axis=0))
    varying = norms > 0
    centred[:, varying] /= norms[varying]
    linked = np.abs(centred.T @ centred) >= COPY_CORRELATION
    linked[~varying] = linked[:, ~varying] = False
    return connected_components(linked, directed=False)[1]


def numeric_tails(X):
    """True for numbers (an array, or a DataFrame of numbers) with a
    long-tailed column: the input that ``preprocessor="auto"`` encodes even
    without categories.  Anything else answers False and is left to the
    usual validation."""
    if needs_encoding(X):
        return False
    try:
        values = np.asarray(X)
        if np.iscomplexobj(values):
            return False
        if values.dtype.kind not in "biuf":  # numbers as objects or text
            values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if values.ndim != 2 or np.isinf(values).any():
        return False  # the numeric path names the problem
    return bool(long_tailed(values).any())


class TailMap(TransformerMixin, BaseEstimator):
    """Yeo-Johnson power map of the long-tailed columns (:func:`long_tailed`);
    the other columns pass through unchanged.

    Yeo-Johnson is neither shift nor scale invariant, so each long-tailed
    column is first moved to start at 0 with its tail pointing up (a left
    tail is mirrored), in units of the median of its positive values: the
    fitted power then depends on the column's shape alone, not on its units
    (dollars or thousands), an offset (a year) or its tail's side, and its
    log-like bend falls on the bulk, which sits near 1.  Two other choices
    did worse: fitted on a left tail as it is, the power was near 10,
    spreading the column over nine orders of magnitude; in units of the
    standard deviation the bulk sat near 0, where the map is nearly
    linear (WassersteinCondenser on spam7, benchmarks/quality.py, seeds
    0-2, both without the bound below: 0.786 at 10 rows per class against
    0.808 in median units).

    On values from 0 up, Yeo-Johnson with power ``lam`` is
    ``((1 + u) ** lam - 1) / lam`` (``log1p(u)`` at 0), and the power is
    scipy's maximum-likelihood one, at most 1 and bounded below so that
    the map keeps TAIL_DIGITS significant digits up to the column's largest
    value: a column that is one value in almost every row drew powers near
    -50, under which every other value maps to nearly the same number and
    decodes to an arbitrary one.  Values below the training range map as
    its lowest, and the inverse clips to the mapped training range.

    Attributes
    ----------
    columns_ : ndarray of bool, shape (n_features,)
        The long-tailed columns.
    lambdas_ : ndarray of shape (n_long_tailed,)
        Their powers.
    """

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.columns_ = long_tailed(X)
        tails = X[:, self.columns_]
        centred = tails - tails.mean(axis=0)
        centred /= np.abs(centred).max(axis=0)  # no overflow in the cube
        right = (centred**3).mean(axis=0) > 0
        self.origin_ = np.where(right, tails.min(axis=0), tails.max(axis=0))
        sign = np.where(right, 1.0, -1.0)
        # Positive for every column: it has TAIL_LEVELS distinct values.
        bulk = [np.median(d[d > 0]) for d in (sign * (tails - self.origin_)).T]
        # Signed: a left tail's units count down from its maximum.
        self.scale_ = sign * np.array(bulk)
        units = self._units(tails)
        self.top_ = units.max(axis=0)
        # (1 + top) ** lam, the map's distance to its ceiling at the top,
        # stays above 10 ** -TAIL_DIGITS; above 1 the map would stretch the
        # tail it is there to compress.
        floor = -TAIL_DIGITS / np.log10(1.0 + self.top_)
        fitted = np.array([yeojohnson_normmax(u) for u in units.T], dtype=np.float64)
        self.lambdas_ = np.clip(fitted, floor, 1.0)
        mapped = self._power(units)
        self.low_, self.high_ = mapped.min(axis=0), mapped.max(axis=0)
        return self

    def _units(self, tails):
        return (tails - self.origin_) / self.scale_

    def _divisors(self):
        """The powers, with 1 where a power is 0 (whose map is the log)."""
        return np.where(self.lambdas_ == 0, 1.0, self.lambdas_)

    def _power(self, units):
        logs = np.log1p(np.maximum(units, 0.0))
        lam = self.lambdas_
        return np.where(lam == 0, logs, np.expm1(lam * logs) / self._divisors())

    def transform(self, X):
        X = np.array(X, dtype=np.float64)  # a copy: columns are replaced
        X[:, self.columns_] = self._power(self._units(X[:, self.columns_]))
        return X

    def inverse_transform(self, X):
        X = np.array(X, dtype=np.float64)
        mapped = np.clip(X[:, self.columns_], self.low_, self.high_)
        lam = self.lambdas_
        logs = np.where(lam == 0, mapped, np.log1p(lam * mapped) / self._divisors())
        X[:, self.columns_] = np.expm1(logs) * self.scale_ + self.origin_
        return X


class CopyWeights(TransformerMixin, BaseEstimator):
    """Scale standardised columns so that a group of copies weighs as one.

    Columns that are copies of each other (:func:`copy_groups`: a
    correlation of at least COPY_CORRELATION in size, a charge that is its
    minutes times a rate) carry one column's information, but each adds
    its own share to every squared distance, so standardised copies count
    it k times over.  Each column of a group of k is divided by sqrt(k),
    and the group then adds what one of its columns adds alone.

    Measured with benchmarks/quality.py (seeds 0-2, four-model mean): on
    mlc-churn, whose four charges copy their minutes, WassersteinCondenser
    rose from 0.603 to 0.675 at 10 rows per class and k-means centroids
    from 0.607 to 0.683; on diamond cuts (x and y) it moved by at most 0.006.

    Attributes
    ----------
    groups_ : ndarray of int, shape (n_features,)
        Each column's group.
    weights_ : ndarray of shape (n_features,)
        Each column's factor, one over the square root of its group's size.
    """

    def fit(self, X, y=None):
        self.groups_ = copy_groups(X)
        sizes = np.bincount(self.groups_)
        self.weights_ = 1.0 / np.sqrt(sizes[self.groups_])
        return self

    def transform(self, X):
        return np.asarray(X, dtype=np.float64) * self.weights_

    def inverse_transform(self, X):
        return np.asarray(X, dtype=np.float64) / self.weights_


class MedianImputer(TransformerMixin, BaseEstimator):
    """Missing numbers -> their column's median, as
    ``SimpleImputer(strategy="median")`` fills them, found by NumPy's
    partition (``np.nanmedian``) instead of SimpleImputer's sort of a masked
    array: that sort took 4.2 of the 9.4 CPU seconds of fitting the
    quantile encoder of 700,000 rows of 15 numbers.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features,)
        Each column's median, missing values left out.
    """

    def fit(self, X, y=None):
        # A column of missing values only is refused before any encoder.
        self.statistics_ = np.nanmedian(np.asarray(X, dtype=np.float64), axis=0)
        return self

    def transform(self, X):
        X = np.array(X, dtype=np.float64)  # a copy: the caller's stays as it is
        holes = np.isnan(X)
        if holes.any():
            X[holes] = np.broadcast_to(self.statistics_, X.shape)[holes]
        return X


class LevelEncoder(TransformerMixin, BaseEstimator):
    """One-hot levels as ``OneHotEncoder(sparse_output=False,
    handle_unknown="ignore", max_categories=MAX_LEVELS)`` encodes them, with
    its ``categories_`` and ``infrequent_categories_``, counted and looked up
    by pandas' hash tables.

    scikit-learn counts and maps levels held as Python objects one value at
    a time (the Python loops of ``sklearn.utils._encode``), which made
    one-hot encoding most of a condenser's fit on a large table: 3.0 of the
    4.7 CPU seconds of encoding 700,000 rows of the quality suite's mixed
    table.  Levels are sorted as scikit-learn sorts them; with more than
    ``MAX_LEVELS - 1`` levels, the ``MAX_LEVELS - 1`` most frequent keep a
    column each (ties by scikit-learn's stable sort of the counts) and the
    rest share a last one; an unseen level encodes as no level.
    """

    def fit(self, X, y=None):
        import pandas as pd

        X = np.asarray(X, dtype=object)
        self.categories_, self.infrequent_categories_ = [], []
        self._columns = []  # per column: output column of each level
        for j in range(X.shape[1]):
            counts = pd.Series(X[:, j]).value_counts(sort=False)
            order = sorted(range(len(counts)), key=lambda k: counts.index[k])
            levels = np.empty(len(order), dtype=object)
            levels[:] = [counts.index[k] for k in order]
            count = counts.to_numpy()[order]
            rare = np.zeros(len(levels), dtype=bool)
            if len(levels) >= MAX_LEVELS:  # the shared column is one of them
                rare[np.argsort(count, kind="mergesort")[: -(MAX_LEVELS - 1)]] = True
            columns = np.cumsum(~rare) - 1
            columns[rare] = (~rare).sum()
            self.categories_.append(levels)
            self.infrequent_categories_.append(levels[rare] if rare.any() else None)
            self._columns.append(columns)
        return self

    def transform(self, X):
        import pandas as pd

        X = np.asarray(X, dtype=object)
        widths = [c.max(initial=-1) + 1 for c in self._columns]
        out = np.zeros((len(X), sum(widths)))
        start = 0
        for j, (levels, columns) in enumerate(zip(self.categories_, self._columns)):
            codes = pd.Index(levels, dtype=object).get_indexer(X[:, j])
            known = codes >= 0  # an unseen level: no column
            out[np.flatnonzero(known), start + columns[codes[known]]] = 1.0
            start += widths[j]
        return out


def non_numeric_columns(X):
    """Columns of a DataFrame that are neither numbers nor booleans."""
    if not hasattr(X, "dtypes"):
        return []  # arrays: pandas (optional) is not needed, nor imported
    import pandas as pd

    return [c for c, d in X.dtypes.items() if not pd.api.types.is_numeric_dtype(d)]


def check_missing(isnan, columns, missing):
    """Refuse missing values unless ``missing="impute"``.

    Parameters
    ----------
    isnan : ndarray of bool, shape (n, k)
    columns : sequence of length k
        Column names (or indices) for the messages.
    missing : {"error", "impute"}
    """
    holes = isnan.any(axis=0)
    if not holes.any():
        return
    if missing == "error":
        raise ValueError(missing_message(np.asarray(columns, dtype=object)[holes]))
    empty = np.asarray(columns, dtype=object)[isnan.all(axis=0)]
    if empty.size:
        raise ValueError(
            f"Column(s) {_listed(empty)} hold only missing values, so there is "
            "nothing to impute them from; drop them."
        )


def missing_message(columns):
    """The error for missing values in ``columns`` (names or indices)."""
    return (
        f"Input X contains NaN (missing values) in column(s) {_listed(columns)}. "
        "Pass missing='impute' to fill them with the median (numbers) or the "
        "most frequent value (categories), or put a "
        "sklearn.impute.SimpleImputer before the condenser in a pipeline."
    )


def _listed(columns):
    return ", ".join(repr(c) if isinstance(c, str) else str(c) for c in columns)


def encode_pair(X, Y):
    """A table with text, categorical, boolean or date columns -> numbers:
    one-hot levels and standardised numbers, by an encoder fitted on X that Y goes
    through too, so both sides are measured in the same units."""
    if not needs_encoding(X):
        return X, Y
    if hasattr(Y, "columns") and list(Y.columns) != list(X.columns):
        raise ValueError(
            f"Y must have X's columns, got {list(Y.columns)} for {list(X.columns)}."
        )
    encoder = TableEncoder("standard").fit(X)
    return encoder.transform(X), encoder.transform(Y)


def _check_one_kind(values, name):
    """Refuse a column of levels that mixes text with numbers: scikit-learn's
    encoders cannot sort such levels, and their error names no column."""
    import pandas as pd

    if not pd.api.types.infer_dtype(values, skipna=True).startswith("mixed"):
        return
    present = values[pd.notna(values)]
    text = np.fromiter((isinstance(v, str) for v in present), bool, len(present))
    if text.any() and not text.all():
        kinds = sorted({type(v).__name__ for v in present})
        raise TypeError(
            f"Column {name!r} mixes text and numbers ({', '.join(kinds)} "
            f"values); make it one kind first: X[{name!r}].astype(str) "
            f"condenses it as levels, pd.to_numeric(X[{name!r}], "
            "errors='coerce') as numbers (its text then counts as missing)."
        )


def decode_categories(P, method="counts"):
    """Soft one-hot rows -> one category per row.

    Parameters
    ----------
    P : ndarray of shape (m, L)
        Synthetic values of one categorical column's one-hot block.
    method : {"counts", "argmax"}, default="counts"
        "argmax": each row's largest entry.  "counts": the block's column
        sums (rows normalised to sum one) are rounded to whole category
        counts by largest remainders, and rows are given categories under
        those counts so that their summed membership is largest.

    Returns
    -------
    ndarray of int, shape (m,)
        Category index of every row.

    Examples
    --------
    Three rows that all lean to category 0 (or tie):
    argmax gives (0, 0, 0); their sums hold one row's worth of category 1, which
    the counts keep and give to the row that leans to it most.

    >>> import numpy as np
    >>> P = np.array([[0.6, 0.4], [0.5, 0.5], [0.9, 0.1]])
    >>> decode_categories(P, "argmax").tolist()
    [0, 0, 0]
    >>> decode_categories(P).tolist()
    [0, 1, 0]
    """
    P = np.clip(np.asarray(P, dtype=np.float64), 0.0, None)  # (m, L)
    m, n_levels = P.shape
    if method == "argmax":
        return P.argmax(axis=1)
    total = P.sum(axis=1, keepdims=True)  # (m, 1)
    # A row that left every level (all zeros) belongs equally to each.
    P = np.where(total > 0, P / np.where(total > 0, total, 1.0), 1.0 / n_levels)
    # Plain largest-remainder rounding; _largest_remainder first gives every
    # level one row, so ask it for L more rows and take them back.
    counts = _largest_remainder(P.sum(axis=0) / m, m + n_levels) - 1  # (L,)
    # Rows (mass 1 each) to levels (mass = count): with integer masses the
    # network simplex returns a vertex, which is an assignment.
    plan = ot.emd(np.ones(m), counts.astype(np.float64), 1.0 - P, numItermax=10**7)
    return plan.argmax(axis=1)


def _spread_rare(values, rare, shares):
    """Rows decoded to the shared column of infrequent levels (None in
    ``values``) -> real levels, in proportion to their training frequencies
    ``shares`` (largest remainders; the most frequent first).  Fills
    ``values`` in place and returns it."""
    shared = np.flatnonzero(values == None)  # noqa: E711 (elementwise)
    if shared.size:
        counts = _largest_remainder(shares, shared.size + len(rare)) - 1
        order = np.argsort(-counts, kind="stable")
        values[shared] = np.repeat(rare[order], counts[order])
    return values


class TableEncoder:
    """Encode a mixed-type DataFrame to floats and decode floats back to it.

    Numeric and integer columns, and dates and durations (as whole counts
    of their unit), are median-imputed and standardised (or
    mapped to normal scores through their quantiles); categorical, string,
    object and boolean columns are imputed with their most frequent value
    and one-hot encoded (see the module docstring for why the dummies keep
    their 0/1 scale).  Imputation only matters with ``missing="impute"``:
    otherwise the condenser refuses missing values before encoding.  An
    array is taken as a table of numbers and decoded back to an array.

    Parameters
    ----------
    numbers : {"standard", "auto", "quantile"}, default="standard"
        How numbers are scaled: ``StandardScaler``; the same after a
        Yeo-Johnson power map of the long-tailed columns (:class:`TailMap`);
        or after ``QuantileTransformer(output_distribution="normal")`` of
        every column.  With ``"auto"`` and ``"quantile"``, copied columns
        then weigh as one (:class:`CopyWeights`).

    Attributes
    ----------
    columns_ : Index
        Columns of the fitted table.
    dtypes_ : Series
        Their dtypes, restored by ``inverse_transform``.
    transformer_ : ColumnTransformer
        The fitted scikit-learn encoder.
    n_numeric_ : int
        Numeric, integer, date and duration columns: the first
        ``n_numeric_`` encoded ones.
    lower_, upper_ : ndarray of shape (n_numeric,)
        Observed range of those columns (dates and durations as counts).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"size": [1.0, 2.0, 4.0], "colour": ["r", "g", "r"]})
    >>> encoder = TableEncoder().fit(table)
    >>> encoder.transform(table).shape  # one number, two levels
    (3, 3)
    >>> decoded = encoder.inverse_transform(encoder.transform(table))
    >>> decoded["colour"].tolist(), decoded["size"].round(6).tolist()
    (['r', 'g', 'r'], [1.0, 2.0, 4.0])
    """

    def __init__(self, numbers="standard"):
        self.numbers = numbers

    def fit(self, X):
        self._fit(X)
        return self

    def fit_transform(self, X):
        """``fit(X).transform(X)``, encoding X once."""
        return self._fit(X)

    def _fit(self, X):
        """Fit on X; returns X encoded (the column transformer's fit encodes
        it anyway)."""
        import pandas as pd

        self.array_ = not hasattr(X, "iloc")
        if self.array_:
            X = pd.DataFrame(X)
        kinds = [column_kind(dtype) for dtype in X.dtypes]
        self.columns_, self.dtypes_ = X.columns, X.dtypes
        self._kinds = kinds
        # Decoded dates keep the data's resolution: days stay days.
        self._grids = {
            i: time_grid(X.iloc[:, i]) for i, k in enumerate(kinds) if k == _TIME
        }
        numeric = [i for i, k in enumerate(kinds) if k != _CATEGORY]
        categorical = [i for i, k in enumerate(kinds) if k == _CATEGORY]
        frame = self._prepare(X)
        scaling = [StandardScaler()]
        if self.numbers != "standard":
            scaling.append(CopyWeights())
        if self.numbers == "quantile":
            # Standardised after: a column with a large atom has normal
            # scores of less than unit variance, and each column should
            # weigh alike in a distance.
            quantiles = QuantileTransformer(
                n_quantiles=min(QUANTILES, len(frame)),
                output_distribution="normal",
                random_state=0,  # only for its subsample of large tables
            )
            scaling.insert(0, quantiles)
        elif self.numbers == "auto":
            scaling.insert(0, TailMap())
        self.transformer_ = ColumnTransformer(
            [
                (
                    "numeric",
                    make_pipeline(MedianImputer(), *scaling),
                    numeric,
                ),
                (
                    "category",
                    make_pipeline(
                        SimpleImputer(strategy="most_frequent"), LevelEncoder()
                    ),
                    categorical,
                ),
            ],
            sparse_threshold=0.0,
        )
        Z = self.transformer_.fit_transform(frame).astype(np.float64)
        values = frame.iloc[:, numeric].to_numpy(dtype=np.float64)
        self.lower_ = np.nanmin(values, axis=0, initial=np.inf)
        self.upper_ = np.nanmax(values, axis=0, initial=-np.inf)
        self._numeric, self._categorical = numeric, categorical
        self.n_numeric_ = len(numeric)  # they lead the encoded columns
        # Training frequencies of the levels that share the infrequent
        # column: decoding hands that column's rows back to real levels.
        self._rare_shares = []
        for i, rare in zip(categorical, self._infrequent()):
            if rare is None:
                self._rare_shares.append(None)
                continue
            counts = frame.iloc[:, i].value_counts()
            shares = counts.reindex(rare).to_numpy(dtype=np.float64)
            self._rare_shares.append(shares / shares.sum())
        return Z

    def transform(self, X):
        """DataFrame (n, k) -> ndarray (n, n_numeric + total levels)."""
        import pandas as pd

        if not hasattr(X, "iloc"):
            X = pd.DataFrame(X, columns=self.columns_)
        return self.transformer_.transform(self._prepare(X)).astype(np.float64)

    def inverse_transform(self, Z, method="counts"):
        """Encoded rows (m, p) -> DataFrame with the fitted columns and
        dtypes (an array when an array was fitted).

        Numbers are unscaled and clipped to the observed range, integers
        rounded, and each categorical block decoded to one level per row by
        :func:`decode_categories` with ``method``.
        """
        import pandas as pd

        Z = np.asarray(Z, dtype=np.float64)
        n_numeric = len(self._numeric)
        decoded = {}
        if n_numeric:
            # Every step after the imputer, undone in reverse order.
            scaler = self.transformer_.named_transformers_["numeric"][1:]
            numbers = np.clip(
                scaler.inverse_transform(Z[:, :n_numeric]), self.lower_, self.upper_
            )
            for j, i in enumerate(self._numeric):
                column = numbers[:, j]
                if self._kinds[i] == _INTEGER:
                    column = np.rint(column)
                elif self._kinds[i] == _TIME:
                    column = from_time_counts(
                        column, self.dtypes_.iloc[i], *self._grids[i]
                    )
                decoded[i] = column
        if self._categorical:
            onehot = self.transformer_.named_transformers_["category"][-1]
            start = n_numeric
            for i, levels, rare, shares in zip(
                self._categorical,
                onehot.categories_,
                self._infrequent(),
                self._rare_shares,
            ):
                if rare is not None:  # frequent levels, then the shared column
                    # By hashing: np.isin compares object arrays pair by pair,
                    # 18 s a call for an identifier of 37,591 strings.
                    frequent = ~pd.Index(levels).isin(rare)
                    levels = np.append(levels[frequent], None)
                block = Z[:, start : start + len(levels)]
                values = levels[decode_categories(block, method)]
                if rare is not None:
                    values = _spread_rare(values, rare, shares)
                decoded[i] = values
                start += len(levels)
        # By position, not by name: column names may repeat.
        frame = pd.concat(
            [pd.Series(decoded[i]).astype(d) for i, d in enumerate(self.dtypes_)],
            axis=1,
        )
        frame.columns = self.columns_
        return frame.to_numpy() if self.array_ else frame

    def keep_rare_levels(self, decoded, rows):
        """``decoded`` rows that are the real ``rows`` (a selection), with the
        levels of shared-column categories taken from ``rows`` (imputed like
        the training data): decoding alone would redraw a rare level."""
        import pandas as pd

        infrequent = self._infrequent()
        if all(rare is None for rare in infrequent):
            return decoded
        imputer = self.transformer_.named_transformers_["category"][0]
        levels = imputer.transform(self._prepare(rows).iloc[:, self._categorical])
        decoded = decoded.copy()
        for j, (i, rare) in enumerate(zip(self._categorical, infrequent)):
            if rare is not None:
                values = pd.Series(levels[:, j], index=decoded.index)
                decoded.isetitem(i, values.astype(self.dtypes_.iloc[i]))
        return decoded

    def _infrequent(self):
        """Per categorical column, the levels sharing one column (or None)."""
        if not self._categorical:  # no fitted encoder of levels
            return []
        onehot = self.transformer_.named_transformers_["category"][-1]
        return onehot.infrequent_categories_

    def snap(self, Z):
        """Encoded rows -> the encoding of their decoded rows: one-hot blocks
        exact, integers whole, numbers inside the observed range."""
        return self.transform(self.inverse_transform(Z))

    def _prepare(self, X):
        """Numbers as float64 with NaN, categories as objects with NaN: the
        input scikit-learn's imputers and encoders take (no pandas NA)."""
        import pandas as pd

        columns = {}
        for i, kind in enumerate(self._kinds):
            column = X.iloc[:, i]
            if kind == _CATEGORY:
                values = column.astype(object).to_numpy(copy=True)
                values[column.isna().to_numpy()] = np.nan
                _check_one_kind(values, X.columns[i])
            else:
                values = column_numbers(column, self._grids.get(i, (0,))[0])
            columns[i] = values
        return pd.DataFrame(columns)
