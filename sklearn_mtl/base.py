"""Mixins shared by every multi-task estimator: task validation hooks and scoring."""

import numpy as np
from scipy.special import expit
from sklearn.metrics import accuracy_score, get_scorer, r2_score
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._doc_link import DocLinkMixin
from .metrics import per_task_metric
from .utils._tasks import validate_task_data

__all__ = [
    "MultiTaskMixin",
    "MultiTaskRegressorMixin",
    "MultiTaskClassifierMixin",
    "PerTaskClasses",
]


def _plain(value):
    """A numpy scalar as the Python value it holds, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _binary_proba(scores):
    """``[1 - p, p]`` per row, ``p`` the sigmoid of the positive class's score."""
    positive = expit(scores)
    return np.column_stack([1.0 - positive, positive])


class MultiTaskMixin(DocLinkMixin):
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
            Each row's task, for an estimator fitted with ``tasks=``.

        Returns
        -------
        score : float
            :math:`R^2` for regressors, accuracy for classifiers.
        """
        return self._score_function(
            y, self.predict(X, tasks=tasks), sample_weight=sample_weight
        )

    def per_task_score(self, X, y, tasks=None, *, metric=None):
        """Score of each task on its own rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form input.
        y : array-like of shape (n_samples,)
            True targets.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, for an estimator fitted with ``tasks=``.
        metric : None, str or callable, default=None
            None: the estimator's :meth:`score` (:math:`R^2` or accuracy). A
            string: a scikit-learn scorer name (``"roc_auc"``,
            ``"neg_root_mean_squared_error"``, ...), applied to each task's rows
            as if that task were a single-task model (for a classifier, with
            that task's own labels as ``classes_``). A callable:
            ``metric(y_true, y_pred) -> float`` on each task's predictions.

        Returns
        -------
        scores : dict
            Task label to its score, in the order of ``tasks_`` (natural order:
            see :func:`~sklearn_mtl.utils.encode_tasks`); tasks with no rows in
            ``X`` are left out.
        """
        check_is_fitted(self)
        _, task_index, y = self._validate_task_data(X, y, tasks, reset=False,
                                                    accept_sparse=True,
                                                    method="per_task_score")
        if metric is None or callable(metric):
            predictions = self.predict(X, tasks=tasks)
            return per_task_metric(metric or self._score_function, y, predictions,
                                   task_index, labels=self.tasks_)
        scorer = get_scorer(metric)
        scores = {}
        for t in np.unique(task_index):
            rows = np.flatnonzero(task_index == t)
            X_rows = _safe_indexing(X, rows)
            task_rows = None if tasks is None else _safe_indexing(np.asarray(tasks), rows)
            scores[_plain(self.tasks_[t])] = float(
                scorer(_OneTaskView(self, t, task_rows), X_rows, y[rows]))
        return scores


class _OneTaskView:
    """One task of a fitted estimator, seen by a scorer as a single-task model."""

    def __init__(self, estimator, task, tasks):
        self._estimator = estimator
        self._tasks = tasks
        classes = getattr(estimator, "task_classes_", None)
        if classes is not None:
            self.classes_ = classes[task]

    def __sklearn_tags__(self):
        return get_tags(self._estimator)

    def _call(self, method, X):
        return getattr(self._estimator, method)(X, tasks=self._tasks)

    def predict(self, X):
        return self._call("predict", X)

    @available_if(lambda self: hasattr(self._estimator, "predict_proba"))
    def predict_proba(self, X):
        return self._call("predict_proba", X)

    @available_if(lambda self: hasattr(self._estimator, "decision_function"))
    def decision_function(self, X):
        return self._call("decision_function", X)


class MultiTaskRegressorMixin(MultiTaskMixin):
    """Multi-task regressor: :math:`R^2` scoring."""

    _estimator_type = "regressor"

    # Defined here, not only on MultiTaskMixin: in the linear estimators' class
    # order scikit-learn's RegressorMixin.score (which has no ``tasks``) would
    # otherwise come first.
    score = MultiTaskMixin.score

    @staticmethod
    def _score_function(y_true, y_pred, sample_weight=None):
        return r2_score(y_true, y_pred, sample_weight=sample_weight)


class PerTaskClasses(list):
    """``classes_`` of a classifier whose tasks have different label sets.

    A list with one label array per task (in the order of ``tasks_``). It
    refuses to become one numeric or string array, so a scikit-learn tool that
    needs a single label set (``CalibratedClassifierCV``, ``StackingClassifier``,
    ``cross_val_predict(method="predict_proba")``, the display tools) fails with
    a ``ValueError`` saying why, instead of mixing labels of different tasks.
    As an object array it is one entry per task, which is what lets
    scikit-learn's scorers of predicted labels (``scoring="accuracy"``) see its
    type as unknown and score the predictions.
    """

    def _refuse(self):
        return ValueError(
            "classes_ holds one label set per task because the tasks have different "
            f"labels ({_describe_label_sets(self)}); a tool that needs one set of "
            "classes for every row cannot use this classifier. Use task_classes_ for "
            "the per-task sets, per_task_score for per-task metrics, or give every "
            "task the same labels."
        )

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) == object:
            per_task = np.empty(len(self), dtype=object)
            per_task[:] = list(self)
            return per_task
        raise self._refuse()

    def __getattr__(self, name):
        # ndarray attributes that tools read from classes_ (classes_.shape, ...).
        if name in ("shape", "ndim", "dtype", "size", "T", "astype", "ravel", "item"):
            raise AttributeError(str(self._refuse()))
        raise AttributeError(name)


def _describe_label_sets(label_sets, limit=3):
    shown = "; ".join(str(list(map(_plain, c))) for c in label_sets[:limit])
    return shown + ("; ..." if len(label_sets) > limit else "")


class MultiTaskClassifierMixin(MultiTaskMixin):
    """Multi-task classifier: accuracy scoring, per-task label sets.

    ``task_classes_`` holds one array of labels per task (in the order of
    ``tasks_``), so tasks may have different label sets. When every task has
    the same label set, ``classes_`` is that one array, as in scikit-learn, and
    ``predict_proba``'s columns follow it; otherwise ``classes_`` is the
    per-task list (a :class:`PerTaskClasses`).
    """

    _estimator_type = "classifier"

    score = MultiTaskMixin.score

    @staticmethod
    def _score_function(y_true, y_pred, sample_weight=None):
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    def _encode_task_labels(self, y, task_index, *, max_classes=None):
        """Per-task label encoding at fit: sets ``task_classes_`` and ``classes_``.

        Returns each row's label as an index into its task's classes. Every task
        must have at least two classes; ``max_classes`` caps the number a task
        may have (binary-only methods).
        """
        check_classification_targets(y)
        task_classes = []
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
            task_classes.append(classes)
            y_encoded[rows] = codes.ravel()
        self.task_classes_ = task_classes
        first = task_classes[0]
        shared = all(c.shape == first.shape and np.all(c == first) for c in task_classes)
        self.classes_ = first.copy() if shared else PerTaskClasses(task_classes)
        return y_encoded

    def _decode_task_labels(self, codes, task_index):
        """Map per-task class indices back to each row's task's labels."""
        dtypes = {classes.dtype for classes in self.task_classes_}
        labels = np.empty(codes.shape[0], dtype=dtypes.pop() if len(dtypes) == 1 else object)
        for t in np.unique(task_index):
            rows = task_index == t
            labels[rows] = self.task_classes_[t][codes[rows]]
        return labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = self._multi_class_tasks
        return tags

    #: Whether a single task may have more than two classes.
    _multi_class_tasks = True
