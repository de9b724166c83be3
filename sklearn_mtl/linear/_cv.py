"""Cross-validated linear multi-task estimators, in the manner of ``RidgeCV``.

One base class, :class:`_BaseMultiTaskCV`, does the search: a path over each
method's main penalty, a small grid of its other penalties, and one candidate with
no sharing at all (independent per-task models, tuned per task), all scored on the
same task-stratified folds; the best candidate is refitted on all rows. Each public
``*CV`` class is a thin subclass naming its base estimator and its grids.
"""

import time
import warnings
from itertools import product
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import check_scoring
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection._split import check_cv
from sklearn.utils import _safe_indexing
from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from ..utils._device import resolve_device
from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin
from ..model_selection import TaskStratifiedKFold
from ._amtfl import AMTFLClassifier, AMTFLRegressor
from ._amtl import AMTLClassifier, AMTLRegressor
from ._base import LinearMultiTaskClassifier, LinearMultiTaskRegressor
from ._gomtl import GoMTLClassifier, GoMTLRegressor

__all__ = [
    "AMTFLClassifierCV",
    "AMTFLRegressorCV",
    "AMTLClassifierCV",
    "AMTLRegressorCV",
    "GoMTLClassifierCV",
    "GoMTLRegressorCV",
]

_SPARSE_FORMATS = ("csr", "csc")

#: Per-task ridge penalties of the no-sharing candidate (chosen per task by GCV).
_SINGLE_TASK_ALPHAS = np.logspace(-3, 5, 17)
#: Per-task logistic C values of the no-sharing candidate (chosen per task by CV).
_SINGLE_TASK_CS = np.logspace(-3, 3, 7)

#: ``transfer_sparsity`` at which AMTL's B-step threshold exceeds any gradient, so
#: that ``B`` stays exactly zero: AMTL's own no-transfer limit (per-task ridge).
AMTL_NO_TRANSFER = 1e12


# --- the no-sharing candidate ------------------------------------------------------


class _SingleTaskRegressor(LinearMultiTaskRegressor):
    """Independent per-task ridge regressions, each penalty chosen by GCV (RidgeCV)."""

    _parameter_constraints = {"task_column": [Integral, str, None]}

    def __init__(self, task_column=-1):
        self.task_column = task_column

    def _fit(self, features, task_index, y):
        n_tasks, d = len(self.tasks_), features.shape[1]
        self.coef_, self.intercept_ = np.zeros((n_tasks, d)), np.zeros(n_tasks)
        self.alpha_ = np.zeros(n_tasks)
        for t in range(n_tasks):
            rows = np.flatnonzero(task_index == t)
            model = RidgeCV(alphas=_SINGLE_TASK_ALPHAS).fit(features[rows], y[rows])
            self.coef_[t], self.intercept_[t] = model.coef_, model.intercept_
            self.alpha_[t] = model.alpha_
        return self


class _SingleTaskClassifier(LinearMultiTaskClassifier):
    """Independent per-task l2-logistic regressions, each C chosen by a per-task CV."""

    _parameter_constraints = {"task_column": [Integral, str, None]}

    def __init__(self, task_column=-1):
        self.task_column = task_column

    def _fit(self, features, task_index, y):
        n_tasks, d = len(self.tasks_), features.shape[1]
        self.coef_, self.intercept_ = np.zeros((n_tasks, d)), np.zeros(n_tasks)
        self.C_ = np.ones(n_tasks)
        for t in range(n_tasks):
            rows = np.flatnonzero(task_index == t)
            X_t, y_t = features[rows], y[rows]
            n_folds = min(3, int(np.bincount(y_t.astype(np.int64)).min()))
            best_C = 1.0
            if n_folds >= 2:
                folds = list(StratifiedKFold(n_folds).split(X_t, y_t))
                scores = []
                for C in _SINGLE_TASK_CS:
                    total = 0.0
                    for train, test in folds:
                        model = LogisticRegression(C=C, max_iter=200)
                        model.fit(X_t[train], y_t[train])
                        proba = np.clip(model.predict_proba(X_t[test])[:, 1],
                                        1e-12, 1 - 1e-12)
                        total += np.mean(y_t[test] * np.log(proba)
                                         + (1 - y_t[test]) * np.log1p(-proba))
                    scores.append(total)
                best_C = float(_SINGLE_TASK_CS[int(np.argmax(scores))])
            model = LogisticRegression(C=best_C, max_iter=200).fit(X_t, y_t)
            self.coef_[t], self.intercept_[t] = model.coef_.ravel(), model.intercept_[0]
            self.C_[t] = best_C
        return self


