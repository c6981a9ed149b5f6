"""Differentiable discrepancies between a data set and a synthetic set.

Each is an object with ``prepare`` and ``__call__`` (see
:class:`~skdc.discrepancy.Discrepancy`); they add and scale, so composite
objectives read as formulas: ``MMD() + 0.1 * SinkhornDivergence()``.
"""

from ._base import Discrepancy
from .adversarial import Adversarial
from .gradient import GradientMatching
from .mapped import FeatureMapped
from .mmd import MMD
from .rff import RandomFeatureMMD
from .wasserstein import (
    SemiRelaxedWasserstein,
    SinkhornDivergence,
    SlicedWasserstein,
    Wasserstein,
)

__all__ = [
    "Adversarial",
    "Discrepancy",
    "FeatureMapped",
    "GradientMatching",
    "MMD",
    "RandomFeatureMMD",
    "SemiRelaxedWasserstein",
    "SinkhornDivergence",
    "SlicedWasserstein",
    "Wasserstein",
]
