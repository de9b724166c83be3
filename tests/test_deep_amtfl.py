"""Deep-AMTFL: estimator contract, exact objective (spec AT3), imbalanced digits
(spec AT2, reduced), conv backbone, diagnostics, pickling, errors."""

import pickle

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from skorch.callbacks import LRScheduler

from sklearn_mtl import DeepAMTFLClassifier, DeepAMTFLRegressor
from sklearn_mtl.neural._deep_amtfl import DeepAMTFLNet, deep_amtfl_objective

FAST = dict(hidden_layer_sizes=(8,), max_epochs=20, batch_size=-1, lr=3e-2, random_state=0)

# ----------------------------------------------------------------------- AT3


def test_exact_objective_and_feedback_gradient():
    """Spec AT3: N=5, d=3, k=4, T=2 (T != k): loss and dA against numpy."""
    torch.manual_seed(0)
    module = DeepAMTFLNet(3, 2, hidden_layer_sizes=(4,))
    with torch.no_grad():
        module.feedback.weight.normal_()  # A nonzero, so sign(A) is defined
        module.head.weight.normal_()
    rng = np.random.RandomState(0)
    x = torch.as_tensor(rng.randn(5, 3), dtype=torch.float32)
    task = torch.as_tensor([0, 1, 0, 1, 1])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    alpha, gamma, mu, lam = 0.7, 0.3, 0.05, 0.02
    delta_t = np.array([0.1, 0.2])
    module.size_terms.copy_(torch.as_tensor(delta_t))
    outputs = module(x, task)
    per_row = torch.nn.functional.binary_cross_entropy_with_logits(
        outputs["prediction"], torch.as_tensor(y, dtype=torch.float32), reduction="none")
    losses = torch.stack([per_row[task == t].mean() for t in range(2)])
    terms = deep_amtfl_objective(module, outputs, losses, transfer_sparsity=alpha,
                                 transfer_strength=gamma, sparsity=mu, basis_penalty=lam)
    assert list(terms) == ["asymmetric", "reconstruction", "sparsity", "basis_penalty"]
    value = sum(terms.values())
    value.backward()

    p = {k: v.detach().double().numpy() for k, v in module.named_parameters()}
    W1, b1 = p["backbone.layers.0.weight"], p["backbone.layers.0.bias"]
    z = np.maximum(x.double().numpy() @ W1.T + b1, 0)
    f = z @ p["head.weight"].T + p["head.bias"]
    A = p["feedback.weight"].T  # (T, k)
    z_hat = np.maximum(f @ A + p["feedback.bias"], 0)
    own = f[np.arange(5), task.numpy()]
    bce = np.logaddexp(0, own) - y * own
    L = np.array([bce[task.numpy() == t].mean() for t in range(2)])
    expected = (((1 + alpha * np.abs(A).sum(1)) * (L + delta_t)).sum()
                + gamma * ((z - z_hat) ** 2).sum(1).mean()
                + mu * np.abs(p["head.weight"]).sum()
                + lam / 2 * (np.square(W1).sum() + np.square(b1).sum()))
    assert float(value.detach()) == pytest.approx(expected, rel=1e-5)

    # dA = alpha (L_t + delta_t) sign(A) + gamma * d(reconstruction)/dA
    residual = (z_hat - z) * (z_hat > 0)  # (N, k)
    d_recon = 2 * f.T @ residual / 5  # (T, k)
    d_A = alpha * (L + delta_t)[:, None] * np.sign(A) + gamma * d_recon
    grad = module.feedback.weight.grad.T.double().numpy()
    np.testing.assert_allclose(grad, d_A, rtol=1e-4, atol=1e-6)


# ----------------------------------------------------------------------- AT2 (reduced)


