"""GoMTL: task grouping and overlap through a shared latent basis (Kumar & Daume 2012)."""

from numbers import Integral, Real

import numpy as np
import torch
from scipy.sparse.csgraph import connected_components
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..metrics import sharing_strength, sharing_strength_cosine, task_similarity
from ._base import LinearMultiTaskBase, LinearMultiTaskClassifier, LinearMultiTaskRegressor
from ._solvers import (
    DTYPE,
    LOGISTIC_START_PENALTY,
    TaskBlocks,
    alternate,
    logistic_loss,
    logistic_per_task,
    proximal_gradient,
    resolve_device,
    ridge_start,
)

__all__ = ["GoMTLRegressor", "GoMTLClassifier"]


# Above this many entries in L, the logistic L-step uses L-BFGS instead of Newton's
# dense (d k) x (d k) solves.
_NEWTON_MAX_SIZE = 2048


# An inexact S-step is enough: the monotone solver never raises the objective, and
# the alternation, not the inner accuracy, sets the pace (measured: 100 inner
# iterations and 500 reach the same objective in the same number of alternations).
_CODE_STEP_MAX_ITER = 100


# Iteration cap of the L-step when ``basis_sparsity`` makes it an l1 problem (FISTA,
# warm-started from the current L, so later alternations continue it).
_BASIS_STEP_MAX_ITER = 200


def _top_eigenvalue(matrices):
    return torch.linalg.eigvalsh(matrices)[..., -1]


def _kronecker_hessian(codes, grams):
    """``sum_t (s_t s_t^T) kron G_t``, the (dk x dk) curvature of the L-step.

    vec stacks the columns of L: index ``j * d + i`` holds ``L[i, j]``.
    """
    (_, k), d = codes.shape, grams.shape[-1]
    return torch.einsum("tj,tl,tim->jilm", codes, codes, grams).reshape(k * d, k * d)


def _sparse_basis_step(smooth, basis, lipschitz, basis_sparsity):
    """The L-step with ``basis_sparsity |L|_1``: monotone FISTA on vec(L)."""
    d, k = basis.shape
    start = basis.T.reshape(1, k * d)
    solution = proximal_gradient(smooth, start, lipschitz.reshape(1), basis_sparsity,
                                 max_iter=_BASIS_STEP_MAX_ITER)
    return solution.reshape(k, d).T


class _SquaredLoss:
    """Sum of squared errors on per-task centred data (intercepts solved in closed form)."""

    def __init__(self, blocks):
        self.x_mean, self.y_mean = blocks.centre()
        self.gram, self.cross = blocks.gram(), blocks.cross()
        self.y_norm = (blocks.y**2).sum(1)
        self.counts = blocks.counts

    def single_task_weights(self, penalty):
        return ridge_start(self.gram, self.cross, self.y_norm, self.counts, penalty), None

    def loss(self, weights, intercepts):
        quadratic = torch.einsum("td,tde,te->t", weights, self.gram, weights)
        return (self.y_norm - 2 * (weights * self.cross).sum(1) + quadratic).sum()

    def code_step(self, basis, codes, intercepts, sparsity):
        # For fixed L each task's code solves a k-dimensional lasso:
        # min_s s^T A_t s - 2 c_t^T s + mu |s|_1 with A_t = L^T G_t L, c_t = L^T b_t.
        A = basis.T @ (self.gram @ basis)
        c = self.cross @ basis

        def smooth(s):
            As = torch.einsum("tkl,tl->tk", A, s)
            return (s * As).sum(1) - 2 * (s * c).sum(1), 2 * (As - c)

        return proximal_gradient(smooth, codes, 2 * _top_eigenvalue(A), sparsity,
                                 max_iter=_CODE_STEP_MAX_ITER), None

    def basis_step(self, basis, codes, intercepts, basis_penalty, basis_sparsity=0.0):
        # Closed form: (lambda I + sum_t (s_t s_t^T) kron G_t) vec(L) = sum_t s_t kron b_t,
        # with vec stacking the columns of L (index j * d + i holds L[i, j]).
        d, k = basis.shape
        hessian = _kronecker_hessian(codes, self.gram)
        rhs = torch.einsum("tj,ti->ji", codes, self.cross).reshape(k * d)
        if basis_sparsity > 0:
            def smooth(v):
                hv = v @ hessian
                return ((v * hv).sum(1) - 2 * (v @ rhs) + basis_penalty * (v**2).sum(1),
                        2 * (hv - rhs) + 2 * basis_penalty * v)

            lipschitz = 2 * (torch.linalg.eigvalsh(hessian)[-1] + basis_penalty)
            return _sparse_basis_step(smooth, basis, lipschitz, basis_sparsity)
        if basis_penalty > 0:
            hessian = hessian + basis_penalty * torch.eye(k * d, dtype=DTYPE,
                                                          device=basis.device)
            solution = torch.linalg.solve(hessian, rhs)
        else:
            # Unused bases make the system singular without the penalty; the
            # pseudo-inverse picks the minimum-norm minimiser (lstsq is not
            # bitwise reproducible, which random_state promises).
            solution = torch.linalg.pinv(hessian, hermitian=True) @ rhs
        return solution.reshape(k, d).T

    def intercepts(self, weights, intercepts):
        return self.y_mean - (self.x_mean * weights).sum(1)


