"""The cross-validated linear estimators: the search space's no-sharing limit, the
choice of sharing where tasks are related, cv_results_, refusals."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_mtl import (
    AMTFLRegressorCV,
    AMTLClassifierCV,
    AMTLRegressorCV,
    GoMTLClassifierCV,
    GoMTLRegressorCV,
)
from sklearn_mtl.datasets import make_low_rank_tasks
from sklearn_mtl.linear._cv import AMTL_NO_TRANSFER


def _unrelated_tasks(n_tasks=6, n_samples=40, n_features=6, seed=0):
    """Tasks with independent weights, and pairs with opposite weights."""
    rng = np.random.default_rng(seed)
    half = rng.standard_normal((n_tasks // 2, n_features)) * 2
    coef = np.vstack([half, -half])
    X = rng.standard_normal((n_tasks * n_samples, n_features))
    task = np.repeat(np.arange(n_tasks), n_samples)
    y = np.einsum("nd,nd->n", X, coef[task]) + 0.3 * rng.standard_normal(task.size)
    return np.column_stack([X, task]), y


_GOMTL = dict(sparsities=[1e-2, 1.0], basis_penalties=[1.0], cv=3, max_iter=20,
              random_state=0, estimator_params={"n_latent": 2})


def test_gomtl_falls_back_to_single_task_on_unrelated_tasks():
    # Six unrelated tasks cannot share two bases: the per-task models win.
    X, y = _unrelated_tasks()
    est = GoMTLRegressorCV(**_GOMTL).fit(X, y)
    assert est.single_task_chosen_
    assert est.best_params_ == {"single_task": True}
    assert est.sparsity_ is None
    assert type(est.best_estimator_).__name__ == "_SingleTaskRegressor"
    assert est.score(X, y) > 0.9


def test_gomtl_chooses_sharing_on_related_tasks():
    # Fewer rows per task than features: only the shared basis can learn them.
    X, y = make_low_rank_tasks(n_tasks=8, n_samples=12, n_features=15, n_bases=2,
                               groups="disjoint", random_state=0)
    est = GoMTLRegressorCV(**_GOMTL).fit(X, y)
    assert not est.single_task_chosen_
    assert est.sparsity_ in (1e-2, 1.0)
    single = est.cv_results_["mean_test_score"][-1]
    assert est.best_score_ > single + 0.05


def test_amtl_chooses_no_transfer_on_opposite_tasks():
    # A reconstruction penalty strong enough to matter: transfer between unrelated
    # or opposite tasks biases them, so the search must end at no sharing.
    X, y = _unrelated_tasks(n_samples=30)
    est = AMTLRegressorCV(transfer_strengths=[0.5], transfer_sparsities=[0.01, 0.1],
                          cv=3, max_iter=5).fit(X, y)
    no_sharing = est.single_task_chosen_ or est.transfer_sparsity_ == AMTL_NO_TRANSFER
    assert no_sharing, est.best_params_
    if not est.single_task_chosen_:
        assert np.all(est.best_estimator_.transfer_matrix_ == 0)


def test_cv_results_shape_and_ranks():
    X, y = make_low_rank_tasks(n_tasks=4, n_samples=20, n_features=5, random_state=0)
    est = AMTLRegressorCV(transfer_strengths=[1e-2, 1e-1, 1.0],
                          transfer_sparsities=[0.1, 1.0], cv=2, max_iter=3).fit(X, y)
    results = est.cv_results_
    n_candidates = 3 * 2 + 1  # the grid and the no-sharing candidate
    assert len(results["params"]) == n_candidates
    for key in ("mean_test_score", "std_test_score", "rank_test_score",
                "split0_test_score", "split1_test_score", "mean_fit_time"):
        assert results[key].shape == (n_candidates,)
    assert "split2_test_score" not in results
    assert results["param_transfer_strength"].mask[-1]
    assert not results["param_single_task"].mask[-1]
    assert results["rank_test_score"][est.best_index_] == 1
    assert est.best_score_ == pytest.approx(results["mean_test_score"].max())
    # The path runs over the main penalty for each value of the other.
    assert [p.get("transfer_strength") for p in results["params"][:3]] == [1e-2, 1e-1, 1.0]
    assert est.n_splits_ == 2
    assert est.per_task_score(X, y).keys() == set(range(4))


def test_classifier_classes_proba_and_tasks_route():
    X, y = make_low_rank_tasks(n_tasks=4, n_samples=30, n_features=5, random_state=0)
    labels = np.where(y > 0, "yes", "no")
    est = AMTLClassifierCV(transfer_strengths=[0.1], transfer_sparsities=[1.0], cv=2,
                           max_iter=3, task_column=None, single_task=False)
    est.fit(X[:, :-1], labels, tasks=X[:, -1].astype(int))
    assert list(est.classes_) == ["no", "yes"]
    proba = est.predict_proba(X[:, :-1], tasks=X[:, -1].astype(int))
    assert proba.shape == (X.shape[0], 2)
    assert set(est.predict(X[:, :-1], tasks=X[:, -1].astype(int))) <= {"no", "yes"}
    assert est.best_score_ < 0  # a mean log-likelihood
    with pytest.raises(ValueError, match="tasks="):
        est.predict(X)
    scored = clone(est).set_params(scoring="roc_auc").fit(
        X[:, :-1], labels, tasks=X[:, -1].astype(int))
    assert 0.5 < scored.best_score_ <= 1


@pytest.mark.parametrize("params, message", [
    (dict(sparsities=[]), "sparsities must be a non-empty 1-D list of numbers; got []."),
    (dict(sparsities=[1.0, -1.0]),
     "sparsities must hold non-negative numbers; got [1.0, -1.0]."),
    (dict(basis_penalties=[np.nan]), "basis_penalties must hold finite numbers; got [nan]."),
    (dict(sparsities=[[1.0]]),
     "sparsities must be a non-empty 1-D list of numbers; got [[1.0]]."),
    (dict(estimator_params={"sparsity": 1.0}),
     "estimator_params has 'sparsity', which GoMTLClassifierCV sets itself"),
    (dict(estimator_params={"alpha": 1.0}),
     "estimator_params has 'alpha', which is not a parameter of GoMTLClassifier"),
])
def test_refuses_bad_grids(params, message):
    X, y = make_low_rank_tasks(n_tasks=3, n_samples=10, n_features=4, random_state=0)
    with pytest.raises(ValueError, match=_literal(message)):
        GoMTLClassifierCV(cv=2, **params).fit(X, y > 0)


def test_amtl_refuses_zero_transfer_strength():
    X, y = make_low_rank_tasks(n_tasks=3, n_samples=10, n_features=4, random_state=0)
    with pytest.raises(ValueError, match=_literal(
            "transfer_strengths must hold positive numbers; got [0.0, 1.0].")):
        AMTLRegressorCV(transfer_strengths=[0.0, 1.0]).fit(X, y)


def test_amtfl_default_grid_contains_mt_nn_and_single_task():
    X, y = make_low_rank_tasks(n_tasks=3, n_samples=12, n_features=4, random_state=0)
    est = AMTFLRegressorCV(sparsities=[1e-3], cv=2, max_iter=10, random_state=0,
                           estimator_params={"n_latent": 3}).fit(X, y)
    params = est.cv_results_["params"]
    assert [p.get("transfer_strength") for p in params] == [0.0, 0.1, 1.0, None]
    assert params[-1] == {"single_task": True}


def _literal(message):
    import re

    return re.escape(message)
