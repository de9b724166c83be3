"""Mixins shared by every multi-task estimator: task validation hooks and scoring."""

import numpy as np
from scipy.special import expit
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .metrics import per_task_metric
from .utils._tasks import validate_task_data

__all__ = ["MultiTaskMixin", "MultiTaskRegressorMixin", "MultiTaskClassifierMixin"]


def _plain(value):
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _binary_proba(scores):
    """``[1 - p, p]`` per row, ``p`` the sigmoid of the positive class's score."""
    positive = expit(scores)
    return np.column_stack([1.0 - positive, positive])


class MultiTaskMixin:
    """Task-index handling for estimators with a ``task_column`` parameter.

    Subclasses call :meth:`_validate_task_data` in ``fit`` (``reset=True``) and in
    every prediction method (``reset=False``), and define ``_score_function``.
    """

    def _validate_task_data(self, X, y=None, tasks=None, *, reset, **kwargs):
        return validate_task_data(self, X, y, tasks, reset=reset, **kwargs)

    def score(self, X, y, sample_weight=None, tasks=None):
        """Score of the predictions on all rows, every task together.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form input.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        tasks : array-like of shape (n_samples,), default=None
            Explicit task labels, when ``X`` has no task column.

        Returns
        -------
        score : float
            :math:`R^2` for regressors, accuracy for classifiers.
        """
        return self._score_function(
            y, self.predict(X, tasks=tasks), sample_weight=sample_weight
        )

    def per_task_score(self, X, y, tasks=None):
        """Score of each task on its own rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form input.
        y : array-like of shape (n_samples,)
            True targets.
        tasks : array-like of shape (n_samples,), default=None
            Explicit task labels, when ``X`` has no task column.

        Returns
        -------
        scores : dict
            Task label to its score (:math:`R^2` or accuracy), in the order of
            ``tasks_``; tasks with no rows in ``X`` are left out.
        """
        check_is_fitted(self)
        _, task_index, y = self._validate_task_data(X, y, tasks, reset=False,
                                                    accept_sparse=True)
        predictions = self.predict(X, tasks=tasks)
        return per_task_metric(self._score_function, y, predictions,
                               self.tasks_[task_index])


class MultiTaskRegressorMixin(MultiTaskMixin):
    """Multi-task regressor: :math:`R^2` scoring."""

    _estimator_type = "regressor"

    @staticmethod
    def _score_function(y_true, y_pred, sample_weight=None):
        return r2_score(y_true, y_pred, sample_weight=sample_weight)


class MultiTaskClassifierMixin(MultiTaskMixin):
    """Multi-task classifier: accuracy scoring, per-task label sets.

    ``classes_`` is a list with one array of labels per task (in the order of
    ``tasks_``), so tasks may have different label sets.
    """

    _estimator_type = "classifier"

    @staticmethod
    def _score_function(y_true, y_pred, sample_weight=None):
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    def _encode_task_labels(self, y, task_index, *, max_classes=None):
        """Per-task label encoding at fit: sets ``classes_`` and returns indices.

        Every task must have at least two classes; ``max_classes`` caps the number
        a task may have (binary-only methods).
        """
        check_classification_targets(y)
        self.classes_ = []
        y_encoded = np.empty(y.shape[0], dtype=np.int64)
        for t, task in enumerate(self.tasks_):
            rows = task_index == t
            classes, codes = np.unique(y[rows], return_inverse=True)
            if classes.size < 2:
                raise ValueError(
                    f"Task {_plain(task)!r} has one class ({_plain(classes[0])!r}) in "
                    "y; a classification task needs two or more classes."
                )
            if max_classes is not None and classes.size > max_classes:
                raise ValueError(
                    ("Only binary classification is supported. " if max_classes == 2
                     else "") +
                    f"Task {_plain(task)!r} has {classes.size} classes but "
                    f"{type(self).__name__} handles at most {max_classes} per task."
                )
            self.classes_.append(classes)
            y_encoded[rows] = codes.ravel()
        return y_encoded

    def _decode_task_labels(self, codes, task_index):
        """Map per-task class indices back to each row's task's labels."""
        dtypes = {classes.dtype for classes in self.classes_}
        labels = np.empty(codes.shape[0], dtype=dtypes.pop() if len(dtypes) == 1 else object)
        for t in np.unique(task_index):
            rows = task_index == t
            labels[rows] = self.classes_[t][codes[rows]]
        return labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = self._multi_class_tasks
        return tags

    #: Whether a single task may have more than two classes.
    _multi_class_tasks = True
