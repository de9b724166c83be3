"""Loaders of real multi-task benchmarks: download, cache, or a local file."""

import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

__all__ = ["load_school", "load_landmine"]

# Pinned to a commit so that the bytes behind the URL cannot change.
SCHOOL_URL = ("https://raw.githubusercontent.com/jiayuzhou/MALSAR/"
              "ca3d55b878cc4113f0d9603e8ac46538aeb1ecd9/data/school.mat")
LANDMINE_URL = ("https://raw.githubusercontent.com/paulruvolo/ELLA/"
                "a7fed6f0deb151bee51acb573c19ba584f60a55f/landminedata.mat")

_LOADER_PARAMS = {
    "path": [str, os.PathLike, None],
    "data_home": [str, os.PathLike, None],
    "download_if_missing": ["boolean"],
    "return_X_y": ["boolean"],
}

# The file stores no names. The blocks below were read off the data (one-hot blocks
# whose rows sum to one, columns constant within a school or a school-year) and named
# after the 27 attributes listed by Argyriou et al. (2008); the category behind each
# column of a block is not recorded, so those columns are numbered.
_SCHOOL_FEATURES = (
    [f"year_{i}" for i in range(3)]
    + ["pct_free_school_meals", "pct_vr_band_1"]
    + [f"gender_{i}" for i in range(2)]
    + [f"vr_band_{i}" for i in range(3)]
    + [f"ethnic_group_{i}" for i in range(11)]
    + [f"school_gender_{i}" for i in range(3)]
    + [f"school_denomination_{i}" for i in range(3)]
)

_SCHOOL_DESCR = """\
School data set (Inner London Education Authority)
--------------------------------------------------
Examination scores of 15,362 students from 139 secondary schools, 1985-1987. Each
school is one regression task (22 to 251 students). The 27 features are the year of
the exam (3 binary), the school's percentage of pupils eligible for free school
meals and percentage in verbal-reasoning band 1, the student's gender (2 binary),
verbal-reasoning band (3 binary; 15 students have none) and ethnic group (11 binary),
the school's gender (3 binary) and denomination (3 binary). The target is the exam
score (integers 1-70). The file's constant bias column is dropped. Rows come school
by school: shuffle before an unshuffled KFold.

Source: data/school.mat of MALSAR (github.com/jiayuzhou/MALSAR).
References: H. Goldstein (1991), Multilevel modelling of survey data; A. Argyriou,
T. Evgeniou and M. Pontil (2008), Convex multi-task feature learning.
"""

_LANDMINE_DESCR = """\
Landmine data set
-----------------
14,820 radar returns from 29 mine fields, each field one binary classification task
(445 to 690 objects; label 1 = landmine, 0 = clutter, about 6% positive). The 9
features are four moment-based, three correlation-based, one energy-ratio and one
spatial-variance feature of the radar image (the file does not record their order).
Fields 0-14 (1-15 in the paper) are highly foliated, fields 15-28 bare earth or
desert: ``groups`` holds each task's terrain. Rows come field by field: shuffle
before an unshuffled KFold.

Source: landminedata.mat of ELLA (github.com/paulruvolo/ELLA).
Reference: Y. Xue, X. Liao, L. Carin and B. Krishnapuram (2007), Multi-task learning
for classification with Dirichlet process priors, JMLR 8.
"""


