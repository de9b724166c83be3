"""RobustJointNets: one network per dataset, tied by a robust norm, fitted by IRLS.

Zhang et al., "Joint learning of neural networks via iterative
reweighted least squares" (arXiv:1905.06526, 2019), code
github.com/zaiweizhang/Joint-Learning-of-NN.

Every dataset (task) ``i`` has its own copy ``theta_i`` of one architecture.
The copies are *stacked*: each layer holds one parameter tensor with a leading
dataset axis (``weight`` of shape ``(n, out, in)``), so one forward pass, one
backward pass and one optimiser step serve all ``n`` networks. Adjacent layers
``(l, l+1)`` of every pair of networks are pulled together by the robust
(Geman-McClure type) norm of their concatenated differences (paper eq. 3-4),
minimised by iteratively reweighted least squares (eq. 5-8): an L2-coupled
start, then pair weights ``w_ijl`` recomputed from the current parameters.

The weighted sum of squared pairwise differences is computed through the
Laplacian of the weight matrix, ``sum_{i<j} c_ij ||a_i - a_j||^2 = tr(A^T L A)``
with ``L = diag(C 1) - C``: ``O(n p + n^2)`` memory and one ``(n, n) x (n, p)``
product per layer, never the ``n^2 p`` tensor of pairwise differences.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.base import ClassifierMixin, RegressorMixin, TransformerMixin, _fit_context
from sklearn.utils import TransformerTags, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_array, check_is_fitted
from skorch.callbacks import Callback
from skorch.utils import to_tensor
from torch import nn
from torch.nn import functional as F

from ..base import MultiTaskClassifierMixin, MultiTaskRegressorMixin
from ..nn import check_backbone
from ..nn._objectives import task_weighted_loss
from ._net import (
    BaseMultiTaskNeuralNet,
    MultiTaskNet,
    _NeuralClassifierMixin,
    _NeuralRegressorMixin,
)

__all__ = [
    "RobustJointAutoencoder",
    "RobustJointGAN",
    "RobustJointNetClassifier",
    "RobustJointNetRegressor",
    "IRLSReweighting",
    "StackedGAN",
    "StackedNet",
    "block_sigma",
    "consistency_loss",
    "irls_weights",
    "mutual_knn_clusters",
    "robust_norm",
]

_ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "leaky_relu": F.leaky_relu}
WEIGHT_RULES = ("paper", "geman_mcclure")
DISTANCES = ("mean", "sum")


# --------------------------------------------------------------------------- math


def robust_norm(x, sigma):
    """The paper's robust norm ``rho(x, sigma) = sigma^2 x^2 / (sigma^2 + x^2)``.

    About ``x^2`` for ``x << sigma`` and ``sigma^2`` for ``x >> sigma``
    (Geman-McClure). ``x`` and ``sigma`` broadcast; numpy arrays.
    """
    x2 = np.square(np.asarray(x, dtype=np.float64))
    s2 = np.square(np.asarray(sigma, dtype=np.float64))
    # 0/0 (identical networks, sigma 0) is 0: nothing to penalise.
    return np.divide(s2 * x2, s2 + x2, out=np.zeros(np.broadcast(x2, s2).shape),
                     where=(s2 + x2) > 0)


def irls_weights(sq_distances, sigma, rule="paper"):
    """IRLS pair weights from squared block distances (paper eq. 7).

    Parameters
    ----------
    sq_distances : ndarray of shape (n_blocks, n, n)
        ``d_ijl^2``, the squared distance of the concatenated parameters of
        layers ``(l, l+1)`` of networks ``i`` and ``j``.
    sigma : ndarray of shape (n_blocks,)
    rule : {"paper", "geman_mcclure"}
        ``"paper"``: the paper's split ``rho(x) = w x^2`` with
        ``w = sigma^2 / (sigma^2 + d^2)``; ``"geman_mcclure"``: the textbook
        IRLS weight ``rho'(d) / (2 d) = sigma^4 / (sigma^2 + d^2)^2``.

    Returns
    -------
    w : ndarray of shape (n_blocks, n, n)
        In ``[0, 1]``, symmetric, 1 on the diagonal. A pair at distance 0
        gets 1 whatever sigma is (never 0/0).
    """
    d2 = np.asarray(sq_distances, dtype=np.float64)
    s2 = np.square(np.asarray(sigma, dtype=np.float64))[:, None, None]
    denom = s2 + d2
    w = np.divide(s2, denom, out=np.ones_like(d2), where=denom > 0)
    if rule == "geman_mcclure":
        w = w ** 2
    w = 0.5 * (w + np.swapaxes(w, 1, 2))
    idx = np.arange(w.shape[1])
    w[:, idx, idx] = 1.0
    return w


def block_sigma(distances):
    """The paper's per-block scale: ``sigma_l = mean_i min_{j != i} d_ijl`` (sec. 4.2.1).

    Parameters
    ----------
    distances : ndarray of shape (n_blocks, n, n)
        Block distances ``d_ijl`` (not squared), of the L2-coupled networks.

    Returns
    -------
    sigma : ndarray of shape (n_blocks,)
    """
    d = np.array(distances, dtype=np.float64)
    n = d.shape[1]
    if n < 2:
        return np.zeros(d.shape[0])
    idx = np.arange(n)
    d[:, idx, idx] = np.inf
    return d.min(axis=2).mean(axis=1)


def consistency_loss(sq_distances, sigma=None, weights=None):
    """``sum_{i<j} sum_l`` of ``rho(d_ijl, sigma_l)`` (sigma given) or ``w_ijl d_ijl^2``."""
    d2 = np.asarray(sq_distances, dtype=np.float64)
    upper = np.triu(np.ones(d2.shape[1:], dtype=bool), k=1)
    if sigma is not None:
        values = robust_norm(np.sqrt(d2), np.asarray(sigma)[:, None, None])
    else:
        values = d2 if weights is None else np.asarray(weights) * d2
    return float(values[:, upper].sum())


def mutual_knn_clusters(weights, n_neighbors=3):
    """Dataset clusters per block from the mutual top-k graph (paper Fig. 2).

    Edge ``(i, j)`` iff ``j`` is among the ``k`` datasets of largest
    ``w_ijl`` for ``i`` and ``i`` among those of ``j`` (k clipped to
    ``n - 1``); clusters are the connected components.

    Parameters
    ----------
    weights : ndarray of shape (n_blocks, n, n)
    n_neighbors : int

    Returns
    -------
    labels : ndarray of int of shape (n_blocks, n)
        Labels numbered by first appearance (dataset 0 is in cluster 0).
    """
    w = np.asarray(weights, dtype=np.float64)
    n_blocks, n, _ = w.shape
    labels = np.zeros((n_blocks, n), dtype=np.int64)
    k = min(int(n_neighbors), n - 1)
    if k < 1:
        return labels
    for b in range(n_blocks):
        scores = w[b].copy()
        np.fill_diagonal(scores, -np.inf)
        # Stable ranking: ties go to the lower index, so the graph is deterministic.
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        near = np.zeros((n, n), dtype=bool)
        near[np.repeat(np.arange(n), k), top.ravel()] = True
        _, raw = connected_components(csr_matrix(near & near.T), directed=False)
        _, first = np.unique(raw, return_index=True)
        order = np.argsort(first)
        relabel = np.empty_like(order)
        relabel[order] = np.arange(order.size)
        labels[b] = relabel[raw]
    return labels


# --------------------------------------------------------------------------- stacked layers


class StackedLinear(nn.Module):
    """``n`` dense layers of one shape: ``weight`` (n, out, in), ``bias`` (n, out).

    Every copy starts from the same draw (one :class:`torch.nn.Linear`
    initialisation copied ``n`` times): distances between the copies' hidden
    layers are only meaningful from a common start (spec sec. 4.1).
    """

    def __init__(self, n_tasks, in_features, out_features):
        super().__init__()
        proto = nn.Linear(in_features, out_features)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = nn.Parameter(proto.weight.detach().expand(n_tasks, -1, -1).clone())
        self.bias = nn.Parameter(proto.bias.detach().expand(n_tasks, -1).clone())

    def forward(self, x, nets=None):
        """``x`` of shape (k, m, in): ``m`` rows for each of ``k`` networks."""
        weight, bias = (self.weight, self.bias) if nets is None else (
            self.weight[nets], self.bias[nets])
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))


class StackedConv2d(nn.Module):
    """``n`` valid 2-d convolutions of one shape, run as one grouped convolution.

    ``weight`` (n, out, in, k, k), ``bias`` (n, out). The ``k`` networks'
    inputs ``(k, m, C, H, W)`` become one ``(m, k C, H, W)`` batch convolved
    with ``groups=k``.
    """

    def __init__(self, n_tasks, in_channels, out_channels, kernel_size):
        super().__init__()
        proto = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = int(kernel_size)
        self.weight = nn.Parameter(
            proto.weight.detach().expand(n_tasks, -1, -1, -1, -1).clone())
        self.bias = nn.Parameter(proto.bias.detach().expand(n_tasks, -1).clone())

    def forward(self, x, nets=None):
        weight, bias = (self.weight, self.bias) if nets is None else (
            self.weight[nets], self.bias[nets])
        k, m = x.shape[:2]
        flat = x.transpose(0, 1).reshape(m, k * self.in_channels, *x.shape[3:])
        out = F.conv2d(flat, weight.reshape(k * self.out_channels, *weight.shape[2:]),
                       bias.reshape(-1), groups=k)
        return out.reshape(m, k, self.out_channels, *out.shape[2:]).transpose(0, 1)


def _group_rows(task, n_tasks):
    """Where each row goes in a zero-padded ``(k, m, ...)`` per-network batch.

    Returns ``nets`` (the networks present, or None when all are), ``slot`` (the
    flat position ``net * m + rank within its task`` of every row) and ``m``.
    """
    counts = torch.bincount(task, minlength=n_tasks)
    present = counts > 0
    all_present = bool(present.all())
    nets = None if all_present else torch.nonzero(present).squeeze(1)
    position = torch.cumsum(present.long(), 0) - 1  # network index among the present ones
    m = int(counts.max()) if task.numel() else 0
    order = torch.argsort(task, stable=True)
    starts = torch.cumsum(counts, 0) - counts
    sorted_task = task[order]
    rank = torch.arange(task.numel(), device=task.device) - starts[sorted_task]
    slot = torch.empty_like(task)
    slot[order] = position[sorted_task] * m + rank
    return nets, slot, m, int(present.sum())


class _LaplacianQuadratic(torch.autograd.Function):
    """``tr(A^T L A)`` for a symmetric ``L``, with the gradient ``2 L A`` kept from the
    forward pass (one matrix product per step instead of three)."""

    @staticmethod
    def forward(ctx, a, lap):
        la = lap @ a
        ctx.save_for_backward(la)
        return (a * la).sum()

    @staticmethod
    def backward(ctx, grad):
        (la,) = ctx.saved_tensors
        return 2 * grad * la, None


class TaskStratifiedIterator:
    """Batches that hold a share of every dataset (the joint solver's default).

    Each epoch, every dataset's rows are shuffled and split into the same
    number of near-equal chunks (``ceil(n_rows / batch_size)``); batch ``b``
    joins chunk ``b`` of every dataset. Every step then sees every dataset (one
    minibatch from each, as the spec recommends for the joint solver), and the
    per-network blocks of the stacked forward pass are nearly equal, so little
    of the padded ``(n, m, ...)`` tensor is padding.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, collate_fn=None,
                 drop_last=False, **kwargs):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        n = len(self.dataset)
        return 1 if self.batch_size in (-1, None) else max(1, -(-n // self.batch_size))

    def __iter__(self):
        task = self.dataset.task
        n_batches = len(self)
        if n_batches == 1:
            yield self.dataset.__getitems__(torch.arange(len(self.dataset)))
            return
        chunks = []
        for t in torch.unique(task).tolist():
            rows = torch.nonzero(task == t).squeeze(1)
            if self.shuffle:
                rows = rows[torch.randperm(rows.numel())]
            chunks.append(torch.tensor_split(rows, n_batches))
        order = torch.randperm(n_batches) if self.shuffle else range(n_batches)
        for b in order:
            rows = torch.cat([c[int(b)] for c in chunks])
            if rows.numel():
                yield self.dataset.__getitems__(rows)


class StackedNet(nn.Module):
    """``n`` feed-forward networks of one architecture, stacked layer by layer.

    Conv blocks (valid convolution, activation, ``pool x pool`` max-pool),
    then dense layers with the activation, then the output layer. Rows of a
    batch are routed to their task's network through one zero-padded
    ``(n, m, ...)`` tensor, so every layer is one batched matmul (``bmm``) or
    one grouped convolution, whatever the number of networks.

    Parameters
    ----------
    n_tasks : int
    n_features : int
    hidden_layer_sizes : tuple of int
        Dense widths after the conv blocks.
    output_sizes : list of int
        Output width of each task's network. The output layer has
        ``max(output_sizes)`` rows per network; for a task with fewer outputs
        the extra logits are ``-inf`` (a per-task softmax head).
    conv_layers : tuple of (out_channels, kernel, pool)
    input_shape : tuple (channels, height, width) or None
    activation : {"relu", "tanh", "leaky_relu"}
    output_activation : {None, "sigmoid"}
    lam : float
        ``lambda``: weight of the consistency term.
    distance : {"mean", "sum"}
        ``"sum"``: ``d^2`` is the plain squared distance of the concatenated
        parameters (paper literal); ``"mean"``: each layer's squared
        difference is divided by that layer's parameter count first.
    couple_output : bool
        Whether the output layer takes part in the coupling (only possible
        when every task has the same output width).
    code_layer : int or None
        Index of the layer whose activation :meth:`encode` returns
        (autoencoders).

    Attributes
    ----------
    layers : torch.nn.ModuleList
        Stacked layers, input to output.
    coupled : list of int
        Indices of the coupled layers.
    blocks : list of tuple
        The coupled blocks: pairs of consecutive coupled layers (one block of
        a single layer when only one layer is coupled).
    pair_weights : buffer of shape (n_blocks, n, n)
        The current IRLS weights ``w_ijl`` (1 during the L2 stage).
    """

    def __init__(self, n_tasks, n_features, hidden_layer_sizes=(), output_sizes=(1,),
                 conv_layers=(), input_shape=None, activation="relu",
                 output_activation=None, lam=10.0, distance="mean", couple_output=True,
                 code_layer=None):
        super().__init__()
        self.n_tasks = int(n_tasks)
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.activation = activation
        self.output_activation = output_activation
        self.distance = distance
        self.lam = float(lam)
        self.code_layer = code_layer
        output_sizes = [int(k) for k in output_sizes]
        if len(output_sizes) == 1:
            output_sizes = output_sizes * self.n_tasks
        self.output_sizes = output_sizes
        layers, self.pools = [], []
        width = int(n_features)
        if conv_layers:
            channels, height, wide = self.input_shape
            for out_channels, kernel, pool in conv_layers:
                layers.append(StackedConv2d(self.n_tasks, channels, out_channels, kernel))
                self.pools.append(int(pool))
                height, wide = (height - kernel + 1) // pool, (wide - kernel + 1) // pool
                channels = out_channels
            width = channels * height * wide
        for size in hidden_layer_sizes:
            layers.append(StackedLinear(self.n_tasks, width, size))
            width = size
        out_width = max(output_sizes)
        layers.append(StackedLinear(self.n_tasks, width, out_width))
        self.layers = nn.ModuleList(layers)
        self.n_conv = len(self.pools)
        self.single_output = out_width == 1
        mask = torch.arange(out_width)[None, :] >= torch.tensor(output_sizes)[:, None]
        self.register_buffer("output_mask", mask, persistent=True)
        last = len(layers) - 1
        self.coupled = [i for i in range(len(layers)) if i < last or couple_output]
        if len(self.coupled) >= 2:
            self.blocks = list(zip(self.coupled[:-1], self.coupled[1:]))
        else:
            self.blocks = [tuple(self.coupled)] if self.coupled else []
        self.register_buffer(
            "pair_weights", torch.ones(len(self.blocks), self.n_tasks, self.n_tasks))

    # ---- forward

    def _run(self, x, task, stop=None):
        act = _ACTIVATIONS[self.activation]
        n_rows = x.shape[0]
        nets, slot, m, k = _group_rows(task, self.n_tasks)
        padded = x.new_zeros((k * m,) + tuple(x.shape[1:]))
        padded[slot] = x
        h = padded.reshape(k, m, *x.shape[1:])
        if self.n_conv:
            h = h.reshape(k, m, *self.input_shape)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if i == self.n_conv and self.n_conv:
                h = h.flatten(2)
            h = layer(h, nets)
            if i < self.n_conv:
                h = act(h)
                if self.pools[i] > 1:
                    pooled = F.max_pool2d(h.flatten(0, 1), self.pools[i])
                    h = pooled.reshape(k, m, *pooled.shape[1:])
            elif i < last:
                h = act(h)
            if stop is not None and i == stop:
                break
        out = h.reshape(k * m, -1)[slot]
        return out.reshape(n_rows, -1)

    def forward(self, x, task):
        out = self._run(x, task)
        if self.output_activation == "sigmoid":
            out = torch.sigmoid(out)
        if self.single_output:
            return out.squeeze(-1)
        if bool(self.output_mask.any()):
            out = out.masked_fill(self.output_mask[task], float("-inf"))
        return out

    def encode(self, x, task):
        """Activations of layer ``code_layer`` for each row's own network."""
        return self._run(x, task, stop=self.code_layer)

    # ---- coupling

    def layer_scale(self, i):
        """``1`` (distance "sum") or ``1 / n_l`` (distance "mean") for layer ``i``."""
        if self.distance == "sum":
            return 1.0
        return 1.0 / sum(p[0].numel() for p in self.layers[i].parameters())

    def layer_couplings(self):
        """``{layer: C_l}``: ``c_ijl = sum of w_ijb over the blocks b holding layer l``."""
        out = {}
        for b, block in enumerate(self.blocks):
            for i in block:
                out[i] = out.get(i, 0) + self.pair_weights[b]
        eye = torch.eye(self.n_tasks, dtype=self.pair_weights.dtype,
                        device=self.pair_weights.device)
        return {i: c * (1 - eye) for i, c in out.items()}

    def _refresh_laplacians(self):
        # The weights change only at a reweighting: the per-layer Laplacians
        # lambda s_l (diag(C_l 1) - C_l) are kept, not rebuilt every step.
        self._laplacians = {
            i: self.lam * self.layer_scale(i) * (torch.diag(c.sum(1)) - c)
            for i, c in self.layer_couplings().items()}

    def coupling_penalty(self):
        """``lambda sum_{i<j} sum_l w_ijl d_ijl^2`` (eq. 5 / 8), by the Laplacian form.

        Per coupled layer, ``sum_{i<j} c_ij ||a_i - a_j||^2 = tr(A^T L A)`` with
        ``L = diag(C 1) - C`` and ``A`` the ``(n, p_l)`` stack of the layer's
        parameters: one ``(n, n) x (n, p_l)`` product, no pairwise copies.
        """
        key = (id(self.pair_weights), self.pair_weights._version, self.lam)
        if getattr(self, "_laplacians_key", None) != key:
            self._refresh_laplacians()
            self._laplacians_key = key
        laplacians = self._laplacians
        total = 0.0
        for i, lap in laplacians.items():
            for p in self.layers[i].parameters():
                total = total + _LaplacianQuadratic.apply(p.flatten(1), lap)
        return total if torch.is_tensor(total) else self.pair_weights.new_zeros(())

    def subproblem_penalty(self, task):
        """The block-coordinate subproblem's term for network ``task`` (eq. 9).

        ``lambda sum_l C_il ||theta^l_i - m_il||^2`` with ``C_il = sum_{j!=i}
        c_ijl`` and ``m_il`` the ``c``-weighted mean of the other (frozen,
        detached) networks' layers. Its gradient in ``theta_i`` equals that of
        :meth:`coupling_penalty`.
        """
        total = self.pair_weights.new_zeros(())
        for i, c in self.layer_couplings().items():
            row = c[task]
            strength = row.sum()
            if float(strength) <= 0:
                continue
            term = 0.0
            for p in self.layers[i].parameters():
                a = p.flatten(1)
                target = (row.to(a.dtype) @ a.detach()) / strength
                term = term + strength * ((a[task] - target) ** 2).sum()
            total = total + self.layer_scale(i) * term
        return self.lam * total

    @torch.no_grad()
    def layer_sq_distances(self):
        """``{layer: (n, n) float64}``: ``s_l ||theta^l_i - theta^l_j||^2`` for every pair.

        From the Gram matrix of the centred parameters in float64 (centring
        and double precision keep the cancellation far below the distances of
        nearly identical copies).
        """
        out = {}
        for i in self.coupled:
            a = torch.cat([p.detach().flatten(1) for p in self.layers[i].parameters()], 1)
            a = a.double()
            a = a - a.mean(0, keepdim=True)
            gram = a @ a.T
            sq = gram.diagonal()
            total = (sq[:, None] + sq[None, :] - 2 * gram).clamp_min_(0)
            total.fill_diagonal_(0)
            out[i] = self.layer_scale(i) * total
        return out

    def block_sq_distances(self):
        """``(n_blocks, n, n)`` numpy array of ``d_ijl^2`` (eq. 3's blocks)."""
        layer = self.layer_sq_distances()
        if not self.blocks:
            return np.zeros((0, self.n_tasks, self.n_tasks))
        return np.stack([sum(layer[i] for i in block).cpu().numpy() for block in self.blocks])

    def set_pair_weights(self, weights):
        self.pair_weights.copy_(torch.as_tensor(weights, dtype=self.pair_weights.dtype))

    def __getstate__(self):
        state = dict(self.__dict__)
        # Derived from pair_weights (rebuilt on first use after unpickling).
        state.pop("_laplacians", None)
        state.pop("_laplacians_key", None)
        return state


# --------------------------------------------------------------------------- IRLS


class IRLSReweighting(Callback):
    """The paper's IRLS schedule as a skorch callback (sec. 4.2).

    Epochs ``1..n_init_epochs`` solve the L2-coupled problem (5) (all
    ``w = 1``). At their end ``sigma_l`` is set once from those networks;
    then every ``irls_every`` epochs the weights (7) are recomputed from the
    current parameters and ``delta = max |w^(k) - w^(k-1)|`` is logged. Training
    stops when ``delta <= irls_tol`` or after ``max_irls_iter`` optimisation
    steps (8). The optimiser (and its state) is the net's own, kept across
    reweightings.

    History keys per epoch: ``consistency_weighted`` (``sum w d^2``, the
    term optimised, lambda excluded) and, once sigma is known,
    ``consistency`` (``sum rho(d, sigma)``, the paper's "Closs"); at each
    reweighting ``irls_delta``.
    """

    def __init__(self, n_init_epochs=20, irls_every=10, max_irls_iter=8, irls_tol=1e-2,
                 weight_rule="paper"):
        self.n_init_epochs = n_init_epochs
        self.irls_every = irls_every
        self.max_irls_iter = max_irls_iter
        self.irls_tol = irls_tol
        self.weight_rule = weight_rule

    def initialize(self):
        self.sigma_ = None
        self.deltas_ = []
        self.n_irls_iter_ = 0
        self.done_ = False
        self.sigma_floored_ = []
        return self

    def _due(self, epoch):
        if epoch == self.n_init_epochs:
            return True
        return epoch > self.n_init_epochs and (epoch - self.n_init_epochs) % self.irls_every == 0

    def on_epoch_end(self, net, **kwargs):
        module = net.module_
        if not module.blocks or module.n_tasks < 2:
            return
        d2 = module.block_sq_distances()
        weights = module.pair_weights.detach().cpu().double().numpy()
        net.history.record("consistency_weighted", consistency_loss(d2, weights=weights))
        epoch = len(net.history)
        if self.done_ or not self._due(epoch):
            if self.sigma_ is not None:
                net.history.record("consistency", consistency_loss(d2, sigma=self.sigma_))
            return
        if self.sigma_ is None:
            self.sigma_ = self._sigma(d2, module)
        net.history.record("consistency", consistency_loss(d2, sigma=self.sigma_))
        new = irls_weights(d2, self.sigma_, self.weight_rule)
        upper = np.triu(np.ones(new.shape[1:], dtype=bool), k=1)
        delta = float(np.abs(new - weights)[:, upper].max()) if upper.any() else 0.0
        module.set_pair_weights(new)
        self.deltas_.append(delta)
        net.history.record("irls_delta", delta)
        steps_done = len(self.deltas_) - 1
        if delta <= self.irls_tol or steps_done >= self.max_irls_iter:
            self.done_ = True
            self.n_irls_iter_ = steps_done
            if epoch < net.max_epochs:
                raise KeyboardInterrupt  # skorch's way to end fit early (EarlyStopping)
        else:
            self.n_irls_iter_ = steps_done + 1

    def _sigma(self, d2, module):
        sigma = block_sigma(np.sqrt(d2))
        for b in np.flatnonzero(~(sigma > 0)):
            # All copies identical in this block: a floor relative to the
            # parameters' scale keeps w finite (a zero-distance pair still gets 1).
            scale = math.sqrt(sum(
                float((p.detach().double() ** 2).mean()) for i in module.blocks[b]
                for p in module.layers[i].parameters()))
            sigma[b] = max(scale, 1.0) * math.sqrt(np.finfo(np.float32).eps)
            self.sigma_floored_.append(int(b))
        if self.sigma_floored_:
            warnings.warn(
                f"sigma is 0 for block(s) {self.sigma_floored_}: every network has the same "
                "parameters there after the L2 stage (lam too large, or identical "
                "datasets); a small floor is used instead", RuntimeWarning, stacklevel=2)
        return sigma


class FreezeOtherNetworks(Callback):
    """Block-coordinate descent: a step changes only the batch's own network.

    With one stacked tensor per layer, the other networks' slices get zero
    gradient but a stateful optimiser (Adam, momentum) would still move them;
    they are restored after each training step.
    """

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        self._saved = None
        if not training:
            return
        task = batch[0]["task"]
        self._task = int(task[0])
        self._saved = [p.detach().clone() for p in net.module_.parameters()]

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if not training or self._saved is None:
            return
        with torch.no_grad():
            for p, old in zip(net.module_.parameters(), self._saved):
                keep = p[self._task].clone()
                p.copy_(old)
                p[self._task] = keep
        self._saved = None


class TaskCyclicIterator:
    """Batches for the block-coordinate schedule: all of dataset 0, then 1, ...

    One skorch epoch is one sweep in which every network is trained for one
    epoch of its own dataset with the others frozen (paper sec. 4.2.3). Every
    batch holds rows of one task only.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, collate_fn=None,
                 drop_last=False, **kwargs):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def _batches(self):
        task = self.dataset.task
        n = len(self.dataset)
        size = n if self.batch_size in (-1, None) else self.batch_size
        out = []
        for t in torch.unique(task).tolist():
            rows = torch.nonzero(task == t).squeeze(1)
            if self.shuffle:
                rows = rows[torch.randperm(rows.numel())]
            out.extend(rows.split(size))
        return out

    def __len__(self):
        return len(self._batches())

    def __iter__(self):
        for rows in self._batches():
            yield self.dataset.__getitems__(rows)


# --------------------------------------------------------------------------- estimators


class _RobustJointSkorchNet(MultiTaskNet):
    """The skorch net of the method: the base's per-task data term plus the coupling.

    ``solver="joint"``: the data term is the mean over the batch's tasks of
    their mean losses, ``(1/n) sum_i f_i``, so the coupling enters as
    ``lambda C / n`` (objective (8) divided by ``n``). ``solver="bcd"``: every
    training batch holds one dataset's rows, and the loss is that network's
    subproblem (9), ``f_i + lambda sum_l C_il ||theta^l_i - m_il||^2``.
    """

    def __init__(self, *args, solver="joint", **kwargs):
        kwargs["iterator_train"] = TaskCyclicIterator if solver == "bcd" else kwargs.get(
            "iterator_train", TaskStratifiedIterator)
        super().__init__(*args, **kwargs)
        self.solver = solver

    def objective_terms(self, outputs, y_true, X, training=False):
        terms = super().objective_terms(outputs, y_true, X, training)
        module = self.module_
        if training and self.solver == "bcd":
            terms["consistency"] = module.subproblem_penalty(int(X["task"][0]))
        else:
            terms["consistency"] = module.coupling_penalty() / module.n_tasks
        return terms


class _BaseRobustJoint(BaseMultiTaskNeuralNet):
    """Architecture, IRLS schedule and diagnostics shared by the estimators."""

    _net_class = _RobustJointSkorchNet

    _parameter_constraints = {
        **{k: v for k, v in BaseMultiTaskNeuralNet._parameter_constraints.items()
           if k != "max_epochs"},
        "hidden_layer_sizes": ["array-like"],
        "conv_layers": ["array-like", None],
        "input_shape": ["array-like", None],
        "activation": [StrOptions({"relu", "tanh"})],
        "lam": [Interval(Real, 0, None, closed="left")],
        "distance": [StrOptions(set(DISTANCES))],
        "weight_rule": [StrOptions(set(WEIGHT_RULES))],
        "solver": [StrOptions({"joint", "bcd"})],
        "n_init_epochs": [Interval(Integral, 1, None, closed="left")],
        "irls_every": [Interval(Integral, 1, None, closed="left")],
        "max_irls_iter": [Interval(Integral, 0, None, closed="left")],
        "irls_tol": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "couple_output": [StrOptions({"auto"}), "boolean"],
    }

    _skorch_params = tuple(p for p in BaseMultiTaskNeuralNet._skorch_params
                           if p != "max_epochs")

    def __init__(self, *, hidden_layer_sizes=(64,), conv_layers=None, input_shape=None,
                 activation="relu", lam=10.0, distance="mean", weight_rule="paper",
                 solver="joint", n_init_epochs=30, irls_every=15, max_irls_iter=8,
                 irls_tol=1e-2, n_neighbors=3, couple_output="auto", lr=1e-3,
                 batch_size=64, optimizer=torch.optim.Adam, task_weighting="uniform",
                 callbacks=None, train_split=None, net_params=None, warm_start=False,
                 verbose=0, device="cpu", random_state=None, task_column=-1):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_layers = conv_layers
        self.input_shape = input_shape
        self.activation = activation
        self.lam = lam
        self.distance = distance
        self.weight_rule = weight_rule
        self.solver = solver
        self.n_init_epochs = n_init_epochs
        self.irls_every = irls_every
        self.max_irls_iter = max_irls_iter
        self.irls_tol = irls_tol
        self.n_neighbors = n_neighbors
        self.couple_output = couple_output
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

    @property
    def max_epochs(self):
        """Most epochs a fit runs: ``n_init_epochs + max_irls_iter * irls_every``."""
        return self.n_init_epochs + self.max_irls_iter * self.irls_every

    # ---- validation (before any torch code)

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        hidden, conv, input_shape = check_backbone(
            n_features, self.hidden_layer_sizes, self.conv_layers, self.input_shape)
        sizes = [1] if output_sizes is None else list(output_sizes)
        same = len(set(sizes)) == 1
        if self.couple_output is True and not same:
            raise ValueError(
                f"couple_output=True needs every task's output layer to have one shape, "
                f"but the tasks have {sorted(set(sizes))} classes; use "
                "couple_output='auto' (the output layers are then left out of the "
                "coupling, as in the paper's code)")
        couple = same if self.couple_output == "auto" else bool(self.couple_output)
        n_layers = len(conv) + len(hidden) + 1
        if not couple and n_layers < 2:
            raise ValueError(
                "the output layers are not coupled (different class counts or "
                "couple_output=False) and there is no hidden or conv layer: nothing "
                "would be shared; add hidden_layer_sizes")
        self._architecture = dict(hidden_layer_sizes=hidden, conv_layers=conv,
                                  input_shape=input_shape, output_sizes=sizes,
                                  couple_output=couple)

    def _module_kwargs(self):
        return {}

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        arch = self._architecture
        return StackedNet(
            n_tasks, n_features, arch["hidden_layer_sizes"], arch["output_sizes"],
            conv_layers=arch["conv_layers"], input_shape=arch["input_shape"],
            activation=self.activation, lam=self.lam, distance=self.distance,
            couple_output=arch["couple_output"], **self._module_kwargs())

    def _method_net_params(self):
        return {"solver": self.solver}

    def _method_callbacks(self):
        callbacks = [("irls", IRLSReweighting(self.n_init_epochs, self.irls_every,
                                              self.max_irls_iter, self.irls_tol,
                                              self.weight_rule))]
        if self.solver == "bcd":
            callbacks.append(("freeze_other_networks", FreezeOtherNetworks()))
        return callbacks

    # ---- diagnostics

    def _set_fitted_attributes(self):
        module = self.net_.module_
        irls = dict(self.net_.callbacks_)["irls"]
        n_tasks = module.n_tasks
        names = self._layer_names(module)
        self.layer_names_ = names
        self.block_layers_ = [tuple(names[i] for i in block) for block in module.blocks]
        d2 = module.block_sq_distances()
        self.layer_distances_ = np.sqrt(d2)
        n_blocks = len(module.blocks)
        if irls.sigma_ is None:  # one task: nothing to couple
            self.sigma_ = np.zeros(n_blocks)
            self.sharing_weights_ = np.ones((n_blocks, n_tasks, n_tasks))
        else:
            self.sigma_ = np.asarray(irls.sigma_, dtype=np.float64)
            self.sharing_weights_ = module.pair_weights.detach().cpu().double().numpy()
        self.clusters_ = mutual_knn_clusters(self.sharing_weights_, self.n_neighbors)
        self.irls_deltas_ = np.asarray(irls.deltas_, dtype=np.float64)
        self.n_irls_iter_ = int(irls.n_irls_iter_)
        self.irls_converged_ = bool(self.irls_deltas_.size
                                    and self.irls_deltas_[-1] <= self.irls_tol)
        history = self.net_.history
        self.consistency_loss_ = np.array(
            [row.get("consistency", np.nan) for row in history], dtype=np.float64)
        self.weighted_consistency_loss_ = np.array(
            [row.get("consistency_weighted", np.nan) for row in history], dtype=np.float64)

    @staticmethod
    def _layer_names(module):
        names, n_fc = [], 0
        last = len(module.layers) - 1
        for i, layer in enumerate(module.layers):
            if i == last:
                names.append("out")
            elif isinstance(layer, StackedConv2d):
                names.append(f"conv{i + 1}")
            else:
                n_fc += 1
                names.append(f"fc{n_fc}")
        return names

    def plot_sharing_graph(self, block=-1, ax=None, task_names=None):
        """Draw the "social network" of datasets at one block (paper Fig. 2).

        Nodes are the datasets on a circle; an edge joins ``i`` and ``j`` when
        each is among the other's ``n_neighbors`` largest sharing weights (the
        graph ``clusters_`` is read from), its width the weight ``w_ijl``;
        node colours are the clusters.

        Parameters
        ----------
        block : int, default=-1
            Index into ``block_layers_`` (-1: the last block, which holds the
            output layer when it is coupled).
        ax : matplotlib Axes, default=None
        task_names : list of str, default=None
            Defaults to ``tasks_``.

        Returns
        -------
        ax : matplotlib Axes
        """
        check_is_fitted(self, "sharing_weights_")
        from .._plotting import _import_pyplot

        plt = _import_pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(4, 4))
        n_blocks, n, _ = self.sharing_weights_.shape
        if not -n_blocks <= block < n_blocks:
            raise ValueError(f"block={block} is out of range: the model has {n_blocks} "
                             f"block(s) {self.block_layers_}")
        w = self.sharing_weights_[block]
        names = [str(t) for t in self.tasks_] if task_names is None else list(task_names)
        k = min(self.n_neighbors, n - 1)
        scores = np.where(np.eye(n, dtype=bool), -np.inf, w)
        near = np.zeros((n, n), dtype=bool)
        if k >= 1:
            top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            near[np.repeat(np.arange(n), k), top.ravel()] = True
        edges = near & near.T
        angles = np.pi / 2 - 2 * np.pi * np.arange(n) / max(n, 1)
        xy = np.column_stack([np.cos(angles), np.sin(angles)])
        for i, j in zip(*np.nonzero(np.triu(edges, 1))):
            ax.plot(xy[[i, j], 0], xy[[i, j], 1], color="tab:blue",
                    linewidth=0.5 + 4.0 * w[i, j], alpha=0.3 + 0.7 * w[i, j], zorder=1)
        ax.scatter(xy[:, 0], xy[:, 1], s=250, c=self.clusters_[block], cmap="tab10",
                   vmin=0, vmax=9, edgecolor="black", zorder=3)
        for (x, y), name in zip(1.18 * xy, names):
            ax.text(x, y, name, ha="center", va="center", fontsize=8)
        ax.set_xlim(-1.5, 1.5)
        ax.set_ylim(-1.5, 1.5)
        ax.set_aspect("equal")
        ax.axis("off")
        layers = " + ".join(self.block_layers_[block])
        ax.set_title(f"Block {layers}: mutual top-{k} sharing graph")
        return ax


_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64,)
        Widths of the dense hidden layers (after the conv blocks, if any);
        the architecture :math:`G_\\theta` every dataset's network copies.
    conv_layers : tuple of (out_channels, kernel_size[, pool]), default=None
        Conv blocks: valid convolution, activation, ``pool x pool`` max-pool
        (default 2). Needs ``input_shape``.
    input_shape : tuple (channels, height, width), default=None
        Shape of one image; the feature columns of ``X`` are the flattened
        image (C order), e.g. ``(1, 28, 28)``.
    activation : {"relu", "tanh"}, default="relu"
    lam : float, default=10.0
        :math:`\\lambda`, the weight of the consistency term (10 in every
        experiment of the paper). With ``distance="mean"`` its scale does not
        depend on the layer sizes; ``lam=0`` trains the networks in isolation.
    distance : {"mean", "sum"}, default="mean"
        How the distance :math:`d_{ijl}` of a block is measured: ``"sum"`` is
        the paper literally, the Euclidean norm of the concatenated parameter
        differences of layers ``l`` and ``l+1``; ``"mean"`` divides each
        layer's squared difference by its parameter count first. With
        ``"sum"`` the meaning of ``lam`` changes with the network's size (a
        small net from scratch at ``lam=10`` is pulled together so hard that
        the L2 stage collapses the copies).
    weight_rule : {"paper", "geman_mcclure"}, default="paper"
        IRLS weight (eq. 7): the paper's split
        :math:`w = \\sigma_l^2 / (\\sigma_l^2 + d^2)`, or the textbook
        Geman-McClure IRLS weight :math:`\\sigma_l^4 / (\\sigma_l^2 + d^2)^2`.
    solver : {"joint", "bcd"}, default="joint"
        ``"joint"``: every step updates all stacked networks on a batch of
        mixed datasets with the gradient of (8). ``"bcd"``: the paper's
        block-coordinate schedule (sec. 4.2.3): one epoch of dataset ``i``
        trains network ``i`` on its subproblem (9) with the others frozen,
        cyclically; one fit epoch is one sweep over the datasets.
    n_init_epochs : int, default=30
        Epochs of the L2-coupled start (eq. 5), after which :math:`\\sigma_l`
        is set.
    irls_every : int, default=15
        Epochs of the optimisation step (8) between two reweightings (7).
    max_irls_iter : int, default=8
        Most optimisation steps (8) ("4-8 iterations are sufficient"). A fit
        runs at most ``n_init_epochs + max_irls_iter * irls_every`` epochs
        (the read-only property ``max_epochs``).
    irls_tol : float, default=1e-2
        Stop when :math:`\\delta^{(k)} = \\max |w^{(k)} - w^{(k-1)}| \\le`
        ``irls_tol`` (the paper's 1e-2).
    n_neighbors : int, default=3
        :math:`k` of the mutual top-k graph that ``clusters_`` is read from
        (3 in Fig. 2; clipped to ``n_tasks - 1``).
    couple_output : "auto" or bool, default="auto"
        Whether the output layers take part in the coupling. "auto": when
        every task's output layer has one shape (same number of classes);
        tasks with different label-set sizes keep their output layers out,
        as the paper's code does.
    lr : float, default=1e-3
    batch_size : int, default=64
        Rows per batch (-1: full batch). With ``solver="bcd"`` every batch
        holds one dataset's rows.
    optimizer : torch optimizer class, default=torch.optim.Adam
        One optimiser for the whole fit: its state is kept across the L2
        stage and every reweighting.
    task_weighting : {"uniform", "samples"}, default="uniform"
        The data term: the mean over datasets of each one's mean loss (the
        paper's :math:`\\sum_i f_i` divided by ``n``), or the mean over rows.
    callbacks : list of skorch callbacks, default=None
    train_split : callable, default=None
        skorch's validation split; None trains on every row.
    net_params : dict, default=None
        Further :class:`skorch.NeuralNet` parameters.
    warm_start : bool, default=False
        A second ``fit`` continues training with the final weights.
    verbose : int, default=0
    device : str or torch.device, default="cpu"
    random_state : int, RandomState instance or None, default=None
        Seeds torch for the fit (the one initial draw shared by every copy,
        shuffling).
    task_column : int, str or None, default=-1
        Position of the task (= dataset) column in ``X`` (or its DataFrame
        name). None: ``X`` holds only features; tasks come from ``tasks=``.
"""

_ATTRIBUTES_DOC = """
    net_ : skorch NeuralNet
        The fitted net (``net_.history``, ``net_.module_``: the
        :class:`StackedNet`, every layer one tensor with a leading dataset
        axis).
    sharing_weights_ : ndarray of shape (n_blocks, n_tasks, n_tasks)
        The IRLS pair weights :math:`w_{ijl}` (eq. 7) of the final networks,
        symmetric, 1 on the diagonal: the sharing strength of datasets
        ``i, j`` at block ``block_layers_[l]``.
    sigma_ : ndarray of shape (n_blocks,)
        :math:`\\sigma_l = \\mathrm{mean}_i \\min_{j \\ne i} d_{ijl}` of the
        L2-coupled networks (0 for a single task).
    clusters_ : ndarray of int of shape (n_blocks, n_tasks)
        Dataset clusters per block: connected components of the mutual
        top-``n_neighbors`` graph of ``sharing_weights_``. The last block
        holds the output layer when it is coupled.
    layer_distances_ : ndarray of shape (n_blocks, n_tasks, n_tasks)
        The final block distances :math:`d_{ijl}`.
    block_layers_ : list of tuple of str
        The two layers of each block, e.g. ``("fc1", "out")``.
    layer_names_ : list of str
    irls_deltas_ : ndarray
        :math:`\\delta^{(k)}` of every weighting step, ``k = 1, 2, ...``
        (:math:`\\delta^{(1)}` against the L2 stage's ``w = 1``).
    n_irls_iter_ : int
        Optimisation steps (8) run after the L2 stage.
    irls_converged_ : bool
        Whether the last :math:`\\delta` is at most ``irls_tol``.
    consistency_loss_ : ndarray of shape (n_epochs,)
        The paper's "Closs" per epoch,
        :math:`\\sum_{i<j} \\sum_l \\rho(d_{ijl}, \\sigma_l)` (NaN before
        :math:`\\sigma` is set at the end of the L2 stage); :math:`\\lambda`
        excluded.
    weighted_consistency_loss_ : ndarray of shape (n_epochs,)
        :math:`\\sum_{i<j} \\sum_l w_{ijl} d_{ijl}^2` with the weights in
        force during that epoch (the term optimised).
    tasks_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str
"""

_NOTES_DOC = """
    Notes
    -----
    Every dataset ``i`` (task) has its own network :math:`\\theta_i`, a copy
    of one architecture with layers :math:`\\theta^1, \\dots, \\theta^L`. The
    objective (paper eq. 4, with the pairs ``i < j`` of eq. 3) is

    .. math::

        \\min_{\\{\\theta_i\\}} \\sum_{i=1}^n f_i(\\theta_i) + \\lambda
        \\sum_{i<j} \\sum_{l=1}^{L-1} \\rho(d_{ijl}, \\sigma_l), \\quad
        d_{ijl} = \\|(\\theta^l_i, \\theta^{l+1}_i) - (\\theta^l_j, \\theta^{l+1}_j)\\|,

    with :math:`\\rho(x, \\sigma) = \\sigma^2 x^2 / (\\sigma^2 + x^2)`. It is
    minimised by IRLS: the L2 problem (5) (all weights 1) for
    ``n_init_epochs``; then :math:`\\sigma_l` is set from those networks and,
    every ``irls_every`` epochs, the weights
    :math:`w_{ijl} = \\sigma_l^2 / (\\sigma_l^2 + d_{ijl}^2)` (7) are
    recomputed from the current parameters and (8),
    :math:`\\sum_i f_i + \\lambda \\sum_{i<j,l} w_{ijl} d_{ijl}^2`, is
    optimised, until :math:`\\delta^{(k)} \\le` ``irls_tol``. All copies start
    from one random draw. Symbols: :math:`\\lambda` = ``lam``,
    :math:`\\sigma_l` = ``sigma_``, :math:`w_{ijl}` = ``sharing_weights_``,
    :math:`\\delta^{(k)}` = ``irls_deltas_``, the 1e-2 threshold =
    ``irls_tol``, the mutual top-3 graph of Fig. 2 = ``n_neighbors``.

    The networks are stacked: each layer is one tensor with a leading dataset
    axis, a batch's rows are routed to their networks through one padded
    ``(n, m, ...)`` tensor and every layer is one batched matmul or grouped
    convolution. The coupling term is evaluated per layer as
    :math:`\\mathrm{tr}(A^T L A)` with :math:`A` the ``(n, p_l)`` stack of that
    layer's parameters and :math:`L` the Laplacian of the summed block weights
    (:math:`\\sum_{i<j} c_{ij} \\|a_i - a_j\\|^2 = \\mathrm{tr}(A^T L A)`):
    memory :math:`O(n p + n^2)` and :math:`O(n^2 p)` multiply-adds in one
    matrix product per step, never the :math:`n^2 p` tensor of pairwise
    differences. Exact pairwise distances (float64) are computed once per
    epoch for the diagnostics and the weights.

    The paper does not give the optimiser, learning rate or batch size;
    Adam, 1e-3 and 64 (the authors' code) are used, with one optimiser for
    the whole fit (re-creating it at each reweighting loses the weights'
    separation in a pilot).

    References
    ----------
    .. [1] Z. Zhang et al., "Joint Learning of Neural
       Networks via Iterative Reweighted Least Squares", arXiv:1905.06526,
       2019.
"""


class RobustJointNetRegressor(MultiTaskRegressorMixin, _NeuralRegressorMixin, RegressorMixin,
                              _BaseRobustJoint):
    __doc__ = (
        """One regression network per dataset, tied by a robust norm (RobustJointNets).

    Each dataset (task) trains its own copy of one architecture; every pair of
    copies is pulled together, block of two adjacent layers by block, by the
    Geman-McClure norm of their parameter differences, so datasets that agree
    share layers and datasets that conflict drift apart. Loss: squared error.
"""
        + _PARAMS_DOC
        + """
    Attributes
    ----------"""
        + _ATTRIBUTES_DOC
        + """
    See Also
    --------
    RobustJointNetClassifier : the same model for per-dataset classification.
"""
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl import RobustJointNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.randn(90, 3), np.repeat([0, 1, 2], 30)])
    >>> y = X[:, 0] * np.where(X[:, -1] == 2, -1.0, 1.0)
    >>> est = RobustJointNetRegressor(hidden_layer_sizes=(8,), n_init_epochs=5,
    ...                               irls_every=5, max_irls_iter=2, batch_size=-1,
    ...                               random_state=0).fit(X, y)
    >>> est.sharing_weights_.shape
    (1, 3, 3)
    """
    )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Fit the stacked networks: the L2-coupled start, then IRLS.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : RobustJointNetRegressor
        """
        return self._fit(X, y, tasks)


