"""skdc: dataset condensation as scikit-learn estimators on PyTorch.

A condenser turns a training set (X, y) of N rows into a synthetic set of
M << N rows whose distribution is close to the data's under a chosen
discrepancy, so that models trained on it score almost as well as models
trained on all of (X, y).
"""

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0.dev0"

# Public name -> the module that defines it.  They are imported on first
# use (PEP 562): PyTorch, scikit-learn and SciPy take seconds to import, and
# the ``skdc`` command should answer ``--help`` or a missing file without
# them.
_EXPORTS = {
    "AutoCondenser": ".auto",
    "CondensedEstimator": ".model_selection",
    "DiscrepancyCondenser": ".condensers",
    "DistributionMatchingCondenser": ".condensers",
    "FairCondenser": ".fairness",
    "GradientMatchingCondenser": ".condensers",
    "KIPCondenser": ".condensers",
    "KMeansCentroids": ".selection",
    "MMDCondenser": ".condensers",
    "PrivateMMDCondenser": ".condensers",
    "RandomSubset": ".selection",
    "WassersteinCondenser": ".condensers",
    "condensation_curve": ".model_selection",
    "evaluate": ".model_selection",
}
# Subpackages reachable as attributes after ``import skdc`` alone, as when
# this module imported them eagerly.  ``skdc.plotting`` needs matplotlib and
# is imported by name.
_SUBMODULES = {
    "auto",
    "condensers",
    "discrepancy",
    "fairness",
    "kernels",
    "metrics",
    "model_selection",
    "privacy",
    "robustness",
    "selection",
}

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


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTS, *_SUBMODULES})


if TYPE_CHECKING:  # static analysers and IDEs see the names
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