# --- scoring -------------------------------------------------------------------------


class _BoundTasks:
    """A fitted estimator whose prediction methods get ``tasks=`` bound, for scorers."""

    def __init__(self, estimator, tasks):
        self._estimator, self._tasks = estimator, tasks
        if hasattr(estimator, "classes_"):
            self.classes_ = estimator.classes_

    def __sklearn_tags__(self):
        return self._estimator.__sklearn_tags__()

    def predict(self, X):
        return self._estimator.predict(X, tasks=self._tasks)

    @available_if(lambda self: hasattr(self._estimator, "predict_proba"))
    def predict_proba(self, X):
        return self._estimator.predict_proba(X, tasks=self._tasks)

    @available_if(lambda self: hasattr(self._estimator, "decision_function"))
    def decision_function(self, X):
        return self._estimator.decision_function(X, tasks=self._tasks)


def _mean_log_likelihood(estimator, X, y, tasks):
    """Mean log-probability of each row's label under its task's two classes."""
    proba = estimator.predict_proba(X, tasks=tasks)
    _, task_index, _ = estimator._validate_task_data(X, tasks=tasks, reset=False,
                                                     accept_sparse=_SPARSE_FORMATS)
    y = np.asarray(y)
    positive = np.zeros(y.shape[0], dtype=bool)
    for t in np.unique(task_index):
        rows = task_index == t
        positive[rows] = y[rows] == estimator.task_classes_[t][1]
    chosen = np.where(positive, proba[:, 1], proba[:, 0])
    return float(np.mean(np.log(np.clip(chosen, 1e-15, 1.0))))


def _fit_and_score(estimator, X, y, tasks, train, test, scorer, error_score):
    X_train, y_train = _safe_indexing(X, train), y[train]
    X_test, y_test = _safe_indexing(X, test), y[test]
    tasks_train = None if tasks is None else tasks[train]
    tasks_test = None if tasks is None else tasks[test]
    start = time.perf_counter()
    try:
        estimator.fit(X_train, y_train, tasks=tasks_train)
    except Exception as error:  # a failed candidate is scored error_score, as in sklearn
        if error_score == "raise":
            raise
        warnings.warn(f"A candidate fit failed and is scored {error_score}: "
                      f"{type(error).__name__}: {error}", UserWarning, stacklevel=2)
        return error_score, time.perf_counter() - start
    fit_time = time.perf_counter() - start
    if scorer == "log_likelihood":
        score = _mean_log_likelihood(estimator, X_test, y_test, tasks_test)
    elif scorer is None:
        score = estimator.score(X_test, y_test, tasks=tasks_test)
    else:
        view = estimator if tasks is None else _BoundTasks(estimator, tasks_test)
        score = scorer(view, X_test, y_test)
    return float(score), fit_time


# --- the search ---------------------------------------------------------------------


def _check_grid(name, values, *, positive=False):
    """A user grid as a 1-D float array; refuses empty, non-finite or negative values."""
    grid = np.asarray(values, dtype=np.float64) if np.ndim(values) else None
    if grid is None or grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of numbers; got {values!r}.")
    if not np.all(np.isfinite(grid)):
        raise ValueError(f"{name} must hold finite numbers; got {values!r}.")
    if np.any(grid < 0) or (positive and np.any(grid == 0)):
        bound = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must hold {bound} numbers; got {values!r}.")
    return grid


