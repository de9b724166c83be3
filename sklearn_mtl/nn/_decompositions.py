"""Decompositions of a task-stacked weight tensor (DMTRL's initialisation).

A layer's per-task weights ``W^(1), ..., W^(T)`` (each of shape
``D_1 x ... x D_{N-1}``) are stacked along a new **last** axis into a tensor of
shape ``(D_1, ..., D_{N-1}, T)``. This module chooses ranks for that stack (by
the paper's relative-error rule or explicitly), decomposes it with tensorly into
the factors of one of DMTRL's three sharing structures, and composes the factors
back into the stack.

Factor layouts (the paper's, Yang & Hospedales 2017, eqs. 2-8):

``"laf"`` (alias ``"svd"``)
    ``(L, S)``: ``L`` of shape ``(D_1, ..., D_{N-1}, K)`` (shared; the paper's
    ``prod(D) x K`` matrix is ``L.reshape(-1, K)``), ``S`` of shape ``(K, T)``
    (task-specific).
``"tucker"``
    ``(core, U_1, ..., U_N)``: ``core`` of shape ``(K_1, ..., K_N)`` and
    ``U_n`` of shape ``(D_n, K_n)``; ``U_N`` (``T x K_N``) is task-specific.
``"tt"``
    ``(U_1, U_2, ..., U_N)``: ``U_1`` of shape ``(D_1, K_1)``, middle cores of
    shape ``(K_{n-1}, D_n, K_n)`` and ``U_N`` of shape ``(K_{N-1}, T)``, which
    is task-specific.

:func:`compose` works on numpy arrays and on torch tensors alike, so the torch
layers in :mod:`sklearn_mtl.nn` compose their weights with the same code that
measures the reconstruction error here.
"""

import numbers
from typing import NamedTuple

import numpy as np
import tensorly as tl
import torch
from tensorly.decomposition import tensor_train, tucker

FACTORISATIONS = ("laf", "tucker", "tt")
_ALIASES = {"svd": "laf"}
_DISPLAY_NAMES = {"laf": "LAF", "tucker": "Tucker", "tt": "TT"}
RANK_RULES = ("frobenius", "spectral")


class Decomposition(NamedTuple):
    """Factors of a task-stacked weight tensor, as returned by :func:`decompose`.

    Attributes
    ----------
    factorisation : {"laf", "tucker", "tt"}
        The sharing structure (canonical name; ``"svd"`` is reported as
        ``"laf"``).
    factors : tuple of ndarray
        The factors, in the layout described in the module docstring.
    ranks : tuple of int
        ``(K,)`` for LAF, ``(K_1, ..., K_N)`` for Tucker, ``(K_1, ..., K_{N-1})``
        for TT.
    relative_error : float
        ``||W - compose(factors)||_F / ||W||_F`` (0 for an all-zero ``W``).
    """

    factorisation: str
    factors: tuple
    ranks: tuple
    relative_error: float


def check_factorisation(factorisation):
    """Return the canonical name of a factorisation, or raise a ``ValueError``.

    Parameters
    ----------
    factorisation : str
        ``"laf"``, ``"tucker"`` or ``"tt"`` (any case); ``"svd"`` is an alias of
        ``"laf"`` (the name used by the paper's first version).

    Returns
    -------
    name : {"laf", "tucker", "tt"}

    Examples
    --------
    >>> check_factorisation("SVD")
    'laf'
    """
    name = factorisation.lower() if isinstance(factorisation, str) else factorisation
    name = _ALIASES.get(name, name)
    if name not in FACTORISATIONS:
        raise ValueError(
            f"factorisation={factorisation!r} is not one of 'laf', 'tucker', 'tt'"
        )
    return name


def _check_rank_rule(rank_rule):
    if rank_rule not in RANK_RULES:
        raise ValueError(f"rank_rule={rank_rule!r} is not one of 'frobenius', 'spectral'")
    return rank_rule


