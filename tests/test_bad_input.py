"""Bad and edge inputs for every public estimator: each case's exact outcome.

Every case either raises the named exception with a message that names the
problem (matched by regex), or gives the right result (checked by value). A raw
traceback from torch, numpy or skorch, or a silent wrong answer, fails the case.
The estimators come from the common test table
(:func:`sklearn_mtl.utils._test_common.all_instances`), by family.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, TransformerMixin, clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_predict
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_mtl.base import PerTaskClasses
from sklearn_mtl.utils import TaskColumnWarning
from sklearn_mtl.utils._test_common import all_instances

FAMILIES = ("linear_regressor", "linear_classifier", "neural")
ESTIMATORS = [
    pytest.param(estimator, id=f"{family}-{name}")
    for family in FAMILIES
    for name, estimator in all_instances(family)
]


# --------------------------------------------------------------------------- data


def _data(estimator, n_tasks=3, n_per_task=12, n_features=3, seed=0, labels=None):
    """Long-form data (task id in the last column) suited to the estimator."""
    rng = np.random.RandomState(seed)
    task = np.repeat(np.arange(n_tasks), n_per_task)
    features = rng.randn(task.size, n_features)
    weights = 1.0 + 0.3 * rng.randn(n_tasks, n_features)
    signal = np.einsum("nd,nd->n", features, weights[task])
    X = np.column_stack([features, task.astype(float)])
    if is_classifier(estimator):
        positive = (signal > np.median(signal)).astype(int)
        # Every task has both labels, whatever the seed.
        positive[::n_per_task] = 0
        positive[1::n_per_task] = 1
        y = positive if labels is None else np.asarray(labels)[positive]
        return X, y
    return X, signal + 0.1 * rng.randn(task.size)


class Raises:
    """The expected outcome of a case: an exception whose message matches."""

    def __init__(self, exc, pattern):
        self.exc, self.pattern = exc, pattern

    def __call__(self, action):
        with pytest.raises(self.exc, match=self.pattern):
            action()


def _fitted(estimator, **kwargs):
    X, y = _data(estimator, **kwargs)
    return clone(estimator).fit(X, y), X, y


# --------------------------------------------------------------------------- fit-time refusals
# Each case: (name, make(estimator) -> action, expected outcome).


def _with(X, row, column, value):
    X = np.array(X, dtype=object if isinstance(value, str) or value is None else float)
    X[row, column] = value
    return X


def _fit_case(transform):
    """An action fitting a clone on data changed by ``transform(X, y, est)``."""
    def make(estimator):
        X, y = _data(estimator)
        X, y, kwargs, est = transform(X, y, clone(estimator))
        return lambda: est.fit(X, y, **kwargs)
    return make


def _plain(fn):
    return _fit_case(lambda X, y, est: (*fn(X, y), {}, est))


FIT_CASES = [
    ("nan_feature", _plain(lambda X, y: (_with(X, 0, 0, np.nan), y)),
     Raises(ValueError, "Input X contains NaN")),
    ("inf_feature", _plain(lambda X, y: (_with(X, 1, 1, np.inf), y)),
     Raises(ValueError, "Input X contains infinity")),
    ("neg_inf_feature", _plain(lambda X, y: (_with(X, 1, 1, -np.inf), y)),
     Raises(ValueError, "Input X contains infinity")),
    ("nan_task", _plain(lambda X, y: (_with(X, 2, -1, np.nan), y)),
     Raises(ValueError, "task labels contain NaN or inf; every row needs a task")),
    ("none_task", _plain(lambda X, y: (_with(X, 2, -1, None), y)),
     Raises(ValueError, r"task labels contain missing values \(None or NaN\)")),
    ("string_feature", _plain(lambda X, y: (_with(X, 0, 1, "abc"), y)),
     Raises(ValueError, "Feature column 1 of X is not numeric")),
    ("complex_feature", _plain(lambda X, y: (X.astype(complex), y)),
     Raises(ValueError, "Complex data not supported")),
    ("huge_feature", _plain(lambda X, y: (_with(X, 0, 0, 1e300), y)),
     Raises(ValueError, r"X has values up to 1e\+300 in magnitude, too large for \w+, "
                        r"which computes in float(32|64)")),
    ("empty", _plain(lambda X, y: (X[:0], y[:0])),
     Raises(ValueError, r"0 sample\(s\)")),
    ("one_dimensional", _plain(lambda X, y: (X[:, 0], y)),
     Raises(ValueError, "Expected a 2-dimensional container|Expected 2D array")),
    ("three_dimensional", _plain(lambda X, y: (X[:, :, None], y)),
     Raises(ValueError, "Found array with dim 3")),
    ("only_task_column", _plain(lambda X, y: (X[:, -1:], y)),
     Raises(ValueError, "leaves none for the model")),
    ("short_y", _plain(lambda X, y: (X, y[:-1])),
     Raises(ValueError, "inconsistent numbers of samples")),
    ("no_y", _plain(lambda X, y: (X, None)),
     Raises(ValueError, "requires y to be passed")),
    ("two_dimensional_y", _plain(lambda X, y: (X, np.column_stack([y, y]))),
     Raises(ValueError, "y should be a 1d array|y must be 1-dimensional|1d array")),
    ("task_column_out_of_range", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(task_column=7))),
     Raises(ValueError, r"task_column=7 is out of range for X with 4 column\(s\)")),
    ("task_column_true", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(task_column=True))),
     Raises((TypeError, InvalidParameterError), "task_column")),
    ("task_column_name_on_array", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(task_column="school"))),
     Raises(ValueError, "task_column='school' is a column name, which needs X to be a "
                        "pandas DataFrame")),
    ("task_column_name_missing", _fit_case(
        lambda X, y, est: (pd.DataFrame(X, columns=list("abcd")), y, {},
                           est.set_params(task_column="school"))),
     Raises(ValueError, r"task_column='school' is not a column of X; its columns are "
                        r"\['a', 'b', 'c', 'd'\]")),
    ("tasks_and_task_column", _fit_case(
        lambda X, y, est: (X[:, :-1], y, {"tasks": X[:, -1]}, est)),
     Raises(ValueError, r"got tasks= and task_column=-1 together, which is ambiguous")),
    ("tasks_wrong_length", _fit_case(
        lambda X, y, est: (X[:, :-1], y, {"tasks": X[:-1, -1]},
                           est.set_params(task_column=None))),
     Raises(ValueError, "inconsistent numbers of samples")),
    ("tasks_two_dimensional", _fit_case(
        lambda X, y, est: (X[:, :-1], y, {"tasks": np.column_stack([X[:, -1]] * 2)},
                           est.set_params(task_column=None))),
     Raises(ValueError, r"tasks must be 1-dimensional; got shape \(36, 2\)")),
    ("tasks_with_nan", _fit_case(
        lambda X, y, est: (X[:, :-1], y, {"tasks": _with(X, 0, -1, np.nan)[:, -1]},
                           est.set_params(task_column=None))),
     Raises(ValueError, "task labels contain NaN or inf")),
    ("bad_random_state", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(random_state="seed"))),
     Raises(InvalidParameterError, "The 'random_state' parameter")),
    ("bad_task_column_type", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(task_column=1.5))),
     Raises(InvalidParameterError, "The 'task_column' parameter")),
    ("cuda_without_cuda", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(device="cuda"))),
     Raises(ValueError, r"device='cuda'.*CUDA is not available")),
    ("unknown_device", _fit_case(
        lambda X, y, est: (X, y, {}, est.set_params(device="tpu"))),
     Raises(ValueError, r"device='tpu'")),
]

NEURAL_FIT_CASES = [
    ("float32_overflow", _plain(lambda X, y: (_with(X, 0, 0, 1e30), y)),
     Raises(ValueError, r"X has values up to 1e\+30 in magnitude, too large for \w+, "
                        r"which computes in float32")),
    ("sparse_input", _plain(lambda X, y: (sp.csr_matrix(X), y)),
     Raises(TypeError, r"does not accept sparse input; convert X with X.toarray\(\)")),
]

REGRESSOR_FIT_CASES = [
    ("nan_target", _plain(lambda X, y: (X, _with(y[:, None], 0, 0, np.nan)[:, 0])),
     Raises(ValueError, "Input y contains NaN")),
    ("inf_target", _plain(lambda X, y: (X, _with(y[:, None], 0, 0, np.inf)[:, 0])),
     Raises(ValueError, "Input y contains infinity")),
    ("huge_target", _plain(lambda X, y: (X, _with(y[:, None], 0, 0, 1e300)[:, 0])),
     Raises(ValueError, "y has values up to 1e\\+300 in magnitude")),
    ("string_target", _plain(lambda X, y: (X, np.array(["a"] * len(y), dtype=object))),
     Raises(ValueError, "could not convert|Unknown label type|must be numeric|dtype")),
]

CLASSIFIER_FIT_CASES = [
    ("one_class_task", _plain(lambda X, y: (X, np.where(X[:, -1] == 1, 0, y))),
     Raises(ValueError, r"Task 1(\.0)? has one class \(0\) in y")),
    ("continuous_labels", _plain(lambda X, y: (X, y + 0.5 * X[:, 0])),
     Raises(ValueError, "Unknown label type")),
    ("nan_label", _plain(lambda X, y: (X, _with(y[:, None], 0, 0, np.nan)[:, 0])),
     Raises(ValueError, "Input y contains NaN")),
]


def _cases(estimator):
    cases = list(FIT_CASES)
    if "max_epochs" in estimator.get_params():
        cases += NEURAL_FIT_CASES
    cases += CLASSIFIER_FIT_CASES if is_classifier(estimator) else REGRESSOR_FIT_CASES
    return cases


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_fit_refusals(estimator):
    """Every bad fit input of the table is refused with its exact message."""
    failures = []
    for name, make, expected in _cases(estimator):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TaskColumnWarning)
                expected(make(estimator))
        except BaseException as exc:  # collect every case, report them together
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:400])
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- after fit


def _predict_cases(estimator, fitted, X, y):
    F, t = X[:, :-1], X[:, -1]
    unseen = X[:3].copy()
    unseen[:, -1] = 99
    by_tasks = clone(estimator).set_params(task_column=None).fit(F, y, tasks=t)
    single = clone(estimator).set_params(task_column=None).fit(F, y)
    return [
        ("unseen_task", lambda: fitted.predict(unseen),
         Raises(ValueError, r"Task\(s\) \[99(\.0)?\] were not seen during fit")),
        ("wrong_width", lambda: fitted.predict(X[:, 1:]),
         Raises(ValueError, "X has 3 features, but .* is expecting 4 features")),
        ("nan_at_predict", lambda: fitted.predict(_with(X, 0, 0, np.nan)),
         Raises(ValueError, "Input X contains NaN")),
        ("huge_at_predict", lambda: fitted.predict(_with(X, 0, 0, 1e300)),
         Raises(ValueError, "too large")),
        ("tasks_at_predict_of_column_fit", lambda: fitted.predict(F, tasks=t),
         Raises(ValueError, "got tasks= and task_column=-1 together")),
        ("no_tasks_at_predict_of_tasks_fit", lambda: by_tasks.predict(F),
         Raises(ValueError, r"was fitted with tasks= \(task_column=None\), but predict "
                            r"was called without tasks=")),
        ("no_tasks_at_score_of_tasks_fit", lambda: by_tasks.score(F, y),
         Raises(ValueError, "was fitted with tasks=")),
        ("tasks_at_predict_of_single_fit", lambda: single.predict(F, tasks=t),
         Raises(ValueError, r"was fitted as a single task \(task_column=None and no "
                            r"tasks=\), but predict was called with tasks=")),
        ("unseen_task_by_keyword", lambda: by_tasks.predict(F[:2], tasks=[7, 7]),
         Raises(ValueError, r"Task\(s\) \[7\] were not seen during fit")),
        ("not_fitted", lambda: clone(estimator).predict(X),
         Raises(NotFittedError, "not fitted yet")),
    ]


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_predict_refusals_and_routes(estimator):
    """After fit: each refusal's message, and the tasks= route's right answers."""
    fitted, X, y = _fitted(estimator)
    failures = []
    for name, action, expected in _predict_cases(estimator, fitted, X, y):
        try:
            expected(action)
        except BaseException as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:400])
    assert not failures, "\n".join(failures)

    # The tasks= route gives the same answers as the task column, score included.
    F, t = X[:, :-1], X[:, -1]
    by_tasks = clone(estimator).set_params(task_column=None).fit(F, y, tasks=t)
    _assert_same(estimator, by_tasks.predict(F, tasks=t), fitted.predict(X))
    assert by_tasks.score(F, y, tasks=t) == pytest.approx(fitted.score(X, y), abs=1e-6)
    assert by_tasks.task_source_ == "tasks" and fitted.task_source_ == "column"


def _assert_same(estimator, a, b):
    if is_classifier(estimator):
        assert np.mean(np.asarray(a) == np.asarray(b)) >= 0.95
    else:
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


# --------------------------------------------------------------------------- edge inputs with right answers


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_edge_inputs_right_answers(estimator):
    """Unusual but valid inputs give the answer of the plain input."""
    fitted, X, y = _fitted(estimator)
    reference = fitted.predict(X)

    # String task labels, natural order: the same model under other names.
    names = np.array([f"task_{int(v) * 5}" for v in X[:, -1]], dtype=object)
    X_named = X.astype(object)
    X_named[:, -1] = names
    named = clone(estimator).fit(X_named, y)
    assert list(named.tasks_) == ["task_0", "task_5", "task_10"]
    _assert_same(estimator, named.predict(X_named), reference)

    # A DataFrame with a named task column, int64 ids beyond 2**53 kept apart.
    frame = pd.DataFrame(X[:, :-1], columns=["f0", "f1", "f2"])
    frame["school"] = (2**60 + X[:, -1].astype(np.int64)).astype(np.int64)
    by_frame = clone(estimator).set_params(task_column="school").fit(frame, y)
    assert len(by_frame.tasks_) == 3
    _assert_same(estimator, by_frame.predict(frame), reference)

    # Rows in another order, and a Fortran-ordered float32 copy.
    order = np.random.RandomState(1).permutation(len(y))
    shuffled = clone(estimator).fit(X[order], y[order])
    _assert_same(estimator, shuffled.predict(X), reference)
    _assert_same(estimator, fitted.predict(np.asfortranarray(X.astype(np.float32))),
                 reference)

    # Constant feature columns and one-task data give finite answers.
    X_const = X.copy()
    X_const[:, 0] = 3.0
    assert np.all(np.isfinite(_numeric_output(clone(estimator).fit(X_const, y), X_const)))
    rows = X[:, -1] == 0
    one = clone(estimator).fit(X[rows], y[rows])
    assert len(one.tasks_) == 1
    assert np.all(np.isfinite(_numeric_output(one, X[rows])))

    # A continuous-looking task column is warned about.
    X_jitter = X.copy()
    X_jitter[:, -1] += 1e-3 * np.arange(len(y))
    with pytest.warns(TaskColumnWarning, match="looks like a continuous feature"):
        try:
            clone(estimator).fit(X_jitter, y)
        except ValueError as exc:  # one-row tasks may be refused (classifiers)
            assert "has one class" in str(exc)


def _numeric_output(estimator, X):
    if is_classifier(estimator):
        return estimator.predict_proba(X)
    return estimator.predict(X)


# --------------------------------------------------------------------------- classes_


CLASSIFIERS = [p for p in ESTIMATORS if is_classifier(p.values[0])]


@pytest.mark.parametrize("estimator", CLASSIFIERS)
def test_shared_label_sets_work_with_sklearn_tools(estimator):
    """Tasks sharing one label set: one classes_ array; sklearn's tools work."""
    X, y = _data(estimator, labels=np.array(["mine", "rock"]))
    fitted = clone(estimator).fit(X, y)
    np.testing.assert_array_equal(fitted.classes_, ["mine", "rock"])
    assert len(fitted.task_classes_) == 3
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(y), 2)
    # predict agrees with the column of classes_ that predict_proba ranks first.
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(1)], fitted.predict(X))
    folds = cross_val_predict(clone(estimator), X, y, cv=_task_folds(X),
                              method="predict_proba")
    assert folds.shape == (len(y), 2)
    calibrated = CalibratedClassifierCV(clone(estimator), cv=_task_folds(X)).fit(X, y)
    np.testing.assert_array_equal(calibrated.classes_, ["mine", "rock"])


