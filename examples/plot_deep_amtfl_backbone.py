"""
Deep-AMTFL on your own backbone: a small ResNet on the digits
=============================================================

:class:`~sklearn_mtl.DeepAMTFLClassifier` builds its shared layers from
``hidden_layer_sizes`` (an MLP) or ``conv_layers`` (LeNet-style blocks). Any
other network can take their place with ``backbone=``: a ``torch.nn.Module``
that maps a batch of inputs to ``(n, k)``, the feature layer ``Z`` that the
task outputs read and the feedback layer ``A`` rebuilds. The estimator reads
``k`` from one dry forward pass, deep-copies an instance at fit (its weights
are the start, so a pre-trained backbone is fine-tuned) and puts the
``basis_penalty`` on its parameters.

Here a small ResNet-style network (one conv stem, two residual blocks, a
max-pool) reads the 8x8 digits as images (``input_shape=(1, 8, 8)``),
against the built-in one-hidden-layer MLP, both with ``one_vs_rest=True``
(each digit is one task) and the paper's step schedule
(``lr_schedule="paper"``: the rate drops tenfold after half the epochs).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from sklearn_mtl import DeepAMTFLClassifier

torch.set_num_threads(1)

# %%
# A residual block (two 3x3 convolutions with batch norm, plus the identity)
# and the backbone: a conv stem, two blocks, a 2x2 max-pool and a flatten, so
# the output is ``(n, channels * 4 * 4)``: here ``k = 128`` features. Batch norm
# is fine: the dry forward pass that reads ``k`` runs in eval mode.


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels),
            nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels))

    def forward(self, x):
        return torch.relu(x + self.body(x))


class SmallResNet(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, channels, 3, padding=1),
                                  nn.BatchNorm2d(channels), nn.ReLU())
        self.blocks = nn.Sequential(ResidualBlock(channels), ResidualBlock(channels))
        self.pool = nn.Sequential(nn.MaxPool2d(2), nn.Flatten())

    def forward(self, x):
        return self.pool(self.blocks(self.stem(x)))


# %%
# Data: 1000 training images, the rest for testing; the 64 pixel columns are
# the flat image, reshaped to ``(1, 8, 8)`` for the backbone.
images, digits = load_digits(return_X_y=True)
rows = np.random.RandomState(0).permutation(len(images))
train, test = rows[:1000], rows[1000:]
X_train, y_train = images[train] / 16.0, digits[train]
X_test, y_test = images[test] / 16.0, digits[test]

common = dict(one_vs_rest=True, task_column=None, max_epochs=30, lr=3e-3,
              lr_schedule="paper", batch_size=64, random_state=0)
models = {
    "built-in MLP (64,)": DeepAMTFLClassifier(hidden_layer_sizes=(64,), **common),
    "SmallResNet backbone": DeepAMTFLClassifier(
        backbone=SmallResNet(), input_shape=(1, 8, 8), **common),
}
for name, model in models.items():
    model.fit(X_train, y_train)
    print(f"{name}: test accuracy {model.score(X_test, y_test):.3f}, "
          f"feature layer k = {model.feedback_matrix_.shape[1]}")

# %%
# Training loss per epoch (the dashed line: where ``lr_schedule="paper"`` divides
# the rate by 10) and the test accuracy of each model.
fig, ax = plt.subplots(figsize=(6, 4))
for name, model in models.items():
    ax.plot(np.arange(1, common["max_epochs"] + 1), model.history_[:, "train_loss"],
            label=f"{name} (test acc. {model.score(X_test, y_test):.2f})")
ax.axvline(common["max_epochs"] // 2 + 0.5, color="gray", linestyle="--")
ax.set_xlabel("epoch")
ax.set_ylabel("training objective (eq. 7)")
ax.set_yscale("log")
ax.set_title("Deep-AMTFL, built-in MLP vs. a user backbone")
ax.legend()
fig.tight_layout()
plt.show()
