"""Task-stratified splitters and the baseline report."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_mtl import GoMTLRegressor, TaskAwareScaler
from sklearn_mtl.datasets import make_sparse_text_tasks
from sklearn_mtl.model_selection import (
    TaskShuffleSplit,
    TaskStratifiedKFold,
    baseline_report,
)


def _sorted_tasks(sizes, n_features=2, seed=0):
    """Long-form rows sorted by task, as School and Landmine come."""
    task = np.repeat(np.arange(len(sizes)), sizes).astype(float)
    X = np.random.RandomState(seed).randn(task.size, n_features)
    return np.column_stack([X, task])


def _linear_tasks(coef, n_per_task, offsets=None, noise=0.1, seed=0):
    """Rows sorted by task; task t's target is ``x . coef[t] + offsets[t]``."""
    rng = np.random.RandomState(seed)
    task = np.repeat(np.arange(len(coef)), n_per_task)
    features = rng.randn(task.size, coef.shape[1])
    offsets = np.zeros(len(coef)) if offsets is None else offsets
    y = (np.einsum("ij,ij->i", features, coef[task]) + offsets[task]
         + noise * rng.randn(task.size))
    return np.column_stack([features, task.astype(float)]), y


# --- TaskStratifiedKFold --------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(2, 15), min_size=1, max_size=6),
       n_splits=st.integers(2, 5), shuffle=st.booleans(), seed=st.integers(0, 100))
def test_kfold_keeps_every_task_in_every_training_fold(sizes, n_splits, shuffle, seed):
    X = _sorted_tasks(sizes)
    if sum(sizes) < n_splits:
        return
    task = X[:, -1].astype(int)
    cv = TaskStratifiedKFold(n_splits, shuffle=shuffle,
                             random_state=seed if shuffle else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tasks smaller than n_splits
        splits = list(cv.split(X))
    assert len(splits) == cv.get_n_splits() == n_splits
    tests = np.concatenate([test for _, test in splits])
    np.testing.assert_array_equal(np.sort(tests), np.arange(task.size))  # a partition
    fold_sizes = [test.size for _, test in splits]
    assert max(fold_sizes) - min(fold_sizes) <= 1
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == task.size
        assert set(task[train]) == set(range(len(sizes)))
    per_task = np.array([np.bincount(task[test], minlength=len(sizes))
                         for _, test in splits])
    assert np.all(per_task.max(0) - per_task.min(0) <= 1)  # each task split evenly


def test_kfold_shuffles_within_tasks_reproducibly():
    # The deal runs on across tasks: task 1 starts where task 0 ended.
    folds = [test for _, test in TaskStratifiedKFold(2, shuffle=False).split(
        _sorted_tasks([5, 5]))]
    np.testing.assert_array_equal(folds[0], [0, 2, 4, 6, 8])
    X = _sorted_tasks([10, 10])
    folds = [test for _, test in TaskStratifiedKFold(2, shuffle=False).split(X)]
    first = [t for _, t in TaskStratifiedKFold(2, random_state=0).split(X)]
    again = [t for _, t in TaskStratifiedKFold(2, random_state=0).split(X)]
    other = [t for _, t in TaskStratifiedKFold(2, random_state=1).split(X)]
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0], folds[0])


def test_kfold_refuses_single_row_tasks_and_warns_on_small_ones():
    X = _sorted_tasks([6, 1, 6])
    X[:, -1] = np.where(X[:, -1] == 1, 7, X[:, -1])
    with pytest.raises(ValueError, match=re.escape(
            "Task(s) [7.0] of TaskStratifiedKFold have a single row")):
        list(TaskStratifiedKFold(3).split(X))
    with pytest.warns(UserWarning, match=re.escape(
            "Task(s) [1.0] have fewer rows (2 at least) than n_splits=3")):
        list(TaskStratifiedKFold(3).split(_sorted_tasks([6, 2, 6])))
    with pytest.warns(UserWarning, match="fewer rows"), pytest.raises(
            ValueError, match="greater than the number of samples"):
        list(TaskStratifiedKFold(5).split(_sorted_tasks([2, 2])))


