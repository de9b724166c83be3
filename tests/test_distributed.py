"""Model search on a dask cluster of worker processes, through joblib's dask backend.

The same code runs on a real cluster: only the ``Client`` address changes. The
estimators and their fitted models cross process boundaries by pickling, and
each worker runs torch on one thread (distributed's nanny sets
``OMP_NUM_THREADS=1`` before a worker starts, so torch does not oversubscribe).
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_mtl import DMTRLRegressor, GoMTLRegressor
from sklearn_mtl.datasets import make_low_rank_tasks

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed is not installed: pip install 'sklearn_mtl[distributed]'",
)
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=40,
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def _folds(X, n_splits=3):
    position = np.zeros(len(X), dtype=int)
    for task in np.unique(X[:, -1]):
        rows = np.flatnonzero(X[:, -1] == task)
        position[rows] = np.arange(rows.size) % n_splits
    return [(np.flatnonzero(position != k), np.flatnonzero(position == k))
            for k in range(n_splits)]


def _torch_threads():
    import torch

    return torch.get_num_threads()


def test_workers_run_torch_on_one_thread(client):
    threads = client.run(_torch_threads)
    assert len(threads) == 2
    assert set(threads.values()) == {1}


@pytest.mark.parametrize(
    "estimator, grid",
    [
        (GoMTLRegressor(n_latent=2, max_iter=50, random_state=0),
         {"sparsity": [0.1, 1.0], "basis_penalty": [0.1, 10.0]}),
        (DMTRLRegressor(hidden_layer_sizes=(4,), max_epochs=5, batch_size=-1, lr=3e-2,
                        random_state=0),
         {"factorisation": ["laf", "tucker"]}),
    ],
    ids=["GoMTLRegressor", "DMTRLRegressor"],
)
def test_grid_search_on_dask_equals_local(client, estimator, grid):
    """GridSearchCV under joblib's dask backend: the same scores as in-process."""
    X, y = make_low_rank_tasks(n_tasks=4, n_samples=24, n_features=5,
                               random_state=0)
    folds = _folds(X)
    local = GridSearchCV(clone(estimator), grid, cv=folds, n_jobs=1).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(clone(estimator), grid, cv=folds, n_jobs=-1).fit(X, y)
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"], rtol=1e-5)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.predict(X), local.predict(X), rtol=1e-5)
    # A model fitted on a worker comes back and predicts the same on the client.
    fitted = client.submit(lambda est: clone(est).fit(X, y), estimator).result()
    np.testing.assert_allclose(fitted.predict(X), clone(estimator).fit(X, y).predict(X),
                               rtol=1e-5)
