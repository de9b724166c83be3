"""Does multi-task learning help here? A cross-validated comparison with baselines.

:func:`baseline_report` cross-fits an estimator beside the three models a careful
user would fit instead (one tuned model per task, one pooled model, one pooled
model with an intercept per task) on the same folds, and reports per task and
overall how much the estimator gains over the best of them, with a confidence
interval over the folds.
"""

import copy
import warnings
from inspect import signature

import numpy as np
import scipy.sparse as sp
from scipy import stats
from sklearn import config_context
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, RidgeCV
from sklearn.metrics import check_scoring
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed

from ..base import _plain
from ..utils._tasks import validate_task_data
from ._split import TaskShuffleSplit, TaskStratifiedKFold

__all__ = ["baseline_report"]

#: Penalty grids of the baselines (standardised features).
RIDGE_ALPHAS = np.logspace(-3, 5, 17)
LOGISTIC_CS = np.logspace(-3, 3, 7)
#: The per-task indicators of the pooled classifier are this large, so that their
#: coefficients (the task intercepts) carry 1 / INDICATOR_SCALE**2 of the slopes'
#: penalty: effectively unpenalised.
INDICATOR_SCALE = 10.0

MODELS = ("estimator", "per_task", "pooled", "pooled_task_intercepts")
BASELINES = MODELS[1:]


class _TaskData(BaseEstimator):
    """Stands in for an estimator so that the report validates data like one."""

    def __init__(self, task_column=-1):
        self.task_column = task_column


def _neg_log_loss(estimator, X, y):
    """Mean log-likelihood of the labels: the score LogisticRegressionCV picks C by.

    Written out because :func:`sklearn.metrics.log_loss` validates its input at a
    cost that was most of the baselines' fit time on small tasks.
    """
    proba = estimator.predict_proba(X)
    likelihood = proba[np.arange(len(y)), np.searchsorted(estimator.classes_, y)]
    return float(np.mean(np.log(np.clip(likelihood, 1e-15, None))))


def _logistic_cv(n_splits):
    # Arguments that newer scikit-learn asks for explicitly, kept off older ones.
    wanted = {"l1_ratios": (0.0,), "use_legacy_attributes": False}
    accepted = signature(LogisticRegressionCV).parameters
    extra = {k: v for k, v in wanted.items() if k in accepted}
    return LogisticRegressionCV(Cs=LOGISTIC_CS, cv=StratifiedKFold(n_splits),
                                scoring=_neg_log_loss, max_iter=1000, **extra)


def _scaler(sparse):
    # Dense features are standardised. Sparse ones (tf-idf, counts) are left as
    # they are, as a text practitioner would: unit variance would blow up the
    # rare words.
    return "passthrough" if sparse else StandardScaler()


def _linear_model(classifier, y, sparse):
    """The tuned linear baseline (on standardised dense features)."""
    if not classifier:
        return make_pipeline(_scaler(sparse), RidgeCV(alphas=RIDGE_ALPHAS))
    n_splits = min(5, np.unique(y, return_counts=True)[1].min())
    # With a single row of a class there is nothing to cross-validate C on.
    model = _logistic_cv(n_splits) if n_splits >= 2 else LogisticRegression(max_iter=1000)
    return make_pipeline(_scaler(sparse), model)


class _PerTaskModels:
    """One linear model per task, fitted on that task's rows only."""

    def __init__(self, classifier):
        self.classifier = classifier

    def fit(self, X, y, task_index):
        sparse = sp.issparse(X)
        self.models_ = {}
        for t in np.unique(task_index):
            rows = task_index == t
            self.models_[t] = _linear_model(self.classifier, y[rows], sparse).fit(
                X[rows], y[rows])
        return self

    def respond(self, method, X, task_index):
        out = None
        for t in np.unique(task_index):
            rows = task_index == t
            values = getattr(self.models_[t], method)(X[rows])
            if out is None:
                out = np.empty((task_index.size,) + values.shape[1:], dtype=values.dtype)
            out[rows] = values
        return out


class _Pooled:
    """One linear model on every row, the task ignored."""

    def __init__(self, classifier):
        self.classifier = classifier

    def fit(self, X, y, task_index):
        self.model_ = _linear_model(self.classifier, y, sp.issparse(X)).fit(X, y)
        return self

    def respond(self, method, X, task_index):
        return getattr(self.model_, method)(X)


