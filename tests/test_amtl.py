"""AMTL: the estimator contract, the learned transfer direction, negative transfer,
the exactness of the two block solvers, errors, plotting and the data generator."""

import pickle
import re
import sys

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from threadpoolctl import threadpool_limits

from sklearn_mtl import GoMTLRegressor, TaskAwareScaler
from sklearn_mtl._plotting import plot_transfer_matrix
from sklearn_mtl.datasets import load_school, make_asymmetric_tasks
from sklearn_mtl.linear import _amtl
from sklearn_mtl.linear._amtl import (
    AMTLClassifier,
    AMTLRegressor,
    _LogisticLoss,
    _SquaredLoss,
    transfer_step,
)
from sklearn_mtl.linear._solvers import DTYPE, TaskBlocks

torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    # Two OpenBLAS threads on 2 busy cores made a 390 x 390 eigh take 5 s, not 0.03.
    with threadpool_limits(1):
        yield


# --- data and baselines of the acceptance experiments ------------------------------

# Spec AT1 ("twin tasks"): 6 easy tasks and 6 hard twins sharing their weights,
# 60 rows each, d=30, noise 1 (easy) and 4 (hard); AMTL with lambda=0.1, mu=1.
TWINS = dict(n_reliable=6, n_unreliable=6, n_samples_reliable=60, n_samples_unreliable=60,
             n_features=30, noise_reliable=1.0, noise_unreliable=4.0,
             parent_weight_range=(1.0, 1.0))
# The setting: easy tasks have many clean rows, hard tasks few noisy ones
# (still more rows than features), each hard task a scaled copy of an easy one.
IMBALANCED = dict(n_reliable=6, n_unreliable=6, n_samples_reliable=100,
                  n_samples_unreliable=30, n_features=20, noise_reliable=1.0,
                  noise_unreliable=4.0)
# Spec AT3: equal noise, but the poor twins have fewer rows (10) than features (30).
INTERPOLATING = dict(n_reliable=6, n_unreliable=6, n_samples_reliable=200,
                     n_samples_unreliable=10, n_features=30, noise_reliable=2.0,
                     noise_unreliable=2.0, parent_weight_range=(1.0, 1.0))
SEEDS = range(5)


def _population_rmse(coef, intercept, truth):
    """Per-task test RMSE for fresh rows: x ~ N(0, I) makes it exact, no test set."""
    excess = ((coef - truth.coef) ** 2).sum(1) + intercept**2
    return np.sqrt(excess + truth.noise**2)


def _per_task_ridge(X, y):
    tasks = np.unique(X[:, -1])
    coef, intercept = np.empty((tasks.size, X.shape[1] - 1)), np.empty(tasks.size)
    for t, task in enumerate(tasks):
        rows = X[:, -1] == task
        model = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X[rows, :-1], y[rows])
        coef[t], intercept[t] = model.coef_, model.intercept_
    return coef, intercept


def _mean_regularised(X, y):
    """Evgeniou & Pontil's regularised MTL, w_t = w_0 + v_t with one ridge penalty on
    w_0 and every v_t, its strength chosen by generalised cross-validation (as
    RidgeCV does): a symmetric baseline."""
    task = X[:, -1].astype(int)
    n_tasks, d = task.max() + 1, X.shape[1] - 1
    design = np.zeros((X.shape[0], d * (n_tasks + 1)))
    design[:, :d] = X[:, :-1]
    design[np.arange(X.shape[0])[:, None], d * (task + 1)[:, None] + np.arange(d)] = X[:, :-1]
    centred_y = y.astype(float).copy()
    for t in range(n_tasks):
        rows = task == t
        design[rows] -= design[rows].mean(0)
        centred_y[rows] -= y[rows].mean()
    evals, evecs = np.linalg.eigh(design.T @ design)
    evals = np.clip(evals, 0, None)
    projected = evecs.T @ (design.T @ centred_y)
    best = None
    for alpha in np.logspace(-3, 3, 13):
        solution = evecs @ (projected / (evals + alpha))
        dof = (evals / (evals + alpha)).sum()
        gcv = ((centred_y - design @ solution) ** 2).sum() / (X.shape[0] - dof) ** 2
        if best is None or gcv < best[0]:
            best = (gcv, solution)
    solution = best[1]
    coef = solution[:d] + solution[d:].reshape(n_tasks, d)
    intercept = np.array([y[task == t].mean() - X[task == t, :-1].mean(0) @ coef[t]
                          for t in range(n_tasks)])
    return coef, intercept


