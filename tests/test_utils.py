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
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, Normalizer, PolynomialFeatures

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


# --- task-aware transformers: the task column is never converted -------------------

_BIG = 2**53  # float64 cannot tell 2**53 from 2**53 + 1


def _features(n_rows, n_features=2, seed=0):
    return np.random.RandomState(seed).randn(n_rows, n_features)


@settings(max_examples=30, deadline=None)
@given(labels=st.one_of(
    st.lists(st.integers(-2**63, 2**63 - 1), min_size=3, max_size=12),
    st.lists(st.text(min_size=1, max_size=3), min_size=3, max_size=12),
    st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "task_10"])),
             min_size=3, max_size=12)))
def test_task_column_comes_back_exactly(labels):
    labels = np.array(labels) if all(isinstance(v, int) for v in labels) \
        else np.array(labels, dtype=object)
    X = np.empty((labels.size, 3), dtype=labels.dtype if labels.dtype != object
                 else object)
    X[:, :2] = np.arange(2 * labels.size).reshape(-1, 2)
    X[:, 2] = labels
    out = TaskAwareScaler().fit_transform(X)
    assert out[:, -1].tolist() == labels.tolist()
    if out.dtype == object:  # strings, or ids that float64 cannot hold
        assert [type(v) for v in out[:, -1]] == [type(v) for v in labels.tolist()]
        assert labels.dtype == object or any(float(v) != v for v in labels.tolist())
    else:
        assert out.dtype == np.float64
        assert all(float(v) == v for v in labels.tolist())
    np.testing.assert_allclose(out[:, :2].astype(float).std(axis=0), 1.0)


def test_large_int64_ids_keep_two_tasks_through_a_pipeline():
    X = _features(40)
    ids = np.repeat(np.array([_BIG, _BIG + 1], dtype=np.int64), 20)
    X_int = np.column_stack([(100 * X).astype(np.int64), ids])
    out = TaskAwareScaler().fit_transform(X_int)
    assert out.dtype == object and out[:, -1].tolist() == ids.tolist()
    # Small ids fit float64 exactly: then the output stays a float array.
    small = TaskAwareScaler().fit_transform(np.column_stack([X, ids - _BIG]))
    assert small.dtype == np.float64
    pipe = make_pipeline(TaskAwareScaler(), GoMTLRegressor(random_state=0))
    pipe.fit(X_int, X[:, 0])
    assert pipe[-1].tasks_.tolist() == [_BIG, _BIG + 1]


@pytest.mark.parametrize("task", [
    pd.Series([_BIG, _BIG + 1, _BIG, _BIG + 1], dtype="int64"),
    pd.Series(["u", "v", "u", "w"], dtype=object),
    pd.Series(["u", "v", "u", "w"], dtype="string"),
    pd.Series(pd.Categorical(["u", "v", "u", "v"], categories=["v", "u", "z"])),
    pd.Series(pd.Categorical([3, 1, 3, 1])),
], ids=["int64", "object", "string", "categorical", "int-categorical"])
def test_dataframe_task_column_keeps_dtype(task):
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 4.0], "task": task.values,
                          "b": [1.0, 3.0, 2.0, 0.0]}, index=[7, 5, 3, 1])
    for transformer in (TaskAwareScaler(task_column="task"),
                        TaskAwareTransformer(PCA(n_components=1), task_column=1),
                        TaskAwareScaler(task_column=1).set_output(transform="pandas")):
        out = transformer.fit_transform(frame)
        pd.testing.assert_series_equal(out["task"], frame["task"])
        assert list(out.columns) == list(transformer.get_feature_names_out())


def test_get_feature_names_out_keeps_the_task_column_in_place():
    frame = pd.DataFrame(_features(6, 3), columns=["a", "b", "c"])
    frame.insert(1, "school", [0, 1, 2, 0, 1, 2])
    names = TaskAwareScaler(task_column="school").fit(frame).get_feature_names_out()
    assert names.tolist() == ["a", "school", "b", "c"]
    tasks = [0, 1, 2, 0, 1, 2]
    X = np.column_stack([_features(6, 3), tasks])  # the task column is x3
    cases = [  # (transformer, its X, expected names, the task column's name)
        (TaskAwareTransformer(PCA(n_components=1)), X, ["pca0", "x3"], "x3"),
        (TaskAwareTransformer(PolynomialFeatures(2, include_bias=False)), X,
         ["x0", "x1", "x2", "x0^2", "x0 x1", "x0 x2", "x1^2", "x1 x2", "x2^2", "x3"],
         "x3"),
        (TaskAwareTransformer(PCA(n_components=2), task_column=0), X[:, [3, 0, 1, 2]],
         ["x0", "pca0", "pca1"], "x0"),
        # Negative positions count from the end: -2 stays second to last.
        (TaskAwareTransformer(PCA(n_components=1), task_column=-2), X[:, [0, 1, 3, 2]],
         ["x2", "pca0"], "x2"),
    ]
    for transformer, data, expected, task_name in cases:
        out = transformer.fit_transform(data)
        names = transformer.get_feature_names_out().tolist()
        assert names == expected
        np.testing.assert_array_equal(out[:, names.index(task_name)], tasks)


