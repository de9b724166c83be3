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


# --------------------------------------------------------------------------- issue 11:
# the hooks, task isolation, unlabelled rows, the developer page's toy, messages

import re  # noqa: E402
from pathlib import Path  # noqa: E402

from sklearn.base import clone  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from sklearn_mtl import DeepAMTFLClassifier, DeepAMTFLRegressor, GoMTLRegressor  # noqa: E402
from sklearn_mtl.nn import TaskNetwork  # noqa: E402

DEVELOPER_PAGE = Path(__file__).resolve().parents[1] / "doc" / "developer.rst"


def _toy_namespace():
    """Run the worked example of doc/developer.rst: its first code block after the
    ``developer-toy`` label, exactly as the page shows it."""
    text = DEVELOPER_PAGE.read_text()
    text = text[text.index(".. _developer-toy:"):]
    block = text[text.index(".. code-block:: python") + len(".. code-block:: python"):]
    lines = []
    for line in block.splitlines()[1:]:
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    namespace = {"__name__": "developer_toy"}
    exec(compile("\n".join(lines), str(DEVELOPER_PAGE), "exec"), namespace)
    return namespace


TOY = _toy_namespace()
Toy = TOY["SharedAutoencoderClassifier"]


def _related_tasks(seed, n_tasks=8, n_train=10, n_test=50, d=10, spread=0.3):
    """Binary tasks w_t = w + spread * noise on isotropic features (task column last)."""
    rng = np.random.RandomState(seed)
    weights = rng.randn(d)[None, :] + spread * rng.randn(n_tasks, d)

    def draw(n):
        task = np.repeat(np.arange(n_tasks), n)
        x = rng.randn(task.size, d)
        return np.column_stack([x, task]), ((x * weights[task]).sum(1) > 0).astype(int)

    return draw(n_train) + draw(n_test)


def test_developer_toy_beats_its_single_task_baseline():
    """Measured: joint 0.81 / 0.78 / 0.82, one fit per task 0.69 / 0.67 / 0.73 (seeds 0-2)."""
    X, y, X_test, y_test = _related_tasks(0)
    joint = Toy(random_state=0).fit(X, y)
    assert len(joint.net_.history) == 100
    single = []
    for t in range(8):
        rows, test = X[:, -1] == t, X_test[:, -1] == t
        est = Toy(random_state=0, task_column=None).fit(X[rows, :-1], y[rows])
        single.append(est.score(X_test[test, :-1], y_test[test]))
    assert joint.score(X_test, y_test) >= np.mean(single) + 0.05


def test_unlabelled_rows_act_only_through_unsupervised_terms():
    X, y, _, _ = _related_tasks(1, n_tasks=3, n_train=12, d=4)
    rng = np.random.RandomState(0)
    extra = np.column_stack([rng.randn(9, 4), np.repeat([0, 1, 2], 3)])
    X_all, y_all = np.vstack([X, extra]), np.concatenate([y, -np.ones(9, dtype=int)])
    # Unlabelled rows interleaved, the labelled ones kept in their order.
    order = np.argsort(np.concatenate([np.arange(len(y)), rng.uniform(0, len(y), 9)]),
                       kind="stable")
    X_all, y_all = X_all[order], y_all[order]
    fixed = dict(max_epochs=15, random_state=0, net_params={"iterator_train__shuffle": False})

    def weights(est):
        return [p.detach().numpy().copy() for p in est.net_.module_.parameters()]

    plain = Toy(reconstruction=0.0, **fixed).fit(X, y)
    masked = Toy(reconstruction=0.0, **fixed).fit(X_all, y_all)
    for a, b in zip(weights(plain), weights(masked)):
        np.testing.assert_array_equal(a, b)
    assert [c.tolist() for c in masked.task_classes_] == [[0, 1]] * 3  # -1 is no class
    # The masking itself: in one batch, the supervised term and its gradient are
    # those of the labelled rows alone (up to float rounding of the larger matmul).
    net = Toy(reconstruction=1.0, **fixed).fit(X_all, y_all).net_
    labelled = y_all >= 0

    def supervised(rows):
        batch = {"x": torch.as_tensor(X_all[rows, :-1], dtype=torch.float32),
                 "task": torch.as_tensor(X_all[rows, -1], dtype=torch.long)}
        target = torch.as_tensor(np.where(y_all[rows] >= 0, y_all[rows], np.nan),
                                 dtype=torch.float32)
        net.module_.zero_grad()
        terms = net.objective_terms(net.infer(batch), target, batch, training=True)
        terms["supervised"].backward()
        return float(terms["supervised"]), net.module_.heads.weight.grad.clone()

    value_all, grad_all = supervised(np.ones(len(y_all), dtype=bool))
    value_lab, grad_lab = supervised(labelled)
    assert value_all == pytest.approx(value_lab, rel=1e-6)
    torch.testing.assert_close(grad_all, grad_lab, rtol=1e-5, atol=1e-7)
    # With the reconstruction term the unlabelled rows do change the fit.
    with_term = Toy(reconstruction=1.0, **fixed).fit(X_all, y_all)
    without = Toy(reconstruction=1.0, **fixed).fit(X, y)
    assert not np.allclose(weights(with_term)[0], weights(without)[0])
    with pytest.raises(ValueError, match=re.escape(
            "Task(s) [2.0] have no labelled row (every y is -1): each task needs labelled "
            "rows of two or more classes.")):
        Toy(**fixed).fit(X, np.where(X[:, -1] == 2, -1, y))


