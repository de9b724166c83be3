"""Conversion between shared-input multi-task data and the long form.

Shared-input data has one feature row per sample and a target matrix ``Y`` of shape
(n_samples, n_tasks) with NaN for a missing target. The long form has one row per
observed (sample, task) pair, the task in the last column of ``X``.
"""

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length

from ._tasks import split_task_column

__all__ = ["to_long_form", "from_long_form"]


def to_long_form(X, Y, task_names=None):
    """Turn shared-input data into long form, dropping missing targets.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features shared by every task.
    Y : array-like of shape (n_samples, n_tasks)
        Targets; NaN marks a (sample, task) pair with no target.
    task_names : array-like of shape (n_tasks,), default=None
        Labels for the tasks; ``0 .. n_tasks - 1`` when None.

    Returns
    -------
    X_long : ndarray of shape (n_observed, n_features + 1)
        Features with the task label in the last column, sample-major order
        (sample 0's tasks first). Object dtype when the task names are not numeric.
    y_long : ndarray of shape (n_observed,)
        The observed targets.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import to_long_form
    >>> X_long, y_long = to_long_form([[1.0], [2.0]], [[5.0, np.nan], [6.0, 7.0]])
    >>> X_long
    array([[1., 0.],
           [2., 0.],
           [2., 1.]])
    >>> y_long
    array([5., 6., 7.])
    """
    X = check_array(X)
    Y = check_array(Y, ensure_all_finite="allow-nan", ensure_2d=True)
    check_consistent_length(X, Y)
    n_samples, n_tasks = Y.shape
    names = np.arange(n_tasks) if task_names is None else np.asarray(task_names)
    if names.shape != (n_tasks,):
        raise ValueError(
            f"task_names has {names.size} entries but Y has {n_tasks} task columns."
        )
    sample, task = np.nonzero(~np.isnan(Y))
    dtype = np.float64 if names.dtype.kind in "biuf" else object
    X_long = np.empty((sample.size, X.shape[1] + 1), dtype=dtype)
    X_long[:, :-1] = X[sample]
    X_long[:, -1] = names[task]
    return X_long, Y[sample, task]


def from_long_form(X_long, y_long, task_column=-1):
    """Gather long-form rows back into shared-input form.

    Rows with identical features are taken to be the same sample.

    Parameters
    ----------
    X_long : array-like of shape (n_observed, n_features + 1)
        Long-form features with a task column.
    y_long : array-like of shape (n_observed,)
        Targets (or predictions) of those rows.
    task_column : int or str, default=-1
        Position (or DataFrame name) of the task column.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The distinct feature rows, in order of first appearance.
    Y : ndarray of shape (n_samples, n_tasks)
        Targets; NaN where a sample has no row for a task.
    tasks : ndarray of shape (n_tasks,)
        The task labels, in the column order of ``Y``.
    """
    features, labels, _ = split_task_column(np.asarray(X_long, dtype=object)
                                            if not hasattr(X_long, "iloc") else X_long,
                                            task_column)
    features = check_array(features, dtype=np.float64)
    y_long = np.asarray(y_long, dtype=np.float64)
    check_consistent_length(features, y_long)
    _, first, sample = np.unique(features, axis=0, return_index=True,
                                 return_inverse=True)
    # np.unique sorts rows; renumber samples by first appearance to keep the order.
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    sample = rank[sample.ravel()]
    tasks, task = np.unique(labels, return_inverse=True)
    Y = np.full((order.size, tasks.size), np.nan)
    Y[sample, task] = y_long
    return features[np.sort(first)], Y, tasks
