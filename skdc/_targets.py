"""How much a regression target weighs in the rows a condenser matches.

A regression set is condensed from ``[X, y]``, y scaled to one typical
feature's spread (``skdc._base._encode_target``) times :func:`target_weight`.
A synthetic row is an average of rows the discrepancy sends it; the wider
y's column, the more alike those rows' targets.  That helps when rows that
are near in X have near targets (the set then keeps y's changes across X),
and hurts when they do not: y's noise would decide which rows are averaged.
The weight grows with how well a row's neighbours predict its target.

Measured on benchmarks/regression.py (seeds 0-2, mean R^2 of four models,
benchmarks/README.md "How much the target weighs"): a fixed weight of 3
raised W2's sets where the target is mostly signal (friedman1,
linear-sparse: +0.010 to +0.040) and cost up to 0.13 where it is mostly
noise (wage, diabetes, deliveries).  With this rule W2's mean rose in 12
of the 20 cells (by up to 0.016, and by 0.54 on Ames at 50 rows, where the
MLP swings), was level in one, fell in one (concrete at 200 rows, -0.004)
and stayed as it was in the six where the weight is one (diabetes, wage,
deliveries).
"""

import numpy as np
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neighbors import KNeighborsRegressor

# Rows the neighbours' fit reads at most (drawn with a fixed seed, so the
# weight does not depend on the condenser's random_state).
TARGET_WEIGHT_ROWS = 2000
# Fewer rows than this leave y at one feature's weight: a 3-fold 5-NN
# estimate on a handful of rows says nothing.
_MIN_ROWS = 30
MAX_TARGET_WEIGHT = 3.0


def target_weight(X, y):
    """Factor on y's column in the matched rows: ``sqrt(R^2 / (1 - R^2))``
    of a 5-nearest-neighbour regressor of y on the rows X (the encoded
    features the condenser matches), by 3-fold cross-validation on at most
    ``TARGET_WEIGHT_ROWS`` rows, clipped to ``[1, MAX_TARGET_WEIGHT]``.

    The square root of the signal-to-noise ratio the neighbours see: 1 at
    R^2 = 0.5 and below (y as one typical feature, as before the rule), 2
    at 0.8, the cap 3 from 0.9 on.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,)

    Returns
    -------
    float
    """
    y = np.asarray(y, dtype=np.float64)
    if len(y) < _MIN_ROWS or np.ptp(y) == 0:
        return 1.0
    rows = np.random.RandomState(0)
    if len(y) > TARGET_WEIGHT_ROWS:
        keep = rows.choice(len(y), TARGET_WEIGHT_ROWS, replace=False)
        X, y = X[keep], y[keep]
    folds = KFold(3, shuffle=True, random_state=0)
    r2 = cross_val_score(KNeighborsRegressor(5), X, y, cv=folds, scoring="r2").mean()
    if not np.isfinite(r2) or r2 <= 0.5:
        return 1.0
    r2 = min(r2, 0.99)
    return float(min(np.sqrt(r2 / (1.0 - r2)), MAX_TARGET_WEIGHT))
