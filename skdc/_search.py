"""Fits made by a model search: what they may skip and share.

AutoCondenser's cross-validated search fits every candidate on the same
training folds only to train judges on their sets, then drops them.
Inside ``search_fits()`` such fits skip measuring ``discrepancy_`` (a
quadratic real-real term per class) and share the work that depends on the
rows alone (fitting the table encoder, the long-tail check, a regression
target's weight), keyed by the rows' content; fits of one condenser class
whose parameters differ only in ``match_atoms`` also share their
optimisation, which the atoms follow.  Its final sets, one per
candidate on all rows, share that work too; only the one kept measures,
afterwards (``_BaseReducer._measure_fit``), and a fit that must measure
as it goes nests ``search_fits(measure=True)``.  The state lives
in a context variable: a search run in other processes (``n_jobs``) simply
does the work in each fit, as outside a search.
"""

import contextlib
import contextvars
import hashlib
import sys

import numpy as np

# None outside a search; inside, the cache of work shared between its fits.
_SEARCH = contextvars.ContextVar("skdc_search", default=None)
# Whether fits measure their discrepancy_: False in a search's throwaway fits.
_MEASURE = contextvars.ContextVar("skdc_measure", default=True)


@contextlib.contextmanager
def search_fits(measure=False):
    """Within this block (and this thread), fits on the same rows share their
    encoding, and unless ``measure`` they leave ``discrepancy_`` NaN instead
    of measuring it (``score`` still measures): ``measure=True`` is for fits
    that are kept as they are."""
    token = _SEARCH.set({})
    measured = _MEASURE.set(measure)
    try:
        yield
    finally:
        _MEASURE.reset(measured)
        _SEARCH.reset(token)


def measuring():
    """Whether a fit measures its ``discrepancy_``: outside a search, or in
    one whose fits are kept."""
    return _MEASURE.get()


def shared(name, X, compute):
    """``compute()``, or inside a search the value a fit on rows of the
    same content (X: an array, a DataFrame or a tuple of them) already
    computed under ``name``."""
    cache = _SEARCH.get()
    key = None if cache is None else _content_key(X)
    if key is None:
        return compute()
    key = (name, key)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def cached(name, X):
    """What a fit of this search computed under ``name`` for rows of X's
    content, or None (outside a search, or nothing computed)."""
    cache = _SEARCH.get()
    key = None if cache is None else _content_key(X)
    return None if key is None else cache.get((name, key))


def _content_key(X):
    """A digest of a DataFrame's or an array's values, columns and types (of
    each, for a tuple of them); None for anything else (then nothing is
    shared)."""
    if isinstance(X, tuple):  # keyed together without joining (no copy)
        parts = [_content_key(part) for part in X]
        return None if None in parts else ",".join(parts)
    digest = hashlib.sha256()
    pd = sys.modules.get("pandas")  # an extra: a DataFrame means it is loaded
    if pd is not None and isinstance(X, pd.DataFrame):
        digest.update(repr((list(X.columns), [str(t) for t in X.dtypes])).encode())
        try:
            rows = pd.util.hash_pandas_object(X, index=False).to_numpy()
        except TypeError:  # unhashable cells: the fit's own checks name them
            return None
        digest.update(rows.tobytes())
    elif isinstance(X, np.ndarray) and X.dtype != object:
        digest.update(repr((X.shape, X.dtype.str)).encode())
        digest.update(np.ascontiguousarray(X).tobytes())
    else:
        return None
    return digest.hexdigest()
