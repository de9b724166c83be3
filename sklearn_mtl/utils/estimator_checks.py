"""Multi-task checks every sklearn_mtl estimator must pass, beside scikit-learn's.

Use :func:`parametrize_with_multitask_checks` in a test module, as with
:func:`sklearn.utils.estimator_checks.parametrize_with_checks`::

    @parametrize_with_multitask_checks([GoMTLRegressor(), GoMTLClassifier()])
    def test_multitask(estimator, check):
        check(estimator)

Predictors get the task-contract checks (unseen tasks, task labelling and row
order, the ``tasks=`` route, one task alone, per-task and shared label sets);
task-aware transformers get :func:`check_task_column_passes_through`. The
package's own estimators are listed, with their expected failures, in
``sklearn_mtl/utils/_test_common.py``.
"""

import functools
import re

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone, is_classifier

__all__ = [
    "check_per_task_classes",
    "check_shared_classes",
    "check_single_task_like_single_task_model",
    "check_task_column_passes_through",
    "check_task_labels_and_order_invariance",
    "check_tasks_keyword_matches_task_column",
    "check_tasks_keyword_needs_no_task_column",
    "check_tasks_keyword_needed_after_fit",
    "check_unseen_task_raises",
    "make_multitask_check_data",
    "multitask_checks",
    "parametrize_with_multitask_checks",
]


def make_multitask_check_data(estimator, n_tasks=3, n_per_task=40, n_features=4,
                              random_state=0, shared_labels=False):
    """Small long-form data with related tasks, suited to ``estimator``'s kind.

    Returns ``X`` (features then the task id in the last column) and ``y``:
    continuous for regressors; for classifiers, binary labels per task, each task
    its own pair of labels (label sets differ between tasks) unless
    ``shared_labels``, when every task has the labels 0 and 1.
    """
    rng = np.random.RandomState(random_state)
    shared = rng.randn(n_features)
    weights = shared + 0.3 * rng.randn(n_tasks, n_features)
    task = np.repeat(np.arange(n_tasks), n_per_task)
    features = rng.randn(task.size, n_features)
    signal = np.einsum("nd,nd->n", features, weights[task])
    X = np.column_stack([features, task.astype(float)])
    if is_classifier(estimator):
        positive = (signal + 0.3 * rng.randn(task.size) > 0).astype(int)
        return X, positive if shared_labels else 10 * task + positive
    return X, signal + 0.1 * rng.randn(task.size)


def _predictions(estimator, X, tasks=None):
    kwargs = {} if tasks is None else {"tasks": tasks}
    return np.asarray(estimator.predict(X, **kwargs))


def _assert_same_predictions(a, b, estimator, what, rtol):
    if is_classifier(estimator):
        agreement = np.mean(np.asarray(a) == np.asarray(b))
        assert agreement >= 1 - rtol, f"{what}: only {agreement:.0%} of labels agree"
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol, err_msg=what)


def check_unseen_task_raises(name, estimator):
    """Predicting a task not seen at fit raises a ValueError naming it."""
    X, y = make_multitask_check_data(estimator)
    fitted = clone(estimator).fit(X, y)
    X_new = X[:2].copy()
    X_new[:, -1] = 99
    try:
        fitted.predict(X_new)
    except ValueError as exc:
        assert "99" in str(exc) and "not seen during fit" in str(exc), (
            f"{name}: the error for an unseen task does not name it: {exc}"
        )
    else:
        raise AssertionError(f"{name} predicted an unseen task without raising")


def check_task_labels_and_order_invariance(name, estimator, rtol=1e-6):
    """Renaming the tasks or reordering the rows does not change the fit."""
    X, y = make_multitask_check_data(estimator)
    reference = _predictions(clone(estimator).fit(X, y), X)

    names = np.array(["task_a", "task_b", "task_c"], dtype=object)
    X_named = X.astype(object)
    X_named[:, -1] = names[X[:, -1].astype(int)]
    renamed = _predictions(clone(estimator).fit(X_named, y), X_named)
    _assert_same_predictions(reference, renamed, estimator, f"{name}: task renaming", rtol)

    order = np.random.RandomState(1).permutation(X.shape[0])
    shuffled = clone(estimator).fit(X[order], y[order])
    _assert_same_predictions(reference, _predictions(shuffled, X), estimator,
                             f"{name}: row order", rtol)


def check_tasks_keyword_matches_task_column(name, estimator, rtol=1e-6):
    """``fit(X_features, y, tasks=...)`` gives the same model as the task column."""
    X, y = make_multitask_check_data(estimator)
    by_column = _predictions(clone(estimator).fit(X, y), X)
    by_keyword = clone(estimator).set_params(task_column=None)
    by_keyword.fit(X[:, :-1], y, tasks=X[:, -1])
    _assert_same_predictions(by_column, _predictions(by_keyword, X[:, :-1], X[:, -1]),
                             estimator, f"{name}: tasks= against the task column", rtol)