@pytest.mark.parametrize("estimator", CLASSIFIERS)
def test_different_label_sets_refuse_sklearn_tools_with_reason(estimator):
    """Tasks with their own labels keep per-task classes_; tools fail saying why."""
    X, y = _data(estimator)
    y = y + 10 * (X[:, -1] == 0)
    fitted = clone(estimator).fit(X, y)
    assert isinstance(fitted.classes_, PerTaskClasses)
    np.testing.assert_array_equal(fitted.task_classes_[0], [10, 11])
    with pytest.raises(ValueError, match="classes_ holds one label set per task"):
        CalibratedClassifierCV(clone(estimator), cv=_task_folds(X)).fit(X, y)
    # Scorers of predicted labels still work: accuracy per fold as by .score.
    from sklearn.model_selection import cross_val_score
    by_scorer = cross_val_score(clone(estimator), X, y, cv=_task_folds(X), scoring="accuracy")
    by_score = cross_val_score(clone(estimator), X, y, cv=_task_folds(X))
    np.testing.assert_allclose(by_scorer, by_score)


def _task_folds(X, n_splits=3):
    """Folds that keep every task in every training fold (rows interleaved)."""
    position = np.zeros(len(X), dtype=int)
    for task in np.unique(X[:, -1]):
        rows = np.flatnonzero(X[:, -1] == task)
        position[rows] = np.arange(rows.size) % n_splits
    return [(np.flatnonzero(position != k), np.flatnonzero(position == k))
            for k in range(n_splits)]


