"""How many synthetic rows each class gets."""

import numbers

import numpy as np


def resolve_size(size, n_samples):
    """``size`` (int total, or float fraction of ``n_samples``) -> int."""
    if isinstance(size, numbers.Integral):
        total = int(size)
    else:
        total = max(1, int(round(size * n_samples)))
    if total > n_samples:
        raise ValueError(
            f"size={size!r} asks for {total} synthetic rows but the data has only "
            f"{n_samples}; pass a smaller size or a fraction in (0, 1)."
        )
    return total


def allocate(classes, counts, total, allocation):
    """Rows per class, summing to ``total``, at least one per class.

    Parameters
    ----------
    classes : ndarray of shape (k,)
    counts : ndarray of shape (k,)
        Real rows per class.
    total : int
    allocation : {"proportional", "balanced"} or dict
        Proportional to the class sizes, equal shares, or an explicit
        class -> count mapping (then ``total`` is ignored).

    Returns
    -------
    ndarray of int, shape (k,)
    """
    k = len(classes)
    # Python scalars: messages say 'c', not np.str_('c').
    labels = classes.tolist()
    if isinstance(allocation, dict):
        missing = [c for c in labels if c not in allocation]
        extra = [c for c in allocation if c not in set(labels)]
        if missing or extra:
            raise ValueError(
                "allocation must give a count for every class and only for the "
                f"classes in y; missing {missing}, unknown {extra}."
            )
        alloc = np.array([allocation[c] for c in labels])
        if any(not isinstance(a, numbers.Integral) or a < 1 for a in alloc.tolist()):
            raise ValueError(
                f"allocation counts must be integers >= 1, got {allocation!r}."
            )
        alloc = alloc.astype(int)
    else:
        if total < k:
            raise ValueError(
                f"size resolves to {total} synthetic rows but y has {k} classes; "
                "every class needs at least one row, so ask for size >= "
                f"{k}."
            )
        share = (
            counts / counts.sum() if allocation == "proportional" else np.ones(k) / k
        )
        alloc = _largest_remainder(share, total)
    too_big = alloc > counts
    if too_big.any():
        bad = ", ".join(
            f"class {c!r}: {a} asked, {n} available"
            for c, a, n, big in zip(labels, alloc.tolist(), counts.tolist(), too_big)
            if big
        )
        raise ValueError(
            f"Some classes have fewer rows than their allocation ({bad}). Use a "
            "smaller size, allocation='proportional', or an explicit dict."
        )
    return alloc


def _largest_remainder(share, total):
    """Integer counts >= 1 proportional to ``share``, summing to ``total``."""
    k = len(share)
    # One row each first, then the rest in proportion (Hamilton's method).
    quota = share * (total - k)
    alloc = np.floor(quota).astype(int) + 1
    remainder = quota - np.floor(quota)
    left = total - alloc.sum()
    if left > 0:
        order = np.argsort(-remainder, kind="stable")
        alloc[order[:left]] += 1
    return alloc
