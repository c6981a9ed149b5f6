"""Put synthetic values on the data's: on atoms, values many real rows
share, and, in columns whose values repeat, never between them.

A condenser's rows are averages of real rows.  Where a column is mostly
zero, whole numbers or a few round amounts, an average lands where no real
row lies (0.3 visits, 1.4 children), and a random forest, which splits
between the values it is trained on, learns thresholds in gaps the test
rows never fall in: on three real tables of ``benchmarks/quality.py``
forests trained on W2 or k-means sets of 50 rows a class scored 0.03 to
0.05 below forests trained on a random subset of the same size.

:func:`match_atoms` keeps each column's order of the synthetic rows and
reads off the data's value at every row's rank (one-dimensional optimal
transport of the synthetic marginal onto the data's).  Where that value is
an atom, one holding at least the row's own share of the data's weight, the
row takes it; elsewhere it keeps its value, so continuous columns, where
averaging denoises (1-NN on averaged rows beats 1-NN on real ones), are
left alone.

:func:`to_data_values` then moves, at any size, every value left between
the data's values in such a column onto the nearest one: where a column is
zero in most rows and 10 to 50 in the rest, an average of the two sits at
1 or 2, which no real row holds.  Continuous columns keep their values, and
so do columns of two values (0/1 answers), whose averages are shares, but
for the float residue at either end.  In a set of one group (regression),
neither step makes a column one value where its fitted values spread over
a tenth of the data's standard deviation or more.
"""

import numpy as np

# match_atoms="auto": classes with at least this many synthetic rows.  With
# fewer, each row stands for many real ones, and its averages carry the
# class's small mean differences that linear models and 1-NN learn from: on
# Caravan (85 count columns) matching cost 0.027 of the four-model mean at
# 10 rows a class and gained 0.015 to 0.030 at 20, 30 and 50
# (benchmarks/README.md, "Atoms").
AUTO_MIN_ROWS = 20
# A column is searched for atoms only when a value repeats among this many
# evenly spaced rows: a continuous column of 10^6 rows is not sorted.
_PROBE_ROWS = 65536
# In float32 (or narrower) columns, a share of the probe's rows that repeat
# a value which chance alone does not reach.  Float32 holds about 2^24
# values per binade, so 65,536 rows of a continuous column repeat some by
# chance: 0.03% to 0.14% of them in normal, log-normal, exponential and
# uniform columns, and every column of a 10^6-row float32 table was sorted
# whole, twice (benchmarks/README.md, "Float32 columns").  Where values
# are far apart, one that a synthetic row's share (1/50 of a class at 50
# rows) can stand on repeats far more often.  Float64 never repeats by
# chance: there any repeat counts.
_CHANCE_REPEATS = 0.01
# Rows of the probe in float32 (or narrower) columns: a share is a rate, which
# this many rows measure (chance repeats fall with the probe's size, 0.006%
# to 0.03% here), and its sorts cost a quarter of the float64 probe's.
_NARROW_PROBE_ROWS = 16384
# to_data_values: in a column of two values, a value within this share of
# the gap from one of them is that value.  Rows of one value come out a hair
# off it (float32 sums, the entropic plan's mass from far rows), and a
# forest trained on them splits on the hair, which no test row has: on a
# regression table of 0/1 dummies its R^2 fell from 0.87 to 0.08
# (benchmarks/README.md, "Two-valued columns in regression").
TWO_VALUED_SNAP = 0.01
# _flattens: fitted values whose standard deviation is below this share of
# the data's are not kept (optimiser noise about one value, not rows apart).
_MIN_SPREAD = 0.1