def test_kfold_tasks_from_groups_dataframe_names_and_sparse():
    X = _sorted_tasks([7, 9, 5])
    expected = [test for _, test in TaskStratifiedKFold(3, random_state=0).split(X)]

    features, labels = X[:, :-1], np.array(["b", "a", "c"])[X[:, -1].astype(int)]
    cv = TaskStratifiedKFold(3, random_state=0, task_column=None)
    by_groups = [test for _, test in cv.split(features, groups=X[:, -1])]
    frame = pd.DataFrame({"f0": X[:, 0], "school": X[:, -1], "f1": X[:, 1]})
    by_name = [test for _, test in TaskStratifiedKFold(
        3, random_state=0, task_column="school").split(frame)]
    by_sparse = [test for _, test in TaskStratifiedKFold(3, random_state=0).split(
        sp.csr_matrix(X))]
    for folds in (by_groups, by_name, by_sparse):
        for a, b in zip(folds, expected):
            np.testing.assert_array_equal(a, b)
    # String labels are encoded in natural order, which the deal follows.
    train, _ = next(cv.split(features, groups=labels))
    assert set(labels[train]) == {"a", "b", "c"}

    with pytest.raises(ValueError, match=re.escape(
            "TaskStratifiedKFold(task_column=None) reads each row's task from groups, "
            "but groups is None")):
        list(cv.split(features))
    with pytest.raises(ValueError, match=re.escape(
            "reads each row's task from X, but groups were given too")):
        list(TaskStratifiedKFold(3).split(X, groups=X[:, -1]))
    with pytest.raises(ValueError, match="got 3 task labels for 21 rows"):
        list(cv.split(features, groups=[0, 1, 2]))


def test_kfold_is_a_scikit_learn_splitter():
    X = _sorted_tasks([12, 12, 12], n_features=3)
    task = X[:, -1].astype(int)
    # Task t's target is feature t: three unrelated tasks, rank 3.
    y = X[np.arange(len(X)), task] + 0.01 * np.random.RandomState(1).randn(len(X))
    model = GoMTLRegressor(n_latent=3, max_iter=30)
    # Rows sorted by task: the default KFold holds out whole tasks (NaN folds).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = cross_val_score(model, X, y, cv=3, error_score=np.nan)
    assert np.isnan(default).all()
    cv = TaskStratifiedKFold(3, random_state=0)
    scores = cross_val_score(model, X, y, cv=cv)
    assert np.all(scores > 0.9)
    search = GridSearchCV(model, {"n_latent": [1, 3]}, cv=cv).fit(X, y)
    assert search.best_params_ == {"n_latent": 3}  # one basis cannot fit them
    assert repr(cv) == ("TaskStratifiedKFold(n_splits=3, random_state=0, shuffle=True, "
                        "task_column=-1)")
    clone = pickle.loads(pickle.dumps(cv))
    for (a, b), (c, d) in zip(clone.split(X), cv.split(X)):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_tasks_route_through_metadata_routing():
    X = _sorted_tasks([10, 10, 10], n_features=3)
    features, tasks = X[:, :-1], X[:, -1]
    y = features[:, 0] * (1 + tasks)
    cv = TaskStratifiedKFold(3, random_state=0, task_column=None)
    with config_context(enable_metadata_routing=True):
        model = (GoMTLRegressor(n_latent=2, max_iter=30, task_column=None)
                 .set_fit_request(tasks=True).set_score_request(tasks=True))
        scores = cross_val_score(model, features, y, cv=cv,
                                 params={"tasks": tasks, "groups": tasks})
    assert np.all(scores > 0.9)


# --- TaskShuffleSplit -----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=1, max_size=6),
       test_size=st.sampled_from([0.1, 0.2, 0.5, 0.7]),
       train_size=st.sampled_from([None, 0.3]), seed=st.integers(0, 100))
def test_shuffle_split_keeps_every_task_in_train(sizes, test_size, train_size, seed):
    if sum(sizes) < 2 or (train_size is not None and train_size + test_size > 1):
        return
    X = _sorted_tasks(sizes)
    task = X[:, -1].astype(int)
    cv = TaskShuffleSplit(3, test_size=test_size, train_size=train_size,
                          random_state=seed)
    for train, test in cv.split(X):
        assert np.intersect1d(train, test).size == 0
        n_train = np.bincount(task[train], minlength=len(sizes))
        n_test = np.bincount(task[test], minlength=len(sizes))
        assert np.all(n_train >= 1)
        for n, m_test, m_train in zip(sizes, n_test, n_train):
            expected = 0 if n == 1 else min(max(int(np.ceil(test_size * n - 1e-9)), 1),
                                            n - 1)
            assert m_test == expected
            if train_size is None:
                assert m_train == n - m_test