class _BaseMultiTaskCV(BaseEstimator):
    """Cross-validated search over a base linear multi-task estimator's penalties.

    A subclass sets:

    - ``_base_class``: the base estimator;
    - ``_grids``: ``[(parameter name, grid attribute, positive)]``, the main penalty
      (the path) first;
    - ``_default_grid(name, scale)``: the data-scaled default of each grid;
    - ``_no_sharing_candidates()``: points of the base's own parameter space that
      are its no-sharing limit, if any.

    The no-sharing candidate ``{"single_task": True}`` (independent per-task ridge
    or logistic models, each penalty tuned per task) is added when
    ``single_task=True``.
    """

    _base_class = None
    _grids = ()
    _single_task_class = None

    _common_constraints = {
        "cv": ["cv_object"],
        "scoring": [str, callable, None],
        "n_jobs": [Integral, None],
        "single_task": ["boolean"],
        "error_score": [StrOptions({"raise"}), Real],
        "estimator_params": [dict, None],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "task_column": [Integral, str, None],
    }

    # --- grids -------------------------------------------------------------------

    def _data_scale(self, features, y):
        """Scale of the loss: the target variance for regressors, 1 for classifiers."""
        if self._estimator_type == "classifier":
            return 1.0
        variance = float(np.var(y))
        return variance if variance > 0 else 1.0

    def _resolved_grids(self, features, task_index, y):
        scale = self._data_scale(features, y)
        self._scale_info = dict(scale=scale, rows_per_task=float(
            np.bincount(task_index).mean()))
        grids = {}
        for name, attribute, positive in self._grids:
            values = getattr(self, attribute)
            if values is None:
                grids[name] = self._default_grid(name, **self._scale_info)
            else:
                grids[name] = _check_grid(attribute, values, positive=positive)
        return grids

    def _no_sharing_candidates(self, grids):
        return []

    def _candidates(self, grids):
        names = [name for name, _, _ in self._grids]
        main, others = names[0], names[1:]
        candidates = []
        # The path runs over the main penalty for each point of the other grids.
        for other_values in product(*(grids[n] for n in others)):
            for value in grids[main]:
                candidate = dict(zip(others, map(float, other_values)))
                candidate[main] = float(value)
                candidates.append(candidate)
        for candidate in self._no_sharing_candidates(grids):
            if candidate not in candidates:
                candidates.append(candidate)
        if self.single_task:
            candidates.append({"single_task": True})
        return candidates

    # --- estimators ----------------------------------------------------------------

    def _base_params(self):
        params = dict(self.estimator_params or {})
        valid = set(self._base_class().get_params())
        searched = {name for name, _, _ in self._grids}
        for key in params:
            if key not in valid:
                raise ValueError(
                    f"estimator_params has {key!r}, which is not a parameter of "
                    f"{self._base_class.__name__}; valid ones: {sorted(valid)}.")
            if key in searched or key in ("task_column", "random_state", "device",
                                          "max_iter"):
                raise ValueError(
                    f"estimator_params has {key!r}, which {type(self).__name__} sets "
                    "itself; use its own parameter (a grid for searched penalties).")
        if self.max_iter is not None:
            params["max_iter"] = self.max_iter
        params.update(random_state=self.random_state, device=self.device,
                      task_column=self.task_column)
        return params

    def _make(self, candidate):
        if candidate.get("single_task"):
            return self._single_task_class(task_column=self.task_column)
        return self._base_class(**self._base_params(), **candidate)

    def _splitter(self):
        cv = self.cv
        if cv is None or isinstance(cv, Integral):
            # Tasks are passed as groups, whichever route they came by.
            return TaskStratifiedKFold(5 if cv is None else cv, shuffle=True,
                                       random_state=0, task_column=None), True
        cv = check_cv(cv)
        uses_groups = getattr(cv, "task_column", "absent") is None
        return cv, uses_groups

    # --- fit --------------------------------------------------------------------------

    def fit(self, X, y, tasks=None):
        """Search the penalties by cross-validation, then refit the best on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Targets (regressors) or labels, two per task (classifiers).
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        # Settings that would fail every candidate are refused here, with the base
        # estimator's own message, not as "every candidate failed".
        resolve_device(self.device)
        self._base_class(**self._base_params())._validate_params()
        features, task_index, y = self._validate_task_data(
            X, y, tasks, reset=True, accept_sparse=_SPARSE_FORMATS,
            y_numeric=self._estimator_type == "regressor")
        if self._estimator_type == "classifier":
            # Refuses one-class tasks and more than two labels with the base's message.
            self._encode_task_labels(y, task_index, max_classes=2)
        tasks = None if tasks is None else np.asarray(tasks)
        if sp.issparse(X):
            if X.format not in _SPARSE_FORMATS:
                X = X.tocsr()  # row-indexable for the folds
        elif not hasattr(X, "columns"):
            X = np.asarray(X)  # lists and array-likes, row-indexable for the folds
        counts = np.bincount(task_index, minlength=len(self.tasks_))
        if counts.min() < 2:
            task = self.tasks_[int(np.argmin(counts))]
            task = task.item() if isinstance(task, np.generic) else task
            raise ValueError(
                f"Task {task!r} has 1 sample; {type(self).__name__} needs at least 2 "
                "rows per task, so that every task is in every training fold and in a "
                "test fold.")
        base_params = self._base_params()
        grids = self._resolved_grids(features, task_index, y)
        candidates = self._candidates(grids)
        splitter, uses_groups = self._splitter()
        groups = self.tasks_[task_index] if uses_groups else None
        folds = list(splitter.split(X, y, groups))
        if self.scoring is None:
            scorer = "log_likelihood" if self._estimator_type == "classifier" else None
        else:
            scorer = check_scoring(self._base_class(**base_params), self.scoring)
        error_score = self.error_score
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_score)(self._make(candidate), X, y, tasks, train, test,
                                    scorer, error_score)
            for candidate in candidates for train, test in folds
        )
        scores = np.array([r[0] for r in results], dtype=np.float64).reshape(
            len(candidates), len(folds))
        fit_times = np.array([r[1] for r in results]).reshape(len(candidates), len(folds))
        if np.all(np.isnan(scores)):
            raise ValueError(
                f"Every candidate fit of {type(self).__name__} failed; set "
                "error_score='raise' to see the error.")
        self.cv_results_ = self._results(candidates, scores, fit_times)
        self.best_index_ = int(np.nanargmax(self.cv_results_["mean_test_score"]))
        self.best_params_ = dict(candidates[self.best_index_])
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.n_splits_ = len(folds)
        self.single_task_chosen_ = bool(self.best_params_.get("single_task", False))
        for name, _, _ in self._grids:
            setattr(self, name + "_", self.best_params_.get(name))
        start = time.perf_counter()
        self.best_estimator_ = self._make(self.best_params_).fit(X, y, tasks=tasks)
        self.refit_time_ = time.perf_counter() - start
        # The per-task models are closed-form or converge per task: count 1.
        self.n_iter_ = getattr(self.best_estimator_, "n_iter_", 1)
        for name in ("classes_", "task_classes_", "coef_", "intercept_"):
            if hasattr(self.best_estimator_, name):
                setattr(self, name, getattr(self.best_estimator_, name))
        return self

    def _results(self, candidates, scores, fit_times):
        n_candidates = len(candidates)
        results = {"params": [dict(c) for c in candidates]}
        for key in sorted({k for c in candidates for k in c}):
            column = np.ma.MaskedArray(np.empty(n_candidates, dtype=object),
                                       mask=True)
            for i, candidate in enumerate(candidates):
                if key in candidate:
                    column[i] = candidate[key]
            results["param_" + key] = column
        for split in range(scores.shape[1]):
            results[f"split{split}_test_score"] = scores[:, split]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(scores, axis=1)
            std = np.nanstd(scores, axis=1)
        results["mean_test_score"] = mean
        results["std_test_score"] = std
        order = np.argsort(-np.where(np.isnan(mean), -np.inf, mean), kind="stable")
        rank = np.empty(n_candidates, dtype=np.int32)
        rank[order] = np.arange(1, n_candidates + 1)
        results["rank_test_score"] = rank
        results["mean_fit_time"] = fit_times.mean(1)
        results["std_fit_time"] = fit_times.std(1)
        return results

    # --- delegation ------------------------------------------------------------------

    def predict(self, X, tasks=None):
        """Predict with the refitted best estimator.

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
        check_is_fitted(self)
        return self.best_estimator_.predict(X, tasks=tasks)

    def score(self, X, y, sample_weight=None, tasks=None):
        """Score of the refitted best estimator (:math:`R^2` or accuracy).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form input.
        y : array-like of shape (n_samples,)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, for an estimator fitted with ``tasks=``.

        Returns
        -------
        score : float
            :math:`R^2` for regressors, accuracy for classifiers.
        """
        check_is_fitted(self)
        return self.best_estimator_.score(X, y, sample_weight=sample_weight, tasks=tasks)

    def per_task_score(self, X, y, tasks=None, *, metric=None):
        """Score of each task on its own rows, by the refitted best estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form input.
        y : array-like of shape (n_samples,)
            True targets.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, for an estimator fitted with ``tasks=``.
        metric : None, str or callable, default=None
            As in the base estimator's ``per_task_score``.

        Returns
        -------
        scores : dict
            Task label to its score.
        """
        check_is_fitted(self)
        return self.best_estimator_.per_task_score(X, y, tasks=tasks, metric=metric)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _CVRegressor(MultiTaskRegressorMixin, RegressorMixin, _BaseMultiTaskCV):
    _single_task_class = _SingleTaskRegressor
    score = _BaseMultiTaskCV.score
    per_task_score = _BaseMultiTaskCV.per_task_score


