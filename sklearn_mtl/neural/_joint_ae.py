"""JointAE: joint autoencoders with private and shared branches.

Epstein, Meir and Michaeli, "Joint autoencoders: a flexible multi-task learning
framework", arXiv:1705.10494, 2017.

Each task ``t`` has an autoencoder split into a private branch ``P_t`` and a
common branch ``C_t``; chosen layers of the common branches are ONE set of
parameters for every task (``W_c``, weight tying, not a penalty). The two
branches' last decoder activations are concatenated and a per-task output layer
``O_t`` reconstructs the input. The supervised extension adds a head per task on
the codes ``[z^p_t ; z^c_t]``.
"""

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import Freezer
from skorch.utils import to_tensor
from torch import nn
from torch.nn import functional as F

from ..base import MultiTaskClassifierMixin, _plain
from ..nn import CrossEntropyLoss, layer_shapes, task_weighted_loss
from ..nn._factorised import _apply_per_task, _check_task
from ..nn._network import ACTIVATIONS, check_backbone, check_positive_int_tuple
from ..utils._tasks import encode_tasks
from ._net import (
    BaseMultiTaskNeuralNet,
    MultiTaskNet,
    TaskBatchIterator,
    _NeuralClassifierMixin,
)

__all__ = [
    "JointAEClassifier",
    "JointAENet",
    "JointAETrainer",
    "JointAutoencoder",
    "fisher_criterion",
]

_BRANCHES = ("both", "private", "shared")


# --------------------------------------------------------------------------- layers


def layer_specs(input_shape, conv_layers, hidden_layer_sizes, bottleneck, decoder_layer_sizes):
    """Ordered specs of one branch's parametrised layers, counted from the input.

    The encoder is the package's backbone geometry
    (:func:`~sklearn_mtl.nn.layer_shapes`: valid convolutions, stride 1, each
    followed by a ``pool x pool`` max-pool, then dense layers) ending in the
    bottleneck, the layer producing the code; the dense decoder layers follow.
    Conv specs are ``("conv", in_channels, out_channels, kernel, pool)``, dense
    specs ``("fc", in_features, out_features)``. The merged output layer is
    not part of a branch.

    Returns
    -------
    specs : list of tuple
    n_encoder : int
        Number of encoder layers (the bottleneck is layer ``n_encoder``).
    """
    image = tuple(input_shape) if len(input_shape) == 3 else None
    encoder = layer_shapes(int(np.prod(input_shape)), tuple(hidden_layer_sizes) + (bottleneck,),
                           conv_layers, image, False)
    specs = list(encoder.values())
    size = specs[-1][2]
    for out in decoder_layer_sizes:
        specs.append(("fc", size, out))
        size = out
    return specs, len(encoder)


def _make_layer(spec):
    if spec[0] == "conv":
        _, c_in, c_out, kernel, _ = spec
        return nn.Conv2d(c_in, c_out, kernel)
    return nn.Linear(spec[1], spec[2])


def _describe(spec):
    if spec[0] == "conv":
        return f"Conv2d({spec[1]} -> {spec[2]}, kernel {spec[3]})"
    return f"Linear({spec[1]} -> {spec[2]})"