# --- structure: transfer flows from easy to hard tasks -----------------------------


def test_transfer_flows_from_easy_to_hard_tasks():
    """Easy tasks: 100 rows, noise 1; hard tasks: 30 rows, noise 4; d=20; defaults.

    Measured over seeds 0-4 when written: mean outgoing transfer of the easy tasks
    0.27-0.84 per seed, of the hard tasks 0-0.11; the ratio of the seed means is
    21.4 and the smallest per-seed ratio 7.4 (seeds 5-9: 23.3 and 11.0). The test
    asks for 5 and 3.
    """
    easy, hard = [], []
    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **IMBALANCED)
        est = AMTLRegressor().fit(X, y)
        easy.append(est.outgoing_transfer_[truth.reliable].mean())
        hard.append(est.outgoing_transfer_[~truth.reliable].mean())
        assert easy[-1] >= 3 * hard[-1], (seed, easy[-1], hard[-1])
    assert np.mean(easy) >= 5 * np.mean(hard), (easy, hard)


def test_twin_transfer_direction_and_its_control():
    """Spec AT1 (i), (ii), (v) on seeds 0-4.

    Measured when written: mean B[easy j, its twin] 0.917 against B[twin, j] 0.017
    (spec pilot 0.915 vs 0.034); with mu = 1e-6 (no loss weighting) 1.07 against
    0.79, a ratio of 1.35 (spec: below 2).
    """
    weighted, control = [], []
    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **TWINS)
        twins = truth.transfer > 0
        for mu, store in [(1.0, weighted), (1e-6, control)]:
            est = AMTLRegressor(transfer_strength=0.1, transfer_sparsity=mu).fit(X, y)
            B = est.transfer_matrix_
            store.append((B[twins].mean(), B[twins.T].mean()))
            assert (B >= 0).all() and np.all(np.diag(B) == 0)
    forward, backward = np.mean(weighted, axis=0)
    assert forward >= 5 * backward, (forward, backward)
    forward, backward = np.mean(control, axis=0)
    assert forward < 2 * backward, (forward, backward)


def test_sample_size_penalty_corrects_interpolating_tasks():
    """Spec AT3: poor twins with fewer rows than features fit their rows exactly, so
    their training loss looks reliable and, without the sample-size term, transfer
    runs the wrong way; delta / sqrt(N_t) turns it back.

    Without the term the fit degenerates: the interpolating tasks have zero loss,
    so they are free sources, and the alternation keeps growing B while shrinking
    their weights (the objective still decreases, slowly); the test stops it after
    10 alternations, by when the direction is settled.

    Measured on seeds 0-4 when written: delta=0: rich->poor 0.023, poor->rich
    1.07; delta=20 (mu=0.1): rich->poor 0.954, poor->rich 0.826 (spec pilot: 0.88,
    0.74). The correction is mild: on seeds 5-9, 0.924 against 0.817 on average,
    and seed 7 alone has 0.720 against 0.764, so only the direction of the seed
    average is gated (the spec records it without gating).
    """
    plain, corrected = [], []
    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **INTERPOLATING)
        twins = truth.transfer > 0
        B = AMTLRegressor(transfer_strength=0.1, transfer_sparsity=1.0,
                          max_iter=10).fit(X, y).transfer_matrix_
        plain.append((B[twins].mean(), B[twins.T].mean()))
        B = AMTLRegressor(transfer_strength=0.1, transfer_sparsity=0.1,
                          sample_size_penalty=20.0).fit(X, y).transfer_matrix_
        corrected.append((B[twins].mean(), B[twins.T].mean()))
    forward, backward = np.mean(plain, axis=0)
    assert forward < 0.1 * backward, (forward, backward)
    forward, backward = np.mean(corrected, axis=0)
    assert forward > backward, (forward, backward)


# --- no negative transfer ------------------------------------------------------------