# --------------------------------------------------------------------------- hypothesis


LINEAR = [p for p in ESTIMATORS if not p.id.startswith("neural")]


@pytest.mark.parametrize("estimator", LINEAR)
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    n_tasks=st.integers(1, 4),
    n_per_task=st.integers(4, 10),
    n_features=st.integers(1, 4),
    dtype=st.sampled_from([np.float64, np.float32, np.int64]),
    labels=st.sampled_from(["int", "negative", "str", "mixed"]),
    sparse=st.booleans(),
)
def test_varied_inputs_fit_and_predict(estimator, n_tasks, n_per_task, n_features,
                                       dtype, labels, sparse):
    """Any valid shape, dtype, label kind and sparsity: finite, well-shaped output
    that does not depend on how the tasks are named."""
    X, y = _data(estimator, n_tasks, n_per_task, n_features)
    features = (X[:, :-1] * (10 if dtype is np.int64 else 1)).astype(dtype)
    t = X[:, -1].astype(int)
    named = {"int": t, "negative": -5 * t - 1, "str": np.array([f"s{v}" for v in t]),
             "mixed": np.array([v if v % 2 else f"s{v}" for v in t], dtype=object)}
    tasks = named[labels]
    est = clone(estimator).set_params(task_column=None)
    features_in = sp.csr_matrix(features) if sparse else features
    fitted = est.fit(features_in, y, tasks=tasks)
    prediction = fitted.predict(features_in, tasks=tasks)
    assert prediction.shape == (len(y),)
    if is_classifier(est):
        assert set(np.unique(prediction)) <= set(np.unique(y))
    else:
        assert np.all(np.isfinite(prediction))
    reference = clone(estimator).set_params(task_column=None).fit(features, y, tasks=t)
    _assert_same(est, prediction, reference.predict(features, tasks=t))
    assert len(fitted.tasks_) == n_tasks