class _CVClassifier(MultiTaskClassifierMixin, ClassifierMixin, _BaseMultiTaskCV):
    _single_task_class = _SingleTaskClassifier
    _multi_class_tasks = False
    score = _BaseMultiTaskCV.score
    per_task_score = _BaseMultiTaskCV.per_task_score

    def decision_function(self, X, tasks=None):
        """Log-odds of each row's positive class, from the refitted best estimator.

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
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X, tasks=tasks)

    def predict_proba(self, X, tasks=None):
        """Probabilities of each row's two labels, from the refitted best estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Column ``j`` is the probability of ``classes_[t][j]`` for a row of task t.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X, tasks=tasks)


# --- the six estimators -------------------------------------------------------------

_SEARCH_DOC = """
    cv : int, cross-validation generator or iterable, default=None
        The folds. None: 5 folds of
        :class:`~sklearn_mtl.model_selection.TaskStratifiedKFold` (every task in
        every training fold, rows shuffled within tasks, ``random_state=0``); an
        int: that many such folds. The tasks are passed to it as ``groups``, by
        whichever route they came. Another splitter is used as given.
    scoring : str, callable or None, default=None
        How a candidate is scored on a held-out fold. None: :math:`R^2` for
        regressors, the mean log-likelihood of the labels for classifiers (as
        ``LogisticRegressionCV`` chooses ``C`` by a proper score, not by accuracy).
        A string or callable: a scikit-learn scorer.
    n_jobs : int, default=None
        Parallel candidate fits (joblib); None is one.
    single_task : bool, default=True
        Add the no-sharing candidate ``{"single_task": True}``: independent
        per-task models (ridge with each task's penalty chosen by generalised
        cross-validation, or l2-logistic regression with each task's ``C``
        chosen by a 3-fold CV within the task). It is the guarantee that where
        sharing hurts, the estimator falls back to single-task behaviour.
    error_score : "raise" or float, default=np.nan
        Score of a candidate whose fit fails (with a warning), or "raise".
    estimator_params : dict, default=None
        Other parameters of the base estimator, passed through unchanged (for
        example ``{"n_latent": 3}``); the searched penalties, ``max_iter``,
        ``random_state``, ``device`` and ``task_column`` are this estimator's own.
    max_iter : int, default=None
        The base estimator's ``max_iter``; None keeps its default.
    random_state : int, RandomState instance or None, default=None
        The base estimator's ``random_state``.
    device : str or torch.device, default="cpu"
        The base estimator's ``device``.
    task_column : int, str or None, default=-1
        Position of the task column in ``X`` (or its DataFrame name). None: ``X``
        holds only features and the tasks come from ``tasks=``, or all rows are one
        task.
"""

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    best_estimator_ : estimator
        The best candidate refitted on all rows: the base estimator, or the
        per-task models when ``single_task_chosen_``.
    best_params_ : dict
        The best candidate's parameters.
    best_score_ : float
        Its mean score over the folds.
    best_index_ : int
        Its index in ``cv_results_``.
    single_task_chosen_ : bool
        Whether the no-sharing candidate won.
    cv_results_ : dict of ndarray
        As ``GridSearchCV``'s: ``params``, ``param_<name>`` (masked where a
        candidate has no such parameter), ``split<i>_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score``,
        ``mean_fit_time``, ``std_fit_time``.
    n_splits_ : int
        Number of folds.
    refit_time_ : float
        Seconds of the refit on all rows.
    n_iter_ : int
        The best estimator's ``n_iter_`` (1 for the per-task models).
    coef_, intercept_ : ndarray
        The best estimator's.
    tasks_ : ndarray of shape (n_tasks,)
        The task labels seen at fit.
    n_features_in_ : int
        Number of columns of ``X`` at fit (the task column included).
    feature_names_in_ : ndarray of str
        Column names of ``X`` at fit, for DataFrames.