class RobustJointNetClassifier(MultiTaskClassifierMixin, _NeuralClassifierMixin,
                               ClassifierMixin, _BaseRobustJoint):
    __doc__ = (
        """One classification network per dataset, tied by a robust norm (RobustJointNets).

    Each dataset (task) has its own label set and its own output layer; every
    pair of per-dataset networks is pulled together, block of two adjacent
    layers by block, by the Geman-McClure norm of their parameter
    differences. When the tasks have different numbers of classes the output
    layers are left out of the coupling (``couple_output="auto"``). Binary
    tasks have one logit each, multi-class tasks a softmax output.
"""
        + _PARAMS_DOC
        + """    loss : {"log_loss"}, default="log_loss"
        Cross-entropy (the paper's :math:`l`).

    Attributes
    ----------"""
        + _ATTRIBUTES_DOC
        + """    classes_ : ndarray or list of ndarray
        The one label set when every task has the same, else one per task.
    task_classes_ : list of ndarray
        One label array per task, in the order of ``tasks_``.

    See Also
    --------
    RobustJointNetRegressor : the same model for regression.
"""
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl import RobustJointNetClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.randn(90, 3), np.repeat([0, 1, 2], 30)])
    >>> y = (X[:, 0] > 0).astype(int)
    >>> est = RobustJointNetClassifier(hidden_layer_sizes=(8,), n_init_epochs=5,
    ...                                irls_every=5, max_irls_iter=2, batch_size=-1,
    ...                                random_state=0).fit(X, y)
    >>> est.clusters_.shape
    (1, 3)
    """
    )

    _parameter_constraints = {
        **_BaseRobustJoint._parameter_constraints,
        "loss": [StrOptions({"log_loss"})],
    }

    def __init__(self, *, loss="log_loss", hidden_layer_sizes=(64,), conv_layers=None,
                 input_shape=None, activation="relu", lam=10.0, distance="mean",
                 weight_rule="paper", solver="joint", n_init_epochs=30, irls_every=15,
                 max_irls_iter=8, irls_tol=1e-2, n_neighbors=3, couple_output="auto",
                 lr=1e-3, batch_size=64, optimizer=torch.optim.Adam,
                 task_weighting="uniform", callbacks=None, train_split=None,
                 net_params=None, warm_start=False, verbose=0, device="cpu",
                 random_state=None, task_column=-1):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, conv_layers=conv_layers,
            input_shape=input_shape, activation=activation, lam=lam, distance=distance,
            weight_rule=weight_rule, solver=solver, n_init_epochs=n_init_epochs,
            irls_every=irls_every, max_irls_iter=max_irls_iter, irls_tol=irls_tol,
            n_neighbors=n_neighbors, couple_output=couple_output, lr=lr,
            batch_size=batch_size, optimizer=optimizer, task_weighting=task_weighting,
            callbacks=callbacks, train_split=train_split, net_params=net_params,
            warm_start=warm_start, verbose=verbose, device=device,
            random_state=random_state, task_column=task_column)
        self.loss = loss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Fit the stacked networks: the L2-coupled start, then IRLS.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        y : array-like of shape (n_samples,)
            Labels; each task needs two or more classes and may have its own
            label set.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : RobustJointNetClassifier
        """
        return self._fit(X, y, tasks)


