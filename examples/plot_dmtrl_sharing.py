"""
DMTRL: how much each layer is shared between tasks
==================================================

:class:`~sklearn_mtl.DMTRLClassifier` gives every task its own network, but
stacks the tasks' weights of each layer into one tensor and factorises it, so
that the layers share factors. The fit first trains one net per task, then
decomposes their stacked weights (ranks from ``rank``) and trains the factorised
network end to end. How much the tasks end up sharing is measured per layer:
``sharing_strength_cosine_`` (0: no two tasks use a common factor; 1: all tasks
use the same combination) and ``task_similarity_`` (a task-by-task matrix).

The data: ten one-vs-rest tasks on the digits data set (is this image a 0? a 1?
...), each task with its own 100 training images.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from sklearn_mtl import DMTRLClassifier

# %%
# Long-form data: one row per (image, task), the task in the last column; the
# label of a row says whether its image shows the task's digit.
images, digits = load_digits(return_X_y=True)
images = images / 16.0
rng = np.random.RandomState(0)
order = rng.permutation(len(digits))
train, test = order[:1000], order[1000:]
rows = np.concatenate([rng.choice(train, 100, replace=False) for _ in range(10)])
task = np.repeat(np.arange(10), 100)
X_train = np.column_stack([images[rows], task])
y_train = (digits[rows] == task).astype(int)
# Every test image is asked to every task.
X_test = np.column_stack([np.tile(images[test], (10, 1)),
                          np.repeat(np.arange(10), len(test))])
y_test = (np.tile(digits[test], 10) == X_test[:, -1]).astype(int)

# %%
# One hidden layer of 32 units, both layers (``fc1`` and the output layer
# ``out``) factorised by last-axis flattening (``"laf"``, ``W = L S``) with four
# factors shared by the ten tasks.
dmtrl = DMTRLClassifier("laf", rank=4, hidden_layer_sizes=(32,), max_epochs=100,
                        lr=1e-2, batch_size=-1, random_state=0).fit(X_train, y_train)
print("ranks per layer:", dmtrl.ranks_)
print(f"DMTRL test accuracy: {dmtrl.score(X_test, y_test):.3f}")

# %%
# For comparison, one logistic regression per task on its own 100 images:
per_task = np.empty(len(y_test))
for t in range(10):
    model = LogisticRegression(max_iter=1000).fit(X_train[task == t, :-1],
                                                  y_train[task == t])
    rows_t = X_test[:, -1] == t
    per_task[rows_t] = model.predict(X_test[rows_t, :-1])
print(f"per-task logistic regression test accuracy: {np.mean(per_task == y_test):.3f}")

# %%
# Sharing strength of each factorised layer, as the paper defines it (eq. 9:
# the codes normalised by a softmax, then the mean pairwise cosine) and without
# the softmax (scale-free). In this fit the tasks' output-layer codes are more
# alike than their hidden-layer codes.
ax = dmtrl.plot_sharing_strength()
ax.set(title="Sharing strength per layer (LAF, rank 4)", xlabel="layer")
ax.figure.tight_layout()

# %%
# Which tasks share with which, per layer: the cosine similarity of the tasks'
# absolute codes (``task_similarity_``).
layers = list(dmtrl.task_similarity_)
fig, axes = plt.subplots(1, len(layers), figsize=(5.5 * len(layers), 4.5))
for ax, layer in zip(axes, layers):
    image = ax.imshow(dmtrl.task_similarity_[layer], cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="cosine similarity of codes")
    ax.set(title=f"Task similarity in layer {layer!r}", xlabel="task (digit)",
           ylabel="task (digit)", xticks=range(10), yticks=range(10))
fig.tight_layout()

# %%
# The rank is what sets the sharing: the fewer factors the layer has, the more
# the tasks must share them. Too few factors (rank 2) cost some accuracy.
ranks = [2, 4, 8]
strengths = {layer: [] for layer in layers}
for rank in ranks:
    model = DMTRLClassifier("laf", rank=rank, hidden_layer_sizes=(32,), max_epochs=100,
                            lr=1e-2, batch_size=-1, random_state=0).fit(X_train, y_train)
    print(f"rank {rank}: test accuracy {model.score(X_test, y_test):.3f}")
    for layer in layers:
        strengths[layer].append(model.sharing_strength_cosine_[layer])
fig, ax = plt.subplots(figsize=(6, 4))
for layer, values in strengths.items():
    ax.plot(ranks, values, marker="o", label=f"layer {layer!r}")
ax.set(title="Sharing strength against the rank of the factorisation",
       xlabel="rank (factors per layer)", ylabel="sharing strength (cosine)",
       xticks=ranks, ylim=(0, 1))
ax.legend()
fig.tight_layout()
plt.show()

# sphinx_gallery_thumbnail_number = 2