def test_easy_tasks_suffer_no_negative_transfer():
    """Spec AT1 data, seeds 0-4; per-task population RMSE (exact for x ~ N(0, I)).

    Measured when written (mean over seeds, easy / hard tasks):

    ============================================ ===== =====
    AMTL, spec values (lambda=0.1, mu=1)          1.391 5.100
    AMTL, lambda=0.3, mu=3                        1.439 4.683
    per-task RidgeCV                              1.459 5.114
    GoMTL (n_latent=6, the true rank)             1.996 4.700
    mean-regularised MTL                          1.833 5.069
    AMTL, spec values, transfer off (B = 0)       1.641 5.144
    ============================================ ===== =====

    At the spec's values the easy tasks are protected but the hard tasks only tie
    with RidgeCV. lambda=0.3, mu=3 was selected on seeds 0-4 from the grid lambda
    in {0.1, 0.3, 1, 3} x mu in {1, 3, 10, 30} as the setting with the lowest
    hard-task RMSE whose easy tasks stay within 5% of RidgeCV, and held out on
    seeds 5-9 (benchmarks/bench_amtl_synthetic.py): easy 1.468 vs 1.435 (1.02x),
    hard 4.719 vs RidgeCV 5.154 and mean-regularised 5.095. The symmetric models
    pay for their hard-task gains on the easy tasks (GoMTL 1.37x, mean-regularised
    1.26x); AMTL's come with easy tasks no worse than per-task models.
    """
    scores = {name: [] for name in
              ["amtl", "selected", "stl", "gomtl", "mean_reg", "no_transfer"]}
    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **TWINS)
        amtl = AMTLRegressor(transfer_strength=0.1, transfer_sparsity=1.0).fit(X, y)
        selected = AMTLRegressor(transfer_strength=0.3, transfer_sparsity=3.0).fit(X, y)
        no_transfer = AMTLRegressor(transfer_strength=0.1, transfer_sparsity=1e9).fit(X, y)
        assert np.all(no_transfer.transfer_matrix_ == 0)
        gomtl = GoMTLRegressor(n_latent=6, random_state=0).fit(X, y)
        fits = {"amtl": (amtl.coef_, amtl.intercept_),
                "selected": (selected.coef_, selected.intercept_),
                "stl": _per_task_ridge(X, y),
                "gomtl": (gomtl.coef_, gomtl.intercept_),
                "mean_reg": _mean_regularised(X, y),
                "no_transfer": (no_transfer.coef_, no_transfer.intercept_)}
        for name, (coef, intercept) in fits.items():
            rmse = _population_rmse(coef, intercept, truth)
            scores[name].append((rmse[truth.reliable].mean(), rmse[~truth.reliable].mean()))
    easy = {name: np.mean(values, axis=0)[0] for name, values in scores.items()}
    hard = {name: np.mean(values, axis=0)[1] for name, values in scores.items()}
    for name in ["amtl", "selected"]:
        assert easy[name] <= 1.05 * easy["stl"], (name, easy)
        assert easy[name] < 0.85 * easy["gomtl"], (name, easy)
        assert easy[name] < 0.85 * easy["mean_reg"], (name, easy)
    assert hard["selected"] < 0.95 * hard["stl"], hard
    assert hard["selected"] < 0.95 * hard["mean_reg"], hard
    # The transfer itself helps both groups against the same penalty without it.
    assert easy["amtl"] < 0.9 * easy["no_transfer"], easy
    assert hard["amtl"] < hard["no_transfer"], hard


def test_hard_tasks_gain_with_cross_validated_transfer_strength():
    """Spec AT1 data, seeds 0-4, lambda chosen by 3-fold CV (MSE) from {0.1, 0.3, 1},
    mu=1, as RidgeCV chooses its alpha.

    Measured when written (hard-task mean population RMSE): AMTL 4.65, per-task
    RidgeCV 5.11, mean-regularised MTL 5.07, GoMTL with the true rank 4.70 (not
    asserted: a tie); seeds 5-9: 4.68, 5.15, 5.10. The price, not asserted, is on
    the easy tasks: CV (on the pooled MSE, which the noisy hard tasks dominate)
    picks lambda=1 on every seed and their RMSE rises to 1.64 against RidgeCV's
    1.46 (seeds 5-9: 1.71 against 1.44), because
    lambda ||W - W B||^2 is also a ridge penalty on every task nothing
    reconstructs. The test asks AMTL's hard tasks to beat both baselines by 5%.
    """
    amtl, stl, mean_reg = [], [], []
    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **TWINS)
        search = GridSearchCV(AMTLRegressor(transfer_sparsity=1.0),
                              {"transfer_strength": [0.1, 0.3, 1.0]},
                              cv=KFold(3, shuffle=True, random_state=0),
                              scoring="neg_mean_squared_error").fit(X, y)
        best = search.best_estimator_
        hard = ~truth.reliable
        amtl.append(_population_rmse(best.coef_, best.intercept_, truth)[hard].mean())
        stl.append(_population_rmse(*_per_task_ridge(X, y), truth)[hard].mean())
        mean_reg.append(_population_rmse(*_mean_regularised(X, y), truth)[hard].mean())
    assert np.mean(amtl) < 0.95 * np.mean(stl), (amtl, stl)
    assert np.mean(amtl) < 0.95 * np.mean(mean_reg), (amtl, mean_reg)


