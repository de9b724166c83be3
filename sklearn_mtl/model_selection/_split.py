"""Cross-validation splitters that keep every task in every training set.

A multi-task estimator learns one model per task (shared structure plus a part of
its own), so it can only predict for tasks it saw at fit. A splitter that holds out
whole tasks (``GroupKFold`` by task, or an unshuffled ``KFold`` on rows sorted by
task) leaves a test task unseen, and the estimator refuses it. These splitters
stratify by task instead: every task is split across the folds.
"""

import warnings
from math import ceil, floor

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import BaseShuffleSplit
from sklearn.model_selection._split import _BaseKFold
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_samples, check_array

from ..utils._tasks import (
    _is_dataframe,
    _task_labels_as_array,
    encode_tasks,
    split_task_column,
)

__all__ = ["TaskShuffleSplit", "TaskStratifiedKFold"]

# Guards ceil/floor of per-task shares against float error (0.7 * 10 = 7.000...01).
_SHARE_TOLERANCE = 1e-9


def _task_index(splitter, X, groups):
    """Each row's task as an integer index, from ``X``'s task column or ``groups``.

    Returns the encoded index and the task labels (for messages).
    """
    name = type(splitter).__name__
    task_column = splitter.task_column
    if task_column is None:
        if groups is None:
            raise ValueError(
                f"{name}(task_column=None) reads each row's task from groups, but "
                "groups is None: pass the tasks as groups, e.g. "
                "cross_val_score(..., groups=tasks) or GridSearchCV(...).fit(X, y, "
                "groups=tasks), or set task_column to the position (or name) of the "
                "task column of X."
            )
        labels = groups
    else:
        if groups is not None:
            raise ValueError(
                f"{name}(task_column={task_column!r}) reads each row's task from X, "
                "but groups were given too, which is ambiguous. Set task_column=None "
                "to take the tasks from groups, or do not pass groups."
            )
        if not (_is_dataframe(X) or sp.issparse(X)):
            X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
        _, labels, _ = split_task_column(X, task_column)
    labels = _task_labels_as_array(np.asarray(labels))
    if labels.shape[0] != _num_samples(X):
        raise ValueError(
            f"{name} got {labels.shape[0]} task labels for {_num_samples(X)} rows "
            "of X; give one task per row."
        )
    tasks, index = encode_tasks(labels)
    return index, tasks


def _task_rows(task_index, n_tasks, rng):
    """The rows of each task, shuffled within the task when ``rng`` is given."""
    rows = [np.flatnonzero(task_index == t) for t in range(n_tasks)]
    if rng is not None:
        rows = [rng.permutation(r) for r in rows]
    return rows


class TaskStratifiedKFold(_BaseKFold):
    """K-fold cross-validation that puts every task in every training fold.

    Each task's rows are (optionally shuffled and) dealt out over the folds in
    turn, so each task is split as evenly as possible: its folds differ in size
    by at most one row, and so do the folds overall. Every task with at least
    two rows is then in every training fold. This is the splitter to use for
    multi-task estimators: ``KFold`` on rows sorted by task, and ``GroupKFold``
    by task, hold out whole tasks, which an estimator that has not seen a task
    cannot predict.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=True
        Shuffle each task's rows before dealing them out. With False, the rows
        of a task go to the folds in their order in ``X``.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle (only with ``shuffle=True``).
    task_column : int, str or None, default=-1
        Where each row's task comes from, as the estimators' ``task_column``:
        the position of the task column of ``X`` (negative counts from the
        end) or, for a DataFrame, its name. None reads the tasks from the
        ``groups`` passed to :meth:`split`, for data fitted with ``tasks=``.

    See Also
    --------
    TaskShuffleSplit : Random train/test splits stratified by task.
    sklearn.model_selection.StratifiedKFold : The same idea for class labels.

    Notes
    -----
    A task with fewer rows than ``n_splits`` (but at least two) has each row in
    a different test fold, so it is absent from some test folds and in every
    training fold; a warning says so. A task with a single row cannot be both
    tested and in every training fold: it is refused with a ``ValueError``
    naming it (drop the task or merge it with another).

    The row-to-fold deal runs on across tasks (task ``t``'s first row goes to
    the fold after task ``t - 1``'s last), which keeps the folds' total sizes
    within one row of each other too.

    With ``task_column=None`` the tasks come from ``groups``:
    ``cross_val_score(est, X, y, groups=tasks, cv=TaskStratifiedKFold(
    task_column=None))``. With metadata routing enabled
    (``sklearn.set_config(enable_metadata_routing=True)``) the splitter requests
    ``groups``, so ``params={"groups": tasks}`` reaches it; the estimator itself
    needs ``tasks`` (``set_fit_request(tasks=True)``, ``params={"tasks": tasks,
    "groups": tasks}``), and scoring other than the estimator's own ``score``
    cannot receive ``tasks`` yet (scikit-learn issue #27977). The task column
    is the route that always works.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.model_selection import TaskStratifiedKFold
    >>> X = np.column_stack([np.arange(8.0), [0, 0, 0, 0, 1, 1, 1, 1]])
    >>> cv = TaskStratifiedKFold(n_splits=2, shuffle=False)
    >>> for train, test in cv.split(X):
    ...     print(train, test)
    [1 3 5 7] [0 2 4 6]
    [0 2 4 6] [1 3 5 7]
    """

    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, shuffle=True, random_state=None, task_column=-1):
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)
        self.task_column = task_column

    def split(self, X, y=None, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
            Long-form data; holds the task column unless ``task_column=None``.
        y : array-like of shape (n_samples,), default=None
            Ignored; accepted for compatibility.
        groups : array-like of shape (n_samples,), default=None
            Each row's task, only with ``task_column=None`` (refused otherwise,
            as ambiguous).

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        folds = self._assign_folds(X, groups)
        if self.n_splits > folds.size:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than "
                f"the number of samples: n_samples={folds.size}."
            )
        indices = np.arange(folds.size)
        for fold in range(self.n_splits):
            test = folds == fold
            yield indices[~test], indices[test]

    def _assign_folds(self, X, groups):
        task_index, tasks = _task_index(self, X, groups)
        counts = np.bincount(task_index, minlength=tasks.size)
        single = np.flatnonzero(counts < 2)
        if single.size:
            raise ValueError(
                f"Task(s) {tasks[single].tolist()[:10]} of TaskStratifiedKFold have a "
                "single row, which cannot be in a test fold and in every training "
                "fold too; drop those tasks or merge them with others."
            )
        if counts.min() < self.n_splits:
            small = np.flatnonzero(counts < self.n_splits)
            warnings.warn(
                f"Task(s) {tasks[small].tolist()[:10]} have fewer rows "
                f"({counts[small].min()} at least) than n_splits={self.n_splits}: "
                "each of their rows is in a different test fold, so some test folds "
                "hold none of their rows (they are in every training fold).",
                UserWarning,
                stacklevel=3,
            )
        rng = check_random_state(self.random_state) if self.shuffle else None
        folds = np.empty(task_index.size, dtype=np.int64)
        start = 0
        for rows in _task_rows(task_index, tasks.size, rng):
            folds[rows] = (start + np.arange(rows.size)) % self.n_splits
            start += rows.size
        return folds