def test_natural_task_order_in_per_task_score():
    from sklearn_mtl.utils._test_common import all_instances as instances

    name, estimator = next(iter(instances("linear_regressor")))
    X, y = _data(estimator, n_tasks=3)
    X = X.astype(object)
    X[:, -1] = np.array([f"task_{[1, 10, 2][int(v)]}" for v in X[:, -1]], dtype=object)
    fitted = clone(estimator).fit(X, y)
    scores = fitted.per_task_score(X, y, metric="neg_mean_absolute_error")
    assert list(scores) == ["task_1", "task_2", "task_10"]
    assert all(v <= 0 for v in scores.values())
    assert re.match(r"task_\d+", list(fitted.per_task_score(X, y))[0])


@pytest.mark.parametrize("estimator", LINEAR[:1] + LINEAR[-1:])
def test_tasks_route_through_metadata_routing(estimator):
    """cross_val_score with tasks routed gives the task column's fold scores."""
    from sklearn import config_context
    from sklearn.model_selection import cross_val_score

    X, y = _data(estimator, n_per_task=15)
    folds = _task_folds(X)
    by_column = cross_val_score(clone(estimator), X, y, cv=folds)
    with config_context(enable_metadata_routing=True):
        routed = (clone(estimator).set_params(task_column=None)
                  .set_fit_request(tasks=True).set_score_request(tasks=True))
        by_tasks = cross_val_score(routed, X[:, :-1], y, cv=folds,
                                   params={"tasks": X[:, -1]})
        # Tasks kept from score cannot be guessed there: refused.
        unrouted = (clone(estimator).set_params(task_column=None)
                    .set_fit_request(tasks=True).set_score_request(tasks=False))
        with pytest.raises(ValueError, match="was fitted with tasks="):
            cross_val_score(unrouted, X[:, :-1], y, cv=folds, params={"tasks": X[:, -1]},
                            error_score="raise")
    np.testing.assert_allclose(by_tasks, by_column, atol=1e-6)