class _RowSquaredError(nn.Module):
    """Per-row ``||target - reconstruction||^2`` (the paper's autoencoder loss)."""

    def forward(self, y_pred, y_true):
        return ((y_pred - y_true) ** 2).sum(1)


class _AutoencoderOutputs(nn.Module):
    """A :class:`StackedNet` autoencoder whose outputs carry the input too, so an
    ``fit(X)`` reconstructs ``X`` without a target array."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, task):
        return {"prediction": self.net(x, task), "input": x}

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["net"], name)


class _RobustJointAutoencoderNet(_RobustJointSkorchNet):
    """Reconstruction of ``X`` (``fit(X)``) or of the target rows ``Y``."""

    def __init__(self, module, criterion=None, *args, **kwargs):
        # The base passes a per-element loss for a fit without y; rows are summed here.
        super().__init__(module, _RowSquaredError(), *args, **kwargs)

    def objective_terms(self, outputs, y_true, X, training=False):
        target = outputs["input"] if y_true is None else y_true
        terms = super().objective_terms(outputs, target, X, training)
        return terms


class RobustJointAutoencoder(TransformerMixin, _BaseRobustJoint):
    __doc__ = (
        """One autoencoder per dataset, tied by a robust norm (RobustJointNets).

    Every dataset (task) trains its own autoencoder of one architecture
    (encoder ``hidden_layer_sizes``, a code of ``n_components`` units, the
    mirrored decoder, an output layer); all layers of every pair are coupled
    block by block as in :class:`RobustJointNetClassifier`. ``fit(X)``
    reconstructs ``X`` (paper sec. 3, :math:`f_i = \\frac{1}{|I_i|} \\sum
    \\|I - G_{\\theta_i}(I)\\|_F^2`); ``fit(X, y)`` learns to map each row of
    ``X`` to the row of a 2-d ``y`` (the paper's image completion: a corrupted image
    in, the full image as target).