def _imbalanced_digits(seed):
    """load_digits / 16; 50 held-out test images per class; 100, 90, ..., 10 to train."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(seed)
    train, test = [], []
    for c in range(10):
        rows = rng.permutation(np.flatnonzero(y == c))
        test += list(rows[:50])
        train += list(rows[50:50 + 100 - 10 * c])
    return X[train] / 16, y[train], X[test] / 16, y[test]


def _digits_net(alpha, gamma, seed, epochs=100):
    return DeepAMTFLClassifier(
        one_vs_rest=True, task_column=None, transfer_sparsity=alpha, transfer_strength=gamma,
        hidden_layer_sizes=(128, 64), max_epochs=epochs, lr=3e-3, batch_size=50,
        callbacks=[LRScheduler(torch.optim.lr_scheduler.MultiStepLR,
                               milestones=[epochs // 2], gamma=0.1)],
        random_state=seed)


SEEDS = range(4)


def test_imbalanced_digits():
    """Spec AT2, reduced to fit the time budget: 100 epochs of Adam, lr 3e-3 cut
    x0.1 at epoch 50 (the spec: 300 epochs, 1e-3 cut at 150), batch 50, 4 seeds.

    MLP 64-128-64(Z)-10 one-vs-rest, alpha=1, gamma=0.01, lambda=mu=1e-4, the
    authors' delta. "nn": alpha=gamma=0 (same network, no autoencoder, no
    asymmetry); "alpha0": gamma=0.01, alpha=0 (symmetric autoencoder).

    Measured (this setting, seeds 0-4, test error %):

    ====== ===== ===== ===== ===== ===== =====
    seed     0     1     2     3     4   mean
    nn      5.4   9.2   8.2   8.8   6.8   7.68
    alpha0  5.6   9.2   6.6  11.0   5.6   7.60
    amtfl   5.0   6.6   6.0   7.6   6.6   6.36
    ====== ===== ===== ===== ===== ===== =====

    Deep-AMTFL <= nn in 5/5 seeds, <= alpha0 in 4/5. Spearman(N_t, ||a_t^o||_1):
    amtfl 0.77 / 0.60 / 0.87 / 0.83 / 0.56 (mean 0.73), alpha0 0.42 / 0.61 / 0.56 /
    0.25 / 0.27 (mean 0.42). With the spec's 300 epochs at lr 1e-3 (seeds 0-1):
    nn 5.6 / 9.0, alpha0 5.2 / 9.2, amtfl 5.4 / 7.0, rho 0.78 / 0.93. At 100 epochs
    with lr 1e-3 the nets are under-trained and amtfl is *worse* (~21% error):
    the asymmetry needs converged task losses.
    """
    errors = {"nn": [], "alpha0": [], "amtfl": []}
    rho = {"alpha0": [], "amtfl": []}
    for seed in SEEDS:
        X, y, X_test, y_test = _imbalanced_digits(seed)
        for name, (alpha, gamma) in {"nn": (0, 0), "alpha0": (0, 0.01),
                                     "amtfl": (1, 0.01)}.items():
            est = _digits_net(alpha, gamma, seed).fit(X, y)
            errors[name].append(1 - est.score(X_test, y_test))
            if name in rho:
                rho[name].append(spearmanr(est.n_task_samples_, est.outgoing_transfer_)[0])
    errors = {k: np.array(v) for k, v in errors.items()}
    assert errors["amtfl"].mean() < errors["nn"].mean()
    assert errors["amtfl"].mean() < errors["alpha0"].mean()
    assert np.sum(errors["amtfl"] <= errors["nn"]) >= 3
    assert np.sum(errors["amtfl"] <= errors["alpha0"]) >= 3
    assert np.mean(rho["amtfl"]) >= 0.6
    assert np.mean(rho["amtfl"]) >= np.mean(rho["alpha0"]) + 0.1


# ----------------------------------------------------------------------- misc


def test_diagnostics_conv_backbone_and_pickle():
    X, y = load_digits(return_X_y=True)
    est = DeepAMTFLClassifier(one_vs_rest=True, task_column=None, conv_layers=((4, 3),),
                              input_shape=(1, 8, 8), hidden_layer_sizes=(16,), max_epochs=3,
                              batch_size=-1, lr=1e-2, random_state=0).fit(X[:300] / 16, y[:300])
    T, k = 10, 16
    assert est.feedback_matrix_.shape == (T, k)
    assert est.coef_.shape == (T, k)
    np.testing.assert_allclose(est.task_transfer_, est.feedback_matrix_ @ est.coef_.T)
    assert est.task_transfer_.shape == (T, T)
    np.testing.assert_allclose(est.outgoing_transfer_, np.abs(est.feedback_matrix_).sum(1))
    np.testing.assert_allclose(est.loss_weights_, 1 + est.outgoing_transfer_)
    np.testing.assert_array_equal(est.n_task_samples_, np.bincount(y[:300]))
    assert est.task_losses_.shape == (T,) and np.all(est.task_losses_ > 0)
    assert est.shared_features(X[:5] / 16).shape == (5, k)
    assert est.decision_function(X[:5] / 16).shape == (5, T)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X[:50] / 16), est.predict(X[:50] / 16))
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    assert est.plot_feedback("transfer") is not None
    # One-vs-rest: the rows are the classes, not the single task of X.
    ax = est.plot_feedback()
    assert [label.get_text() for label in ax.get_yticklabels()] == [str(c) for c in range(T)]
    np.testing.assert_allclose(ax.images[0].get_array(), np.abs(est.feedback_matrix_))
    matplotlib.pyplot.close("all")


def test_long_form_tasks_and_regressor():
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randn(90, 4), np.repeat([0, 1, 2], 30)])
    y = (X[:, 0] + 0.1 * X[:, 4] > 0).astype(int)
    est = DeepAMTFLClassifier(**FAST).fit(X, y)
    assert est.feedback_matrix_.shape == (3, 8)
    np.testing.assert_array_equal(est.n_task_samples_, [30, 30, 30])
    assert set(est.predict(X)) <= {0, 1}
    reg = DeepAMTFLRegressor(**FAST).fit(X, X[:, 0])
    assert reg.predict(X).shape == (90,)


def test_bad_input_messages():
    X = np.column_stack([np.random.RandomState(0).randn(30, 3), np.repeat([0, 1], 15)])
    with pytest.raises(ValueError, match="handles at most 2 per task"):
        DeepAMTFLClassifier(**FAST).fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match=r"one_vs_rest=True reads X as features only .* "
                                         r"set task_column=None; got task_column=-1"):
        DeepAMTFLClassifier(one_vs_rest=True, **FAST).fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold at least one layer"):
        DeepAMTFLRegressor(hidden_layer_sizes=()).fit(X, X[:, 0])
    # eq. 7 weights the tasks itself: no task_weighting; lambda is basis_penalty.
    assert "task_weighting" not in DeepAMTFLRegressor().get_params()
    with pytest.raises(TypeError, match="weight_decay"):
        DeepAMTFLRegressor(weight_decay=1e-4)


# ----------------------------------------------------------------------- backbone=


class _ResidualBackbone(torch.nn.Module):
    """A 2-layer net with a residual block: 64 -> 32, then h + block(h)."""

    def __init__(self):
        super().__init__()
        self.inp = torch.nn.Linear(64, 32)
        self.block = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(32, 32))

    def forward(self, x):
        h = self.inp(x)
        return h + self.block(h)


class _FlatConv(torch.nn.Module):
    """Images (1, 8, 8) -> (n, 16): one conv, global average pool."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 16, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x)).mean((2, 3))