# --- real data -------------------------------------------------------------------------


def test_school_beats_per_task_ridge(school_path):
    """Split 0 of benchmarks/bench_amtl_real.py (75/25 within every school, features
    standardised per task on the training part) at lambda=1, mu=1, the point that
    3-fold CV on this split's training part ranked first (bench_amtl_narrow.txt).

    Measured when written: test RMSE 10.2512 against per-task RidgeCV's 10.4846.
    Over the benchmark's 10 splits (CV-chosen hyper-parameters): 10.438 against
    10.498, AMTL better on 7/10.
    """
    X, y = load_school(path=school_path, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=X[:, -1], random_state=0)
    scaler = TaskAwareScaler().fit(X_train)
    S_train, S_test = scaler.transform(X_train), scaler.transform(X_test)
    amtl = AMTLRegressor(transfer_strength=1.0, transfer_sparsity=1.0).fit(S_train, y_train)
    assert amtl.outgoing_transfer_.sum() > 0
    coef, intercept = _per_task_ridge(S_train, y_train)
    task = S_test[:, -1].astype(int)
    stl = np.einsum("nd,nd->n", S_test[:, :-1], coef[task]) + intercept[task]

    def rmse(prediction):
        return np.sqrt(np.mean((prediction - y_test) ** 2))

    assert rmse(amtl.predict(S_test)) < rmse(stl) - 0.1


# --- the two block solvers are exact --------------------------------------------------


@pytest.mark.parametrize("positive", [True, False])
def test_transfer_step_satisfies_its_optimality_conditions(positive):
    """KKT of every column's weighted lasso: g_s = 2 lambda w_s.(W b - w_t) + mu l_s."""
    rng = np.random.RandomState(0)
    coef = torch.as_tensor(rng.standard_normal((7, 5)), dtype=DTYPE)
    losses = torch.as_tensor(rng.uniform(0.1, 3.0, 7), dtype=DTYPE)
    mu, lam = 0.7, 0.5
    B = transfer_step(coef, losses, mu, lam, positive=positive, max_iter=20000,
                      tol=1e-11).numpy()
    W, ell = coef.numpy(), losses.numpy()
    assert np.all(np.diag(B) == 0)
    assert (B >= 0).all() if positive else (B < 0).any()
    assert (B > 1e-6).sum() >= 3  # the problem is not trivially solved by B = 0
    smooth_grad = 2 * lam * W @ (W.T @ B - W.T)  # [s, t]: 2 lambda w_s.(W b_t - w_t)
    off = ~np.eye(7, dtype=bool)
    active = (np.abs(B) > 1e-10) & off
    signs = np.sign(B) if not positive else np.ones_like(B)
    np.testing.assert_allclose((smooth_grad + mu * ell[:, None] * signs)[active], 0,
                               atol=1e-7)
    inactive = ~active & off
    if positive:
        assert np.all((smooth_grad + mu * ell[:, None])[inactive] >= -1e-7)
    else:
        bound = np.broadcast_to(mu * ell[:, None], B.shape)
        assert np.all(np.abs(smooth_grad[inactive]) <= bound[inactive] + 1e-7)


def test_transfer_step_prefers_the_reliable_source():
    """w_3 = w_1 = w_2 exactly; task 1 reliable (loss 0.1), task 2 not (loss 10):
    task 3 is reconstructed from task 1 only."""
    w = np.random.RandomState(1).standard_normal(6)
    coef = torch.as_tensor(np.stack([w, w, w]), dtype=DTYPE)
    losses = torch.as_tensor([0.1, 10.0, 1.0], dtype=DTYPE)
    B = transfer_step(coef, losses, 1.0, 1.0).numpy()
    assert B[0, 2] > 0.9 and B[1, 2] == 0


