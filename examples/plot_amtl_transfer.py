"""
AMTL: knowledge flows from reliable tasks to unreliable ones
============================================================

:class:`~sklearn_mtl.AMTLRegressor` reconstructs each task's weights from the
other tasks' weights, ``w_t ~ sum_s B[s, t] w_s``, and charges each task for
the transfer it *gives* in proportion to its own training loss. A task that is
fitted badly (few rows, much noise) therefore gives little and receives much: the
learned transfer graph ``B`` is asymmetric.

We generate 5 reliable tasks (100 rows, noise 1) and 5 unreliable ones (30 rows,
noise 4), each unreliable task's true weights a scaled copy of one reliable
task's ("its twin"), and draw the transfer that AMTL learns next to the truth
with :func:`sklearn_mtl.plotting.plot_transfer_matrix`.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_mtl import AMTLRegressor
from sklearn_mtl.datasets import make_asymmetric_tasks
from sklearn_mtl.plotting import plot_transfer_matrix

# %%
# Data: tasks 0-4 are reliable, tasks 5-9 unreliable; task ``5 + i`` is the twin
# of task ``i``. The last column of ``X`` holds each row's task.
X, y, truth = make_asymmetric_tasks(n_reliable=5, n_unreliable=5, n_samples_reliable=100,
                                    n_samples_unreliable=30, n_features=20,
                                    noise_reliable=1.0, noise_unreliable=4.0,
                                    return_structure=True, random_state=0)
names = [f"{'R' if reliable else 'U'}{t}" for t, reliable in enumerate(truth.reliable)]

# %%
# Fit AMTL with its defaults: ``transfer_sparsity`` (the paper's :math:`\mu`)
# weights the l1 penalty on each task's outgoing transfer by its loss, and
# ``transfer_strength`` (:math:`\lambda`) weights the reconstruction.
amtl = AMTLRegressor(random_state=0).fit(X, y)

# %%
# Rows are sources, columns targets. The truth has one entry per unreliable
# task, in the row of its twin; AMTL puts its largest transfer in the same
# cells. The one transfer back, from U6 to its twin R1, comes from the
# unreliable task that happened to fit its training rows best (see the last
# plot): AMTL judges a task by its loss, not by its label.
fig, axes = plt.subplots(1, 2, figsize=(12, 5))
plot_transfer_matrix(truth.transfer, ax=axes[0], task_names=names)
axes[0].set_title("True transfer (a scaled twin)")
plot_transfer_matrix(amtl, ax=axes[1], task_names=names)
axes[1].set_title("Learned transfer B (transfer_matrix_)")
fig.tight_layout()

# %%
# The same matrix as a directed graph: an arrow ``s -> t`` for every transfer
# above 0.05, its width proportional to the amount. Arrows leave the reliable
# tasks (``R``) and end at the unreliable ones (``U``).
fig, ax = plt.subplots(figsize=(6, 6))
plot_transfer_matrix(amtl, ax=ax, task_names=names, kind="graph", threshold=0.05)

# %%
# Summed over targets: the outgoing transfer of each task (``outgoing_transfer_``,
# the l1 norm of its row of ``B``) against its training loss (``task_losses_``).
# The tasks that give are the ones with a low loss.
fig, ax = plt.subplots(figsize=(6, 4))
for reliable, colour, label in [(True, "tab:blue", "reliable (R)"),
                                (False, "tab:orange", "unreliable (U)")]:
    rows = truth.reliable == reliable
    ax.scatter(amtl.task_losses_[rows], amtl.outgoing_transfer_[rows], c=colour,
               label=label)
for name, loss, out in zip(names, amtl.task_losses_, amtl.outgoing_transfer_):
    ax.annotate(name, (loss, out), textcoords="offset points", xytext=(4, 4))
ax.set(title="Reliable tasks give, unreliable tasks receive",
       xlabel="task's training loss (task_losses_)",
       ylabel="outgoing transfer (outgoing_transfer_)")
ax.legend()
fig.tight_layout()

print("mean outgoing transfer, reliable tasks:  "
      f"{amtl.outgoing_transfer_[truth.reliable].mean():.3f}")
print("mean outgoing transfer, unreliable tasks: "
      f"{amtl.outgoing_transfer_[~truth.reliable].mean():.3f}")
plt.show()

# sphinx_gallery_thumbnail_number = 2
