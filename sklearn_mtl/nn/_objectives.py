"""Objective terms that more than one deep multi-task method uses.

Per-row losses (squared error, logistic, hinge, cross-entropy over padded
per-task logits), their aggregation into per-task means and into the
multi-task objective, the mask of unlabelled rows, and AMTFL's asymmetric
autoencoder term (loss-weighted l1 on each task's outgoing feedback, the
feature reconstruction error, the sample-size constants).

Every function is stateless: it takes the forward outputs of one batch and
returns tensors, so a method's loss never depends on what a module stored.
"""

import torch
from torch.nn import functional as F

__all__ = [
    "CrossEntropyLoss",
    "HingeLoss",
    "LogisticLoss",
    "SquaredErrorLoss",
    "labelled_rows",
    "loss_weighted_feedback",
    "outgoing_feedback",
    "per_task_mean",
    "reconstruction_error",
    "sample_size_terms",
    "task_weighted_loss",
]


# --------------------------------------------------------------------------- per-row losses


class SquaredErrorLoss(torch.nn.Module):
    """Per-row squared error of a single-output regressor."""

    def forward(self, y_pred, y_true):
        return (y_pred.reshape(y_true.shape) - y_true) ** 2


class LogisticLoss(torch.nn.Module):
    """Per-row logistic loss of one logit, labels in {0, 1}."""

    def forward(self, y_pred, y_true):
        y_true = y_true.to(y_pred.dtype)
        return F.binary_cross_entropy_with_logits(
            y_pred.reshape(y_true.shape), y_true, reduction="none"
        )


class HingeLoss(torch.nn.Module):
    """Per-row hinge loss ``max(0, 1 - s y)`` of one score, labels in {0, 1} (y = 2 label - 1)."""

    def forward(self, y_pred, y_true):
        sign = 2 * y_true.to(y_pred.dtype) - 1
        return torch.clamp(1 - y_pred.reshape(sign.shape) * sign, min=0)


class CrossEntropyLoss(torch.nn.Module):
    """Per-row softmax cross-entropy over padded per-task logits.

    Columns beyond a row's task width hold ``-inf`` (see
    :class:`~sklearn_mtl.nn.TaskSpecificLinear`), so they get probability 0.
    """

    def forward(self, y_pred, y_true):
        return F.cross_entropy(y_pred, y_true.long(), reduction="none")


# --------------------------------------------------------------------------- aggregation


def labelled_rows(y_true):
    """Boolean mask of the rows that carry a label.

    The estimators encode an unlabelled row (``y = -1`` given to a
    semi-supervised classifier, as in :mod:`sklearn.semi_supervised`) as NaN in
    float targets (binary codes) and as -1 in integer targets (class codes).
    """
    if y_true.dtype.is_floating_point:
        return ~torch.isnan(y_true)
    return y_true >= 0


def per_task_mean(per_row, task, n_tasks, mask=None):
    """Each task's mean of a per-row quantity over its (labelled) rows in the batch.

    Parameters
    ----------
    per_row : Tensor of shape (batch,)
    task : LongTensor of shape (batch,)
    n_tasks : int
    mask : BoolTensor of shape (batch,), default=None
        Rows to count (the labelled ones); None counts every row. Masked rows
        add an exact zero, so they change neither value nor gradient.

    Returns
    -------
    means : Tensor of shape (n_tasks,)
        0 for a task with no counted row.
    counts : LongTensor of shape (n_tasks,)
    """
    if mask is not None:
        per_row = torch.where(mask, per_row, per_row.new_zeros(()))
        counts = per_row.new_zeros(n_tasks, dtype=torch.long).index_add(
            0, task, mask.long())
    else:
        counts = torch.bincount(task, minlength=n_tasks)
    sums = per_row.new_zeros(n_tasks).index_add(0, task, per_row)
    return sums / counts.clamp(min=1).to(per_row.dtype), counts


