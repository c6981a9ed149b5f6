"""dask input: condense data that need not fit in memory.

``fit`` with a ``dask.array.Array`` or a dask DataFrame of numeric columns
comes here (see ``_BaseReducer.fit``).  The features are never read whole:

* Labels and sample weights, one number per row, are read into memory;
  classes, counts and the rows of each class come from them.
* Per class, at most ``SAMPLE_ROWS`` rows (of positive weight) are drawn
  uniformly without replacement and read through dask.  When no class has
  more, the sample is the whole data in its own order and the fit is the
  in-memory fit, result for result.
* Otherwise the estimator is fitted on the sample, with each sampled row
  weighted by (class weight) / (sampled weight), so every class keeps its
  share of the data, and with the full class counts for the allocation.
* Random-feature MMD (``MMDCondenser(features="rff")``, no ``feature_map``,
  classification or ``y=None``) uses a sample of at most ``RFF_SAMPLE_ROWS``
  rows per larger class only to resolve its settings (median bandwidth,
  frequencies), to start, to report, and for the class's range and scale:
  each class's mean embedding comes from one pass over all its rows, chunk
  by chunk, on whatever dask scheduler is active (threads, processes,
  ``distributed``).
* Every other objective works on the sample.  Its minibatches hold 2048 real
  rows per step, so a uniform sample of 65,536 rows per class changes the
  target of the fit only by the sampling error of that many rows.
"""

import numpy as np

# Rows per class read into memory; larger classes are sampled (see above).
SAMPLE_ROWS = 65_536
# The sample of a larger class when random-feature MMD reads every row.
RFF_SAMPLE_ROWS = 8_192


def is_dask_collection(obj):
    """True for dask arrays and DataFrames, without importing dask for any
    other input (dask is an optional dependency)."""
    if not type(obj).__module__.startswith("dask"):
        return False
    from dask import is_dask_collection as is_collection

    return is_collection(obj)


def fit_dask(estimator, X, y, sample_weight):
    """``estimator.fit(X, y, sample_weight)`` for a dask ``X``; returns the
    estimator, fitted in place."""
    X, frame = _as_array(X)
    y = _in_memory(y, "y")
    w = _in_memory(sample_weight, "sample_weight")
    n = X.shape[0]
    for name, values in (("y", y), ("sample_weight", w)):
        if values is not None and len(values) != n:
            raise ValueError(
                f"X has {n} rows but {name} has {len(values)}; pass one value per row."
            )
    w_all = None if w is None else np.asarray(w, dtype=np.float64)

    kind, classes, codes = _label_codes(y, n)
    n_groups = 1 if classes is None else len(classes)
    # Rows of zero weight are not part of the data (as in the in-memory fit).
    kept = codes if w_all is None else codes[w_all > 0]
    counts = np.bincount(kept, minlength=n_groups)
    if counts.max() <= SAMPLE_ROWS:
        # Small enough: the in-memory fit on the same data, in the same order.
        return estimator._fit(_as_frame(X.compute(), frame), y, sample_weight)
    if not estimator._fits_dask_samples:
        raise ValueError(
            f"{type(estimator).__name__} reads every row and takes dask input only "
            f"when no class has more than {SAMPLE_ROWS:,} rows (the largest has "
            f"{counts.max():,}); compute X into memory first (X.compute())."
        )

    objective = estimator._objective()
    full_pass = _full_pass_applies(objective, kind)
    # With the full pass the sample only resolves settings, starts and
    # reports (and bounds the class's range), so a smaller one does.
    cap = min(SAMPLE_ROWS, RFF_SAMPLE_ROWS) if full_pass else SAMPLE_ROWS
    rng = np.random.RandomState(_seed(estimator.random_state))
    picked = []
    for k in range(n_groups):
        members = codes == k
        if w_all is not None:
            members &= w_all > 0
        members = np.flatnonzero(members)
        if len(members) > cap:
            members = np.sort(rng.choice(members, cap, replace=False))
        picked.append(members)
    rows = np.sort(np.concatenate(picked))  # sorted: one read per dask chunk
    # Each class keeps its total weight, spread over its sampled rows.
    sample_codes = codes[rows]
    w_rows = np.ones(len(rows)) if w_all is None else w_all[rows]
    totals = np.bincount(codes, weights=w_all, minlength=n_groups)
    factor = totals / np.bincount(sample_codes, weights=w_rows, minlength=n_groups)
    w_sample = w_rows * factor[sample_codes]

    seeds = rng.randint(np.iinfo(np.int32).max, size=n_groups)
    sample = X[rows].compute()
    objectives = None
    if full_pass:
        objectives = _full_data_rff(
            estimator, objective, X, sample, codes, w_all, rows, seeds
        )
    y_sample = None if y is None else np.asarray(y)[rows]
    return estimator._fit(
        _as_frame(sample, frame),
        y_sample,
        w_sample,
        seeds=seeds,
        counts=counts,
        objectives=objectives,
    )


