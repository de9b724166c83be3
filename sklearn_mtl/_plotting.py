"""Plots of fitted multi-task structure (matplotlib is an optional dependency)."""

import numpy as np
from sklearn.exceptions import NotFittedError
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


def _fitted_model(estimator):
    """The fitted model inside a pipeline or a search, else the estimator itself."""
    if hasattr(estimator, "best_estimator_"):
        estimator = estimator.best_estimator_
    if hasattr(estimator, "steps") and hasattr(estimator, "_final_estimator"):
        estimator = estimator._final_estimator
    return estimator


def _is_estimator(obj):
    return hasattr(obj, "fit") and hasattr(obj, "get_params")


def _fitted_attribute(estimator, attribute, what):
    """``estimator.attribute``, or a message saying why it is missing."""
    model = _fitted_model(estimator)
    if hasattr(model, attribute):
        return model, getattr(model, attribute)
    name = type(model).__name__
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise ValueError(
            f"{name} is not fitted yet: fit it first, or pass a square matrix."
        ) from None
    raise ValueError(
        f"{name} has no {attribute}: it does not learn {what}. Pass a square "
        "matrix, or an estimator that has one (AMTL, AMTFL, Deep-AMTFL)."
    )


def _row_names(model, n_rows):
    """Labels of a fitted model's tasks (or one-vs-rest classes), as strings."""
    for attribute in ("tasks_", "classes_"):
        labels = getattr(model, attribute, None)
        if labels is not None and not isinstance(labels, list) and len(labels) == n_rows:
            return [str(label) for label in labels]
    return [str(i) for i in range(n_rows)]


def _matrix_and_names(estimator_or_matrix, task_names):
    if _is_estimator(estimator_or_matrix):
        model, matrix = _fitted_attribute(estimator_or_matrix, "transfer_matrix_",
                                          "a task-to-task transfer matrix")
        matrix = np.asarray(matrix, dtype=np.float64)
        if task_names is None and matrix.ndim == 2:
            task_names = _row_names(model, matrix.shape[0])
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


def _select_tasks(matrix, names, max_tasks, order):
    """Keep the ``max_tasks`` tasks with most transfer; order them (clusters)."""
    keep = np.arange(matrix.shape[0])
    if max_tasks is not None and max_tasks < keep.size:
        mass = np.abs(matrix).sum(0) + np.abs(matrix).sum(1) - 2 * np.abs(np.diag(matrix))
        keep = np.sort(np.argsort(-mass, kind="stable")[:max_tasks])
    if order == "cluster" and keep.size > 2:
        from scipy.cluster.hierarchy import leaves_list, linkage

        block = np.abs(matrix[np.ix_(keep, keep)])
        profile = np.hstack([block, block.T])
        keep = keep[leaves_list(linkage(profile, method="average"))]
    return matrix[np.ix_(keep, keep)], [names[i] for i in keep]


def _set_task_ticks(ax, axis, names, max_labels):
    """One tick per task, labelled; at most ``max_labels`` labels (evenly thinned)."""
    step = max(1, int(np.ceil(len(names) / max_labels)))
    positions = np.arange(0, len(names), step)
    labels = [names[i] for i in positions]
    fontsize = 8 if len(positions) <= 20 else 6
    if axis == "x":
        ax.set_xticks(positions, labels=labels, rotation=90, fontsize=fontsize)
    else:
        ax.set_yticks(positions, labels=labels, fontsize=fontsize)


def plot_transfer_matrix(estimator_or_matrix, ax=None, task_names=None, *,
                         kind="matrix", threshold=0.0, cmap=None, max_tasks=None,
                         order="tasks", max_labels=40):
    """Draw a task-to-task transfer matrix as a heat map or as a directed graph.

    Works for any ``T x T`` matrix whose entry ``[s, t]`` is the transfer from
    task ``s`` (source, row) to task ``t`` (target, column), e.g.
    :class:`~sklearn_mtl.linear.AMTLRegressor`'s ``transfer_matrix_``.

    Parameters
    ----------
    estimator_or_matrix : fitted estimator or array-like of shape (n_tasks, n_tasks)
        An estimator with a ``transfer_matrix_`` attribute (its ``tasks_`` name the
        tasks), a fitted pipeline or search whose final estimator has one, or the
        matrix itself.
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
    max_tasks : int, default=None
        Draw only the ``max_tasks`` tasks with the most transfer (outgoing plus
        incoming, off the diagonal): a readable top-k view of many tasks.
    order : {"tasks", "cluster"}, default="tasks"
        ``"tasks"``: the order of ``tasks_`` (natural order). ``"cluster"``: tasks
        reordered by average-linkage clustering of their transfer profiles, so
        that groups that exchange transfer sit together.
    max_labels : int, default=40
        At most this many task labels per axis; beyond it every k-th task is
        labelled (each task keeps its row and column).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.
    """
    if kind not in ("matrix", "graph"):
        raise ValueError(f"kind must be 'matrix' or 'graph'; got {kind!r}.")
    if order not in ("tasks", "cluster"):
        raise ValueError(f"order must be 'tasks' or 'cluster'; got {order!r}.")
    matrix, names = _matrix_and_names(estimator_or_matrix, task_names)
    matrix, names = _select_tasks(matrix, names, max_tasks, order)
    plt = _import_pyplot()
    if ax is None:
        _, ax = plt.subplots()
    if kind == "matrix":
        _draw_matrix(ax, matrix, names, cmap, max_labels)
    else:
        _draw_graph(ax, matrix, names, threshold)
    return ax


