"""The MNIST protocol on sklearn's load_digits (8x8): 10 one-vs-rest binary tasks on
shared images, hinge loss (STL-2x: STL trained as many epochs as DMTRL's two stages), a small conv net (8@3x3 + 2x2 pool, 16@2x2, FC 32, 1
output per task). STL, UD-MTL (first 3 of 4 layers shared), DMTRL-LAF/Tucker/TT
(STL init, rank=0.1). Mean binary error and argmax multi-class error on the images
not used for training (training images: a random image of each digit in turn); training sizes 30 and 100 images, seed 0, 40 epochs per
stage. Also the heterogeneous "alphabets" task ({0,1,2}, {3,4,5,6}, {7,8,9}, each
task its own images) with the per-layer sharing strength.
Run: python benchmarks/bench_dmtrl_digits.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import STLClassifier, UD3Classifier  # noqa: E402

from sklearn_mtl import DMTRLClassifier  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore", UserWarning)
SIZES, EPOCHS, SEED = (30, 100), 40, 0
ARCH = dict(conv_layers=((8, 3), (16, 2, 1)), hidden_layer_sizes=(32,), input_shape=(1, 8, 8),
            lr=3e-3, batch_size=128, max_epochs=EPOCHS, random_state=SEED)


def long_form(images, labels):
    n = len(labels)
    X = np.vstack([np.column_stack([images, np.full(n, t)]) for t in range(10)])
    y = np.concatenate([np.where(labels == t, 1, -1) for t in range(10)])
    return X, y


def main():
    images, labels = load_digits(return_X_y=True)
    images = images / 16.0
    rng = np.random.RandomState(SEED)
    # Classes interleaved (a random image of each digit in turn), so that every
    # training prefix holds every digit: a one-vs-rest task needs a positive.
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in range(10)]
    order = np.array([i for group in zip(*per_class) for i in group])
    order = np.concatenate([order, np.setdiff1d(np.arange(len(labels)), order)])
    print(__doc__.strip().splitlines()[0])
    print(f"# sizes {SIZES}, {EPOCHS} epochs per stage, Adam lr 3e-3, batch 128, 1 seed, "
          "1 torch thread, shared 2-core machine")
    print(f"{'n_train':>7s} {'model':>8s} {'binary err':>10s} {'multi err':>9s} "
          f"{'task-mode ranks':>30s} {'s':>4s}")
    for size in SIZES:
        train, test = order[:size], order[size:]
        X, y = long_form(images[train], labels[train])
        X_test, y_test = long_form(images[test], labels[test])
        models = {
            "STL": STLClassifier(**ARCH, loss="hinge"),
            # DMTRL trains 2 x EPOCHS in all (single-task stage + fine-tuning).
            "STL-2x": STLClassifier(**{**ARCH, "max_epochs": 2 * EPOCHS}, loss="hinge"),
            "UD-MTL": UD3Classifier(**ARCH, loss="hinge"),
            **{f: DMTRLClassifier(f, **ARCH, loss="hinge") for f in ("laf", "tucker", "tt")},
        }
        for name, est in models.items():
            start = time.time()
            est.fit(X, y)
            binary = float(np.mean(est.predict(X_test) != y_test))
            scores = est.decision_function(X_test).reshape(10, len(test)).T
            multi = float(np.mean(scores.argmax(1) != labels[test]))
            ranks = " ".join(f"{k}:{v[-1]}" for k, v in (getattr(est, "ranks_", {}) or {}).items())
            print(f"{size:7d} {name:>8s} {binary:10.4f} {multi:9.4f} {ranks:>30s} "
                  f"{time.time() - start:4.0f}", flush=True)

    print("\n## heterogeneous alphabets {0,1,2} {3,4,5,6} {7,8,9}, own images per task; "
          "softmax heads per task (not shared), 300 training images, log loss")
    alphabet = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])[labels]
    X_all = np.column_stack([images, alphabet])
    train, test = order[:300], order[300:]
    stl = STLClassifier(**ARCH).fit(X_all[train], labels[train])
    print(f"STL accuracy {stl.score(X_all[test], labels[test]):.4f}")
    for f in ("laf", "tucker", "tt"):
        est = DMTRLClassifier(f, **ARCH).fit(X_all[train], labels[train])
        rho = " ".join(f"{k}:{v:.2f}" for k, v in est.sharing_strength_cosine_.items())
        rho_paper = " ".join(f"{k}:{v:.2f}" for k, v in est.sharing_strength_.items())
        print(f"{f:7s} accuracy {est.score(X_all[test], labels[test]):.4f}  ranks {est.ranks_}"
              f"  sharing cosine {rho}  paper rho {rho_paper}", flush=True)


if __name__ == "__main__":
    main()