def _weight_step_gradient(loss_class, y):
    rng = np.random.RandomState(2)
    task = np.repeat(np.arange(4), [30, 20, 25, 40])
    features = rng.standard_normal((task.size, 3))
    blocks = TaskBlocks(features, task, y(rng, task.size), 4, torch.device("cpu"))
    loss = loss_class(blocks)
    B = torch.as_tensor(np.abs(rng.standard_normal((4, 4))) * (1 - np.eye(4)), dtype=DTYPE)
    weights = 1.0 + torch.rand(4, dtype=DTYPE)
    residual = torch.eye(4, dtype=DTYPE) - B
    coef, intercepts = loss.weight_step(torch.zeros(4, 3, dtype=DTYPE),
                                        torch.zeros(4, dtype=DTYPE), weights,
                                        residual @ residual.T, 0.3)
    coef, intercepts = coef.clone().requires_grad_(), intercepts.clone().requires_grad_()
    value = ((weights * loss.task_losses(coef, intercepts)).sum()
             + 0.3 * ((residual.T @ coef) ** 2).sum())
    value.backward()
    return coef.grad, intercepts.grad if loss_class is _LogisticLoss else None


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "conjugate_gradient"])
def test_weight_steps_reach_a_stationary_point(direct, monkeypatch):
    """Spec AT2: the gradient of the W-step objective vanishes at the returned W,
    whether the coupled system is solved directly (small) or by CG (large)."""
    if not direct:
        monkeypatch.setattr(_amtl, "_DIRECT_SOLVE_SIZE", 0)
    grad, _ = _weight_step_gradient(_SquaredLoss, lambda rng, n: rng.standard_normal(n))
    assert grad.abs().max() < 1e-7
    grad, intercept_grad = _weight_step_gradient(
        _LogisticLoss, lambda rng, n: (rng.uniform(size=n) > 0.5).astype(float))
    assert grad.abs().max() < 1e-7 and intercept_grad.abs().max() < 1e-7


@pytest.mark.parametrize("Estimator, params", [(AMTLRegressor, {"transfer_strength": 0.3}),
                                               (AMTLClassifier, {"transfer_sparsity": 0.1})])
def test_objective_never_increases(Estimator, params):
    X, y = make_asymmetric_tasks(random_state=1, **IMBALANCED)
    y = y if Estimator is AMTLRegressor else y > 0
    est = Estimator(max_iter=15, tol=0, **params).fit(X, y)
    path = np.asarray(est.objective_path_)
    assert est.n_iter_ == 15 and path.size == 16
    assert np.all(np.diff(path) <= 1e-10 * np.abs(path[:-1])), np.diff(path).max()
    assert path[-1] < path[0]


# --- fitted attributes, API ---------------------------------------------------------


def test_fitted_attributes_are_consistent():
    X, y = make_asymmetric_tasks(n_reliable=3, n_unreliable=3, random_state=0)
    est = AMTLRegressor().fit(X, y)
    B = est.transfer_matrix_
    assert B.shape == (6, 6) and est.coef_.shape == (6, 20)
    assert (B >= 0).all() and np.all(np.diag(B) == 0)
    np.testing.assert_allclose(est.outgoing_transfer_, B.sum(1))
    np.testing.assert_allclose(est.incoming_transfer_, B.sum(0))
    np.testing.assert_allclose(est.loss_weights_, 1 + est.transfer_sparsity * B.sum(1))
    residual = y - est.predict(X)
    task = X[:, -1].astype(int)
    np.testing.assert_allclose(est.task_losses_,
                               np.bincount(task, residual**2) / np.bincount(task))
    row = X[:1]
    t = int(row[0, -1])
    np.testing.assert_allclose(est.predict(row), [row[0, :-1] @ est.coef_[t]
                                                  + est.intercept_[t]])
    edges = est.transfer_graph(threshold=0.05)
    assert edges and all(w > 0.05 for _, _, w in edges)
    assert edges[0] == (*np.unravel_index(B.argmax(), B.shape), B.max())


def test_unconstrained_transfer_can_be_negative():
    """A hard task whose weights are minus an easy task's: positive=False finds the
    negative edge, the default non-negative B cannot."""
    X, y, truth = make_asymmetric_tasks(n_reliable=2, n_unreliable=1,
                                        return_structure=True, random_state=0)
    hard = X[:, -1] == 2
    y = y.copy()
    y[hard] = -(X[hard, :-1] @ truth.coef[2]) + (y[hard] - X[hard, :-1] @ truth.coef[2])
    free = AMTLRegressor(positive=False).fit(X, y).transfer_matrix_
    nonneg = AMTLRegressor().fit(X, y).transfer_matrix_
    assert free[0, 2] < -0.3 and nonneg[0, 2] == 0


