"""RobustJointNets (Zhang et al. 2019): one network per dataset, robust coupling, IRLS.

The spec's section 7 designs these: R1 cluster recovery on digit datasets whose
labels are permuted in one group (hidden features shareable, output layers in
conflict), R2 robust coupling against L2 coupling, isolated networks and one
shared network, R3 the mechanics (weight formula, sigma, Laplacian form of the
coupling, block-coordinate gradient, lambda = 0, identical networks).
"""

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from torch.nn import functional as F

from sklearn_mtl.model_selection import TaskStratifiedKFold
from sklearn_mtl.neural._robust_joint import (
    RobustJointAutoencoder,
    RobustJointGAN,
    RobustJointNetClassifier,
    RobustJointNetRegressor,
    StackedNet,
    TaskCyclicIterator,
    block_sigma,
    irls_weights,
    mutual_knn_clusters,
    robust_norm,
)
from sklearn_mtl.neural._net import TaskDataset

# Spec sec. 7 pilot, shortened: full batch, Adam 1e-2, 60 L2 epochs, then up to 4
# IRLS steps of 30 epochs (180 epochs; same total for every baseline).
FAST = dict(hidden_layer_sizes=(32, 32), batch_size=-1, lr=1e-2, n_init_epochs=60,
            irls_every=30, max_irls_iter=4, irls_tol=0.0, n_neighbors=1,
            task_column=None, random_state=0)
TOTAL_EPOCHS = 60 + 4 * 30