class _LogisticLoss:
    """Summed logistic loss, labels in {0, 1}, with an unpenalised per-task intercept."""

    def __init__(self, blocks, max_inner_iter=20):
        self.blocks = blocks
        self.max_inner_iter = max_inner_iter

    def _scores(self, weights, intercepts):
        return torch.einsum("tnd,td->tn", self.blocks.X, weights) + intercepts[:, None]

    def loss(self, weights, intercepts):
        return logistic_loss(self._scores(weights, intercepts), self.blocks.y,
                             self.blocks.mask).sum()

    def _lbfgs(self, parameters, objective):
        """Minimise a smooth convex objective; keep the start if it did not improve."""
        start = [p.detach().clone() for p in parameters]
        with torch.no_grad():
            before = objective()
        optimizer = torch.optim.LBFGS(parameters, lr=1.0, max_iter=self.max_inner_iter,
                                      tolerance_grad=1e-9, tolerance_change=1e-12,
                                      history_size=20, line_search_fn="strong_wolfe")

        def closure():
            optimizer.zero_grad()
            value = objective()
            value.backward()
            return value

        optimizer.step(closure)
        with torch.no_grad():
            if not objective() <= before:
                for p, s in zip(parameters, start):
                    p.copy_(s)
        return [p.detach() for p in parameters]

    def single_task_weights(self, penalty):
        # The penalty is on the mean loss, as in AMTL; the solver sums the loss.
        penalty = LOGISTIC_START_PENALTY if penalty == "auto" else float(penalty)
        return logistic_per_task(self.blocks.X, self.blocks.y, self.blocks.mask,
                                 penalty * self.blocks.counts)

    def code_step(self, basis, codes, intercepts, sparsity):
        # For fixed L: an l1-regularised logistic regression per task on the
        # projected features z = L^T x, plus an unpenalised intercept coordinate.
        projected = torch.einsum("tnd,dk->tnk", self.blocks.X, basis)
        projected = torch.cat([projected, self.blocks.mask[..., None]], dim=2)
        y, mask = self.blocks.y, self.blocks.mask
        penalty = torch.full_like(codes[:1], sparsity)
        penalty = torch.cat([penalty, torch.zeros(1, 1, dtype=DTYPE, device=codes.device)], 1)

        def smooth(s):
            scores = torch.einsum("tnk,tk->tn", projected, s)
            residual = (torch.sigmoid(scores) - y) * mask
            return (logistic_loss(scores, y, mask),
                    torch.einsum("tnk,tn->tk", projected, residual))

        lipschitz = 0.25 * _top_eigenvalue(projected.transpose(1, 2) @ projected)
        start = torch.cat([codes, intercepts[:, None]], dim=1)
        solution = proximal_gradient(smooth, start, lipschitz, penalty,
                                     max_iter=_CODE_STEP_MAX_ITER)
        return solution[:, :-1], solution[:, -1]

    def basis_step(self, basis, codes, intercepts, basis_penalty, basis_sparsity=0.0):
        d, k = basis.shape
        if basis_sparsity > 0:
            X, y, mask = self.blocks.X, self.blocks.y, self.blocks.mask

            def smooth(v):
                L = v.reshape(k, d).T
                scores = self._scores(codes @ L.T, intercepts)
                residual = (torch.sigmoid(scores) - y) * mask
                gradient = (torch.einsum("tnd,tn,tk->dk", X, residual, codes)
                            + 2 * basis_penalty * L)
                value = (logistic_loss(scores, y, mask).sum()
                         + basis_penalty * (L**2).sum())
                return value.reshape(1), gradient.T.reshape(1, k * d)

            # The logistic curvature is at most 1/4: bound by the squared loss's
            # Kronecker Hessian, or, when that is too large to form, by the sum
            # of its blocks' top eigenvalues.
            grams = X.transpose(1, 2) @ X
            if d * k > _NEWTON_MAX_SIZE:
                top = ((codes**2).sum(1) * _top_eigenvalue(grams)).sum()
            else:
                top = torch.linalg.eigvalsh(_kronecker_hessian(codes, grams))[-1]
            lipschitz = 0.25 * top + 2 * basis_penalty
            return _sparse_basis_step(smooth, basis, lipschitz, basis_sparsity)
        if d * k > _NEWTON_MAX_SIZE:
            # L-BFGS flattens gradients with view(), so optimise the contiguous L^T.
            basis_t = basis.T.contiguous().requires_grad_(True)
            (basis_t,) = self._lbfgs(
                [basis_t],
                lambda: self.loss(codes @ basis_t, intercepts)
                + basis_penalty * (basis_t**2).sum(),
            )
            return basis_t.T
        return self._newton_basis_step(basis, codes, intercepts, basis_penalty)

    def _newton_basis_step(self, basis, codes, intercepts, basis_penalty, max_iter=10):
        """Damped Newton on vec(L): a (dk x dk) solve per step, Armijo backtracking."""
        X, y, mask = self.blocks.X, self.blocks.y, self.blocks.mask
        d, k = basis.shape
        eye = torch.eye(d * k, dtype=DTYPE, device=basis.device)

        def objective(L):
            return self.loss(codes @ L.T, intercepts) + basis_penalty * (L**2).sum()

        value = objective(basis)
        for _ in range(max_iter):
            p = torch.sigmoid(self._scores(codes @ basis.T, intercepts))
            residual, curvature = (p - y) * mask, p * (1 - p) * mask
            gradient = torch.einsum("tnd,tn,tk->dk", X, residual, codes) + 2 * basis_penalty * basis
            weighted_gram = torch.einsum("tnd,tn,tne->tde", X, curvature, X)
            hessian = _kronecker_hessian(codes, weighted_gram) + 2 * basis_penalty * eye
            gradient_vec = gradient.T.reshape(k * d)
            direction = -torch.linalg.solve(hessian + 1e-12 * eye, gradient_vec)
            decrease = float(gradient_vec @ direction)
            if -decrease < 1e-12 * max(abs(float(value)), 1.0):
                break
            step = 1.0
            while step > 1e-8:
                candidate = basis + step * direction.reshape(k, d).T
                candidate_value = objective(candidate)
                if candidate_value <= value + 1e-4 * step * decrease:
                    basis, value = candidate, candidate_value
                    break
                step /= 2
            else:
                break
        return basis

    def intercepts(self, weights, intercepts):
        return intercepts