def test_sample_size_penalty_enters_task_losses():
    X, y = make_asymmetric_tasks(n_reliable=2, n_unreliable=2, random_state=0)
    plain = AMTLRegressor(transfer_sparsity=1e9).fit(X, y)
    penalised = AMTLRegressor(transfer_sparsity=1e9, sample_size_penalty=5.0).fit(X, y)
    counts = np.bincount(X[:, -1].astype(int))
    np.testing.assert_allclose(penalised.task_losses_,
                               plain.task_losses_ + 5.0 / np.sqrt(counts))


@pytest.mark.parametrize("Estimator", [AMTLRegressor, AMTLClassifier])
def test_sparse_input_gives_the_dense_fit(Estimator):
    X, y = make_asymmetric_tasks(n_reliable=3, n_unreliable=2, random_state=0)
    X[:, :10][np.abs(X[:, :10]) < 0.5] = 0.0
    y = y if Estimator is AMTLRegressor else y > 0
    dense = Estimator().fit(X, y)
    sparse = Estimator().fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sparse.transfer_matrix_, dense.transfer_matrix_,
                               rtol=1e-6, atol=1e-8)


def test_grid_search_with_r2_scoring():
    X, y = make_asymmetric_tasks(n_reliable=3, n_unreliable=3, random_state=0)
    search = GridSearchCV(AMTLRegressor(),
                          {"transfer_strength": [0.1, 1.0], "transfer_sparsity": [0.1, 1.0]},
                          scoring="r2", cv=3).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_score_ > 0.5


@pytest.mark.parametrize("Estimator", [AMTLRegressor, AMTLClassifier])
def test_pickle_round_trip_and_reproducibility(Estimator):
    X, y = make_asymmetric_tasks(n_reliable=3, n_unreliable=3, random_state=0)
    y = y if Estimator is AMTLRegressor else y > 0
    est = Estimator(random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    np.testing.assert_array_equal(restored.transfer_matrix_, est.transfer_matrix_)
    # The solver is deterministic: random_state has nothing to seed.
    again = Estimator(random_state=123).fit(X, y)
    np.testing.assert_array_equal(again.coef_, est.coef_)
    np.testing.assert_array_equal(again.transfer_matrix_, est.transfer_matrix_)


def test_classifier_per_task_labels_and_transfer():
    X, y = make_asymmetric_tasks(n_reliable=3, n_unreliable=3, n_samples_unreliable=60,
                                 random_state=0)
    labels = np.where(y > 0, "yes", "no").astype(object)
    last = X[:, -1] == 5
    labels[last] = np.where(y[last] > 0, "spam", "ham")
    clf = AMTLClassifier(transfer_sparsity=0.1).fit(X, labels)
    assert [list(c) for c in clf.classes_] == [["no", "yes"]] * 5 + [["ham", "spam"]]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert set(clf.predict(X)[last]) <= {"ham", "spam"}
    assert clf.score(X, labels) > 0.8
    B = clf.transfer_matrix_
    assert (B >= 0).all() and np.all(np.diag(B) == 0) and B.sum() > 0


# --- errors ------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ({"transfer_sparsity": -1.0}, "The 'transfer_sparsity' parameter of AMTLRegressor must be a float in "
                         "the range [0.0, inf). Got -1.0 instead."),
    ({"transfer_sparsity": np.nan}, "The 'transfer_sparsity' parameter of AMTLRegressor must be a float "
                           "in the range [0.0, inf). Got nan instead."),
    ({"transfer_sparsity": np.inf}, "The 'transfer_sparsity' parameter of AMTLRegressor must be a float "
                           "in the range [0.0, inf). Got inf instead."),
    ({"transfer_strength": -0.5}, "The 'transfer_strength' parameter of AMTLRegressor "
                                  "must be a float in the range (0.0, inf). Got -0.5 "
                                  "instead."),
    ({"transfer_strength": 0.0}, "The 'transfer_strength' parameter of AMTLRegressor "
                                 "must be a float in the range (0.0, inf). Got 0.0 "
                                 "instead."),
    ({"transfer_strength": np.inf}, "The 'transfer_strength' parameter of AMTLRegressor "
                                    "must be a float in the range (0.0, inf). Got inf "
                                    "instead."),
    ({"sample_size_penalty": -2}, "The 'sample_size_penalty' parameter of AMTLRegressor "
                                  "must be a float in the range [0.0, inf). Got -2 "
                                  "instead."),
    ({"init_penalty": 0.0}, "The 'init_penalty' parameter of AMTLRegressor must be a "
                            "str among {'auto'} or a float in the range (0.0, inf). Got "
                            "0.0 instead."),
    ({"positive": "yes"}, "The 'positive' parameter of AMTLRegressor must be an "
                          "instance of 'bool' or an instance of 'numpy.bool'. Got 'yes' "
                          "instead."),
]