def _digit_datasets(groups, seed=0, n_per_class=6):
    """load_digits split into len(groups) disjoint datasets; group g relabels
    every digit through its own derangement (group 0 keeps the true labels)."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.RandomState(seed)
    parts = np.array_split(rng.permutation(len(X)), len(groups))
    maps = [np.arange(10)]
    while len(maps) <= max(groups):
        p = rng.permutation(10)
        if all(np.all(p != q) for q in maps):
            maps.append(p)
    train, test = [], []
    for t, (rows, g) in enumerate(zip(parts, groups)):
        # Stratified training rows: every dataset sees all 10 classes, so the
        # output layers have one shape and are coupled.
        picked = np.concatenate([rows[y[rows] == c][:n_per_class] for c in range(10)])
        rest = np.setdiff1d(rows, picked)
        for store, idx in ((train, picked), (test, rest)):
            store.append((X[idx], maps[g][y[idx]], np.full(idx.size, t)))
    return [tuple(np.concatenate(a) for a in zip(*store)) for store in (train, test)]


def _mean_task_accuracy(est, X, y, t, pooled=False):
    pred = est.predict(X) if pooled else est.predict(X, tasks=t)
    return np.mean([np.mean(pred[t == k] == y[t == k]) for k in np.unique(t)])


def _within_across(weights, groups):
    g = np.asarray(groups)
    same = (g[:, None] == g[None, :]) & ~np.eye(g.size, dtype=bool)
    return weights[same].min(), weights[g[:, None] != g[None, :]].max()


@pytest.fixture(scope="module")
def two_groups():
    train, test = _digit_datasets((0, 0, 1, 1))
    robust = RobustJointNetClassifier(**FAST).fit(train[0], train[1], tasks=train[2])
    return train, test, robust


# --------------------------------------------------------------------------- R1


def test_two_groups_recovered_at_the_output_block(two_groups):
    _, _, est = two_groups
    assert est.block_layers_ == [("fc1", "fc2"), ("fc2", "out")]
    w = est.sharing_weights_
    assert w.shape == (2, 4, 4)
    np.testing.assert_allclose(w, np.swapaxes(w, 1, 2))
    np.testing.assert_array_equal(w[:, np.arange(4), np.arange(4)], 1.0)
    within, across = _within_across(w[-1], (0, 0, 1, 1))
    assert within > across + 0.1, (within, across)
    np.testing.assert_array_equal(est.clusters_[-1], [0, 0, 1, 1])
    # Diagnostics: the schedule ran 4 IRLS steps, Closs logged after the L2 stage.
    assert est.n_irls_iter_ == 4 and est.irls_deltas_.shape == (5,)
    assert est.consistency_loss_.shape == (TOTAL_EPOCHS,)
    assert np.isnan(est.consistency_loss_[:59]).all()
    assert np.isfinite(est.consistency_loss_[59:]).all()
    assert np.isfinite(est.weighted_consistency_loss_).all()


def test_three_groups_recovered():
    # Spec R1 3 x 2 (verified on the paper-literal distance, lam = 0.01).
    groups = (0, 0, 1, 1, 2, 2)
    train, _ = _digit_datasets(groups, seed=0)
    est = RobustJointNetClassifier(**{**FAST, "distance": "sum", "lam": 0.01}).fit(
        train[0], train[1], tasks=train[2])
    within, across = _within_across(est.sharing_weights_[-1], groups)
    assert within > across, (within, across)
    np.testing.assert_array_equal(est.clusters_[-1], [0, 0, 1, 1, 2, 2])


# --------------------------------------------------------------------------- R2


def test_robust_beats_l2_and_shared_and_stays_near_isolated(two_groups):
    train, test, robust = two_groups
    X, y, t = train
    l2 = RobustJointNetClassifier(**{**FAST, "n_init_epochs": TOTAL_EPOCHS,
                                     "max_irls_iter": 0}).fit(X, y, tasks=t)
    isolated = RobustJointNetClassifier(**{**FAST, "lam": 0.0}).fit(X, y, tasks=t)
    shared = RobustJointNetClassifier(**{**FAST, "n_init_epochs": TOTAL_EPOCHS,
                                         "max_irls_iter": 0}).fit(X, y)  # one task
    acc = {name: _mean_task_accuracy(est, *test, pooled=name == "shared")
           for name, est in [("robust", robust), ("l2", l2), ("isolated", isolated),
                             ("shared", shared)]}
    # Measured, seeds 0/1/2: robust 0.816/0.809/0.821, L2 0.782/0.755/0.793,
    # isolated 0.832/0.820/0.824, shared 0.426/0.431/0.431.
    assert acc["robust"] >= acc["l2"] + 0.02, acc
    assert acc["robust"] >= acc["isolated"] - 0.04, acc
    assert acc["shared"] < 0.6, acc


# --------------------------------------------------------------------------- R3


def test_weight_formula_and_sigma_by_hand():
    d2 = np.array([[[0.0, 4.0], [4.0, 0.0]]])
    np.testing.assert_allclose(irls_weights(d2, np.array([2.0])), [[[1, 0.5], [0.5, 1]]])
    np.testing.assert_allclose(irls_weights(d2, np.array([2.0]), "geman_mcclure"),
                               [[[1, 0.25], [0.25, 1]]])
    # Three networks at 0, 1 and 3 on a line: nearest distances 1, 1, 2.
    pos = np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(block_sigma(np.abs(pos[:, None] - pos[None, :])[None]),
                               [4 / 3])
    np.testing.assert_allclose(robust_norm(np.array([0.0, 1.0, 1e6]), 2.0),
                               [0.0, 4 / 5, 4.0], rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(0, 10_000), st.floats(1e-3, 10.0))
def test_weights_symmetric_unit_diagonal_and_decreasing(n, seed, sigma):
    rng = np.random.RandomState(seed)
    pts = rng.randn(n, 3)
    d2 = ((pts[:, None] - pts[None]) ** 2).sum(-1)[None]
    w = irls_weights(d2, np.array([sigma]))
    assert np.all((w > 0) & (w <= 1)) and np.allclose(w, np.swapaxes(w, 1, 2))
    np.testing.assert_array_equal(np.diagonal(w[0]), 1.0)
    off = ~np.eye(n, dtype=bool)
    order = np.argsort(d2[0][off])
    assert np.all(np.diff(w[0][off][order]) <= 1e-12)


def _random_net(distance="mean", n=4, **kwargs):
    torch.manual_seed(0)
    net = StackedNet(n, 6, (5, 4), [3], distance=distance, lam=2.0, **kwargs)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return net


@pytest.mark.parametrize("distance", ["mean", "sum"])
def test_coupling_laplacian_form_equals_pairwise_sum(distance):
    net = _random_net(distance)
    rng = np.random.RandomState(0)
    w = rng.rand(len(net.blocks), 4, 4)
    net.set_pair_weights(irls_weights(w + np.swapaxes(w, 1, 2), np.ones(2)))
    weights = net.pair_weights.double()
    brute, d2 = 0.0, net.block_sq_distances()
    for b, block in enumerate(net.blocks):
        for i in range(4):
            for j in range(i + 1, 4):
                sq = 0.0
                for layer in block:
                    params = list(net.layers[layer].parameters())
                    diff = torch.cat([(p[i].detach().double() - p[j].detach().double()).flatten()
                                      for p in params])
                    count = sum(p[0].numel() for p in params)
                    sq += float(diff @ diff) / (count if distance == "mean" else 1)
                np.testing.assert_allclose(d2[b, i, j], sq, rtol=1e-9)
                brute += float(weights[b, i, j]) * sq
    assert float(net.coupling_penalty().detach()) == pytest.approx(2.0 * brute, rel=1e-5)


def test_stacked_gradient_equals_per_network_subproblem_gradient():
    """Gradient of (8) in theta_i = gradient of a plain network's f_i + (9)."""
    net = _random_net()
    net.set_pair_weights(np.full((2, 4, 4), 0.7))
    torch.manual_seed(1)
    x, task = torch.randn(20, 6), torch.arange(20) % 4
    y = torch.randint(0, 3, (20,))
    per_row = F.cross_entropy(net(x, task), y, reduction="none")
    objective = sum(per_row[task == i].mean() for i in range(4)) + net.coupling_penalty()
    stacked = torch.autograd.grad(objective, list(net.parameters()))
    i = 2
    # Network i alone, as a plain torch MLP, plus the subproblem term.
    params = [p[i].detach().clone().requires_grad_() for p in net.parameters()]
    h = x[task == i]
    for k in range(0, len(params), 2):
        h = F.linear(h, params[k], params[k + 1])
        h = torch.relu(h) if k < len(params) - 2 else h
    f_i = F.cross_entropy(h, y[task == i])
    sub_net_grads = torch.autograd.grad(f_i, params)
    sub_pen = torch.autograd.grad(net.subproblem_penalty(i), list(net.parameters()))
    for full, g_f, g_pen in zip(stacked, sub_net_grads, sub_pen):
        torch.testing.assert_close(full[i], g_f + g_pen[i], rtol=1e-5, atol=1e-6)


