"""
JointAE: what the private and the shared branches reconstruct
=============================================================

:class:`~sklearn_mtl.JointAutoencoder` gives every task its own autoencoder, split
into a *private* branch and a *common* branch whose bottleneck layer is one set
of parameters for all tasks (Epstein & Meir). Here the two tasks
are the digits 0-4 and the digits 5-9 of scikit-learn's 8x8 digits. We fit the
joint autoencoders, compare their held-out reconstruction error with two
separate autoencoders of the same size, and draw, as the paper's Fig. 3(b) does,
what each branch reconstructs on its own.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_mtl import JointAutoencoder

torch.set_num_threads(1)

# %%
# Data: pixels scaled to [0, 1] (the default sigmoid output reconstructs values
# there); the task column (last) is 0 for the digits 0-4 and 1 for 5-9.
digits = load_digits()
pixels = digits.data / 16.0
task = (digits.target >= 5).astype(int)
X = np.column_stack([pixels, task])
X_train, X_test = train_test_split(X, test_size=0.3, stratify=task, random_state=0)

# %%
# The joint model: a private and a common branch per task, 8 units each at the
# bottleneck; by default (``shared_depth=None``) the common bottleneck layer is
# tied across tasks.
# ``score`` is the negative mean squared reconstruction error.
params = dict(hidden_layer_sizes=(32,), max_epochs=60, lr=1e-2, batch_size=64,
              random_state=0)
joint = JointAutoencoder(n_private=8, n_shared=8, **params).fit(X_train)
print(f"joint autoencoders, test reconstruction MSE: {-joint.score(X_test):.4f}")

# %%
# The baseline: the same autoencoders with nothing tied (``shared_depth=[]``).
separate = JointAutoencoder(n_private=8, n_shared=8, shared_depth=[], **params).fit(X_train)
print(f"separate autoencoders, test reconstruction MSE: {-separate.score(X_test):.4f}")
# One split and one seed: the recorded benchmark
# (benchmarks/results/bench_joint_ae.txt) compares the two on MNIST over seeds.

# %%
# ``transform`` returns each row's codes, the private part first, then the
# shared part (the column layout is in the estimator's documentation).
codes = joint.transform(X_test)
print("codes:", codes.shape)

# %%
# Per-branch reconstructions: the original, the joint reconstruction, the
# private branch alone and the shared branch alone, for a few test rows of each
# task (rows labelled by task). Neither branch alone rebuilds the digit: the
# joint reconstruction merges the two, and what each branch keeps shows how the
# model divided the work between what is common and what is task-specific.
axes = joint.plot_reconstructions(X_test, n_per_task=3, image_shape=(8, 8))
plt.gcf().suptitle("JointAE reconstructions by branch")
plt.show()