def _check_eps(eps):
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < 1:
        raise ValueError(
            f"eps={eps!r} is not a valid relative error: it must be a float in (0, 1)"
        )


def _rank_from_singular_values(singular_values, eps, rank_rule="frobenius"):
    """Smallest rank whose truncation has relative error at most ``eps``."""
    s = np.asarray(singular_values, dtype=np.float64)
    if s.size == 0 or s[0] <= 0:
        # An all-zero matrix is reproduced exactly by any rank; keep the smallest.
        return 1
    if rank_rule == "spectral":
        # ||A - A_K||_2 / ||A||_2 = s[K] / s[0]  (the [code]'s notion of precision).
        tail = s / s[0]
    else:
        # ||A - A_K||_F / ||A||_F = sqrt(sum_{k >= K} s_k^2) / ||A||_F, for K = 0..r.
        energy = s**2
        tail_energy = np.cumsum(energy[::-1])[::-1]
        tail = np.sqrt(tail_energy / tail_energy[0])
    # tail[K] is the relative error of keeping the first K singular values.
    # A tiny tolerance keeps the rule stable when eps equals an attainable error.
    below = np.flatnonzero(tail <= eps * (1 + 1e-12))
    rank = int(below[0]) if below.size else s.size
    return max(rank, 1)


def select_rank(matrix, eps, rank_rule="frobenius"):
    """Smallest rank whose truncated SVD has relative error at most ``eps``.

    This is the paper's rule for choosing every rank of DMTRL's initial
    decomposition ("set a threshold for relative error so SVD will pick the
    appropriate rank", with ``eps = 0.1`` throughout).

    Parameters
    ----------
    matrix : array-like of shape (n_rows, n_columns)
        The matrix to truncate (an unfolding of a weight stack).
    eps : float in (0, 1)
        Maximum relative reconstruction error.
    rank_rule : {"frobenius", "spectral"}, default="frobenius"
        ``"frobenius"``: smallest ``K`` with ``||A - A_K||_F <= eps ||A||_F``.
        ``"spectral"``: smallest ``K`` with ``sigma_{K+1} <= eps sigma_1``,
        closer to the authors' code (an interpolative SVD with a spectral-norm
        precision), which keeps more components.

    Returns
    -------
    rank : int
        At least 1, at most ``min(matrix.shape)``.

    Examples
    --------
    A long tail of small singular values counts for Frobenius, not spectral:

    >>> import numpy as np
    >>> matrix = np.diag([1.0] + [0.05] * 10)
    >>> select_rank(matrix, 0.1), select_rank(matrix, 0.1, rank_rule="spectral")
    (7, 1)
    """
    _check_eps(eps)
    _check_rank_rule(rank_rule)
    matrix = _as_float64_array(matrix)
    if matrix.ndim != 2:
        raise ValueError(f"select_rank expects a 2-D matrix, got shape {matrix.shape}")
    return _rank_from_singular_values(
        np.linalg.svd(matrix, compute_uv=False), eps, rank_rule
    )


def _as_float64_array(array):
    # Accept torch tensors without importing torch: they expose .detach().
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.asarray(array, dtype=np.float64)


def _parse_rank(rank):
    """Split ``rank`` into ``(eps, explicit)``: exactly one of them is not None."""
    if isinstance(rank, bool):
        raise ValueError(f"rank={rank!r} is not valid: {_RANK_FORMS}")
    if isinstance(rank, numbers.Integral):
        if rank < 1:
            raise ValueError(f"rank={rank!r} is not valid: an int rank must be >= 1")
        return None, int(rank)
    if isinstance(rank, numbers.Real):
        if not 0 < rank < 1:
            raise ValueError(
                f"rank={rank!r} is not valid: a float rank is a relative error and "
                "must lie in (0, 1); pass an int for an explicit rank"
            )
        return float(rank), None
    if isinstance(rank, (tuple, list)) and rank and all(
        isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in rank
    ):
        if min(rank) < 1:
            raise ValueError(f"rank={rank!r} is not valid: every rank must be >= 1")
        return None, tuple(int(k) for k in rank)
    raise ValueError(f"rank={rank!r} is not valid: {_RANK_FORMS}")