def check_single_task_like_single_task_model(name, estimator, rtol=1e-6):
    """One task alone, through the task column, equals the model with no task column."""
    X, y = make_multitask_check_data(estimator)
    rows = X[:, -1] == 0
    one_task = clone(estimator).fit(X[rows], y[rows])
    plain = clone(estimator).set_params(task_column=None).fit(X[rows, :-1], y[rows])
    _assert_same_predictions(_predictions(one_task, X[rows]),
                             _predictions(plain, X[rows, :-1]),
                             estimator, f"{name}: single task", rtol)
    assert len(one_task.tasks_) == 1


def check_per_task_classes(name, estimator):
    """Each task keeps its own label set, and predicts only its own labels.

    With different label sets per task, ``task_classes_`` and ``classes_`` are
    both the per-task list (in the order of ``tasks_``); a task with a single
    class is refused.
    """
    if not is_classifier(estimator):
        return
    X, y = make_multitask_check_data(estimator)
    fitted = clone(estimator).fit(X, y)
    assert len(fitted.task_classes_) == len(fitted.tasks_)
    assert isinstance(fitted.classes_, list) and len(fitted.classes_) == len(fitted.tasks_), (
        f"{name}: with different label sets per task, classes_ must be the per-task list"
    )
    predictions = fitted.predict(X)
    for t, task in enumerate(fitted.tasks_):
        rows = X[:, -1] == task
        np.testing.assert_array_equal(fitted.task_classes_[t], np.unique(y[rows]))
        np.testing.assert_array_equal(fitted.classes_[t], fitted.task_classes_[t])
        assert np.isin(predictions[rows], fitted.task_classes_[t]).all(), (
            f"{name}: task {task} predicted labels outside its own classes"
        )
    single = X[:, -1] == 0
    X_bad, y_bad = X[single], np.full(single.sum(), 7)
    X_bad = np.vstack([X_bad, X[~single]])
    y_bad = np.concatenate([y_bad, y[~single]])
    try:
        clone(estimator).fit(X_bad, y_bad)
    except ValueError as exc:
        assert "has one class" in str(exc), f"{name}: unclear one-class error: {exc}"
    else:
        raise AssertionError(f"{name} fitted a task with a single class")


def check_shared_classes(name, estimator):
    """When every task has the same labels, ``classes_`` is that one array.

    As in scikit-learn, so that meta-estimators and display tools work;
    ``task_classes_`` still holds one array per task, and ``predict_proba``
    has one column per class of ``classes_``.
    """
    if not is_classifier(estimator):
        return
    X, y = make_multitask_check_data(estimator, shared_labels=True)
    fitted = clone(estimator).fit(X, y)
    assert isinstance(fitted.classes_, np.ndarray), (
        f"{name}: every task has the labels [0, 1], so classes_ must be one ndarray, "
        f"got {type(fitted.classes_).__name__}"
    )
    np.testing.assert_array_equal(fitted.classes_, [0, 1])
    assert len(fitted.task_classes_) == len(fitted.tasks_)
    for classes in fitted.task_classes_:
        np.testing.assert_array_equal(classes, [0, 1])
    assert np.isin(fitted.predict(X), fitted.classes_).all()
    if hasattr(fitted, "predict_proba"):
        assert fitted.predict_proba(X).shape == (X.shape[0], fitted.classes_.size)


def _prediction_methods(estimator):
    return [m for m in ("predict", "predict_proba", "decision_function")
            if hasattr(estimator, m)]


def _assert_refused(call, must_name, what):
    try:
        call()
    except ValueError as exc:
        missing = [word for word in must_name if word not in str(exc)]
        assert not missing, f"{what}: the error does not name {missing}: {exc}"
    else:
        raise AssertionError(f"{what} was accepted; it must raise a ValueError")


def check_tasks_keyword_needed_after_fit(name, estimator):
    """An estimator fitted with ``tasks=`` refuses to predict or score without it.

    Without ``tasks=`` the rows would silently be read as one task (or the last
    feature as the task): the ``tasks=`` route is all or nothing.
    """
    X, y = make_multitask_check_data(estimator)
    features, tasks = X[:, :-1], X[:, -1]
    fitted = clone(estimator).set_params(task_column=None).fit(features, y, tasks=tasks)
    assert fitted.task_source_ == "tasks", (
        f"{name}: task_source_ is {fitted.task_source_!r} after fit(..., tasks=...)"
    )
    for method in _prediction_methods(fitted):
        _assert_refused(lambda: getattr(fitted, method)(features), ["tasks="],
                        f"{name}.{method} without tasks= after fitting with tasks=")
        getattr(fitted, method)(features, tasks=tasks)
    _assert_refused(lambda: fitted.score(features, y), ["tasks="],
                    f"{name}.score without tasks= after fitting with tasks=")


