"""Condensers: one class per objective, all on BaseCondenser's loop."""

from .dm import DistributionMatchingCondenser
from .generic import DiscrepancyCondenser
from .gradient import GradientMatchingCondenser
from .kip import KIPCondenser
from .mmd import MMDCondenser
from .private import PrivateMMDCondenser
from .wasserstein import WassersteinCondenser

__all__ = [
    "DiscrepancyCondenser",
    "DistributionMatchingCondenser",
    "GradientMatchingCondenser",
    "KIPCondenser",
    "MMDCondenser",
    "PrivateMMDCondenser",
    "WassersteinCondenser",
]
