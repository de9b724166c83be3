"""Plots of fitted multi-task structure (matplotlib is an optional dependency)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_feedback_matrix", "plot_transfer_matrix"]


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "Plotting needs matplotlib, which sklearn_mtl does not install by "
            "default; install it with `pip install sklearn_mtl[plot]` (or `pip "
            "install matplotlib`)."
        ) from exc
    return plt


def _matrix_and_names(estimator_or_matrix, task_names):
    if hasattr(estimator_or_matrix, "transfer_matrix_"):
        matrix = estimator_or_matrix.transfer_matrix_
        if task_names is None:
            task_names = [str(t) for t in estimator_or_matrix.tasks_]
    elif hasattr(estimator_or_matrix, "fit") and hasattr(estimator_or_matrix, "get_params"):
        raise ValueError(
            f"{type(estimator_or_matrix).__name__} has no transfer_matrix_: fit it "
            "first, or pass a square matrix."
        )
    else:
        matrix = estimator_or_matrix
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(
            f"The transfer matrix must be square (n_tasks, n_tasks); got shape "
            f"{matrix.shape}."
        )
    if not np.isfinite(matrix).all():
        raise ValueError("The transfer matrix contains NaN or infinity.")
    if task_names is None:
        task_names = [str(t) for t in range(matrix.shape[0])]
    task_names = [str(name) for name in task_names]
    if len(task_names) != matrix.shape[0]:
        raise ValueError(
            f"task_names has {len(task_names)} entries for {matrix.shape[0]} tasks."
        )
    return matrix, task_names


def plot_transfer_matrix(estimator_or_matrix, ax=None, task_names=None, *,
                         kind="matrix", threshold=0.0, cmap=None):
    """Draw a task-to-task transfer matrix as a heat map or as a directed graph.

    Works for any ``T x T`` matrix whose entry ``[s, t]`` is the transfer from
    task ``s`` (source, row) to task ``t`` (target, column), e.g.
    :class:`~sklearn_mtl.linear.AMTLRegressor`'s ``transfer_matrix_``.

    Parameters
    ----------
    estimator_or_matrix : fitted estimator or array-like of shape (n_tasks, n_tasks)
        An estimator with a ``transfer_matrix_`` attribute (its ``tasks_`` name the
        tasks) or the matrix itself.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure's axes when None.
    task_names : list of str, default=None
        Task labels; the estimator's ``tasks_`` or ``0 .. T-1`` when None.
    kind : {"matrix", "graph"}, default="matrix"
        ``"matrix"``: a heat map, sources in rows and targets in columns.
        ``"graph"``: tasks on a circle and an arrow ``s -> t`` for every entry whose
        absolute value exceeds ``threshold``, its width proportional to the value.
    threshold : float, default=0.0
        Smallest absolute transfer drawn as an edge (``kind="graph"``).
    cmap : str or Colormap, default=None
        Heat-map colours; a sequential map for non-negative matrices and a
        diverging one, centred on zero, otherwise.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.
    """
    if kind not in ("matrix", "graph"):
        raise ValueError(f"kind must be 'matrix' or 'graph'; got {kind!r}.")
    matrix, names = _matrix_and_names(estimator_or_matrix, task_names)
    plt = _import_pyplot()
    if ax is None:
        _, ax = plt.subplots()
    if kind == "matrix":
        _draw_matrix(ax, matrix, names, cmap)
    else:
        _draw_graph(ax, matrix, names, threshold)
    return ax


def _draw_matrix(ax, matrix, names, cmap):
    limit = np.abs(matrix).max() or 1.0
    if (matrix >= 0).all():
        image = ax.imshow(matrix, cmap=cmap or "Blues", vmin=0.0, vmax=limit)
    else:
        image = ax.imshow(matrix, cmap=cmap or "RdBu_r", vmin=-limit, vmax=limit)
    ax.figure.colorbar(image, ax=ax, label="transfer")
    positions = np.arange(len(names))
    ax.set_xticks(positions, labels=names, rotation=90)
    ax.set_yticks(positions, labels=names)
    ax.set_xlabel("target task t")
    ax.set_ylabel("source task s")
    ax.set_title("Transfer from s (row) to t (column)")


def _draw_graph(ax, matrix, names, threshold):
    n_tasks = len(names)
    angles = np.pi / 2 - 2 * np.pi * np.arange(n_tasks) / max(n_tasks, 1)
    xy = np.column_stack([np.cos(angles), np.sin(angles)])
    limit = np.abs(matrix).max() or 1.0
    sources, targets = np.nonzero(np.abs(matrix) > threshold)
    for s, t in zip(sources, targets):
        if s == t:
            continue
        value = matrix[s, t]
        ax.annotate(
            "", xy=xy[t], xytext=xy[s],
            arrowprops=dict(arrowstyle="-|>", shrinkA=12, shrinkB=12,
                            connectionstyle="arc3,rad=0.15",
                            linewidth=0.5 + 3.0 * abs(value) / limit,
                            color="tab:blue" if value >= 0 else "tab:red",
                            alpha=0.3 + 0.7 * abs(value) / limit),
        )
    ax.scatter(xy[:, 0], xy[:, 1], s=300, color="white", edgecolor="black", zorder=3)
    for (x, y), name in zip(xy, names):
        ax.text(x, y, name, ha="center", va="center", fontsize=8, zorder=4)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Transfer graph (arrow s -> t)")


def plot_feedback_matrix(estimator, *, kind="feedback", ax=None, cmap="Blues",
                         task_names=None):
    """Draw a fitted AMTFL's feedback as a heat map (the paper's Figs. 4(h), 6(b)).

    Works for the shallow and the deep estimators alike: any fitted estimator with
    ``feedback_matrix_``, ``task_transfer_`` and ``tasks_``.

    Parameters
    ----------
    estimator : AMTFLRegressor, AMTFLClassifier, DeepAMTFLClassifier or DeepAMTFLRegressor
        A fitted estimator.
    kind : {"feedback", "transfer"}, default="feedback"
        ``"feedback"``: ``|A|``, source tasks (rows) by shared features (columns).
        ``"transfer"``: ``|A S|``, source task (row) to target task (column), drawn
        by :func:`plot_transfer_matrix`; ``(A S)[t, u] =
        sum_j A[t, j] S[j, u]``: task t feeds feature j, which feeds task u.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure's axes when None.
    cmap : str or Colormap, default="Blues"
        Colour map.
    task_names : list of str, default=None
        Labels of the source tasks (rows); the estimator's ``tasks_`` when None.
        Deep-AMTFL with ``one_vs_rest=True`` passes its classes.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.
    """
    if kind not in ("feedback", "transfer"):
        raise ValueError(f"kind must be 'feedback' or 'transfer'; got {kind!r}.")
    check_is_fitted(estimator)
    names = ([str(task) for task in estimator.tasks_] if task_names is None
             else list(task_names))
    if kind == "transfer":
        return plot_transfer_matrix(np.abs(estimator.task_transfer_), ax=ax,
                                    task_names=names, cmap=cmap)
    plt = _import_pyplot()
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(np.abs(estimator.feedback_matrix_), cmap=cmap, aspect="auto",
                      vmin=0.0)
    ax.figure.colorbar(image, ax=ax, label="|feedback|")
    ax.set_yticks(np.arange(len(names)), labels=names)
    ax.set_xlabel("shared feature j")
    ax.set_ylabel("source task t")
    ax.set_title("|A|: feedback from task t (row) to feature j (column)")
    return ax