class _PooledTaskIntercepts:
    """One linear model on every row with one unpenalised intercept per task.

    Regression centres the features and the target per task and fits the shared
    slope on the centred data; each task's intercept is then its own mean
    (Frisch-Waugh-Lovell: exactly ridge with unpenalised task intercepts).
    Classification appends task indicators of size ``INDICATOR_SCALE`` to the
    standardised features, so the intercepts carry a hundredth of the penalty.
    """

    def __init__(self, classifier):
        self.classifier = classifier

    def fit(self, X, y, task_index):
        self.n_tasks_ = n_tasks = task_index.max() + 1
        if self.classifier:
            self.scaler_ = make_pipeline(_scaler(sp.issparse(X))).fit(X)
            self.model_ = _linear_model(True, y, False)[-1]
            self.model_.fit(self._with_indicators(X, task_index, n_tasks), y)
            return self
        X = X.toarray() if sp.issparse(X) else X
        counts = np.bincount(task_index, minlength=n_tasks)[:, None]
        self.x_means_ = np.zeros((n_tasks, X.shape[1]))
        np.add.at(self.x_means_, task_index, X)
        self.x_means_ /= np.maximum(counts, 1)
        self.y_means_ = np.bincount(task_index, y, minlength=n_tasks) / np.maximum(
            counts[:, 0], 1)
        self.model_ = _linear_model(False, y, False).fit(
            X - self.x_means_[task_index], y - self.y_means_[task_index])
        return self

    def _with_indicators(self, X, task_index, n_tasks):
        indicators = sp.csr_matrix(
            (np.full(task_index.size, INDICATOR_SCALE), (np.arange(task_index.size),
                                                         task_index)),
            shape=(task_index.size, n_tasks))
        scaled = self.scaler_.transform(X)
        if sp.issparse(scaled):
            return sp.hstack([scaled, indicators], format="csr")
        return np.hstack([scaled, indicators.toarray()])

    def respond(self, method, X, task_index):
        if self.classifier:
            return getattr(self.model_, method)(
                self._with_indicators(X, task_index, self.n_tasks_))
        X = X.toarray() if sp.issparse(X) else X
        return (self.model_.predict(X - self.x_means_[task_index])
                + self.y_means_[task_index])


class _Responses(BaseEstimator):
    """A fitted model's responses on one fold's test rows, seen by scorers.

    Scorers call it with a column of row positions instead of features, so that
    each task's score reuses one prediction of the whole fold.
    """

    def __init__(self, responses=None, classes=None, classifier=False):
        self.responses = responses
        self.classes = classes
        self.classifier = classifier

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier" if self.classifier else "regressor"
        return tags

    @property
    def classes_(self):
        return self.classes

    def _values(self, method, rows):
        return self.responses[method][np.asarray(rows)[:, 0]]

    def predict(self, rows):
        return self._values("predict", rows)

    @available_if(lambda self: "predict_proba" in self.responses)
    def predict_proba(self, rows):
        return self._values("predict_proba", rows)

    @available_if(lambda self: "decision_function" in self.responses)
    def decision_function(self, rows):
        return self._values("decision_function", rows)