"""

_CLASSIFIER_ATTRIBUTES = """    classes_ : ndarray or PerTaskClasses
        The labels: one array when every task has the same two labels.
    task_classes_ : list of ndarray of shape (2,)
        The two labels of each task.
"""

_NO_WARM_START = """
    The base estimator has no warm start (its fit always begins from its own
    single-task start), so each point of the path is fitted from scratch; the
    fits of a path are independent and run in parallel with ``n_jobs``. The
    search costs as much as ``GridSearchCV`` over the same grid plus the
    no-sharing candidate.
"""


def _doc(summary, grids, rule, classifier, see_also):
    attributes = _ATTRIBUTES_DOC
    if classifier:
        attributes = attributes.replace("    tasks_ :", _CLASSIFIER_ATTRIBUTES
                                        + "    tasks_ :")
    return (summary + "\n    Parameters\n    ----------\n" + grids + _SEARCH_DOC
            + attributes + "\n    Notes\n    -----\n" + rule + _NO_WARM_START
            + "\n    See Also\n    --------\n"
            + "".join(f"    {line}\n" for line in see_also.splitlines()))


def _grid_constraints(*names):
    return {name: ["array-like", None] for name in names}


# GoMTL: the loss is summed over rows, so its penalties scale with rows per task
# times the loss's scale.

_GOMTL_GRIDS = """    sparsities : array-like or None, default=None
        Path of ``sparsity`` (l1 on the codes). None:
        ``s * logspace(-4, -1, 4)`` with ``s = mean rows per task * var(y)``
        (regressors; ``mean rows per task`` for classifiers), the scale of
        GoMTL's summed loss.
    basis_penalties : array-like or None, default=None
        Grid of ``basis_penalty``. None: ``s * [1e-2, 1e-1, 1]``.