def matches_atoms(setting, n_rows, alloc=None):
    """Whether a class condensed to ``n_rows`` synthetic rows gets its
    values put on atoms under ``match_atoms=setting``; ``alloc``, the rows
    of every class of the set (None: one class).

    ``"auto"``: classes of at least ``AUTO_MIN_ROWS`` rows in a set whose
    classes hold equal numbers of rows (to one, for rounding).  Atoms give
    a class its whole spread back, so the classes overlap more; a model
    trained on a set where one class has more rows hands it the overlap.
    With the default allocation (100 rows, proportional to the classes)
    atoms cost W2 up to 0.020 of the balanced accuracy and lowered it in
    15 of 22 tables; in balanced sets they keep random forests within 0.02
    of a random subset's (benchmarks/README.md, "Atoms and uneven sets").
    """
    if setting == "auto":
        even = alloc is None or np.ptp(alloc) <= 1
        return bool(even and n_rows >= AUTO_MIN_ROWS)
    return bool(setting)


def takes_data_values(setting):
    """Whether ``match_atoms=setting`` moves the values of columns where
    values repeat onto the data's (:func:`to_data_values`): at every size
    unless it is False ("auto" is true)."""
    return bool(setting)


def match_atoms(
    X, w, Y, v=None, columns=None, two_valued=True, keep_spread=False, repeating=None
):
    """Y with the values whose rank falls on an atom of the data replaced
    by that atom.

    In a column, the synthetic row with the r-th smallest value has the
    mass interval ``[V_{r-1}, V_r]`` (``V`` the cumulative share of ``v``
    in that order).  The real value at its middle (``w``-weighted inverted
    CDF: the smallest value whose cumulative weight reaches it) replaces
    the row's value when the real rows holding exactly that value weigh at
    least the row's own share ``v_r / sum(v)``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Real rows.
    w : ndarray of shape (n,)
        Their weights (any positive total).
    Y : ndarray of shape (m, d)
        Synthetic rows.
    v : ndarray of shape (m,), default=None
        Their weights (any positive total); None: equal.
    columns : array-like of int, default=None
        Columns to match; None: all.
    two_valued : bool, default=True
        Whether columns of two values are matched too.  A regression set is
        one group whose rows carry the average target of the rows they
        stand for; a 0/1 column matched by rank loses its share, and the
        row's target no longer fits its columns (a car's price averaged
        over makes, its make set to one of them).
    keep_spread : bool, default=False
        Leave a column alone where matching would put every row on one
        value though the fitted values spread over a tenth of the data's
        standard deviation or more (``_flattens``): for a set of one group,
        where that column would be constant in the whole set.
    repeating : list of int, default=None
        The columns of ``columns`` in which values repeat
        (:func:`repeating_columns` of X and w), where the caller has them
        already; None: found here.  Read only with equal weights.

    Returns
    -------
    ndarray of shape (m, d)
        A copy of Y; the other columns are unchanged.

    Examples
    --------
    Half of the real rows are 0, so the two lowest of four synthetic rows
    go to 0; 2, 5 and 7 hold a sixth of the rows each, less than a
    synthetic row's quarter, so the two highest keep their values.

    >>> X = np.array([[0.0], [0.0], [0.0], [2.0], [5.0], [7.0]])
    >>> match_atoms(X, np.ones(6), np.array([[0.4], [3.0], [0.1], [5.5]]))
    array([[0. ],
           [3. ],
           [0. ],
           [5.5]])
    """
    Y = np.asarray(Y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    m, n = Y.shape[0], X.shape[0]
    v = np.full(m, 1.0 / m) if v is None else np.asarray(v, dtype=np.float64)
    columns = range(Y.shape[1]) if columns is None else columns
    uniform = bool(np.all(w == w[0]))
    # With equal weights an atom is a value that repeats (unless there are
    # as many synthetic rows as real ones); a weighted row can be one alone.
    if uniform and m < n:
        columns = repeating_columns(X, w, columns) if repeating is None else repeating
    out = Y.copy()
    # One column at a time: memory stays O(n) beside X, whatever its width.
    for j in columns:
        column = np.asarray(X[:, j], dtype=np.float64)
        if uniform:  # sorting values is about twice as fast as argsort
            values = np.sort(column)
            cdf = np.arange(n + 1) / n
        else:
            order = np.argsort(column, kind="stable")
            values = column[order]
            cdf = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])
        if not two_valued and _two_values(values):
            continue
        ranked = np.argsort(Y[:, j], kind="stable")
        share = v[ranked] / v.sum()
        middle = np.cumsum(share) - share / 2
        # The first value whose cumulative weight reaches the middle; the
        # clip covers rounding that leaves cdf[-1] just under 1.
        at = np.minimum(np.searchsorted(cdf[1:], middle), n - 1)
        value = values[at]
        first = np.searchsorted(values, value, side="left")
        last = np.searchsorted(values, value, side="right")
        atom = cdf[last] - cdf[first] >= share
        moved = out[:, j].copy()
        moved[ranked[atom]] = value[atom]
        if not (keep_spread and _flattens(out[:, j], moved, np.std(column))):
            out[:, j] = moved
    return out


