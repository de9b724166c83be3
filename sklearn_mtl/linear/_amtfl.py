"""AMTFL: asymmetric multi-task feature learning (Lee, Yang & Hwang 2018), shallow.

A one-hidden-layer network whose shared features are reconstructed from the task
predictions through a feedback matrix ``A`` (tasks to features), with an l1 penalty
on each task's outgoing feedback weighted by that task's loss: reliable tasks shape
the features, unreliable ones do not. The loss-weighted feedback term and the
reconstruction are small functions here so that Deep-AMTFL can use the same code.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from scipy.special import expit
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._base import (
    _SPARSE_FORMATS,
    LinearMultiTaskBase,
    LinearMultiTaskClassifier,
    LinearMultiTaskRegressor,
)
# The AMTFL objective's terms, shared with Deep-AMTFL (one definition, in nn/).
from ..nn._objectives import (
    loss_weighted_feedback,
    outgoing_feedback,
    reconstruction_error,
    sample_size_terms,
)
from ._solvers import DTYPE, logistic_loss, resolve_device, soft_threshold

__all__ = [
    "AMTFLRegressor",
    "AMTFLClassifier",
    "loss_weighted_feedback",
    "outgoing_feedback",
    "reconstruction_error",
    "sample_size_terms",
]

_ACTIVATIONS = {"relu": torch.relu, "linear": lambda values: values}


def _mean_squares(features):
    """Mean square of each column (dense or sparse); all-zero columns get 1."""
    if sp.issparse(features):
        squares = np.asarray(features.multiply(features).mean(axis=0)).ravel()
    else:
        squares = np.mean(np.asarray(features, dtype=np.float64) ** 2, axis=0)
    squares = np.asarray(squares, dtype=np.float64)
    squares[squares <= 0] = 1.0
    return squares


def _as_tensor(values, device):
    """A float64 copy on ``device`` (a copy: the input may be read-only)."""
    if sp.issparse(values):
        values = values.toarray()
    return torch.tensor(np.asarray(values, dtype=np.float64), dtype=DTYPE, device=device)


class _ShallowAMTFLNet(torch.nn.Module):
    """One hidden layer and the feedback autoencoder of the paper's eq. (6).

    The features are ``Z = sigma(X L + b_L)``, the outputs of all tasks on every
    row ``F = Z S + b_S`` and their feedback reconstruction of the features
    ``Zhat = sigma(F A + b_A)``. The feedback ``A`` is stored as
    ``(n_tasks, n_latent)``, one row per source task.
    """

    _NAMES = ("basis", "basis_bias", "heads", "head_bias", "feedback", "feedback_bias")

    def __init__(self, parameters, activation, device="cpu", trainable=True):
        super().__init__()
        for name in self._NAMES:
            value = _as_tensor(parameters[name], device)
            setattr(self, name, torch.nn.Parameter(value, requires_grad=trainable))
        self.activation = activation

    @classmethod
    def initialise(cls, n_features, n_latent, n_tasks, activation, rng, head_bias,
                   device, features=None):
        # The authors' initialisation: Glorot-uniform for the hidden layer,
        # N(0, 0.01^2) for the heads and the feedback, zero biases. With the
        # training ``features`` (N x d) each hidden unit is then rescaled so that
        # its pre-activation has unit standard deviation on them, and its bias
        # centres it (median zero), so the ReLUs start alive on about half of
        # the rows whatever the scale or sparsity of the input; this is done only
        # when the units' median spread is off 1 by more than a factor 2 (on
        # standardised input Glorot's spread is ~1 and the authors' init is
        # kept). Glorot alone assumes
        # unit-variance inputs; on unit-norm tf-idf rows of 1,000+ columns its
        # pre-activations are ~0.03 and the units die (constant scores).
        limit = np.sqrt(6.0 / (n_features + n_latent))
        basis = rng.uniform(-limit, limit, (n_features, n_latent))
        basis_bias = np.zeros(n_latent)
        if features is not None and features.shape[0] > 1:
            pre = np.asarray(features @ basis)
            scale = pre.std(0)
            scale[scale <= 0] = 1.0
            # Only where Glorot's assumption (unit-variance inputs) fails by more
            # than a factor 2: standardised input keeps the authors' init.
            if not 0.5 <= np.median(scale) <= 2.0:
                basis = basis / scale
                basis_bias = -np.median(pre / scale, axis=0)
        return cls({
            "basis": basis,
            "basis_bias": basis_bias,
            "heads": 0.01 * rng.standard_normal((n_latent, n_tasks)),
            "head_bias": head_bias,
            "feedback": 0.01 * rng.standard_normal((n_tasks, n_latent)),
            "feedback_bias": np.zeros(n_latent),
        }, activation, device)

    def features(self, x):
        return _ACTIVATIONS[self.activation](x @ self.basis + self.basis_bias)

    def forward(self, x, task_index=None):
        """Each row's own-task output, the features and their reconstruction.

        ``F A = Z (S A) + b_S A``, so the reconstruction goes through the
        ``k x k`` matrix ``S A`` and the ``N x T`` matrix of all task outputs is
        never formed: a step costs ``O(N k (d + k))`` whatever the number of
        tasks. With ``task_index=None`` (one-vs-rest: every row is labelled for
        every task) the first output is that ``N x T`` matrix instead.
        """
        features = self.features(x)
        if task_index is None:
            own = features @ self.heads + self.head_bias
        else:
            own = ((features * self.heads.T[task_index]).sum(1)
                   + self.head_bias[task_index])
        reconstruction = _ACTIVATIONS[self.activation](
            features @ (self.heads @ self.feedback)
            + (self.head_bias @ self.feedback + self.feedback_bias))
        return own, features, reconstruction


def _squared_errors(own_outputs, y):
    return (own_outputs - y) ** 2


def _logistic_losses(own_outputs, y):
    # Elementwise (any shape): the summand of ``_solvers.logistic_loss``.
    return logistic_loss(own_outputs[..., None], y[..., None],
                         torch.ones_like(y[..., None]))


def _adam_two_phase(parameters, objective, prox, *, lr, max_iter, tol,
                    n_iter_no_change):
    """Full-batch Adam with the authors' two learning rates, stopped on a plateau.

    The authors' code runs Adam at the learning rate ``lr`` for the first half of
    training and at a tenth of it for the second. Here the drop comes at half of
    ``max_iter`` or at the first plateau (``n_iter_no_change`` steps that do not
    lower the best objective by ``tol`` relative), whichever is first, and a
    plateau at the lower rate ends the run. A general helper (any model, any
    objective): a candidate for ``_solvers.py``.

    Parameters
    ----------
    parameters : list of Tensor
        What Adam updates.
    objective : callable
        ``() -> (recorded, differentiable, extra)``: the objective value to record,
        the scalar to back-propagate (the two differ when a prox handles some
        terms) and anything ``prox`` needs.
    prox : callable or None
        ``(extra, step) -> None``, applied in place after each Adam step;
        ``step(parameter)`` is Adam's current per-coordinate step size
        ``lr / (sqrt(v_hat) + eps)``, the metric in which Adam moved that
        parameter, so that a soft threshold of ``step(p) * weight`` is the
        proximal step of ``weight * |p|_1`` in the same metric.

    Returns
    -------
    path : list of float
        The recorded objective before every step.
    n_iter : int
        Number of steps run.
    """
    # The fused kernel (one per step, not one per tensor and operation) exists
    # on CPU and CUDA only, on CPU since torch 2.4 (pytorch/pytorch#123074):
    # hence pyproject's torch>=2.4 (only 2.13 is tested here).
    fused = parameters[0].device.type in ("cpu", "cuda")
    optimizer = torch.optim.Adam(parameters, lr=lr, fused=fused)

    def step(parameter):
        group, state = optimizer.param_groups[0], optimizer.state[parameter]
        correction = 1.0 - group["betas"][1] ** float(state["step"])
        return group["lr"] / ((state["exp_avg_sq"] / correction).sqrt() + group["eps"])

    path, best, stalled, phase, n_iter = [], np.inf, 0, 0, 0
    for n_iter in range(1, max_iter + 1):
        optimizer.zero_grad()
        recorded, value, extra = objective()
        path.append(float(recorded))
        value.backward()
        optimizer.step()
        if prox is not None:
            prox(extra, step)

        if n_iter == 1 or path[-1] < best - tol * abs(best):
            best, stalled = path[-1], 0
        else:
            stalled += 1
        plateau = stalled >= n_iter_no_change
        if phase == 0 and (plateau or n_iter >= max_iter // 2):
            phase, stalled = 1, 0
            for group in optimizer.param_groups:
                group["lr"] = lr / 10.0
        elif phase == 1 and plateau:
            break
    return path, n_iter


class _BaseAMTFL(LinearMultiTaskBase):
    """The shallow AMTFL objective and its gradient training, for any loss."""

    _parameter_constraints = {
        "n_latent": [Interval(Integral, 1, None, closed="left")],
        "transfer_sparsity": [Interval(Real, 0, None, closed="left")],
        "transfer_strength": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "basis_penalty": [Interval(Real, 0, None, closed="left")],
        "basis_sparsity": [Interval(Real, 0, None, closed="left")],
        "sample_size_penalty": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "l1_method": [StrOptions({"subgradient", "proximal"})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "task_column": [Integral, str, None],
    }

    def __init__(
        self,
        n_latent=10,
        *,
        transfer_sparsity=1.0,
        transfer_strength=1.0,
        sparsity=1e-3,
        basis_penalty=1e-3,
        basis_sparsity=0.0,
        sample_size_penalty=0.0,
        activation="relu",
        l1_method="subgradient",
        lr=1e-2,
        max_iter=2000,
        tol=1e-4,
        n_iter_no_change=50,
        random_state=None,
        device="cpu",
        task_column=-1,
    ):
        self.n_latent = n_latent
        self.transfer_sparsity = transfer_sparsity
        self.transfer_strength = transfer_strength
        self.sparsity = sparsity
        self.basis_penalty = basis_penalty
        self.basis_sparsity = basis_sparsity
        self.sample_size_penalty = sample_size_penalty
        self.activation = activation
        self.l1_method = l1_method
        self.lr = lr
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.device = device
        self.task_column = task_column

    def _objective_terms(self, net, x, y, task_index, inverse_counts, size_terms):
        """The task losses (delta included) and the autoencoder term at ``net``.

        ``task_index=None`` is the one-vs-rest layout: ``y`` holds 0/1 targets of
        shape ``(N, T)`` and every task's loss is over all rows.
        """
        own, features, reconstruction = net(x, task_index)
        if task_index is None:
            task_losses = self._row_losses(own.T, y.T).sum(1)
        else:
            per_row = self._row_losses(own, y)
            task_losses = torch.zeros_like(inverse_counts).index_add_(0, task_index,
                                                                      per_row)
        task_losses = task_losses * inverse_counts
        if self.sample_size_penalty:
            task_losses = task_losses + size_terms
        return task_losses, reconstruction_error(features, reconstruction)

    def _basis_norm(self, net):
        """``sum_j m_j ||L_j||^2``, ``m_j`` the mean square of feature j."""
        scale = getattr(self, "_feature_scale", None)
        if scale is None:
            return net.basis.square().sum()
        return (scale[:, None] * net.basis.square()).sum()

    def _objective(self, net, reliability, reconstruction, *, smooth_only=False):
        """The paper's eq. (6); ``smooth_only`` leaves out the terms a prox handles."""
        value = loss_weighted_feedback(reliability, net.feedback,
                                       self.transfer_sparsity,
                                       detach_feedback=smooth_only)
        # Zero-weight terms are skipped: a step costs a few dozen tiny kernels.
        for weight, term in [(self.transfer_strength, lambda: reconstruction),
                             (self.basis_penalty, lambda: self._basis_norm(net))]:
            if weight:
                value = value + weight * term()
        if not smooth_only:
            for weight, tensor in [(self.sparsity, net.heads),
                                   (self.basis_sparsity, net.basis)]:
                if weight:
                    value = value + weight * tensor.abs().sum()
        return value

    def _fit(self, features, task_index, y):
        """Train on long-form rows, or, with ``task_index=None``, on one-vs-rest
        data: ``y`` the class index of each row, one task per class."""
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        x = _as_tensor(features, device)
        if task_index is None:
            # Every row is labelled for every task; N_t (the sample-size term's)
            # is the number of rows of class t, and each loss is a mean over all N.
            n_tasks = len(self.classes_)
            counts_np = np.bincount(y, minlength=n_tasks).astype(np.float64)
            targets = np.eye(n_tasks)[y]
            y_t, tasks_t = _as_tensor(targets, device), None
            inverse_counts = torch.full((n_tasks,), 1.0 / y.size, dtype=DTYPE,
                                        device=device)
            head_bias = np.log(counts_np / (y.size - counts_np))
        else:
            n_tasks = len(self.tasks_)
            counts_np = np.bincount(task_index, minlength=n_tasks).astype(np.float64)
            y_t = _as_tensor(y, device)
            tasks_t = torch.as_tensor(task_index, dtype=torch.int64, device=device)
            inverse_counts = 1.0 / _as_tensor(counts_np, device)
            head_bias = self._initial_head_bias(task_index, y, counts_np)
        counts = _as_tensor(counts_np, device)
        size_terms = sample_size_terms(counts, self.sample_size_penalty)

        net = _ShallowAMTFLNet.initialise(
            x.shape[1], self.n_latent, n_tasks, self.activation, rng, head_bias, device,
            features=features)
        # lambda ||L||^2 relative to feature scale: row j of L is weighted by the
        # mean square of feature j, so the penalty is unchanged when a column is
        # rescaled (L's row scaling back) and equals the plain one on
        # standardised features.
        feature_scale = _as_tensor(_mean_squares(features), device)
        proximal = self.l1_method == "proximal"

        def terms():
            return self._objective_terms(net, x, y_t, tasks_t, inverse_counts,
                                         size_terms)

        self._feature_scale = feature_scale

        def objective():
            """The objective to record, and the one to differentiate."""
            reliability, reconstruction = terms()
            value = self._objective(net, reliability, reconstruction,
                                    smooth_only=proximal)
            if not proximal:
                return value.detach(), value, reliability
            with torch.no_grad():
                full = self._objective(net, reliability, reconstruction)
            return full, value, reliability

        def prox(reliability, step):
            with torch.no_grad():
                weights = {"heads": self.sparsity, "basis": self.basis_sparsity,
                           "feedback": self.transfer_sparsity * reliability[:, None]}
                for name, weight in weights.items():
                    parameter = getattr(net, name)
                    parameter.copy_(soft_threshold(parameter, step(parameter) * weight))

        path, self.n_iter_ = _adam_two_phase(
            list(net.parameters()), objective, prox if proximal else None,
            lr=self.lr, max_iter=self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change)
        with torch.no_grad():
            reliability, reconstruction = terms()
            path.append(float(self._objective(net, reliability, reconstruction)))
        del self._feature_scale
        self.objective_path_ = path
        self._set_fitted(net, reliability, reconstruction, size_terms, counts_np)
        return self

    def _set_fitted(self, net, reliability, reconstruction, size_terms, counts):
        def numpy(tensor):
            return tensor.detach().cpu().numpy().copy()

        self.components_ = numpy(net.basis)
        self.components_intercept_ = numpy(net.basis_bias)
        self.coef_ = numpy(net.heads.T)
        self.intercept_ = numpy(net.head_bias)
        self.feedback_matrix_ = numpy(net.feedback)
        self.feedback_intercept_ = numpy(net.feedback_bias)
        if self.activation == "linear":
            # With a linear hidden layer each task is linear in the input:
            # f_t(x) = x L s_t + (b_L s_t + b_t).
            self.input_coef_ = self.coef_ @ self.components_.T
            self.input_intercept_ = self.coef_ @ self.components_intercept_ \
                + self.intercept_

        self.task_reliability_penalty_ = numpy(reliability)
        self.task_losses_ = self.task_reliability_penalty_ - numpy(size_terms)
        self.n_task_samples_ = counts.astype(np.int64)
        self.outgoing_transfer_ = np.abs(self.feedback_matrix_).sum(1)
        self.loss_weights_ = 1.0 + self.transfer_sparsity * self.outgoing_transfer_
        self.task_transfer_ = self.feedback_matrix_ @ self.coef_.T
        magnitude = np.abs(self.task_transfer_)
        np.fill_diagonal(magnitude, 0.0)
        self.transfer_asymmetry_ = magnitude.sum(1) - magnitude.sum(0)
        self.reconstruction_error_ = float(reconstruction)

    def _network(self):
        """The fitted network, on the CPU, for prediction."""
        return _ShallowAMTFLNet({
            "basis": self.components_, "basis_bias": self.components_intercept_,
            "heads": self.coef_.T, "head_bias": self.intercept_,
            "feedback": self.feedback_matrix_,
            "feedback_bias": self.feedback_intercept_,
        }, self.activation, trainable=False)

    def shared_features(self, X, tasks=None):
        """The shared features ``Z = sigma(X L + b_L)`` of the rows of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``); the
            features do not depend on the task, but the task must be known.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_latent)
        """
        features, _ = self._validated_features(X, tasks)
        return self._head_inputs(features)

    def _head_inputs(self, features):
        with torch.no_grad():
            return self._network().features(_as_tensor(features, "cpu")).numpy()


