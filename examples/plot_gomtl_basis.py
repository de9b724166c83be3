"""
GoMTL: the shared basis and which tasks use it
==============================================

:class:`~sklearn_mtl.GoMTLRegressor` writes every task's weight vector as a
sparse combination of a few shared basis vectors, ``w_t = L s_t``. Tasks that
use the same basis vectors form a group; tasks whose codes share some basis
vectors overlap. Here we generate 12 tasks in 3 groups (each task uses one of 3
bases), fit GoMTL, and look at what it learned: the basis ``L``
(``components_``), the codes ``S`` (``codes_``) beside the true ones, and which
tasks share bases (``task_overlap_``).
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import linear_sum_assignment

from sklearn_mtl import GoMTLRegressor
from sklearn_mtl.datasets import make_low_rank_tasks

# %%
# Data: 12 tasks, 40 rows each, 15 features, weights ``W = (L S)^T`` of rank 3.
# The last column of ``X`` holds each row's task.
X, y, truth = make_low_rank_tasks(n_tasks=12, n_samples=40, n_features=15, n_bases=3,
                                  groups="disjoint", return_structure=True,
                                  random_state=0)
print("the basis each task uses:", [bases[0] for bases in truth.groups])

# %%
# Fit GoMTL with as many latent bases as the data has. ``sparsity`` is the
# weight of the l1 penalty on the codes (the paper's :math:`\mu`); the default
# (1.0) predicts as well here but spreads each task over two or three bases; a
# stronger penalty finds the one basis each task uses.
gomtl = GoMTLRegressor(n_latent=3, sparsity=20.0, random_state=0).fit(X, y)
print(f"{gomtl.n_iter_} outer iterations, objective "
      f"{gomtl.objective_path_[0]:.1f} -> {gomtl.objective_path_[-1]:.1f}")

# %%
# Only the span of the basis is identifiable: the learned bases come in any
# order and scale. We match each learned basis vector to the true one it is most
# correlated with (Hungarian matching on the absolute correlation), then flip
# its sign, so that the two pictures can be compared cell by cell.
correlation = np.corrcoef(truth.components.T, gomtl.components_.T)[:3, 3:]
_, order = linear_sum_assignment(-np.abs(correlation))
signs = np.sign(correlation[np.arange(3), order])
basis = gomtl.components_[:, order] * signs
codes = gomtl.codes_[order] * signs[:, None]
print("|correlation| of matched basis vectors:",
      np.round(np.abs(correlation[np.arange(3), order]), 3))

# %%
# The basis and the codes. Each column of the codes is one task; zero cells are
# bases a task does not use. The learned codes have the true block pattern:
# tasks 0-3 use basis 0, tasks 4-7 basis 1 and tasks 8-11 basis 2. (The
# learned codes are smaller and the basis larger: the penalties move scale from
# ``S`` into ``L``, and only the product ``L S`` is fixed by the data.)
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2),
                         gridspec_kw={"width_ratios": [1, 2.2, 2.2]})
limit = np.abs(basis).max()
image = axes[0].imshow(basis, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
fig.colorbar(image, ax=axes[0], label="weight")
axes[0].set(title="Learned basis L", xlabel="basis vector", ylabel="feature",
            xticks=range(3))
limit = max(np.abs(codes).max(), np.abs(truth.codes).max())
for ax, matrix, title in [(axes[1], truth.codes, "True codes S"),
                          (axes[2], codes, "Learned codes S (codes_)")]:
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set(title=title, xlabel="task", ylabel="basis vector", xticks=range(12),
           yticks=range(3))
    fig.colorbar(image, ax=ax, label="code")
fig.tight_layout()

# %%
# Which tasks share bases: the Jaccard overlap of the code supports, 1 for two
# tasks that use the same bases and 0 for tasks in disjoint groups. Without
# being told, GoMTL found the three groups.
fig, ax = plt.subplots(figsize=(5.5, 4.5))
image = ax.imshow(gomtl.task_overlap_, cmap="Blues", vmin=0, vmax=1)
fig.colorbar(image, ax=ax, label="overlap of code supports")
ax.set(title="Task overlap (task_overlap_)", xlabel="task", ylabel="task",
       xticks=range(12), yticks=range(12))
fig.tight_layout()

# %%
# The learned weights are close to the true ones:
relative_error = (np.linalg.norm(gomtl.coef_ - truth.coef)
                  / np.linalg.norm(truth.coef))
print(f"relative error of the task weights: {relative_error:.3f}")
plt.show()

# sphinx_gallery_thumbnail_number = 2
