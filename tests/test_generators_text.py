"""make_sparse_text_tasks: sparse tf-idf-like binary tasks in long form."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from sklearn_mtl.datasets import make_sparse_text_tasks
from sklearn_mtl.model_selection import TaskStratifiedKFold
from sklearn_mtl.utils import validate_task_data


@pytest.mark.parametrize("density, n_features", [(0.005, 2000), (0.05, 400), (0.3, 50)])
def test_shape_density_and_labels_are_as_asked(density, n_features):
    X, y = make_sparse_text_tasks(n_tasks=3, n_samples_per_task=[60, 80, 100],
                                  n_features=n_features, density=density,
                                  random_state=0)
    assert sp.issparse(X) and X.format == "csr"
    assert X.shape == (240, n_features + 1) and y.shape == (240,)
    features, task = X[:, :-1], X[:, -1].toarray().ravel()
    assert abs(features.nnz / (240 * n_features) - density) < 0.15 * density
    assert features.min() == 0 and features.data.min() > 0  # nonnegative, no stored 0
    np.testing.assert_allclose(sp.linalg.norm(features, axis=1), 1.0)  # tf-idf rows
    assert np.array_equal(np.bincount(task.astype(int)), [60, 80, 100])
    assert y.dtype.kind == "i" and set(np.unique(y)) == {0, 1}
    for t, n in enumerate([60, 80, 100]):
        assert y[task == t].sum() == n // 2  # balanced within each task


def test_word_frequencies_are_zipf_like_and_runs_reproducible():
    X, y, truth = make_sparse_text_tasks(n_tasks=2, n_samples_per_task=400,
                                         n_features=1000, return_structure=True,
                                         random_state=0)
    document_frequency = np.bincount(X[:, :-1].indices, minlength=1000)
    order = np.argsort(-truth.word_probability)
    # The most frequent tenth of the vocabulary carries most of the words, and
    # the frequency falls with the Zipf rank.
    assert document_frequency[order[:100]].sum() > 0.5 * document_frequency.sum()
    assert document_frequency[order[:10]].mean() > 5 * document_frequency[order[100:200]].mean()
    assert truth.coef.shape == (2, 1000)
    assert np.count_nonzero(truth.shared_coef) == 50

    X2, y2 = make_sparse_text_tasks(n_tasks=2, n_samples_per_task=400, n_features=1000,
                                    random_state=0)
    assert (X != X2).nnz == 0 and np.array_equal(y, y2)
    dense, y3 = make_sparse_text_tasks(n_tasks=2, n_samples_per_task=400,
                                       n_features=1000, return_sparse=False,
                                       random_state=0)
    assert isinstance(dense, np.ndarray)
    np.testing.assert_array_equal(dense, X.toarray())
    assert np.array_equal(y, y3)


def test_task_similarity_sets_how_much_the_weights_share():
    def coef(similarity):
        return make_sparse_text_tasks(n_tasks=3, n_features=300, task_similarity=similarity,
                                      return_structure=True, random_state=0)[2]

    same = coef(1.0)
    assert np.allclose(same.coef, same.shared_coef)
    apart = coef(0.0)
    correlation = np.corrcoef(apart.coef)[np.triu_indices(3, 1)]
    assert np.all(np.abs(correlation) < 0.3)


def test_per_task_logistic_regression_beats_chance():
    X, y = make_sparse_text_tasks(random_state=0)
    features, task = X[:, :-1], X[:, -1].toarray().ravel()
    aucs = {t: [] for t in range(4)}
    for train, test in TaskStratifiedKFold(3, random_state=0).split(X):
        for t in range(4):
            fit_rows, test_rows = train[task[train] == t], test[task[test] == t]
            model = LogisticRegression(C=10).fit(features[fit_rows], y[fit_rows])
            aucs[t].append(roc_auc_score(y[test_rows],
                                         model.decision_function(features[test_rows])))
    mean_auc = {t: np.mean(v) for t, v in aucs.items()}
    assert min(mean_auc.values()) > 0.65, mean_auc


class _Holder(BaseEstimator):
    def __init__(self, task_column=-1):
        self.task_column = task_column


def test_validate_task_data_splits_the_sparse_task_column():
    X, y = make_sparse_text_tasks(n_tasks=3, n_samples_per_task=20, n_features=100,
                                  density=0.05, random_state=0)
    holder = _Holder()
    features, task_index, y_checked = validate_task_data(holder, X, y, reset=True,
                                                         accept_sparse="csr")
    assert sp.issparse(features) and features.shape == (60, 100)
    assert (features != X[:, :-1]).nnz == 0
    np.testing.assert_array_equal(task_index, X[:, -1].toarray().ravel())
    np.testing.assert_array_equal(holder.tasks_, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(y_checked, y)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="n_informative=60 must not exceed n_features=50"):
        make_sparse_text_tasks(n_features=50, n_informative=60)
    with pytest.raises(ValueError, match="density"):
        make_sparse_text_tasks(density=0.0)
    with pytest.raises(ValueError, match="task_similarity"):
        make_sparse_text_tasks(task_similarity=1.5)
