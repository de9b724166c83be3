"""Transformers that act on the feature columns and leave the task column alone."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import HasMethods
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
    validate_data,
)

from .._doc_link import DocLinkMixin
from ._tasks import split_task_column

__all__ = ["TaskAwareTransformer", "TaskAwareScaler"]


class TaskAwareTransformer(DocLinkMixin, TransformerMixin, BaseEstimator):
    """Apply any scikit-learn transformer to the features, keeping the task column.

    The task column is split off, the wrapped transformer is fitted on (and applied
    to) the remaining columns, and the task column is put back, unchanged, so that a
    multi-task estimator later in a :class:`~sklearn.pipeline.Pipeline` still finds
    it with the same ``task_column``.

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
    feature_names_in_ : ndarray of str
        Column names of ``X`` at fit, the task column included (only for a
        DataFrame with string column names).

    See Also
    --------
    TaskAwareScaler : Standard scaling of the features.

    Notes
    -----
    **The task column is never converted.** Its values come back exactly as they
    went in:

    - DataFrame output (a DataFrame ``X``, or ``set_output(transform="pandas")``)
      keeps the column's dtype: int64, string, object or categorical.
    - A dense array holds one dtype: the output has the transformed features'
      dtype when every task label converts to it and back unchanged, and is an
      object array otherwise (string labels, or integer ids above
      :math:`2^{53}` beside float64 features, which a cast would merge).
    - Sparse input stores the task column as numbers already; it stays as stored.

    **Where the task column goes.** A negative ``task_column`` counts from the
    end, so ``-1`` stays the last column even when the wrapped transformer changes
    the number of feature columns (e.g. :class:`~sklearn.decomposition.PCA`); a
    task column that was last stays last; any other stays at its position, or
    last when the output has fewer columns. :meth:`get_feature_names_out` gives
    the task column's own name at that place.

    ``set_output(transform="pandas")`` builds the DataFrame with the task column
    in its own dtype. ``set_output(transform="polars")`` is supported where
    scikit-learn supports it (polars installed); the task column then keeps its
    values, as a polars column of the matching type. :meth:`inverse_transform`
    exists when the wrapped transformer has one. NaN in the features is accepted
    exactly when the wrapped transformer accepts it (its tags are delegated). The
    task labels are not judged here: a NaN or None label passes through, and the
    multi-task estimator that reads the column refuses it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_mtl.utils import TaskAwareTransformer
    >>> X = np.array([[0.0, 10.0, 0], [2.0, 30.0, 1]])
    >>> scaler = TaskAwareTransformer(MinMaxScaler()).fit(X)
    >>> scaler.transform(X)
    array([[0., 0., 0.],
           [1., 1., 1.]])
    >>> scaler.get_feature_names_out()
    array(['x0', 'x1', 'x2'], dtype=object)
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._make_transformer())
        # The wrapper passes features through to the wrapped transformer, so it
        # accepts exactly what that one accepts.
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.transformer_tags.preserves_dtype = list(
            inner.transformer_tags.preserves_dtype
        ) if inner.transformer_tags is not None else []
        return tags

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
        X = self._check_X(X, reset=True)
        features, _, position = split_task_column(X, self.task_column)
        self.transformer_ = self._make_transformer().fit(features, y)
        self._position = position
        return self

    def transform(self, X):
        """Transform the feature columns; the task column passes through unchanged.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
            Long-form data with a task column, the same columns as at fit.

        Returns
        -------
        X_out : ndarray, sparse matrix or DataFrame
            Transformed features with the task column (see Notes for its place
            and dtype). A DataFrame for DataFrame input, or when
            ``set_output(transform="pandas")`` is set.
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        transformed = self.transformer_.transform(
            split_task_column(X, self.task_column)[0])
        return self._with_task_column(transformed, X, self._position,
                                      self._output_position(transformed.shape[1]))

    @available_if(lambda self: hasattr(self._make_transformer(), "inverse_transform"))
    def inverse_transform(self, X):
        """Undo the wrapped transformer on the features; the task column passes through.

        Only available when the wrapped transformer has ``inverse_transform``.

        Parameters
        ----------
        X : array-like, sparse matrix or DataFrame of shape (n_samples, n_out)
            Output of :meth:`transform`: transformed features and the task column
            where :meth:`transform` put it.

        Returns
        -------
        X_original : ndarray, sparse matrix or DataFrame
            Of shape (n_samples, n_features_in_).
            The features in the original space, the task column unchanged at its
            position at fit. A DataFrame (with ``feature_names_in_`` when known)
            for DataFrame input.
        """
        check_is_fitted(self)
        X = self._check_X(X, inverse=True)
        position = self._output_position(X.shape[1] - 1)
        features = split_task_column(X, position)[0]
        restored = self.transformer_.inverse_transform(features)
        return self._with_task_column(restored, X, position, self._position,
                                      inverse=True)

    def get_feature_names_out(self, input_features=None):
        """Output column names: the wrapped transformer's, and the task column's.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the columns of ``X`` at fit, the task column included;
            ``feature_names_in_`` (or ``x0, x1, ...``) when None.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The wrapped transformer's output names, with the task column's input
            name at the place :meth:`transform` puts it.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        inputs = np.delete(names, self._position)
        inner = self.transformer_
        if hasattr(inner, "get_feature_names_out"):
            out = np.asarray(inner.get_feature_names_out(inputs), dtype=object)
        else:
            raise AttributeError(
                f"{type(self).__name__} cannot name its output columns: the wrapped "
                f"{type(inner).__name__} has no get_feature_names_out."
            )
        return np.insert(out, self._output_position(out.size), names[self._position])

    # --- helpers ------------------------------------------------------------------

    def _output_position(self, n_out):
        """Where the task column goes among ``n_out`` transformed feature columns."""
        if self._position == self.n_features_in_ - 1:
            return n_out
        if isinstance(self.task_column, Integral) and self.task_column < 0:
            return int(np.clip(n_out + 1 + self.task_column, 0, n_out))
        return min(self._position, n_out)

    def _check_X(self, X, *, reset=False, inverse=False):
        """``X`` as given (DataFrame, sparse) or as a 2-D array, values untouched."""
        name = type(self).__name__
        X = _read_2d(X, self)
        n_columns = X.shape[1]
        if inverse:
            if n_columns < 2:
                raise ValueError(
                    f"{name}.inverse_transform needs the output of transform "
                    f"(transformed features and the task column); X has {n_columns} "
                    "column(s)."
                )
            return X
        if reset and n_columns < 2:
            raise ValueError(
                f"X has {n_columns} feature(s) (column(s)) and the task column "
                f"{self.task_column!r} leaves none for {name}; X needs at least one "
                "feature column besides the task column."
            )
        if not reset and n_columns != self.n_features_in_:
            raise ValueError(
                f"X has {n_columns} features, but {name} is expecting "
                f"{self.n_features_in_} features as input: it was fitted on X with "
                f"{self.n_features_in_} columns ({self.n_features_in_ - 1} features + "
                f"task column {self.task_column!r}). Give X with the same columns as "
                "at fit, the task column included."
            )
        validate_data(self, X, reset=reset, skip_check_array=True)
        return X

    def _with_task_column(self, values, X, source, target, *, inverse=False):
        """``values`` with the task column of ``X`` (at ``source``) at ``target``."""
        dense = ("default" if inverse
                 else _get_output_config("transform", self)["dense"])
        if dense == "default" and _is_frame(X):
            dense = "pandas" if hasattr(X, "iloc") else "polars"
        if dense != "default":
            return self._frame(values, X, source, target, dense, inverse)
        labels = split_task_column(X, source)[1]
        if sp.issparse(values):
            column = sp.csr_matrix(np.asarray(labels, dtype=values.dtype)[:, None])
            return sp.hstack([values[:, :target], column, values[:, target:]],
                             format="csr")
        return _insert_task_column(np.asarray(values), labels, target)

    def _frame(self, values, X, source, target, dense, inverse):
        """A pandas (or, when configured, polars) DataFrame with the task column."""
        if sp.issparse(values):
            raise ValueError(
                f"{type(self).__name__} cannot return a DataFrame: the wrapped "
                f"{type(self.transformer_).__name__} returned a sparse matrix. Make it "
                "return dense output (e.g. sparse_output=False), or pass X as an array "
                "with set_output(transform='default')."
            )
        values = np.asarray(values)
        if inverse:
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                names = np.array([f"x{j}" for j in range(self.n_features_in_)],
                                 dtype=object)
        elif hasattr(self.transformer_, "get_feature_names_out"):
            names = self.get_feature_names_out()
        elif values.shape[1] == self.n_features_in_ - 1:
            # A one-to-one transformer without get_feature_names_out keeps names.
            names = _check_feature_names_in(self, None)
            names = np.insert(np.delete(names, self._position), target,
                              names[self._position])
        else:
            self.get_feature_names_out()  # raises, naming the wrapped transformer
        task_name = names[target]
        feature_names = [str(n) for n in np.delete(names, target)]
        task = split_task_column(X, source)[1]
        if dense == "polars":
            import polars as pl

            if _is_frame(X) and not hasattr(X, "iloc"):
                task = X.to_series(source).alias(str(task_name))  # keeps its dtype
            else:
                task = pl.Series(str(task_name), task)
                if hasattr(X, "iloc") and X.iloc[:, source].dtype == "category" \
                        and task.dtype == pl.String:
                    task = task.cast(pl.Categorical)
            frame = pl.DataFrame(values, schema=feature_names, orient="row")
            return frame.insert_column(target, task)
        import pandas as pd

        if hasattr(X, "iloc"):
            task, index = X.iloc[:, source], X.index  # the Series keeps its dtype
        else:
            task, index = pd.Series(task), None
        frame = pd.DataFrame(values, columns=feature_names, index=index)
        frame.insert(target, task_name, task.set_axis(frame.index),
                     allow_duplicates=True)
        return frame


