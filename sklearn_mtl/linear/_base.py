"""What every shallow (linear) multi-task estimator shares: fitting from validated
long-form data, row-wise prediction with per-task weights, binary per-task labels.

A method supplies ``_fit(features, task_index, y)`` that sets ``coef_`` (one row per
task) and ``intercept_``; the public ``fit`` / ``predict`` / ``predict_proba`` are
written once here. A method whose task heads act on learned features rather than on
the inputs (AMTFL) overrides ``_head_inputs``.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ..base import (
    MultiTaskClassifierMixin,
    MultiTaskMixin,
    MultiTaskRegressorMixin,
    _binary_proba,
)

__all__ = ["LinearMultiTaskBase", "LinearMultiTaskRegressor", "LinearMultiTaskClassifier"]

_SPARSE_FORMATS = ("csr", "csc")


class LinearMultiTaskBase(MultiTaskMixin, BaseEstimator):
    """Per-task linear scores ``h(x) @ coef_[t] + intercept_[t]``; sparse input accepted.

    ``h`` is :meth:`_head_inputs`, the identity here.
    """

    def _validated_features(self, X, tasks):
        check_is_fitted(self)
        features, task_index, _ = self._validate_task_data(
            X, tasks=tasks, reset=False, accept_sparse=_SPARSE_FORMATS
        )
        return features, task_index

    def _head_inputs(self, features):
        """What the task heads ``coef_`` multiply: the validated inputs themselves."""
        return features

    def _decision(self, X, tasks):
        features, task_index = self._validated_features(X, tasks)
        features = self._head_inputs(features)
        # Each row against its own task's weights, without a loop over rows.
        if hasattr(features, "multiply"):
            rowwise = np.asarray(features.multiply(self.coef_[task_index]).sum(1)).ravel()
        else:
            rowwise = np.einsum("nd,nd->n", features, self.coef_[task_index])
        return rowwise + self.intercept_[task_index]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LinearMultiTaskRegressor(MultiTaskRegressorMixin, RegressorMixin, LinearMultiTaskBase):
    """Public ``fit`` / ``predict`` of a multi-task linear regressor."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Targets.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        features, task_index, y = self._validate_task_data(
            X, y, tasks, reset=True, accept_sparse=_SPARSE_FORMATS, y_numeric=True
        )
        return self._fit(features, task_index, y.astype(np.float64))

    def predict(self, X, tasks=None):
        """Predict each row with its own task's linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._decision(X, tasks)


class LinearMultiTaskClassifier(MultiTaskClassifierMixin, ClassifierMixin,
                                LinearMultiTaskBase):
    """Public methods of a multi-task classifier with one binary model per task."""

    _multi_class_tasks = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Labels; every task must have exactly two distinct labels.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        features, task_index, y = self._validate_task_data(
            X, y, tasks, reset=True, accept_sparse=_SPARSE_FORMATS
        )
        codes = self._encode_task_labels(y, task_index, max_classes=2)
        return self._fit(features, task_index, codes.astype(np.float64))

    def decision_function(self, X, tasks=None):
        """Log-odds of each row's positive class (``classes_[t][1]``).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Decision values.
        """
        return self._decision(X, tasks)

    def predict_proba(self, X, tasks=None):
        """Probabilities of each row's two labels.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Column ``j`` is the probability of ``classes_[t][j]`` for a row of
            task ``t``; rows of different tasks refer to different label pairs.
        """
        return _binary_proba(self.decision_function(X, tasks))

    def predict(self, X, tasks=None):
        """Predict each row's label from its own task's two classes.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        _, task_index = self._validated_features(X, tasks)
        positive = (self.decision_function(X, tasks) > 0).astype(np.int64)
        return self._decode_task_labels(positive, task_index)
