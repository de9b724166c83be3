"""The task-index contract: splitting, encoding, long form, task-aware transformers."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler

from sklearn_mtl import GoMTLRegressor
from sklearn_mtl.utils import (
    TaskAwareScaler,
    TaskAwareTransformer,
    encode_tasks,
    from_long_form,
    split_task_column,
    to_long_form,
)


@settings(max_examples=40, deadline=None)
@given(
    Y=arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 5)),
             elements=st.one_of(st.just(np.nan), st.floats(-100, 100))),
    n_features=st.integers(1, 4),
)
def test_long_form_round_trip(Y, n_features):
    rng = np.random.RandomState(0)
    X = rng.randn(Y.shape[0], n_features)
    X_long, y_long = to_long_form(X, Y)
    assert X_long.shape == (np.isfinite(Y).sum(), n_features + 1)
    if y_long.size == 0:
        return
    X_back, Y_back, tasks = from_long_form(X_long, y_long)
    observed_samples = np.isfinite(Y).any(1)
    observed_tasks = np.isfinite(Y).any(0)
    np.testing.assert_array_equal(X_back, X[observed_samples])
    np.testing.assert_array_equal(tasks, np.flatnonzero(observed_tasks))
    np.testing.assert_array_equal(Y_back, Y[observed_samples][:, observed_tasks])


def test_to_long_form_with_task_names_and_wrong_count():
    X_long, _ = to_long_form([[1.0], [2.0]], [[1.0, 2.0], [3.0, np.nan]],
                             task_names=["math", "art"])
    assert list(X_long[:, -1]) == ["math", "art", "math"]
    with pytest.raises(ValueError, match=re.escape(
            "task_names has 3 entries but Y has 2 task columns.")):
        to_long_form([[1.0]], [[1.0, 2.0]], task_names=["a", "b", "c"])


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "c"])),
                       min_size=1, max_size=30))
def test_encode_tasks_round_trip_for_any_hashable_labels(labels):
    labels = np.array(labels, dtype=object)
    tasks, index = encode_tasks(labels)
    assert len(set(tasks.tolist())) == len(tasks)
    assert [tasks[i] for i in index] == labels.tolist()
    _, again = encode_tasks(labels, tasks)
    np.testing.assert_array_equal(again, index)


def test_split_task_column_for_arrays_sparse_and_frames():
    X = np.array([[1.0, 7.0, 2.0], [3.0, 8.0, 4.0]])
    features, labels, position = split_task_column(X, 1)
    np.testing.assert_array_equal(features, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(labels, [7.0, 8.0])
    assert position == 1
    sparse_features, sparse_labels, _ = split_task_column(sp.csr_matrix(X), -1)
    np.testing.assert_array_equal(sparse_features.toarray(), X[:, :2])
    np.testing.assert_array_equal(sparse_labels, [2.0, 4.0])
    frame = pd.DataFrame(X, columns=["a", "task", "b"])
    frame_features, frame_labels, _ = split_task_column(frame, "task")
    assert list(frame_features.columns) == ["a", "b"]
    with pytest.raises(ValueError, match=re.escape(
            "task_column=5 is out of range for X with 3 column(s).")):
        split_task_column(X, 5)
    with pytest.raises(ValueError, match=re.escape(
            "task_column='task' is a column name, which needs X to be a pandas "
            "DataFrame; give an integer position for arrays.")):
        split_task_column(X, "task")
    with pytest.raises(ValueError, match=re.escape(
            "task_column='school' is not a column of X; its columns are "
            "['a', 'task', 'b'].")):
        split_task_column(frame, "school")


def test_missing_task_labels_are_rejected():
    X = np.array([[1.0, 0.0], [2.0, np.nan], [3.0, 1.0]])
    with pytest.raises(ValueError, match=re.escape(
            "The task labels contain NaN or inf; every row needs a task.")):
        GoMTLRegressor().fit(X, [1.0, 2.0, 3.0])


def test_task_aware_transformer_keeps_the_task_column():
    X = np.array([[0.0, 10.0, 5], [2.0, 30.0, 6], [4.0, 20.0, 5]])
    out = TaskAwareTransformer(MinMaxScaler()).fit_transform(X)
    np.testing.assert_allclose(out, [[0, 0, 5], [0.5, 1, 6], [1, 0.5, 5]])
    first = TaskAwareScaler(task_column=0).fit_transform(X[:, ::-1])
    np.testing.assert_array_equal(first[:, 0], [5, 6, 5])
    np.testing.assert_allclose(first[:, 1:].mean(0), 0, atol=1e-12)


def test_task_aware_transformer_string_tasks_frames_and_sparse():
    X = np.array([[0.0, 1.0, "a"], [2.0, 3.0, "b"]], dtype=object)
    out = TaskAwareScaler().fit_transform(X)
    assert out.dtype == object and list(out[:, -1]) == ["a", "b"]
    frame = pd.DataFrame({"x": [0.0, 2.0, 4.0], "task": ["u", "v", "u"],
                          "z": [1.0, 1.0, 4.0]})
    scaled = TaskAwareScaler(task_column="task").fit_transform(frame)
    assert list(scaled.columns) == ["x", "task", "z"]
    assert list(scaled["task"]) == ["u", "v", "u"]
    reduced = TaskAwareTransformer(PCA(n_components=1), task_column="task")
    reduced = reduced.fit_transform(frame)
    assert reduced.shape == (3, 2) and list(reduced.iloc[:, -1]) == ["u", "v", "u"]
    sparse = TaskAwareScaler(with_mean=False).fit_transform(
        sp.csr_matrix(np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 4.0]])))
    assert sp.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray()[:, -1], [3.0, 4.0])
