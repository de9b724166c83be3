"""Sphinx configuration: API from numpydoc docstrings, examples via sphinx-gallery.

Build (from the repository root; warnings are errors, no network needed)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

It runs every example of the gallery (``examples/plot_*.py`` and the quick
start); see ``doc/README.md``.
"""

import os
import sys

import torch

import sklearn_mtl

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "sphinxext"))

# The examples run in this process. On a small shared machine torch's default
# threads make small fits several times slower than one thread (see the page on
# speed and threads), so the gallery is built with one.
torch.set_num_threads(1)

project = "sklearn_mtl"
copyright = "2026, sklearn_mtl developers"
version = release = sklearn_mtl.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax shipped inside a Python package: math renders with no network.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build", "sphinxext", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "alabaster"
# Alabaster's default 940px page clips the examples' 88-character code lines
# and shrinks their multi-panel figures.
html_theme_options = {"page_width": "1240px", "sidebar_width": "230px",
                      "body_max_width": "none"}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every example: the quick start and all plot_*.py.
    "filename_pattern": r"/(plot_|quickstart)",
    "within_subsection_order": "gallery_order.GalleryOrder",
    "download_all_examples": False,
    # The timing page would rewrite a tracked file on every build.
    "write_computation_times": False,
}
# No network on build machines: intersphinx targets are optional.
intersphinx_mapping = {}