"""

_GOMTL_RULE = """    The search space is the product of ``sparsities`` and ``basis_penalties``
    (the path over ``sparsity`` for each ``basis_penalty``) plus, with
    ``single_task=True``, the independent per-task models. GoMTL's own
    parameter space has no point at which the tasks stop sharing (every task's
    weights lie in the span of one shared basis), so the no-sharing limit is
    that separate candidate. The candidate with the best mean score over the
    folds wins (ties: the first in ``cv_results_``) and is refitted on all rows.
"""


class _GoMTLCVMixin:
    _grids = (("sparsity", "sparsities", False),
              ("basis_penalty", "basis_penalties", False))

    def _default_grid(self, name, scale, rows_per_task):
        s = rows_per_task * scale
        if name == "sparsity":
            return s * np.logspace(-4, -1, 4)
        return s * np.array([1e-2, 1e-1, 1.0])


class GoMTLRegressorCV(_GoMTLCVMixin, _CVRegressor):
    _base_class = GoMTLRegressor
    _parameter_constraints = {**_grid_constraints("sparsities", "basis_penalties"),
                              **_BaseMultiTaskCV._common_constraints}

    def __init__(self, *, sparsities=None, basis_penalties=None, cv=None, scoring=None,
                 n_jobs=None, single_task=True, error_score=np.nan,
                 estimator_params=None, max_iter=None, random_state=None, device="cpu",
                 task_column=-1):
        self.sparsities = sparsities
        self.basis_penalties = basis_penalties
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.single_task = single_task
        self.error_score = error_score
        self.estimator_params = estimator_params
        self.max_iter = max_iter
        self.random_state = random_state
        self.device = device
        self.task_column = task_column


GoMTLRegressorCV.__doc__ = _doc(
    """GoMTL regression with ``sparsity`` and ``basis_penalty`` chosen by
    cross-validation (task-stratified folds).

    Fitted attributes ``sparsity_`` and ``basis_penalty_`` hold the chosen
    values (None when the no-sharing candidate wins).