def test_lambda_zero_is_exactly_isolated_training():
    train, _ = _digit_datasets((0, 0, 1, 1), n_per_class=3)
    X, y, t = train
    params = {**FAST, "lam": 0.0, "n_init_epochs": 10, "irls_every": 5,
              "max_irls_iter": 2, "hidden_layer_sizes": (8,)}
    a = RobustJointNetClassifier(**params).fit(X, y, tasks=t)
    y_other = y.copy()
    y_other[t == 3] = np.random.RandomState(0).permutation(y[t == 3])
    b = RobustJointNetClassifier(**params).fit(X, y_other, tasks=t)
    # Dataset 3's labels changed; networks 0-2 are bitwise the same.
    for pa, pb in zip(a.net_.module_.parameters(), b.net_.module_.parameters()):
        assert torch.equal(pa[:3], pb[:3])
        assert not torch.equal(pa[3], pb[3])
    # And network 0 equals a fit on dataset 0 alone (Adam: up to its epsilon).
    alone = RobustJointNetClassifier(**params).fit(X[t == 0], y[t == 0])
    for pa, p0 in zip(a.net_.module_.parameters(), alone.net_.module_.parameters()):
        torch.testing.assert_close(pa[0], p0[0], rtol=1e-3, atol=1e-4)


def test_identical_networks_give_finite_weights():
    train, _ = _digit_datasets((0, 0), n_per_class=3)
    X, y, t = train
    # Dataset 1 is a copy of dataset 0: networks 0 and 1 stay identical (d = 0).
    X3 = np.concatenate([X[t == 0], X[t == 0], X[t == 1]])
    y3 = np.concatenate([y[t == 0], y[t == 0], y[t == 1]])
    t3 = np.repeat([0, 1, 2], [np.sum(t == 0), np.sum(t == 0), np.sum(t == 1)])
    # Unshuffled full batches: a shuffled row order rounds the two copies'
    # gradients differently and training amplifies it (d ~ 4e-3 after 20 epochs).
    params = {**FAST, "n_init_epochs": 10, "irls_every": 5, "max_irls_iter": 2,
              "hidden_layer_sizes": (8,), "net_params": {"iterator_train__shuffle": False}}
    est = RobustJointNetClassifier(**params).fit(X3, y3, tasks=t3)
    assert est.layer_distances_[0, 0, 1] == 0.0
    assert np.isfinite(est.sharing_weights_).all() and np.isfinite(est.sigma_).all()
    np.testing.assert_allclose(est.sharing_weights_[:, 0, 1], 1.0)
    # Every dataset the same: sigma is 0 after the L2 stage; a floor, a warning.
    same = np.concatenate([X[t == 0]] * 3), np.concatenate([y[t == 0]] * 3)
    with pytest.warns(RuntimeWarning, match="sigma is 0 for block"):
        est = RobustJointNetClassifier(**params).fit(*same, tasks=np.repeat([0, 1, 2],
                                                                            np.sum(t == 0)))
    assert np.isfinite(est.sharing_weights_).all() and np.all(est.sigma_ > 0)