# ------------------------------------------------------------------ inputs
def _as_array(X):
    """dask array or DataFrame -> (2-D dask array, pandas meta or None)."""
    if hasattr(X, "columns"):
        text = [
            c
            for c, t in X.dtypes.items()
            if not (isinstance(t, np.dtype) and t.kind in "biuf")
        ]
        if text:
            raise ValueError(
                f"The dask DataFrame has non-numeric columns {text} (text, "
                "categories, dates or nullable types); skdc reads dask input as "
                "NumPy numbers. Encode those columns first, or pass a pandas "
                "DataFrame (mixed tables are encoded in memory)."
            )
        # One numeric dtype (bool and float32 stay float32): mixed columns
        # would otherwise become an object array.
        dtype = np.result_type(*X.dtypes.tolist())
        return X.astype(dtype).to_dask_array(lengths=True), X._meta
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features); the dask array has shape "
            f"{X.shape}. Reshape it first."
        )
    if any(np.isnan(c).any() for c in X.chunks):
        X = X.compute_chunk_sizes()
    return X, None


def _in_memory(values, name):
    """Labels or weights (one number per row) as a NumPy array or Series."""
    if values is None or not is_dask_collection(values):
        return values
    values = values.compute()
    return values if hasattr(values, "index") else np.asarray(values)


def _as_frame(block, frame):
    """Rows read from the dask array; a DataFrame when X was one."""
    if frame is None:
        return block
    import pandas as pd

    return pd.DataFrame(block, columns=frame.columns).astype(frame.dtypes.to_dict())


def _label_codes(y, n):
    """-> (target kind, classes or None, byte-sized class code per row).

    The kind and classes are the in-memory fit's (``_target_kind``), found
    from the distinct labels alone: sorting and inverting all N labels at
    once cost ~40 bytes a row, as much as a 10-column float32 X."""
    from ._base import _target_kind

    if y is not None and np.ndim(y) != 1:
        raise ValueError(
            f"y must be 1-D (one label or target per row), got shape "
            f"{np.shape(y)}; pass a single column."
        )
    values = None if y is None else np.unique(np.asarray(y))
    kind = _target_kind(values)
    classes = values if kind == "classification" else None
    small = np.min_scalar_type(0 if classes is None else len(classes) - 1)
    codes = np.zeros(n, small)
    if classes is not None:
        labels = np.asarray(y)
        step = 2**20
        for start in range(0, n, step):
            part = labels[start : start + step]
            codes[start : start + step] = np.searchsorted(classes, part)
    return kind, classes, codes


def _seed(random_state):
    from sklearn.utils import check_random_state

    return check_random_state(random_state).randint(np.iinfo(np.int32).max)


# ------------------------------------------------------- the fit on a sample
def _full_pass_applies(objective, kind):
    from .discrepancy import RandomFeatureMMD

    # Regression condenses [X, y]: its embedding would need y in the pass.
    return type(objective) is RandomFeatureMMD and kind != "regression"