"""
        + _PARAMS_DOC.replace("hidden_layer_sizes : tuple of int, default=(64,)",
                              "hidden_layer_sizes : tuple of int, default=(64,)\n"
                              "        Encoder widths before the code; the decoder "
                              "mirrors them.")
        + """    n_components : int, default=16
        Width of the code (the layer :meth:`transform` returns).
    output_activation : {"sigmoid", None}, default="sigmoid"
        ``"sigmoid"`` for targets in [0, 1] (images), None for any real values.

    Attributes
    ----------"""
        + _ATTRIBUTES_DOC
        + """
    See Also
    --------
    RobustJointNetRegressor : per-dataset regression networks.
"""
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl import RobustJointAutoencoder
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.rand(60, 6), np.repeat([0, 1], 30)])
    >>> ae = RobustJointAutoencoder(hidden_layer_sizes=(4,), n_components=2,
    ...                             n_init_epochs=5, irls_every=5, max_irls_iter=1,
    ...                             batch_size=-1, random_state=0).fit(X)
    >>> ae.transform(X).shape, ae.reconstruct(X).shape
    ((60, 2), (60, 6))
    """
    )

    _net_class = _RobustJointAutoencoderNet
    _requires_y = False

    _parameter_constraints = {
        **_BaseRobustJoint._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "output_activation": [StrOptions({"sigmoid"}), None],
    }

    def __init__(self, *, n_components=16, output_activation="sigmoid",
                 hidden_layer_sizes=(64,), conv_layers=None, input_shape=None,
                 activation="relu", lam=10.0, distance="mean", weight_rule="paper",
                 solver="joint", n_init_epochs=30, irls_every=15, max_irls_iter=8,
                 irls_tol=1e-2, n_neighbors=3, couple_output="auto", lr=1e-3,
                 batch_size=64, optimizer=torch.optim.Adam, task_weighting="uniform",
                 callbacks=None, train_split=None, net_params=None, warm_start=False,
                 verbose=0, device="cpu", random_state=None, task_column=-1):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, conv_layers=conv_layers,
            input_shape=input_shape, activation=activation, lam=lam, distance=distance,
            weight_rule=weight_rule, solver=solver, n_init_epochs=n_init_epochs,
            irls_every=irls_every, max_irls_iter=max_irls_iter, irls_tol=irls_tol,
            n_neighbors=n_neighbors, couple_output=couple_output, lr=lr,
            batch_size=batch_size, optimizer=optimizer, task_weighting=task_weighting,
            callbacks=callbacks, train_split=train_split, net_params=net_params,
            warm_start=warm_start, verbose=verbose, device=device,
            random_state=random_state, task_column=task_column)
        self.n_components = n_components
        self.output_activation = output_activation

    def _criterion(self):
        return _RowSquaredError()

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        hidden, conv, input_shape = check_backbone(
            n_features, self.hidden_layer_sizes, self.conv_layers, self.input_shape)
        targets = getattr(self, "_fit_targets", None)
        width = n_features if targets is None else targets.shape[1]

        self._architecture = dict(
            hidden_layer_sizes=hidden + (int(self.n_components),) + tuple(reversed(hidden)),
            conv_layers=conv, input_shape=input_shape, output_sizes=[width],
            couple_output=self.couple_output in ("auto", True))

    def _module_kwargs(self):
        arch = self._architecture
        n_encoder = len(arch["conv_layers"]) + (len(arch["hidden_layer_sizes"]) + 1) // 2
        return {"output_activation": self.output_activation, "code_layer": n_encoder - 1}

    def _train_module(self, module, X, y, n_tasks, **kwargs):
        targets = getattr(self, "_fit_targets", None)
        return super()._train_module(module, X, y if targets is None else targets,
                                     n_tasks, **kwargs)

    def _set_fitted_attributes(self):
        # Diagnostics read the stacked net inside the output wrapper.
        wrapper = self.net_.module_
        self.net_.module_ = wrapper.net
        try:
            super()._set_fitted_attributes()
        finally:
            self.net_.module_ = wrapper

    def _check_Y(self, X, Y):
        if Y is None:
            return None
        Y = check_array(Y, dtype=None, ensure_2d=False, ensure_all_finite=False,
                        input_name="y")
        if Y.ndim == 1:
            # A 1-d y is a label vector (what Pipeline and scikit-learn's tools
            # pass to a transformer), not target images: ignored, as transformers do.
            return None
        Y = check_array(Y, dtype=np.float32, input_name="y")
        if Y.shape[0] != _num_samples(X):
            raise ValueError(f"y has {Y.shape[0]} rows but X has {_num_samples(X)}: give "
                             "one target row per input row")
        return Y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, tasks=None):
        """Fit the stacked autoencoders: the L2-coupled start, then IRLS.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form inputs with the task column (see ``task_column``).
        y : array-like of shape (n_samples, n_outputs), default=None
            Target rows (e.g. the full images of corrupted inputs ``X``);
            None reconstructs ``X``. A 1-d ``y`` (labels, as a pipeline passes
            them) is ignored, as by any scikit-learn transformer.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : RobustJointAutoencoder
        """
        self._fit_targets = self._check_Y(X, y)
        try:
            return self._fit(X, None, tasks)
        finally:
            del self._fit_targets

    def fit_transform(self, X, y=None, tasks=None):
        """``fit(X, y, tasks)`` then ``transform(X, tasks)``: the training rows' codes."""
        return self.fit(X, y, tasks).transform(X, tasks)

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        targets = getattr(self, "_fit_targets", None)
        values = X["x"] if targets is None else targets
        if self.output_activation == "sigmoid" and len(values) and (
                float(values.min()) < 0 or float(values.max()) > 1):
            what = "X (the reconstruction targets of fit(X))" if targets is None else "y"
            raise ValueError(
                f"{what} has values outside [0, 1] but output_activation='sigmoid' can "
                "only produce values in [0, 1]: scale the targets to [0, 1] or set "
                "output_activation=None")
        return _AutoencoderOutputs(super()._build_module(n_features, n_tasks, output_sizes,
                                                         X, y))

    def reconstruct(self, X, tasks=None):
        """Each row's output from its dataset's autoencoder.

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_outputs)
        """
        output, _ = self._forward(X, tasks)
        return output.astype(np.float64)

    def transform(self, X, tasks=None):
        """Each row's code (the ``n_components`` layer) from its dataset's encoder.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self, "net_")
        features, task_index, _ = self._validate_task_data(X, None, tasks, reset=False)
        net_X = self._as_net_input(features, task_index)
        net = self.net_.module_.net
        device = next(net.parameters()).device
        net.eval()
        with torch.no_grad():
            code = net.encode(net_X["x"].to(device), net_X["task"].to(device))
        return code.cpu().numpy().astype(np.float64)

    def score(self, X, y=None, tasks=None):
        """Negative mean squared reconstruction error per row (higher is better).

        ``-mean_rows ||target - reconstruction||^2``, the target being ``y``
        (2-d) or, when None or 1-d (labels), the features of ``X``.
        """
        X_hat = self.reconstruct(X, tasks)
        Y = self._check_Y(X, y)
        if Y is None:
            Y, _, _ = self._validate_task_data(X, None, tasks, reset=False)
        return -float(np.mean(np.sum((np.asarray(Y, dtype=np.float64) - X_hat) ** 2, 1)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags = TransformerTags()
        return tags


# --------------------------------------------------------------------------- GAN


class StackedGAN(nn.Module):
    """``n`` generator/discriminator pairs: two :class:`StackedNet` stacks, one coupling.

    The generator maps a ``latent_dim`` code through the mirrored dense widths
    to a sigmoid image row; the discriminator (dense, or conv blocks through
    ``input_shape``) maps an image row to one logit. Each stack couples its own
    adjacent layers across datasets exactly as in :class:`StackedNet`
    (its own pair weights, Laplacian penalty and distances); this module only
    lays the two stacks side by side, so that :class:`IRLSReweighting` and the
    diagnostics see one list of ``layers`` (generator's first) and of
    ``blocks``: ``pair_weights`` is the concatenation of both stacks' weights.

    Parameters
    ----------
    n_tasks, n_features : int
    latent_dim : int
    hidden_layer_sizes : tuple of int
        Discriminator dense widths; the generator uses them reversed.
    conv_layers, input_shape :
        Discriminator conv blocks (see :class:`StackedNet`).
    activation, lam, distance, couple_output :
        As in :class:`StackedNet`, for both stacks.
    output_activation : {"sigmoid", None}
        The generator's output (the discriminator outputs a logit).
    """

    def __init__(self, n_tasks, n_features, latent_dim, hidden_layer_sizes=(), conv_layers=(),
                 input_shape=None, activation="leaky_relu", lam=10.0, distance="mean",
                 couple_output=True, output_activation="sigmoid"):
        super().__init__()
        self.n_tasks = int(n_tasks)
        self.latent_dim = int(latent_dim)
        common = dict(activation=activation, lam=lam, distance=distance,
                      couple_output=couple_output)
        self.generator = StackedNet(n_tasks, latent_dim, tuple(reversed(hidden_layer_sizes)),
                                    [n_features], output_activation=output_activation,
                                    **common)
        self.discriminator = StackedNet(n_tasks, n_features, tuple(hidden_layer_sizes), [1],
                                        conv_layers=conv_layers, input_shape=input_shape,
                                        **common)

    @property
    def layers(self):
        """Generator layers then discriminator layers (a plain list)."""
        return list(self.generator.layers) + list(self.discriminator.layers)

    @property
    def blocks(self):
        offset = len(self.generator.layers)
        return list(self.generator.blocks) + [tuple(i + offset for i in block)
                                              for block in self.discriminator.blocks]

    @property
    def pair_weights(self):
        return torch.cat([self.generator.pair_weights, self.discriminator.pair_weights])

    def set_pair_weights(self, weights):
        k = len(self.generator.blocks)
        self.generator.set_pair_weights(np.asarray(weights)[:k])
        self.discriminator.set_pair_weights(np.asarray(weights)[k:])

    def block_sq_distances(self):
        return np.concatenate([self.generator.block_sq_distances(),
                               self.discriminator.block_sq_distances()])

    def coupling_penalty(self):
        """Both stacks' coupling terms (each stack's own gradient is its own term)."""
        return self.generator.coupling_penalty() + self.discriminator.coupling_penalty()

    def generate(self, z, task):
        """Images (rows) from codes ``z`` of each row's dataset generator."""
        # One feature: StackedNet squeezes a width-1 output to (rows,).
        return self.generator(z, task).reshape(len(task), -1)

    def forward(self, x, task):
        """The discriminator's logits for image rows ``x`` (the net's "prediction")."""
        return self.discriminator(x, task)


