"""The task-index contract: where each row's task comes from, and how it is encoded.

Every estimator takes long-form data: one row per (sample, task), the task of a row
either in a column of ``X`` (``task_column``) or in an explicit ``tasks`` array. Both
routes go through :func:`validate_task_data`, the single place where multi-task input
is checked, split into features and tasks, and encoded.
"""

import re
import warnings
from collections.abc import Hashable
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils import get_tags
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    _check_y,
    check_array,
    check_consistent_length,
)

__all__ = ["TaskColumnWarning", "split_task_column", "validate_task_data", "encode_tasks"]

#: Above this share of distinct task labels per row (and at least
#: ``_CONTINUOUS_MIN_TASKS`` tasks), a task column looks continuous.
_CONTINUOUS_TASK_SHARE = 0.5
_CONTINUOUS_MIN_TASKS = 10


class TaskColumnWarning(UserWarning):
    """The task column looks like a continuous feature, not task ids.

    Raised at fit when the column named by ``task_column`` holds non-integral
    floats, or more than half as many distinct values as rows (at least 10):
    the usual cause is a forgotten task column setting, so that a feature is
    read as the task of every row.
    """


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _task_position(X, task_column):
    """Integer position of ``task_column`` in ``X`` (a name needs a DataFrame)."""
    n_columns = X.shape[1]
    if isinstance(task_column, (bool, np.bool_)):
        raise TypeError(
            f"task_column={task_column!r} is not valid: give the task column's integer "
            "position (e.g. -1), its name for a DataFrame, or None when there is no "
            "task column."
        )
    if isinstance(task_column, Integral):
        if not -n_columns <= task_column < n_columns:
            raise ValueError(
                f"task_column={task_column} is out of range for X with "
                f"{n_columns} column(s)."
            )
        return int(task_column) % n_columns
    if not _is_dataframe(X):
        raise ValueError(
            f"task_column={task_column!r} is a column name, which needs X to be a "
            "pandas DataFrame; give an integer position for arrays."
        )
    if task_column not in X.columns:
        raise ValueError(
            f"task_column={task_column!r} is not a column of X; its columns are "
            f"{list(X.columns)}."
        )
    return int(X.columns.get_loc(task_column))


def split_task_column(X, task_column):
    """Split long-form ``X`` into its feature part and its task labels.

    Parameters
    ----------
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
        Long-form data, features plus one task column.
    task_column : int or str
        Position of the task column (negative counts from the end) or, for a
        DataFrame, its name.

    Returns
    -------
    features : ndarray, sparse matrix or DataFrame of shape (n_samples, n_columns - 1)
        ``X`` without the task column, of the same kind as ``X``.
    task_labels : ndarray of shape (n_samples,)
        The raw task label of every row.
    position : int
        The non-negative position of the task column.
    """
    position = _task_position(X, task_column)
    keep = [j for j in range(X.shape[1]) if j != position]
    if _is_dataframe(X):
        return X.iloc[:, keep], np.asarray(X.iloc[:, position]), position
    if sp.issparse(X):
        X = X.tocsc()
        labels = X[:, [position]].toarray().ravel()
        return X[:, keep].tocsr(), labels, position
    return X[:, keep], X[:, position], position


