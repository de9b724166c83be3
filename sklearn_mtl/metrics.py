"""Multi-task metrics: per-task scores, and how much a task-factor matrix shares.

Sharing diagnostics read a ``K x T`` task-factor matrix.

Every factorised model in the package has an "S-like" matrix whose column ``t``
holds task ``t``'s coefficients over ``K`` shared components: ``S`` in GoMTL and
DMTRL-LAF, ``U_N`` transposed in DMTRL-Tucker, ``U_N`` in DMTRL-TT. These
diagnostics read sharing off that matrix. They take and return numpy (torch
tensors are accepted), so the shallow estimators use them without torch.

Two reference points frame them: single-task learning is ``S = I_T`` (no
sharing) and a hard-shared layer is ``S = [1_{1 x T}; 0]`` (full sharing).
"""

import numpy as np
from sklearn.utils.validation import check_consistent_length

from .utils._tasks import encode_tasks

__all__ = [
    "per_task_metric",
    "sharing_strength",
    "sharing_strength_cosine",
    "task_similarity",
]


def per_task_metric(metric, y_true, y_pred, tasks, *, labels=None):
    """Apply any scikit-learn metric to each task's rows separately.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_pred) -> float``, e.g. :func:`sklearn.metrics.roc_auc_score`.
    y_true, y_pred : array-like of shape (n_samples,)
        Targets and predictions (or scores).
    tasks : array-like of shape (n_samples,)
        Each row's task label (e.g. ``X[:, -1]``), or, with ``labels``, each
        row's position in ``labels``.
    labels : array-like, default=None
        The task labels, when ``tasks`` holds positions (e.g. a fitted
        estimator's ``tasks_``); tasks without rows are left out.

    Returns
    -------
    scores : dict
        Task label to its score, in natural task order (see
        :func:`~sklearn_mtl.utils.encode_tasks`) or the order of ``labels``.

    Examples
    --------
    >>> from sklearn.metrics import mean_absolute_error
    >>> per_task_metric(mean_absolute_error, [1, 2, 3, 5], [1, 2, 4, 4], [0, 0, 1, 1])
    {0: 0.0, 1: 1.0}
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    check_consistent_length(y_true, y_pred, tasks)
    if labels is None:
        labels, index = encode_tasks(np.asarray(tasks))
    else:
        labels, index = np.asarray(labels), np.asarray(tasks)
    return {
        (label.item() if isinstance(label, np.generic) else label):
        float(metric(y_true[index == t], y_pred[index == t]))
        for t, label in enumerate(labels) if np.any(index == t)
    }


def _abs_task_factor(task_factor):
    if hasattr(task_factor, "detach"):
        task_factor = task_factor.detach().cpu().numpy()
    task_factor = np.asarray(task_factor, dtype=np.float64)
    if task_factor.ndim != 2:
        raise ValueError(
            "the task factor must be a 2-D K x T matrix with one column per task, "
            f"got shape {task_factor.shape}"
        )
    if not np.all(np.isfinite(task_factor)):
        raise ValueError("the task factor contains NaN or infinite values")
    # A large coefficient of either sign is a significant one (the paper's reason).
    return np.abs(task_factor)


def _unit_columns(columns):
    norms = np.linalg.norm(columns, axis=0)
    # A zero column has no direction: it is treated as similar to nothing
    # rather than producing NaN.
    return columns / np.where(norms > 0, norms, 1.0)


def _column_cosines(columns):
    unit = _unit_columns(columns)
    return unit.T @ unit


def _mean_pairwise_cosine(columns):
    """Mean cosine over all pairs of columns in O(K T), without the T x T matrix.

    The sum of all pairwise dot products of unit columns u_i is
    (|sum_i u_i|^2 - sum_i |u_i|^2) / 2, which matters for thousands of tasks.
    """
    n_tasks = columns.shape[1]
    if n_tasks < 2:
        return float("nan")
    unit = _unit_columns(columns)
    pair_sum = (np.sum(unit.sum(1) ** 2) - np.sum(unit**2)) / 2
    return float(pair_sum / (n_tasks * (n_tasks - 1) / 2))


def task_similarity(task_factor):
    """Cosine similarity between the tasks' absolute code columns.

    Parameters
    ----------
    task_factor : array-like of shape (n_components, n_tasks)
        The ``K x T`` task-specific matrix (columns are tasks).

    Returns
    -------
    similarity : ndarray of shape (n_tasks, n_tasks)
        ``cos(|S[:, i]|, |S[:, j]|)``, in [0, 1]. The diagonal is 1, except for
        an all-zero column, whose row and column are 0.

    Examples
    --------
    >>> import numpy as np
    >>> task_similarity(np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 1.0]]))
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    """
    return _column_cosines(_abs_task_factor(task_factor))


def sharing_strength_cosine(task_factor):
    """Scale-free sharing strength: mean pairwise cosine of absolute columns.

    The paper's eq. 9 without its softmax step: take ``|S|`` and average the
    cosine similarity over all pairs of task columns. It is exactly 0 for
    ``S = I_T`` (single-task learning) and 1 for ``S = [1; 0]`` (hard sharing),
    and does not change when a column is rescaled, which the factorisation
    ``L S = (c L)(S / c)`` leaves free.

    Parameters
    ----------
    task_factor : array-like of shape (n_components, n_tasks)

    Returns
    -------
    rho : float
        In [0, 1]; NaN for fewer than two tasks (there is no pair).

    See Also
    --------
    sharing_strength : the paper's version, with the column softmax.

    Examples
    --------
    >>> import numpy as np
    >>> sharing_strength_cosine(np.eye(4))
    0.0
    >>> sharing_strength_cosine(np.vstack([np.ones(4), np.zeros(4)]))
    1.0
    """
    return _mean_pairwise_cosine(_abs_task_factor(task_factor))


def sharing_strength(task_factor):
    """Sharing strength rho of a task-factor matrix (paper eq. 9).

    Following the paper's text (the equation itself is missing from both
    versions): take ``|S|`` elementwise, normalise every column with a softmax
    so it sums to 1, then average the cosine similarity over all
    ``T (T - 1) / 2`` pairs of columns.

    Parameters
    ----------
    task_factor : array-like of shape (n_components, n_tasks)

    Returns
    -------
    rho : float
        In (0, 1]; NaN for fewer than two tasks.

    See Also
    --------
    sharing_strength_cosine : the scale-free version without softmax.

    Notes
    -----
    The softmax breaks the paper's single-task reference point: for
    ``S = I_T`` every pairwise cosine is ``(2e + T - 2) / (e^2 + T - 1)``
    (0.65 at ``T = 2``, 0.82 at ``T = 10``), not 0, and the value depends on
    the scale of ``S``, which the model does not identify. Hard sharing
    ``S = [1; 0]`` does give 1. Report :func:`sharing_strength_cosine`
    alongside it.

    References
    ----------
    Y. Yang and T. Hospedales, "Deep Multi-task Representation Learning: A
    Tensor Factorisation Approach", ICLR 2017, section 4.3.

    Examples
    --------
    >>> import numpy as np
    >>> round(sharing_strength(np.eye(2)), 4)
    0.6481
    >>> round(sharing_strength(np.vstack([np.ones(3), np.zeros(3)])), 6)
    1.0
    """
    magnitudes = _abs_task_factor(task_factor)
    # Subtracting each column's max leaves the softmax unchanged and avoids overflow.
    exponentials = np.exp(magnitudes - magnitudes.max(axis=0, keepdims=True))
    softmaxed = exponentials / exponentials.sum(axis=0, keepdims=True)
    return _mean_pairwise_cosine(softmaxed)