def _logistic_loss(logits, real):
    """Per-row non-saturating GAN loss: ``-log D`` (real) or ``-log(1 - D)`` (fake)."""
    return F.softplus(-logits) if real else F.softplus(logits)


class _RobustJointGANNet(_RobustJointSkorchNet):
    """Alternating discriminator/generator steps with the stacks' coupling terms.

    A GAN's objective is a min-max: the discriminator minimises
    ``f^D_i = E -log D_i(x) - log(1 - D_i(G_i(z)))`` and the generator
    ``f^G_i = E -log D_i(G_i(z))`` (non-saturating DCGAN loss), each plus its
    own stack's coupling ``lambda C / n``. One scalar loss cannot express that
    (the discriminator's gradient of the generator's term has the wrong sign),
    so this net overrides skorch's smallest hook that owns the
    backward/step pair, :meth:`train_step`: two backward passes and two steps
    of the net's one optimiser per batch. Parameters without a gradient
    (``grad`` None) are skipped by torch's optimisers, so the discriminator
    step leaves the generator untouched and vice versa, and the optimiser (and
    its state) stays the one of the whole fit, as for the other estimators.
    Everything else (batches, callbacks, IRLS, history) is skorch's loop.
    """

    def _coupling(self, stack, X):
        if self.solver == "bcd":
            return stack.subproblem_penalty(int(X["task"][0]))
        return stack.coupling_penalty() / stack.n_tasks

    def _task_mean(self, per_row, task):
        return task_weighted_loss(per_row, task, self.n_tasks, self.task_weighting)

    def _losses(self, X, fake_for_discriminator=True):
        module = self.module_
        x = to_tensor(X["x"], device=self.device)
        task = to_tensor(X["task"], device=self.device)
        z = torch.randn(len(task), module.latent_dim, device=x.device)
        fake = module.generate(z, task)
        real_logit = module(x, task)
        fake_logit = module(fake.detach() if fake_for_discriminator else fake, task)
        d_loss = self._task_mean(_logistic_loss(real_logit, True)
                                 + _logistic_loss(fake_logit, False), task)
        return d_loss, fake, task, real_logit

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, _ = batch
        module = self.module_
        optimizer = self.optimizer_
        # Discriminator step: fakes detached, so the generator gets no gradient.
        optimizer.zero_grad(set_to_none=True)
        d_loss, fake, task, real_logit = self._losses(X)
        d_total = d_loss + self._coupling(module.discriminator, X)
        d_total.backward()
        optimizer.step()
        # Generator step through the updated discriminator, whose gradient is dropped.
        optimizer.zero_grad(set_to_none=True)
        g_loss = self._task_mean(_logistic_loss(module(fake, task), True), task)
        g_total = g_loss + self._coupling(module.generator, X)
        g_total.backward()
        for p in module.discriminator.parameters():
            p.grad = None
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        self.history.record_batch("d_loss", float(d_loss.detach()))
        self.history.record_batch("g_loss", float(g_loss.detach()))
        return {"loss": (d_total + g_total).detach(), "y_pred": real_logit.detach()}

    def objective_terms(self, outputs, y_true, X, training=False):
        # Validation (a train_split): the discriminator's loss and both couplings.
        with torch.no_grad():
            d_loss, _, _, _ = self._losses(X)
        return {"discriminator": d_loss,
                "consistency": self.module_.coupling_penalty() / self.module_.n_tasks}


