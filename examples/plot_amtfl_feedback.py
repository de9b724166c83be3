"""
AMTFL: only reliable tasks shape the shared features
====================================================

:class:`~sklearn_mtl.AMTFLRegressor` learns shared features ``Z = sigma(X L)``
and one head per task, and adds a *feedback* matrix ``A`` that rebuilds the
features from the tasks' outputs. The l1 penalty on task ``t``'s row of ``A``
is weighted by that task's training loss, so noisy tasks are kept from
reshaping the features that every task uses, while they still use them.

We build 12 tasks of equal size from six shared bases in 30 dimensions (the
paper's synthetic setting): six *easy* tasks (label noise 1) combine two of the
first four bases, six *hard* tasks (noise 4) two of the last four. We draw the
learned feedback ``|A|`` with :func:`sklearn_mtl.plotting.plot_feedback_matrix`.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_mtl import AMTFLRegressor
from sklearn_mtl.datasets import make_low_rank_tasks
from sklearn_mtl.plotting import plot_feedback_matrix

# %%
# Data: 60 training rows per task. The generator makes the same draws whatever
# the noise, so two calls differ only in the label noise; tasks 0-5 take the
# easy labels and tasks 6-11 the hard ones.
groups = (list(itertools.combinations(range(4), 2))
          + list(itertools.combinations(range(2, 6), 2)))
spec = dict(n_tasks=12, n_samples=160, n_features=30, n_bases=6, groups=groups,
            coef_range=(1.0, 1.0), random_state=0)
X, y_easy = make_low_rank_tasks(noise=1.0, **spec)
_, y_hard = make_low_rank_tasks(noise=4.0, **spec)
y = np.where(X[:, -1] < 6, y_easy, y_hard)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=12 * 60, stratify=X[:, -1], random_state=0)

# %%
# Fit AMTFL with six linear features. ``transfer_sparsity`` (the paper's
# :math:`\alpha`) weights the loss-weighted l1 on the feedback,
# ``transfer_strength`` (:math:`\gamma`) the reconstruction of the features.
params = dict(n_latent=6, activation="linear", transfer_strength=1.0, sparsity=1e-3,
              basis_penalty=1e-3, basis_sparsity=1e-3, sample_size_penalty=1.0,
              lr=2e-2, max_iter=1000, random_state=0)
amtfl = AMTFLRegressor(transfer_sparsity=1.0, **params).fit(X_train, y_train)

# %%
# The feedback matrix: one row per task, one column per shared feature. The
# easy tasks' rows carry the feedback; the hard tasks' rows are nearly empty.
fig, ax = plt.subplots(figsize=(6, 5))
plot_feedback_matrix(amtfl, ax=ax, task_names=[f"easy {t}" for t in range(6)]
                     + [f"hard {t}" for t in range(6, 12)])
fig.tight_layout()

# %%
# Through the features, task ``t`` transfers to task ``u`` by ``|A S|[t, u]``
# (``task_transfer_``, the paper's Fig. 4(h)): from the easy tasks (top rows) to
# all, and little from the hard ones.
fig, ax = plt.subplots(figsize=(6.5, 5.5))
plot_feedback_matrix(amtfl, kind="transfer", ax=ax,
                     task_names=[f"easy {t}" for t in range(6)]
                     + [f"hard {t}" for t in range(6, 12)])
fig.tight_layout()

# %%
# The control: the same model without the loss-weighted penalty
# (``transfer_sparsity=0``) spreads the feedback over easy and hard tasks alike.
control = AMTFLRegressor(transfer_sparsity=0.0, **params).fit(X_train, y_train)
fig, ax = plt.subplots(figsize=(7, 4))
x = np.arange(12)
ax.bar(x - 0.2, amtfl.outgoing_transfer_, 0.4, label="AMTFL (transfer_sparsity=1)")
ax.bar(x + 0.2, control.outgoing_transfer_, 0.4, label="control (transfer_sparsity=0)")
ax.axvline(5.5, color="grey", linestyle=":")
ax.set_xticks(x, labels=[f"easy {t}" for t in range(6)]
              + [f"hard {t}" for t in range(6, 12)], rotation=45)
ax.set(title="Outgoing feedback of each task", xlabel="task",
       ylabel="||a_t||_1 (outgoing_transfer_)")
ax.set_ylim(0, 1.3 * max(amtfl.outgoing_transfer_.max(),
                         control.outgoing_transfer_.max()))
ax.legend(loc="upper left")
fig.tight_layout()

# %%
# Test RMSE, averaged over the easy and over the hard tasks:
task = X_test[:, -1]
for name, model in [("AMTFL", amtfl), ("control", control)]:
    error = (model.predict(X_test) - y_test) ** 2
    rmse = np.array([np.sqrt(error[task == t].mean()) for t in range(12)])
    print(f"{name:8s} test RMSE: easy tasks {rmse[:6].mean():.2f}, "
          f"hard tasks {rmse[6:].mean():.2f}")
plt.show()

# sphinx_gallery_thumbnail_number = 3