class _BaseGoMTL(LinearMultiTaskBase):
    """The GoMTL objective and its alternating optimisation, for any loss."""

    _parameter_constraints = {
        "n_latent": [Interval(Integral, 1, None, closed="left"), None],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "basis_penalty": [Interval(Real, 0, None, closed="left")],
        "basis_sparsity": [Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"stl", "random"})],
        "init_penalty": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "task_column": [Integral, str, None],
    }

    def __init__(
        self,
        n_latent=None,
        *,
        sparsity=1.0,
        basis_penalty=1.0,
        basis_sparsity=0.0,
        init="stl",
        init_penalty="auto",
        max_iter=1000,
        tol=1e-5,
        random_state=None,
        device="cpu",
        task_column=-1,
    ):
        self.n_latent = n_latent
        self.sparsity = sparsity
        self.basis_penalty = basis_penalty
        self.basis_sparsity = basis_sparsity
        self.init = init
        self.init_penalty = init_penalty
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.device = device
        self.task_column = task_column

    def _resolve_n_latent(self, n_tasks, n_features):
        if self.n_latent is None:
            return min(5, n_tasks, n_features)
        return self.n_latent

    def _initial_basis(self, loss, n_latent, n_features, rng, device):
        if self.init == "random":
            basis = rng.standard_normal((n_features, n_latent)) / np.sqrt(n_features)
            return torch.as_tensor(basis, dtype=DTYPE, device=device)
        # The paper's start: single-task models, stacked, and their top-k left
        # singular vectors scaled by the singular values (L = U_k Sigma_k).
        weights, _ = loss.single_task_weights(self.init_penalty)
        U, sigma, _ = torch.linalg.svd(weights.T, full_matrices=False)
        basis = U[:, :n_latent] * sigma[:n_latent]
        n_pad = n_latent - basis.shape[1]
        if n_pad > 0:
            # k > min(d, T): W0 has fewer singular vectors than bases, so the
            # remaining columns start small and random (spec: "pad L with small
            # random columns"), 1% of the largest singular value (the smallest
            # may be near zero when W0 is rank-deficient).
            scale = 0.01 * float(sigma[0]) if float(sigma[0]) > 0 else 0.01
            padding = rng.standard_normal((n_features, n_pad)) * scale / np.sqrt(n_features)
            basis = torch.cat([basis, torch.as_tensor(padding, dtype=DTYPE,
                                                      device=basis.device)], dim=1)
        return basis

    def _fit(self, features, task_index, y):
        n_tasks, n_features = len(self.tasks_), features.shape[1]
        n_latent = self._resolve_n_latent(n_tasks, n_features)
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        loss = self._loss_class(TaskBlocks(features, task_index, y, n_tasks, device))

        state = {
            "basis": self._initial_basis(loss, n_latent, n_features, rng, device),
            "codes": torch.zeros(n_tasks, n_latent, dtype=DTYPE, device=device),
            "intercepts": torch.zeros(n_tasks, dtype=DTYPE, device=device),
        }

        def objective():
            weights = state["codes"] @ state["basis"].T
            return float(
                loss.loss(weights, state["intercepts"])
                + self.sparsity * state["codes"].abs().sum()
                + self.basis_penalty * (state["basis"] ** 2).sum()
                + self.basis_sparsity * state["basis"].abs().sum()
            )

        def code_step():
            codes, intercepts = loss.code_step(
                state["basis"], state["codes"], state["intercepts"], self.sparsity
            )
            state["codes"] = codes
            if intercepts is not None:
                state["intercepts"] = intercepts

        def basis_step():
            state["basis"] = loss.basis_step(
                state["basis"], state["codes"], state["intercepts"], self.basis_penalty,
                self.basis_sparsity,
            )

        def rescale_step():
            # W = L S is unchanged by L[:, j] * c_j, S[j] / c_j; the c_j that minimise
            # a c^2 + b c + m / c, with a = lambda |L_j|^2, b = lambda_1 |L_j|_1 and
            # m = mu |S_j|_1, solve 2 a c^3 + b c^2 = m (c^3 = m / 2a when b = 0).
            # An exact minimisation over this block, so the objective cannot rise;
            # it removes the slow drift of scale between the two factors.
            if self.sparsity == 0 or (self.basis_penalty == 0
                                      and self.basis_sparsity == 0):
                return
            a = self.basis_penalty * (state["basis"] ** 2).sum(0)
            b = self.basis_sparsity * state["basis"].abs().sum(0)
            m = self.sparsity * state["codes"].abs().sum(0)
            used = (a + b > 0) & (m > 0)
            a, b, m = a[used], b[used], m[used]
            # Newton from the right of the root: the cubic is convex and
            # increasing on c > 0, so the iterates fall monotonically onto it.
            tiny = torch.finfo(DTYPE).tiny
            c = torch.maximum(
                torch.where(a > 0, (m / (2 * a).clamp(min=tiny)) ** (1 / 3), 0.0),
                torch.where(b > 0, (m / b.clamp(min=tiny)) ** 0.5, 0.0))
            for _ in range(50 if self.basis_sparsity else 0):
                c = c - (2 * a * c**3 + b * c**2 - m) / (6 * a * c**2 + 2 * b * c)
            scale = torch.ones_like(state["basis"][0])
            scale[used] = c
            state["basis"] = state["basis"] * scale
            state["codes"] = state["codes"] / scale

        # The codes start at zero, so the first S-step runs before the path begins.
        code_step()
        self.objective_path_, self.n_iter_ = alternate(
            [basis_step, code_step, rescale_step], objective,
            max_iter=self.max_iter, tol=self.tol,
        )
        weights = state["codes"] @ state["basis"].T
        self.components_ = state["basis"].cpu().numpy()
        self.codes_ = state["codes"].T.cpu().numpy()
        self.coef_ = weights.cpu().numpy()
        self.intercept_ = loss.intercepts(weights, state["intercepts"]).cpu().numpy()
        self._set_diagnostics()
        return self

    def _set_diagnostics(self):
        self.task_support_ = self.codes_ != 0
        self.basis_support_ = self.components_ != 0
        self.sharing_strength_ = sharing_strength(self.codes_)
        self.sharing_strength_cosine_ = sharing_strength_cosine(self.codes_)

    @property
    def task_similarity_(self):
        # Computed on access: a T x T matrix is large for thousands of tasks.
        check_is_fitted(self, "codes_")
        return task_similarity(self.codes_)

    @property
    def task_overlap_(self):
        # Jaccard index of the code supports: |S_s & S_t| / |S_s | S_t|; two tasks
        # that use no basis at all share nothing (0, not 0/0).
        check_is_fitted(self, "codes_")
        support = self.task_support_.astype(np.float64)
        shared = support.T @ support
        sizes = support.sum(0)
        union = sizes[:, None] + sizes[None, :] - shared
        return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)

    def task_groups(self, threshold=0.5):
        """Group tasks whose code supports are similar.

        Two tasks are linked when the cosine similarity of their absolute codes
        (``task_similarity_``) is at least ``threshold``; groups are the connected
        components of that graph.

        Parameters
        ----------
        threshold : float, default=0.5
            Similarity at or above which two tasks are linked.

        Returns
        -------
        groups : ndarray of int of shape (n_tasks,)
            Group label of each task, in the order of ``tasks_``.
        """
        check_is_fitted(self)
        _, labels = connected_components(self.task_similarity_ >= threshold,
                                         directed=False)
        return labels


