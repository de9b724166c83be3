"""Multi-task checks every sklearn_mtl estimator must pass, beside scikit-learn's.

Use :func:`parametrize_with_multitask_checks` in a test module, as with
:func:`sklearn.utils.estimator_checks.parametrize_with_checks`::

    @parametrize_with_multitask_checks([GoMTLRegressor(), GoMTLClassifier()])
    def test_multitask(estimator, check):
        check(estimator)
"""

import functools

import numpy as np
from sklearn.base import clone, is_classifier

__all__ = [
    "check_single_task_like_single_task_model",
    "check_task_labels_and_order_invariance",
    "check_tasks_keyword_matches_task_column",
    "check_per_task_classes",
    "check_unseen_task_raises",
    "make_multitask_check_data",
    "multitask_checks",
    "parametrize_with_multitask_checks",
]


def make_multitask_check_data(estimator, n_tasks=3, n_per_task=40, n_features=4,
                              random_state=0):
    """Small long-form data with related tasks, suited to ``estimator``'s kind.

    Returns ``X`` (features then the task id in the last column) and ``y``:
    continuous for regressors, per-task labels for classifiers (each task its own
    pair of labels, so label sets differ between tasks).
    """
    rng = np.random.RandomState(random_state)
    shared = rng.randn(n_features)
    weights = shared + 0.3 * rng.randn(n_tasks, n_features)
    task = np.repeat(np.arange(n_tasks), n_per_task)
    features = rng.randn(task.size, n_features)
    signal = np.einsum("nd,nd->n", features, weights[task])
    X = np.column_stack([features, task.astype(float)])
    if is_classifier(estimator):
        positive = signal + 0.3 * rng.randn(task.size) > 0
        return X, 10 * task + positive.astype(int)
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
    """Each task keeps its own label set, and predicts only its own labels."""
    if not is_classifier(estimator):
        return
    X, y = make_multitask_check_data(estimator)
    fitted = clone(estimator).fit(X, y)
    assert len(fitted.classes_) == len(fitted.tasks_)
    predictions = fitted.predict(X)
    for t, task in enumerate(fitted.tasks_):
        rows = X[:, -1] == task
        np.testing.assert_array_equal(fitted.classes_[t], np.unique(y[rows]))
        assert np.isin(predictions[rows], fitted.classes_[t]).all(), (
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


def multitask_checks(estimator, rtol=1e-6):
    """Yield the multi-task checks for ``estimator``, each a ``check(name, est)``."""
    yield check_unseen_task_raises
    yield functools.partial(check_task_labels_and_order_invariance, rtol=rtol)
    yield functools.partial(check_tasks_keyword_matches_task_column, rtol=rtol)
    yield functools.partial(check_single_task_like_single_task_model, rtol=rtol)
    yield check_per_task_classes


def _check_name(check):
    return getattr(check, "func", check).__name__


def parametrize_with_multitask_checks(estimators, rtol=1e-6):
    """Pytest parametrisation over estimators x the package's multi-task checks.

    Parameters
    ----------
    estimators : list of estimators
        Instances to check.
    rtol : float, default=1e-6
        Tolerance for "same predictions": relative for regressors, the allowed
        fraction of differing labels for classifiers. Stochastic (neural)
        estimators pass a looser value.

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
        for check in multitask_checks(estimator, rtol=rtol):
            cases.append((estimator, functools.partial(check, name)))
            ids.append(f"{name}-{_check_name(check)}")
    return pytest.mark.parametrize("estimator, check", cases, ids=ids)