def test_shuffle_split_is_a_scikit_learn_splitter():
    X = _sorted_tasks([10, 10, 10], n_features=3)
    y = X[:, 0] * (1 + X[:, -1])
    cv = TaskShuffleSplit(2, test_size=0.3, random_state=0)
    assert cv.get_n_splits() == 2
    assert np.all(cross_val_score(GoMTLRegressor(n_latent=2, max_iter=30), X, y,
                                  cv=cv) > 0.9)
    assert "task_column=-1" in repr(cv) and "test_size=0.3" in repr(cv)
    first = [t for _, t in cv.split(X)]
    again = [t for _, t in pickle.loads(pickle.dumps(cv)).split(X)]
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])  # each split draws anew
    # An int size is a share of all rows, applied per task.
    _, test = next(TaskShuffleSplit(1, test_size=6, random_state=0).split(X))
    assert np.array_equal(np.bincount(X[test, -1].astype(int)), [2, 2, 2])
    with pytest.raises(ValueError, match=re.escape(
            "test_size=1.5 should be a float in the (0, 1) range or an int between 1 "
            "and the number of rows minus one (29).")):
        next(TaskShuffleSplit(test_size=1.5).split(X))
    with pytest.raises(ValueError, match="add up to more than all rows"):
        next(TaskShuffleSplit(test_size=0.5, train_size=0.6).split(X))


# --- baseline_report ------------------------------------------------------------


def _drop_task(model):
    """A plain scikit-learn model on the features of long-form X."""
    return make_pipeline(
        ColumnTransformer([("task", "drop", [-1])], remainder="passthrough"), model)


COLUMNS = ["n_samples", "estimator", "per_task", "pooled", "pooled_task_intercepts",
           "best_baseline", "gain", "gain_low", "gain_high", "negative_transfer"]


def test_report_on_related_tasks_credits_sharing():
    # One weight vector for all tasks, few rows each, and a large offset per task:
    # the pooled model with task intercepts is the baseline to beat.
    rng = np.random.RandomState(0)
    coef = np.tile(rng.randn(8), (8, 1))
    X, y = _linear_tasks(coef, 12, offsets=rng.uniform(-20, 20, 8), noise=0.5)
    report = baseline_report(GoMTLRegressor(n_latent=1), X, y, cv=3)
    assert report.columns.tolist() == COLUMNS
    assert report.index.tolist() == [float(t) for t in range(8)] + [
        "mean per task", "overall"]
    assert report.attrs["metric"] == "root_mean_squared_error"
    assert report.attrs["n_splits"] == 3
    assert report.loc["overall", "n_samples"] == 96
    overall = report.loc["overall"]
    # Intercepts free of the penalty recover the noise level; pooling without
    # them cannot fit the offsets.
    assert overall["pooled_task_intercepts"] < 0.8 < 5 < overall["pooled"]
    assert overall["best_baseline"] == "pooled_task_intercepts"
    assert overall["pooled_task_intercepts"] < overall["per_task"]
    # GoMTL with one shared basis beats the per-task models: no negative transfer.
    assert overall["estimator"] < overall["per_task"]
    assert not report["negative_transfer"].any()
    # gain = best baseline's RMSE - estimator's, inside its interval.
    np.testing.assert_allclose(
        overall["gain"], overall["pooled_task_intercepts"] - overall["estimator"])
    assert overall["gain_low"] <= overall["gain"] <= overall["gain_high"]


def test_report_on_unrelated_tasks_flags_negative_transfer():
    rng = np.random.RandomState(1)
    X, y = _linear_tasks(3 * rng.randn(4, 4), 30, noise=0.3)
    report = baseline_report(GoMTLRegressor(n_latent=1), X, y, cv=3)
    overall = report.loc["overall"]
    assert overall["best_baseline"] == "per_task"
    assert overall["per_task"] < overall["pooled"]
    # Forcing one shared basis on unrelated tasks hurts, beyond the interval.
    assert overall["gain"] < 0 and overall["gain_high"] < 0
    assert overall["negative_transfer"]
    assert report.loc[[0.0, 1.0, 2.0, 3.0], "negative_transfer"].any()

    pooled = baseline_report(_drop_task(RidgeCV()), X, y, cv=3, task_column=-1)
    assert pooled.loc["overall", "gain_high"] < 0
    np.testing.assert_allclose(pooled["estimator"], pooled["pooled"], rtol=0.05)