_COMMON_DOC = """
    Parameters
    ----------
    n_latent : int, default=None
        Number of latent basis tasks, the columns of ``L`` (paper: :math:`k`).
        None uses ``min(5, n_tasks, n_features)``. Larger values are allowed
        (the paper sets k freely): the single-task start then has fewer than
        ``n_latent`` singular vectors, and the remaining columns of ``L`` start
        small and random (seeded by ``random_state``).
    sparsity : float, default=1.0
        Weight of the l1 penalty on the task codes ``S`` (paper: :math:`\\mu`).
    basis_penalty : float, default=1.0
        Weight of the squared Frobenius penalty on the basis ``L``
        (paper: :math:`\\lambda`).
    basis_sparsity : float, default=0.0
        Weight of an l1 penalty on the basis ``L``, the option the AMTFL paper
        adds to every model of its synthetic experiment (:math:`\\lambda_1`;
        the same name and meaning as in :class:`~sklearn_mtl.AMTFLRegressor`).
        It zeroes whole features out of the bases; with it the L-step is
        solved by monotone FISTA instead of the closed form or Newton.
    init : {"stl", "random"}, default="stl"
        ``"stl"`` is the paper's start: per-task models stacked into ``W0``
        and ``L = U_k Sigma_k`` from its SVD. ``"random"`` draws ``L`` from
        ``random_state``.
    init_penalty : "auto" or float, default="auto"
        Ridge penalty, on the *mean* loss (as in AMTL), of the single-task
        models that ``init="stl"`` starts from: task t's start solves
        ``min_w L_t(w)/N_t + init_penalty |w|^2``. ``"auto"``: for the squared
        loss each task's own penalty chosen by generalised cross-validation
        (scikit-learn's ``RidgeCV`` rule, the helper AMTL uses); for the
        logistic loss 1e-3.
    max_iter : int, default=1000
        Maximum number of outer alternations (L-step then S-step).
    tol : float, default=1e-5
        Stop when the objective decreases by less than ``tol`` relative to its
        value over one outer iteration.
    random_state : int, RandomState instance or None, default=None
        Seeds the random initialisation.
    device : str or torch.device, default="cpu"
        Where the solver's tensors live, e.g. ``"cuda"``.
    task_column : int, str or None, default=-1
        Position of the task column in ``X`` (or its DataFrame name). None: ``X``
        holds only features and the tasks come from ``tasks=`` at fit/predict,
        or all rows are one task.

    Attributes
    ----------
    components_ : ndarray of shape (n_features, n_latent)
        The shared basis ``L``.
    codes_ : ndarray of shape (n_latent, n_tasks)
        The sparse task codes ``S``; column ``t`` combines the bases for task t.
    coef_ : ndarray of shape (n_tasks, n_features)
        Task weights ``W^T = (L S)^T``, one row per task in the order of ``tasks_``.
    intercept_ : ndarray of shape (n_tasks,)
        Per-task intercepts (unpenalised).
    tasks_ : ndarray of shape (n_tasks,)
        The task labels seen at fit.
    n_iter_ : int
        Number of outer iterations run.
    objective_path_ : list of float
        Objective after the first S-step and after every outer iteration; it never
        increases.
    task_support_ : ndarray of bool of shape (n_latent, n_tasks)
        Which bases each task uses (``codes_ != 0``).
    task_overlap_ : ndarray of shape (n_tasks, n_tasks)
        Jaccard overlap of the tasks' code supports, ``|S_s & S_t| / |S_s | S_t|``
        with ``S_t`` the bases task t uses: 1 for two tasks that use the same
        bases, 0 for disjoint groups (and for two tasks that use none), in
        between for the paper's partial overlap. Computed on access.
    basis_support_ : ndarray of bool of shape (n_features, n_latent)
        Which features each basis uses (``components_ != 0``); all True unless
        ``basis_sparsity`` is positive.
    task_similarity_ : ndarray of shape (n_tasks, n_tasks)
        Cosine similarity of the absolute code columns: tasks sharing bases are
        similar (the paper's grouping and overlap).
    sharing_strength_ : float
        DMTRL's sharing strength computed on ``codes_`` (absolute value, column
        softmax, mean pairwise cosine), for comparison with DMTRL's layers.
    sharing_strength_cosine_ : float
        Its scale-free version without the softmax: 0 when no two tasks use a
        common basis, 1 when all tasks use the same combination.
    n_features_in_ : int
        Number of columns of ``X`` at fit (the task column included).
    feature_names_in_ : ndarray of str
        Column names of ``X`` at fit, for DataFrames.

    Notes
    -----
    GoMTL writes the ``d x T`` matrix of task weights as ``W = L S`` and solves

    .. math::

        \\min_{L, S} \\sum_t \\Big[ \\sum_{i=1}^{N_t} \\ell(y_{ti}, s_t^T L^T x_{ti})
        + \\mu \\lVert s_t \\rVert_1 \\Big] + \\lambda \\lVert L \\rVert_F^2

    (plus :math:`\\lambda_1 \\lVert L \\rVert_1` with ``basis_sparsity``) by
    alternating minimisation from single-task initial weights. Symbols:
    :math:`k` = ``n_latent``, :math:`\\mu` = ``sparsity``, :math:`\\lambda` =
    ``basis_penalty``, :math:`\\lambda_1` = ``basis_sparsity``. Each outer
    iteration runs three block steps:

    - L-step (``S`` fixed): for the squared loss the closed form, one
      ``(dk) x (dk)`` solve (exact); for the logistic loss a damped Newton
      method on vec(L) (at most 10 steps, Armijo backtracking) while
      ``d k <= 2048``, and L-BFGS (at most 20 iterations, the start kept if it
      does not improve) above. With ``basis_sparsity > 0`` both losses use
      monotone FISTA instead (at most 200 iterations, warm-started).
    - S-step (``L`` fixed): each task's code is an l1-regularised problem in the
      ``k`` projected features, solved by monotone FISTA batched over tasks,
      warm-started and capped at 100 iterations (an inexact step: more inner
      iterations reached the same objective in as many alternations).
    - A rescaling of each basis column against its code row (``W = L S`` is
      unchanged), the exact minimiser of the penalties over that scale.

    None of these steps is an exact block minimisation except the squared-loss
    L-step and the rescaling, but every one starts from the current point and
    never accepts a higher objective, so ``objective_path_`` does not increase.
    The loss is summed, not averaged, over samples as in the paper, so useful
    values of ``sparsity``, ``basis_penalty`` and ``basis_sparsity`` grow with
    the number of rows per task; the squared loss carries no factor 1/2. Per-task
    intercepts are unpenalised. Sparse input is accepted; the solver densifies
    it task by task.

    References
    ----------
    .. [1] A. Kumar and H. Daume III, "Learning Task Grouping and Overlap in
       Multi-task Learning", ICML 2012.
"""