def check_tasks_keyword_needs_no_task_column(name, estimator):
    """``tasks=`` together with a task column is refused, at fit and after.

    The column could be a feature or the task; the estimator must not guess.
    """
    X, y = make_multitask_check_data(estimator)
    with_column = clone(estimator).set_params(task_column=-1)
    _assert_refused(lambda: clone(with_column).fit(X, y, tasks=X[:, -1]),
                    ["tasks=", "task_column"],
                    f"{name}.fit with both tasks= and task_column=-1")
    fitted = with_column.fit(X, y)
    assert fitted.task_source_ == "column"
    for method in _prediction_methods(fitted):
        _assert_refused(lambda: getattr(fitted, method)(X, tasks=X[:, -1]),
                        ["tasks=", "task_column"],
                        f"{name}.{method} with both tasks= and a task column")


def check_task_column_passes_through(name, transformer):
    """A task-aware transformer returns the task column unchanged, in place, and
    transforms the other columns as its wrapped transformer does on them alone."""
    X, _ = make_multitask_check_data(transformer)
    X[:, :-1] = 5.0 + 3.0 * X[:, :-1]
    fitted = clone(transformer).fit(X)
    out = fitted.transform(X)
    out = out.toarray() if sp.issparse(out) else np.asarray(out)
    np.testing.assert_array_equal(out[:, -1], X[:, -1],
                                  err_msg=f"{name}: the task column was changed")
    alone = clone(fitted.transformer_).fit(X[:, :-1]).transform(X[:, :-1])
    np.testing.assert_allclose(out[:, :-1], alone, rtol=1e-12, atol=1e-12,
                               err_msg=f"{name}: the features were not transformed "
                               "as the wrapped transformer transforms them alone")
    assert not np.allclose(out[:, :-1], X[:, :-1]), (
        f"{name}: the test features were left unchanged, so the check proves nothing"
    )


def _is_transformer(estimator):
    return hasattr(estimator, "transform") and not hasattr(estimator, "predict")


def multitask_checks(estimator, rtol=1e-6):
    """Yield the multi-task checks for ``estimator``, each a ``check(name, est)``.

    ``rtol`` is the tolerance of the checks that compare two fits (see
    :func:`parametrize_with_multitask_checks`).
    """
    if _is_transformer(estimator):
        yield check_task_column_passes_through
        return
    yield check_unseen_task_raises
    yield functools.partial(check_task_labels_and_order_invariance, rtol=rtol)
    yield functools.partial(check_tasks_keyword_matches_task_column, rtol=rtol)
    yield check_tasks_keyword_needed_after_fit
    yield check_tasks_keyword_needs_no_task_column
    yield functools.partial(check_single_task_like_single_task_model, rtol=rtol)
    if is_classifier(estimator):
        yield check_per_task_classes
        yield check_shared_classes


def _check_name(check):
    return getattr(check, "func", check).__name__


def parametrize_with_multitask_checks(estimators, rtol=1e-6, expected_failed_checks=None,
                                      xfail_strict=None):
    """Pytest parametrisation over estimators x the package's multi-task checks.

    Parameters
    ----------
    estimators : list of estimators
        Instances to check.
    rtol : float or callable, default=1e-6
        Tolerance for "same predictions": relative for regressors, the allowed
        fraction of differing labels for classifiers. Stochastic (neural)
        estimators pass a looser value. A callable gets each estimator and
        returns its tolerance.
    expected_failed_checks : callable, default=None
        Called with each estimator, returns ``{check name: reason}``; those
        checks are marked ``xfail`` with the reason, as in
        :func:`sklearn.utils.estimator_checks.parametrize_with_checks`.
    xfail_strict : bool, default=None
        Whether an expected failure that passes fails the test (None: pytest's
        default).

    Returns
    -------
    decorator : callable
        ``pytest.mark.parametrize("estimator, check", ...)``; the test calls
        ``check(estimator)``.
    """
    import pytest

    cases, ids = [], []
    for estimator in estimators:
        name = type(estimator).__name__
        instance = re.sub(r"\s", "", repr(estimator))
        tolerance = rtol(estimator) if callable(rtol) else rtol
        failing = expected_failed_checks(estimator) if expected_failed_checks else {}
        for check in multitask_checks(estimator, rtol=tolerance):
            check_name = _check_name(check)
            case = (estimator, functools.partial(check, name))
            if check_name in failing:
                case = pytest.param(*case, marks=pytest.mark.xfail(
                    reason=failing[check_name], strict=xfail_strict))
            cases.append(case)
            ids.append(f"{instance}-{check_name}")
    return pytest.mark.parametrize("estimator, check", cases, ids=ids)
