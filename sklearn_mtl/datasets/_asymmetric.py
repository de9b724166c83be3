"""Synthetic tasks of unequal reliability, related through their weights."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["make_asymmetric_tasks"]


@validate_params(
    {
        "n_reliable": [Interval(Integral, 1, None, closed="left")],
        "n_unreliable": [Interval(Integral, 0, None, closed="left")],
        "n_samples_reliable": [Interval(Integral, 1, None, closed="left")],
        "n_samples_unreliable": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "noise_reliable": [Interval(Real, 0, None, closed="left")],
        "noise_unreliable": [Interval(Real, 0, None, closed="left")],
        "n_parents": [Interval(Integral, 1, None, closed="left")],
        "parent_weight_range": [tuple, list],
        "return_structure": ["boolean"],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_asymmetric_tasks(
    n_reliable=6,
    n_unreliable=6,
    n_samples_reliable=100,
    n_samples_unreliable=30,
    n_features=20,
    noise_reliable=0.5,
    noise_unreliable=3.0,
    n_parents=1,
    parent_weight_range=(0.5, 1.0),
    return_structure=False,
    shuffle=True,
    random_state=None,
):
    """Make easy and hard regression tasks whose weights are related asymmetrically.

    The setting of asymmetric multi-task learning (Lee, Yang & Hwang, 2016): some
    tasks are *reliable* (many rows, little noise) and the others *unreliable*
    (few rows, much noise), and every unreliable task's weight vector is a
    non-negative combination of a few reliable tasks' weights. Knowledge should
    therefore flow from the reliable tasks to the unreliable ones and not back.

    The reliable tasks have weights ``w_j ~ N(0, I_d)``. Unreliable task ``u``
    combines ``n_parents`` reliable tasks, ``w_u = sum_j a_ju w_j`` with
    ``a_ju`` uniform in ``parent_weight_range``. With ``n_parents=1`` the parents
    are assigned in turn (unreliable task ``i`` descends from reliable task
    ``i % n_reliable``), so each unreliable task is a scaled "twin" of one reliable
    task; with more parents they are drawn at random. Each row is
    ``y = x . w_t + eps`` with ``x ~ N(0, I_d)`` and ``eps ~ N(0, noise_t^2)``.

    Parameters
    ----------
    n_reliable : int, default=6
        Number of reliable tasks; they are tasks ``0 .. n_reliable - 1``.
    n_unreliable : int, default=6
        Number of unreliable tasks; they are the tasks after the reliable ones.
    n_samples_reliable : int, default=100
        Rows of each reliable task.
    n_samples_unreliable : int, default=30
        Rows of each unreliable task.
    n_features : int, default=20
        Number of features ``d``.
    noise_reliable : float, default=0.5
        Standard deviation of the target noise of the reliable tasks.
    noise_unreliable : float, default=3.0
        Standard deviation of the target noise of the unreliable tasks.
    n_parents : int, default=1
        Number of reliable tasks each unreliable task's weights combine; at most
        ``n_reliable``.
    parent_weight_range : tuple of (float, float), default=(0.5, 1.0)
        Range of the non-negative combination weights ``a_ju``.
    return_structure : bool, default=False
        Also return the true weights, the true transfer matrix and which tasks are
        reliable.
    shuffle : bool, default=True
        Shuffle the rows (unshuffled rows come task by task).
    random_state : int, RandomState instance or None, default=None
        Seed of the weights, features and noise.

    Returns
    -------
    X : ndarray of shape (n_total, n_features + 1)
        Features, with each row's task (``0 .. n_tasks - 1`` stored as float) in the
        last column.
    y : ndarray of shape (n_total,)
        Targets.
    structure : :class:`~sklearn.utils.Bunch`
        Only with ``return_structure=True``:

        coef : ndarray of shape (n_tasks, n_features)
            The task weights; row ``t`` belongs to task ``t``.
        transfer : ndarray of shape (n_tasks, n_tasks)
            ``transfer[s, t] = a_st``, the weight of task ``s`` in task ``t``'s
            weights (source in the row, target in the column, as in
            :class:`~sklearn_mtl.linear.AMTLRegressor`'s ``transfer_matrix_``);
            non-zero only from reliable to unreliable tasks.
        reliable : ndarray of bool of shape (n_tasks,)
            Which tasks are reliable.
        noise : ndarray of shape (n_tasks,)
            Noise standard deviation of each task.
        n_samples : ndarray of int of shape (n_tasks,)
            Rows of each task.

    Notes
    -----
    Spec AT1's "twin tasks" are ``n_reliable=6, n_unreliable=6, n_features=30,
    n_samples_reliable=n_samples_unreliable=60, noise_reliable=1,
    noise_unreliable=4, parent_weight_range=(1, 1)``. Giving the unreliable tasks
    fewer rows than features makes them interpolate, so their training loss looks
    *small*; a loss-based reliability then needs a sample-size term (AMTL's
    ``sample_size_penalty``).

    Examples
    --------
    >>> from sklearn_mtl.datasets import make_asymmetric_tasks
    >>> X, y, truth = make_asymmetric_tasks(n_reliable=2, n_unreliable=2,
    ...                                     n_samples_reliable=20,
    ...                                     n_samples_unreliable=5, n_features=4,
    ...                                     return_structure=True, random_state=0)
    >>> X.shape, y.shape
    ((50, 5), (50,))
    >>> truth.reliable
    array([ True,  True, False, False])
    >>> bool((truth.transfer[:2, 2:] > 0).any() and (truth.transfer[2:] == 0).all())
    True
    """
    if n_parents > n_reliable:
        raise ValueError(
            f"n_parents={n_parents} must not exceed n_reliable={n_reliable}: each "
            "unreliable task combines distinct reliable tasks."
        )
    if len(parent_weight_range) != 2:
        raise ValueError(
            f"parent_weight_range must be (low, high); got {parent_weight_range}."
        )
    low, high = (float(v) for v in parent_weight_range)
    if not (0 <= low <= high and 0 < high < np.inf):
        raise ValueError(
            "parent_weight_range must satisfy 0 <= low <= high, high > 0 and finite; "
            f"got {parent_weight_range}."
        )

    rng = check_random_state(random_state)
    n_tasks = n_reliable + n_unreliable
    coef = np.empty((n_tasks, n_features))
    coef[:n_reliable] = rng.standard_normal((n_reliable, n_features))
    transfer = np.zeros((n_tasks, n_tasks))
    for i in range(n_unreliable):
        if n_parents == 1:
            parents = np.array([i % n_reliable])
        else:
            parents = rng.choice(n_reliable, size=n_parents, replace=False)
        transfer[parents, n_reliable + i] = rng.uniform(low, high, size=n_parents)
    coef[n_reliable:] = transfer[:n_reliable, n_reliable:].T @ coef[:n_reliable]

    reliable = np.arange(n_tasks) < n_reliable
    counts = np.where(reliable, n_samples_reliable, n_samples_unreliable)
    noise = np.where(reliable, float(noise_reliable), float(noise_unreliable))
    task = np.repeat(np.arange(n_tasks), counts)
    features = rng.standard_normal((task.size, n_features))
    eps = rng.standard_normal(task.size)
    if shuffle:
        order = rng.permutation(task.size)
        task, features, eps = task[order], features[order], eps[order]
    X = np.column_stack([features, task.astype(np.float64)])
    y = np.einsum("ij,ij->i", features, coef[task]) + noise[task] * eps
    if not return_structure:
        return X, y
    return X, y, Bunch(coef=coef, transfer=transfer, reliable=reliable, noise=noise,
                       n_samples=counts)