def _digits_split():
    X, y = load_digits(return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))
    return X[idx[:600]] / 16, y[idx[:600]], X[idx[600:1000]] / 16, y[idx[600:1000]]


BACKBONE_FIT = dict(one_vs_rest=True, task_column=None, max_epochs=30, lr=3e-3,
                    batch_size=64, random_state=0)


def test_custom_backbone_learns_like_builtin_mlp():
    X, y, X_test, y_test = _digits_split()
    builtin = DeepAMTFLClassifier(hidden_layer_sizes=(32,), **BACKBONE_FIT).fit(X, y)
    ref = builtin.score(X_test, y_test)
    for backbone in (_ResidualBackbone, _ResidualBackbone()):
        custom = DeepAMTFLClassifier(backbone=backbone, **BACKBONE_FIT).fit(X, y)
        acc = custom.score(X_test, y_test)
        assert acc > 0.6  # chance is 0.1
        assert acc > ref - 0.25
        assert isinstance(custom.net_.module_.backbone.net, _ResidualBackbone)
        assert custom.feedback_matrix_.shape == (10, 32)
        assert custom.shared_features(X_test[:5]).min() >= 0  # Z is non-negative


def test_backbone_instance_not_mutated_and_fine_tuned_from_its_weights():
    X, y, _, _ = _digits_split()
    torch.manual_seed(1)
    backbone = _ResidualBackbone()
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    est = DeepAMTFLClassifier(backbone=backbone, **{**BACKBONE_FIT, "max_epochs": 0})
    est.fit(X, y)
    assert est.backbone is backbone
    for k, v in backbone.state_dict().items():
        assert torch.equal(v, before[k])
    # max_epochs=0: the fitted backbone is the given one's weights, not a fresh init.
    fitted = est.net_.module_.backbone.net
    assert fitted is not backbone
    for k, v in fitted.state_dict().items():
        assert torch.equal(v, before[k])
    est.set_params(max_epochs=2).fit(X, y)
    for k, v in backbone.state_dict().items():
        assert torch.equal(v, before[k])
    assert not torch.equal(est.net_.module_.backbone.net.inp.weight, before["inp.weight"])


