"""Sphinx configuration: API from numpydoc docstrings, examples via sphinx-gallery.

Build (from the repository root; warnings are errors, no network needed)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html
"""

import sklearn_mtl

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
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "alabaster"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/quickstart",
    "download_all_examples": False,
    # The timing page would rewrite a tracked file on every build.
    "write_computation_times": False,
}
# No network on build machines: intersphinx targets are optional.
intersphinx_mapping = {}
