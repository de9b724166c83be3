"""Conversion between shared-input multi-task data and the long form.

Shared-input data has one feature row per sample and a target matrix ``Y`` of shape
(n_samples, n_tasks) with NaN for a missing target. The long form has one row per
observed (sample, task) pair, the task in a column of ``X``; a missing target is a
row that is not there.
"""

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length

from ._preprocessing import _insert_task_column, _read_2d
from ._tasks import _task_labels_as_array, encode_tasks, split_task_column

__all__ = ["to_long_form", "from_long_form"]


def to_long_form(X, Y, task_names=None):
    """Turn shared-input data into long form, dropping missing targets.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features shared by every task.
    Y : array-like of shape (n_samples, n_tasks)
        Targets; NaN marks a (sample, task) pair with no target. A single task
        is ``Y.reshape(-1, 1)``.
    task_names : array-like of shape (n_tasks,), default=None
        Labels for the tasks; ``0 .. n_tasks - 1`` when None.

    Returns
    -------
    X_long : ndarray of shape (n_observed, n_features + 1)
        Features with the task label in the last column, sample-major order
        (sample 0's tasks first). Float64 when every task name is a number that
        float64 holds exactly; otherwise an object array that keeps the names
        as given (strings, integer ids above 2**53).
    y_long : ndarray of shape (n_observed,)
        The observed targets.

    Raises
    ------
    ValueError
        When ``X`` or ``Y`` is not 2-D, when ``task_names`` does not have one
        entry per column of ``Y``, holds NaN or None, or names two columns the
        same (their tasks would merge).

    See Also
    --------
    from_long_form : The inverse conversion.

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
    _check_2d(X, "X", "(n_samples, n_features)",
              "Use X.reshape(-1, 1) for one feature.")
    _check_2d(Y, "Y", "(n_samples, n_tasks)", "Use Y.reshape(-1, 1) for one task.")
    X = check_array(X, input_name="X")
    Y = check_array(Y, ensure_all_finite="allow-nan", input_name="Y")
    check_consistent_length(X, Y)
    n_tasks = Y.shape[1]
    if task_names is None:
        names = np.arange(n_tasks)
    else:
        names = np.asarray(task_names)
        if names.dtype.kind in "US":
            # Keep each name's own type: ["a", 3] must not turn 3 into "3".
            names = np.asarray(task_names, dtype=object)
        if names.shape != (n_tasks,):
            raise ValueError(
                f"task_names has {names.size} entries but Y has {n_tasks} task "
                "columns."
            )
        try:
            _task_labels_as_array(names)
        except ValueError:
            raise ValueError(
                "task_names contains NaN or None: every column of Y needs a task "
                "name."
            ) from None
        encoded, _ = encode_tasks(names)
        if encoded.size < n_tasks:
            seen, repeated = set(), []
            for name in names.tolist():
                if name in seen and name not in repeated:
                    repeated.append(name)
                seen.add(name)
            raise ValueError(
                f"task_names repeats {repeated[:10]}: two columns of Y with one name "
                "would merge into one task. Give every column of Y its own name."
            )
    sample, task = np.nonzero(~np.isnan(Y))
    X_long = _insert_task_column(X[sample], names[task], X.shape[1])
    return X_long, Y[sample, task]


def from_long_form(X_long, y_long, task_column=-1):
    """Gather long-form rows back into shared-input form.

    Rows with identical features are taken to be the same sample.

    The rules, each refused with a ``ValueError`` that says what to do:

    - ``X_long`` is 2-D, with at least one feature column besides the task column.
    - Every row has a task: NaN or None task labels are refused.
    - ``y_long`` is numeric and has no NaN: in long form a missing target is a
      row that is absent, so a NaN target is not read as "missing" (drop those
      rows first).
    - A (sample, task) pair appears at most once: ``Y`` has one cell for it, and
      keeping one of several targets would lose data silently. The message says
      how many pairs repeat, and gives the rows of the first one.

    Task labels may be any hashable values, as for the estimators; ``tasks`` is
    in the estimators' order (:func:`~sklearn_mtl.utils.encode_tasks`): numbers
    numerically, strings with numbers naturally (``task_2`` before ``task_10``),
    and labels of mixed types (ints beside strings) in order of first appearance.

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

    See Also
    --------
    to_long_form : The inverse conversion.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import from_long_form
    >>> X_long = np.array([[1.0, 0], [2.0, 0], [2.0, 1]])
    >>> X, Y, tasks = from_long_form(X_long, [5.0, 6.0, 7.0])
    >>> X
    array([[1.],
           [2.]])
    >>> Y
    array([[ 5., nan],
           [ 6.,  7.]])
    >>> tasks
    array([0., 1.])
    """
    _check_2d(X_long, "X_long", "(n_observed, n_features + 1)",
              "It holds the features and the task column.")
    X_long = _read_2d(X_long, None)
    if X_long.shape[1] < 2:
        raise ValueError(
            f"X_long has {X_long.shape[1]} column(s); it needs the features and the "
            "task column."
        )
    features, labels, _ = split_task_column(X_long, task_column)
    labels = _task_labels_as_array(np.asarray(labels))
    features = check_array(features, dtype=np.float64, input_name="X_long")
    y_long = np.asarray(y_long)
    if y_long.ndim != 1:
        raise ValueError(
            f"y_long must be 1-dimensional, one target per row of X_long; got shape "
            f"{y_long.shape}."
        )
    check_consistent_length(features, y_long)
    try:
        y_long = y_long.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "y_long must be numeric: Y marks a missing target with NaN, which needs "
            "a float matrix. Encode class labels as numbers first (e.g. with "
            "sklearn.preprocessing.LabelEncoder)."
        ) from None
    missing = np.flatnonzero(np.isnan(y_long))
    if missing.size:
        raise ValueError(
            f"y_long has NaN at row(s) {missing[:10].tolist()} ({missing.size} in "
            "all). In long form a missing target is a row that is absent, not a NaN "
            "target: drop those rows (X_long[~np.isnan(y_long)]) if they are missing, "
            "or fix the targets."
        )
    _, first, sample = np.unique(features, axis=0, return_index=True,
                                 return_inverse=True)
    # np.unique sorts rows; renumber samples by first appearance to keep the order.
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    sample = rank[sample.ravel()]
    tasks, task = encode_tasks(labels)
    _check_unique_pairs(sample, task, tasks)
    Y = np.full((order.size, tasks.size), np.nan)
    Y[sample, task] = y_long
    return features[np.sort(first)], Y, tasks


def _check_unique_pairs(sample, task, tasks):
    """Refuse a (sample, task) pair given on more than one row."""
    pair = sample * tasks.size + task
    values, first, counts = np.unique(pair, return_index=True, return_counts=True)
    repeated = counts > 1
    if not repeated.any():
        return
    # The repeated pair that shows up first in X_long, and all of its rows.
    example = values[repeated][np.argmin(first[repeated])]
    rows = np.flatnonzero(pair == example)
    label = tasks.tolist()[example % tasks.size]
    raise ValueError(
        f"X_long has {int(repeated.sum())} (sample, task) pair(s) on more than one "
        f"row ({int(counts[repeated].sum())} rows), e.g. rows {rows[:10].tolist()}: "
        f"the same features for task {label!r}. Y has one "
        "target per (sample, task); aggregate the duplicates (e.g. average their "
        "targets) or drop them before converting."
    )


def _check_2d(X, name, shape, hint):
    """A ValueError, not an IndexError deep inside, for input that is not 2-D."""
    ndim = len(X.shape) if hasattr(X, "shape") else np.ndim(np.asarray(X, dtype=object))
    if ndim != 2:
        raise ValueError(
            f"{name} must be 2-dimensional, of shape {shape}; got {ndim} "
            f"dimension(s). {hint}"
        )