def test_backbone_basis_penalty_reaches_its_parameters():
    X, y, _, _ = _digits_split()
    est = DeepAMTFLClassifier(backbone=_ResidualBackbone, **{**BACKBONE_FIT, "max_epochs": 0})
    module = est.fit(X, y).net_.module_
    outputs = module(torch.as_tensor(X[:8], dtype=torch.float32), torch.zeros(8))
    terms = deep_amtfl_objective(module, outputs, torch.zeros(10), transfer_sparsity=0.0,
                                 transfer_strength=0.0, sparsity=0.0, basis_penalty=2.0)
    expected = sum(p.detach().square().sum() for p in module.backbone.net.parameters())
    assert float(terms["basis_penalty"].detach()) == pytest.approx(float(expected), rel=1e-6)


def test_backbone_clone_pickle_and_input_shape():
    from sklearn.base import clone

    X, y, X_test, _ = _digits_split()
    backbone = _ResidualBackbone()
    est = DeepAMTFLClassifier(backbone=backbone, **{**BACKBONE_FIT, "max_epochs": 2})
    copy_ = clone(est)
    assert copy_.backbone is not backbone
    assert isinstance(copy_.get_params()["backbone"], _ResidualBackbone)
    est.fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.decision_function(X_test), est.decision_function(X_test))
    conv = DeepAMTFLClassifier(backbone=_FlatConv, input_shape=(1, 8, 8),
                               **{**BACKBONE_FIT, "max_epochs": 2}).fit(X, y)
    assert conv.feedback_matrix_.shape == (10, 16)
    assert conv.predict(X_test).shape == (len(X_test),)


def test_bad_backbone_messages():
    X, y, _, _ = _digits_split()

    def fit(**params):
        DeepAMTFLClassifier(**{**BACKBONE_FIT, "max_epochs": 1, **params}).fit(X, y)

    with pytest.raises(ValueError) as info:
        fit(backbone="resnet")
    assert str(info.value) == (
        "backbone='resnet' is not valid: pass a torch.nn.Module instance (deep-copied at "
        "fit, its weights the start) or a subclass of torch.nn.Module (built with no "
        "arguments), or None for the built-in MLP / LeNet.")
    with pytest.raises(ValueError) as info:
        fit(backbone=dict)
    assert str(info.value).startswith("backbone=<class 'dict'> is not valid: pass a")
    with pytest.raises(ValueError) as info:
        fit(backbone=_FlatConv, conv_layers=((4, 3),), input_shape=(1, 8, 8))
    assert str(info.value) == (
        "backbone and conv_layers cannot be combined: the backbone replaces the built-in "
        "conv blocks and dense layers; set conv_layers=None.")
    with pytest.raises(ValueError) as info:
        fit(backbone=torch.nn.Identity(), input_shape=(1, 8, 8))
    assert str(info.value) == (
        "backbone must map a batch of n rows to a tensor of shape (n, k), the feature "
        "layer; on one row of shape (1, 1, 8, 8) it returned (1, 1, 8, 8). End it with a "
        "flatten (e.g. torch.nn.Flatten()) or a pooling to (n, k).")
    with pytest.raises(ValueError) as info:
        fit(backbone=torch.nn.Linear(10, 4))
    assert str(info.value).startswith(
        "backbone failed on one input row of shape (1, 64): RuntimeError: ")
    assert str(info.value).endswith(
        "The backbone maps the rows of X (the flat feature columns, or images of "
        "input_shape) to the feature layer.")
    with pytest.raises(ValueError, match="lr_schedule"):
        fit(lr_schedule="cosine")


def test_paper_lr_schedule_steps_after_half_the_epochs():
    X, y, _, _ = _digits_split()
    est = DeepAMTFLClassifier(backbone=_ResidualBackbone, lr_schedule="paper",
                              **{**BACKBONE_FIT, "max_epochs": 6, "lr": 1e-4}).fit(X, y)
    lrs = est.history_[:, "event_lr"]
    assert lrs == pytest.approx([1e-4] * 3 + [1e-5] * 3)
    assert est.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-6)
    plain = DeepAMTFLClassifier(**{**BACKBONE_FIT, "max_epochs": 2}).fit(X, y)
    assert "event_lr" not in plain.history_[-1]
