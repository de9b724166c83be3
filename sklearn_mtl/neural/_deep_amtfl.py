"""Deep-AMTFL: deep asymmetric multi-task feature learning.

Lee, Yang & Hwang, "Deep Asymmetric Multi-task Feature Learning", ICML 2018,
eq. 7. A shared backbone (MLP, or LeNet-style conv blocks then dense layers;
a :class:`~sklearn_mtl.nn.TaskNetwork` of shared layers; or any user
``torch.nn.Module``, ``backbone=``) ends in the feature
layer ``Z`` (ReLU, non-negative); a linear head ``W^(L)`` gives one output per
task, ``F = Z W^(L)``; a feedback layer ``A`` (tasks -> features) rebuilds the
features from the task outputs, ``Zhat = relu(F A + b_A)``. The loss-weighted
l1 on each task's outgoing row of ``A`` lets only reliable (low-loss) tasks
shape the features.

Built on the neural base: the module's forward returns every quantity of the
objective, :class:`DeepAMTFLObjective` turns them into the terms of eq. 7 (the
asymmetric term and the reconstruction error are the shared ones of
:mod:`sklearn_mtl.nn`, as in the shallow AMTFL), and a method callback records
the final per-task training losses on the training data.
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from skorch.callbacks import Callback, LRScheduler
from skorch.utils import to_tensor
from torch import nn
from torch.nn import functional as F

from .._plotting import plot_feedback_matrix
from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin, _binary_proba
from ..nn import (
    LogisticLoss,
    TaskNetwork,
    check_backbone,
    loss_weighted_feedback,
    reconstruction_error,
    sample_size_terms,
)
from ._net import (
    BaseMultiTaskNeuralNet,
    MultiTaskNet,
    _NeuralClassifierMixin,
    _NeuralRegressorMixin,
)

__all__ = ["DeepAMTFLClassifier", "DeepAMTFLRegressor", "DeepAMTFLNet"]


# --------------------------------------------------------------------------- module


class CustomBackbone(nn.Module):
    """A user's backbone as the shared layers: reshape, the user's module, ReLU.

    ``forward(x)`` reshapes the flat rows ``(n, d)`` to ``(n, *input_shape)``
    when ``input_shape`` is given, applies ``net`` (the user's module, whose
    output must be ``(n, k)``) and a ReLU, so that the feature layer ``Z`` is
    non-negative as in the paper (a no-op on a backbone that ends in a ReLU).
    """

    def __init__(self, net, input_shape=None):
        super().__init__()
        self.net = net
        self.input_shape = None if input_shape is None else tuple(input_shape)

    def forward(self, x):
        if self.input_shape is not None:
            x = x.reshape(x.shape[0], *self.input_shape)
        return torch.relu(self.net(x))


def _backbone_width(backbone, x, input_shape):
    """The width k of the backbone's output, from one dry forward pass on one row.

    Runs in eval mode without gradients (a batch-norm layer cannot train on
    one row) and restores the training mode; refuses anything but ``(1, k)``.
    """
    row = x[:1]
    if input_shape is not None:
        row = row.reshape(1, *input_shape)
    was_training = backbone.training
    backbone.eval()
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            out = backbone(row)
    except Exception as exc:
        raise ValueError(
            f"backbone failed on one input row of shape {tuple(row.shape)}: "
            f"{type(exc).__name__}: {exc}. The backbone maps the rows of X (the flat "
            "feature columns, or images of input_shape) to the feature layer."
        ) from None
    finally:
        backbone.train(was_training)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[1] < 1:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"backbone must map a batch of n rows to a tensor of shape (n, k), the "
            f"feature layer; on one row of shape {tuple(row.shape)} it returned "
            f"{shape}. End it with a flatten (e.g. torch.nn.Flatten()) or a pooling "
            "to (n, k)."
        )
    return int(out.shape[1])


class DeepAMTFLNet(nn.Module):
    """Shared backbone, per-task output units and the task-to-feature feedback.

    ``forward(x, task)`` returns a dict: ``"prediction"``, each row's own
    task's output (long-form layout) or, with ``all_outputs=True``, the
    ``(n, T)`` outputs of every task (one-vs-rest layout); ``"outputs"``, the
    ``(n, T)`` outputs ``F``; ``"features"``, ``Z``; ``"reconstruction"``,
    ``Zhat``. Nothing is kept between calls.

    Storage: ``head`` is ``nn.Linear(k, T)`` (weight ``(T, k)`` = ``W^(L)``
    transposed); ``feedback`` is ``nn.Linear(T, k)`` whose weight ``(k, T)``
    is ``A`` transposed, so task t's outgoing row is ``feedback.weight[:, t]``.
    The buffer ``size_terms`` holds the constants ``delta_t`` of the objective.
    """

    def __init__(self, n_features, n_tasks, hidden_layer_sizes=(64,), conv_layers=(),
                 input_shape=None, all_outputs=False, init_std=0.01, size_terms=None,
                 backbone=None, feature_width=None):
        super().__init__()
        self.all_outputs = all_outputs
        if backbone is None:
            self.backbone = TaskNetwork(n_features, n_tasks, hidden_layer_sizes,
                                        conv_layers or (), input_shape, output=None,
                                        kinds="shared")
            width = hidden_layer_sizes[-1]
        else:
            self.backbone = CustomBackbone(backbone, input_shape)
            width = int(feature_width)
        self.head = nn.Linear(width, n_tasks)
        self.feedback = nn.Linear(n_tasks, width)
        for layer in (self.head, self.feedback):  # the authors' N(0, 0.01^2), zero bias
            nn.init.normal_(layer.weight, 0.0, init_std)
            nn.init.zeros_(layer.bias)
        self.register_buffer("size_terms", torch.zeros(n_tasks) if size_terms is None
                             else torch.as_tensor(size_terms, dtype=torch.float32))

    def features(self, x):
        """The shared feature layer ``Z`` (after its ReLU)."""
        return self.backbone(x)

    def feedback_matrix(self):
        """``A`` of shape ``(T, k)``, one row per source task."""
        return self.feedback.weight.T

    def forward(self, x, task):
        z = self.features(x)
        outputs = self.head(z)
        prediction = outputs if self.all_outputs else outputs.gather(
            1, task.reshape(-1, 1).long()).squeeze(1)
        return {"prediction": prediction, "outputs": outputs, "features": z,
                "reconstruction": torch.relu(self.feedback(outputs))}


# --------------------------------------------------------------------------- objective


def deep_amtfl_objective(module, outputs, task_losses, *, transfer_sparsity,
                         transfer_strength, sparsity, basis_penalty):
    """The terms of eq. 7 of the paper, in the form of the authors' code.

    ``sum_t (1 + alpha ||a_t^o||_1) (L_t + delta_t)`` (``"asymmetric"``),
    ``gamma mean_i ||z_i - zhat_i||^2`` (``"reconstruction"``), ``mu
    ||W^(L)||_1`` (``"sparsity"``) and ``lambda/2 sum_{l<L} ||W^(l)||^2``
    (``"basis_penalty"``: biases of the lower layers included, as
    ``tf.nn.l2_loss``; the head's bias and ``A`` get none). ``delta_t`` is the
    module's ``size_terms``; ``outputs`` are its forward outputs for the batch.
    Terms whose weight is 0 are left out.
    """
    terms = {"asymmetric": loss_weighted_feedback(
        task_losses + module.size_terms, module.feedback_matrix(), transfer_sparsity)}
    if transfer_strength:
        terms["reconstruction"] = transfer_strength * reconstruction_error(
            outputs["features"], outputs["reconstruction"])
    if sparsity:
        terms["sparsity"] = sparsity * module.head.weight.abs().sum()
    if basis_penalty:
        terms["basis_penalty"] = 0.5 * basis_penalty * sum(
            p.square().sum() for p in module.backbone.parameters())
    return terms


class DeepAMTFLObjective(MultiTaskNet):
    """:class:`MultiTaskNet` whose objective is Deep-AMTFL's (eq. 7).

    Per-task losses ``L_t`` are batch means over the rows of task t (long-form
    layout, :meth:`MultiTaskNet.task_losses`) or over all rows of the
    one-vs-rest binary problem t. A task with no row in a batch has ``L_t = 0``
    but keeps its ``alpha delta_t ||a_t||_1``.
    """

    def __init__(self, module, criterion, *, one_vs_rest=False, transfer_sparsity=1.0,
                 transfer_strength=0.01, sparsity=1e-4, basis_penalty=1e-4, **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.one_vs_rest = one_vs_rest
        self.transfer_sparsity = transfer_sparsity
        self.transfer_strength = transfer_strength
        self.sparsity = sparsity
        self.basis_penalty = basis_penalty

    def task_losses(self, outputs, y_true, X):
        if not self.one_vs_rest:
            return super().task_losses(outputs, y_true, X)
        logits = self.prediction(outputs)
        y_true = to_tensor(y_true, device=logits.device)
        onehot = F.one_hot(y_true.long(), logits.shape[1]).to(logits.dtype)
        losses = F.binary_cross_entropy_with_logits(logits, onehot, reduction="none").mean(0)
        return losses, onehot.sum(0).long()

    def objective_terms(self, outputs, y_true, X, training=False):
        losses, _ = self.task_losses(outputs, y_true, X)
        return deep_amtfl_objective(
            self.module_, outputs, losses, transfer_sparsity=self.transfer_sparsity,
            transfer_strength=self.transfer_strength, sparsity=self.sparsity,
            basis_penalty=self.basis_penalty)


class TrainingLosses(Callback):
    """At the end of training, each task's loss ``L_t`` (``task_losses_``) and the
    reconstruction error (``reconstruction_error_``) on the whole training set.

    A callback because ``on_train_end`` sees the training data: the estimator
    keeps none of it.
    """

    def on_train_end(self, net, X=None, y=None, **kwargs):
        with torch.random.fork_rng(devices=[]):
            outputs = net.forward(X, training=False, device=net.device)
        with torch.no_grad():
            losses, _ = net.task_losses(outputs, y, X)
            error = reconstruction_error(outputs["features"], outputs["reconstruction"])
        self.task_losses_ = losses.cpu().numpy().astype(np.float64)
        self.reconstruction_error_ = float(error)


# --------------------------------------------------------------------------- estimator


class _BaseDeepAMTFL(BaseMultiTaskNeuralNet):
    _parameter_constraints = {
        key: value for key, value in BaseMultiTaskNeuralNet._parameter_constraints.items()
        if key != "task_weighting"
    }
    _parameter_constraints.update({
        "transfer_sparsity": [Interval(Real, 0, None, closed="left")],
        "transfer_strength": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "basis_penalty": [Interval(Real, 0, None, closed="left")],
        "sample_size_penalty": [Interval(Real, 0, None, closed="left"),
                                StrOptions({"auto"})],
        "hidden_layer_sizes": [tuple, list, Integral],
        "conv_layers": [tuple, list, None],
        "input_shape": [tuple, list, None],
        # Checked in _check_architecture, with a message that says what fits.
        "backbone": "no_validation",
        "lr_schedule": [StrOptions({"paper"}), None],
    })

    _net_class = DeepAMTFLObjective
    _one_vs_rest = False

    def __init__(self, *, transfer_sparsity=1.0, transfer_strength=0.01, sparsity=1e-4,
                 basis_penalty=1e-4, sample_size_penalty="auto", hidden_layer_sizes=(64,),
                 conv_layers=None, input_shape=None, backbone=None, max_epochs=100,
                 lr=1e-3, lr_schedule=None, batch_size=128, optimizer=torch.optim.Adam,
                 callbacks=None, train_split=None, net_params=None, warm_start=False,
                 verbose=0, device="cpu", random_state=None, task_column=-1):
        self.transfer_sparsity = transfer_sparsity
        self.transfer_strength = transfer_strength
        self.sparsity = sparsity
        self.basis_penalty = basis_penalty
        self.sample_size_penalty = sample_size_penalty
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_layers = conv_layers
        self.input_shape = input_shape
        self.backbone = backbone
        self.max_epochs = max_epochs
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.train_split = train_split
        self.net_params = net_params
        self.warm_start = warm_start
        self.verbose = verbose
        self.device = device
        self.random_state = random_state
        self.task_column = task_column

    # ---- hooks of the neural base

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        backbone = self.backbone
        if backbone is not None:
            is_module = isinstance(backbone, nn.Module) or (
                isinstance(backbone, type) and issubclass(backbone, nn.Module))
            if not is_module:
                raise ValueError(
                    f"backbone={backbone!r} is not valid: pass a torch.nn.Module "
                    "instance (deep-copied at fit, its weights the start) or a "
                    "subclass of torch.nn.Module (built with no arguments), or None "
                    "for the built-in MLP / LeNet."
                )
            if self.conv_layers:
                raise ValueError(
                    "backbone and conv_layers cannot be combined: the backbone replaces "
                    "the built-in conv blocks and dense layers; set conv_layers=None."
                )
            _, _, input_shape = check_backbone(n_features, (), None, self.input_shape)
            self._backbone = ((), (), input_shape)
            return
        hidden, conv, input_shape = check_backbone(
            n_features, self.hidden_layer_sizes, self.conv_layers, self.input_shape)
        if not hidden:
            raise ValueError(
                "hidden_layer_sizes must hold at least one layer: its top layer is the "
                "shared feature layer Z that the task outputs reconstruct"
            )
        self._backbone = (hidden, conv, input_shape)

    def _module_n_tasks(self, n_tasks):
        return n_tasks

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        n_out = self._module_n_tasks(n_tasks)
        counts = np.bincount(np.asarray(y) if self._one_vs_rest else X["task"].numpy(),
                             minlength=n_out)
        self.n_task_samples_ = counts.astype(np.int64)
        delta = (1e-3 * np.sqrt(counts.mean()) if self.sample_size_penalty == "auto"
                 else float(self.sample_size_penalty))
        self.sample_size_terms_ = sample_size_terms(
            torch.as_tensor(np.maximum(counts, 1), dtype=torch.float64), delta).numpy()
        hidden, conv, input_shape = self._backbone
        backbone, width = None, None
        if self.backbone is not None:
            # Never the estimator's own object: fit must not move its weights.
            backbone = (self.backbone() if isinstance(self.backbone, type)
                        else copy.deepcopy(self.backbone))
            width = _backbone_width(backbone, X["x"], input_shape)
        return DeepAMTFLNet(n_features, n_out, hidden, conv, input_shape,
                            all_outputs=self._one_vs_rest, size_terms=self.sample_size_terms_,
                            backbone=backbone, feature_width=width)

    def _method_net_params(self):
        return {"one_vs_rest": self._one_vs_rest,
                "transfer_sparsity": self.transfer_sparsity,
                "transfer_strength": self.transfer_strength,
                "sparsity": self.sparsity, "basis_penalty": self.basis_penalty}

    def _method_callbacks(self):
        callbacks = [("training_losses", TrainingLosses())]
        if self.lr_schedule == "paper":
            callbacks.append(("lr_schedule", LRScheduler(
                torch.optim.lr_scheduler.StepLR, step_size=self._paper_lr_epoch(),
                gamma=0.1, step_every="epoch")))
        return callbacks

    def _paper_lr_epoch(self):
        """The epoch after which ``lr_schedule="paper"`` divides the rate by 10."""
        return max(1, int(self.max_epochs) // 2)

    def _train_module(self, module, X, y, n_tasks, **kwargs):
        # One-vs-rest: the tasks of the objective are the classes.
        return super()._train_module(module, X, y, module.head.out_features, **kwargs)

    def _set_fitted_attributes(self):
        module = self.net_.module_
        recorded = dict(self.net_.callbacks_)["training_losses"]

        def numpy(tensor):
            return tensor.detach().cpu().numpy().astype(np.float64)

        self.reconstruction_error_ = recorded.reconstruction_error_
        self.task_losses_ = recorded.task_losses_.copy()
        self.feedback_matrix_ = numpy(module.feedback_matrix())
        self.feedback_intercept_ = numpy(module.feedback.bias)
        self.coef_ = numpy(module.head.weight)
        self.intercept_ = numpy(module.head.bias)
        self.outgoing_transfer_ = np.abs(self.feedback_matrix_).sum(1)
        self.task_reliability_penalty_ = self.task_losses_ + self.sample_size_terms_
        self.loss_weights_ = 1.0 + self.transfer_sparsity * self.outgoing_transfer_
        self.task_transfer_ = self.feedback_matrix_ @ self.coef_.T
        magnitude = np.abs(self.task_transfer_)
        np.fill_diagonal(magnitude, 0.0)
        self.transfer_asymmetry_ = magnitude.sum(1) - magnitude.sum(0)

    def shared_features(self, X, tasks=None):
        """The shared feature layer ``Z`` of every row, shape ``(n, k)``."""
        outputs, _ = self._module_outputs(X, tasks)
        return outputs["features"].detach().cpu().numpy().astype(np.float64)

    def _task_names(self):
        return [str(t) for t in self.tasks_]

    def plot_feedback(self, kind="feedback", ax=None, cmap="viridis"):
        """Heat map of ``|A|`` (tasks x features) or ``|A W^(L)|`` (task -> task).

        Draws with :func:`sklearn_mtl.plotting.plot_feedback_matrix`.

        Parameters
        ----------
        kind : {"feedback", "transfer"}, default="feedback"
            ``"transfer"`` draws ``|task_transfer_|``: row = source, column =
            target (the paper's Fig. 6(b)).
        ax : matplotlib Axes, default=None
        cmap : str, default="viridis"

        Returns
        -------
        ax : matplotlib Axes
        """
        return plot_feedback_matrix(self, kind=kind, ax=ax, cmap=cmap,
                                    task_names=self._task_names())


_DOC = """
    The objective (paper eq. 7, as in the authors' code) is

    .. math::

        \\sum_t \\big(1 + \\alpha \\lVert a_t^o \\rVert_1\\big)(L_t + \\delta_t)
        + \\gamma \\operatorname{mean}_i \\lVert z_i - \\sigma(F_i A + b_A) \\rVert^2
        + \\mu \\lVert W^{(L)} \\rVert_1
        + \\frac{\\lambda}{2} \\sum_{l<L} \\lVert W^{(l)} \\rVert^2

    with ``Z`` the top hidden (feature) layer, ``F = Z W^(L) + b`` the task
    outputs, ``A`` (``feedback_matrix_``, tasks x features) the task-to-feature
    feedback and :math:`a_t^o` its row t. Expanded, the first sum puts an l1
    penalty of weight :math:`\\alpha (L_t + \\delta_t)` on task t's outgoing
    feedback: tasks with a high loss (unreliable) stop shaping the features.

    There is no ``task_weighting`` parameter (the other deep estimators have
    one): eq. 7 already fixes how tasks are weighted, each task's own mean loss
    :math:`L_t` times :math:`1 + \\alpha \\lVert a_t^o \\rVert_1`, summed over
    tasks. A row-count weighting would change the loss that the asymmetric l1
    reads as the task's reliability, so it has no place in the objective.

    Parameters
    ----------
    transfer_sparsity : float, default=1.0
        :math:`\\alpha`: weight of the loss-weighted l1 on each task's outgoing
        feedback (the asymmetry). 0 leaves a symmetric autoencoder. The l1 sums
        over the k features, so scale it down for wide feature layers (the
        authors use 0.1 with k=500; 1 suits k=64).
    transfer_strength : float, default=0.01
        :math:`\\gamma`: weight of the feature-reconstruction (autoencoder) term,
        a mean over rows of the squared error summed over features. 0 with
        ``transfer_sparsity=0`` gives the plain multi-task network (MT-NN/MT-CNN).
    sparsity : float, default=1e-4
        :math:`\\mu`: l1 on the task output weights :math:`W^{(L)}` (bias excluded).
    basis_penalty : float, default=1e-4
        :math:`\\lambda`: squared l2 (``lambda/2 ||.||^2``) on the backbone's
        weights and biases (layers 1..L-1), added to the loss (not Adam's
        ``weight_decay``); the same meaning as the shallow AMTFL's and GoMTL's
        ``basis_penalty`` on the shared basis.
    sample_size_penalty : float or "auto", default="auto"
        :math:`\\delta` in :math:`\\delta_t = \\delta / \\sqrt{N_t}`, the paper's
        constant that marks small tasks as less reliable (no gradient; it only
        raises the l1 weight on small tasks' feedback). ``"auto"``: the authors'
        ``1e-3 sqrt(mean_t N_t)``, i.e. :math:`\\delta_t = 10^{-3}
        \\sqrt{\\bar N / N_t}`.
    hidden_layer_sizes : tuple of int, default=(64,)
        Dense layers (ReLU) after the conv blocks; the last is the feature
        layer ``Z`` (paper: the 500-unit layer of LeNet). Ignored with a
        ``backbone``.
    conv_layers : tuple of (out_channels, kernel_size[, pool]), default=None
        LeNet-style conv blocks (valid conv, ReLU, max-pool, default 2) before
        the dense layers; needs ``input_shape``. The paper's LeNet is
        ``conv_layers=((20, 5), (50, 5)), hidden_layer_sizes=(500,)``.
    input_shape : tuple (channels, height, width), default=None
        Shape of one image; the feature columns of ``X`` are the flat image.
        With a ``backbone``, its rows are reshaped to ``(n, *input_shape)``.
    backbone : torch.nn.Module, subclass of torch.nn.Module or None, default=None
        Any network as the shared layers, in place of the built-in MLP / LeNet
        (``hidden_layer_sizes``, ``conv_layers``; ``conv_layers`` must then be
        None). It maps a batch of rows, ``(n, d)`` or ``(n, *input_shape)``,
        to ``(n, k)``; a ReLU on its output is the feature layer ``Z`` (a no-op
        if it ends in one). ``k`` is read from one dry forward pass (eval mode)
        on one training row. A class is built with no arguments at fit (seeded
        by ``random_state``); an instance is deep-copied at fit, so the
        estimator's parameter is never trained and :func:`~sklearn.base.clone`
        copies it, and its weights are the start (fine-tuning). Its
        parameters are the layers 1..L-1 of ``basis_penalty``. To configure
        one, pass an instance (skorch's ``backbone__param`` routing is not
        offered).
    max_epochs : int, default=100
    lr : float, default=1e-3
    lr_schedule : {"paper"} or None, default=None
        ``"paper"``: the authors' step schedule, ``lr`` for the first
        ``max(1, max_epochs // 2)`` epochs, then ``lr / 10`` (with
        ``lr=1e-4`` and Adam, the paper's 1e-4 then 1e-5), through a skorch
        :class:`~skorch.callbacks.LRScheduler` (``StepLR``) named
        ``"lr_schedule"``; the rate of each epoch is in ``history_[:,
        "event_lr"]``. None: a constant ``lr`` (or the user's own scheduler in
        ``callbacks``).
    batch_size : int, default=128
        Rows per batch; -1 trains full-batch.
    optimizer : torch optimizer class, default=torch.optim.Adam
        The l1 terms are subgradients inside the optimiser, as in the code.
    callbacks, train_split, net_params, warm_start, verbose, device
        skorch's, as in :class:`~sklearn_mtl.DMTRLRegressor` (e.g.
        ``callbacks=[skorch.callbacks.LRScheduler(...)]``).
    random_state : int, RandomState instance or None, default=None
        Seeds torch for the duration of the fit.
    task_column : int, str or None, default=-1
        Position (or DataFrame name) of the task column in ``X``; None: the
        tasks come from ``tasks=`` (or all rows are one task).
"""

_ATTR_DOC = """
    Attributes
    ----------
    net_ : DeepAMTFLObjective
        The fitted skorch net (``net_.history``, ``net_.module_``).
    feedback_matrix_ : ndarray of shape (n_tasks, k)
        ``A``, tasks -> features; row t is task t's outgoing feedback.
    feedback_intercept_ : ndarray of shape (k,)
    coef_ : ndarray of shape (n_tasks, k)
        ``W^(L)`` transposed, one row per task (as the shallow AMTFL's
        ``coef_``); ``intercept_`` its biases.
    outgoing_transfer_ : ndarray of shape (n_tasks,)
        ``||a_t^o||_1``, each task's outgoing feedback strength.
    task_transfer_ : ndarray of shape (n_tasks, n_tasks)
        ``A W^(L)`` (``feedback_matrix_ @ coef_.T``): row = source task,
        column = target task.
    transfer_asymmetry_ : ndarray of shape (n_tasks,)
        Off-diagonal out-sum minus in-sum of ``|task_transfer_|``.
    task_losses_ : ndarray of shape (n_tasks,)
        Final training loss ``L_t`` of every task (no ``delta_t``), on the
        whole training set (recorded by the net's ``"training_losses"`` callback).
    task_reliability_penalty_ : ndarray of shape (n_tasks,)
        ``L_t + delta_t``, the weight that multiplies ``alpha`` on row t of A.
    loss_weights_ : ndarray of shape (n_tasks,)
        ``1 + alpha ||a_t^o||_1``.
    n_task_samples_ : ndarray of shape (n_tasks,)
        ``N_t``: rows of task t (long-form) or positives of class t (one-vs-rest).
    sample_size_terms_ : ndarray of shape (n_tasks,)
        ``delta_t``.
    reconstruction_error_ : float
        ``mean_i ||z_i - zhat_i||^2`` on the training data.
    tasks_ : ndarray
    n_features_in_ : int
"""


class DeepAMTFLRegressor(MultiTaskRegressorMixin, _NeuralRegressorMixin, RegressorMixin,
                         _BaseDeepAMTFL):
    __doc__ = ("""Deep asymmetric multi-task feature learning, regression (Deep-AMTFL).

    Long-form data (one task per row), squared error per task,
    ``L_t = mean_{i in t} (y_i - f_t(x_i))^2``. Every row's features are
    reconstructed from the outputs of all tasks on it.
""" + _DOC + _ATTR_DOC + """
    References
    ----------
    .. [1] H. B. Lee, E. Yang and S. J. Hwang, "Deep Asymmetric Multi-task Feature
       Learning", ICML 2018.

    Examples
    --------
    >>> from sklearn_mtl import DeepAMTFLRegressor
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y = make_low_rank_tasks(n_tasks=4, n_samples=20, random_state=0)
    >>> est = DeepAMTFLRegressor(hidden_layer_sizes=(8,), max_epochs=5, batch_size=-1,
    ...                          random_state=0).fit(X, y)
    >>> est.coef_.shape, est.feedback_matrix_.shape
    ((4, 8), (4, 8))
""")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Train the network on the Deep-AMTFL objective.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, tasks)


class DeepAMTFLClassifier(MultiTaskClassifierMixin, _NeuralClassifierMixin, ClassifierMixin,
                          _BaseDeepAMTFL):
    __doc__ = ("""Deep asymmetric multi-task feature learning, classification (Deep-AMTFL).

    Two layouts:

    - ``one_vs_rest=False`` (default): long-form multi-task data, the task of
      each row in the task column; every task is binary (one logistic output
      per task), ``L_t`` = mean logistic loss over task t's rows, ``N_t`` =
      rows of task t.
    - ``one_vs_rest=True`` (the paper's setting: MNIST-Imbalanced, CUB...):
      ``X`` holds only features (``task_column=None``), ``y`` one multi-class
      label; task t is "is it class t?", every row is labelled for every
      task, ``L_t`` = mean over all rows of the binary logistic loss of
      output t, ``N_t`` = rows of class t, and the prediction is the class of
      the largest logit. ``classes_`` is then a plain array, and the tasks are
      the classes.
""" + _DOC + """    one_vs_rest : bool, default=False
        See above.
""" + _ATTR_DOC + """    classes_ : list of ndarray, or ndarray with ``one_vs_rest=True``

    References
    ----------
    .. [1] H. B. Lee, E. Yang and S. J. Hwang, "Deep Asymmetric Multi-task Feature
       Learning", ICML 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_mtl import DeepAMTFLClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> est = DeepAMTFLClassifier(one_vs_rest=True, task_column=None, max_epochs=3,
    ...                           random_state=0).fit(X / 16, y)
    >>> est.feedback_matrix_.shape
    (10, 64)
""")

    _parameter_constraints = {
        **_BaseDeepAMTFL._parameter_constraints,
        "one_vs_rest": ["boolean"],
    }
    _multi_class_tasks = False

    def __init__(self, *, one_vs_rest=False, transfer_sparsity=1.0, transfer_strength=0.01,
                 sparsity=1e-4, basis_penalty=1e-4, sample_size_penalty="auto",
                 hidden_layer_sizes=(64,), conv_layers=None, input_shape=None,
                 backbone=None, max_epochs=100, lr=1e-3, lr_schedule=None, batch_size=128,
                 optimizer=torch.optim.Adam, callbacks=None, train_split=None,
                 net_params=None, warm_start=False, verbose=0, device="cpu",
                 random_state=None, task_column=-1):
        super().__init__(
            transfer_sparsity=transfer_sparsity, transfer_strength=transfer_strength,
            sparsity=sparsity, basis_penalty=basis_penalty,
            sample_size_penalty=sample_size_penalty, hidden_layer_sizes=hidden_layer_sizes,
            conv_layers=conv_layers, input_shape=input_shape, backbone=backbone,
            max_epochs=max_epochs, lr=lr, lr_schedule=lr_schedule, batch_size=batch_size,
            optimizer=optimizer, callbacks=callbacks,
            train_split=train_split, net_params=net_params, warm_start=warm_start,
            verbose=verbose, device=device, random_state=random_state,
            task_column=task_column)
        self.one_vs_rest = one_vs_rest

    @property
    def _one_vs_rest(self):
        return bool(self.one_vs_rest)

    def _prepare_targets(self, y, task_index, warm):
        if not self._one_vs_rest:
            return super()._prepare_targets(y, task_index, warm)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if warm and not np.array_equal(classes, self.classes_):
            raise ValueError("warm_start=True needs the same classes as the first fit")
        if classes.size < 2:
            raise ValueError("one_vs_rest=True needs two or more classes in y; got "
                             f"{classes.size}.")
        self.classes_ = classes
        return codes.astype(np.int64).ravel(), None

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        if self._one_vs_rest and self.task_column is not None:
            raise ValueError(
                "one_vs_rest=True reads X as features only and y as one multi-class "
                "label (the tasks are the classes): set task_column=None; got "
                f"task_column={self.task_column!r}"
            )
        super()._check_architecture(n_features, n_tasks, output_sizes)

    def _module_n_tasks(self, n_tasks):
        return len(self.classes_) if self._one_vs_rest else n_tasks

    def _criterion(self):
        return LogisticLoss()

    def _task_names(self):
        if self._one_vs_rest:
            return [str(c) for c in self.classes_]
        return super()._task_names()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Train the network on the Deep-AMTFL objective.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``), or
            features only with ``one_vs_rest=True``.
        y : array-like of shape (n_samples,)
            Binary labels per task, or one multi-class label (``one_vs_rest``).
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        if self.one_vs_rest and tasks is not None:
            raise ValueError("one_vs_rest=True takes no tasks=: the tasks are the classes")
        return self._fit(X, y, tasks)

    def decision_function(self, X, tasks=None):
        """Logits: each row's own task's (long-form, shape ``(n,)``), or all
        classes' ``(n, n_classes)`` with ``one_vs_rest=True``."""
        output, _ = self._forward(X, tasks)
        return output.astype(np.float64)

    def predict_proba(self, X, tasks=None):
        """Long-form: ``[1 - p, p]`` of each row's task. One-vs-rest: the
        per-class sigmoids normalised to sum to 1 (a score, not calibrated)."""
        scores = self.decision_function(X, tasks)
        if scores.ndim == 1:
            return _binary_proba(scores)
        positive = expit(scores)
        return positive / positive.sum(axis=1, keepdims=True)

    def predict(self, X, tasks=None):
        """Each row's label (long-form) or the class of the largest logit."""
        output, task_index = self._forward(X, tasks)
        if self._one_vs_rest:
            return self.classes_[output.argmax(1)]
        return self._decode_task_labels((output > 0).astype(np.int64), task_index)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = bool(self.one_vs_rest)
        return tags
