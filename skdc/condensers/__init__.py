"""Condensers: one class per objective, all on BaseCondenser's loop."""

from .mmd import MMDCondenser
from .wasserstein import WassersteinCondenser

__all__ = ["MMDCondenser", "WassersteinCondenser"]