def test_delta_stopping_rule():
    train, _ = _digit_datasets((0, 1), n_per_class=3)
    params = {**FAST, "n_init_epochs": 6, "irls_every": 3, "max_irls_iter": 5,
              "hidden_layer_sizes": (8,)}
    est = RobustJointNetClassifier(**{**params, "irls_tol": 1.0}).fit(
        train[0], train[1], tasks=train[2])
    # delta <= 1 always: it stops at the first weighting, right after the L2 stage.
    assert len(est.history_) == 6 and est.n_irls_iter_ == 0 and est.irls_converged_
    est = RobustJointNetClassifier(**params).fit(train[0], train[1], tasks=train[2])
    assert len(est.history_) == est.max_epochs == 21 and est.n_irls_iter_ == 5
    assert est.irls_deltas_.shape == (6,)


def test_mutual_knn_clusters():
    w = np.array([[[1, .9, .1, .1], [.9, 1, .1, .2], [.1, .1, 1, .8], [.1, .2, .8, 1]]])
    np.testing.assert_array_equal(mutual_knn_clusters(w, 1), [[0, 0, 1, 1]])
    np.testing.assert_array_equal(mutual_knn_clusters(w, 3), [[0, 0, 0, 0]])
    np.testing.assert_array_equal(mutual_knn_clusters(w[:, :1, :1], 3), [[0]])


def test_bcd_iterator_and_solver():
    task = torch.tensor([1, 0, 1, 2, 0, 1])
    ds = TaskDataset({"x": torch.arange(6.0)[:, None], "task": task})
    batches = list(TaskCyclicIterator(ds, batch_size=2))
    assert [b[0]["task"].tolist() for b in batches] == [[0, 0], [1, 1], [1], [2]]
    train, _ = _digit_datasets((0, 0, 1), n_per_class=2)
    params = {**FAST, "n_init_epochs": 3, "irls_every": 2, "max_irls_iter": 1,
              "hidden_layer_sizes": (8,), "batch_size": 8, "solver": "bcd"}
    est = RobustJointNetClassifier(**params).fit(train[0], train[1], tasks=train[2])
    assert est.block_layers_ == [("fc1", "out")]
    assert est.sharing_weights_.shape == (1, 3, 3)
    assert est.score(train[0], train[1], tasks=train[2]) > 0.3


# --------------------------------------------------------------------------- estimator


def test_heterogeneous_label_sets_leave_output_out_and_conv_path():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rows = [np.flatnonzero(y < 3)[:60], np.flatnonzero((y >= 3) & (y < 7))[:60]]
    Xs, ys = np.concatenate([X[r] for r in rows]), np.concatenate([y[r] for r in rows])
    ts = np.repeat(["a", "b"], 60)
    est = RobustJointNetClassifier(conv_layers=((4, 3),), input_shape=(1, 8, 8),
                                   hidden_layer_sizes=(8,), batch_size=-1, lr=1e-2,
                                   n_init_epochs=20, irls_every=10, max_irls_iter=1,
                                   task_column=None, random_state=0).fit(Xs, ys, tasks=ts)
    assert est.block_layers_ == [("conv1", "fc1")]  # output layers differ: left out
    assert [c.tolist() for c in est.task_classes_] == [[0, 1, 2], [3, 4, 5, 6]]
    pred = est.predict(Xs, tasks=ts)
    assert set(pred[ts == "a"]) <= {0, 1, 2} and set(pred[ts == "b"]) <= {3, 4, 5, 6}
    assert est.score(Xs, ys, tasks=ts) > 0.7
    proba = est.predict_proba(Xs, tasks=ts)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert np.all(proba[ts == "a", 3] == 0)