_COMMON_DOC = """
    Parameters
    ----------
    n_latent : int, default=10
        Number of shared features, the width of the hidden layer (paper:
        :math:`k`; 10 or 15 on School, 500-1000 on image features).
    transfer_sparsity : float, default=1.0
        Weight of the loss-weighted l1 penalty on each task's outgoing feedback
        (paper: :math:`\\alpha`), the strength of the asymmetry. 0 gives a
        symmetric autoencoder in which every task reconstructs the features.
        The penalty sums over ``n_latent`` entries, so useful values fall as
        ``n_latent`` grows (the authors use 0.1 with 500 features).
    transfer_strength : float, default=1.0
        Weight of the feature reconstruction from the task outputs (paper:
        :math:`\\gamma`). 0 removes the autoencoder, leaving a multi-task network
        with l1 heads (the paper's MT-NN).
    sparsity : float, default=1e-3
        Weight of the l1 penalty on the task heads ``S`` (paper: :math:`\\mu`).
    basis_penalty : float, default=1e-3
        Weight of the squared penalty on the hidden layer ``L`` (paper:
        :math:`\\lambda`), **relative to feature scale**: row ``j`` of ``L`` is
        weighted by the mean square of feature ``j`` over the training rows,
        :math:`\\lambda \\sum_j \\overline{x_j^2} \\lVert L_j \\rVert^2`
        (all-zero columns weigh 1). It is the paper's Frobenius penalty on
        standardised features, and a column's unit does not change the fit's
        penalty: the term is that of the pre-activations ``X L``. With the
        per-sample (mean) losses the same value means the same on 30 rows and on
        3,000, as ``Lasso``'s ``alpha``.
    basis_sparsity : float, default=0.0
        Weight of an l1 penalty on ``L``, which the paper adds "for all models" in
        its synthetic experiment only.
    sample_size_penalty : float, default=0.0
        :math:`\\delta` of the paper: :math:`\\delta / \\sqrt{N_t}` is added to
        every task's loss, so that tasks with few rows count as less reliable
        even when they fit their training rows well. It has no gradient in the
        network; it only enters the l1 weight of the feedback rows. The paper
        tunes it to the scale of the losses.
    activation : {"relu", "linear"}, default="relu"
        Nonlinearity :math:`\\sigma` of the hidden layer and of the
        reconstruction (the paper ties them). ``"linear"`` is the paper's
        synthetic variant, whose tasks are then linear in the input
        (``input_coef_``).
    l1_method : {"subgradient", "proximal"}, default="subgradient"
        How the l1 terms are optimised. ``"subgradient"`` puts them into the
        gradient, as the authors' code does (no exact zeros). ``"proximal"``
        leaves them out of the gradient and follows each Adam step by soft
        thresholds of ``step * mu`` on ``S``, ``step * alpha * (L_t + delta_t)``
        on row ``t`` of ``A`` and ``step * basis_sparsity`` on ``L``, with
        ``step`` Adam's per-coordinate step size ``lr / (sqrt(v_hat) + eps)``;
        this gives exact zeros.
    lr : float, default=1e-2
        Adam's learning rate (the name the neural estimators and skorch use);
        it drops tenfold at half of ``max_iter`` or at the first plateau.
    max_iter : int, default=2000
        Maximum number of full-batch Adam steps.
    tol : float, default=1e-4
        A step improves on the best objective so far when it lowers it by more
        than ``tol`` times its magnitude.
    n_iter_no_change : int, default=50
        Steps without improvement that make a plateau: the first lowers the
        learning rate, the second ends the fit.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation; the full-batch training is then deterministic.
    device : str or torch.device, default="cpu"
        Where the network's tensors live during fit, e.g. ``"cuda"``.
    task_column : int, str or None, default=-1
        Position of the task column in ``X`` (or its DataFrame name). None: ``X``
        holds only features and the tasks come from ``tasks=`` at fit/predict,
        or all rows are one task.

    Attributes
    ----------
    components_ : ndarray of shape (n_features, n_latent)
        The hidden layer ``L``: the shared feature map is
        ``Z = sigma(X @ components_ + components_intercept_)``
        (:meth:`shared_features`).
    components_intercept_ : ndarray of shape (n_latent,)
        Its bias ``b_L``.
    coef_ : ndarray of shape (n_tasks, n_latent)
        The task heads ``S^T``: row ``t`` holds task t's weights **on the shared
        features**, not on the inputs, so ``f_t(x) = z(x) @ coef_[t] +
        intercept_[t]``.
    intercept_ : ndarray of shape (n_tasks,)
        The heads' biases ``b_S``.
    input_coef_, input_intercept_ : ndarray of shape (n_tasks, n_features), (n_tasks,)
        Only with ``activation="linear"``: each task's weights in the input space,
        ``(L S)^T``, and intercepts.
    feedback_matrix_ : ndarray of shape (n_tasks, n_latent)
        The feedback matrix ``A`` from tasks to features: row ``t`` (task t's
        outgoing feedback ``a_t^o``) says how much task t's output rebuilds each
        shared feature.
    feedback_intercept_ : ndarray of shape (n_latent,)
        The reconstruction's bias ``b_A``.
    outgoing_transfer_ : ndarray of shape (n_tasks,)
        ``||a_t^o||_1``, the l1 norm of each row of ``feedback_matrix_``.
    task_transfer_ : ndarray of shape (n_tasks, n_tasks)
        ``A S``: entry ``[t, u]`` is the transfer from task t (row, source) to task
        u (column, target) through the features. A diagnostic; the paper plots its
        absolute value.
    transfer_asymmetry_ : ndarray of shape (n_tasks,)
        Off-diagonal out-sum minus in-sum of ``|task_transfer_|`` per task.
    task_losses_ : ndarray of shape (n_tasks,)
        Each task's mean training loss at the fit, without the sample-size term.
    task_reliability_penalty_ : ndarray of shape (n_tasks,)
        ``task_losses_ + sample_size_penalty / sqrt(N_t)``: the loss that weights
        the l1 penalty (times ``transfer_sparsity``) on task t's feedback row;
        large means unreliable.
    loss_weights_ : ndarray of shape (n_tasks,)
        ``1 + transfer_sparsity * outgoing_transfer_``, the weight of each task's
        loss in the objective.
    n_task_samples_ : ndarray of int of shape (n_tasks,)
        Training rows of each task, ``N_t``.
    reconstruction_error_ : float
        ``mean_i ||z_i - zhat_i||^2`` on the training rows.
    tasks_ : ndarray of shape (n_tasks,)
        The task labels seen at fit.
    n_iter_ : int
        Number of Adam steps run.
    objective_path_ : list of float
        The objective before every step and after the last. Adam is not a
        descent method: the path falls overall but may rise by small amounts.
    n_features_in_ : int
        Number of columns of ``X`` at fit (the task column included).
    feature_names_in_ : ndarray of str
        Column names of ``X`` at fit, for DataFrames.

    Notes
    -----
    With ``Z = sigma(X L + b_L)`` the shared features (``N x k``), ``F = Z S +
    b_S`` the outputs of all ``T`` tasks on every row and ``A`` the ``T x k``
    feedback matrix, shallow AMTFL (the paper's eq. 6) solves

    .. math::

        \\min_{L, S, A} \\sum_t \\Big[ \\big(1 + \\alpha \\lVert a_t^o \\rVert_1
        \\big) \\Big(L_t + \\frac{\\delta}{\\sqrt{N_t}}\\Big)
        + \\mu \\lVert s_t \\rVert_1 \\Big]
        + \\frac{\\gamma}{N} \\big\\lVert Z - \\sigma(F A + b_A) \\big\\rVert_F^2
        + \\lambda \\sum_j \\overline{x_j^2} \\lVert L_j \\rVert^2
        \\;(+\\, \\lambda_1 \\lVert L \\rVert_1),

    where :math:`L_t` is task t's **mean** loss over its own rows (squared error,
    or logistic loss) and :math:`a_t^o` row ``t`` of ``A``. Symbols:
    :math:`k` = ``n_latent``, :math:`\\alpha` = ``transfer_sparsity``,
    :math:`\\gamma` = ``transfer_strength``, :math:`\\mu` = ``sparsity``,
    :math:`\\lambda` = ``basis_penalty``, :math:`\\delta` =
    ``sample_size_penalty``, :math:`\\lambda_1` = ``basis_sparsity``. Expanding
    the first term, :math:`\\alpha (L_t + \\delta_t) \\lVert a_t^o \\rVert_1`
    penalises task t's outgoing feedback in proportion to its loss: the features
    are rebuilt from the outputs of the reliable tasks, so they are shaped by
    them, and unreliable tasks use features cleaned by the reliable ones without
    shaping them (asymmetric task-to-basis transfer).

    The reconstruction uses every row (each row is reconstructed from the
    outputs of all tasks on it); a task's loss uses its own rows. As in the
    authors' code the reconstruction is a mean over rows (the paper writes a
    Frobenius sum), so :math:`\\gamma` does not depend on ``N``, and the
    network has biases in all three layers.

    Optimisation: the paper trains AMTFL as a neural network, end to end, and
    describes no alternating solver for it; this is the authors' (Deep-AMTFL)
    training run full-batch: Adam on all parameters jointly, the l1 terms as
    subgradients (or proximal steps), the gradient flowing through both factors
    of the product term, Glorot-uniform ``L`` (then each hidden unit rescaled
    so that its pre-activation has unit spread on the training rows and its
    bias centres it at median zero, when the units' median spread is off 1 by
    more than a factor 2, so that the ReLUs start alive whatever the scale or
    sparsity of ``X``: on
    unit-norm tf-idf rows the plain Glorot pre-activations are ~0.03, every
    unit died and the scores were constant), ``S`` and ``A`` from
    :math:`\\mathcal{N}(0, 0.01^2)` and biases at zero, except the heads' biases,
    which start at each task's mean target (log-odds for classifiers) to spare
    the first hundreds of steps. The learning rate drops tenfold once, as in the
    authors' code (there at half of training; here at half of ``max_iter`` or at
    the first plateau). Adam is not a descent method, so ``objective_path_`` may
    rise by small amounts. Each step costs ``O(N k (d + k))``: the ``N x T``
    matrix of all task outputs is never formed (``F A = Z (S A) + b_S A``).
    Sparse input is densified.

    Scale of the hyper-parameters: ``basis_penalty`` is relative to feature
    scale (see above) and the init adapts the hidden units to the input, so
    column units and sparsity do not change what the defaults mean. The task
    losses are means, so ``sparsity``,
    ``basis_penalty`` and ``transfer_strength`` act against losses of the size
    of the targets' variance (regression) or below ``log 2`` (classification).
    The defaults (``alpha = gamma = 1``, ``mu = lambda = 1e-3``) are those of the
    synthetic acceptance experiment, on targets of unit-scale noise; on School's
    exam scores (MSE ~ 100) ``sparsity`` of 10-30 and ``basis_penalty`` of 1
    worked, on Landmine's imbalanced labels ``transfer_strength`` had to stay at
    0.1 or below, or the reconstruction collapses the ReLU features to zero (a
    trivial reconstruction). Tune them, e.g. with ``GridSearchCV``; the paper
    tuned them on validation data.

    References
    ----------
    .. [1] H. B. Lee, E. Yang and S. J. Hwang, "Deep Asymmetric Multi-task
       Feature Learning", ICML 2018, PMLR 80:2956-2964.
"""