def _as_numeric_features(features, accept_sparse, column_positions):
    """Check the feature part is numeric and finite, naming the first bad column."""
    if not sp.issparse(features):
        values = np.asarray(features)
        if values.dtype.kind not in "biuf":
            for j in range(values.shape[1]):
                try:
                    np.asarray(values[:, j], dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise type(exc)(
                        f"Feature column {column_positions[j]} of X is not numeric: "
                        f"{exc}. Only the task column may hold non-numeric values."
                    ) from None
    return check_array(
        features,
        accept_sparse=accept_sparse,
        dtype=[np.float64, np.float32],
        ensure_all_finite=True,
        input_name="X",
    )


def _task_labels_as_array(labels):
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"tasks must be 1-dimensional; got shape {labels.shape}.")
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        raise ValueError("The task labels contain NaN or inf; every row needs a task.")
    if labels.dtype.kind == "O":
        missing = [v for v in labels if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(
                "The task labels contain missing values (None or NaN); every row "
                "needs a task."
            )
        unhashable = [v for v in labels.tolist() if not isinstance(v, Hashable)]
        if unhashable:
            raise TypeError(
                f"Task labels must be hashable values (ints, strings, ...); got "
                f"{type(unhashable[0]).__name__} {unhashable[0]!r}."
            )
    return labels


def _natural_key(label):
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", label)]


def _natural_order(tasks, task_index):
    """Reorder sorted string labels naturally: ``task_2`` before ``task_10``."""
    if tasks.dtype.kind not in "OUS" or not all(isinstance(t, str) for t in tasks.tolist()):
        return tasks, task_index
    order = sorted(range(tasks.size), key=lambda i: _natural_key(tasks[i]))
    rank = np.empty(tasks.size, dtype=np.int64)
    rank[order] = np.arange(tasks.size)
    return tasks[order], rank[np.asarray(task_index).ravel()]


def encode_tasks(labels, known_tasks=None):
    """Encode raw task labels as integer indices.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Raw task labels, any hashable values.
    known_tasks : ndarray or None
        The tasks seen at fit time. None encodes anew (fit); otherwise every label
        must be one of them.

    Returns
    -------
    tasks : ndarray
        The distinct labels in natural order (only when ``known_tasks`` is None,
        else ``known_tasks``): numbers in numeric order, strings with numbers
        compared as numbers (``"task_2"`` before ``"task_10"``), and labels of
        mixed types (ints beside strings) in order of first appearance.
    task_index : ndarray of int64, shape (n_samples,)
        Position of each row's task in ``tasks``.
    """
    labels = _task_labels_as_array(labels)
    if known_tasks is None:
        try:
            tasks, task_index = np.unique(labels, return_inverse=True)
            tasks, task_index = _natural_order(tasks, task_index)
        except TypeError:
            # Mixed label types (e.g. ints and strings) cannot be sorted: keep the
            # order of first appearance, which is still deterministic.
            tasks = np.array(list(dict.fromkeys(labels.tolist())), dtype=object)
            lookup = {label: i for i, label in enumerate(tasks.tolist())}
            task_index = np.array([lookup[v] for v in labels.tolist()])
        return tasks, np.asarray(task_index, dtype=np.int64).ravel()
    lookup = {label: i for i, label in enumerate(known_tasks.tolist())}
    task_index = np.array([lookup.get(v, -1) for v in labels.tolist()], dtype=np.int64)
    if (task_index < 0).any():
        unseen = list(dict.fromkeys(labels[task_index < 0].tolist()))
        raise ValueError(
            f"Task(s) {unseen[:10]} were not seen during fit; the estimator knows "
            f"tasks {known_tasks.tolist()[:20]}."
        )
    return known_tasks, task_index


def _task_source(estimator, tasks):
    """Where the rows' tasks come from: ``"tasks"``, ``"column"`` or ``"none"``."""
    if tasks is not None:
        return "tasks"
    return "none" if estimator.task_column is None else "column"


_FITTED_WORDS = {
    "tasks": "with tasks= (task_column=None)",
    "column": "with the tasks in a column of X (task_column={column!r})",
    "none": "as a single task (task_column=None and no tasks=)",
}
_CALLED_WORDS = {"tasks": "with tasks=", "column": "with tasks=", "none": "without tasks="}
_HINTS = {
    "tasks": "pass each row's task with {method}(X, ..., tasks=...)",
    "column": "give X with its task column, without tasks=",
    "none": "call {method} without tasks=",
}


def _check_task_source(estimator, tasks, reset, method):
    """The ``tasks=`` route is all or nothing; never guess a task."""
    name = type(estimator).__name__
    if tasks is not None and estimator.task_column is not None:
        raise ValueError(
            f"{name} got tasks= and task_column={estimator.task_column!r} together, "
            "which is ambiguous: is that column a feature or the task? Set "
            "task_column=None to give the tasks with tasks=, or drop tasks= to read "
            "them from the column."
        )
    source = _task_source(estimator, tasks)
    if reset:
        return source
    fitted = getattr(estimator, "task_source_", source)
    if fitted != source:
        raise ValueError(
            f"{name} was fitted {_FITTED_WORDS[fitted].format(column=estimator.task_column)}"
            f", but {method} was called {_CALLED_WORDS[source]}; "
            f"{_HINTS[fitted].format(method=method)}. Every row's task must come the "
            "same way at fit and afterwards."
        )
    return source


def _check_magnitude(values, dtype, name, estimator, n_rows, n_columns):
    """Refuse finite values that would overflow in the estimator's arithmetic."""
    data = values.data if sp.issparse(values) else values
    if data.size == 0:
        return
    largest = float(np.max(np.abs(data)))
    # Squared terms summed over rows and columns (Gram matrices, squared losses)
    # must stay finite in the dtype the estimator computes in.
    limit = float(np.sqrt(np.finfo(dtype).max / max(1, n_rows * n_columns)))
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in magnitude, too large for "
            f"{type(estimator).__name__}, which computes in {np.dtype(dtype).name}: "
            f"with {n_rows} rows and {n_columns} column(s) its squared terms overflow "
            f"above {limit:.3g}. Scale {name} first (e.g. StandardScaler, or "
            "sklearn_mtl.TaskAwareScaler for X)."
        )