@pytest.mark.parametrize("output", ["unit", "heads", "factorised"])
def test_one_task_batch_leaves_other_tasks_private_parameters_untouched(output):
    """A batch of task 0 only: exactly zero gradient on tasks 1-2's private
    parameters, non-zero on task 0's and on the shared ones."""
    from sklearn_mtl.nn import CrossEntropyLoss

    torch.manual_seed(0)
    heads = output == "heads"
    net = TaskNetwork(4, 3, hidden_layer_sizes=(5,), output="heads" if heads else "unit",
                      output_sizes=[2, 3, 2] if heads else None,
                      kinds="per_task" if output == "factorised" else
                      {"fc1": "shared", "out": "per_task"})
    if output == "factorised":
        net = net.factorised("laf", {"fc1": 2, "out": 2})
    x, task = torch.randn(6, 4), torch.zeros(6, dtype=torch.long)
    target = torch.zeros(6, dtype=torch.long) if heads else torch.randn(6)
    trainer = MultiTaskNet(net, CrossEntropyLoss() if heads else SquaredErrorLoss(),
                           n_tasks=3, max_epochs=0, train_split=None).initialize()
    batch = {"x": x, "task": task}
    trainer.get_loss(trainer.infer(batch), target, X=batch).backward()

    def zero(grad):
        return grad is None or bool((grad == 0).all())

    if output == "factorised":  # L shared; column t of S and bias row t are task t's
        for layer in net.layers:
            assert zero(layer.S.grad[:, 1:]) and not zero(layer.S.grad[:, 0])
            assert zero(layer.bias.grad[1:]) and not zero(layer.bias.grad[0])
            assert not zero(layer.L.grad)
        return
    shared = net.layers[0]
    assert not zero(shared.weight.grad) and not zero(shared.bias.grad)
    if heads:
        assert not zero(net.head.heads[0].weight.grad)
        assert all(zero(head.weight.grad) and zero(head.bias.grad)
                   for head in net.head.heads[1:])
    else:
        out = net.layers[1]
        assert zero(out.weight.grad[1:]) and not zero(out.weight.grad[0])
        assert zero(out.bias.grad[1:]) and not zero(out.bias.grad[0])


class _Tag(Callback):
    def __init__(self, log, tag):
        self.log, self.tag = log, tag

    def on_epoch_end(self, net, **kwargs):
        self.log.append(self.tag)


def test_method_callbacks_run_before_the_users():
    log = []

    class Reweighted(Toy):
        def _method_callbacks(self):
            return [("reweight", _Tag(log, "method"))]

    X, y, _, _ = _related_tasks(0, n_tasks=2)
    Reweighted(max_epochs=2, callbacks=[_Tag(log, "user")], random_state=0).fit(X, y)
    assert log == ["method", "user", "method", "user"]
    with pytest.raises(ValueError, match=re.escape(
            "callbacks[0] is named 'reweight', the name of a callback that Reweighted adds "
            "itself; give it another name.")):
        Reweighted(callbacks=[("reweight", _Tag(log, "user"))]).fit(X, y)