class AMTFLRegressor(LinearMultiTaskRegressor, _BaseAMTFL):
    __doc__ = (
        """Asymmetric multi-task feature learning, shallow, for regression.

    A one-hidden-layer network learns features shared by all tasks and one
    linear head per task on them. The features are also reconstructed from the
    tasks' outputs through a feedback matrix whose rows are penalised in
    proportion to each task's loss, so that reliable tasks shape the shared
    features and unreliable tasks benefit from them without spoiling them.
"""
        + _COMMON_DOC
        + """
    See Also
    --------
    AMTFLClassifier : The same model with the logistic loss.
    AMTLRegressor : Asymmetric transfer between task weights.
    GoMTLRegressor : Symmetric sharing of a latent basis.

    Examples
    --------
    >>> from sklearn_mtl import AMTFLRegressor
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y = make_low_rank_tasks(n_tasks=6, n_samples=30, random_state=0)
    >>> est = AMTFLRegressor(n_latent=4, activation="linear", random_state=0)
    >>> est = est.fit(X, y)
    >>> est.feedback_matrix_.shape, est.coef_.shape, est.input_coef_.shape
    ((6, 4), (6, 4), (6, 20))
    >>> bool(est.score(X, y) > 0.9)
    True
    """
    )

    @staticmethod
    def _row_losses(own_outputs, y):
        return _squared_errors(own_outputs, y)

    @staticmethod
    def _initial_head_bias(task_index, y, counts):
        return np.bincount(task_index, weights=y, minlength=counts.size) / counts