def _draw_matrix(ax, matrix, names, cmap, max_labels=40):
    limit = np.abs(matrix).max() or 1.0
    if (matrix >= 0).all():
        image = ax.imshow(matrix, cmap=cmap or "Blues", vmin=0.0, vmax=limit)
    else:
        image = ax.imshow(matrix, cmap=cmap or "RdBu_r", vmin=-limit, vmax=limit)
    ax.figure.colorbar(image, ax=ax, label="transfer")
    _set_task_ticks(ax, "x", names, max_labels)
    _set_task_ticks(ax, "y", names, max_labels)
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
    # Labels sit outside the circle, radially, so that they never overlap the
    # nodes or (for up to a few dozen tasks) each other.
    ax.scatter(xy[:, 0], xy[:, 1], s=max(20, 300 * min(1.0, 12 / max(n_tasks, 1))),
               color="white", edgecolor="black", zorder=3)
    fontsize = 8 if n_tasks <= 20 else 6
    for angle, name in zip(angles, names):
        x, y = 1.12 * np.cos(angle), 1.12 * np.sin(angle)
        degrees = np.degrees(angle) % 360
        flip = 90 < degrees < 270
        ax.text(x, y, name, ha="right" if flip else "left", va="center",
                rotation=degrees - 180 if flip else degrees, rotation_mode="anchor",
                fontsize=fontsize, zorder=4)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Transfer graph (arrow s -> t)")


def plot_feedback_matrix(estimator, *, kind="feedback", ax=None, cmap="Blues",
                         task_names=None, max_labels=40):
    """Draw a fitted AMTFL's feedback as a heat map (the paper's Figs. 4(h), 6(b)).

    Works for the shallow and the deep estimators alike: any fitted estimator with
    ``feedback_matrix_``, ``task_transfer_`` and ``tasks_``.

    Parameters
    ----------
    estimator : AMTFLRegressor, AMTFLClassifier, DeepAMTFLClassifier or DeepAMTFLRegressor
        A fitted estimator, or a fitted pipeline or search whose final estimator
        is one.
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
        Labels of the source tasks (rows); the estimator's ``tasks_`` when None
        (its ``classes_`` for Deep-AMTFL with ``one_vs_rest=True``, whose tasks
        are the classes).
    max_labels : int, default=40
        At most this many task labels; beyond it every k-th task is labelled.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.
    """
    if kind not in ("feedback", "transfer"):
        raise ValueError(f"kind must be 'feedback' or 'transfer'; got {kind!r}.")
    model, feedback = _fitted_attribute(estimator, "feedback_matrix_",
                                        "a task-to-feature feedback matrix")
    feedback = np.abs(np.asarray(feedback, dtype=np.float64))
    names = (_row_names(model, feedback.shape[0]) if task_names is None
             else [str(name) for name in task_names])
    if kind == "transfer":
        return plot_transfer_matrix(np.abs(model.task_transfer_), ax=ax,
                                    task_names=names, cmap=cmap, max_labels=max_labels)
    plt = _import_pyplot()
    if ax is None:
        _, ax = plt.subplots()
    image = ax.imshow(feedback, cmap=cmap, aspect="auto", vmin=0.0)
    ax.figure.colorbar(image, ax=ax, label="|feedback|")
    _set_task_ticks(ax, "y", names, max_labels)
    ax.set_xlabel("shared feature j")
    ax.set_ylabel("source task t")
    ax.set_title("|A|: feedback from task t (row) to feature j (column)")
    return ax