_RANK_FORMS = (
    "pass a float in (0, 1) (relative error), an int >= 1 (explicit rank) "
    "or a tuple of ints (one rank per mode)"
)


def _max_ranks(factorisation, shape, ranks=None):
    """Largest rank each position may take for a stack of this shape.

    For TT the bound of ``K_n`` depends on the chosen ``K_{n-1}`` (the sweep
    reshapes to ``(K_{n-1} D_n) x rest``), so ``ranks`` gives the ranks chosen
    so far.
    """
    size = int(np.prod(shape))
    if factorisation == "laf":
        return (min(size // shape[-1], shape[-1]),)
    if factorisation == "tucker":
        return tuple(min(d, size // d) for d in shape)
    bounds, previous = [], 1
    for n in range(len(shape) - 1):
        right = int(np.prod(shape[n + 1 :]))
        bound = min(previous * shape[n], right)
        bounds.append(bound)
        previous = bound if ranks is None else min(ranks[n], bound)
    return tuple(bounds)


def _n_ranks(factorisation, ndim):
    return {"laf": 1, "tucker": ndim, "tt": ndim - 1}[factorisation]


def _explicit_ranks(factorisation, shape, explicit, rank):
    name = _DISPLAY_NAMES[factorisation]
    n_ranks = _n_ranks(factorisation, len(shape))
    if isinstance(explicit, int):
        # One int is "this rank wherever it fits": cap it at each position's bound.
        bounds = _max_ranks(factorisation, shape, [explicit] * n_ranks)
        return tuple(min(explicit, bound) for bound in bounds)
    if len(explicit) != n_ranks:
        what = {
            "laf": "1 rank",
            "tucker": f"{n_ranks} ranks (one per mode, the task mode included)",
            "tt": f"{n_ranks} ranks (one per link between consecutive cores)",
        }[factorisation]
        raise ValueError(
            f"rank={rank!r} has {len(explicit)} entries but {name} on a "
            f"{len(shape)}-way weight stack takes {what}"
        )
    bounds = _max_ranks(factorisation, shape, explicit)
    for position, (k, bound) in enumerate(zip(explicit, bounds), start=1):
        if k > bound:
            label = f"{name} rank" if factorisation == "laf" else f"{name} rank {position}"
            raise ValueError(
                f"rank={rank!r} is larger than allowed: {label} can be at most "
                f"{bound} for this layer"
            )
    return tuple(explicit)


def _tt_sweep_ranks(weights, eps, rank_rule):
    """TT ranks as TT-SVD's left-to-right sweep meets them (Oseledets 2011).

    Step ``n`` truncates the matrix the sweep carries, the remainder of the previous
    truncation reshaped to ``K_{n-1} D_n`` rows, at relative error ``eps``: the
    per-step rule of the authors' ``tt_dcmp``. tensorly's ``tensor_train`` then
    runs the same sweep with these ranks.
    """
    ranks, carried = [], weights.reshape(weights.shape[0], -1)
    for n in range(weights.ndim - 1):
        _, singular_values, right = np.linalg.svd(carried, full_matrices=False)
        rank = _rank_from_singular_values(singular_values, eps, rank_rule)
        ranks.append(rank)
        carried = (singular_values[:rank, None] * right[:rank]).reshape(
            rank * weights.shape[n + 1], -1)
    return tuple(ranks)


def _eps_ranks(weights, factorisation, eps, rank_rule):
    if factorisation == "tt":
        return _tt_sweep_ranks(weights, eps, rank_rule)
    if factorisation == "laf":
        unfoldings = [weights.reshape(-1, weights.shape[-1])]
    else:
        unfoldings = [tl.unfold(weights, mode) for mode in range(weights.ndim)]
    return tuple(
        _rank_from_singular_values(np.linalg.svd(matrix, compute_uv=False), eps, rank_rule)
        for matrix in unfoldings
    )


def decompose(weights, factorisation="laf", rank=0.1, rank_rule="frobenius"):
    """Decompose a task-stacked weight tensor into DMTRL's factors.

    Parameters
    ----------
    weights : array-like of shape (D_1, ..., D_{N-1}, T)
        Per-task weights stacked along the **last** axis: ``weights[..., t]`` is
        task ``t``'s weight (``in x out`` for a dense layer, ``H x W x C x M``
        for a convolution). Torch tensors are accepted.
    factorisation : {"laf", "svd", "tucker", "tt"}, default="laf"
        The sharing structure. ``"svd"`` is an alias of ``"laf"``.
    rank : float, int or tuple of int, default=0.1
        - float in (0, 1): the maximum relative reconstruction error ``eps`` of
          every SVD (the paper uses 0.1). LAF truncates the ``prod(D) x T``
          matrix; Tucker truncates every mode-n unfolding, the task mode
          included (HOSVD); TT truncates, at each step of its left-to-right
          sweep, the matrix the sweep carries (``K_{n-1} D_n`` rows) at the
          same ``eps``, as the authors' code does.
        - int >= 1: the same explicit rank everywhere, capped at what each
          position allows.
        - tuple of int: one rank per position (LAF: 1, Tucker: N, TT: N-1). A
          rank above what a position allows raises a ``ValueError``.
    rank_rule : {"frobenius", "spectral"}, default="frobenius"
        How ``eps`` is read; see :func:`select_rank`.

    Returns
    -------
    decomposition : Decomposition
        Named tuple ``(factorisation, factors, ranks, relative_error)``.

    Notes
    -----
    Tucker uses HOSVD (De Lathauwer et al. 2000) as the paper does: tensorly's
    ``tucker`` with SVD initialisation and no HOOI iteration. TT uses tensorly's
    TT-SVD sweep (Oseledets 2011) with the chosen ranks. Because every
    unfolding (Tucker) or sweep step (TT) is truncated at ``eps`` separately (as
    the authors' code does),
    the overall relative error of Tucker and TT can exceed ``eps``; it is at
    most ``sqrt(N) eps`` (Tucker) and ``sqrt(N - 1) eps`` (TT) with the
    Frobenius rule.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> stack = np.einsum("ik,kt->it", rng.normal(size=(20, 3)),
    ...                   rng.normal(size=(3, 12))).reshape(4, 5, 12)
    >>> result = decompose(stack, "laf", rank=0.1)
    >>> result.ranks, bool(result.relative_error < 1e-10)
    ((3,), True)
    """
    factorisation = check_factorisation(factorisation)
    _check_rank_rule(rank_rule)
    eps, explicit = _parse_rank(rank)
    weights = _as_float64_array(weights)
    if weights.ndim < 2 or 0 in weights.shape:
        raise ValueError(
            "weights must be a non-empty stack of per-task weights with the task "
            f"axis last (at least 2-D), got shape {weights.shape}"
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("weights contain NaN or infinite values")

    if eps is not None:
        ranks = _eps_ranks(weights, factorisation, eps, rank_rule)
    else:
        ranks = _explicit_ranks(factorisation, weights.shape, explicit, rank)

    # tensorly's global backend may have been switched by user code; these
    # factors are numpy arrays.
    with tl.backend_context("numpy"):
        if factorisation == "laf":
            matrix = weights.reshape(-1, weights.shape[-1])
            u, s, vt = tl.svd_interface(matrix, n_eigenvecs=ranks[0])
            # The [code]'s split: L = U_K (orthonormal), S = Sigma_K V_K^T.
            factors = (u.reshape(*weights.shape[:-1], ranks[0]), s[:, None] * vt)
        elif factorisation == "tucker":
            core, tucker_factors = tucker(weights, rank=list(ranks), n_iter_max=0, init="svd")
            factors = (core, *tucker_factors)
        else:
            cores = tensor_train(weights, rank=[1, *ranks, 1])
            # tensorly keeps dummy outer ranks of 1; the paper's end factors are matrices.
            factors = (cores[0][0], *cores[1:-1], cores[-1][..., 0])
            ranks = tuple(core.shape[-1] for core in cores[:-1])

    factors = tuple(np.ascontiguousarray(f) for f in factors)
    norm = np.linalg.norm(weights)
    error = np.linalg.norm(weights - compose(factorisation, factors))
    relative_error = float(error / norm) if norm > 0 else 0.0
    return Decomposition(factorisation, factors, tuple(int(k) for k in ranks), relative_error)


def _tensordot(a, b, axes):
    if isinstance(a, np.ndarray):
        return np.tensordot(a, b, axes)
    return torch.tensordot(a, b, dims=axes)


def _permute(a, order):
    return np.transpose(a, order) if isinstance(a, np.ndarray) else a.permute(*order)


def compose(factorisation, factors, task_first=False):
    """Compose the task-stacked weight tensor from its factors.

    Parameters
    ----------
    factorisation : {"laf", "svd", "tucker", "tt"}
    factors : sequence of ndarray or torch.Tensor
        The factors in the layout of :class:`Decomposition` (all numpy or all
        torch; torch factors keep their autograd graph).
    task_first : bool, default=False
        Return the stack with the task axis first, ``(T, D_1, ..., D_{N-1})``,
        instead of last. The layers use it to get one contiguous weight per
        task without copying the stack.

    Returns
    -------
    weights : ndarray or torch.Tensor of shape (D_1, ..., D_{N-1}, T)
        Or ``(T, D_1, ..., D_{N-1})`` when ``task_first``.
    """
    factorisation = check_factorisation(factorisation)
    if factorisation == "laf":
        shared, task_specific = factors
        if task_first:
            return _tensordot(task_specific, shared, ([0], [shared.ndim - 1]))
        return _tensordot(shared, task_specific, ([shared.ndim - 1], [0]))

    if factorisation == "tucker":
        core, *mode_factors = factors
        n_modes = len(mode_factors)
        modes = list(range(n_modes))
        if task_first:
            modes = [n_modes - 1] + modes[:-1]
        # Contracting the leading core axis each time appends the new mode
        # last, so after all N contractions the axes follow `modes`.
        weights = _permute(core, modes)
        for mode in modes:
            weights = _tensordot(weights, mode_factors[mode], ([0], [1]))
        return weights

    first, *middle, last = factors
    weights = first
    for core in middle:
        weights = _tensordot(weights, core, ([weights.ndim - 1], [0]))
    if task_first:
        return _tensordot(last, weights, ([0], [weights.ndim - 1]))
    return _tensordot(weights, last, ([weights.ndim - 1], [0]))


def task_factor(factorisation, factors):
    """The ``K x T`` task-specific ("S-like") matrix of a decomposition.

    LAF: ``S``; Tucker: ``U_N`` transposed; TT: ``U_N`` (spec section 5). Its
    columns are the tasks' codes, the input of :func:`sharing_strength`.
    """
    factorisation = check_factorisation(factorisation)
    if factorisation == "tucker":
        return factors[-1].T
    return factors[-1]


def shared_factors(factorisation, factors):
    """The factors shared by all tasks, by the paper's names.

    LAF: ``{"L": L}`` with ``L`` as the ``prod(D) x K`` matrix; Tucker:
    ``{"core": core, "U1": ..., "U{N-1}": ...}``; TT: ``{"U1": ..., "U{N-1}": ...}``.
    """
    factorisation = check_factorisation(factorisation)
    if factorisation == "laf":
        shared = factors[0]
        return {"L": shared.reshape(-1, shared.shape[-1])}
    if factorisation == "tucker":
        core, *mode_factors = factors
        named = {"core": core}
        named.update({f"U{n}": u for n, u in enumerate(mode_factors[:-1], start=1)})
        return named
    return {f"U{n}": u for n, u in enumerate(factors[:-1], start=1)}
