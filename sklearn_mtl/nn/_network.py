"""Per-task and shared layers, and the general task network built from them.

Every layer here has ``forward(x, task)``: a per-task layer applies row ``i``
its own task's weight, a shared layer ignores ``task``. A
:class:`TaskNetwork` is a stack of conv blocks and dense layers whose every
parametrised layer is of a kind named per layer (``"per_task"`` or
``"shared"``), ending in one output unit per task, per-task softmax heads of
their own widths, or no output layer (the network then returns its top
features, the backbone of a method that adds its own heads).
:meth:`TaskNetwork.factorised` turns its per-task layers into task-factorised
ones (DMTRL). Architecture parameters are checked once, by
:func:`check_backbone`, before any module is built.
"""

import copy
import math
import numbers

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._factorised import (
    TaskFactorisedConv2d,
    TaskFactorisedLinear,
    TaskSpecificLinear,
    _apply_per_task,
    _check_task,
)

__all__ = [
    "LAYER_KINDS",
    "PerTaskConv2d",
    "PerTaskLinear",
    "SharedConv2d",
    "SharedLinear",
    "TaskNetwork",
    "check_backbone",
    "check_positive_int_tuple",
    "layer_shapes",
]

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh}


# --------------------------------------------------------------------------- layers


class PerTaskLinear(nn.Module):
    """T unrelated ``nn.Linear`` layers, one per task (single-task nets, S = I_T).

    Each task's weight is drawn as ``nn.Linear`` draws it. Rows are grouped by
    task and each group goes through one matmul (see ``_apply_per_task``).

    Parameters
    ----------
    in_features, out_features, n_tasks : int

    Examples
    --------
    >>> import torch
    >>> layer = PerTaskLinear(3, 2, n_tasks=4)
    >>> layer(torch.randn(5, 3), torch.tensor([0, 3, 3, 1, 0])).shape
    torch.Size([5, 2])
    """

    def __init__(self, in_features, out_features, n_tasks):
        super().__init__()
        self.n_tasks = n_tasks
        self.weight = nn.Parameter(torch.empty(n_tasks, out_features, in_features))
        self.bias = nn.Parameter(torch.empty(n_tasks, out_features))
        bound = 1 / math.sqrt(in_features)
        for t in range(n_tasks):
            nn.init.kaiming_uniform_(self.weight[t], a=math.sqrt(5))
        nn.init.uniform_(self.bias, -bound, bound)

    def weight_stack(self):
        """Task-stacked weights ``(in, out, T)``, the DMTRL paper's order."""
        return self.weight.detach().permute(2, 1, 0)

    def forward(self, x, task):
        task = _check_task(task, x.shape[0], self.n_tasks, x.device)
        weights = self.weight.unbind(0)
        out = _apply_per_task(x, task, self.n_tasks, lambda t, rows: rows @ weights[t].T)
        return out + self.bias[task]


class PerTaskConv2d(nn.Module):
    """T unrelated ``nn.Conv2d`` layers (valid padding, stride 1), one per task."""

    def __init__(self, in_channels, out_channels, kernel_size, n_tasks):
        super().__init__()
        self.n_tasks = n_tasks
        self.weight = nn.Parameter(
            torch.empty(n_tasks, out_channels, in_channels, kernel_size, kernel_size)
        )
        self.bias = nn.Parameter(torch.empty(n_tasks, out_channels))
        bound = 1 / math.sqrt(in_channels * kernel_size**2)
        for t in range(n_tasks):
            nn.init.kaiming_uniform_(self.weight[t], a=math.sqrt(5))
        nn.init.uniform_(self.bias, -bound, bound)

    def weight_stack(self):
        """Task-stacked kernels ``(H, W, C, M, T)``, the DMTRL paper's order."""
        return self.weight.detach().permute(3, 4, 2, 1, 0)

    def forward(self, x, task):
        task = _check_task(task, x.shape[0], self.n_tasks, x.device)
        kernels = self.weight.unbind(0)
        out = _apply_per_task(x, task, self.n_tasks, lambda t, rows: F.conv2d(rows, kernels[t]))
        return out + self.bias[task][:, :, None, None]


class SharedLinear(nn.Linear):
    """One ``nn.Linear`` for every task (a hard-shared layer, S = [1; 0])."""

    def forward(self, x, task=None):
        return super().forward(x)


class SharedConv2d(nn.Conv2d):
    """One ``nn.Conv2d`` for every task (a hard-shared layer)."""

    def forward(self, x, task=None):
        return super().forward(x)