@validate_params(_LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_school(path=None, *, data_home=None, download_if_missing=True,
                return_X_y=False):
    """Load the School exam-score data (139 regression tasks), in long form.

    Parameters
    ----------
    path : str or path-like, default=None
        A local copy of ``school.mat``; when given, nothing is downloaded or cached.
    data_home : str or path-like, default=None
        Cache folder root, as in :func:`sklearn.datasets.get_data_home`; the file is
        kept in its ``sklearn_mtl`` subfolder.
    download_if_missing : bool, default=True
        Download the file when it is not in the cache; otherwise raise
        :class:`FileNotFoundError`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (15362, 28)
            The 27 features, then the school (task ``0 .. 138``, as float).
        target : ndarray of shape (15362,)
            Exam scores (float).
        task_names : ndarray of shape (139,)
            ``"school_<t>"`` for task ``t``.
        feature_names : list of str
            Names of the 28 columns of ``data``, the last one ``"task"``.
        DESCR : str
            Description of the data set.
    (X, y) : tuple of ndarray
        With ``return_X_y=True``.
    """
    mat = _load_mat(path, SCHOOL_URL, "school.mat", data_home, download_if_missing)
    X, y = _stack_task_cells(mat["X"], mat["Y"])
    y = y.astype(np.float64)  # stored as uint8
    # The 28th stored column is a bias of ones; estimators fit their own intercept.
    if not np.all(X[:, 27] == 1):
        raise ValueError("school.mat: expected a bias column of ones in column 28.")
    X = np.delete(X, 27, axis=1)
    if return_X_y:
        return X, y
    n_tasks = mat["X"].size
    return Bunch(data=X, target=y,
                 task_names=np.array([f"school_{t}" for t in range(n_tasks)]),
                 feature_names=_SCHOOL_FEATURES + ["task"], DESCR=_SCHOOL_DESCR)


@validate_params(_LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_landmine(path=None, *, data_home=None, download_if_missing=True,
                  return_X_y=False):
    """Load the Landmine detection data (29 binary classification tasks), in long form.

    Parameters
    ----------
    path : str or path-like, default=None
        A local copy of ``landminedata.mat``; when given, nothing is downloaded or
        cached.
    data_home : str or path-like, default=None
        Cache folder root, as in :func:`sklearn.datasets.get_data_home`; the file is
        kept in its ``sklearn_mtl`` subfolder.
    download_if_missing : bool, default=True
        Download the file when it is not in the cache; otherwise raise
        :class:`FileNotFoundError`.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (14820, 10)
            The 9 features, then the mine field (task ``0 .. 28``, as float).
        target : ndarray of shape (14820,)
            Labels in {0, 1} (int), 1 for a landmine.
        task_names : ndarray of shape (29,)
            ``"field_<t>"`` for task ``t``.
        feature_names : list of str
            Names of the 10 columns of ``data``, the last one ``"task"``.
        groups : ndarray of shape (29,)
            Terrain of each task: ``"foliated"`` (tasks 0-14) or ``"bare"`` (15-28).
        DESCR : str
            Description of the data set.
    (X, y) : tuple of ndarray
        With ``return_X_y=True``.
    """
    mat = _load_mat(path, LANDMINE_URL, "landminedata.mat", data_home,
                    download_if_missing)
    X, y = _stack_task_cells(mat["feature"], mat["label"])
    y = y.astype(np.int64)  # stored as uint8
    if return_X_y:
        return X, y
    n_tasks = mat["feature"].size
    # The file's own ``groups`` variable holds row numbers 1..n_t per task, not the
    # terrain; the terrain split is the one Xue et al. (2007) give for these fields.
    terrain = np.where(np.arange(n_tasks) < 15, "foliated", "bare")
    return Bunch(data=X, target=y,
                 task_names=np.array([f"field_{t}" for t in range(n_tasks)]),
                 feature_names=[f"feature_{j}" for j in range(X.shape[1] - 1)]
                 + ["task"],
                 groups=terrain, DESCR=_LANDMINE_DESCR)


def _load_mat(path, url, filename, data_home, download_if_missing):
    if path is None:
        path = _fetch(url, filename, data_home, download_if_missing)
    return loadmat(path)


def _fetch(url, filename, data_home, download_if_missing):
    """Return the cached copy of ``url``, downloading it first if need be."""
    target = Path(get_data_home(data_home)) / "sklearn_mtl" / filename
    if target.exists():
        return target
    if not download_if_missing:
        raise FileNotFoundError(
            f"{filename} was not found at {target} and download_if_missing=False. "
            f"Download it from {url}, or pass path= with a local copy of {filename}."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Download next to the target, then rename: an interrupted download never
    # leaves a truncated file in the cache.
    fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, \
                urllib.request.urlopen(url, timeout=60) as response:
            shutil.copyfileobj(response, out)
        os.replace(partial, target)
    except OSError as exc:
        raise OSError(
            f"Could not download {url} to {target} ({exc}). Pass path= with a local "
            f"copy of {filename}."
        ) from exc
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return target


def _stack_task_cells(x_cells, y_cells):
    """Stack MATLAB cell arrays of per-task blocks into long form (task id last)."""
    xs = [np.asarray(x, dtype=np.float64) for x in x_cells.ravel()]
    ys = [np.asarray(y).ravel() for y in y_cells.ravel()]
    counts = [len(x) for x in xs]
    if counts != [len(y) for y in ys]:
        raise ValueError("The per-task feature and target blocks differ in length.")
    task = np.repeat(np.arange(len(xs)), counts).astype(np.float64)
    return np.column_stack([np.vstack(xs), task]), np.concatenate(ys)
