"""skdc: dataset condensation as scikit-learn estimators on PyTorch.

A condenser turns a training set (X, y) of N rows into a synthetic set of
M << N rows whose distribution is close to the data's under a chosen
discrepancy, so that models trained on it score almost as well as models
trained on all of (X, y).
"""

from .auto import AutoCondenser
from .condensers import (
    DiscrepancyCondenser,
    DistributionMatchingCondenser,
    GradientMatchingCondenser,
    KIPCondenser,
    MMDCondenser,
    PrivateMMDCondenser,
    WassersteinCondenser,
)
from .fairness import FairCondenser
from .model_selection import CondensedEstimator, condensation_curve, evaluate
from .selection import KMeansCentroids, RandomSubset

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoCondenser",
    "CondensedEstimator",
    "DiscrepancyCondenser",
    "DistributionMatchingCondenser",
    "FairCondenser",
    "GradientMatchingCondenser",
    "KIPCondenser",
    "KMeansCentroids",
    "MMDCondenser",
    "PrivateMMDCondenser",
    "RandomSubset",
    "WassersteinCondenser",
    "condensation_curve",
    "evaluate",
]