def _is_frame(X):
    """A pandas or polars DataFrame (split_task_column reads both by position)."""
    return hasattr(X, "columns") and hasattr(X, "to_numpy") and hasattr(X, "shape")


def _read_2d(X, estimator):
    """Check ``X`` is 2-D without converting its values (the task column's stay)."""
    check_array(X, dtype=None, ensure_all_finite=False, accept_sparse=True,
                accept_large_sparse=True, estimator=estimator, input_name="X")
    if _is_frame(X) or sp.issparse(X):
        return X
    array = np.asarray(X)
    # A list mixing numbers and strings would become all strings: keep the objects.
    return np.asarray(X, dtype=object) if array.dtype.kind in "US" else array


def _insert_task_column(features, labels, position):
    """``features`` with ``labels`` inserted as column ``position``, kept exactly.

    The result has the features' dtype when every label converts to it and back
    unchanged (integer ids up to 2**53 beside float64 features); otherwise it is
    an object array, so that string labels and large integer ids survive.
    """
    labels = np.asarray(labels)
    dtype = features.dtype
    if labels.dtype.kind in "biuf" and dtype.kind in "biuf":
        with np.errstate(invalid="ignore", over="ignore"):
            back = labels.astype(dtype).astype(labels.dtype)
        if not np.array_equal(back, labels, equal_nan=labels.dtype.kind == "f"):
            dtype = np.dtype(object)
    else:
        dtype = np.dtype(object)
    out = np.empty((features.shape[0], features.shape[1] + 1), dtype=dtype)
    keep = [j for j in range(out.shape[1]) if j != position]
    out[:, keep] = features
    out[:, position] = labels.astype(object) if dtype == object else labels
    return out


class TaskAwareScaler(TaskAwareTransformer):
    """Standardise the feature columns; the task column passes through.

    A :class:`TaskAwareTransformer` around
    :class:`~sklearn.preprocessing.StandardScaler`. Scaling is global (over all
    rows), so the tasks keep their relative offsets. The task column keeps its
    values and dtype exactly (see :class:`TaskAwareTransformer`).

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
    feature_names_in_ : ndarray of str
        Column names of ``X`` at fit, the task column included (only for a
        DataFrame with string column names).

    See Also
    --------
    TaskAwareTransformer : Any transformer applied to the features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.utils import TaskAwareScaler
    >>> scaler = TaskAwareScaler().fit(np.array([[1.0, 0], [3.0, 1]]))
    >>> scaler.transform(np.array([[1.0, 0], [3.0, 1]]))
    array([[-1.,  0.],
           [ 1.,  1.]])
    >>> scaler.inverse_transform(np.array([[0.0, 1]]))
    array([[2., 1.]])
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
