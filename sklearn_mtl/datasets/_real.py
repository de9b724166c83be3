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
from sklearn.utils._optional_dependencies import check_pandas_support
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
    "as_frame": ["boolean"],
}

_CV_ADVICE = """\
Rows come task by task. The default cross-validation of scikit-learn (an unshuffled
KFold) then holds out whole tasks that the training folds never saw: every
estimator refuses such a fold and the scores come back NaN. Split with
sklearn_mtl.model_selection.TaskStratifiedKFold, which puts every task in every
training fold (cv=TaskStratifiedKFold(5, random_state=0))."""

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
score (integers 1-70). The file's constant bias column is dropped.

Source: data/school.mat of MALSAR (github.com/jiayuzhou/MALSAR).
References: H. Goldstein (1991), Multilevel modelling of survey data; A. Argyriou,
T. Evgeniou and M. Pontil (2008), Convex multi-task feature learning.

""" + _CV_ADVICE + "\n"

_LANDMINE_DESCR = """\
Landmine data set
-----------------
14,820 radar returns from 29 mine fields, each field one binary classification task
(445 to 690 objects; label 1 = landmine, 0 = clutter, about 6% positive). The 9
features are four moment-based, three correlation-based, one energy-ratio and one
spatial-variance feature of the radar image (the file does not record their order).
Fields 0-14 (1-15 in the paper) are highly foliated, fields 15-28 bare earth or
desert: ``groups`` holds each task's terrain.

Source: landminedata.mat of ELLA (github.com/paulruvolo/ELLA).
Reference: Y. Xue, X. Liao, L. Carin and B. Krishnapuram (2007), Multi-task learning
for classification with Dirichlet process priors, JMLR 8.

""" + _CV_ADVICE + "\n"


@validate_params(_LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_school(path=None, *, data_home=None, download_if_missing=True,
                return_X_y=False, as_frame=False):
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
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame whose last column, ``"school"``, is
        categorical (the task ids ``0 .. 138``), ``target`` as a Series named
        ``"score"``, and ``frame`` as both together, as scikit-learn's loaders do.
        Estimators read the task column with ``task_column=-1`` (the default) or
        ``task_column="school"``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (15362, 28) or DataFrame
            The 27 features, then the school (task ``0 .. 138``: float in the
            array, categorical in the DataFrame).
        target : ndarray of shape (15362,) or Series
            Exam scores (float).
        frame : DataFrame of shape (15362, 29) or None
            ``data`` and ``target`` together, with ``as_frame=True``.
        task_names : ndarray of shape (139,)
            ``"school_<t>"`` for task ``t``.
        feature_names : list of str
            Names of the 28 columns of ``data``, the last one ``"school"``.
        target_names : list of str
            ``["score"]``.
        DESCR : str
            Description of the data set.
    (data, target) : tuple of ndarray, or of DataFrame and Series
        With ``return_X_y=True``.

    See Also
    --------
    sklearn_mtl.model_selection.TaskStratifiedKFold : Cross-validation for this
        data.

    Notes
    -----
    The rows come school by school. Scikit-learn's default cross-validation (an
    unshuffled ``KFold``) then tests on schools that the training folds never saw,
    which every estimator refuses, so the scores are NaN; use
    ``cv=TaskStratifiedKFold(5, random_state=0)``, which puts every school in
    every training fold.

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_school
    >>> school = load_school(as_frame=True)  # doctest: +SKIP
    >>> school.data["school"].dtype  # doctest: +SKIP
    CategoricalDtype(categories=[0, 1, ..., 138], ordered=False, ...)
    """
    mat = _load_mat(path, SCHOOL_URL, "school.mat", data_home, download_if_missing)
    X, y = _stack_task_cells(mat["X"], mat["Y"])
    y = y.astype(np.float64)  # stored as uint8
    # The 28th stored column is a bias of ones; estimators fit their own intercept.
    if not np.all(X[:, 27] == 1):
        raise ValueError("school.mat: expected a bias column of ones in column 28.")
    X = np.delete(X, 27, axis=1)
    n_tasks = mat["X"].size
    return _result(X, y, _SCHOOL_FEATURES + ["school"], "score", n_tasks,
                   "load_school", return_X_y, as_frame,
                   task_names=np.array([f"school_{t}" for t in range(n_tasks)]),
                   DESCR=_SCHOOL_DESCR)