@pytest.mark.parametrize("params, message", BAD_PARAMETERS,
                         ids=[next(iter(p)) + "=" + str(next(iter(p.values())))
                              for p, _ in BAD_PARAMETERS])
def test_invalid_hyper_parameters_are_named(params, message):
    X, y = make_asymmetric_tasks(n_reliable=2, n_unreliable=1, random_state=0)
    with pytest.raises(ValueError, match=re.escape(message)):
        AMTLRegressor(**params).fit(X, y)


def test_bad_input_messages():
    X, y = make_asymmetric_tasks(n_reliable=2, n_unreliable=1, random_state=0)
    X_nan = X.copy()
    X_nan[3, 0] = np.nan
    with pytest.raises(ValueError, match=re.escape("Input X contains NaN.")):
        AMTLRegressor().fit(X_nan, y)
    est = AMTLRegressor().fit(X, y)
    X_new = X[:2].copy()
    X_new[:, -1] = [7, 1]
    with pytest.raises(ValueError, match=re.escape(
            "Task(s) [7.0] were not seen during fit; the estimator knows tasks "
            "[0.0, 1.0, 2.0].")):
        est.predict(X_new)
    one_class = (y > 0).astype(int)
    one_class[X[:, -1] == 1] = 1
    with pytest.raises(ValueError, match=re.escape(
            "Task 1.0 has one class (1) in y; a classification task needs two or "
            "more classes.")):
        AMTLClassifier().fit(X, one_class)
    with pytest.raises(ValueError, match=re.escape(
            "Only binary classification is supported. Task 0.0 has 3 classes but "
            "AMTLClassifier handles at most 2 per task.")):
        AMTLClassifier().fit(X, np.digitize(y, [-1, 1]))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=re.escape(
                "device='cuda:99' was requested but CUDA is not available on this "
                "machine; use device='cpu'.")):
            AMTLRegressor(device="cuda:99").fit(X, y)


# --- plotting ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["matrix", "graph"])
def test_plot_transfer_matrix(kind):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = make_asymmetric_tasks(n_reliable=2, n_unreliable=2, random_state=0)
    est = AMTLRegressor().fit(X, y)
    ax = plot_transfer_matrix(est, kind=kind)
    if kind == "matrix":
        assert [t.get_text() for t in ax.get_yticklabels()] == ["0.0", "1.0", "2.0", "3.0"]
        np.testing.assert_allclose(ax.images[0].get_array(), est.transfer_matrix_)
    else:
        n_edges = int((est.transfer_matrix_ > 0).sum())
        # One label per task and one arrow (an annotation) per edge.
        assert n_edges > 0 and len(ax.texts) == 4 + n_edges
    # Any square matrix, e.g. a signed one from another method, with its own names.
    _, ax = plt.subplots()
    assert plot_transfer_matrix([[0, -1], [2, 0]], ax=ax, task_names=["a", "b"],
                                kind=kind) is ax
    plt.close("all")
    with pytest.raises(ValueError, match=re.escape(
            "The transfer matrix must be square (n_tasks, n_tasks); got shape (2, 3).")):
        plot_transfer_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=re.escape(
            "AMTLRegressor is not fitted yet: fit it first, or pass a square matrix.")):
        plot_transfer_matrix(AMTLRegressor())


def test_plots_are_public_in_sklearn_mtl_plotting():
    from sklearn_mtl import plotting
    from sklearn_mtl._plotting import plot_feedback_matrix

    assert plotting.plot_transfer_matrix is plot_transfer_matrix
    assert plotting.plot_feedback_matrix is plot_feedback_matrix


def test_plot_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape(
            "Plotting needs matplotlib, which sklearn_mtl does not install by default; "
            "install it with `pip install sklearn_mtl[plot]`")):
        plot_transfer_matrix(np.zeros((2, 2)))


# --- the data generator --------------------------------------------------------------