def _full_data_rff(estimator, objective, X, sample, codes, w, rows, seeds):
    """Per class, a RandomFeatureMMD whose settings come from the sampled rows
    (``sample``, the rows ``rows`` of X) and whose mean embeddings come from
    one dask pass over all rows."""
    from ._backend import DTYPE, as_tensor, make_generator
    from .discrepancy.rff import embedded_frequencies

    device = estimator._device()
    params = []
    for k, seed in enumerate(seeds):
        Xk = as_tensor(sample[codes[rows] == k], device)
        # The generator _fit_group will make: the settings are the ones an
        # in-memory fit on the sample would resolve.
        params.append(objective.settings(Xk, make_generator(int(seed), device)))
    omegas = np.stack([embedded_frequencies(p).cpu().numpy() for p in params])
    sums = _class_sums(X, codes, w, omegas)  # (K, 2 (D + H))
    totals = np.bincount(codes, weights=w, minlength=len(seeds))  # w None: counts
    if not np.isfinite(sums).all():
        raise ValueError(
            "X holds NaN or infinite values; condensation needs finite "
            "features. Drop or impute them first."
        )
    return [
        _Summarised(objective, _rff_state(p, s / t, device, DTYPE))
        for p, s, t in zip(params, sums, totals)
    ]


def _rff_state(params, means, device, dtype):
    """RandomFeatureMMD state from one class's (2 (D + H),) weighted means of
    cosines and sines."""
    from ._backend import as_tensor
    from .discrepancy.rff import state_from_sums

    cos_mean, sin_mean = (as_tensor(half, device, dtype) for half in np.split(means, 2))
    return state_from_sums(params, cos_mean, sin_mean)


class _Summarised:
    """A discrepancy whose real side was summarised beforehand (here: mean
    embeddings over every row, through dask): ``prepare`` hands back that
    state whatever rows it is given."""

    uses_batch = False

    def __init__(self, base, state):
        self.base, self.state = base, state

    def prepare(self, X, w, *, params=None, generator=None):
        return self.state

    def __call__(self, state, Y, v, *, batch=None, generator=None):
        return self.base(state, Y, v, batch=batch, generator=generator)

    def held_out(self, state, Y, v):
        return self.base.held_out(state, Y, v)

    @property
    def stack_states(self):
        # Present exactly when the base has it (an AttributeError otherwise),
        # so summarised classes are stacked like in-memory ones.
        return self.base.stack_states


def _class_sums(X, codes, w, omegas):
    """Weighted sums of cos(x omega_k) and sin(x omega_k) over the rows x of
    each class k, one task per chunk of rows, summed in a tree: (K, 2D)
    float64."""
    import dask

    X = X.rechunk({1: -1})
    bounds = np.cumsum((0, *X.chunks[0]))
    shared = dask.delayed(omegas, pure=True)  # one copy in the graph
    parts = [
        dask.delayed(_block_sums)(
            block, codes[a:b], None if w is None else w[a:b], shared
        )
        for block, a, b in zip(X.to_delayed().ravel(), bounds[:-1], bounds[1:])
    ]
    while len(parts) > 1:
        parts = [
            dask.delayed(np.add)(*parts[i : i + 2]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return dask.compute(parts[0])[0]


def _block_sums(block, codes, w, omegas):
    """(K, 2 D) weighted cosine and sine sums of one chunk of rows, class by
    class (omegas: (K, d, D))."""
    import torch

    from .discrepancy.rff import feature_sums

    out = np.zeros((omegas.shape[0], 2 * omegas.shape[2]))
    with torch.no_grad():
        for k in np.unique(codes):
            mask = codes == k
            weights = np.ones(mask.sum()) if w is None else w[mask]
            sums = feature_sums(
                torch.as_tensor(np.asarray(block[mask], dtype=np.float32)),
                torch.as_tensor(weights, dtype=torch.float32),
                torch.as_tensor(omegas[k]),
            )
            out[k] = torch.cat(sums).numpy()
    return out