def _warn_if_continuous(labels, task_column, n_tasks):
    n_rows = labels.shape[0]
    non_integral = labels.dtype.kind == "f" and np.any(labels != np.round(labels))
    many = n_tasks >= _CONTINUOUS_MIN_TASKS and n_tasks > _CONTINUOUS_TASK_SHARE * n_rows
    if non_integral or many:
        what = "non-integral values" if non_integral else (
            f"{n_tasks} distinct values for {n_rows} rows")
        warnings.warn(
            f"The task column (task_column={task_column!r}) has {what}: it looks like "
            "a continuous feature rather than task ids, and each distinct value is "
            "fitted as its own task. Point task_column at the task ids, or set "
            "task_column=None (one task, or tasks given with tasks=).",
            TaskColumnWarning,
            stacklevel=4,
        )


def validate_task_data(
    estimator,
    X,
    y=None,
    tasks=None,
    *,
    reset,
    accept_sparse=False,
    y_numeric=False,
    method="predict",
):
    """Validate long-form multi-task input: the one entry point for every estimator.

    Sets ``n_features_in_``, ``feature_names_in_`` and, when ``reset``,
    ``tasks_`` and ``task_source_`` on ``estimator``; checks them when not
    ``reset``.

    The rules, in the order they are checked:

    - ``tasks=`` needs ``task_column=None``: a task column together with
      ``tasks=`` is refused, since the column could be a feature or the task.
    - Tasks come the same way at fit and afterwards (``task_source_``): an
      estimator fitted with ``tasks=`` refuses rows without ``tasks=``, one
      fitted with a task column refuses ``tasks=``.
    - Features are numeric and finite, and small enough that squared terms do
      not overflow in ``estimator._compute_dtype`` (float64 unless the estimator
      computes in float32, as the neural ones do); so are regression targets.
    - At fit, a task column that looks continuous (non-integral floats, or more
      distinct values than half the rows, at least 10) emits a
      :class:`TaskColumnWarning`.
    - A task unseen at fit raises a ``ValueError`` naming it.

    Parameters
    ----------
    estimator : estimator
        Must have a ``task_column`` parameter (int, str or None).
    X : array-like, sparse matrix or DataFrame
        Long-form input: features and, unless ``estimator.task_column`` is
        None, the task column.
    y : array-like of shape (n_samples,) or None
        Targets.
    tasks : array-like of shape (n_samples,) or None
        Explicit task labels (with ``task_column=None``); then ``X`` holds only
        features.
    reset : bool
        True at fit (encode tasks anew), False at predict/score.
    accept_sparse : bool or str or list of str
        Passed to :func:`sklearn.utils.check_array` for the features.
    y_numeric : bool
        Whether ``y`` must be numeric (regressors).
    method : str, default="predict"
        The caller's name, for messages.

    Returns
    -------
    features : ndarray or sparse matrix of shape (n_samples, n_features)
        The numeric, finite features.
    task_index : ndarray of int64, shape (n_samples,)
        Each row's task as a position in ``estimator.tasks_``.
    y : ndarray of shape (n_samples,) or None
        The validated targets.
    """
    source = _check_task_source(estimator, tasks, reset, "fit" if reset else method)
    if not (_is_dataframe(X) or sp.issparse(X)):
        # Object dtype keeps string task labels intact until they are split off.
        X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    elif sp.issparse(X) and not accept_sparse:
        raise TypeError(
            f"{type(estimator).__name__} does not accept sparse input; convert X "
            "with X.toarray()."
        )
    _check_n_features(estimator, X, reset=reset)
    _check_feature_names(estimator, X, reset=reset)

    task_column = estimator.task_column
    if source == "tasks":
        features, labels = X, _task_labels_as_array(tasks)
        positions = list(range(X.shape[1]))
    elif source == "none":
        features, labels = X, np.zeros(X.shape[0], dtype=np.int64)
        positions = list(range(X.shape[1]))
    else:
        features, labels, position = split_task_column(X, task_column)
        labels = _task_labels_as_array(labels)
        positions = [j for j in range(X.shape[1]) if j != position]
        if not positions:
            raise ValueError(
                f"X has {X.shape[1]} feature(s) (column(s)) and the task column "
                f"{task_column!r} leaves none for the model; X needs at least one "
                "feature column besides the task column."
            )
    check_consistent_length(features, labels)
    features = _as_numeric_features(features, accept_sparse, positions)
    compute_dtype = getattr(estimator, "_compute_dtype", np.float64)
    _check_magnitude(features, compute_dtype, "X", estimator, *features.shape)

    if reset and y is None and get_tags(estimator).target_tags.required:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )
    known = None if reset else estimator.tasks_
    encoded_tasks, task_index = encode_tasks(labels, known)
    if reset:
        if source == "column":
            _warn_if_continuous(labels, task_column, len(encoded_tasks))
        estimator.tasks_ = encoded_tasks
        estimator.task_source_ = source

    if y is not None:
        y = _check_y(y, y_numeric=y_numeric, estimator=estimator)
        check_consistent_length(features, y)
        if y_numeric:
            _check_magnitude(np.asarray(y, dtype=np.float64), compute_dtype, "y",
                             estimator, y.shape[0], 1)
    return features, task_index, y