# --------------------------------------------------------------------------- transformers and helpers

from sklearn.decomposition import PCA  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from sklearn_mtl import TaskAwareScaler, TaskAwareTransformer  # noqa: E402
from sklearn_mtl.metrics import per_task_metric  # noqa: E402
from sklearn_mtl.utils import (  # noqa: E402
    encode_tasks,
    from_long_form,
    split_task_column,
    to_long_form,
)

_X = np.column_stack([np.random.RandomState(0).randn(12, 3), np.repeat([0, 1, 2], 4)])
_FRAME = pd.DataFrame(_X, columns=list("abcd"))


def _nan_at(X, value=np.nan, row=0, column=0):
    X = np.array(X, dtype=object if isinstance(value, str) else float)
    X[row, column] = value
    return X


def _equal(expected):
    """The outcome of a case that must give a result: compared with ``expected``."""
    def check(action):
        result = action()
        np.testing.assert_array_equal(np.asarray(result, dtype=object),
                                      np.asarray(expected, dtype=object))
    return check


def _holds(predicate, what):
    def check(action):
        assert predicate(action()), what
    return check


TRANSFORMER_CASES = [
    ("inf_feature", lambda: TaskAwareScaler().fit(_nan_at(_X, np.inf)),
     Raises(ValueError, "Input X contains infinity")),
    ("string_feature", lambda: TaskAwareScaler().fit(_nan_at(_X, "a")),
     Raises(ValueError, "could not convert string to float: 'a'")),
    ("one_dimensional", lambda: TaskAwareScaler().fit(_X[:, 0]),
     Raises(ValueError, "Expected 2D array, got 1D array instead")),
    ("three_dimensional", lambda: TaskAwareScaler().fit(_X[:, :, None]),
     Raises(ValueError, "Found array with dim 3, while dim <= 2 is required by "
                        "TaskAwareScaler")),
    ("empty", lambda: TaskAwareScaler().fit(_X[:0]),
     Raises(ValueError, r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\)")),
    ("only_task_column", lambda: TaskAwareScaler().fit(_X[:, -1:]),
     Raises(ValueError, r"X has 1 feature\(s\) \(column\(s\)\) and the task column -1 "
                        "leaves none for TaskAwareScaler")),
    ("task_column_out_of_range", lambda: TaskAwareScaler(task_column=9).fit(_X),
     Raises(ValueError, r"task_column=9 is out of range for X with 4 column\(s\)")),
    ("task_column_true", lambda: TaskAwareScaler(task_column=True).fit(_X),
     Raises((TypeError, InvalidParameterError), "task_column")),
    ("task_column_name_on_array", lambda: TaskAwareScaler(task_column="t").fit(_X),
     Raises(ValueError, "task_column='t' is a column name, which needs X to be a "
                        "pandas DataFrame")),
    ("task_column_name_missing", lambda: TaskAwareScaler(task_column="z").fit(_FRAME),
     Raises(ValueError, "task_column='z' is not a column of X")),
    ("wrong_width", lambda: TaskAwareScaler().fit(_X).transform(_X[:, 1:]),
     Raises(ValueError, r"X has 3 features, but TaskAwareScaler is expecting 4 features "
                        r"as input: it was fitted on X with 4 columns \(3 features \+ "
                        r"task column -1\)")),
    ("renamed_columns", lambda: TaskAwareScaler().fit(_FRAME).transform(
        _FRAME.rename(columns={"d": "e"})),
     Raises(ValueError, "The feature names should match those that were passed during "
                        "fit")),
    ("not_fitted", lambda: TaskAwareScaler().transform(_X),
     Raises(NotFittedError, "This TaskAwareScaler instance is not fitted yet")),
    ("not_a_transformer", lambda: TaskAwareTransformer("abc").fit(_X),
     Raises(InvalidParameterError, "The 'transformer' parameter of TaskAwareTransformer "
                                   "must be an object implementing 'fit' and 'transform'")),
    ("no_transformer", lambda: TaskAwareTransformer(None).fit(_X),
     Raises(InvalidParameterError, "The 'transformer' parameter")),
    ("bad_with_mean", lambda: TaskAwareScaler(with_mean="yes").fit(_X),
     Raises(InvalidParameterError, "The 'with_mean' parameter of TaskAwareScaler")),
    ("no_inverse_without_inner_inverse",
     lambda: hasattr(TaskAwareTransformer(_NoInverse()).fit(_X), "inverse_transform"),
     _holds(lambda has: has is False, "inverse_transform hidden")),
    # Right results.
    ("task_column_unchanged", lambda: TaskAwareScaler().fit_transform(_X)[:, -1],
     _equal(_X[:, -1])),
    ("huge_int_ids_kept", lambda: TaskAwareScaler().fit_transform(
        np.column_stack([_X[:, :3].astype(object),
                         (2**60 + _X[:, -1].astype(np.int64)).astype(object)]))[:, -1],
     _equal(2**60 + _X[:, -1].astype(np.int64))),
    ("string_ids_kept", lambda: TaskAwareScaler().fit_transform(
        np.column_stack([_X[:, :3].astype(object),
                         np.array(["a", "b", "c"] * 4, dtype=object)]))[:, -1],
     _equal(np.array(["a", "b", "c"] * 4, dtype=object))),
    ("features_scaled_over_all_rows", lambda: TaskAwareScaler().fit_transform(_X),
     _holds(lambda Z: np.allclose(Z[:, :3].mean(0), 0) and np.allclose(Z[:, :3].std(0), 1),
            "zero mean and unit variance over all rows, like StandardScaler")),
    ("inverse_round_trip", lambda: (lambda s: s.inverse_transform(s.transform(_X)))(
        TaskAwareTransformer(MinMaxScaler()).fit(_X)),
     _holds(lambda Z: np.allclose(Z.astype(float), _X), "inverse of transform")),
    ("feature_names_out", lambda: TaskAwareScaler().fit(_FRAME).get_feature_names_out(),
     _equal(["a", "b", "c", "d"])),
    ("pca_names_out_keep_task_last",
     lambda: TaskAwareTransformer(PCA(n_components=1)).fit(_FRAME).get_feature_names_out()[-1],
     _holds(lambda name: name == "d", "task column name last")),
    ("pandas_output_keeps_task_dtype",
     lambda: TaskAwareScaler().set_output(transform="pandas").fit_transform(
         _FRAME.astype({"d": "int64"}))["d"].dtype,
     _holds(lambda dtype: dtype == np.int64, "int64 task column")),
    ("categorical_task_column_kept",
     lambda: TaskAwareScaler(task_column="d").fit_transform(
         _FRAME.astype({"d": "category"}))["d"].dtype.name,
     _holds(lambda name: name == "category", "categorical task column")),
    ("nan_feature_passed_through", lambda: TaskAwareScaler().fit_transform(
        _nan_at(_X, np.nan, 1, 1)),
     _holds(lambda Z: np.isnan(Z[1, 1]) and np.isfinite(np.delete(Z.ravel(), 5)).all(),
            "NaN kept where it was, like StandardScaler")),
]


class _NoInverse(TransformerMixin, BaseEstimator):
    """A transformer without inverse_transform."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


HELPER_CASES = [
    ("to_long_1d_X", lambda: to_long_form(_X[:, 0], np.ones((12, 2))),
     Raises(ValueError, r"X must be 2-dimensional, of shape \(n_samples, n_features\); got "
                        r"1 dimension\(s\)")),
    ("to_long_3d_Y", lambda: to_long_form(_X, np.ones((12, 2, 1))),
     Raises(ValueError, r"Y must be 2-dimensional, of shape \(n_samples, n_tasks\)")),
    ("to_long_Y_length", lambda: to_long_form(_X, np.ones((11, 2))),
     Raises(ValueError, r"inconsistent numbers of samples: \[12, 11\]")),
    ("to_long_names_length", lambda: to_long_form(_X, np.ones((12, 2)), task_names=["a"]),
     Raises(ValueError, "task_names has 1 entries but Y has 2 task columns")),
    ("to_long_names_repeated",
     lambda: to_long_form(_X, np.ones((12, 2)), task_names=["a", "a"]),
     Raises(ValueError, r"task_names repeats \['a'\]: two columns of Y with one name would "
                        "merge into one task")),
    ("to_long_names_nan",
     lambda: to_long_form(_X, np.ones((12, 2)), task_names=["a", np.nan]),
     Raises(ValueError, "task_names contains NaN or None")),
    ("to_long_string_targets", lambda: to_long_form(_X, np.full((12, 2), "a")),
     Raises(ValueError, "dtype='numeric' is not compatible with arrays of bytes/strings")),
    ("from_long_1d", lambda: from_long_form(_X[:, 0], np.ones(12)),
     Raises(ValueError, r"X_long must be 2-dimensional")),
    ("from_long_one_column", lambda: from_long_form(_X[:, -1:], np.ones(12)),
     Raises(ValueError, r"X_long has 1 column\(s\); it needs the features and the task "
                        "column")),
    ("from_long_duplicates", lambda: from_long_form(np.vstack([_X, _X[:1]]), np.ones(13)),
     Raises(ValueError, r"X_long has 1 \(sample, task\) pair\(s\) on more than one row "
                        r"\(2 rows\), e.g. rows \[0, 12\]")),
    ("from_long_nan_target",
     lambda: from_long_form(_X, np.where(np.arange(12) == 3, np.nan, 1.0)),
     Raises(ValueError, r"y_long has NaN at row\(s\) \[3\] \(1 in all\). In long form a "
                        "missing target is a row that is absent")),
    ("from_long_2d_target", lambda: from_long_form(_X, np.ones((12, 2))),
     Raises(ValueError, r"y_long must be 1-dimensional")),
    ("from_long_target_length", lambda: from_long_form(_X, np.ones(11)),
     Raises(ValueError, "inconsistent numbers of samples")),
    ("from_long_nan_task", lambda: from_long_form(_nan_at(_X, np.nan, 3, 3), np.ones(12)),
     Raises(ValueError, "The task labels contain NaN or inf")),
    ("encode_unseen", lambda: encode_tasks(np.array([5]), np.array([1, 2])),
     Raises(ValueError, r"Task\(s\) \[5\] were not seen during fit; the estimator knows "
                        r"tasks \[1, 2\]")),
    ("encode_2d", lambda: encode_tasks(np.ones((2, 2))),
     Raises(ValueError, r"tasks must be 1-dimensional; got shape \(2, 2\)")),
    ("encode_unhashable", lambda: encode_tasks(np.array([{}, {}], dtype=object)),
     Raises(TypeError, "Task labels must be hashable values")),
    ("encode_none", lambda: encode_tasks(np.array(["a", None], dtype=object)),
     Raises(ValueError, "missing values")),
    ("per_task_metric_lengths", lambda: per_task_metric(np.subtract, [1, 2], [1], [0, 0]),
     Raises(ValueError, "inconsistent numbers of samples")),
    ("split_out_of_range", lambda: split_task_column(_X, 10),
     Raises(ValueError, r"task_column=10 is out of range for X with 4 column\(s\)")),
    # Right results.
    ("round_trip", lambda: (lambda XY: from_long_form(*XY)[1])(
        to_long_form(_X[:, :3], np.where(np.eye(12, 2) > 0, np.nan, 1.0))),
     _holds(lambda Y: Y.shape == (12, 2) and np.isnan(Y[0, 0]) and np.isnan(Y[1, 1])
            and np.nansum(Y) == 22, "missing targets come back as NaN")),
    ("natural_order", lambda: encode_tasks(np.array(["t10", "t2", "t1"]))[0],
     _equal(["t1", "t2", "t10"])),
    ("mixed_labels_first_appearance",
     lambda: encode_tasks(np.array([3, "a", 1, "a"], dtype=object))[0],
     _equal(np.array([3, "a", 1], dtype=object))),
    ("negative_numeric_order", lambda: encode_tasks(np.array([2, -7, 0]))[0],
     _equal([-7, 0, 2])),
    ("per_task_metric_natural_order",
     lambda: list(per_task_metric(lambda a, b: float(np.mean(a == b)), [1, 1, 0],
                                  [1, 0, 0], ["s10", "s2", "s2"])),
     _equal(["s2", "s10"])),
]


@pytest.mark.parametrize("name, action, expected", TRANSFORMER_CASES + HELPER_CASES,
                         ids=[c[0] for c in TRANSFORMER_CASES + HELPER_CASES])
def test_transformers_and_helpers(name, action, expected):
    expected(action)