def _score(scorer, view, rows, y):
    """The scorer on some rows; NaN where the metric is undefined (one class)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(scorer(view, rows[:, None], y[rows]))
        except ValueError:
            if view.classifier and np.unique(y[rows]).size < 2:
                return np.nan
            raise


def _fit_fold(estimator, X, features, y, task_index, tasks, train, test, scorer,
              classifier, classes, n_tasks):
    """Fit every model on one fold; score each task and the summaries on its test."""
    fit_kwargs, predict_kwargs = {}, {}
    if tasks is not None:
        fit_kwargs = {"tasks": _safe_indexing(tasks, train)}
        predict_kwargs = {"tasks": _safe_indexing(tasks, test)}
    fitted = clone(estimator).fit(_safe_indexing(X, train), y[train], **fit_kwargs)
    X_test = _safe_indexing(X, test)
    # Every response a scorer may ask for, computed once per fold.
    methods = ("predict", "predict_proba", "decision_function") if classifier else (
        "predict",)
    responses = {"estimator": {m: np.asarray(getattr(fitted, m)(X_test, **predict_kwargs))
                               for m in methods if hasattr(fitted, m)}}

    F_train, F_test = features[train], features[test]
    t_train, t_test = task_index[train], task_index[test]
    # The baselines are this module's own fixed models: their parameters need
    # no validation, which was a large share of their time on many small tasks.
    with config_context(skip_parameter_validation=True):
        for name, kind in zip(BASELINES, (_PerTaskModels, _Pooled, _PooledTaskIntercepts)):
            model = kind(classifier).fit(F_train, y[train], t_train)
            responses[name] = {m: model.respond(m, F_test, t_test) for m in methods}

        y_test = y[test]
        n_summaries = 1 if classifier else 2
        scores = np.full((len(MODELS), n_tasks + n_summaries), np.nan)
        for m, name in enumerate(MODELS):
            view = _Responses(responses[name], classes, classifier)
            for t in range(n_tasks):
                rows = np.flatnonzero(t_test == t)
                if rows.size:
                    scores[m, t] = _score(scorer, view, rows, y_test)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                scores[m, n_tasks] = np.nanmean(scores[m, :n_tasks])
            if not classifier:
                scores[m, n_tasks + 1] = _score(scorer, view, np.arange(test.size),
                                                y_test)
    n_test = np.bincount(t_test, minlength=n_tasks)
    n_train = np.bincount(t_train, minlength=n_tasks)
    ratio = np.append(n_test / np.maximum(n_train, 1),
                      [test.size / train.size] * n_summaries)
    return scores, ratio


def _resolve_task_column(estimator, task_column, tasks):
    if tasks is not None:
        if task_column is not None:
            raise ValueError(
                f"baseline_report got tasks= and task_column={task_column!r} together, "
                "which is ambiguous; give the tasks one way (task_column=None with "
                "tasks=, or the task column without tasks=)."
            )
        return None
    if task_column is not None:
        return task_column
    found = {
        repr(value): value for key, value in estimator.get_params(deep=True).items()
        if key == "task_column" or key.endswith("__task_column")
    }
    if len(found) == 1 and next(iter(found.values())) is not None:
        return next(iter(found.values()))
    reason = (f"its task_column parameters disagree ({sorted(found)})" if len(found) > 1
              else "it has no task column" if found
              else "it has no task_column parameter")
    raise ValueError(
        f"baseline_report cannot tell where the rows' tasks are: {reason}. Pass "
        "task_column= (the position or name of X's task column) or tasks= (each "
        "row's task, with the estimator's task_column=None)."
    )


def _splits(cv, X, y, labels, task_column):
    if cv is None or isinstance(cv, (int, np.integer)):
        cv = TaskStratifiedKFold(5 if cv is None else int(cv), random_state=0,
                                 task_column=None)
    elif isinstance(cv, (TaskStratifiedKFold, TaskShuffleSplit)):
        # The report's own task labels decide, whatever column the splitter names.
        cv = copy.copy(cv)
        cv.task_column = None
    if not hasattr(cv, "split"):
        return [(np.asarray(train), np.asarray(test)) for train, test in cv]
    return list(cv.split(X, y, groups=labels))


def _check_folds(splits, task_index, tasks, y, classes):
    for k, (train, test) in enumerate(splits):
        unseen = np.setdiff1d(task_index[test], task_index[train])
        if unseen.size:
            raise ValueError(
                f"Fold {k} of cv tests task(s) {tasks[unseen].tolist()[:10]} that are "
                "not in its training rows: a multi-task estimator (and a per-task "
                "model) cannot predict a task it has not seen. Use cv="
                "TaskStratifiedKFold() (the default), which keeps every task in every "
                "training fold."
            )
        if classes is None:
            continue
        for t in np.unique(task_index[train]):
            labels = np.unique(y[train][task_index[train] == t])
            if labels.size != classes.size:
                raise ValueError(
                    f"Task {_plain(tasks[t])!r} has only the label(s) {labels.tolist()} "
                    f"in the training rows of fold {k}, not all of {classes.tolist()}: "
                    "the per-task and pooled baselines need every label in every "
                    "task's training rows. Use fewer folds, or tasks with more rows "
                    "of each label (tasks with different label sets cannot be pooled)."
                )


def _interval(differences, ratios, confidence):
    """Mean over folds with Nadeau & Bengio's corrected t interval."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(differences, axis=0)
        n = np.sum(~np.isnan(differences), axis=0)
        sd = np.nanstd(differences, axis=0, ddof=1)
        half = (stats.t.ppf((1 + confidence) / 2, n - 1) * sd
                * np.sqrt(1 / n + np.nanmean(ratios, axis=0)))
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