class AMTFLClassifier(LinearMultiTaskClassifier, _BaseAMTFL):
    __doc__ = (
        """Asymmetric multi-task feature learning, shallow, for classification.

    Every task is a binary problem with its own pair of labels (``classes_[t]``)
    and a logistic head on features shared by all tasks; the features are
    reconstructed from the tasks' outputs through a feedback matrix whose rows
    are penalised in proportion to each task's loss. Two layouts:

    - ``one_vs_rest=False`` (default): long-form multi-task data, the task of
      each row in the task column; every task is binary, ``L_t`` is the mean
      logistic loss over task t's rows and ``N_t`` their number. A task with
      more than two classes is rejected.
    - ``one_vs_rest=True`` (the paper's shallow MNIST, AWA and Room setting):
      ``X`` holds only features (``task_column=None``) and ``y`` one multi-class
      label; task t is "is it class t?", every row is labelled for every task,
      the features of a row are computed once, ``L_t`` is the mean over all
      rows of output t's binary logistic loss, ``N_t`` (in the sample-size term
      :math:`\\delta / \\sqrt{N_t}`) is the number of rows of class t, and the
      prediction is the class of the largest output. ``classes_`` is then one
      array, and the per-task fitted arrays (``coef_``, ``feedback_matrix_``,
      ``n_task_samples_``...) follow its order. The same layout as
      :class:`~sklearn_mtl.DeepAMTFLClassifier`'s ``one_vs_rest``.
"""
        + _COMMON_DOC.replace(
            "    tasks_ : ndarray",
            "    classes_ : ndarray, or list of ndarray of shape (2,)\n"
            "        The two labels of each task, the second the positive class (one\n"
            "        array when all tasks share them); with ``one_vs_rest=True`` the\n"
            "        classes of ``y``, one task each.\n"
            "    tasks_ : ndarray",
        ).replace(
            "    random_state : int, RandomState instance or None, default=None\n"
            "        Seeds the initialisation;",
            "    one_vs_rest : bool, default=False\n"
            "        The one-vs-rest layout (see above).\n"
            "    random_state : int, RandomState instance or None, default=None\n"
            "        Seeds the initialisation;",
        )
        + """
    See Also
    --------
    AMTFLRegressor : The same model with the squared loss.
    AMTLClassifier : Asymmetric transfer between task weights.
    GoMTLClassifier : Symmetric sharing of a latent basis.

    Examples
    --------
    >>> from sklearn_mtl import AMTFLClassifier
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y = make_low_rank_tasks(n_tasks=4, n_samples=40, random_state=0)
    >>> clf = AMTFLClassifier(n_latent=4, random_state=0).fit(X, y > 0)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """
    )

    _parameter_constraints = {
        **_BaseAMTFL._parameter_constraints,
        "one_vs_rest": ["boolean"],
    }

    def __init__(
        self,
        n_latent=10,
        *,
        one_vs_rest=False,
        transfer_sparsity=1.0,
        transfer_strength=1.0,
        sparsity=1e-3,
        basis_penalty=1e-3,
        basis_sparsity=0.0,
        sample_size_penalty=0.0,
        activation="relu",
        l1_method="subgradient",
        lr=1e-2,
        max_iter=2000,
        tol=1e-4,
        n_iter_no_change=50,
        random_state=None,
        device="cpu",
        task_column=-1,
    ):
        super().__init__(
            n_latent, transfer_sparsity=transfer_sparsity,
            transfer_strength=transfer_strength, sparsity=sparsity,
            basis_penalty=basis_penalty, basis_sparsity=basis_sparsity,
            sample_size_penalty=sample_size_penalty, activation=activation,
            l1_method=l1_method, lr=lr, max_iter=max_iter, tol=tol,
            n_iter_no_change=n_iter_no_change, random_state=random_state,
            device=device, task_column=task_column)
        self.one_vs_rest = one_vs_rest

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, tasks=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``), or
            features only with ``one_vs_rest=True``.
        y : array-like of shape (n_samples,)
            Binary labels per task, or one multi-class label (``one_vs_rest``).
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features (not with
            ``one_vs_rest=True``, where the tasks are the classes).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if not self.one_vs_rest:
            return super().fit(X, y, tasks)
        if tasks is not None:
            raise ValueError("one_vs_rest=True takes no tasks=: the tasks are the classes")
        if self.task_column is not None:
            raise ValueError(
                "one_vs_rest=True reads X as features only and y as one multi-class "
                "label (the tasks are the classes): set task_column=None; got "
                f"task_column={self.task_column!r}"
            )
        features, _, y = self._validate_task_data(
            X, y, None, reset=True, accept_sparse=_SPARSE_FORMATS)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError("one_vs_rest=True needs two or more classes in y; got "
                             f"{classes.size}.")
        self.classes_ = classes
        self.task_classes_ = None
        return self._fit(features, None, codes.ravel())

    def _class_scores(self, X, tasks):
        """One-vs-rest: every class's output on every row, shape (n, n_classes)."""
        features, _ = self._validated_features(X, tasks)
        return self._head_inputs(features) @ self.coef_.T + self.intercept_

    def decision_function(self, X, tasks=None):
        """Log-odds of each row's positive class (``classes_[t][1]``), shape
        ``(n,)``; with ``one_vs_rest=True`` every class's, ``(n, n_classes)``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self.one_vs_rest:
            return self._class_scores(X, tasks)
        return super().decision_function(X, tasks)

    def predict_proba(self, X, tasks=None):
        """Probabilities of each row's two labels, or, with ``one_vs_rest=True``,
        the per-class sigmoids normalised to sum to 1 (a score, as in
        scikit-learn's ``OneVsRestClassifier``, not calibrated).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        proba : ndarray of shape (n_samples, 2) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        if not self.one_vs_rest:
            return super().predict_proba(X, tasks)
        positive = expit(self._class_scores(X, tasks))
        return positive / positive.sum(axis=1, keepdims=True)

    def predict(self, X, tasks=None):
        """Each row's label from its task's two classes, or, with
        ``one_vs_rest=True``, the class of the largest output.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_columns)
        tasks : array-like of shape (n_samples,), default=None

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if not self.one_vs_rest:
            return super().predict(X, tasks)
        return self.classes_[self._class_scores(X, tasks).argmax(1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = bool(self.one_vs_rest)
        return tags

    @staticmethod
    def _row_losses(own_outputs, y):
        return _logistic_losses(own_outputs, y)

    @staticmethod
    def _initial_head_bias(task_index, y, counts):
        rate = np.bincount(task_index, weights=y, minlength=counts.size) / counts
        return np.log(rate / (1.0 - rate))
