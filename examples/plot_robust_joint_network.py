"""
RobustJointNets: which datasets share, found by the fit
=======================================================

:class:`~sklearn_mtl.RobustJointNetClassifier` trains one network per dataset
and ties the networks by a robust (Geman-McClure-type) norm of the differences
of their parameters, fitted by iteratively reweighted least squares (Zhang et
al.). Unlike an L2 tie, the robust norm stops pulling together networks that
disagree: the fitted pair weights ``sharing_weights_`` show which datasets the
fit chose to share with, block by block.

Here six small datasets are drawn from scikit-learn's 8x8 digits. Datasets 0-2
use the true labels; in datasets 3-5 the labels are permuted the same way, so
the two groups agree within and conflict across. The output block should
share within each group only.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_mtl import RobustJointNetClassifier

torch.set_num_threads(1)

# %%
# Data: 60 training rows per dataset (6 of each digit, so every dataset has the
# ten classes and the output layers are coupled too), pixels scaled to [0, 1],
# the dataset id in the last column; the rest of each dataset's rows are its
# test rows. The second group's labels are a fixed permutation of the digits.
rng = np.random.RandomState(0)
digits = load_digits()
pixels, labels = digits.data / 16.0, digits.target
permutation = rng.permutation(10)
parts = np.array_split(rng.permutation(len(labels)), 6)
train, test = [], []
for t, rows in enumerate(parts):
    picked = np.concatenate([rows[labels[rows] == c][:6] for c in range(10)])
    for store, idx in ((train, picked), (test, np.setdiff1d(rows, picked))):
        y_t = labels[idx] if t < 3 else permutation[labels[idx]]
        store.append((np.column_stack([pixels[idx], np.full(idx.size, t)]), y_t))
X_train, y_train = (np.concatenate(a) for a in zip(*train))
X_test, y_test = (np.concatenate(a) for a in zip(*test))

# %%
# Fit: an L2-coupled start (``n_init_epochs``), then IRLS steps that recompute
# the pair weights from the current parameters every ``irls_every`` epochs.
# The blocks are pairs of adjacent layers; the last holds the output layer.
est = RobustJointNetClassifier(hidden_layer_sizes=(32, 32), lam=10.0, n_init_epochs=60,
                               irls_every=30, max_irls_iter=4, n_neighbors=2, lr=1e-2,
                               batch_size=-1, random_state=0).fit(X_train, y_train)
print(f"test accuracy: {est.score(X_test, y_test):.3f}")
print("blocks:", est.block_layers_)
print("clusters of each block:", est.clusters_.tolist())

# %%
# The pair weights of the first block (input to hidden) and of the output
# block, beside the graph of mutual nearest datasets the clusters are read
# from.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
for ax, block, name in [(axes[0], 0, "first block"), (axes[1], -1, "output block")]:
    image = ax.imshow(est.sharing_weights_[block], vmin=0, vmax=1, cmap="viridis")
    ax.set(title=f"sharing weights, {name}", xlabel="dataset", ylabel="dataset",
           xticks=range(6), yticks=range(6))
    fig.colorbar(image, ax=ax, shrink=0.8)
est.plot_sharing_graph(block=-1, ax=axes[2])
fig.tight_layout()
plt.show()