class JointAENet(nn.Module):
    """Per-task autoencoders with private and common branches, some layers tied.

    Parameters
    ----------
    input_shapes : list of tuple
        Each task's input shape: ``(d_t,)`` for dense branches or
        ``(channels, height, width)`` for conv branches. Rows are given flat,
        padded with zeros to the widest task; task ``t`` reads its first
        ``d_t = prod(input_shapes[t])`` columns.
    hidden_layer_sizes : tuple of int
        Dense encoder widths before the bottleneck (after the conv layers).
    n_private, n_shared : int
        Bottleneck widths ``k_p`` (0: no private branch) and ``k_c``.
    decoder_layer_sizes : tuple of int or None
        Dense decoder widths after the bottleneck; None mirrors
        ``hidden_layer_sizes``.
    conv_layers : tuple of (out_channels, kernel, pool)
        Conv encoder layers of every branch (needs 3-d input shapes).
    shared_depth : tuple of int
        Positions (1-based, from the input) of the common-branch layers tied
        across tasks; empty: nothing tied (T separate autoencoders).
    activation : {"relu", "tanh"}
        After every branch layer, the bottleneck included (Fig. 1 of the paper).
    output_activation : {"sigmoid", None}
    output_sizes : list of int or None
        Number of classes per task; adds a softmax head per task.
    head_input : {"both", "shared"}
        The head reads ``[z^p ; z^c]`` or ``z^c`` only.
    share_head : bool
        One head for every task (one module object, as a tied layer), for
        tasks with one label set (domain adaptation, MNIST <-> USPS).

    Attributes
    ----------
    tied : torch.nn.ModuleList
        The tied layers ``W_c``: each is the SAME module object in every task's
        common branch (registered first, so its parameters are named
        ``tied.<i>.*``).
    private, common : torch.nn.ModuleList of torch.nn.ModuleList
        ``private[t]`` / ``common[t]``: task ``t``'s branch layers, in order.
    output : torch.nn.ModuleList of torch.nn.Linear
        ``O_t``: ``[h^p ; h^c] -> d_t``.
    heads : torch.nn.ModuleList or None
    """

    def __init__(self, input_shapes, *, hidden_layer_sizes=(), n_private=8, n_shared=8,
                 decoder_layer_sizes=None, conv_layers=(), shared_depth=None,
                 activation="relu", output_activation="sigmoid", output_sizes=None,
                 head_input="both", share_head=False):
        super().__init__()
        self.input_shapes = [tuple(int(v) for v in s) for s in input_shapes]
        self.n_tasks = len(self.input_shapes)
        self.input_widths = [int(np.prod(s)) for s in self.input_shapes]
        self.n_private = int(n_private)
        self.n_shared = int(n_shared)
        self.conv_layers = tuple(tuple(spec) for spec in conv_layers)
        hidden = tuple(hidden_layer_sizes)
        decoder = tuple(reversed(hidden)) if decoder_layer_sizes is None else tuple(
            decoder_layer_sizes)
        self.activation = activation
        self.output_activation = output_activation
        self.head_input = head_input

        def specs(bottleneck):
            return [layer_specs(shape, self.conv_layers, hidden, bottleneck, decoder)
                    for shape in self.input_shapes]

        common_specs = specs(self.n_shared)
        self.n_encoder = common_specs[0][1]
        self.common_specs = [s for s, _ in common_specs]
        self.private_specs = [s for s, _ in specs(self.n_private)] if self.n_private else None
        depth = (self.n_encoder,) if shared_depth is None else tuple(shared_depth)
        self.shared_depth = tuple(sorted(set(int(d) for d in depth)))
        check_tie(self.common_specs, self.shared_depth, self.n_encoder)

        # Tied layers first: named_parameters() (and skorch's Freezer) then see them
        # as ``tied.<i>.*`` whichever task's branch also holds them.
        self.tied = nn.ModuleList(_make_layer(self.common_specs[0][d - 1])
                                  for d in self.shared_depth)
        by_depth = dict(zip(self.shared_depth, self.tied))
        self.common = nn.ModuleList(
            nn.ModuleList(by_depth[i] if i in by_depth else _make_layer(spec)
                          for i, spec in enumerate(task_specs, start=1))
            for task_specs in self.common_specs
        )
        self.private = nn.ModuleList(
            nn.ModuleList(_make_layer(spec) for spec in task_specs)
            for task_specs in (self.private_specs or [])
        )
        self.output = nn.ModuleList(
            nn.Linear(self._last_width(t), width) for t, width in enumerate(self.input_widths)
        )
        self.output_sizes = None if output_sizes is None else [int(k) for k in output_sizes]
        self.heads = None
        if self.output_sizes is not None:
            code = self.n_shared + (self.n_private if head_input == "both" else 0)
            if share_head:
                head = nn.Linear(code, self.output_sizes[0])
                self.heads = nn.ModuleList([head] * len(self.output_sizes))
            else:
                self.heads = nn.ModuleList(nn.Linear(code, k) for k in self.output_sizes)

    def _last_width(self, t):
        width = self.common_specs[t][-1][2]
        if self.private_specs:
            width += self.private_specs[t][-1][2]
        return width

    @property
    def max_width(self):
        return max(self.input_widths)

    def _run_branch(self, layers, specs, x):
        act = ACTIVATIONS[self.activation]
        code = None
        for i, (layer, spec) in enumerate(zip(layers, specs), start=1):
            if spec[0] == "fc" and x.ndim > 2:
                x = x.flatten(1)
            x = act(layer(x))
            if spec[0] == "conv" and spec[4] > 1:
                x = F.max_pool2d(x, spec[4])
            if i == self.n_encoder:
                code = x
        return code, x

    def _decode_branch(self, layers, specs, z):
        act = ACTIVATIONS[self.activation]
        for layer in list(layers)[self.n_encoder:]:
            z = act(layer(z))
        return z

    def _merge(self, t, h_p, h_c, branch):
        # Branch-only reconstruction (the paper's Fig. 3b): the other branch's
        # decoder output is set to zero before the merged output layer.
        if branch == "private":
            h_c = torch.zeros_like(h_c)
        elif branch == "shared":
            h_p = torch.zeros_like(h_p)
        out = self.output[t](torch.cat([h_p, h_c], dim=1))
        if self.output_activation == "sigmoid":
            out = torch.sigmoid(out)
        return F.pad(out, (0, self.max_width - out.shape[1]))

    def decode(self, z_p, z_c, task, branch="both"):
        """Reconstructions from codes: each row through its task's decoders and ``O_t``.

        Parameters
        ----------
        z_p : torch.Tensor of shape (batch, n_private)
        z_c : torch.Tensor of shape (batch, n_shared)
        task : LongTensor of shape (batch,) or int
        branch : {"both", "private", "shared"}, default="both"

        Returns
        -------
        reconstruction : torch.Tensor of shape (batch, max_width)
        """
        task = _check_task(task, z_c.shape[0], self.n_tasks, z_c.device)

        def apply(t, rows):
            zp, zc = rows.split([self.n_private, self.n_shared], dim=1)
            h_c = self._decode_branch(self.common[t], self.common_specs[t], zc)
            h_p = (self._decode_branch(self.private[t], self.private_specs[t], zp)
                   if self.private_specs else zp)
            return self._merge(t, h_p, h_c, branch)

        return _apply_per_task(torch.cat([z_p, z_c], dim=1), task, self.n_tasks, apply)

    def _task_forward(self, t, rows, branch):
        x = rows[:, : self.input_widths[t]]
        if self.conv_layers:
            x = x.reshape(x.shape[0], *self.input_shapes[t])
        z_c, h_c = self._run_branch(self.common[t], self.common_specs[t], x)
        if self.private_specs:
            z_p, h_p = self._run_branch(self.private[t], self.private_specs[t], x)
        else:
            z_p = h_p = rows.new_zeros(rows.shape[0], 0)
        parts = [self._merge(t, h_p, h_c, branch), z_p, z_c]
        if self.heads is not None:
            code = torch.cat([z_p, z_c], 1) if self.head_input == "both" else z_c
            logits = self.heads[t](code)
            parts.append(F.pad(logits, (0, max(self.output_sizes) - logits.shape[1]),
                               value=float("-inf")))
        return torch.cat(parts, dim=1)

    def forward(self, x, task, branch="both"):
        """Route each row through its own task's autoencoder.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, max_width)
        task : LongTensor of shape (batch,) or int
        branch : {"both", "private", "shared"}, default="both"
            Which branches' decoder outputs reach the output layer.

        Returns
        -------
        outputs : dict of torch.Tensor
            ``"reconstruction"`` (batch, max_width), zero beyond each row's
            ``d_t``; ``"private_code"`` (batch, n_private); ``"shared_code"``
            (batch, n_shared); with heads, ``"logits"`` (batch, max classes),
            ``-inf`` beyond each row's number of classes.
        """
        if branch not in _BRANCHES:
            raise ValueError(f"branch={branch!r} is not valid: use one of {_BRANCHES}")
        task = _check_task(task, x.shape[0], self.n_tasks, x.device)
        out = _apply_per_task(x, task, self.n_tasks,
                              lambda t, rows: self._task_forward(t, rows, branch))
        widths = [self.max_width, self.n_private, self.n_shared]
        names = ["reconstruction", "private_code", "shared_code"]
        if self.heads is not None:
            widths.append(max(self.output_sizes))
            names.append("logits")
        outputs = dict(zip(names, out.split(widths, dim=1)))
        outputs["prediction"] = outputs.get("logits", outputs["reconstruction"])
        return outputs

    def tied_parameter_names(self):
        """Names of the tied parameters (``tied.<i>.weight`` / ``.bias``)."""
        return [name for name, _ in self.named_parameters() if name.startswith("tied.")]


def check_tie(common_specs, shared_depth, n_encoder):
    """Refuse a tie that the tasks' layer shapes make impossible."""
    n_layers = len(common_specs[0])
    for depth in shared_depth:
        if not 1 <= depth <= n_layers:
            raise ValueError(
                f"shared_depth={depth} is out of range: the common branch has "
                f"{n_layers} layers (1..{n_layers}, counted from the input; the "
                f"bottleneck is layer {n_encoder})"
            )
        specs = [task_specs[depth - 1] for task_specs in common_specs]
        if any(spec != specs[0] for spec in specs):
            shapes = ", ".join(f"task {t}: {_describe(s)}" for t, s in enumerate(specs))
            raise ValueError(
                f"shared_depth={depth} cannot be tied: layer {depth} of the common "
                f"branch has a different shape in different tasks ({shapes}), because "
                "their inputs have different widths. A tied layer needs the same shape "
                "in every task; tie a deeper layer (after the first dense layer every "
                "task maps its input to the same width), e.g. the bottleneck "
                "(shared_depth=None)."
            )


# --------------------------------------------------------------------------- objective


def reconstruction_errors(outputs, x, widths=None):
    """Per-row sum of squared errors ``||x - x_hat_t(x)||^2`` (padding is 0 on both sides);
    divided by each row's width ``d_t`` when ``widths`` (shape (batch,)) is given."""
    errors = ((outputs["reconstruction"] - x) ** 2).sum(dim=1)
    return errors if widths is None else errors / widths