def to_data_values(X, w, Y, columns=None, keep_spread=False, repeating=None):
    """Y with every value of a column in which values repeat moved onto the
    nearest value of that column among the rows of X with positive weight.

    Repeats mark counts, codes and amounts with atoms, whose values between
    the data's (an average of 0 and 25 at 1.5) no real row holds.  A
    continuous column (no value repeats among evenly spaced rows, at most
    ``_PROBE_ROWS``, beyond float32's chance repeats) keeps its fitted
    values, and so does a column of two values: any threshold between them
    splits the real rows alike, and its averages are the class's shares of
    each; only a value within ``TWO_VALUED_SNAP`` of the gap from one of the
    two moves onto it.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Real rows (one class's).
    w : ndarray of shape (n,)
        Their weights: a row of weight 0 is not data, and its values are not
        offered.
    Y : ndarray of shape (m, d)
        Synthetic rows.
    columns : array-like of int, default=None
        Columns to treat; None: all.
    keep_spread : bool, default=False
        As for :func:`match_atoms`: outside columns of two values, fitted
        values spread over a tenth of the data's standard deviation or more
        are not all moved onto one.
    repeating : list of int, default=None
        As for :func:`match_atoms`.

    Returns
    -------
    ndarray of shape (m, d)
        A copy of Y; the other columns are unchanged.

    Examples
    --------
    The first column is 0 in most rows and 10 to 40 in the others: 1.5 and
    4.0 lie where no row does and go to 0, 24.0 to 22.  The second never
    repeats a value and is left alone.

    >>> X = np.array([[0, 0.1], [0, 0.7], [0, 1.3], [10, 2.2], [22, 2.9], [40, 3.4]])
    >>> Y = np.array([[1.5, 1.0], [4.0, 2.0], [24.0, 3.0]])
    >>> to_data_values(X, np.ones(6), Y)
    array([[ 0.,  1.],
           [ 0.,  2.],
           [22.,  3.]])
    """
    Y = np.asarray(Y, dtype=np.float64)
    columns = range(Y.shape[1]) if columns is None else columns
    if repeating is None:
        # Continuous columns keep their fitted values.
        repeating = repeating_columns(X, w, columns)
    held = np.asarray(w) > 0
    if not held.all():
        X = X[held]
    n = X.shape[0]
    probe = _probe(X)
    out = Y.copy()
    for j in repeating:
        sample = np.sort(X[probe, j])
        column = np.asarray(X[:, j], dtype=np.float64)
        sample = sample.astype(np.float64)
        if _two_values(sample) and (len(sample) == n or _two_values(np.sort(column))):
            # Two values (a yes/no answer): a forest splits the real rows
            # alike at any threshold between them, and the average carries
            # the share of each to linear models, 1-NN and MLPs
            # (benchmarks/README.md, "Two-valued columns keep their averages").
            low, high = sample[0], sample[-1]
            share = (out[:, j] - low) / (high - low)
            out[share <= TWO_VALUED_SNAP, j] = low
            out[share >= 1 - TWO_VALUED_SNAP, j] = high
            continue
        values = out[:, j]
        # Values already on a sampled row's value need no search over every
        # row (a long column is sorted only when some value is off them).
        off = _nearest(sample, values) != values
        if off.any():
            every = sample if len(sample) == n else np.sort(column)
            moved = values.copy()
            moved[off] = _nearest(every, values[off])
            if not (keep_spread and _flattens(values, moved, np.std(column))):
                out[:, j] = moved
    return out