def test_unsupervised_fit_without_y():
    class Autoencoder(Toy):
        _requires_y = False

        def fit(self, X, y=None, tasks=None):
            return self._fit(X, y, tasks)

        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.target_tags.required = False
            return tags

    X, _, _, _ = _related_tasks(0, n_tasks=2)
    est = Autoencoder(max_epochs=30, random_state=0).fit(X)
    losses = est.net_.history[:, "train_loss"]
    assert losses[-1] < 0.8 * losses[0]  # the reconstruction term alone trains


_NEURAL = [
    ("DMTRLRegressor", lambda **kw: DMTRLRegressor(**_fast(**kw))),
    ("DeepAMTFLRegressor", lambda **kw: DeepAMTFLRegressor(**_fast(**kw))),
    ("SharedAutoencoderClassifier", lambda **kw: Toy(max_epochs=2, **kw)),
]


@pytest.mark.parametrize("params, message", [
    ({"device": "tpu"}, "device='tpu' is not a valid device: use 'cpu', 'cuda', "
     "'cuda:<index>', 'mps', 'xpu' or a torch.device."),
    ({"device": "garbage"}, "device='garbage' is not a valid device: use 'cpu', 'cuda', "
     "'cuda:<index>', 'mps', 'xpu' or a torch.device."),
    ({"device": "meta"}, "device='meta' is not a device the estimators can train on: use "
     "'cpu', 'cuda', 'cuda:<index>', 'mps', 'xpu' or a torch.device."),
    ({"callbacks": [1]}, "callbacks[0]=1 is not valid: each item of callbacks must be a "
     "skorch callback (an instance of skorch.callbacks.Callback, or the class) or a "
     "(name, callback) pair."),
    ({"optimizer": dict}, "optimizer=<class 'dict'> is not a torch optimizer: pass a "
     "subclass of torch.optim.Optimizer such as torch.optim.Adam (the class, not an "
     "instance)."),
    ({"net_params": {"max_epochs": -5}}, "net_params={'max_epochs': ...} sets "
     "'max_epochs', a parameter of {name} itself: pass {name}(max_epochs=...) instead "
     "(validated, and seen by get_params and grid searches)."),
    ({"net_params": {"module__width": 3}}, "net_params={'module__width': ...} is not "
     "allowed: {name} builds its module, criterion and objective from its own "
     "parameters."),
    ({"net_params": {"iterator_trian__shuffle": False}}, "net_params="
     "{'iterator_trian__shuffle': ...} is not a skorch NeuralNet argument: use one of "
     "NeuralNet's (e.g. 'iterator_train', 'use_caching') or a routed one "
     "('optimizer__weight_decay', 'iterator_train__shuffle', "
     "'callbacks__<name>__<param>')."),
])
@pytest.mark.parametrize("name, make", _NEURAL, ids=[n for n, _ in _NEURAL])
def test_device_and_skorch_parameter_messages(monkeypatch, params, message, name, make):
    monkeypatch.setattr(MultiTaskNet, "fit", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError("training started before validation")))
    X, y = _small_regression()
    if name == "SharedAutoencoderClassifier":
        y = (y > np.median(y)).astype(int)
    with pytest.raises(ValueError, match="^" + re.escape(message.replace("{name}", name)) + "$"):
        make(**params).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("make", [
    lambda: DMTRLRegressor(**_fast(device="cuda")),
    lambda: DeepAMTFLRegressor(**_fast(device="cuda")),
    lambda: GoMTLRegressor(device="cuda"),
    lambda: clone(Toy(device="cuda")),
], ids=["DMTRL", "DeepAMTFL", "GoMTL", "toy"])
def test_cuda_without_cuda_same_message_everywhere(make):
    X, y = _small_regression()
    est = make()
    if isinstance(est, Toy):
        y = (y > np.median(y)).astype(int)
    with pytest.raises(ValueError, match="^" + re.escape(
            "device='cuda' was requested but CUDA is not available on this machine; "
            "use device='cpu'.") + "$"):
        est.fit(X, y)


def test_deep_amtfl_keeps_no_state_between_forward_and_loss():
    X, y = _small_regression()
    labels = (y > np.median(y)).astype(int)
    est = DeepAMTFLClassifier(**_fast()).fit(X, labels)
    assert not hasattr(est, "_fit_data")
    assert not any(name.endswith("cache_") for name in vars(est.net_.module_))
    assert est.task_losses_.shape == (3,) and np.all(est.task_losses_ > 0)
    assert DeepAMTFLClassifier(**_fast(max_epochs=0)).fit(X, labels).task_losses_.shape == (3,)
