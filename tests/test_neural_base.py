"""The skorch base of the neural estimators: task ids in X, per-task losses, skorch's
machinery (history, callbacks, early stopping, warm start, device), seeding, and
validation before any torch code."""

import numpy as np
import pytest
import torch
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from torch import nn

from sklearn_mtl import DMTRLClassifier, DMTRLRegressor
from sklearn_mtl.neural import MultiTaskNet, task_weighted_loss
from sklearn_mtl.neural._net import SquaredErrorLoss


class _PerTaskConstant(nn.Module):
    """Predicts one learned constant per task; optionally penalises them."""

    def __init__(self, n_tasks, penalty=0.0):
        super().__init__()
        self.value = nn.Parameter(torch.zeros(n_tasks))
        self.penalty = penalty
        self.seen_tasks = []

    def forward(self, x, task):
        self.seen_tasks.append(task.clone())
        return self.value[task] + 0 * x[:, 0]

    def regularization_loss(self):
        return self.penalty * (self.value**2).sum()


def _task_data(n_tasks=3, n_per_task=10):
    task = np.repeat(np.arange(n_tasks), n_per_task)
    x = np.random.RandomState(0).randn(task.size, 2).astype(np.float32)
    return {"x": x, "task": task}, (10.0 * task).astype(np.float32)


def test_task_weighted_loss_uniform_and_samples():
    loss = torch.tensor([1.0, 1.0, 1.0, 4.0])
    task = torch.tensor([0, 0, 0, 2])
    # uniform: mean of the present tasks' means = (1 + 4) / 2; samples: 7 / 4.
    assert float(task_weighted_loss(loss, task, 3, "uniform")) == pytest.approx(2.5)
    assert float(task_weighted_loss(loss, task, 3, "samples")) == pytest.approx(1.75)


def test_task_ids_reach_forward_inside_x_with_shuffled_minibatches():
    X, y = _task_data()
    net = MultiTaskNet(_PerTaskConstant(3), SquaredErrorLoss(), n_tasks=3, max_epochs=60,
                       lr=0.5, batch_size=10, iterator_train__shuffle=True, train_split=None,
                       optimizer=torch.optim.Adam, verbose=0)
    net.fit(X, y)
    # Every batch carried its own rows' task ids, so each constant learned its task's y.
    np.testing.assert_allclose(net.module_.value.detach().numpy(), [0, 10, 20], atol=0.05)
    assert all(t.dtype == torch.long for t in net.module_.seen_tasks)
    assert len(net.history) == 60
    assert any(len(torch.unique(t)) > 1 for t in net.module_.seen_tasks)


def test_module_regularization_loss_is_added_to_the_objective():
    X, y = _task_data()
    net = MultiTaskNet(_PerTaskConstant(3, penalty=0.1), SquaredErrorLoss(), n_tasks=3,
                       max_epochs=0, train_split=None, verbose=0).initialize()
    with torch.no_grad():
        net.module_.value[:] = torch.tensor([1.0, 2.0, 3.0])
    batch_X = {"x": torch.as_tensor(X["x"]), "task": torch.as_tensor(X["task"])}
    loss = net.get_loss(net.infer(batch_X), torch.as_tensor(y), X=batch_X)
    data = np.mean([np.mean((v - 10.0 * t) ** 2) for t, v in enumerate([1.0, 2.0, 3.0])])
    assert float(loss.detach()) == pytest.approx(data + 0.1 * 14.0, rel=1e-6)


def _small_regression(seed=0):
    rng = np.random.RandomState(seed)
    task = np.repeat(np.arange(3), 20)
    features = rng.randn(task.size, 4)
    y = features @ rng.randn(4) + task
    return np.column_stack([features, task]), y


def _fast(**kwargs):
    params = dict(hidden_layer_sizes=(8,), max_epochs=5, batch_size=16, lr=1e-2,
                  random_state=0)
    params.update(kwargs)
    return params


def test_random_state_makes_fits_identical_and_leaves_global_rng_alone():
    X, y = _small_regression()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = DMTRLRegressor(**_fast()).fit(X, y).predict(X)
    after = torch.rand(1)
    b = DMTRLRegressor(**_fast()).fit(X, y).predict(X)
    c = DMTRLRegressor(**_fast(random_state=1)).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert torch.equal(before, after)


def test_history_warm_start_and_device():
    X, y = _small_regression()
    est = DMTRLRegressor(**_fast(warm_start=True, device="cpu")).fit(X, y)
    assert len(est.net_.history) == 5
    assert est.history_[-1, "train_loss"] > 0
    net = est.net_
    est.fit(X, y)
    assert est.net_ is net and len(est.net_.history) == 10
    cold = DMTRLRegressor(**_fast()).fit(X, y)
    cold.fit(X, y)
    assert len(cold.net_.history) == 5
    assert next(est.net_.module_.parameters()).device.type == "cpu"


def test_early_stopping_callback_and_validation_split():
    X, y = _small_regression()
    stopper = EarlyStopping(monitor="train_loss", patience=2, threshold=1e6)
    est = DMTRLRegressor(**_fast(max_epochs=50, callbacks=[stopper])).fit(X, y)
    assert len(est.net_.history) == 3
    split = DMTRLRegressor(**_fast(train_split=ValidSplit(3))).fit(X, y)
    assert "valid_loss" in split.net_.history[-1]


def test_net_params_reach_skorch():
    X, y = _small_regression()
    est = DMTRLRegressor(**_fast(net_params={"optimizer__weight_decay": 0.5})).fit(X, y)
    assert est.net_.optimizer_.param_groups[0]["weight_decay"] == 0.5


@pytest.mark.parametrize(
    "params, X_fn, message",
    [
        ({}, lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X),
         "Input X contains NaN"),
        ({"conv_layers": ((2, 3),), "input_shape": (1, 3, 3)}, lambda X: X,
         "input_shape=(1, 3, 3) holds 9 values but X has 4 feature column(s)"),
        ({"factorisation": "cp"}, lambda X: X,
         "factorisation='cp' is not one of 'laf', 'tucker', 'tt'"),
    ],
)
def test_bad_input_raises_before_any_torch_code(monkeypatch, params, X_fn, message):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch training started before validation")

    monkeypatch.setattr(MultiTaskNet, "fit", forbidden)
    X, y = _small_regression()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DMTRLRegressor(**_fast(**params)).fit(X_fn(X), y)


def test_classifier_validates_labels_before_torch(monkeypatch):
    monkeypatch.setattr(MultiTaskNet, "fit", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("torch training started before validation")))
    X, y = _small_regression()
    labels = (y > 0).astype(int)
    labels[X[:, -1] == 1] = 7
    with pytest.raises(ValueError, match="Task 1.0 has one class"):
        DMTRLClassifier(**_fast()).fit(X, labels)
    with pytest.raises(ValueError, match="loss='hinge' needs every task to be binary"):
        DMTRLClassifier(**_fast(loss="hinge")).fit(X, np.arange(len(y)) % 3)