@validate_params(_LOADER_PARAMS, prefer_skip_nested_validation=True)
def load_landmine(path=None, *, data_home=None, download_if_missing=True,
                  return_X_y=False, as_frame=False):
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
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a pandas DataFrame whose last column, ``"field"``, is
        categorical (the task ids ``0 .. 28``), ``target`` as a Series named
        ``"landmine"``, and ``frame`` as both together, as scikit-learn's loaders
        do. Estimators read the task column with ``task_column=-1`` (the default)
        or ``task_column="field"``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (14820, 10) or DataFrame
            The 9 features, then the mine field (task ``0 .. 28``: float in the
            array, categorical in the DataFrame).
        target : ndarray of shape (14820,) or Series
            Labels in {0, 1} (int), 1 for a landmine.
        frame : DataFrame of shape (14820, 11) or None
            ``data`` and ``target`` together, with ``as_frame=True``.
        task_names : ndarray of shape (29,)
            ``"field_<t>"`` for task ``t``.
        feature_names : list of str
            Names of the 10 columns of ``data``, the last one ``"field"``.
        target_names : list of str
            ``["landmine"]``.
        groups : ndarray of shape (29,)
            Terrain of each task: ``"foliated"`` (tasks 0-14) or ``"bare"`` (15-28).
        DESCR : str
            Description of the data set.
    (data, target) : tuple of ndarray, or of DataFrame and Series
        With ``return_X_y=True``.

    See Also
    --------
    sklearn_mtl.model_selection.TaskStratifiedKFold : Cross-validation for this
        data.

    Notes
    -----
    The rows come field by field. Scikit-learn's default cross-validation (an
    unshuffled ``KFold``) then tests on fields that the training folds never saw,
    which every estimator refuses, so the scores are NaN; use
    ``cv=TaskStratifiedKFold(5, random_state=0)``, which puts every field in every
    training fold (and, with 6% positives, about as many landmines in each).

    Examples
    --------
    >>> from sklearn_mtl.datasets import load_landmine
    >>> X, y = load_landmine(return_X_y=True, as_frame=True)  # doctest: +SKIP
    >>> X["field"].cat.categories.size, y.name  # doctest: +SKIP
    (29, 'landmine')
    """
    mat = _load_mat(path, LANDMINE_URL, "landminedata.mat", data_home,
                    download_if_missing)
    X, y = _stack_task_cells(mat["feature"], mat["label"])
    y = y.astype(np.int64)  # stored as uint8
    n_tasks = mat["feature"].size
    # The file's own ``groups`` variable holds row numbers 1..n_t per task, not the
    # terrain; the terrain split is the one Xue et al. (2007) give for these fields.
    terrain = np.where(np.arange(n_tasks) < 15, "foliated", "bare")
    return _result(X, y, [f"feature_{j}" for j in range(X.shape[1] - 1)] + ["field"],
                   "landmine", n_tasks, "load_landmine", return_X_y, as_frame,
                   task_names=np.array([f"field_{t}" for t in range(n_tasks)]),
                   groups=terrain, DESCR=_LANDMINE_DESCR)


def _result(X, y, feature_names, target_name, n_tasks, caller, return_X_y, as_frame,
            **extra):
    """The loaders' return value, following scikit-learn's ``as_frame`` conventions.

    The task (last column of ``X``) becomes a categorical column named
    ``feature_names[-1]``, with the task ids ``0 .. n_tasks - 1`` as categories.
    """
    frame = None
    if as_frame:
        pd = check_pandas_support(f"{caller} with as_frame=True")
        data = pd.DataFrame(X[:, :-1], columns=feature_names[:-1])
        data[feature_names[-1]] = pd.Categorical(X[:, -1].astype(np.int64),
                                                 categories=np.arange(n_tasks))
        y = pd.Series(y, name=target_name)
        frame = pd.concat([data, y], axis=1)
        X = data
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, frame=frame, feature_names=feature_names,
                 target_names=[target_name], **extra)


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