def _default_scoring(classifier, y):
    if not classifier:
        return "neg_root_mean_squared_error"
    return "roc_auc" if np.unique(y).size == 2 else "accuracy"


def baseline_report(estimator, X, y, *, cv=None, tasks=None, scoring=None,
                    task_column=None, confidence=0.95, n_jobs=None):
    """Compare an estimator with per-task, pooled and pooled-with-intercepts models.

    Cross-fits, on the same folds, the estimator and three tuned linear
    baselines, and reports each task's score and the estimator's gain over the
    best baseline with a confidence interval over the folds. This is the check
    to run before choosing a multi-task model: on many data sets a pooled model
    with one intercept per task is as good as any sharing method.

    The baselines, fitted on standardised features without the task column:

    - ``per_task``: one :class:`~sklearn.linear_model.RidgeCV` (regression) or
      :class:`~sklearn.linear_model.LogisticRegressionCV` (classification, C
      chosen by log loss) per task, on that task's training rows only;
    - ``pooled``: one such model on all training rows, tasks ignored;
    - ``pooled_task_intercepts``: one such model with an intercept per task
      that is (effectively) unpenalised: for regression, features and target
      are centred per task and the shared slope is fitted on the centred rows
      (exactly ridge with free task intercepts); for classification, task
      indicators of size 10 are appended, so the intercepts carry 1/100 of
      the penalty of the slopes.

    Parameters
    ----------
    estimator : estimator
        A multi-task regressor or binary classifier (any scikit-learn
        estimator that takes the long-form ``X``); it is cloned for each fold.
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_columns)
        Long-form data: features and, unless ``tasks`` is given, the task column.
    y : array-like of shape (n_samples,)
        Targets.
    cv : int, cross-validation generator or iterable, default=None
        None: ``TaskStratifiedKFold(5, random_state=0)``; an int: that many
        task-stratified folds (seeded the same way, so the report is
        reproducible). A :class:`TaskStratifiedKFold` or
        :class:`TaskShuffleSplit` splits on the report's tasks whatever its
        ``task_column``; other splitters get the tasks as ``groups``. Every
        test task must be in its fold's training rows.
    tasks : array-like of shape (n_samples,), default=None
        Each row's task, when ``X`` has no task column; passed to the
        estimator as ``fit(..., tasks=)`` and ``predict(..., tasks=)`` (its
        ``task_column`` must then be None).
    scoring : str or callable, default=None
        A scikit-learn scorer (name or callable). None: RMSE for regressors,
        ROC AUC for binary classifiers, accuracy for multi-class ones. Names
        starting with ``neg_`` are shown as positive errors.
    task_column : int, str or None, default=None
        Position or name of the task column; None takes the estimator's own
        ``task_column`` (that of every step of a pipeline, which must agree).
    confidence : float, default=0.95
        Level of the intervals.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib).

    Returns
    -------
    report : pandas.DataFrame
        One row per task (in natural task order), then, for regressors, a
        ``"mean per task"`` row, then ``"overall"``. Columns:

        n_samples
            Rows of the task (all rows for the summaries).
        estimator, per_task, pooled, pooled_task_intercepts
            Each model's score averaged over the folds (errors as positive
            values, e.g. RMSE).
        best_baseline
            The name of the best of the three baselines on that row.
        gain, gain_low, gain_high
            The estimator's score minus the best baseline's, oriented so that
            a positive gain means the estimator is better (for RMSE: the
            baseline's RMSE minus the estimator's), with its interval.
        negative_transfer
            True where the estimator is worse than the per-task model beyond
            the interval (its gain over the per-task model has an upper bound
            below zero): sharing hurts that task.

        ``report.attrs`` holds the metric's name and the number of folds.

    Notes
    -----
    Each task's score is computed on its own test rows in each fold and
    averaged over the folds (for RMSE: the root of the mean squared error
    over that task's rows). For regressors, ``"overall"`` scores all test rows
    together (pooled RMSE, dominated by the large tasks) and ``"mean per
    task"`` averages the per-task scores (each task counts once). For
    classifiers, ``"overall"`` is the mean per-task score: scores of
    different tasks are not on one scale, so a pooled AUC would mix them. A
    task whose test rows in a fold hold one class gets no AUC for that fold.

    The interval is ``mean ± t * sd * sqrt(1/k + n_test/n_train)`` over the
    ``k`` folds' differences, the corrected resampled t-test of Nadeau and
    Bengio: folds share training rows, so the plain ``sd / sqrt(k)`` would be
    too narrow. With 5 folds it is wide; it is a guide, not a test. The best
    baseline is picked on the same folds, which favours the baselines a little.

    References
    ----------
    C. Nadeau and Y. Bengio. Inference for the Generalization Error. Machine
    Learning 52, 239-281 (2003).

    Examples
    --------
    >>> from sklearn_mtl import GoMTLRegressor
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> from sklearn_mtl.model_selection import baseline_report
    >>> X, y = make_low_rank_tasks(n_tasks=4, n_samples=20, n_features=5,
    ...                            n_bases=2, random_state=0)
    >>> report = baseline_report(GoMTLRegressor(n_latent=2, max_iter=50), X, y, cv=3)
    >>> report.index.tolist()
    [0.0, 1.0, 2.0, 3.0, 'mean per task', 'overall']
    >>> report.columns.tolist()[:5]
    ['n_samples', 'estimator', 'per_task', 'pooled', 'pooled_task_intercepts']
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a test dependency
        raise ImportError("baseline_report returns a pandas DataFrame; install "
                          "pandas.") from exc
    classifier = is_classifier(estimator)
    if not (classifier or is_regressor(estimator)):
        raise TypeError(
            f"baseline_report compares regressors or classifiers; {estimator!r} is "
            "neither."
        )
    task_column = _resolve_task_column(estimator, task_column, tasks)
    holder = _TaskData(task_column=task_column)
    features, task_index, y = validate_task_data(
        holder, X, y, tasks, reset=True, accept_sparse="csr", y_numeric=not classifier,
        method="baseline_report")
    task_labels = holder.tasks_
    classes = None
    if classifier:
        check_classification_targets(y)
        classes = np.unique(y)
    scoring = _default_scoring(classifier, y) if scoring is None else scoring
    scorer = check_scoring(estimator, scoring=scoring)
    if tasks is not None:
        tasks = np.asarray(tasks)

    splits = _splits(cv, X, y, task_labels[task_index], task_column)
    _check_folds(splits, task_index, task_labels, y, classes)
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(estimator, X, features, y, task_index, tasks, train, test,
                           scorer, classifier, classes, task_labels.size)
        for train, test in splits)
    scores = np.stack([r[0] for r in results])  # (folds, models, rows)
    ratios = np.stack([r[1] for r in results])  # (folds, rows)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_scores = np.nanmean(scores, axis=0)
    baseline_means = np.where(np.isnan(mean_scores[1:]), -np.inf, mean_scores[1:])
    best = np.argmax(baseline_means, axis=0)
    rows = np.arange(best.size)
    best_scores = scores[:, 1:, :][:, best, rows]
    gain, low, high = _interval(scores[:, 0] - best_scores, ratios, confidence)
    _, _, high_vs_per_task = _interval(scores[:, 0] - scores[:, 1], ratios, confidence)

    negate = isinstance(scoring, str) and scoring.startswith("neg_")
    shown = -mean_scores if negate else mean_scores
    summaries = ["overall"] if classifier else ["mean per task", "overall"]
    counts = np.bincount(task_index, minlength=task_labels.size)
    report = pd.DataFrame(
        {
            "n_samples": np.append(counts, [counts.sum()] * len(summaries)),
            **{name: shown[m] for m, name in enumerate(MODELS)},
            "best_baseline": np.asarray(BASELINES)[best],
            "gain": gain,
            "gain_low": low,
            "gain_high": high,
            "negative_transfer": high_vs_per_task < 0,
        },
        index=pd.Index([_plain(t) for t in task_labels] + summaries, name="task",
                       dtype=object),
    )
    metric = scoring[4:] if negate else scoring if isinstance(scoring, str) else repr(
        scoring)
    report.attrs.update(metric=metric, n_splits=len(splits), confidence=confidence)
    return report

