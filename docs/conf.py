"""Sphinx configuration for skdc's documentation.

Build (warnings are errors):  python -m sphinx -W -b html docs docs/_build/html
"""

import os
import warnings

# The gallery runs the examples: no windows, and torch on one thread, which
# is fastest for their small per-class problems on a shared CPU.
os.environ.setdefault("MPLBACKEND", "Agg")
# Examples stop early on purpose; their convergence notes are not doc errors.
warnings.filterwarnings("ignore", category=UserWarning)

import torch  # noqa: E402

import skdc  # noqa: E402

torch.set_num_threads(1)

project = "skdc"
author = "skdc developers"
release = version = skdc.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
# Docstrings name types in prose ("array-like of shape (n, d)"), not targets.
numpydoc_xref_param_type = False
exclude_patterns = ["_build", "generated/*.examples"]
html_theme = "alabaster"
html_theme_options = {"page_width": "1100px", "sidebar_width": "230px"}
html_title = f"skdc {release}"
templates_path = []

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Link every object an example uses to the examples that use it.
    "doc_module": ("skdc",),
    "backreferences_dir": "generated",
    "reference_url": {"skdc": None},
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
}
