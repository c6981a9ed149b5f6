"""Condensers: one class per objective, all on BaseCondenser's loop."""

from .dm import DistributionMatchingCondenser
from .generic import DiscrepancyCondenser
from .kip import KIPCondenser
from .mmd import MMDCondenser
from .wasserstein import WassersteinCondenser

__all__ = [
    "DiscrepancyCondenser",
    "DistributionMatchingCondenser",
    "KIPCondenser",
    "MMDCondenser",
    "WassersteinCondenser",
]