def test_set_output_pandas_on_arrays_keeps_the_task_dtype():
    X = np.column_stack([(10 * _features(4)).astype(np.int64),
                         np.array([_BIG, _BIG + 1, _BIG, _BIG + 1])])
    scaler = TaskAwareScaler().set_output(transform="pandas").fit(X)
    out = scaler.transform(X)
    assert list(out.columns) == ["x0", "x1", "x2"]
    assert out["x2"].dtype == np.int64
    assert out["x2"].tolist() == [_BIG, _BIG + 1, _BIG, _BIG + 1]
    default = TaskAwareScaler().fit_transform(X)
    np.testing.assert_allclose(out[["x0", "x1"]].to_numpy(),
                               default[:, :2].astype(float))


def test_set_output_polars():
    pl = pytest.importorskip("polars", reason="polars is not installed")
    X = np.column_stack([(10 * _features(4)).astype(np.int64),
                         np.array([_BIG, _BIG + 1, _BIG, _BIG + 1])])
    out = TaskAwareScaler().set_output(transform="polars").fit_transform(X)
    assert isinstance(out, pl.DataFrame) and out.columns == ["x0", "x1", "x2"]
    assert out["x2"].to_list() == [_BIG, _BIG + 1, _BIG, _BIG + 1]


def test_inverse_transform_restores_features_and_keeps_tasks():
    X = np.column_stack([_features(8, 3), np.repeat(["a", "b"], 4)]).astype(object)
    X[:, :3] = X[:, :3].astype(float)
    scaler = TaskAwareScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    np.testing.assert_allclose(back[:, :3].astype(float), X[:, :3].astype(float))
    assert back[:, -1].tolist() == X[:, -1].tolist()
    frame = pd.DataFrame(_features(8, 3), columns=["a", "b", "c"])
    frame.insert(0, "task", pd.Categorical(np.repeat([5, 9], 4)))
    pca = TaskAwareTransformer(PCA(n_components=3), task_column="task").fit(frame)
    reduced = pca.transform(frame)
    assert list(reduced.columns) == ["task", "pca0", "pca1", "pca2"]
    restored = pca.inverse_transform(reduced)
    assert list(restored.columns) == ["task", "a", "b", "c"]
    pd.testing.assert_series_equal(restored["task"], frame["task"])
    np.testing.assert_allclose(restored[["a", "b", "c"]], frame[["a", "b", "c"]])
    assert not hasattr(TaskAwareTransformer(Normalizer()), "inverse_transform")
    assert hasattr(TaskAwareTransformer(MinMaxScaler()), "inverse_transform")


def test_transformer_messages_name_the_wrapper():
    X = np.column_stack([_features(5, 4), [0, 1, 0, 1, 0]])
    scaler = TaskAwareScaler().fit(X)
    with pytest.raises(ValueError, match="^" + re.escape(
            "X has 4 features, but TaskAwareScaler is expecting 5 features as input: "
            "it was fitted on X with 5 columns (4 features + task column -1). Give X "
            "with the same columns as at fit, the task column included.") + "$"):
        scaler.transform(X[:, 1:])
    with pytest.raises(ValueError, match="^" + re.escape(
            "X has 1 feature(s) (column(s)) and the task column 0 leaves none for "
            "TaskAwareTransformer; X needs at least one feature column besides the "
            "task column.") + "$"):
        TaskAwareTransformer(MinMaxScaler(), task_column=0).fit(X[:, :1])
    with pytest.raises(ValueError, match="Reshape your data"):
        scaler.transform(X[0])
    sparse = sp.csr_matrix(X)
    with pytest.raises(ValueError, match=re.escape(
            "TaskAwareScaler cannot return a DataFrame: the wrapped StandardScaler "
            "returned a sparse matrix.")):
        TaskAwareScaler(with_mean=False).set_output(transform="pandas").fit(
            sparse).transform(sparse)
    with pytest.raises(ValueError, match=re.escape(
            "TaskAwareScaler.inverse_transform needs the output of transform "
            "(transformed features and the task column); X has 1 column(s).")):
        scaler.inverse_transform(X[:, :1])


# --- long form: what is refused -----------------------------------------------------


def test_from_long_form_refuses_duplicated_pairs():
    X_long = np.array([[1.0, 0], [2.0, 0], [1.0, 0], [2.0, 1], [2.0, 1], [2.0, 1]])
    with pytest.raises(ValueError, match="^" + re.escape(
            "X_long has 2 (sample, task) pair(s) on more than one row (5 rows), e.g. "
            "rows [0, 2]: the same features for task 0.0. Y has one target per "
            "(sample, task); aggregate the duplicates (e.g. average their targets) or "
            "drop them before converting.") + "$"):
        from_long_form(X_long, np.arange(6.0))


@settings(max_examples=30, deadline=None)
@given(Y=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)),
                elements=st.one_of(st.just(np.nan), st.floats(-9, 9))),
       data=st.data())