def repeating_columns(X, w, columns=None):
    """The columns of ``columns`` (None: all) in which values of the rows of
    X with positive weight repeat (:func:`_repeats`) among evenly spaced
    rows (:func:`_probe`): a continuous column of 10^6 rows is not sorted
    whole."""
    held = np.asarray(w) > 0
    if not held.all():
        X = X[held]
    probe = _probe(X)
    columns = range(X.shape[1]) if columns is None else columns
    # The probe in X's own dtype: float32 sorts twice as fast as a widened
    # copy.
    return [j for j in columns if _repeats(np.sort(X[probe, j]))]


def _probe(X):
    """Evenly spaced rows of X: all up to twice ``_PROBE_ROWS`` (in float32,
    ``_NARROW_PROBE_ROWS``), else between that and twice as many."""
    narrow = X.dtype.kind == "f" and X.dtype.itemsize < 8
    rows = _NARROW_PROBE_ROWS if narrow else _PROBE_ROWS
    return slice(None, None, max(1, X.shape[0] // rows))


def _flattens(fitted, moved, data_std):
    """Whether moving a column's values makes it one value where the fitted
    ones spread over at least ``_MIN_SPREAD`` of the data's standard
    deviation.

    A column the set holds constant teaches a model nothing, and a scaler
    fitted on the set leaves it unscaled, so a test row's raw value reaches
    the model: at 50 rows of a house-price table whose pool area is zero
    in 99.6% of rows, an MLP trained on W2's set scored R^2 -1.77, and
    0.52 with the column's fitted averages kept
    (benchmarks/README.md, "Columns the matching would flatten").  A forest
    cannot split a constant column either, so it loses nothing.  A spread
    under a tenth of the data's standard deviation is the optimiser's noise
    about one value (MMD's rows there: 0.02 to 0.06 of it, where W2's
    averages spread over 1.7 to 2.2), and a scaler fitted on it magnifies
    test rows' values instead (MMD's mean R^2 on that table at 50 rows,
    -0.39 constant, -8.5 with such values kept).  Only for
    sets of one group: where each class is matched on its own, a column
    one class holds at one value still varies across the set, and that
    class's fitted values kept beside the others' exact ones gave forests
    splits on float-sized differences (a spam table at 10 rows a class:
    forest 0.820 -> 0.611)."""
    spread = np.std(fitted)
    return bool(np.ptp(moved) == 0 and spread >= _MIN_SPREAD * data_std > 0)


def _two_values(sorted_values):
    """Whether a sorted column holds exactly two distinct values."""
    return np.count_nonzero(sorted_values[1:] != sorted_values[:-1]) == 1


def _nearest(sorted_values, values):
    """The nearest of ``sorted_values`` to each of ``values`` (ties: the
    lower)."""
    if len(sorted_values) == 1:
        return np.full(len(values), sorted_values[0])
    at = np.clip(np.searchsorted(sorted_values, values), 1, len(sorted_values) - 1)
    below, above = sorted_values[at - 1], sorted_values[at]
    return np.where(values - below <= above - values, below, above)


def _repeats(sorted_values):
    """Whether values of a sorted column repeat beyond chance: any repeat
    in float64, more than ``_CHANCE_REPEATS`` of the values in narrower
    floats."""
    same = sorted_values[1:] == sorted_values[:-1]
    if sorted_values.dtype.kind == "f" and sorted_values.dtype.itemsize < 8:
        return np.count_nonzero(same) > _CHANCE_REPEATS * len(sorted_values)
    return bool(np.any(same))