#: Layer kind -> (dense factory, conv factory); each takes the spec's sizes and T.
LAYER_KINDS = {
    "per_task": (lambda d_in, d_out, T: PerTaskLinear(d_in, d_out, T),
                 lambda c_in, c_out, k, T: PerTaskConv2d(c_in, c_out, k, T)),
    "shared": (lambda d_in, d_out, T: SharedLinear(d_in, d_out),
               lambda c_in, c_out, k, T: SharedConv2d(c_in, c_out, k)),
}
# DMTRL's name for a per-task layer.
LAYER_KINDS["independent"] = LAYER_KINDS["per_task"]


# --------------------------------------------------------------------------- architecture


def layer_shapes(n_features, hidden_layer_sizes, conv_layers, input_shape, single_output):
    """Ordered ``{name: spec}`` of the parametrised layers of a task network.

    Conv specs are ``("conv", in_channels, out_channels, kernel, pool)``, dense
    specs ``("fc", in_features, out_features)``. The output layer ``"out"``
    (one unit per task) is listed only when ``single_output``.
    """
    shapes = {}
    width = n_features
    if conv_layers:
        channels, height, wide = input_shape
        for i, spec in enumerate(conv_layers, start=1):
            out_channels, kernel = spec[0], spec[1]
            pool = spec[2] if len(spec) > 2 else 2
            shapes[f"conv{i}"] = ("conv", channels, out_channels, kernel, pool)
            height, wide = (height - kernel + 1) // pool, (wide - kernel + 1) // pool
            channels = out_channels
        width = channels * height * wide
    for i, size in enumerate(hidden_layer_sizes, start=1):
        shapes[f"fc{i}"] = ("fc", width, size)
        width = size
    if single_output:
        shapes["out"] = ("fc", width, 1)
    return shapes


def check_positive_int_tuple(value, name):
    """A tuple of ints >= 1 (an int alone is a tuple of one), or a ValueError."""
    message = f"{name}={value!r} is not valid: it must be a tuple of ints >= 1"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        value = tuple(value)
    except TypeError:
        raise ValueError(message) from None
    if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in value):
        raise ValueError(message)
    return tuple(int(v) for v in value)


def check_backbone(n_features, hidden_layer_sizes, conv_layers=None, input_shape=None):
    """Validate a dense/conv backbone against the data; return its normalised form.

    The one architecture check of the deep estimators: hidden widths, conv
    specs ``(out_channels, kernel_size[, pool])`` (valid convolution, stride
    1, ``pool x pool`` max-pool, default 2), ``input_shape`` (channels,
    height, width) against the number of feature columns, and that every
    convolution and pooling fits the image.

    Parameters
    ----------
    n_features : int
        Feature columns of ``X`` (the task column excluded).
    hidden_layer_sizes : int or tuple of int (may be empty)
    conv_layers : tuple of tuple, default=None
    input_shape : tuple of 3 ints, default=None

    Returns
    -------
    hidden : tuple of int
    conv : tuple of (out_channels, kernel, pool)
    input_shape : tuple of int or None
    """
    hidden = () if hidden_layer_sizes in ((), []) else check_positive_int_tuple(
        hidden_layer_sizes, "hidden_layer_sizes")
    conv = ()
    if conv_layers:
        for spec in conv_layers:
            values = check_positive_int_tuple(spec, "conv_layers entry")
            if len(values) not in (2, 3):
                raise ValueError(
                    f"conv_layers entry {spec!r} is not valid: it must be "
                    "(out_channels, kernel_size) or (out_channels, kernel_size, pool)"
                )
            conv += (values if len(values) == 3 else values + (2,),)
        if input_shape is None:
            raise ValueError(
                "conv_layers need input_shape=(channels, height, width) to reshape "
                "the flat feature rows into images"
            )
    shape = None
    if input_shape is not None:
        shape = check_positive_int_tuple(input_shape, "input_shape")
        if len(shape) != 3:
            raise ValueError(
                f"input_shape={input_shape!r} is not valid: it must be "
                "(channels, height, width)"
            )
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"input_shape={tuple(input_shape)!r} holds {int(np.prod(shape))} values "
                f"but X has {n_features} feature column(s) (the task column excluded)"
            )
        height, width = shape[1:]
        for i, (_, kernel, pool) in enumerate(conv):
            height, width = height - kernel + 1, width - kernel + 1
            if min(height, width) < 1 or min(height, width) // pool < 1:
                raise ValueError(
                    f"conv_layers[{i}]={tuple(conv_layers[i])!r} does not fit: "
                    f"input_shape={tuple(input_shape)!r} is too small for this stack "
                    "of valid convolutions and poolings"
                )
            height, width = height // pool, width // pool
    return hidden, conv, shape


# --------------------------------------------------------------------------- network