def test_regressor_pickle_and_grid_search_over_lam():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randn(90, 3), np.repeat([0, 1, 2], 30)])
    y = X[:, 0] * np.where(X[:, -1] == 2, -1.0, 1.0)
    params = dict(hidden_layer_sizes=(8,), n_init_epochs=5, irls_every=5,
                  max_irls_iter=1, batch_size=-1, lr=1e-2, random_state=0)
    est = RobustJointNetRegressor(**params).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    np.testing.assert_array_equal(again.sharing_weights_, est.sharing_weights_)
    np.testing.assert_array_equal(
        RobustJointNetRegressor(**params).fit(X, y).predict(X), est.predict(X))
    search = GridSearchCV(RobustJointNetRegressor(**params), {"lam": [0.0, 10.0]},
                          cv=TaskStratifiedKFold(2)).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["lam"] in (0.0, 10.0)


def test_plot_sharing_graph(two_groups):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = two_groups[2].plot_sharing_graph()
    assert ax.get_title() == "Block fc2 + out: mutual top-1 sharing graph"
    assert len(ax.lines) == 2  # the two within-group edges
    with pytest.raises(ValueError, match=r"block=5 is out of range: the model has 2"):
        two_groups[2].plot_sharing_graph(block=5)


@pytest.mark.parametrize("params, data, message", [
    (dict(input_shape=(1, 4, 4)), "clf",
     r"input_shape=\(1, 4, 4\) holds 16 values but X has 64 feature column\(s\)"),
    (dict(conv_layers=((4, 3),)), "clf", "conv_layers need input_shape="),
    (dict(couple_output=True), "hetero",
     r"couple_output=True needs every task's output layer to have one shape, but the "
     r"tasks have \[2, 3\] classes"),
    (dict(hidden_layer_sizes=()), "hetero",
     "the output layers are not coupled .* nothing would be shared"),
    (dict(lam=-1.0), "clf", r"The 'lam' parameter of RobustJointNetClassifier must be"),
    (dict(solver="adam"), "clf", r"The 'solver' parameter of RobustJointNetClassifier"),
])
def test_bad_input_messages(params, data, message):
    X, y = load_digits(return_X_y=True)
    X, y = X[:40], y[:40] % 2
    t = np.repeat([0, 1], 20)
    if data == "hetero":
        y = np.where(t == 1, y + np.arange(40) % 3, y) % 3
        y[t == 0] %= 2
    est = RobustJointNetClassifier(task_column=None, n_init_epochs=1, max_irls_iter=0,
                                   **params)
    with pytest.raises(ValueError, match=message):
        est.fit(X, y, tasks=t)


def test_unseen_task_refused(two_groups):
    train, _, est = two_groups
    with pytest.raises(ValueError, match="not seen during fit"):
        est.predict(train[0][:2], tasks=[7, 7])


# --------------------------------------------------------------------------- autoencoder


def _digit_images(n_tasks=3, n_rows=80, seed=0):
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rows = np.random.RandomState(seed).permutation(len(X))[:n_tasks * n_rows]
    return X[rows], np.repeat(np.arange(n_tasks), n_rows)


AE_FAST = dict(hidden_layer_sizes=(32,), n_components=12, batch_size=-1, lr=1e-2,
               n_init_epochs=60, irls_every=30, max_irls_iter=2, task_column=None,
               random_state=0)


def test_autoencoder_reconstructs_better_than_the_mean_image():
    X, t = _digit_images()
    train, test = np.arange(len(X)) % 4 != 0, np.arange(len(X)) % 4 == 0
    ae = RobustJointAutoencoder(**AE_FAST).fit(X[train], tasks=t[train])
    assert ae.transform(X[test], tasks=t[test]).shape == (test.sum(), 12)
    assert ae.reconstruct(X[test], tasks=t[test]).shape == (test.sum(), 64)
    assert ae.sharing_weights_.shape == (3, 3, 3)  # 4 layers, all coupled
    mean_image = np.stack([X[train & (t == k)].mean(0) for k in range(3)])[t[test]]
    baseline = -np.mean(np.sum((X[test] - mean_image) ** 2, 1))
    score = ae.score(X[test], tasks=t[test])
    # Measured: -2.45 against -4.72 for each dataset's mean image.
    assert score > 0.6 * baseline, (score, baseline)