def test_any_repeated_row_is_refused(Y, data):
    X_long, y_long = to_long_form(np.arange(Y.shape[0] * 2.0).reshape(-1, 2), Y)
    if y_long.size == 0:
        return
    row = data.draw(st.integers(0, y_long.size - 1))
    with pytest.raises(ValueError, match=re.escape(
            "X_long has 1 (sample, task) pair(s) on more than one row (2 rows)")):
        from_long_form(np.vstack([X_long, X_long[row]]), np.append(y_long, 0.0))


def test_to_long_form_refuses_repeated_or_missing_task_names():
    X, Y = [[1.0], [2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    with pytest.raises(ValueError, match="^" + re.escape(
            "task_names repeats ['a']: two columns of Y with one name would merge "
            "into one task. Give every column of Y its own name.") + "$"):
        to_long_form(X, Y, task_names=["a", "b", "a"])
    # ["a", nan] as a numpy array would be the strings "a" and "nan".
    for names in (["a", None, "b"], [1.0, np.nan, 2.0], ["a", np.nan, "b"]):
        with pytest.raises(ValueError, match="^" + re.escape(
                "task_names contains NaN or None: every column of Y needs a task "
                "name.") + "$"):
            to_long_form(X, Y, task_names=names)


def test_from_long_form_refuses_missing_tasks_and_nan_targets():
    with pytest.raises(ValueError, match=re.escape(
            "The task labels contain NaN or inf; every row needs a task.")):
        from_long_form(np.array([[1.0, 0.0], [2.0, np.nan]]), [1.0, 2.0])
    with pytest.raises(ValueError, match=re.escape(
            "The task labels contain missing values (None or NaN)")):
        from_long_form(np.array([[1.0, "a"], [2.0, None]], dtype=object), [1.0, 2.0])
    with pytest.raises(ValueError, match=re.escape(
            "The task labels contain missing values (None or NaN)")):
        from_long_form([[1.0, "a"], [2.0, np.nan]], [1.0, 2.0])  # not a task "nan"
    with pytest.raises(ValueError, match="^" + re.escape(
            "y_long has NaN at row(s) [1] (1 in all). In long form a missing target is "
            "a row that is absent, not a NaN target: drop those rows "
            "(X_long[~np.isnan(y_long)]) if they are missing, or fix the targets.")
            + "$"):
        from_long_form(np.array([[1.0, 0], [2.0, 1]]), [1.0, np.nan])
    with pytest.raises(ValueError, match=re.escape("y_long must be numeric")):
        from_long_form(np.array([[1.0, 0], [2.0, 1]]), ["cat", "dog"])


@pytest.mark.parametrize("call, message", [
    (lambda: from_long_form(np.array([1.0, 0.0]), [1.0]),
     "X_long must be 2-dimensional, of shape (n_observed, n_features + 1); got 1 "
     "dimension(s). It holds the features and the task column."),
    (lambda: to_long_form([1.0, 2.0], [[1.0], [2.0]]),
     "X must be 2-dimensional, of shape (n_samples, n_features); got 1 dimension(s). "
     "Use X.reshape(-1, 1) for one feature."),
    (lambda: to_long_form([[1.0], [2.0]], [1.0, 2.0]),
     "Y must be 2-dimensional, of shape (n_samples, n_tasks); got 1 dimension(s). "
     "Use Y.reshape(-1, 1) for one task."),
], ids=["X_long", "X", "Y"])
def test_one_dimensional_input_is_a_value_error(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        call()


@settings(max_examples=30, deadline=None)
@given(names=st.lists(st.one_of(st.integers(-2**62, 2**62),
                                st.sampled_from(["a", "task_2", "task_10"])),
                      min_size=1, max_size=5, unique=True),
       n_samples=st.integers(1, 4))
def test_mixed_task_labels_round_trip(names, n_samples):
    X = np.arange(n_samples * 2.0).reshape(-1, 2)
    Y = np.arange(n_samples * len(names), dtype=float).reshape(n_samples, -1)
    X_long, y_long = to_long_form(X, Y, task_names=names)
    assert X_long[:, -1].tolist() == names * n_samples
    X_back, Y_back, tasks = from_long_form(X_long, y_long)
    # The estimators' order (encode_tasks): mixed types in order of first appearance.
    assert tasks.tolist() == encode_tasks(np.array(names, dtype=object))[0].tolist()
    order = [names.index(t) for t in tasks.tolist()]
    np.testing.assert_array_equal(X_back, X)
    np.testing.assert_array_equal(Y_back, Y[:, order])


def test_from_long_form_orders_mixed_and_string_tasks_like_the_estimators():
    X_long = np.array([[1.0, 3], [2.0, "a"], [1.0, "a"]], dtype=object)
    _, Y, tasks = from_long_form(X_long, [1.0, 2.0, 3.0])
    assert tasks.tolist() == [3, "a"]
    np.testing.assert_array_equal(Y, [[1.0, 3.0], [np.nan, 2.0]])
    names = ["task_10", "task_2", "task_1"]
    _, _, tasks = from_long_form(to_long_form([[0.0]], [[1.0, 2.0, 3.0]], names)[0],
                                 [1.0, 2.0, 3.0])
    assert tasks.tolist() == ["task_1", "task_2", "task_10"]