@pytest.mark.parametrize("similarity", [0.0, 1.0])
def test_report_auc_on_text_tasks(similarity):
    X, y = make_sparse_text_tasks(n_tasks=3, n_samples_per_task=80, n_features=300,
                                  density=0.03, task_similarity=similarity,
                                  noise=0.1, random_state=0)
    report = baseline_report(_drop_task(LogisticRegression(C=10)), X, y, cv=3,
                             task_column=-1)
    assert report.index.tolist() == [0.0, 1.0, 2.0, "overall"]
    assert report.attrs["metric"] == "roc_auc"
    overall = report.loc["overall"]
    np.testing.assert_allclose(overall["estimator"],
                               report.loc[[0.0, 1.0, 2.0], "estimator"].mean())
    if similarity == 0.0:  # unrelated tasks: a pooled estimator loses
        assert overall["best_baseline"] == "per_task"
        assert overall["gain"] < -0.03
    else:  # one task: it beats the per-task models
        assert overall["best_baseline"] != "per_task"
        assert overall["estimator"] > overall["per_task"] + 0.03


def test_report_tasks_route_scoring_and_pipeline_give_the_same_numbers():
    rng = np.random.RandomState(2)
    X, y = _linear_tasks(rng.randn(3, 3), 15)
    by_column = baseline_report(GoMTLRegressor(n_latent=3, random_state=0, max_iter=50), X, y, cv=3,
                                scoring="r2")
    by_tasks = baseline_report(
        GoMTLRegressor(n_latent=3, random_state=0, max_iter=50, task_column=None), X[:, :-1], y,
        tasks=X[:, -1], cv=3, scoring="r2")
    pd.testing.assert_frame_equal(by_column, by_tasks)
    assert by_column.attrs["metric"] == "r2"
    assert by_column.loc["overall", "per_task"] > 0.9  # R2 is shown as it is
    assert by_column.loc["overall", "pooled"] < by_column.loc["overall", "per_task"]

    # A pipeline's task_column is that of its steps.
    piped = baseline_report(make_pipeline(TaskAwareScaler(), _drop_task(RidgeCV())),
                            X, y, cv=3, scoring="r2")
    pd.testing.assert_series_equal(piped["pooled"], by_column["pooled"])
    with pytest.raises(ValueError, match=re.escape(
            "its task_column parameters disagree (['-1', '0'])")):
        baseline_report(make_pipeline(TaskAwareScaler(task_column=0), GoMTLRegressor()),
                        X, y)


def test_report_refuses_ambiguous_or_impossible_setups():
    X, y = _linear_tasks(np.ones((3, 2)), 10)
    with pytest.raises(ValueError, match=re.escape(
            "baseline_report cannot tell where the rows' tasks are: it has no "
            "task_column parameter")):
        baseline_report(RidgeCV(), X, y)
    with pytest.raises(ValueError, match="tasks= and task_column=-1 together"):
        baseline_report(RidgeCV(), X, y, tasks=X[:, -1], task_column=-1)
    with pytest.raises(ValueError, match=re.escape(
            "Fold 0 of cv tests task(s) [2.0] that are not in its training rows")):
        baseline_report(_drop_task(RidgeCV()), X, y, cv=GroupKFold(3), task_column=-1)
    with pytest.raises(TypeError, match="regressors or classifiers"):
        baseline_report(TaskAwareScaler(), X, y)
    labels = np.arange(len(y)) % 2
    labels[X[:, -1] == 1] = 0  # task 1 has one class
    with pytest.raises(ValueError, match=re.escape(
            "Task 1.0 has only the label(s) [0] in the training rows of fold 0, not "
            "all of [0, 1]")):
        baseline_report(_drop_task(LogisticRegression()), X, labels, task_column=-1,
                        cv=2)