def test_make_asymmetric_tasks_structure():
    X, y, truth = make_asymmetric_tasks(n_reliable=3, n_unreliable=4, n_parents=2,
                                        n_samples_reliable=50, n_samples_unreliable=7,
                                        n_features=5, noise_reliable=0.0,
                                        return_structure=True, random_state=0)
    assert X.shape == (3 * 50 + 4 * 7, 6)
    np.testing.assert_array_equal(np.bincount(X[:, -1].astype(int)), [50] * 3 + [7] * 4)
    np.testing.assert_array_equal(truth.reliable, [True] * 3 + [False] * 4)
    # Every unreliable task combines exactly two reliable ones, non-negatively.
    assert np.all((truth.transfer[:3, 3:] > 0).sum(0) == 2)
    assert np.all(truth.transfer[3:] == 0) and np.all(truth.transfer[:, :3] == 0)
    np.testing.assert_allclose(truth.coef[3:], truth.transfer[:3, 3:].T @ truth.coef[:3])
    reliable_rows = X[:, -1] < 3
    task = X[reliable_rows, -1].astype(int)
    np.testing.assert_allclose(y[reliable_rows],
                               np.einsum("ij,ij->i", X[reliable_rows, :-1], truth.coef[task]))
    X2, y2 = make_asymmetric_tasks(n_reliable=3, n_unreliable=4, n_parents=2,
                                   n_samples_reliable=50, n_samples_unreliable=7,
                                   n_features=5, noise_reliable=0.0, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_make_asymmetric_tasks_errors():
    with pytest.raises(ValueError, match=re.escape(
            "n_parents=3 must not exceed n_reliable=2: each unreliable task combines "
            "distinct reliable tasks.")):
        make_asymmetric_tasks(n_reliable=2, n_parents=3)
    with pytest.raises(ValueError, match=re.escape(
            "parent_weight_range must satisfy 0 <= low <= high, high > 0 and finite; "
            "got (1.0, 0.5).")):
        make_asymmetric_tasks(parent_weight_range=(1.0, 0.5))
    with pytest.raises(ValueError, match=re.escape(
            "The 'noise_unreliable' parameter of make_asymmetric_tasks must be a float "
            "in the range [0.0, inf). Got -1.0 instead.")):
        make_asymmetric_tasks(noise_unreliable=-1.0)


def test_curriculum_learns_reliable_tasks_first_and_transfers_forward():
    """solver="curriculum" (the 2016 paper's one-task-at-a-time algorithm): on the
    twin tasks every reliable task is learnt before every unreliable one, ``B`` is
    a DAG in the order learnt (a task only receives from earlier tasks), and each
    unreliable twin receives from its reliable twin. Measured when written on
    seeds 0-2: reliable tasks fill the first six places every time; mean transfer
    to the twin 0.88, 0.86, 0.87; hard-task population RMSE 5.24 / 5.13 / 4.88
    against the alternating solver's 5.29 / 5.17 / 4.91 (the easy tasks pay:
    1.60 against 1.37 on seed 0, see benchmarks/bench_amtl_curriculum.py)."""
    for seed in range(2):
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **TWINS)
        est = AMTLRegressor(solver="curriculum").fit(X, y)
        order = np.searchsorted(est.tasks_, est.curriculum_order_)
        assert sorted(order) == list(range(12))
        assert truth.reliable[order[:6]].all(), order
        position = np.empty(12, dtype=int)
        position[order] = np.arange(12)
        B = est.transfer_matrix_
        assert np.all(B[position[:, None] >= position[None, :]] == 0)
        twins = truth.transfer > 0
        assert B[twins].mean() > 0.5, B[twins].mean()
        assert len(est.objective_path_) == 12
        hard = ~truth.reliable
        rmse = _population_rmse(est.coef_, est.intercept_, truth)[hard].mean()
        alternating = AMTLRegressor().fit(X, y)
        reference = _population_rmse(alternating.coef_, alternating.intercept_,
                                     truth)[hard].mean()
        assert rmse < 1.03 * reference, (rmse, reference)


def test_curriculum_classifier_gives_a_dag():
    X, y = make_asymmetric_tasks(n_reliable=3, n_unreliable=3, random_state=0)
    est = AMTLClassifier(solver="curriculum", max_iter=5).fit(X, y > 0)
    order = np.searchsorted(est.tasks_, est.curriculum_order_)
    position = np.empty(6, dtype=int)
    position[order] = np.arange(6)
    B = est.transfer_matrix_
    assert np.all(B[position[:, None] >= position[None, :]] == 0)
    assert est.score(X, y > 0) > 0.8