class TaskNetwork(nn.Module):
    """Conv blocks, dense layers and an output, every layer of a named kind.

    Each conv block is conv (valid, stride 1), activation, ``pool x pool``
    max-pool (the LeNet of the DMTRL and Deep-AMTFL papers); then flatten and
    the dense layers with the activation. The output is one of:

    - ``output="unit"``: one output unit per task (homogeneous MTL,
      regression), a parametrised layer ``"out"`` of its own kind; the
      forward returns shape ``(batch,)``;
    - ``output="heads"``: per-task softmax heads of widths ``output_sizes``
      (:class:`~sklearn_mtl.nn.TaskSpecificLinear`, never shared), on the last
      dense layer; the forward returns ``(batch, max(output_sizes))``;
    - ``output=None``: no output layer; the forward returns the top features
      (after the activation), for a method that adds its own heads.

    Parameters
    ----------
    n_features : int
    n_tasks : int
    hidden_layer_sizes : tuple of int
    conv_layers : tuple of (out_channels, kernel_size[, pool])
    input_shape : tuple (channels, height, width) or None
    output : {"unit", "heads", None}, default="unit"
    output_sizes : list of int, default=None
        Per-task widths, for ``output="heads"``.
    activation : {"relu", "tanh"}, default="relu"
    kinds : str or dict, default="per_task"
        A kind of :data:`LAYER_KINDS` for every layer, or layer name
        (``"conv1"``, ``"fc1"``, ``"out"``...) to kind.

    Examples
    --------
    >>> import torch
    >>> net = TaskNetwork(4, n_tasks=3, hidden_layer_sizes=(8,),
    ...                   kinds={"fc1": "shared", "out": "per_task"})
    >>> net(torch.randn(5, 4), torch.tensor([0, 1, 2, 2, 0])).shape
    torch.Size([5])
    """

    def __init__(self, n_features, n_tasks, hidden_layer_sizes=(), conv_layers=(),
                 input_shape=None, output="unit", output_sizes=None, activation="relu",
                 kinds="per_task"):
        super().__init__()
        self.n_tasks = n_tasks
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.activation = activation
        self.output = output
        # Kept for modules pickled before ``output`` existed.
        self.single_output = output == "unit"
        self.layer_names = []
        self.pools = []
        layers = []
        shapes = layer_shapes(n_features, hidden_layer_sizes, conv_layers, input_shape,
                              output == "unit")
        for name, spec in shapes.items():
            kind = kinds if isinstance(kinds, str) else kinds[name]
            dense, conv = LAYER_KINDS[kind]
            if spec[0] == "conv":
                _, c_in, c_out, k, pool = spec
                layer = conv(c_in, c_out, k, n_tasks)
                self.pools.append(pool)
            else:
                layer = dense(spec[1], spec[2], n_tasks)
            layers.append(layer)
            self.layer_names.append(name)
        self.n_conv = len(self.pools)
        self.layers = nn.ModuleList(layers)
        if output == "heads":
            self.head = TaskSpecificLinear(hidden_layer_sizes[-1], output_sizes)

    def forward(self, x, task=None):
        act = ACTIVATIONS[self.activation]
        if self.n_conv:
            x = x.reshape(x.shape[0], *self.input_shape)
        n_layers = len(self.layers)
        unit = self.output == "unit"
        for i, layer in enumerate(self.layers):
            x = layer(x, task)
            if i < self.n_conv:
                x = act(x)
                if self.pools[i] > 1:
                    x = F.max_pool2d(x, self.pools[i])
                if i == self.n_conv - 1:
                    x = x.flatten(1)
            elif i < n_layers - 1 or not unit:
                x = act(x)
        if unit:
            return x.squeeze(-1)
        if self.output == "heads":
            return self.head(x, task)
        return x

    def factorised(self, factorisation, ranks, rank_rule="frobenius"):
        """A copy whose per-task layers are task-factorised (DMTRL's recipe).

        Every per-task layer's weights are stacked task-last and decomposed at
        ``ranks[name]``; biases, shared layers and the per-task heads are
        copied, so the new network equals this one up to the truncation error.
        """
        net = copy.deepcopy(self)
        layers = []
        for name, layer in zip(net.layer_names, net.layers):
            bias = layer.bias.detach()
            if isinstance(layer, PerTaskConv2d):
                layer = TaskFactorisedConv2d.from_weights(
                    layer.weight_stack(), bias, factorisation, ranks[name],
                    rank_rule=rank_rule)
            elif isinstance(layer, PerTaskLinear):
                layer = TaskFactorisedLinear.from_weights(
                    layer.weight_stack(), bias, factorisation, ranks[name],
                    rank_rule=rank_rule)
            layers.append(layer)
        net.layers = nn.ModuleList(layers)
        return net
