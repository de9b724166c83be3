"""The documentation builds with warnings as errors, and every gallery example runs.

The build here skips running the examples (``plot_gallery=0``: the pages, the API
reference and every docstring are still checked); the full build, examples
included, is the command in ``doc/README.md``. Skipped when the docs
dependencies are not installed.
"""

import ast
import functools
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# sphinx-mathjax-offline installs a module whose name has a hyphen.
DOCS_DEPENDENCIES = ["sphinx", "sphinx_gallery", "numpydoc", "sphinx-mathjax-offline"]
missing = [name for name in DOCS_DEPENDENCIES if importlib.util.find_spec(name) is None]
needs_sphinx = pytest.mark.skipif(
    bool(missing), reason=f"docs dependencies not installed: {', '.join(missing)}")
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


@functools.lru_cache(maxsize=1)
def _gallery_conf():
    spec = importlib.util.spec_from_file_location("_doc_conf", ROOT / "doc" / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf.sphinx_gallery_conf


@needs_sphinx
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_is_run_and_titled(example):
    """Each plot_*.py is executed by the build and has a title docstring."""
    pattern = _gallery_conf()["filename_pattern"]
    assert re.search(pattern, str(example)), f"{example.name} does not match {pattern!r}"
    docstring = ast.get_docstring(ast.parse(example.read_text()))
    assert docstring is not None, f"{example.name} has no docstring"
    title, underline = docstring.strip().splitlines()[:2]
    assert set(underline) == {"="} and len(underline) >= len(title), example.name


@needs_sphinx
def test_docs_build_with_warnings_as_errors(tmp_path):
    # Build a copy, so that the gallery pages generated without running the
    # examples never replace those of a full build in doc/auto_examples.
    ignore = shutil.ignore_patterns("_build", "auto_examples", "generated", "__pycache__")
    shutil.copytree(ROOT / "doc", tmp_path / "doc", ignore=ignore)
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=ignore)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "plot_gallery=0", str(tmp_path / "doc"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    assert (tmp_path / "html" / "index.html").exists()
    for example in EXAMPLES:
        assert (tmp_path / "html" / "auto_examples" / f"{example.stem}.html").exists()