""", _GOMTL_GRIDS, _GOMTL_RULE, False,
    "GoMTLRegressor : The estimator searched.\nGoMTLClassifierCV : The classifier.")


class GoMTLClassifierCV(_GoMTLCVMixin, _CVClassifier):
    _base_class = GoMTLClassifier
    _parameter_constraints = GoMTLRegressorCV._parameter_constraints
    __init__ = GoMTLRegressorCV.__init__


GoMTLClassifierCV.__doc__ = _doc(
    """GoMTL logistic regression with ``sparsity`` and ``basis_penalty`` chosen
    by cross-validation (task-stratified folds).

    Fitted attributes ``sparsity_`` and ``basis_penalty_`` hold the chosen
    values (None when the no-sharing candidate wins).
""", _GOMTL_GRIDS, _GOMTL_RULE, True,
    "GoMTLClassifier : The estimator searched.\nGoMTLRegressorCV : The regressor.")


# AMTL: mean losses; transfer_strength is also the ridge strength at B = 0.

_AMTL_GRIDS = """    transfer_strengths : array-like or None, default=None
        Path of ``transfer_strength`` (:math:`\\lambda`, the reconstruction
        penalty, a ridge penalty at ``B = 0``); positive. None:
        ``v * logspace(-3, 1, 5)`` with ``v`` the mean per-task variance of the
        features (the scale at which a ridge penalty on the mean loss acts).
    transfer_sparsities : array-like or None, default=None
        Grid of ``transfer_sparsity`` (:math:`\\mu`). None: ``[0.1, 1, 10]``
        (scale-free: it multiplies the task losses) and the no-transfer value
        ``1e12``, at which ``B`` stays exactly zero.
"""

_AMTL_RULE = """    The search space is the product of ``transfer_strengths`` and
    ``transfer_sparsities`` plus, with ``single_task=True``, the independent
    per-task models. AMTL's own no-sharing limit is in the default grid:
    at ``transfer_sparsity=1e12`` the transfer matrix stays zero and AMTL is one
    l2-penalised model per task with the common penalty ``transfer_strength``;
    the single-task candidate tunes that penalty per task instead. The
    candidate with the best mean score over the folds wins (ties: the first in
    ``cv_results_``) and is refitted on all rows.
"""


class _AMTLCVMixin:
    _grids = (("transfer_strength", "transfer_strengths", True),
              ("transfer_sparsity", "transfer_sparsities", False))

    def _data_scale(self, features, y):
        if sp.issparse(features):
            mean = np.asarray(features.mean(0)).ravel()
            variance = np.asarray(features.multiply(features).mean(0)).ravel() - mean**2
        else:
            variance = np.var(features, axis=0)
        value = float(np.mean(variance)) if variance.size else 1.0
        return value if value > 0 else 1.0

    def _default_grid(self, name, scale, rows_per_task):
        if name == "transfer_strength":
            return scale * np.logspace(-3, 1, 5)
        return np.array([0.1, 1.0, 10.0, AMTL_NO_TRANSFER])


class AMTLRegressorCV(_AMTLCVMixin, _CVRegressor):
    _base_class = AMTLRegressor
    _parameter_constraints = {
        **_grid_constraints("transfer_strengths", "transfer_sparsities"),
        **_BaseMultiTaskCV._common_constraints}

    def __init__(self, *, transfer_strengths=None, transfer_sparsities=None, cv=None,
                 scoring=None, n_jobs=None, single_task=True, error_score=np.nan,
                 estimator_params=None, max_iter=None, random_state=None, device="cpu",
                 task_column=-1):
        self.transfer_strengths = transfer_strengths
        self.transfer_sparsities = transfer_sparsities
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.single_task = single_task
        self.error_score = error_score
        self.estimator_params = estimator_params
        self.max_iter = max_iter
        self.random_state = random_state
        self.device = device
        self.task_column = task_column


AMTLRegressorCV.__doc__ = _doc(
    """AMTL regression with ``transfer_strength`` and ``transfer_sparsity``
    chosen by cross-validation (task-stratified folds).

    Fitted attributes ``transfer_strength_`` and ``transfer_sparsity_`` hold
    the chosen values (None when the no-sharing candidate wins).
