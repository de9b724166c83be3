"""The task-index contract: where each row's task comes from, and how it is encoded.

Every estimator takes long-form data: one row per (sample, task), the task of a row
either in a column of ``X`` (``task_column``) or in an explicit ``tasks`` array. Both
routes go through :func:`validate_task_data`, the single place where multi-task input
is checked, split into features and tasks, and encoded.
"""

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

__all__ = ["split_task_column", "validate_task_data", "encode_tasks"]


def _is_dataframe(X):
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _task_position(X, task_column):
    """Integer position of ``task_column`` in ``X`` (a name needs a DataFrame)."""
    n_columns = X.shape[1]
    if isinstance(task_column, Integral) and not isinstance(task_column, bool):
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
    return labels


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
        The sorted distinct labels (only when ``known_tasks`` is None, else
        ``known_tasks``).
    task_index : ndarray of int64, shape (n_samples,)
        Position of each row's task in ``tasks``.
    """
    if known_tasks is None:
        try:
            tasks, task_index = np.unique(labels, return_inverse=True)
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


def validate_task_data(
    estimator,
    X,
    y=None,
    tasks=None,
    *,
    reset,
    accept_sparse=False,
    y_numeric=False,
):
    """Validate long-form multi-task input: the one entry point for every estimator.

    Sets ``n_features_in_``, ``feature_names_in_`` and, when ``reset``,
    ``tasks_`` on ``estimator``; checks them when not ``reset``.

    Parameters
    ----------
    estimator : estimator
        Must have a ``task_column`` parameter (int, str or None).
    X : array-like, sparse matrix or DataFrame
        Long-form input: features and, unless ``tasks`` is given or
        ``estimator.task_column`` is None, the task column.
    y : array-like of shape (n_samples,) or None
        Targets.
    tasks : array-like of shape (n_samples,) or None
        Explicit task labels; then ``X`` holds only features.
    reset : bool
        True at fit (encode tasks anew), False at predict/score.
    accept_sparse : bool or str or list of str
        Passed to :func:`sklearn.utils.check_array` for the features.
    y_numeric : bool
        Whether ``y`` must be numeric (regressors).

    Returns
    -------
    features : ndarray or sparse matrix of shape (n_samples, n_features)
        The numeric, finite features.
    task_index : ndarray of int64, shape (n_samples,)
        Each row's task as a position in ``estimator.tasks_``.
    y : ndarray of shape (n_samples,) or None
        The validated targets.
    """
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
    if tasks is not None:
        features, labels = X, _task_labels_as_array(tasks)
        positions = list(range(X.shape[1]))
    elif task_column is None:
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

    if reset and y is None and get_tags(estimator).target_tags.required:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )
    known = None if reset else estimator.tasks_
    encoded_tasks, task_index = encode_tasks(labels, known)
    if reset:
        estimator.tasks_ = encoded_tasks

    if y is not None:
        y = _check_y(y, y_numeric=y_numeric, estimator=estimator)
        check_consistent_length(features, y)
    return features, task_index, y