class TaskShuffleSplit(BaseShuffleSplit):
    """Random train/test splits, each task split in the same proportion.

    Each split draws, within every task, a share ``test_size`` of its rows for
    testing and ``train_size`` (by default the rest) for training. Every task
    is in every training set, and in every test set when it has at least two
    rows: the per-task counts are rounded up for testing (as
    :class:`~sklearn.model_selection.ShuffleSplit` does) and then kept between
    one row and all rows but one.

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=0.2
        A float in (0, 1): the share of each task's rows in the test set. An
        int: the number of test rows overall, read as the share
        ``test_size / n_samples`` of each task (so, after per-task rounding,
        the total can differ from it by a few rows).
    train_size : float, int or None, default=None
        As ``test_size``, for the training set; None: every row not in the test
        set.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.
    task_column : int, str or None, default=-1
        Where each row's task comes from, as in :class:`TaskStratifiedKFold`:
        a column of ``X``, or None for the ``groups`` passed to :meth:`split`.

    See Also
    --------
    TaskStratifiedKFold : K-fold cross-validation stratified by task.
    sklearn.model_selection.StratifiedShuffleSplit : The same for class labels,
        which can leave a small class out of the training set.

    Notes
    -----
    A task with one row is always in the training set and never tested.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.model_selection import TaskShuffleSplit
    >>> X = np.column_stack([np.arange(12.0), [0] * 10 + [1] * 2])
    >>> train, test = next(TaskShuffleSplit(n_splits=1, random_state=0).split(X))
    >>> np.bincount(X[train, -1].astype(int)), np.bincount(X[test, -1].astype(int))
    (array([8, 1]), array([2, 1]))
    """

    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=10, *, test_size=0.2, train_size=None, random_state=None,
                 task_column=-1):
        super().__init__(n_splits=n_splits, test_size=test_size, train_size=train_size,
                         random_state=random_state)
        self._default_test_size = 0.2
        self.task_column = task_column

    def _shares(self, n_samples):
        """The test and train shares of each task's rows (train None: the rest).

        Only the sizes are checked here, not the global counts scikit-learn's
        ShuffleSplit checks: per task, every split keeps a training row anyway.
        """
        sizes = {"test_size": self.test_size, "train_size": self.train_size}
        shares = {}
        for name, size in sizes.items():
            if size is None:
                continue
            kind = np.asarray(size).dtype.kind
            if not ((kind == "f" and 0 < size < 1) or (kind in "iu" and 0 < size < n_samples)):
                raise ValueError(
                    f"{name}={size} should be a float in the (0, 1) range or an int "
                    f"between 1 and the number of rows minus one ({n_samples - 1})."
                )
            shares[name] = float(size) if kind == "f" else size / n_samples
        if not shares:
            shares["test_size"] = self._default_test_size
        if sum(shares.values()) > 1 + _SHARE_TOLERANCE:
            raise ValueError(
                f"test_size={self.test_size} and train_size={self.train_size} add up "
                "to more than all rows; reduce either."
            )
        test = shares.get("test_size", 1.0 - shares.get("train_size", 0.0))
        return test, shares.get("train_size")

    def split(self, X, y=None, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
            Long-form data; holds the task column unless ``task_column=None``.
        y : array-like of shape (n_samples,), default=None
            Ignored; accepted for compatibility.
        groups : array-like of shape (n_samples,), default=None
            Each row's task, only with ``task_column=None``.

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        task_index, tasks = _task_index(self, X, groups)
        test_share, train_share = self._shares(task_index.size)
        counts = np.bincount(task_index, minlength=tasks.size)
        n_test_task = [min(max(ceil(test_share * n - _SHARE_TOLERANCE), int(n >= 2)), n - 1)
                       for n in counts]
        if self.train_size is None:
            n_train_task = [n - m for n, m in zip(counts, n_test_task)]
        else:
            n_train_task = [min(max(floor(train_share * n + _SHARE_TOLERANCE), 1), n - m)
                            for n, m in zip(counts, n_test_task)]
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            train, test = [], []
            for rows, m_test, m_train in zip(
                    _task_rows(task_index, tasks.size, rng), n_test_task, n_train_task):
                test.append(rows[:m_test])
                train.append(rows[m_test:m_test + m_train])
            yield np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
