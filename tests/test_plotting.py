"""Plots stay readable at many tasks and accept what a user has at hand."""

import re

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_mtl import AMTLRegressor, DeepAMTFLClassifier, GoMTLRegressor, TaskAwareScaler
from sklearn_mtl.datasets import make_asymmetric_tasks, make_low_rank_tasks
from sklearn_mtl.plotting import plot_feedback_matrix, plot_transfer_matrix

matplotlib = pytest.importorskip("matplotlib", reason="plots need matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labels(ax, axis):
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def _assert_labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.figure.axes) == 2, "a colorbar beside the heat map"


def test_many_tasks_thin_their_labels_and_keep_every_row():
    names = [f"school_{i}" for i in range(139)]
    matrix = np.random.RandomState(0).rand(139, 139)
    ax = plot_transfer_matrix(matrix, task_names=names)
    assert ax.images[0].get_array().shape == (139, 139)
    for axis in "xy":
        labels = _labels(ax, axis)
        assert 20 <= len(labels) <= 40
        assert labels[:2] == ["school_0", "school_4"]
    _assert_labelled(ax)


def test_top_k_view_and_cluster_order():
    rng = np.random.RandomState(0)
    matrix = 0.01 * rng.rand(12, 12)
    hubs = [3, 7, 10]
    matrix[hubs, :] += 1.0
    ax = plot_transfer_matrix(matrix, max_tasks=3)
    assert _labels(ax, "y") == ["3", "7", "10"]
    # Two blocks that transfer only within themselves, interleaved in task order.
    blocks = np.zeros((6, 6))
    group = np.array([0, 1, 0, 1, 0, 1])
    blocks[group[:, None] == group[None, :]] = 1.0
    np.fill_diagonal(blocks, 0)
    ax = plot_transfer_matrix(blocks, order="cluster")
    ordered = [int(v) for v in _labels(ax, "y")]
    assert sorted(group[ordered[:3]]) == [group[ordered[0]]] * 3
    with pytest.raises(ValueError, match=re.escape(
            "order must be 'tasks' or 'cluster'; got 'size'.")):
        plot_transfer_matrix(blocks, order="size")


def test_fitted_pipeline_and_search_are_unwrapped_and_messages_say_what_is_missing():
    X, y = make_asymmetric_tasks(n_reliable=2, n_unreliable=2, random_state=0)
    pipeline = make_pipeline(TaskAwareScaler(), AMTLRegressor(max_iter=3)).fit(X, y)
    ax = plot_transfer_matrix(pipeline)
    np.testing.assert_allclose(ax.images[0].get_array(), pipeline[-1].transfer_matrix_)
    search = GridSearchCV(AMTLRegressor(max_iter=3), {"transfer_strength": [0.1]},
                          cv=[(np.arange(0, len(y), 2), np.arange(1, len(y), 2))])
    plot_transfer_matrix(search.fit(X, y), kind="graph")
    with pytest.raises(ValueError, match=re.escape(
            "AMTLRegressor is not fitted yet: fit it first, or pass a square matrix.")):
        plot_transfer_matrix(make_pipeline(TaskAwareScaler(), AMTLRegressor()))
    X, y = make_low_rank_tasks(n_tasks=3, random_state=0)
    gomtl = GoMTLRegressor(n_latent=2, max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "GoMTLRegressor has no transfer_matrix_: it does not learn a task-to-task "
            "transfer matrix.")):
        plot_transfer_matrix(gomtl)
    with pytest.raises(ValueError, match="GoMTLRegressor has no feedback_matrix_"):
        plot_feedback_matrix(gomtl)


def test_graph_puts_one_label_per_task_outside_the_nodes():
    matrix = np.random.RandomState(0).rand(30, 30)
    ax = plot_transfer_matrix(matrix, kind="graph", threshold=0.99)
    labels = [t for t in ax.texts if t.get_text()]
    assert len(labels) == 30
    radii = [np.hypot(*t.get_position()) for t in labels]
    np.testing.assert_allclose(radii, 1.12)


def test_feedback_transfer_of_one_vs_rest_deep_amtfl_names_the_classes():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4)
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3], axis=1)]
    est = DeepAMTFLClassifier(one_vs_rest=True, task_column=None, hidden_layer_sizes=(6,),
                              max_epochs=3, batch_size=-1, random_state=0).fit(X, y)
    ax = plot_feedback_matrix(est, kind="transfer")
    assert _labels(ax, "y") == ["a", "b", "c"]
    ax = plot_feedback_matrix(est)
    assert _labels(ax, "y") == ["a", "b", "c"]
    _assert_labelled(ax)