def test_autoencoder_completes_images_from_corrupted_inputs():
    X, t = _digit_images()
    corrupt = X.copy()
    corrupt.reshape(-1, 8, 8)[:, 2:6, 2:6] = 0.0  # the centre square cut out
    train, test = np.arange(len(X)) % 4 != 0, np.arange(len(X)) % 4 == 0
    ae = RobustJointAutoencoder(**AE_FAST).fit(corrupt[train], X[train], tasks=t[train])
    hole = np.zeros((8, 8), dtype=bool)
    hole[2:6, 2:6] = True
    filled = ae.reconstruct(corrupt[test], tasks=t[test]).reshape(-1, 8, 8)[:, hole]
    truth = X[test].reshape(-1, 8, 8)[:, hole]
    error = np.mean((filled - truth) ** 2)
    assert error < 0.5 * np.mean(truth ** 2), error  # far better than leaving the hole
    full = ae.reconstruct(corrupt[test], tasks=t[test])
    assert ae.score(corrupt[test], X[test], tasks=t[test]) == pytest.approx(
        -np.mean(np.sum((X[test] - full) ** 2, 1)))
    with pytest.raises(ValueError, match="y has 3 rows but X has 180"):
        RobustJointAutoencoder(**AE_FAST).fit(corrupt[train], X[:3], tasks=t[train])
    with pytest.raises(ValueError, match=r"y has values outside \[0, 1\]"):
        RobustJointAutoencoder(**AE_FAST).fit(corrupt[train], 2 * X[train] - 1,
                                              tasks=t[train])


def test_autoencoder_in_a_pipeline_ignores_labels_and_refuses_unreachable_targets():
    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression

    X, y = load_digits(return_X_y=True)
    X, y = X[:120] / 16.0, y[:120]
    params = {**AE_FAST, "task_column": -1, "n_init_epochs": 5, "max_irls_iter": 0}
    Xt = np.column_stack([X, np.arange(120) % 2])
    pipe = make_pipeline(RobustJointAutoencoder(**params), LogisticRegression(max_iter=50))
    assert pipe.fit(Xt, y).predict(Xt).shape == (120,)  # y reaches only the classifier
    with pytest.raises(ValueError, match=r"X \(the reconstruction targets of fit\(X\)\) has "
                                         r"values outside \[0, 1\]"):
        RobustJointAutoencoder(**params).fit(np.column_stack([X - 1, Xt[:, -1]]))


def test_bcd_step_moves_only_the_batch_network():
    from skorch.callbacks import Callback

    class Record(Callback):
        def initialize(self):
            self.moved = []
            return self

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            self._before = [p.detach().clone() for p in net.module_.parameters()]

        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            changed = set()
            for p, old in zip(net.module_.parameters(), self._before):
                changed |= {i for i in range(p.shape[0]) if not torch.equal(p[i], old[i])}
            self.moved.append((int(batch[0]["task"][0]), sorted(changed)))

    train, _ = _digit_datasets((0, 0, 1), n_per_class=2)
    record = Record()
    # Adam's momentum would move the frozen networks without the restore.
    RobustJointNetClassifier(**{**FAST, "n_init_epochs": 2, "irls_every": 1,
                                "max_irls_iter": 1, "hidden_layer_sizes": (8,),
                                "batch_size": 10, "solver": "bcd",
                                "callbacks": [record]}).fit(*train[:2], tasks=train[2])
    assert len(record.moved) == 3 * 2 * 3  # 3 epochs x 2 batches x 3 datasets
    assert all(changed == [task] for task, changed in record.moved), record.moved


# --------------------------------------------------------------------------- GAN

GAN_FAST = dict(hidden_layer_sizes=(16,), latent_dim=4, batch_size=-1, lr=1e-2,
                n_init_epochs=4, irls_every=3, max_irls_iter=1, irls_tol=0.0,
                task_column=None, random_state=0)


@pytest.fixture(scope="module")
def digit_gan():
    X, t = _digit_images(n_tasks=2, n_rows=40)
    return RobustJointGAN(**GAN_FAST).fit(X, tasks=t), X, t