class RobustJointGAN(_BaseRobustJoint):
    __doc__ = (
        """One GAN per dataset, tied by a robust norm (RobustJointNets).

    Every dataset (task) trains its own generator :math:`G_i` and
    discriminator :math:`D_i` (a small DCGAN-style pair: a dense generator and
    a dense, or convolutional through ``input_shape``, discriminator). The
    generators of every pair of datasets are coupled block by block (two
    adjacent layers) by the Geman-McClure norm of their parameter
    differences, and so are the discriminators, with the same IRLS schedule
    as :class:`RobustJointNetClassifier` (an L2-coupled start, then
    reweighting): a small dataset can borrow the layers of a large related
    one. ``fit(X)`` needs only images and the task column; :meth:`sample`
    draws new images of one dataset.
"""
        + _PARAMS_DOC.replace(
            "hidden_layer_sizes : tuple of int, default=(64,)\n"
            "        Widths of the dense hidden layers (after the conv blocks, if any);\n"
            "        the architecture :math:`G_\\theta` every dataset's network copies.",
            "hidden_layer_sizes : tuple of int, default=(128,)\n"
            "        Discriminator dense widths (after its conv blocks, if any); the\n"
            "        generator uses them reversed, from the code to the image.").replace(
            "conv_layers : tuple of (out_channels, kernel_size[, pool]), default=None\n"
            "        Conv blocks",
            "conv_layers : tuple of (out_channels, kernel_size[, pool]), default=None\n"
            "        Discriminator conv blocks").replace(
            'activation : {"relu", "tanh"}, default="relu"',
            'activation : {"leaky_relu", "relu", "tanh"}, default="leaky_relu"\n'
            "        Hidden activation of both networks.").replace(
            "lr : float, default=1e-3", "lr : float, default=2e-4").replace(
            "        Whether the output layers take part in the coupling. \"auto\": when\n"
            "        every task's output layer has one shape (same number of classes);\n"
            "        tasks with different label-set sizes keep their output layers out,\n"
            "        as the paper's code does.",
            "        Whether the output layers take part in the coupling (\"auto\" and\n"
            "        True: yes, every parameter is coupled, as in the paper's DCGAN).")
        + """    latent_dim : int, default=16
        Width of the generator's Gaussian code :math:`z`.
    output_activation : {"sigmoid", None}, default="sigmoid"
        The generator's last activation: ``"sigmoid"`` for images in [0, 1]
        (then ``X`` must lie in [0, 1]), None for any real features.

    Attributes
    ----------"""
        + _ATTRIBUTES_DOC.replace(
            "the\n        :class:`StackedNet`, every layer",
            "the\n        :class:`StackedGAN`, every layer")
        + """    n_features_out_ : int
        Width of a sampled row (that of the training images).

    See Also
    --------
    RobustJointAutoencoder : per-dataset autoencoders.
"""
        + _NOTES_DOC.replace(
            "    The paper does not give the optimiser",
            """    GAN specifics. Each :math:`f_i` is the non-saturating DCGAN loss of
    pair ``i``; blocks are formed inside each network, so ``sharing_weights_``,
    ``sigma_`` and ``clusters_`` have one row per generator block then one
    per discriminator block (``block_layers_`` names them ``G.fc1``,
    ``D.out``...). The two-player step does not fit the neural base's single
    loss: the skorch net overrides ``train_step`` only (one discriminator
    step, then one generator step, per batch, with the fit's one optimiser);
    the rest of the loop, the batches and the IRLS callback are shared. The
    generator is dense (no transposed convolutions) and, by default, ends in
    a sigmoid, so ``X`` must lie in [0, 1]; :meth:`sample` returns flat rows with as many
    columns as ``X`` has features (reshape them with ``input_shape``).

    The paper does not give the optimiser""")
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl import RobustJointGAN
    >>> rng = np.random.RandomState(0)
    >>> X = np.column_stack([rng.rand(60, 6), np.repeat([0, 1], 30)])
    >>> gan = RobustJointGAN(hidden_layer_sizes=(8,), latent_dim=4, n_init_epochs=3,
    ...                      irls_every=2, max_irls_iter=1, batch_size=-1,
    ...                      random_state=0).fit(X)
    >>> gan.sample(5, task=1, random_state=0).shape
    (5, 6)
    """
    )

    _net_class = _RobustJointGANNet
    _requires_y = False

    _parameter_constraints = {
        **_BaseRobustJoint._parameter_constraints,
        "activation": [StrOptions({"leaky_relu", "relu", "tanh"})],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "output_activation": [StrOptions({"sigmoid"}), None],
    }

    def __init__(self, *, latent_dim=16, output_activation="sigmoid",
                 hidden_layer_sizes=(128,), conv_layers=None, input_shape=None,
                 activation="leaky_relu", lam=10.0, distance="mean", weight_rule="paper",
                 solver="joint", n_init_epochs=30, irls_every=15, max_irls_iter=8,
                 irls_tol=1e-2, n_neighbors=3, couple_output="auto", lr=2e-4,
                 batch_size=64, optimizer=torch.optim.Adam, task_weighting="uniform",
                 callbacks=None, train_split=None,
                 net_params=None, warm_start=False, verbose=0, device="cpu",
                 random_state=None, task_column=-1):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, conv_layers=conv_layers,
            input_shape=input_shape, activation=activation, lam=lam, distance=distance,
            weight_rule=weight_rule, solver=solver, n_init_epochs=n_init_epochs,
            irls_every=irls_every, max_irls_iter=max_irls_iter, irls_tol=irls_tol,
            n_neighbors=n_neighbors, couple_output=couple_output, lr=lr,
            batch_size=batch_size, optimizer=optimizer, task_weighting=task_weighting,
            callbacks=callbacks, train_split=train_split, net_params=net_params,
            warm_start=warm_start, verbose=verbose, device=device,
            random_state=random_state, task_column=task_column)
        self.latent_dim = latent_dim
        self.output_activation = output_activation

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        hidden, conv, input_shape = check_backbone(
            n_features, self.hidden_layer_sizes, self.conv_layers, self.input_shape)
        if self.couple_output is False and not hidden:
            raise ValueError(
                "couple_output=False with no hidden layer leaves nothing coupled; add "
                "hidden_layer_sizes")
        self._architecture = dict(hidden_layer_sizes=hidden, conv_layers=conv,
                                  input_shape=input_shape,
                                  couple_output=self.couple_output in ("auto", True))

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        values = X["x"]
        if self.output_activation == "sigmoid" and len(values) and (
                float(values.min()) < 0 or float(values.max()) > 1):
            raise ValueError(
                "X has feature values outside [0, 1] but output_activation='sigmoid' "
                "can only generate values in [0, 1]: scale the images to [0, 1] (e.g. "
                "X / X.max()) or set output_activation=None")
        arch = self._architecture
        return StackedGAN(n_tasks, n_features, self.latent_dim, arch["hidden_layer_sizes"],
                          conv_layers=arch["conv_layers"], input_shape=arch["input_shape"],
                          activation=self.activation, lam=self.lam, distance=self.distance,
                          couple_output=arch["couple_output"],
                          output_activation=self.output_activation)

    @staticmethod
    def _layer_names(module):
        names = [f"G.{name}" for name in _BaseRobustJoint._layer_names(module.generator)]
        return names + [f"D.{name}"
                        for name in _BaseRobustJoint._layer_names(module.discriminator)]

    def _set_fitted_attributes(self):
        super()._set_fitted_attributes()
        self.n_features_out_ = int(self.n_features_in_)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, tasks=None):
        """Fit the stacked GANs: the L2-coupled start, then IRLS.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form images (flat rows, values in [0, 1]) with the task column
            (see ``task_column``).
        y : None
            Ignored (a GAN has no targets).
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        self : RobustJointGAN
        """
        return self._fit(X, None, tasks)

    def sample(self, n_samples, task, random_state=None):
        """Draw images from one dataset's generator.

        Parameters
        ----------
        n_samples : int
            Number of images, at least 1.
        task : object
            The dataset, one of ``tasks_``.
        random_state : int, RandomState instance or None, default=None
            Seeds the Gaussian codes (numpy); the caller's torch stream is
            not used.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out_), dtype float64
            Flat image rows (in [0, 1] with ``output_activation="sigmoid"``),
            in the column order of the training features
            (``reshape(-1, *input_shape)`` for images).
        """
        check_is_fitted(self, "net_")
        if (isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, Integral)
                or n_samples < 1):
            raise ValueError(f"n_samples must be an integer of at least 1; got "
                             f"{n_samples!r}")
        matches = np.flatnonzero(np.asarray(self.tasks_, dtype=object) == task)
        if not matches.size:
            raise ValueError(f"task={task!r} is not one of the tasks seen in fit: "
                             f"{np.asarray(self.tasks_).tolist()}")
        rng = check_random_state(random_state)
        module = self.net_.module_
        device = next(module.parameters()).device
        z = torch.as_tensor(rng.standard_normal((int(n_samples), module.latent_dim)),
                            dtype=torch.float32, device=device)
        index = torch.full((int(n_samples),), int(matches[0]), dtype=torch.long,
                           device=device)
        module.eval()
        with torch.no_grad():
            images = module.generate(z, index)
        return images.cpu().numpy().astype(np.float64)

    def score(self, X, y=None, tasks=None):
        """Mean log-probability that each row's discriminator calls the row real.

        A diagnostic, not a sample-quality measure (a discriminator that has
        lost to its generator scores ``log 0.5``).
        """
        logits, _ = self._forward(X, tasks)
        return float(np.mean(-np.logaddexp(0.0, -logits.astype(np.float64))))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags
