"""DMTRL: deep multi-task nets whose every layer is factorised across tasks.

Yang & Hospedales, "Deep Multi-task Representation Learning: A Tensor
Factorisation Approach", ICLR 2017.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin, _plain
from ..metrics import sharing_strength, sharing_strength_cosine, task_similarity
from ..nn import (
    LAYER_KINDS,
    TaskFactorisedConv2d,
    TaskFactorisedLinear,
    TaskNetwork,
    check_backbone,
    layer_shapes,
)
from ..nn._decompositions import _explicit_ranks, _parse_rank, check_factorisation
from ._net import BaseMultiTaskNeuralNet, _NeuralClassifierMixin, _NeuralRegressorMixin

__all__ = ["DMTRLClassifier", "DMTRLRegressor"]


# --------------------------------------------------------------------------- helpers


def _task_rank(layer):
    return layer.ranks[0] if layer.factorisation == "laf" else layer.ranks[-1]


def _non_task_size(layer):
    if isinstance(layer, TaskFactorisedConv2d):
        return layer.in_channels * layer.out_channels * int(np.prod(layer.kernel_size))
    return layer.in_features * layer.out_features


def _stack_shape(spec, n_tasks):
    if spec[0] == "conv":
        _, c_in, c_out, k, _ = spec
        return (k, k, c_in, c_out, n_tasks)
    return (spec[1], spec[2], n_tasks)


# --------------------------------------------------------------------------- estimator


class _BaseDMTRL(BaseMultiTaskNeuralNet):
    """Architecture, two-stage training and diagnostics shared by both estimators."""

    _parameter_constraints = {
        **BaseMultiTaskNeuralNet._parameter_constraints,
        "factorisation": [str],
        "rank": [Real, tuple, list, dict],
        "rank_rule": [StrOptions({"frobenius", "spectral"})],
        "hidden_layer_sizes": [tuple, list, Integral],
        "conv_layers": [tuple, list, None],
        "input_shape": [tuple, list, None],
        "activation": [StrOptions({"relu", "tanh"})],
        "init": [StrOptions({"stl", "random"})],
        "stl_max_epochs": [Interval(Integral, 0, None, closed="left"), None],
        "output_layer": [StrOptions({"per_task", "factorised"})],
    }

    #: Kind of the trained model's layers: "factorised" (DMTRL), or a baseline's
    #: "independent" / "shared" / {layer name: kind} (used by the benchmarks).
    _layer_kind = "factorised"

    def __init__(
        self,
        factorisation="laf",
        *,
        rank=0.1,
        rank_rule="frobenius",
        hidden_layer_sizes=(64,),
        conv_layers=None,
        input_shape=None,
        activation="relu",
        init="stl",
        stl_max_epochs=None,
        output_layer="per_task",
        max_epochs=100,
        lr=1e-3,
        batch_size=128,
        optimizer=torch.optim.Adam,
        task_weighting="uniform",
        callbacks=None,
        train_split=None,
        net_params=None,
        warm_start=False,
        verbose=0,
        device="cpu",
        random_state=None,
        task_column=-1,
    ):
        self.factorisation = factorisation
        self.rank = rank
        self.rank_rule = rank_rule
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_layers = conv_layers
        self.input_shape = input_shape
        self.activation = activation
        self.init = init
        self.stl_max_epochs = stl_max_epochs
        self.output_layer = output_layer
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.task_weighting = task_weighting
        self.callbacks = callbacks
        self.train_split = train_split
        self.net_params = net_params
        self.warm_start = warm_start
        self.verbose = verbose
        self.device = device
        self.random_state = random_state
        self.task_column = task_column

    # ---- validation (before any torch code)

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        factorisation = check_factorisation(self.factorisation)
        hidden, conv, input_shape = check_backbone(
            n_features, self.hidden_layer_sizes, self.conv_layers, self.input_shape)
        # Width of a task-factorised multi-class output layer ("out"), or None.
        shared_classes = None
        if self.output_layer == "factorised" and hasattr(self, "task_classes_"):
            self._check_same_label_sets()
            if output_sizes is not None:
                shared_classes, output_sizes = output_sizes[0], None
        if output_sizes is not None and not hidden and not conv:
            raise ValueError(
                "tasks with more than two classes need at least one hidden or conv layer: "
                "their per-task output heads are not shared, so with none there would "
                "be nothing to factorise"
            )
        if output_sizes is not None and conv and not hidden:
            raise ValueError("heterogeneous classification with conv_layers needs "
                             "hidden_layer_sizes with at least one layer")
        self._architecture = {
            "hidden_layer_sizes": hidden,
            "conv_layers": conv,
            "input_shape": input_shape,
            "output_sizes": output_sizes,
            "shared_classes": shared_classes,
        }
        shapes = layer_shapes(n_features, hidden, conv, input_shape, output_sizes is None)
        if shared_classes is not None:
            # One output per class, the same classes in every task: the output
            # layer is a layer like the others (task-stacked, factorised).
            shapes["out"] = ("fc", shapes["out"][1], shared_classes)
        self._shapes = shapes
        self._layer_ranks = self._check_ranks(shapes, n_tasks, factorisation)
        return shapes

    def _check_same_label_sets(self):
        first = self.task_classes_[0]
        if any(c.shape != first.shape or np.any(c != first) for c in self.task_classes_):
            sets = ", ".join(f"task {_plain(t)!r}: {c.tolist()}"
                             for t, c in zip(self.tasks_, self.task_classes_))
            raise ValueError(
                "output_layer='factorised' needs every task to have the same label "
                f"set, but the tasks' label sets differ ({sets}). Use "
                "output_layer='per_task' for tasks with different label sets."
            )

    def _check_ranks(self, shapes, n_tasks, factorisation):
        rank = self.rank
        if isinstance(rank, dict):
            unknown = sorted(set(rank) - set(shapes))
            if unknown:
                raise ValueError(
                    f"rank names unknown layer(s) {unknown}; the layers are {list(shapes)}"
                )
            ranks = {name: rank.get(name, 0.1) for name in shapes}
        else:
            ranks = {name: rank for name in shapes}
        for name, layer_rank in ranks.items():
            if isinstance(layer_rank, list):
                layer_rank = ranks[name] = tuple(layer_rank)
            eps, explicit = _parse_rank(layer_rank)
            if explicit is not None:
                shape = _stack_shape(shapes[name], n_tasks)
                try:
                    _explicit_ranks(factorisation, shape, explicit, layer_rank)
                except ValueError as exc:
                    raise ValueError(f"layer {name!r}: {exc}") from None
        return ranks

    # ---- two-stage training

    def _net_for(self, n_features, n_tasks, kinds):
        arch = self._architecture
        heads = arch["output_sizes"] is not None
        net = TaskNetwork(
            n_features, n_tasks, arch["hidden_layer_sizes"], arch["conv_layers"],
            arch["input_shape"], output="heads" if heads else "unit",
            output_sizes=arch["output_sizes"], activation=self.activation, kinds=kinds,
        )
        n_classes = arch.get("shared_classes")
        if n_classes is not None:
            # output_layer="factorised": the "out" layer gets one unit per class
            # (no activation after it; the forward's squeeze leaves its
            # (batch, n_classes) logits as they are), so TaskNetwork.factorised
            # decomposes it like every other per-task layer.
            kind = kinds if isinstance(kinds, str) else kinds["out"]
            dense, _ = LAYER_KINDS[kind]
            net.layers[-1] = dense(self._shapes["out"][1], n_classes, n_tasks)
        return net

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        factorisation = check_factorisation(self.factorisation)
        self.stl_module_ = None
        if self._layer_kind != "factorised":
            kinds = self._layer_kind
            if callable(kinds):
                kinds = kinds(list(self._shapes))
            return self._net_for(n_features, n_tasks, kinds)
        # Independent per-task draws, as the single-task nets would start.
        stl = self._net_for(n_features, n_tasks, "independent")
        if self.init == "stl":
            stl_epochs = self.max_epochs if self.stl_max_epochs is None else self.stl_max_epochs
            # The T single-task nets are trained together: their parameters are
            # disjoint, so the task-uniform loss trains each on its own rows.
            stl_net = self._train_module(stl, X, y, n_tasks, max_epochs=stl_epochs,
                                         callbacks=None)
            stl = stl_net.module_
            self.stl_history_ = stl_net.history
            self.stl_module_ = copy.deepcopy(stl)
        module = stl.factorised(factorisation, self._layer_ranks, self.rank_rule)
        self._init_diagnostics(module, n_tasks)
        return module

    def _factorised_layers(self, module):
        return {
            name: layer for name, layer in zip(module.layer_names, module.layers)
            if isinstance(layer, (TaskFactorisedLinear, TaskFactorisedConv2d))
        }

    def _init_diagnostics(self, module, n_tasks):
        layers = self._factorised_layers(module)
        self.ranks_ = {name: layer.ranks for name, layer in layers.items()}
        self.init_reconstruction_error_ = {
            name: float(layer.init_reconstruction_error) for name, layer in layers.items()
        }
        if self.init == "stl" and n_tasks > 1 and layers and all(
            _task_rank(layer) >= min(n_tasks, _non_task_size(layer)) for layer in layers.values()
        ):
            warnings.warn(
                f"init='stl' picked the full task-mode rank in every layer ({n_tasks} "
                f"tasks, or the layer's other dimensions where fewer; ranks "
                f"{self.ranks_}): the factorisation then only reparametrises the "
                "single-task nets, and any gain comes from fine-tuning the shared "
                "factors. Pass a larger relative error or explicit ranks to share more.",
                UserWarning,
                stacklevel=6,
            )

    def _set_fitted_attributes(self):
        module = self.net_.module_
        layers = self._factorised_layers(module)
        self.layer_names_ = list(module.layer_names)
        self.task_factors_ = {}
        self.shared_factors_ = {}
        for name, layer in layers.items():
            with torch.no_grad():
                self.task_factors_[name] = layer.task_factor().detach().cpu().numpy().astype(
                    np.float64)
                self.shared_factors_[name] = {
                    key: value.detach().cpu().numpy()
                    for key, value in layer.shared_factors().items()
                }
        self.sharing_strength_ = {n: sharing_strength(s) for n, s in self.task_factors_.items()}
        self.sharing_strength_cosine_ = {
            n: sharing_strength_cosine(s) for n, s in self.task_factors_.items()
        }
        self.task_similarity_ = {n: task_similarity(s) for n, s in self.task_factors_.items()}
        n_tasks = len(self.tasks_)
        self.n_parameters_ = int(sum(layer.n_parameters for layer in layers.values()))
        self.n_parameters_stl_ = int(sum(
            n_tasks * int(np.prod(_stack_shape(self._shapes[name], 1)))
            for name in layers
        ))

    def task_weights(self, layer, task):
        """The composed weight ``W^(t)`` of one layer for one task.

        Parameters
        ----------
        layer : str
            A layer name from ``layer_names_`` (``"conv1"``, ``"fc1"``, ``"out"``...).
        task : task label
            One of ``tasks_``.

        Returns
        -------
        weight : ndarray
            ``(in_features, out_features)`` for a dense layer, ``(H, W, C, M)``
            (the paper's order) for a convolution.
        """
        check_is_fitted(self, "net_")
        layers = self._factorised_layers(self.net_.module_)
        if layer not in layers:
            raise ValueError(f"layer={layer!r} is not one of {list(layers)}")
        matches = np.flatnonzero(self.tasks_ == task)
        if matches.size == 0:
            raise ValueError(f"task {task!r} was not seen during fit; tasks are "
                             f"{self.tasks_.tolist()}")
        with torch.no_grad():
            return layers[layer].task_weights(int(matches[0])).cpu().numpy().astype(np.float64)

    def plot_sharing_strength(self, ax=None, kind="both"):
        """Bar chart of the sharing strength of every factorised layer.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        kind : {"both", "cosine", "softmax"}, default="both"
            ``"cosine"``: ``sharing_strength_cosine_``; ``"softmax"``: the
            paper's ``sharing_strength_``.

        Returns
        -------
        ax : matplotlib Axes
        """
        check_is_fitted(self, "net_")
        if kind not in ("both", "cosine", "softmax"):
            raise ValueError(f"kind={kind!r} is not one of 'both', 'cosine', 'softmax'")
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise ImportError("plot_sharing_strength needs matplotlib") from exc
        if ax is None:
            _, ax = plt.subplots()
        names = list(self.sharing_strength_cosine_)
        x = np.arange(len(names))
        series = []
        if kind in ("both", "cosine"):
            series.append(("cosine (no softmax)", self.sharing_strength_cosine_))
        if kind in ("both", "softmax"):
            series.append(("paper eq. 9 (softmax)", self.sharing_strength_))
        width = 0.8 / len(series)
        for i, (label, values) in enumerate(series):
            ax.bar(x + (i - (len(series) - 1) / 2) * width, [values[n] for n in names],
                   width, label=label)
        ax.set_xticks(x)
        ax.set_xticklabels(names)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("sharing strength")
        ax.legend()
        return ax


_PARAMS_DOC = """
    Parameters
    ----------
    factorisation : {"laf", "tucker", "tt"}, default="laf"
        How every shareable layer's task-stacked weight tensor is factorised:
        last-axis flattening ``W = L S`` (``"svd"`` is an alias, the paper's
        v1 name), Tucker, or Tensor-Train.
    rank : float, int, tuple of int or dict, default=0.1
        Float in (0, 1): the maximum relative reconstruction error of every
        SVD of the initial decomposition (the paper's :math:`\\epsilon`, 10%
        throughout the paper); the ranks follow from it. Int: the same
        explicit rank everywhere, capped at each mode's size. Tuple: one rank
        per position (LAF 1, Tucker N, TT N-1); a rank above what a layer
        allows raises a ``ValueError``. Dict: layer name (``"conv1"``,
        ``"fc1"``, ``"out"``...) to one of the former; unnamed layers use 0.1.
    rank_rule : {"frobenius", "spectral"}, default="frobenius"
        How a float ``rank`` is read: ``||A - A_K||_F <= eps ||A||_F``, or
        ``sigma_{K+1} <= eps sigma_1`` (closer to the authors' code).
    hidden_layer_sizes : tuple of int, default=(64,)
        Widths of the dense hidden layers (after the conv blocks, if any).
    conv_layers : tuple of (out_channels, kernel_size[, pool]), default=None
        Conv blocks: valid convolution, activation, ``pool x pool`` max-pool
        (default 2). The paper's MNIST LeNet is ``((32, 5), (64, 4))`` with
        ``hidden_layer_sizes=(512,)``. Needs ``input_shape``.
    input_shape : tuple (channels, height, width), default=None
        Shape of one image; the feature columns of ``X`` are the flattened
        image (C-order), e.g. ``(1, 28, 28)``.
    activation : {"relu", "tanh"}, default="relu"
    init : {"stl", "random"}, default="stl"
        ``"stl"``: the paper's two stages: train one net per task, stack their
        weights and decompose them at ``rank`` as initial factors (biases and
        per-task heads copied), then train end to end. ``"random"``: decompose
        randomly drawn per-task weights instead (the paper's v2 recipe).
    stl_max_epochs : int, default=None
        Epochs of the single-task stage; None uses ``max_epochs``.
    output_layer : {"per_task", "factorised"}, default="per_task"
        The output layer of a classifier whose tasks have more than two
        classes. ``"per_task"``: one softmax head per task, not shared (the
        only choice when tasks have different label sets). ``"factorised"``:
        every task has the same label set (e.g. the digits of MNIST beside
        those of USPS, the paper's multi-domain setting, section 4.4), so the
        output layer ``"out"`` (``n_classes`` units) is task-factorised like
        the hidden layers, at ``rank`` (it appears in ``ranks_``,
        ``task_factors_`` and ``n_parameters_``); tasks with different label
        sets raise a ``ValueError``. An output of one unit per task (a
        regressor, or a classifier whose tasks are all binary) is factorised
        with either value.
    max_epochs : int, default=100
        Epochs of end-to-end training (skorch's ``max_epochs``).
    lr : float, default=1e-3
        Learning rate of both stages.
    batch_size : int, default=128
        Rows per batch; -1 trains full-batch.
    optimizer : torch optimizer class, default=torch.optim.Adam
    task_weighting : {"uniform", "samples"}, default="uniform"
        The objective: mean over tasks of each task's mean loss, or the mean
        over rows (of each batch).
    callbacks : list of skorch callbacks, default=None
        Added to skorch's defaults for the end-to-end stage (e.g.
        ``EarlyStopping(monitor="train_loss")``, ``ProgressBar()``).
    train_split : callable, default=None
        skorch's validation split (e.g. ``skorch.dataset.ValidSplit(5)``);
        None trains on every row.
    net_params : dict, default=None
        Further :class:`skorch.NeuralNet` parameters, e.g.
        ``{"optimizer__weight_decay": 1e-4, "iterator_train__shuffle": False}``.
    warm_start : bool, default=False
        Whether a second ``fit`` continues training the fitted net (same
        tasks and classes) instead of starting again.
    verbose : int, default=0
        skorch's epoch log.
    device : str or torch.device, default="cpu"
    random_state : int, RandomState instance or None, default=None
        Seeds torch (initialisation, shuffling) for the duration of the fit;
        two fits with the same int are identical.
    task_column : int, str or None, default=-1
        Position of the task column in ``X`` (or its DataFrame name). None:
        ``X`` holds only features and the tasks come from ``tasks=``, or all
        rows are one task.
"""

_ATTRIBUTES_DOC = """
    net_ : MultiTaskNet
        The fitted skorch net (``net_.history``, ``net_.module_``).
    stl_module_ : torch.nn.Module or None
        The trained single-task nets of the first stage (``init="stl"``).
    stl_history_ : skorch History
        Training history of the single-task stage (``init="stl"`` only).
    layer_names_ : list of str
        Names of the parametrised layers, input to output.
    ranks_ : dict
        Layer name to its ranks: ``(K,)`` LAF, ``(K_1..K_N)`` Tucker,
        ``(K_1..K_{N-1})`` TT. The last one is the task-mode rank.
    init_reconstruction_error_ : dict
        Layer name to the relative Frobenius error of the initial decomposition.
    task_factors_ : dict
        Layer name to its ``K x T`` task-specific matrix (LAF ``S``, Tucker
        ``U_N^T``, TT ``U_N``), columns in the order of ``tasks_``.
    shared_factors_ : dict
        Layer name to a dict of its shared factors.
    sharing_strength_ : dict
        Layer name to the paper's sharing strength (eq. 9): the mean pairwise
        cosine of the columns of ``softmax(|S|)`` (column-wise softmax).
        Hard sharing gives 1, but single-task nets (``S = I``) give
        ``(2e + T - 2) / (e^2 + T - 1)`` (0.82 at T=10), and it depends on the
        scale of ``S``, which the model does not identify.
    sharing_strength_cosine_ : dict
        Layer name to the scale-free sharing strength: the mean pairwise
        cosine of the columns of ``|S|``; 0 for single-task nets, 1 for a
        hard-shared layer.
    task_similarity_ : dict
        Layer name to the ``T x T`` matrix of those cosines.
    n_parameters_ : int
        Weight-factor entries of all factorised layers (biases and per-task
        heads excluded), counted as in the paper.
    n_parameters_stl_ : int
        Weight entries of the same layers in T single-task nets.
    tasks_ : ndarray
        The task labels seen at fit.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
"""

_NOTES_DOC = """
    Notes
    -----
    Task ``t``'s network has, in every factorised layer, the weight
    ``W^(t) = W[..., t]`` of a task-stacked tensor composed from factors
    (paper section 3): LAF ``W = reshape(L S)`` with ``L`` shared and ``S``
    (``K x T``) task-specific; Tucker ``W = core x_1 U_1 ... x_N U_N`` with
    ``U_N`` task-specific; TT ``W[d_1..d_N] = U_1[d_1] U_2[:, d_2, :] ...
    U_N[:, d_N]`` with ``U_N`` task-specific. Biases are per task, never
    shared. The objective is the mean over tasks of each task's mean loss
    (``task_weighting="uniform"``). In the paper's notation: :math:`\\epsilon`
    is ``rank``; the ranks :math:`K` are ``ranks_``; the method is
    ``factorisation``. Optimiser, learning rate, epochs and batch size are not
    given in the paper; the defaults here are Adam, 1e-3, 100 epochs, 128 rows.

    The single-task stage trains the T nets in one loop: their parameters are
    disjoint and the objective is the task-uniform mean, so each net follows
    its own task's gradient (Adam is invariant to the 1/T scale).

    With ``init="stl"`` and independent single-task nets the task-mode rank
    chosen at ``rank=0.1`` is often full (K = T); then the model is at first
    a reparametrisation of the single-task nets and a warning is raised.

    References
    ----------
    .. [1] Y. Yang and T. Hospedales, "Deep Multi-task Representation Learning:
       A Tensor Factorisation Approach", ICLR 2017.
"""


class DMTRLRegressor(MultiTaskRegressorMixin, _NeuralRegressorMixin, RegressorMixin, _BaseDMTRL):
    __doc__ = (
        """Deep multi-task regression with every layer factorised across tasks (DMTRL).

    Every task has its own network of the same architecture; each layer's
    per-task weights are composed from factors shared across tasks and
    task-specific codes (LAF, Tucker or Tensor-Train). The output layer (one
    unit per task) is factorised too. Loss: squared error.
"""
        + _PARAMS_DOC
        + """
    Attributes
    ----------"""
        + _ATTRIBUTES_DOC.replace("\n    Attributes\n    ----------", "")
        + """
    See Also
    --------
    DMTRLClassifier : the same model for per-task classification.
    sklearn_mtl.GoMTLRegressor : the shallow special case (one linear layer, W = L S).
"""
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> from sklearn_mtl import DMTRLRegressor
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y = make_low_rank_tasks(n_tasks=4, n_samples=20, random_state=0)
    >>> est = DMTRLRegressor(hidden_layer_sizes=(8,), max_epochs=5, batch_size=-1,
    ...                      random_state=0).fit(X, y)
    >>> est.predict(X[:3]).shape
    (3,)
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Train the single-task nets, decompose them, and train DMTRL end to end.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Targets.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : DMTRLRegressor
        """
        return self._fit(X, y, tasks)


class DMTRLClassifier(MultiTaskClassifierMixin, _NeuralClassifierMixin, ClassifierMixin,
                      _BaseDMTRL):
    __doc__ = (
        """Deep multi-task classification with every layer factorised across tasks (DMTRL).

    Every task has its own label set (``classes_`` is a list). When every task
    is binary (homogeneous MTL, e.g. one-vs-rest digit tasks), the network has
    one output unit per task and that layer is factorised too; otherwise
    (heterogeneous MTL, e.g. alphabets with 3, 4 and 3 characters) every task
    has its own softmax head, not shared, and the layers below are factorised;
    when every task has the same label set (multi-domain learning, e.g. MNIST
    and USPS digits), ``output_layer="factorised"`` factorises the softmax
    output layer too.
"""
        + _PARAMS_DOC
        + """    loss : {"log_loss", "hinge"}, default="log_loss"
        Per-row loss: logistic (binary tasks) or softmax cross-entropy
        (multi-class tasks); ``"hinge"`` is the paper's MNIST loss
        ``max(0, 1 - s y)``, binary tasks only.

    Attributes
    ----------"""
        + _ATTRIBUTES_DOC
        + """    classes_ : list of ndarray
        One array of labels per task, in the order of ``tasks_``.
    binary_tasks_ : bool
        Whether every task is binary (one shared output unit per task).

    See Also
    --------
    DMTRLRegressor : the same model for regression.
"""
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl import DMTRLClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.randn(60, 4), np.repeat([0, 1], 30)])
    >>> y = (X[:, 0] > 0).astype(int)
    >>> est = DMTRLClassifier(hidden_layer_sizes=(8,), max_epochs=5, batch_size=-1,
    ...                       random_state=0).fit(X, y)
    >>> est.classes_.tolist()  # one array: every task has the labels {0, 1}
    [0, 1]
    >>> [c.tolist() for c in est.task_classes_]
    [[0, 1], [0, 1]]
    """
    )

    _parameter_constraints = {
        **_BaseDMTRL._parameter_constraints,
        "loss": [StrOptions({"log_loss", "hinge"})],
    }

    def __init__(self, factorisation="laf", *, loss="log_loss", rank=0.1,
                 rank_rule="frobenius", hidden_layer_sizes=(64,), conv_layers=None,
                 input_shape=None, activation="relu", init="stl", stl_max_epochs=None,
                 output_layer="per_task", max_epochs=100, lr=1e-3, batch_size=128,
                 optimizer=torch.optim.Adam, task_weighting="uniform", callbacks=None,
                 train_split=None, net_params=None,
                 warm_start=False, verbose=0, device="cpu", random_state=None,
                 task_column=-1):
        super().__init__(
            factorisation, rank=rank, rank_rule=rank_rule,
            hidden_layer_sizes=hidden_layer_sizes, conv_layers=conv_layers,
            input_shape=input_shape, activation=activation, init=init,
            stl_max_epochs=stl_max_epochs, output_layer=output_layer,
            max_epochs=max_epochs, lr=lr,
            batch_size=batch_size, optimizer=optimizer, task_weighting=task_weighting,
            callbacks=callbacks, train_split=train_split, net_params=net_params,
            warm_start=warm_start, verbose=verbose, device=device,
            random_state=random_state, task_column=task_column,
        )
        self.loss = loss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Train the single-task nets, decompose them, and train DMTRL end to end.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Labels; every task needs two or more classes, and tasks may have
            different label sets.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : DMTRLClassifier
        """
        return self._fit(X, y, tasks)