class GoMTLRegressor(LinearMultiTaskRegressor, _BaseGoMTL):
    __doc__ = (
        """Multi-task linear regression with task weights from a shared sparse basis.

    Each task's weight vector is a sparse combination of a few latent basis tasks
    shared by all tasks (``W = L S``); tasks that use the same bases share
    information, and partial overlaps let groups share some of it.
"""
        + _COMMON_DOC
        + """
    See Also
    --------
    GoMTLClassifier : The same model with the logistic loss.

    Examples
    --------
    >>> from sklearn_mtl import GoMTLRegressor
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y = make_low_rank_tasks(n_tasks=8, n_samples=30, random_state=0)
    >>> est = GoMTLRegressor(n_latent=3, random_state=0).fit(X, y)
    >>> est.components_.shape, est.coef_.shape
    ((20, 3), (8, 20))
    >>> bool(est.score(X, y) > 0.9)
    True
    """
    )

    _loss_class = _SquaredLoss


class GoMTLClassifier(LinearMultiTaskClassifier, _BaseGoMTL):
    __doc__ = (
        """Multi-task logistic regression with task weights from a shared sparse basis.

    Every task is a binary problem with its own pair of labels (``classes_[t]``);
    the weights of the tasks' logistic models are sparse combinations of shared
    latent bases (``W = L S``). GoMTL has one output per task, so a task with more
    than two classes is rejected: use one-vs-rest tasks (one task per class) or
    :class:`~sklearn_mtl.DMTRLClassifier`, which has per-task multi-class heads.
"""
        + _COMMON_DOC.replace(
            "    tasks_ : ndarray",
            "    classes_ : list of ndarray of shape (2,)\n"
            "        The two labels of each task; the second is the positive class.\n"
            "    tasks_ : ndarray",
        )
        + """
    See Also
    --------
    GoMTLRegressor : The same model with the squared loss.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_mtl import GoMTLClassifier
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y = make_low_rank_tasks(n_tasks=6, n_samples=40, noise=2.0, random_state=0)
    >>> clf = GoMTLClassifier(n_latent=3, random_state=0).fit(X, y > 0)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """
    )

    _loss_class = _LogisticLoss
