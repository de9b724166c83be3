"""Transformers that act on the feature columns and leave the task column alone."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods, Integral
from sklearn.utils.validation import check_is_fitted

from ._tasks import split_task_column

__all__ = ["TaskAwareTransformer", "TaskAwareScaler"]


class TaskAwareTransformer(TransformerMixin, BaseEstimator):
    """Apply any scikit-learn transformer to the features, keeping the task column.

    The task column is split off, the wrapped transformer is fitted on (and applied
    to) the remaining columns, and the task column is put back at the same
    position (the end, for ``task_column=-1``), so a multi-task estimator later in a
    :class:`~sklearn.pipeline.Pipeline` still finds it.

    Parameters
    ----------
    transformer : transformer
        Any scikit-learn transformer (``fit`` / ``transform``); it is cloned.
    task_column : int or str, default=-1
        Position of the task column, or its name for a DataFrame.

    Attributes
    ----------
    transformer_ : transformer
        The fitted clone of ``transformer``.
    n_features_in_ : int
        Number of columns of ``X`` at fit, the task column included.

    See Also
    --------
    TaskAwareScaler : Standard scaling of the features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_mtl.utils import TaskAwareTransformer
    >>> X = np.array([[0.0, 10.0, 0], [2.0, 30.0, 1]])
    >>> TaskAwareTransformer(MinMaxScaler()).fit_transform(X)
    array([[0., 0., 0.],
           [1., 1., 1.]])
    """

    _parameter_constraints = {
        "transformer": [HasMethods(["fit", "transform"])],
        "task_column": [Integral, str],
    }

    def __init__(self, transformer, *, task_column=-1):
        self.transformer = transformer
        self.task_column = task_column

    def _make_transformer(self):
        return clone(self.transformer)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the wrapped transformer on the feature columns of ``X``.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
            Long-form data with a task column.
        y : None
            Ignored.

        Returns
        -------
        self : TaskAwareTransformer
            The fitted transformer.
        """
        X = _as_2d(X)
        features, _, _ = split_task_column(X, self.task_column)
        self.transformer_ = self._make_transformer().fit(features, y)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Transform the feature columns; the task column passes through unchanged.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
            Long-form data with a task column.

        Returns
        -------
        X_out : ndarray, sparse matrix or DataFrame
            Transformed features with the task column at its original position.
        """
        check_is_fitted(self)
        X = _as_2d(X)
        features, labels, position = split_task_column(X, self.task_column)
        transformed = self.transformer_.transform(features)
        if hasattr(X, "iloc"):
            out = X.iloc[:, [position]].copy()
            import pandas as pd

            names = [c for c in X.columns if c != X.columns[position]]
            if getattr(transformed, "shape", (0, 0))[1] != len(names):
                names = list(self.transformer_.get_feature_names_out())
            frame = pd.DataFrame(np.asarray(transformed), columns=names, index=X.index)
            frame.insert(min(position, frame.shape[1]), X.columns[position], out.iloc[:, 0])
            return frame
        position = min(position, transformed.shape[1])
        if sp.issparse(transformed):
            column = sp.csr_matrix(labels.astype(np.float64).reshape(-1, 1))
            left, right = transformed[:, :position], transformed[:, position:]
            return sp.hstack([left, column, right], format="csr")
        transformed = np.asarray(transformed)
        dtype = transformed.dtype if labels.dtype.kind in "biuf" else object
        return np.insert(transformed.astype(dtype), position, labels, axis=1)


class TaskAwareScaler(TaskAwareTransformer):
    """Standardise the feature columns; the task column passes through.

    A :class:`TaskAwareTransformer` around
    :class:`~sklearn.preprocessing.StandardScaler`. Scaling is global (over all
    rows), so the tasks keep their relative offsets.

    Parameters
    ----------
    with_mean : bool, default=True
        Centre the features (must be False for sparse input).
    with_std : bool, default=True
        Scale the features to unit variance.
    task_column : int or str, default=-1
        Position of the task column, or its name for a DataFrame.

    Attributes
    ----------
    transformer_ : StandardScaler
        The fitted scaler.
    n_features_in_ : int
        Number of columns of ``X`` at fit, the task column included.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import TaskAwareScaler
    >>> TaskAwareScaler().fit_transform(np.array([[1.0, 0], [3.0, 1]]))
    array([[-1.,  0.],
           [ 1.,  1.]])
    """

    _parameter_constraints = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "task_column": [Integral, str],
    }

    def __init__(self, *, with_mean=True, with_std=True, task_column=-1):
        self.with_mean = with_mean
        self.with_std = with_std
        self.task_column = task_column

    def _make_transformer(self):
        return StandardScaler(with_mean=self.with_mean, with_std=self.with_std)


def _as_2d(X):
    if hasattr(X, "iloc") or sp.issparse(X):
        return X
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D array X, got shape {X.shape}.")
    return X