def task_weighted_loss(per_row_loss, task, n_tasks, task_weighting="uniform", mask=None):
    """Aggregate per-row losses into the multi-task objective of one batch.

    Parameters
    ----------
    per_row_loss : torch.Tensor of shape (batch,)
    task : LongTensor of shape (batch,)
        Each row's task index in ``[0, n_tasks)``.
    n_tasks : int
    task_weighting : {"uniform", "samples"}, default="uniform"
        ``"uniform"``: the mean over the tasks present in the batch of each
        task's mean loss (every task counts the same, whatever its size; the
        DMTRL authors' objective). ``"samples"``: the mean over rows (large
        tasks count more).
    mask : BoolTensor of shape (batch,), default=None
        Rows that count (the labelled ones); None: every row.

    Returns
    -------
    loss : torch.Tensor (scalar)
        An exact zero that keeps the graph when no row counts.
    """
    if mask is None and task_weighting == "samples":
        return per_row_loss.mean()
    means, counts = per_task_mean(per_row_loss, task, n_tasks, mask)
    if task_weighting == "samples":
        return (means * counts).sum() / counts.sum().clamp(min=1)
    present = counts > 0
    if not bool(present.any()):
        return means.sum() * 0.0
    return means[present].mean()


# --------------------------------------------------------------------------- asymmetric term


def outgoing_feedback(feedback):
    """l1 norm of each task's outgoing feedback ``||a_t^o||_1``.

    Parameters
    ----------
    feedback : Tensor of shape (n_tasks, n_latent)
        The feedback matrix ``A``, **one row per source task**. A feedback layer
        stored as ``torch.nn.Linear(n_tasks, n_latent)`` has the transposed weight
        ``(n_latent, n_tasks)``: pass ``layer.weight.T``. Summing the wrong axis
        silently "works" when ``n_tasks == n_latent``.

    Returns
    -------
    norms : Tensor of shape (n_tasks,)
    """
    return feedback.abs().sum(1)


def sample_size_terms(n_task_samples, sample_size_penalty):
    """The AMTFL paper's imbalance constant ``delta / sqrt(N_t)`` of every task."""
    return sample_size_penalty / torch.sqrt(n_task_samples)


def loss_weighted_feedback(task_losses, feedback, transfer_sparsity, *,
                           detach_feedback=False):
    """AMTFL's asymmetric term ``sum_t (1 + alpha ||a_t^o||_1) L_t``.

    Expanded, it is each task's loss plus an l1 penalty on the task's row of the
    feedback matrix whose weight ``alpha L_t`` grows with the loss, so the rows of
    unreliable (high-loss) tasks shrink first; in return a task with a large
    outgoing feedback has its own loss up-weighted. Gradients flow through both
    factors, as in the authors' code.

    Parameters
    ----------
    task_losses : Tensor of shape (n_tasks,)
        Each task's loss ``L_t``, the sample-size term ``delta / sqrt(N_t)``
        included (:func:`sample_size_terms`).
    feedback : Tensor of shape (n_tasks, n_latent)
        ``A``, one row per source task (see :func:`outgoing_feedback`).
    transfer_sparsity : float
        ``alpha``.
    detach_feedback : bool, default=False
        Stop the gradient into ``A`` (keep it into the losses): for proximal
        updates, where the l1 part in ``A`` is handled by a soft threshold of
        ``step * alpha * L_t`` on row ``t``.

    Returns
    -------
    value : scalar Tensor
    """
    norms = outgoing_feedback(feedback.detach() if detach_feedback else feedback)
    return ((1.0 + transfer_sparsity * norms) * task_losses).sum()


def reconstruction_error(features, reconstruction):
    """``mean_i ||z_i - zhat_i||^2``: the autoencoder term, per instance.

    The AMTFL paper writes a Frobenius sum; the mean over instances (the
    authors' code) keeps ``gamma`` independent of the number of rows and of the
    batch size.
    """
    return ((features - reconstruction) ** 2).sum(1).mean()