""", _AMTL_GRIDS, _AMTL_RULE, False,
    "AMTLRegressor : The estimator searched.\nAMTLClassifierCV : The classifier.")


class AMTLClassifierCV(_AMTLCVMixin, _CVClassifier):
    _base_class = AMTLClassifier
    _parameter_constraints = AMTLRegressorCV._parameter_constraints
    __init__ = AMTLRegressorCV.__init__


AMTLClassifierCV.__doc__ = _doc(
    """AMTL logistic regression with ``transfer_strength`` and
    ``transfer_sparsity`` chosen by cross-validation (task-stratified folds).

    Fitted attributes ``transfer_strength_`` and ``transfer_sparsity_`` hold
    the chosen values (None when the no-sharing candidate wins).
""", _AMTL_GRIDS, _AMTL_RULE, True,
    "AMTLClassifier : The estimator searched.\nAMTLRegressorCV : The regressor.")


# AMTFL: mean losses; sparsity acts against the loss's scale.

_AMTFL_GRIDS = """    transfer_strengths : array-like or None, default=None
        Path of ``transfer_strength`` (:math:`\\gamma`, the feature
        reconstruction). None: ``[0, 0.1, 1]``; 0 is the paper's MT-NN (no
        feedback from the tasks).
    sparsities : array-like or None, default=None
        Grid of ``sparsity`` (:math:`\\mu`, l1 on the heads). None:
        ``v * [1e-3, 1e-1]`` with ``v = var(y)`` for regressors and 1 for
        classifiers (the scale of AMTFL's mean loss).
"""

_AMTFL_RULE = """    The search space is the product of ``transfer_strengths`` and
    ``sparsities`` plus, with ``single_task=True``, the independent per-task
    models. AMTFL's own parameter space has no point at which the tasks stop
    sharing (every head reads the one shared hidden layer), so the no-sharing
    limit is that separate candidate. The candidate with the best mean score
    over the folds wins (ties: the first in ``cv_results_``) and is refitted on
    all rows.
"""


class _AMTFLCVMixin:
    _grids = (("transfer_strength", "transfer_strengths", False),
              ("sparsity", "sparsities", False))

    def _default_grid(self, name, scale, rows_per_task):
        if name == "transfer_strength":
            return np.array([0.0, 0.1, 1.0])
        return scale * np.array([1e-3, 1e-1])


class AMTFLRegressorCV(_AMTFLCVMixin, _CVRegressor):
    _base_class = AMTFLRegressor
    _parameter_constraints = {**_grid_constraints("transfer_strengths", "sparsities"),
                              **_BaseMultiTaskCV._common_constraints}

    def __init__(self, *, transfer_strengths=None, sparsities=None, cv=None,
                 scoring=None, n_jobs=None, single_task=True, error_score=np.nan,
                 estimator_params=None, max_iter=None, random_state=None, device="cpu",
                 task_column=-1):
        self.transfer_strengths = transfer_strengths
        self.sparsities = sparsities
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.single_task = single_task
        self.error_score = error_score
        self.estimator_params = estimator_params
        self.max_iter = max_iter
        self.random_state = random_state
        self.device = device
        self.task_column = task_column


AMTFLRegressorCV.__doc__ = _doc(
    """Shallow AMTFL regression with ``transfer_strength`` and ``sparsity``
    chosen by cross-validation (task-stratified folds).

    Fitted attributes ``transfer_strength_`` and ``sparsity_`` hold the chosen
    values (None when the no-sharing candidate wins).
""", _AMTFL_GRIDS, _AMTFL_RULE, False,
    "AMTFLRegressor : The estimator searched.\nAMTFLClassifierCV : The classifier.")


class AMTFLClassifierCV(_AMTFLCVMixin, _CVClassifier):
    _base_class = AMTFLClassifier
    _parameter_constraints = AMTFLRegressorCV._parameter_constraints
    __init__ = AMTFLRegressorCV.__init__


AMTFLClassifierCV.__doc__ = _doc(
    """Shallow AMTFL logistic regression with ``transfer_strength`` and
    ``sparsity`` chosen by cross-validation (task-stratified folds).

    Fitted attributes ``transfer_strength_`` and ``sparsity_`` hold the chosen
    values (None when the no-sharing candidate wins).
""", _AMTFL_GRIDS, _AMTFL_RULE, True,
    "AMTFLClassifier : The estimator searched.\nAMTFLRegressorCV : The regressor.")