def test_gan_samples_shape_dtype_range_and_diagnostics(digit_gan):
    gan, X, t = digit_gan
    images = gan.sample(7, task=1, random_state=0)
    assert images.shape == (7, X.shape[1]) and images.dtype == np.float64
    assert np.all((images >= 0) & (images <= 1)) and np.isfinite(images).all()
    # One generator block then one discriminator block, each fully coupled.
    assert gan.block_layers_ == [("G.fc1", "G.out"), ("D.fc1", "D.out")]
    assert gan.sharing_weights_.shape == (2, 2, 2)
    np.testing.assert_allclose(gan.sharing_weights_, gan.sharing_weights_.transpose(0, 2, 1))
    np.testing.assert_array_equal(gan.sharing_weights_[:, [0, 1], [0, 1]], 1.0)
    assert gan.sigma_.shape == (2,) and np.all(gan.sigma_ > 0)
    assert gan.clusters_.shape == (2, 2) and gan.clusters_.dtype.kind == "i"
    assert gan.n_irls_iter_ == 1 and len(gan.history_) == gan.max_epochs
    assert {"d_loss", "g_loss"} <= set(gan.history_[-1]["batches"][0])
    # The two datasets' generators differ (the coupling is soft).
    assert not np.allclose(gan.sample(5, 0, random_state=1), gan.sample(5, 1, random_state=1))


def test_gan_reproducible_and_pickles(digit_gan):
    gan, X, t = digit_gan
    again = RobustJointGAN(**GAN_FAST).fit(X, tasks=t)
    np.testing.assert_array_equal(gan.sample(4, 0, random_state=3),
                                  again.sample(4, 0, random_state=3))
    np.testing.assert_array_equal(gan.sharing_weights_, again.sharing_weights_)
    state = torch.get_rng_state()
    copy = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(copy.sample(4, 1, random_state=3),
                                  gan.sample(4, 1, random_state=3))
    assert torch.equal(torch.get_rng_state(), state)  # sampling leaves torch's stream


def test_gan_lambda_zero_is_isolated_training():
    # lam = 0: dataset 0's pair is trained exactly as without the coupling, so
    # replacing dataset 1's images (same row count, same schedule) leaves it unchanged.
    X, t = _digit_images(n_tasks=2, n_rows=30)
    other = X.copy()
    other[t == 1] = 1.0 - other[t == 1]
    params = dict(GAN_FAST, lam=0.0)
    a = RobustJointGAN(**params).fit(X, tasks=t)
    b = RobustJointGAN(**params).fit(other, tasks=t)
    for pa, pb in zip(a.net_.module_.parameters(), b.net_.module_.parameters()):
        torch.testing.assert_close(pa[0], pb[0], rtol=0, atol=0)
    assert not torch.equal(a.net_.module_.generator.layers[0].weight[1],
                           b.net_.module_.generator.layers[0].weight[1])


def test_gan_conv_discriminator():
    X, t = _digit_images(n_tasks=2, n_rows=20)
    gan = RobustJointGAN(**dict(GAN_FAST, conv_layers=[(4, 3, 2)], input_shape=(1, 8, 8),
                                max_irls_iter=0)).fit(X, tasks=t)
    assert gan.block_layers_[-2:] == [("D.conv1", "D.fc1"), ("D.fc1", "D.out")]
    assert gan.sample(3, 0).reshape(-1, 1, 8, 8).shape == (3, 1, 8, 8)


@pytest.mark.parametrize("call, message", [
    (lambda g: g.sample(3, task=7), r"task=7 is not one of the tasks seen in fit: \[0, 1\]"),
    (lambda g: g.sample(0, task=0), "n_samples must be an integer of at least 1; got 0"),
    (lambda g: g.sample(2.5, task=0), "n_samples must be an integer of at least 1; got 2.5"),
])
def test_gan_sample_bad_input(digit_gan, call, message):
    with pytest.raises(ValueError, match=message):
        call(digit_gan[0])


def test_gan_refuses_images_outside_unit_interval_and_bad_params():
    X, t = _digit_images(n_tasks=2, n_rows=10)
    with pytest.raises(ValueError, match=r"X has feature values outside \[0, 1\] but "
                       "output_activation='sigmoid'"):
        RobustJointGAN(**GAN_FAST).fit(X * 16, tasks=t)
    with pytest.raises(ValueError, match="latent_dim"):
        RobustJointGAN(**dict(GAN_FAST, latent_dim=0)).fit(X, tasks=t)
    with pytest.raises(Exception, match="not fitted"):
        RobustJointGAN().sample(2, task=0)
    # Any real features with a linear generator output.
    gan = RobustJointGAN(**dict(GAN_FAST, output_activation=None, max_irls_iter=0))
    assert gan.fit(X * 16 - 8, tasks=t).sample(3, 1, random_state=0).min() < 0
