"""Shared machinery of the shallow multi-task solvers, in torch, vectorised over tasks.

The papers' optimisers (GoMTL, AMTL, AMTFL) alternate between convex blocks. What they
have in common lives here once: the per-task padded data layout, batched ridge and
logistic initialisers, a batched monotone proximal-gradient solver for the l1 blocks,
and the outer alternating loop that records the objective.
"""

import numpy as np
import scipy.sparse as sp
import torch

# The device resolution is shared with the neural estimators (one message everywhere).
from ..utils._device import resolve_device

__all__ = [
    "TaskBlocks",
    "alternate",
    "conjugate_gradient",
    "logistic_loss",
    "logistic_per_task",
    "proximal_gradient",
    "resolve_device",
    "ridge_start",
    "soft_threshold",
    "solve_coupled",
]

DTYPE = torch.float64

# Candidate ridge penalties (mean-loss scale) of the single-task start, chosen per
# task by generalised cross-validation; RidgeCV's usual 1e-3..1e3 on the summed
# loss is 1e-5..1e1 here for tasks of about 100 rows.
GCV_PENALTIES = np.logspace(-5, 2, 15)
# What ``init_penalty="auto"`` means for the logistic loss (no closed-form CV).
LOGISTIC_START_PENALTY = 1e-3


