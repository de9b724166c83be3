"""Defaults that hold up out of the box (issue 12), on small generated data.

Each test fits an estimator with its DEFAULT hyper-parameters (only
``random_state`` and, for speed, nothing else is set) and compares it with the
baselines a user would have fitted instead. Where a default is known to fail
(benchmarks/results/bench_defaults.txt) there is no test here claiming it
passes; those gaps are recorded in the benchmark.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score

from sklearn_mtl import AMTFLClassifier, GoMTLRegressor
from sklearn_mtl.datasets import make_low_rank_tasks, make_sparse_text_tasks
from sklearn_mtl.model_selection import TaskStratifiedKFold, baseline_report

torch.set_num_threads(1)


def _split_sparse_text(random_state):
    X, y = make_sparse_text_tasks(n_tasks=3, n_samples_per_task=60, n_features=300,
                                  random_state=random_state)
    X = sp.csr_matrix(X)
    tasks = X[:, -1].toarray().ravel()
    train = np.random.RandomState(random_state).rand(y.size) < 0.6
    return X, y, tasks, train


def _mean_task_auc(y, scores, tasks):
    return np.mean([roc_auc_score(y[tasks == t], scores[tasks == t])
                    for t in np.unique(tasks)])


def test_amtfl_classifier_sparse_text_not_constant():
    """On unit-norm tf-idf rows the Glorot init gave pre-activations of ~0.03;
    every ReLU unit died and the scores were constant (AUC 0.5). With the
    data-scaled init every unit is alive at the end and the AUC is well above
    chance."""
    X, y, tasks, train = _split_sparse_text(0)
    clf = AMTFLClassifier(random_state=0, max_iter=200).fit(X[train], y[train])
    hidden = clf.shared_features(X[train])
    assert (hidden.std(axis=0) > 0).all()
    scores = clf.decision_function(X[~train])
    assert np.std(scores) > 0
    auc = _mean_task_auc(y[~train], scores, tasks[~train])

    per_task = np.empty(scores.size)
    for t in np.unique(tasks):
        rows = train & (tasks == t)
        model = LogisticRegressionCV(Cs=5, l1_ratios=(0.0,), scoring="neg_log_loss",
                                     use_legacy_attributes=False)
        model.fit(X[rows][:, :-1], y[rows])
        per_task[tasks[~train] == t] = model.decision_function(X[~train & (tasks == t)]
                                                               [:, :-1])
    reference = _mean_task_auc(y[~train], per_task, tasks[~train])
    assert auc > 0.6, auc
    # Not yet level with per-task logistic regression (see the benchmark); the
    # gap is bounded so that a regression of the fix is caught.
    assert auc > reference - 0.25, (auc, reference)


@pytest.mark.parametrize("estimator", [GoMTLRegressor(random_state=0)],
                         ids=["GoMTLRegressor"])
def test_defaults_beat_baselines_on_low_rank_tasks(estimator):
    """Tasks built on a shared low-rank basis: the defaults are within 2% RMSE
    of the better of the per-task and pooled models (in fact far better).
    AMTLRegressor() is not here: at this size (4 tasks x 20 rows) its defaults
    score 4.56 against per-task ridge's 3.33 (it passes on 20 tasks x 30, see
    benchmarks/results/bench_defaults.txt)."""
    X, y = make_low_rank_tasks(n_tasks=4, n_samples=20, n_features=10, random_state=0)
    cv = TaskStratifiedKFold(2, shuffle=True, random_state=0)
    report = baseline_report(estimator, X, y, cv=cv)
    row = report.loc["mean per task"]
    best = min(row["per_task"], row["pooled"], row["pooled_task_intercepts"])
    assert row["estimator"] <= 1.02 * best, row.to_dict()
