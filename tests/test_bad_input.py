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
from sklearn.base import clone, is_classifier
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
    with pytest.raises(TypeError, match="classes_ holds one label set per task"):
        CalibratedClassifierCV(clone(estimator), cv=_task_folds(X)).fit(X, y)


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