class TaskBlocks:
    """Rows grouped by task into zero-padded blocks of shape (T, n_max, d).

    Padding rows are zero in ``X`` and ``y`` and zero in ``mask``, so sums over a
    block (Gram matrices, losses) ignore them without any indexing. Sparse input is
    densified block by block.

    Parameters
    ----------
    features : ndarray or sparse matrix of shape (n_samples, n_features)
    task_index : ndarray of int of shape (n_samples,)
    y : ndarray of shape (n_samples,)
    n_tasks : int
    device : torch.device
    """

    def __init__(self, features, task_index, y, n_tasks, device):
        counts = np.bincount(task_index, minlength=n_tasks)
        order = np.argsort(task_index, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(order.size) - starts[task_index[order]]
        rows = features[order]
        rows = rows.toarray() if sp.issparse(rows) else np.asarray(rows)
        n_max = int(counts.max())
        X = np.zeros((n_tasks, n_max, rows.shape[1]))
        Y = np.zeros((n_tasks, n_max))
        mask = np.zeros((n_tasks, n_max))
        X[task_index[order], slot] = rows
        Y[task_index[order], slot] = y[order]
        mask[task_index[order], slot] = 1.0
        self.X = torch.as_tensor(X, dtype=DTYPE, device=device)
        self.y = torch.as_tensor(Y, dtype=DTYPE, device=device)
        self.mask = torch.as_tensor(mask, dtype=DTYPE, device=device)
        self.counts = torch.as_tensor(counts, dtype=DTYPE, device=device)

    @property
    def n_tasks(self):
        return self.X.shape[0]

    @property
    def n_features(self):
        return self.X.shape[2]

    def centre(self):
        """Centre X and y within each task; return the per-task means.

        With squared loss, an unpenalised per-task intercept is equivalent to fitting
        on centred data and setting ``intercept = y_mean - x_mean @ w`` afterwards.
        """
        x_mean = self.X.sum(1) / self.counts[:, None]
        y_mean = self.y.sum(1) / self.counts
        self.X = (self.X - x_mean[:, None, :]) * self.mask[..., None]
        self.y = (self.y - y_mean[:, None]) * self.mask
        return x_mean, y_mean

    def gram(self):
        """Per-task X_t^T X_t, shape (T, d, d)."""
        return self.X.transpose(1, 2) @ self.X

    def cross(self):
        """Per-task X_t^T y_t, shape (T, d)."""
        return torch.einsum("tnd,tn->td", self.X, self.y)


def ridge_start(gram, cross, y_norm, counts, penalty):
    """Per-task ridge on the mean loss, ``(G_t + N_t alpha_t I) w_t = X_t^T y_t``.

    The single-task start of the shallow solvers (``init_penalty``), on per-task
    centred data (intercepts in closed form). ``penalty="auto"``: each task's
    ``alpha_t`` chosen from ``GCV_PENALTIES`` by generalised cross-validation
    (the rule of scikit-learn's ``RidgeCV``), all tasks and candidates at once
    from one eigendecomposition per task; otherwise ``alpha_t = penalty``.

    Parameters
    ----------
    gram, cross : Tensor of shape (T, d, d), (T, d)
        Centred ``X_t^T X_t`` and ``X_t^T y_t``.
    y_norm : Tensor of shape (T,)
        Centred ``y_t^T y_t``.
    counts : Tensor of shape (T,)
        ``N_t``.
    penalty : "auto" or float

    Returns
    -------
    coef : Tensor of shape (T, d)
    """
    eye = torch.eye(gram.shape[1], dtype=gram.dtype, device=gram.device)
    if not (isinstance(penalty, str) and penalty == "auto"):
        system = gram + (counts * float(penalty))[:, None, None] * eye
        return torch.linalg.solve(system, cross)
    evals, evecs = torch.linalg.eigh(gram)
    evals = evals.clamp(min=0.0)
    projected = torch.einsum("tde,td->te", evecs, cross)
    best, best_score = None, None
    for alpha in GCV_PENALTIES:
        shrink = 1.0 / (evals + counts[:, None] * alpha)
        coef = torch.einsum("tde,te->td", evecs, projected * shrink)
        mse = (y_norm - 2 * (coef * cross).sum(1)
               + torch.einsum("td,tde,te->t", coef, gram, coef)) / counts
        # The intercept, fitted by centring, is one more degree of freedom.
        dof = (evals * shrink).sum(1) + 1.0
        score = mse / (1.0 - dof / counts).clamp(min=1e-12) ** 2
        if best is None:
            best, best_score = coef, score
        else:
            better = score < best_score
            best = torch.where(better[:, None], coef, best)
            best_score = torch.where(better, score, best_score)
    return best


def logistic_per_task(X, y, mask, alpha, *, max_iter=50, tol=1e-10):
    """Independent l2-regularised logistic regressions for all tasks at once.

    Minimises ``sum_n softplus(z) - y z + alpha |w|^2`` per task (intercept
    unpenalised) by Newton's method with step halving, batched over tasks: one
    ``(d + 1) x (d + 1)`` solve per task and iteration.

    Parameters
    ----------
    X : Tensor of shape (T, n_max, d)
    y, mask : Tensor of shape (T, n_max)
        Labels in {0, 1}, and 1 for real (not padding) rows.
    alpha : float or Tensor of shape (T,)
        l2 strength on the weights (one per task, or one for all).

    Returns
    -------
    weights : Tensor of shape (T, d)
    intercepts : Tensor of shape (T,)
    """
    T, _, d = X.shape
    design = torch.cat([X, mask[..., None]], dim=2)
    alpha = torch.as_tensor(alpha, dtype=X.dtype, device=X.device).expand(T)
    penalty = torch.cat([alpha[:, None].expand(T, d),
                         torch.zeros(T, 1, dtype=X.dtype, device=X.device)], dim=1)
    # A tiny ridge on the intercept keeps the Hessian invertible on separable tasks.
    ridge = torch.diag_embed(2 * penalty + 1e-10)
    theta = torch.zeros(T, d + 1, dtype=X.dtype, device=X.device)

    def objective(theta):
        scores = torch.einsum("tnd,td->tn", design, theta)
        return logistic_loss(scores, y, mask) + (penalty * theta**2).sum(1)

    value = objective(theta)
    for _ in range(max_iter):
        p = torch.sigmoid(torch.einsum("tnd,td->tn", design, theta))
        gradient = torch.einsum("tnd,tn->td", design, (p - y) * mask) + 2 * penalty * theta
        hessian = torch.einsum("tnd,tn,tne->tde", design, p * (1 - p) * mask, design) + ridge
        direction = -torch.linalg.solve(hessian, gradient.unsqueeze(-1)).squeeze(-1)
        decrease = (gradient * direction).sum(1)
        if float(-decrease.max()) < tol * max(float(value.abs().max()), 1.0):
            break
        step = torch.ones(T, dtype=X.dtype, device=X.device)
        for _ in range(30):
            candidate = theta + step[:, None] * direction
            candidate_value = objective(candidate)
            accepted = candidate_value <= value + 1e-4 * step * decrease
            if bool(accepted.all()):
                break
            step = torch.where(accepted, step, step / 2)
        theta = torch.where(accepted[:, None], candidate, theta)
        value = torch.where(accepted, candidate_value, value)
    return theta[:, :-1], theta[:, -1]


def logistic_loss(scores, y, mask):
    """Per-task summed logistic loss of ``scores`` for labels ``y`` in {0, 1}."""
    return ((torch.nn.functional.softplus(scores) - y * scores) * mask).sum(-1)


def soft_threshold(values, thresholds):
    """Proximal operator of ``thresholds * |.|`` (elementwise)."""
    return torch.sign(values) * torch.clamp(values.abs() - thresholds, min=0.0)


def proximal_gradient(smooth, x0, lipschitz, penalty, *, prox=soft_threshold,
                      max_iter=500, tol=1e-7):
    """Monotone FISTA (Beck & Teboulle's MFISTA) on a batch of independent problems.

    Minimises ``smooth(x)[b] + sum(penalty[b] * |x[b]|)`` for every problem ``b`` of
    the batch. The monotone variant never accepts a point with a higher objective
    than the current one, which is what lets the outer alternating loop promise a
    non-increasing objective.

    Parameters
    ----------
    smooth : callable
        ``x -> (values, grads)``: per-problem smooth loss (B,) and gradient, x-shaped.
    x0 : Tensor of shape (B, ...)
        Starting point (warm start).
    lipschitz : Tensor of shape (B,)
        Lipschitz constant of each problem's gradient; the step is its inverse.
    penalty : Tensor broadcastable to ``x0``
        l1 weight of each coordinate (zero for unpenalised ones).
    prox : callable, default=soft_threshold
        ``(values, step * penalty) -> point``; e.g. a non-negative soft threshold.
    max_iter, tol : int, float
        Iteration cap, and the relative prox-gradient residual below which to stop.

    Returns
    -------
    x : Tensor
        The solution, of the shape of ``x0``.
    """
    shape = (-1,) + (1,) * (x0.dim() - 1)
    step = (1.0 / torch.clamp(lipschitz, min=1e-12)).reshape(shape)

    def objective(x):
        values, _ = smooth(x)
        return values + (penalty * x.abs()).flatten(1).sum(1)

    x = x0.clone()
    f_x = objective(x)
    y, momentum = x.clone(), 1.0
    for _ in range(max_iter):
        _, grad = smooth(y)
        z = prox(y - step * grad, step * penalty)
        f_z = objective(z)
        better = (f_z <= f_x).reshape(shape)
        x_next = torch.where(better, z, x)
        f_next = torch.minimum(f_z, f_x)
        # The prox-gradient residual z - y (at the point the step was taken from)
        # is zero exactly at a minimiser.
        residual = (z - y).abs().max() / (x_next.abs().max() + 1.0)
        momentum_next = (1.0 + (1.0 + 4.0 * momentum**2) ** 0.5) / 2.0
        y = (x_next + (momentum / momentum_next) * (z - x_next)
             + ((momentum - 1.0) / momentum_next) * (x_next - x))
        x, f_x, momentum = x_next, f_next, momentum_next
        if residual < tol:
            break
    return x


def alternate(steps, objective, *, max_iter, tol):
    """Run block-coordinate steps until the objective stops decreasing.

    Parameters
    ----------
    steps : list of callables
        Each block update, called in order once per outer iteration.
    objective : callable
        Returns the full objective (float) at the current state.
    max_iter : int
        Maximum number of outer iterations.
    tol : float
        Stop when the relative decrease over one outer iteration is below it.

    Returns
    -------
    objective_path : list of float
        The objective at the start and after every outer iteration.
    n_iter : int
        Number of outer iterations run.
    """
    path = [objective()]
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        for step in steps:
            step()
        path.append(objective())
        if path[-2] - path[-1] <= tol * max(abs(path[-2]), 1e-12):
            break
    return path, n_iter


def conjugate_gradient(apply, rhs, start, precondition, *, max_iter, tol):
    """Preconditioned conjugate gradient for ``apply(x) = rhs``, ``apply`` SPD.

    Every iterate lowers the quadratic ``x.apply(x)/2 - x.rhs``, so a warm start is
    never made worse.
    """
    x = start.clone()
    residual = rhs - apply(x)
    direction = precondition(residual)
    rz = (residual * direction).sum()
    threshold = tol * max(float(rhs.norm()), 1e-300)
    for _ in range(max_iter):
        if float(residual.norm()) <= threshold:
            break
        applied = apply(direction)
        curvature = (direction * applied).sum()
        if curvature <= 0:
            break
        step = rz / curvature
        x = x + step * direction
        residual = residual - step * applied
        preconditioned = precondition(residual)
        rz_next = (residual * preconditioned).sum()
        direction = preconditioned + (rz_next / rz) * direction
        rz = rz_next
    return x


def solve_coupled(blocks, coupling, strength, rhs, start, coupled_mask, *,
                  max_iter=5000, direct_size=1500):
    """Solve ``blocks_t x_t + strength * (M X)_t * mask = rhs_t`` for all tasks.

    The system of both W-steps: per-task ``k x k`` blocks (data curvature, SPD)
    coupled across tasks by the ``T x T`` matrix ``M = (I - B)(I - B)^T`` on the
    coordinates where ``coupled_mask`` is 1 (the weights, not an intercept). It is
    solved directly while the full ``Tk x Tk`` matrix has at most ``direct_size``
    rows, and otherwise by conjugate gradient (at most ``max_iter`` iterations)
    preconditioned with each task's own block.
    """
    n_tasks, k = rhs.shape
    dtype, device = rhs.dtype, rhs.device
    own = blocks + (strength * torch.diagonal(coupling))[:, None, None] * torch.diag(coupled_mask)
    # A task whose logistic scores saturate has a near-singular intercept block.
    jitter = 1e-12 * own.diagonal(dim1=1, dim2=2).sum(1).clamp(min=1.0)
    eye = torch.eye(k, dtype=dtype, device=device)
    if n_tasks * k <= direct_size:
        full = strength * torch.einsum("tu,ij->tiuj", coupling, torch.diag(coupled_mask))
        index = torch.arange(n_tasks, device=device)
        full[index, :, index, :] += blocks + jitter[:, None, None] * eye
        full = full.reshape(n_tasks * k, n_tasks * k)
        return torch.linalg.solve(full, rhs.reshape(-1)).reshape(n_tasks, k)

    factor = torch.linalg.cholesky(own + jitter[:, None, None] * eye)

    def apply(v):
        return (torch.bmm(blocks, v.unsqueeze(-1)).squeeze(-1)
                + strength * (coupling @ v) * coupled_mask)

    def precondition(r):
        return torch.cholesky_solve(r.unsqueeze(-1), factor).squeeze(-1)

    return conjugate_gradient(apply, rhs, start, precondition,
                              max_iter=max_iter, tol=1e-10)