class TaskBalancedIterator(TaskBatchIterator):
    """Batches that hold a minibatch of every task, the smaller tasks cycled.

    An epoch is one pass over the largest task in ``ceil(n_max / batch_size)``
    steps; at each step task ``t`` gives ``min(batch_size, n_t)`` rows, drawn
    from its own reshuffled rows and started again when they run out. So a
    task with few rows (a target beside a large source) takes part in every
    step instead of in a few, as the JointAE spec recommends (the paper trains
    "on both reconstruction losses simultaneously" without saying how).
    Shuffling draws from torch's global generator (``random_state`` fixes it).
    """

    def _plan(self):
        task = self.dataset.task
        groups = [torch.nonzero(task == t).flatten() for t in torch.unique(task).tolist()]
        longest = max((len(g) for g in groups), default=0)
        size = max(1, min(self.batch_size, longest)) if longest else 1
        return groups, -(-longest // size), size

    def __len__(self):
        return self._plan()[1]

    def __iter__(self):
        groups, n_steps, size = self._plan()
        chunks = []
        for rows in groups:
            per_step = min(size, len(rows))
            needed = n_steps * per_step
            laps = [rows[torch.randperm(len(rows))] if self.shuffle else rows
                    for _ in range(-(-needed // len(rows)))]
            chunks.append(torch.cat(laps)[:needed].view(n_steps, per_step))
        for step in range(n_steps):
            index = torch.cat([chunk[step] for chunk in chunks])
            yield self.collate_fn(self.dataset.__getitems__(index))


class JointAETrainer(MultiTaskNet):
    """The JointAE objective on skorch's loop: reconstruction plus supervised terms.

    ``objective_terms`` adds ``"reconstruction"``, the task-weighted mean of
    each row's squared reconstruction error over EVERY row of the batch
    (unlabelled ones included), to the base's ``"supervised"`` term (heads'
    cross-entropy on the labelled rows only), weighted by
    ``supervised_weight`` (the paper's end-to-end objective, Sec. 3.2).

    Parameters
    ----------
    module : JointAENet
    criterion : torch.nn.Module
        Per-row supervised loss (cross-entropy over the padded logits).
    supervised_weight : float, default=1.0
        ``alpha``.
    **kwargs
        :class:`~sklearn_mtl.neural.MultiTaskNet` arguments.
    """

    #: Whether the objective has the reconstruction term.
    reconstruct = True

    def __init__(self, module, criterion, *, supervised_weight=1.0, reconstruction_loss="mean",
                 **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.supervised_weight = supervised_weight
        self.reconstruction_loss = reconstruction_loss

    def objective_terms(self, outputs, y_true, X, training=False):
        terms = super().objective_terms(outputs, y_true, X, training)
        if "supervised" in terms:
            terms["supervised"] = self.supervised_weight * terms["supervised"]
        if self.reconstruct:
            x = to_tensor(X["x"], device=self.device)
            task = to_tensor(X["task"], device=self.device)
            widths = None
            if self.reconstruction_loss == "mean":
                widths = torch.as_tensor(self.module_.input_widths, dtype=x.dtype,
                                         device=x.device)[task]
            terms["reconstruction"] = task_weighted_loss(
                reconstruction_errors(outputs, x, widths), task, self.n_tasks,
                self.task_weighting)
        return terms


class _FineTuneTrainer(JointAETrainer):
    """Branch transfer's supervised stages: the heads' loss alone (no reconstruction)."""

    reconstruct = False


# --------------------------------------------------------------------------- diagnostics


def fisher_criterion(Z_a, Z_b):
    """Fisher separation of two point clouds: ``||mu_a - mu_b||^2 / (tr S_a + tr S_b)``.

    The paper reports the Fisher criterion between the tasks' embeddings
    without a formula; this is its multivariate trace form. Large: the two
    clouds are apart; small: they mix.
    """
    Z_a, Z_b = np.asarray(Z_a, dtype=np.float64), np.asarray(Z_b, dtype=np.float64)
    spread = Z_a.var(axis=0).sum() + Z_b.var(axis=0).sum()
    gap = float(((Z_a.mean(axis=0) - Z_b.mean(axis=0)) ** 2).sum())
    if spread == 0:
        return math.inf if gap > 0 else 0.0
    return gap / float(spread)


# --------------------------------------------------------------------------- estimators


class _Branch(nn.Module):
    """A fitted JointAENet seen through one branch (for branch-only reconstructions)."""

    def __init__(self, module, branch):
        super().__init__()
        self.module = module
        self.branch = branch

    def forward(self, x, task):
        return self.module(x, task, branch=self.branch)


class _BaseJointAE(BaseMultiTaskNeuralNet):
    """Architecture, input layout, training and diagnostics of both estimators."""

    _parameter_constraints = {
        **BaseMultiTaskNeuralNet._parameter_constraints,
        "hidden_layer_sizes": [tuple, list, Integral],
        "n_private": [Interval(Integral, 0, None, closed="left")],
        "n_shared": [Interval(Integral, 1, None, closed="left")],
        "decoder_layer_sizes": [tuple, list, Integral, None],
        "conv_layers": [tuple, list, None],
        "input_shape": [tuple, list, dict, None],
        "shared_depth": [Integral, tuple, list, None],
        "activation": [StrOptions({"relu", "tanh"})],
        "output_activation": [StrOptions({"sigmoid"}), None],
        "batching": [StrOptions({"balanced", "mixed"})],
        "reconstruction_loss": [StrOptions({"mean", "sum"})],
    }

    _net_class = JointAETrainer

    def __init__(self, *, hidden_layer_sizes=(64,), n_private=8, n_shared=8,
                 decoder_layer_sizes=None, conv_layers=None, input_shape=None,
                 shared_depth=None, activation="relu", output_activation="sigmoid",
                 reconstruction_loss="mean", batching="balanced", max_epochs=100, lr=1e-3,
                 batch_size=128, optimizer=torch.optim.Adam, task_weighting="uniform",
                 callbacks=None, train_split=None, net_params=None, warm_start=False,
                 verbose=0, device="cpu", random_state=None, task_column=-1):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_private = n_private
        self.n_shared = n_shared
        self.decoder_layer_sizes = decoder_layer_sizes
        self.conv_layers = conv_layers
        self.input_shape = input_shape
        self.shared_depth = shared_depth
        self.activation = activation
        self.output_activation = output_activation
        self.reconstruction_loss = reconstruction_loss
        self.batching = batching
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

    # ---- input layout (per-task widths, zero padding, value range)

    def _validate_task_data(self, X, y=None, tasks=None, *, reset, **kwargs):
        features, task_index, y = super()._validate_task_data(X, y, tasks, reset=reset,
                                                              **kwargs)
        if reset:
            self._input_shapes = self._resolve_input_shapes(features.shape[1])
        self._check_layout(features, task_index, fitting=reset)
        return features, task_index, y

    def _resolve_input_shapes(self, n_features):
        """Each task's input shape; widths are checked against X by ``check_backbone``."""
        shape = self.input_shape
        tasks = self.tasks_.tolist()
        if not isinstance(shape, dict):
            return [None if shape is None else tuple(shape)] * len(tasks)
        missing = [t for t in tasks if t not in shape]
        unknown = [t for t in shape if t not in set(tasks)]
        if missing or unknown:
            raise ValueError(
                "input_shape as a dict needs one shape per task: "
                + "; ".join(part for part in (
                    f"missing for task(s) {missing}" if missing else "",
                    f"unknown task(s) {unknown}" if unknown else "") if part)
                + f". The tasks are {tasks}."
            )
        shapes = []
        for t in tasks:
            values = check_positive_int_tuple(shape[t], f"input_shape[{t!r}]")
            if len(values) not in (1, 3):
                raise ValueError(
                    f"input_shape[{t!r}]={shape[t]!r} is not valid: it must be (channels, "
                    "height, width) or (width,)")
            shapes.append(values)
        widths = [int(np.prod(v)) for v in shapes]
        if max(widths) != n_features:
            raise ValueError(
                f"input_shape gives the tasks {dict(zip(tasks, widths))} feature values but "
                f"X has {n_features} feature column(s) (the task column excluded): the "
                "widest task must fill every column, and a narrower task reads its first "
                "columns, the rest of its row being zero padding."
            )
        if len({len(v) for v in shapes}) != 1:
            raise ValueError("input_shape must give every task a shape of the same kind: "
                             "(channels, height, width) for all, or (width,) for all")
        return shapes

    def _check_layout(self, features, task_index, fitting):
        n_features = features.shape[1]
        # Only a dict input_shape pads narrower tasks; a tuple must fit X (checked with
        # the architecture).
        padded = isinstance(self.input_shape, dict)
        for t, shape in enumerate(self._input_shapes if padded else []):
            width = int(np.prod(shape))
            rows = task_index == t
            if width < n_features and rows.any() and np.any(features[rows, width:] != 0):
                raise ValueError(
                    f"Task {_plain(self.tasks_[t])!r} reads its first {width} feature "
                    f"columns (input_shape {shape}); the other {n_features - width} "
                    "column(s) of its rows are padding and must be 0, but some are not. "
                    "Check the column layout or input_shape."
                )
        if fitting and self.output_activation == "sigmoid" and features.size:
            low, high = float(features.min()), float(features.max())
            if low < 0 or high > 1:
                raise ValueError(
                    f"output_activation='sigmoid' reconstructs values in [0, 1], but X has "
                    f"feature values from {low:.4g} to {high:.4g}. Scale X to [0, 1] (e.g. "
                    "sklearn.preprocessing.MinMaxScaler, or divide pixels by 255), or set "
                    "output_activation=None for unbounded features."
                )

    # ---- architecture (before any torch code)

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        shapes = []
        several = len(set(self._input_shapes)) > 1
        for task, shape in zip(self.tasks_.tolist(), self._input_shapes):
            # A dict input_shape gives each task its own width; otherwise every task
            # reads all the columns and check_backbone holds the shape against them.
            width = int(np.prod(shape)) if isinstance(self.input_shape, dict) else n_features
            image = shape if shape is not None and len(shape) != 1 else None
            try:
                hidden, conv, image = check_backbone(width, self.hidden_layer_sizes,
                                                     self.conv_layers, image)
            except ValueError as exc:
                raise ValueError(f"task {task!r}: {exc}" if several else str(exc)) from None
            shapes.append(image if image is not None else (width,))
        decoder = None
        if self.decoder_layer_sizes is not None:
            decoder = () if self.decoder_layer_sizes in ((), []) else check_positive_int_tuple(
                self.decoder_layer_sizes, "decoder_layer_sizes")
        depth = self.shared_depth
        if isinstance(depth, Integral) and not isinstance(depth, bool):
            depth = (int(depth),)
        elif depth is not None:
            depth = tuple(depth)
            if any(isinstance(d, bool) or not isinstance(d, Integral) for d in depth):
                raise ValueError(f"shared_depth={self.shared_depth!r} is not valid: give an "
                                 "int, a list of ints (layer positions from the input), or "
                                 "None (the bottleneck)")
        mirror = tuple(reversed(hidden)) if decoder is None else decoder
        specs = [layer_specs(shape, conv, hidden, self.n_shared, mirror) for shape in shapes]
        n_encoder = specs[0][1]
        depth = (n_encoder,) if depth is None else depth
        try:
            check_tie([task_specs for task_specs, _ in specs], depth, n_encoder)
        except ValueError as exc:
            message = str(exc)  # name the tasks, not their positions
            for t, task in reversed(list(enumerate(self.tasks_.tolist()))):
                message = message.replace(f"task {t}:", f"task {task!r}:")
            raise ValueError(message) from None
        self._architecture = dict(
            input_shapes=shapes, hidden_layer_sizes=hidden, n_private=self.n_private,
            n_shared=self.n_shared, decoder_layer_sizes=decoder, conv_layers=conv,
            shared_depth=depth, activation=self.activation,
            output_activation=self.output_activation, output_sizes=output_sizes,
        )

    def _method_net_params(self):
        params = {"reconstruction_loss": self.reconstruction_loss}
        if self.batching == "balanced":
            params["iterator_train"] = TaskBalancedIterator
        return params

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        arch = dict(self._architecture)
        return JointAENet(arch.pop("input_shapes"), **arch)

    def _set_fitted_attributes(self):
        module = self.net_.module_
        self.input_shapes_ = {_plain(t): s for t, s in zip(self.tasks_, module.input_shapes)}
        self.shared_depth_ = module.shared_depth
        self.tied_parameter_names_ = module.tied_parameter_names()
        self.n_parameters_ = int(sum(p.numel() for p in module.parameters()))

    # ---- outputs

    def _outputs(self, X, tasks, branch="both"):
        """The module's outputs as numpy arrays, the rows' task indices, and features."""
        module = None if branch == "both" else _Branch(self.net_.module_, branch)
        outputs, task_index = self._module_outputs(X, tasks, module)
        return {k: v.detach().cpu().numpy() for k, v in outputs.items()}, task_index

    def _features(self, X, tasks):
        return self._validate_task_data(X, None, tasks, reset=False)[:2]

    def transform(self, X, tasks=None):
        """Codes of each row through its own task's encoders: ``[z^p | z^c]``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_private + n_shared)
            Columns ``0 .. n_private - 1``: the private code ``z^p_t`` (task
            ``t``'s own branch; the same column means different things for
            different tasks); the last ``n_shared`` columns: the shared code
            ``z^c_t``, through the tied layer(s), comparable across tasks.
            Names: :meth:`get_feature_names_out`.
        """
        out, _ = self._outputs(X, tasks)
        return np.hstack([out["private_code"], out["shared_code"]]).astype(np.float64)

    def private_codes(self, X, tasks=None):
        """The private codes ``z^p_t`` (the first ``n_private`` columns of :meth:`transform`)."""
        return self._outputs(X, tasks)[0]["private_code"].astype(np.float64)

    def shared_codes(self, X, tasks=None):
        """The shared codes ``z^c_t`` (the last ``n_shared`` columns of :meth:`transform`)."""
        return self._outputs(X, tasks)[0]["shared_code"].astype(np.float64)

    def get_feature_names_out(self, input_features=None):
        """Names of the code columns, private then shared (``private0``, ``shared0``, ...).

        ``private0`` to ``private{k_p-1}``, then ``shared0`` to ``shared{k_c-1}``:
        the layout of :meth:`transform`.
        """
        check_is_fitted(self, "net_")
        return np.asarray([f"private{i}" for i in range(self.n_private)]
                          + [f"shared{i}" for i in range(self.n_shared)], dtype=object)

    def reconstruct(self, X, tasks=None, branch="both"):
        """Each row reconstructed through its own task's autoencoder.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.
        branch : {"both", "private", "shared"}, default="both"
            ``"both"``: the joint autoencoder's output. ``"private"`` /
            ``"shared"``: the output layer fed by that branch's decoder alone,
            the other's set to zero (the paper's Fig. 3b).

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
            Same width as the features (task column excluded); the padding
            columns of narrower tasks are 0.
        """
        if branch not in _BRANCHES:
            raise ValueError(f"branch={branch!r} is not valid: use one of {_BRANCHES}")
        return self._outputs(X, tasks, branch)[0]["reconstruction"].astype(np.float64)

    def inverse_transform(self, X, tasks=None):
        """Decode codes ``[z^p | z^c]`` (the layout of :meth:`transform`) to inputs.

        Well defined only given each row's task, since every task has its own
        decoders: ``tasks`` is required unless there is one task.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_private + n_shared)
            Codes, e.g. the output of :meth:`transform`.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task label (one of ``tasks_``).

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "net_")
        Z = check_array(X, dtype=np.float32)
        width = self.n_private + self.n_shared
        if Z.shape[1] != width:
            raise ValueError(f"inverse_transform needs codes of {width} columns (n_private="
                             f"{self.n_private} + n_shared={self.n_shared}); got {Z.shape[1]}")
        if tasks is None:
            if len(self.tasks_) != 1:
                raise ValueError(
                    f"inverse_transform needs tasks=: {type(self).__name__} has "
                    f"{len(self.tasks_)} tasks, each with its own decoders, and a code "
                    "does not say which task it came from.")
            task_index = np.zeros(Z.shape[0], dtype=np.int64)
        else:
            _, task_index = encode_tasks(np.asarray(tasks), self.tasks_)
        z = torch.as_tensor(Z)
        module = self.net_.module_
        with torch.no_grad():
            out = module.decode(z[:, : self.n_private].to(self.device),
                                z[:, self.n_private:].to(self.device),
                                torch.as_tensor(task_index).to(self.device))
        return out.cpu().numpy().astype(np.float64)

    def _row_errors(self, X, tasks):
        out, task_index = self._outputs(X, tasks)
        features = self._features(X, tasks)[0]
        widths = np.array(self.net_.module_.input_widths)[task_index]
        squared = ((out["reconstruction"].astype(np.float64) - features) ** 2).sum(axis=1)
        return squared / widths, task_index

    def reconstruction_error(self, X, tasks=None, per_image=False):
        """Mean squared reconstruction error of each task on its rows.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
        per_image : bool, default=False
            False: per-feature (per-pixel) mean squared error. True: the sum of
            squared errors over a row's features, averaged over rows (the
            scale of the paper's reported "MSE" values, e.g. 5.4 on MNIST).

        Returns
        -------
        errors : dict
            Task label to its error; tasks with no rows in ``X`` are left out.
        """
        errors, task_index = self._row_errors(X, tasks)
        if per_image:
            errors = errors * np.array(self.net_.module_.input_widths)[task_index]
        return {_plain(self.tasks_[t]): float(errors[task_index == t].mean())
                for t in np.unique(task_index)}

    # ---- diagnostics

    def code_mixing(self, X, tasks=None, cv=3, random_state=0):
        """How much the tasks mix in the shared codes compared with the private codes.

        Each row's codes come from its own task's branches (the paper's Fig. 3a).
        For private and for shared codes separately:

        - ``fisher``: the Fisher criterion between the tasks' codes
          (:func:`fisher_criterion`; mean over pairs of tasks when T > 2);
        - ``separability``: cross-validated balanced accuracy of a logistic
          regression predicting the task from the codes (chance: 1 / T).

        ``fisher_ratio`` = private / shared Fisher criterion: the paper reports
        7.22e-4 / 2.77e-4 = 2.6 (on 2-D t-SNE embeddings of 1,000 MNIST rows per
        task; here on the codes themselves). With equal input widths also
        ``own_vs_other_variance``: per branch kind, the mean over tasks t of
        (total variance of t's codes of its own rows) / (of the other tasks' rows
        sent through t's branches); the paper reports about 1.35 for private
        branches and about 1 for shared ones.

        Parameters
        ----------
        X : array-like or DataFrame
            Long-form features with the task column; at least two tasks.
        tasks : array-like of shape (n_samples,), default=None
        cv : int, default=3
            Folds of the separability estimate.
        random_state : int, default=0
            Seed of the folds.

        Returns
        -------
        mixing : dict
            ``{"private": {"fisher", "separability"}, "shared": {...},
            "fisher_ratio", "own_vs_other_variance"}``; without a private
            branch (``n_private=0``) only the shared entries.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        out, task_index = self._outputs(X, tasks)
        present = np.unique(task_index)
        if present.size < 2:
            raise ValueError("code_mixing needs rows of at least two tasks in X")
        result = {}
        kinds = ["private", "shared"] if self.n_private else ["shared"]
        for kind in kinds:
            Z = out[f"{kind}_code"].astype(np.float64)
            pairs = [(a, b) for i, a in enumerate(present) for b in present[i + 1:]]
            fisher = float(np.mean([fisher_criterion(Z[task_index == a], Z[task_index == b])
                                    for a, b in pairs]))
            folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
            clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            separability = float(cross_val_score(clf, Z, task_index, cv=folds,
                                                 scoring="balanced_accuracy").mean())
            result[kind] = {"fisher": fisher, "separability": separability}
        if self.n_private:
            shared = result["shared"]["fisher"]
            result["fisher_ratio"] = (result["private"]["fisher"] / shared if shared > 0
                                      else math.inf)
        result["own_vs_other_variance"] = None
        if len(set(self.net_.module_.input_widths)) == 1:
            net_X = self._as_net_input(self._features(X, tasks)[0], task_index)
            module = self.net_.module_
            module.eval()
            ratios = {kind: [] for kind in kinds}
            for t in present:
                own, other = task_index == t, task_index != t
                # Every row through task t's branches, as the paper does for Fig. 3a.
                with torch.no_grad():
                    through_t = module(net_X["x"].to(self.device), int(t))
                for kind in kinds:
                    Z = through_t[f"{kind}_code"].cpu().numpy().astype(np.float64)
                    other_var = Z[other].var(axis=0).sum()
                    ratios[kind].append(Z[own].var(axis=0).sum() / other_var
                                        if other_var > 0 else math.inf)
            result["own_vs_other_variance"] = {k: float(np.mean(v)) for k, v in ratios.items()}
        return result

    def plot_reconstructions(self, X, tasks=None, n_per_task=4, image_shape=None, axes=None):
        """Originals and reconstructions by the joint, private and shared branches.

        The paper's Fig. 3(b): columns are the original row, the joint
        autoencoder's reconstruction, the private branch's alone and the shared
        branch's alone; ``n_per_task`` rows of each task (its first rows in ``X``).
        Needs matplotlib (imported only here).

        Parameters
        ----------
        X : array-like or DataFrame
            Long-form features with the task column, values in the images' scale.
        tasks : array-like of shape (n_samples,), default=None
        n_per_task : int, default=4
        image_shape : dict or tuple or None
            ``(height, width)`` per task or for all; None: from ``input_shape``
            (its last two entries) or a square of the task's width.
        axes : array of matplotlib Axes of shape (rows, 4) or None

        Returns
        -------
        axes : ndarray of matplotlib Axes
        """
        from .._plotting import _import_pyplot

        plt = _import_pyplot()
        check_is_fitted(self, "net_")
        outputs = {branch: self._outputs(X, tasks, branch)[0] for branch in _BRANCHES}
        features, task_index = self._features(X, tasks)
        picked = [i for t in np.unique(task_index)
                  for i in np.flatnonzero(task_index == t)[:n_per_task]]
        if axes is None:
            _, axes = plt.subplots(len(picked), 4, figsize=(4 * 1.4, len(picked) * 1.4),
                                   squeeze=False)
        axes = np.asarray(axes).reshape(len(picked), 4)
        titles = ["original", "joint", "private", "shared"]
        for r, i in enumerate(picked):
            t = task_index[i]
            task = _plain(self.tasks_[t])
            shape = self._image_shape(t, task, image_shape)
            width = self.net_.module_.input_widths[t]
            images = [features[i]] + [outputs[b]["reconstruction"][i] for b in _BRANCHES]
            for c, image in enumerate(images):
                ax = axes[r, c]
                ax.imshow(np.asarray(image[:width]).reshape(shape), cmap="gray", vmin=0,
                          vmax=1 if self.output_activation == "sigmoid" else None)
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(titles[c])
            axes[r, 0].set_ylabel(str(task))
        return axes

    def _image_shape(self, t, task, image_shape):
        if isinstance(image_shape, dict):
            image_shape = image_shape.get(task)
        if image_shape is not None:
            return tuple(image_shape)
        shape = self.net_.module_.input_shapes[t]
        if len(shape) == 3:
            return shape[1:] if shape[0] == 1 else (shape[1], shape[2] * shape[0])
        side = int(round(math.sqrt(shape[0])))
        return (side, side) if side * side == shape[0] else (1, shape[0])


_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64,)
        Dense encoder widths of every branch before its bottleneck (after the
        conv layers, if any). The paper's MNIST branch is (500, 250, 125).
    n_private : int, default=8
        ``k_p``, the private bottleneck width (the code ``z^p_t``); 0 removes
        the private branches (a plain autoencoder per task, the baseline).
    n_shared : int, default=8
        ``k_c``, the common bottleneck width (the code ``z^c_t``). The paper
        halves a plain autoencoder's bottleneck into ``k_p + k_c`` (USPS:
        30 + 30; SVHN: 220 + 30).
    decoder_layer_sizes : tuple of int or None, default=None
        Dense decoder widths of every branch after the bottleneck; None
        mirrors ``hidden_layer_sizes``. The last one is ``h_p`` (``h_c``), the
        width merged into the output layer ``O_t``.
    conv_layers : list of (out_channels, kernel_size[, pool]) or None, default=None
        Conv encoder layers of every branch ("same" padding, stride 1, ReLU,
        then ``pool x pool`` max-pooling, default 2), as in the paper's
        Appendix branches; needs 3-d ``input_shape``. The decoders are dense.
    input_shape : tuple, dict or None, default=None
        None: every task reads all feature columns (dense branches). A tuple
        ``(channels, height, width)`` or ``(width,)``: the shape of every
        task's row. A dict ``{task: shape}``: tasks of different widths (MNIST
        ``(1, 28, 28)`` beside USPS ``(1, 16, 16)``): X has as many feature
        columns as the widest task, and a task of width ``d_t`` reads its first
        ``d_t`` columns; its other columns are padding and must be 0.
    shared_depth : int, list of int or None, default=None
        Which layers of the common branches are tied (one parameter set
        ``W_c`` for every task), counted from the input (1-based): conv
        layers, dense encoder layers, the bottleneck, then the decoder
        layers. None: the bottleneck (the paper's default and its Sec. 3.3
        advice to share deep layers). An empty list ties nothing (T separate
        autoencoders, the ablation). A layer whose shape differs between tasks
        (a first dense layer under different input widths) cannot be tied and
        is refused.
    activation : {"relu", "tanh"}, default="relu"
        After every branch layer (the paper: ReLU).
    output_activation : {"sigmoid"} or None, default="sigmoid"
        Of the merged output layer ``O_t``. The paper scales images to [0, 1]
        and uses a sigmoid; X must then lie in [0, 1]. None: a linear output
        for unbounded features.
    reconstruction_loss : {"mean", "sum"}, default="mean"
        Each row's squared error in the objective, averaged (``"mean"``, the
        per-feature MSE of Keras' ``"mse"``, the paper's framework) or summed
        (``"sum"``, the per-image scale of the paper's reported errors) over its
        features. It sets the balance against the supervised term: with
        ``"sum"`` the reconstruction of a 784-pixel image weighs ~784 times
        more against the cross-entropy. The paper does not say which it used.
    batching : {"balanced", "mixed"}, default="balanced"
        ``"balanced"``: every step takes a minibatch of ``batch_size`` rows from
        every task, the smaller tasks cycled, and an epoch is one pass over the
        largest task (:class:`TaskBalancedIterator`; the spec's recommendation,
        the paper does not say). ``"mixed"``: minibatches of all rows shuffled
        together, so a small task appears in few rows of few steps.
    max_epochs : int, default=100
        Epochs of training (of each stage for ``strategy="branch_transfer"``).
    lr : float, default=1e-3
        Learning rate (the paper: Adam).
    batch_size : int, default=128
        Rows per minibatch (per task with ``batching="balanced"``); -1 for
        full batches.
    optimizer : torch optimizer class, default=torch.optim.Adam
    task_weighting : {"uniform", "samples"}, default="uniform"
        ``"uniform"``: every task's mean loss counts the same in each batch
        (the paper's sum over tasks); ``"samples"``: the mean over rows.
    callbacks : list of skorch callbacks or None, default=None
    train_split : callable or None, default=None
        skorch's validation split (None: train on every row).
    net_params : dict or None, default=None
        Any other :class:`skorch.NeuralNet` parameter.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit``.
    verbose : int, default=0
    device : str or torch.device, default="cpu"
    random_state : int, RandomState or None, default=None
        Seeds the initialisation and the batch order.
    task_column : int, str or None, default=-1
        The column of X holding each row's task (None: ``tasks=`` or one task).
"""

_ATTRIBUTES_DOC = """
    tasks_ : ndarray
        Task labels seen at fit.
    task_source_ : {"column", "tasks", "none"}
    n_features_in_ : int
        Number of columns of X at fit (the task column included).
    input_shapes_ : dict
        Each task's input shape.
    shared_depth_ : tuple of int
        Positions of the tied layers in the common branches.
    tied_parameter_names_ : list of str
        Names of the tied parameters ``W_c`` in ``net_.module_``.
    n_parameters_ : int
        Number of parameters (a tied layer counts once).
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the :class:`JointAENet` and
        ``net_.history`` skorch's history.
"""

_NOTES_DOC = """
    Notes
    -----
    Task ``t`` (domain ``X_t``) has a private branch ``P_t`` (encoder ``E^p_t``,
    decoder ``D^p_t``) and a common branch ``C_t`` (``E^c_t``, ``D^c_t``), some
    of whose layers are one set of weights ``W_c`` for every task:

    .. math::

        \\hat x_t(x) = \\sigma\\left(O_t\\,[D^p_t(E^p_t(x));\\; D^c_t(E^c_t(x))]\\right),
        \\qquad z^p_t = E^p_t(x),\\; z^c_t = E^c_t(x).

    Reconstruction objective (the paper's "L2 reconstruction losses ...
    trained simultaneously"), ``d_t`` the width of task ``t``'s rows:

    .. math::

        L_{rec} = \\sum_t \\frac{1}{|U_t|} \\sum_{x \\in U_t}
        \\frac{1}{d_t} \\lVert x - \\hat x_t(x) \\rVert_2^2

    (without the ``1 / d_t`` for ``reconstruction_loss="sum"``); the sum over
    tasks is a mean with ``task_weighting="uniform"``.

    Weight tying is real: a tied layer is one module referenced by every
    task's common branch, so its gradient is the sum of all tasks' gradients
    and a row of task ``t`` gives no gradient to another task's own layers.
    Rows are mixed across tasks in minibatches; with ``task_weighting=
    "uniform"`` each batch's loss is the mean over its tasks of their mean
    losses (the paper does not say how tasks are batched).
"""

_REFERENCES_DOC = """
    References
    ----------
    .. [1] B. Epstein, R. Meir and T. Michaeli, "Joint autoencoders: a flexible
       multi-task learning framework", arXiv:1705.10494, 2017.
"""


class JointAutoencoder(TransformerMixin, _BaseJointAE):
    __doc__ = (
        """Joint autoencoders: per-task autoencoders with private and shared branches.

    Unsupervised multi-task representation learning (Epstein, Meir & Michaeli
    2017, Sec. 3.1): each task's autoencoder is split into a private branch
    and a common branch, and chosen layers of the common branches are shared
    by all tasks, so the common branches learn what the tasks have in common
    and the private branches what is specific to each. ``fit(X)`` takes the
    task column and no ``y``.
"""
        + _PARAMS_DOC
        + """
    Attributes
    ----------"""
        + _ATTRIBUTES_DOC
        + """
    See Also
    --------
    JointAEClassifier : the semi-supervised and transfer extension.
"""
        + _NOTES_DOC
        + _REFERENCES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural import JointAutoencoder
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.rand(40, 6), np.repeat([0, 1], 20)])
    >>> ae = JointAutoencoder(hidden_layer_sizes=(8,), n_private=2, n_shared=2,
    ...                       max_epochs=3, random_state=0).fit(X)
    >>> ae.transform(X).shape, ae.reconstruct(X).shape
    ((40, 4), (40, 6))
    >>> ae.get_feature_names_out().tolist()
    ['private0', 'private1', 'shared0', 'shared1']
    """
    )

    _requires_y = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, tasks=None):
        """Train every task's autoencoder jointly on reconstruction.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : None
            Ignored.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : JointAutoencoder
        """
        return self._fit(X, None, tasks)

    def score(self, X, y=None, tasks=None):
        """Negative mean squared reconstruction error (per feature, over all rows).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        y : None
            Ignored.
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            ``-mean_i ||x_i - x_hat_i||^2 / d_{t_i}`` (higher is better).
        """
        errors, _ = self._row_errors(X, tasks)
        return -float(errors.mean())

    def per_task_score(self, X, y=None, tasks=None):
        """:meth:`score` of each task on its own rows (task label to score)."""
        return {task: -error for task, error in self.reconstruction_error(X, tasks).items()}


class JointAEClassifier(MultiTaskClassifierMixin, _NeuralClassifierMixin, ClassifierMixin,
                        TransformerMixin, _BaseJointAE):
    __doc__ = (
        """Joint autoencoders extended with per-task classifiers (semi-supervised, transfer).

    The supervised extension of :class:`JointAutoencoder` (Epstein, Meir &
    Michaeli 2017, Sec. 3.2): every task has a softmax head on its codes
    ``[z^p_t ; z^c_t]``. Unlabelled rows carry ``y = -1`` (as in
    :mod:`sklearn.semi_supervised`); every task has its own label set
    (``task_classes_``). Two strategies:

    - ``"end_to_end"``: reconstruction losses on every row and supervised
      losses on the labelled rows, all tasks trained together. With very
      unequal labelled sizes this is transfer learning, with comparable sizes
      semi-supervised learning.
    - ``"branch_transfer"`` (the paper's "common branch transfer"): (1) train
      the joint autoencoder on every row, unsupervised; (2) fine-tune the
      source tasks' encoders, the tied layer(s) and their heads on their
      labelled rows, then freeze the tied layer(s) (skorch's
      :class:`~skorch.callbacks.Freezer`); (3) train each target task's
      private branch, its untied common layers before the tie and its head on
      its labelled rows, the tied layer(s) fixed as fine-tuned on the sources.
"""
        + _PARAMS_DOC
        + """    strategy : {"end_to_end", "branch_transfer"}, default="end_to_end"
    source_tasks : list of task labels or None, default=None
        ``"branch_transfer"`` only: the source tasks (stage 2); the others are
        targets (stage 3). None: the task with the most labelled rows.
    supervised_weight : float, default=1.0
        ``alpha``, the weight of the supervised loss against the
        reconstruction loss (``"end_to_end"``; the paper gives none).
    head_input : {"both", "shared"}, default="both"
        The heads read ``[z^p ; z^c]`` or the shared code ``z^c`` alone.
    share_head : bool, default=False
        ``"end_to_end"`` only: one head for every task (the tasks must have
        the same label set), so that the labels of one task train the
        classifier of the others through the shared code (``head_input=
        "shared"``): same-label domain adaptation.
    transfer_max_epochs : int or None, default=None
        ``"branch_transfer"`` only: epochs of the supervised stages 2 and 3
        (None: ``max_epochs``). Their labelled sets are often small, so an
        epoch is a few steps.

    Attributes
    ----------"""
        + _ATTRIBUTES_DOC
        + """    task_classes_ : list of ndarray
        One array of labels per task (order of ``tasks_``), ``-1`` excluded.
    classes_ : ndarray or PerTaskClasses
        One array when every task has the same labels, else ``task_classes_``.
    n_labelled_ : dict
        Task label to its number of labelled rows.
    source_tasks_, target_tasks_ : list
        ``"branch_transfer"``: the tasks of stages 2 and 3.
    stage_histories_ : dict
        ``"branch_transfer"``: skorch history of each stage
        (``"unsupervised"``, ``"source"``, ``"target"``).

    See Also
    --------
    JointAutoencoder : the unsupervised model.
"""
        + _NOTES_DOC
        + """
    The end-to-end objective adds the heads ``g_t``:

    .. math::

        L = L_{rec} + \\alpha \\sum_t \\frac{1}{|L_t|} \\sum_{(x, y) \\in L_t}
        \\mathrm{CE}(g_t([z^p_t(x); z^c_t(x)]), y).
"""
        + _REFERENCES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl.neural import JointAEClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.rand(40, 6), np.repeat([0, 1], 20)])
    >>> y = np.where(X[:, 0] > 0.5, 1, 0)
    >>> y[::3] = -1   # unlabelled rows
    >>> clf = JointAEClassifier(hidden_layer_sizes=(8,), n_private=2, n_shared=2,
    ...                         max_epochs=3, random_state=0).fit(X, y)
    >>> clf.predict(X[:4]).shape, clf.classes_.tolist()
    ((4,), [0, 1])
    """
    )

    _parameter_constraints = {
        **_BaseJointAE._parameter_constraints,
        "strategy": [StrOptions({"end_to_end", "branch_transfer"})],
        "source_tasks": [list, tuple, np.ndarray, None],
        "supervised_weight": [Interval(Real, 0, None, closed="left")],
        "head_input": [StrOptions({"both", "shared"})],
        "share_head": ["boolean"],
        "transfer_max_epochs": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(self, strategy="end_to_end", *, source_tasks=None, supervised_weight=1.0,
                 head_input="both", share_head=False, transfer_max_epochs=None, hidden_layer_sizes=(64,),
                 n_private=8, n_shared=8, decoder_layer_sizes=None, conv_layers=None,
                 input_shape=None, shared_depth=None, activation="relu", output_activation="sigmoid",
                 reconstruction_loss="mean", batching="balanced", max_epochs=100, lr=1e-3,
                 batch_size=128, optimizer=torch.optim.Adam, task_weighting="uniform",
                 callbacks=None, train_split=None, net_params=None, warm_start=False,
                 verbose=0, device="cpu", random_state=None, task_column=-1):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, n_private=n_private, n_shared=n_shared,
            decoder_layer_sizes=decoder_layer_sizes, conv_layers=conv_layers,
            input_shape=input_shape, shared_depth=shared_depth, activation=activation,
            output_activation=output_activation, reconstruction_loss=reconstruction_loss,
            batching=batching, max_epochs=max_epochs,
            lr=lr,
            batch_size=batch_size, optimizer=optimizer, task_weighting=task_weighting,
            callbacks=callbacks, train_split=train_split, net_params=net_params,
            warm_start=warm_start, verbose=verbose, device=device,
            random_state=random_state, task_column=task_column,
        )
        self.strategy = strategy
        self.source_tasks = source_tasks
        self.supervised_weight = supervised_weight
        self.head_input = head_input
        self.share_head = share_head
        self.transfer_max_epochs = transfer_max_epochs

    # ---- targets: -1 = unlabelled, per-task label sets

    _semi_supervised = True

    def _prepare_targets(self, y, task_index, warm):
        if warm and self.strategy == "branch_transfer":
            raise ValueError("warm_start=True is not supported with strategy="
                             "'branch_transfer' (its three stages start from scratch); use "
                             "strategy='end_to_end' or warm_start=False")
        codes = self._encode_labels(y, task_index, warm)
        counts = np.bincount(task_index[codes >= 0], minlength=len(self.tasks_))
        self.n_labelled_ = {_plain(t): int(c) for t, c in zip(self.tasks_, counts)}
        self._label_counts = counts
        # Softmax heads for every task, binary ones included (one per-row loss).
        return codes, [len(c) for c in self.task_classes_]

    def _criterion(self):
        return CrossEntropyLoss()

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        super()._check_architecture(n_features, n_tasks, output_sizes)
        self._architecture["head_input"] = self.head_input
        self._architecture["share_head"] = self.share_head
        if self.share_head:
            if self.strategy == "branch_transfer":
                raise ValueError("share_head=True is used by strategy='end_to_end' only; "
                                 "branch transfer trains a head per stage")
            first = self.task_classes_[0]
            differ = [_plain(t) for t, c in zip(self.tasks_, self.task_classes_)
                      if not np.array_equal(c, first)]
            if differ:
                raise ValueError(
                    f"share_head=True needs one label set for every task, but task(s) "
                    f"{differ} have labels other than task {_plain(self.tasks_[0])!r}'s "
                    f"{first.tolist()}")
        if self.strategy == "branch_transfer":
            self._sources = self._check_sources()
        elif self.source_tasks is not None:
            raise ValueError("source_tasks is used by strategy='branch_transfer' only; "
                             "strategy='end_to_end' trains every task together")

    def _check_sources(self):
        if len(self.tasks_) < 2:
            raise ValueError("strategy='branch_transfer' needs at least two tasks (a source "
                             "and a target)")
        if self.source_tasks is None:
            return [int(np.argmax(self._label_counts))]
        names = list(self.source_tasks)
        _, index = encode_tasks(np.asarray(names, dtype=object), self.tasks_)
        index = sorted(set(index.tolist()))
        if len(index) == len(self.tasks_) or not index:
            raise ValueError(
                f"source_tasks={names!r} leaves no target task (the tasks are "
                f"{self.tasks_.tolist()}): branch transfer needs at least one source and "
                "one target"
            )
        return index

    # ---- training: one end-to-end fit, or the three stages of branch transfer

    def _method_net_params(self):
        return {**super()._method_net_params(), "supervised_weight": self.supervised_weight}

    def _method_callbacks(self):
        # Stage 3 of branch transfer (the base's final fit): the tied layers stay
        # as fine-tuned on the sources. Parameters named ``tied.*`` are exactly the
        # tied layers (JointAENet registers them first).
        if self.strategy == "branch_transfer":
            return [("freeze_tied", Freezer(["tied.*"]))]
        return []

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        module = super()._build_module(n_features, n_tasks, output_sizes, X, y)
        if self.strategy == "end_to_end":
            return module
        user = list(self.callbacks or [])
        self.stage_histories_ = {}
        # Stage 1: the joint autoencoder on every row, unsupervised (no targets).
        net = super()._train_module(module, X, None, n_tasks, callbacks=user)
        self.stage_histories_["unsupervised"] = net.history
        # Stage 2: the sources' branches up to the tie, the tie and their heads on
        # their labelled rows. Stage 3 is the base's final fit (_train_module).
        rows = np.flatnonzero(np.isin(X["task"].numpy(), self._sources) & (y >= 0))
        net = super()._train_module(module, _take(X, rows), y[rows], n_tasks,
                                    max_epochs=self._transfer_epochs(), callbacks=user,
                                    net_class=_FineTuneTrainer)
        self.stage_histories_["source"] = net.history
        return module

    def _train_module(self, module, X, y, n_tasks, **kwargs):
        if self.strategy == "end_to_end":
            return super()._train_module(module, X, y, n_tasks, **kwargs)
        # Stage 3: each target's private branch, its common layers before the tie
        # and its head on its labelled rows, with the tied layers frozen.
        rows = np.flatnonzero(~np.isin(X["task"].numpy(), self._sources) & (y >= 0))
        kwargs.update(max_epochs=self._transfer_epochs(), net_class=_FineTuneTrainer)
        net = super()._train_module(module, _take(X, rows), y[rows], n_tasks, **kwargs)
        self.stage_histories_["target"] = net.history
        return net

    def _transfer_epochs(self):
        return self.max_epochs if self.transfer_max_epochs is None else self.transfer_max_epochs

    def _set_fitted_attributes(self):
        super()._set_fitted_attributes()
        if self.strategy == "branch_transfer":
            self.source_tasks_ = [_plain(self.tasks_[t]) for t in self._sources]
            self.target_tasks_ = [_plain(t) for i, t in enumerate(self.tasks_)
                                  if i not in self._sources]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Train the joint autoencoder and the per-task heads (see ``strategy``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Labels, ``-1`` for unlabelled rows; every task needs labelled rows
            of two or more classes, and tasks may have different label sets.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : JointAEClassifier
        """
        return self._fit(X, y, tasks)

    def decision_function(self, X, tasks=None):
        """Each row's logits over its own task's classes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, max_n_classes)
            When every task is binary (as scikit-learn expects of a binary
            classifier): the logit difference of each row's positive class
            ``task_classes_[t][1]`` over its negative one. Otherwise column
            ``j`` of a row of task ``t`` is the logit of ``task_classes_[t][j]``,
            ``-inf`` beyond that task's classes (so :meth:`predict_proba` gives
            them 0).
        """
        scores = super().decision_function(X, tasks)
        if all(len(classes) == 2 for classes in self.task_classes_):
            return scores[:, 1] - scores[:, 0]
        return scores


def _take(X, rows):
    rows = torch.as_tensor(rows, dtype=torch.long)
    return {"x": X["x"][rows], "task": X["task"][rows]}
