"""The paper's MNIST protocol (section 4.1) scaled to ../shared/data/mnist5k.npz.

10 one-vs-rest binary tasks sharing the same images (homogeneous MTL, long form:
one row per image and task), hinge loss, a narrowed LeNet (8@5x5, 16@4x4, FC 64,
1 output per task; the paper has 32, 64, 512). Models: STL, UD-MTL (first 3 of the
4 layers hard-shared, the paper's CV choice), DMTRL-LAF/Tucker/TT (STL init,
rank=0.1). Metrics: mean binary error over the 10 tasks, and the multi-class
error of the argmax over the 10 task scores. Scaled down: training sizes 50 and
200 images, one random subset (seed 0), test on 1000 held-out images, 40 epochs
per stage. Run: python benchmarks/bench_dmtrl_mnist.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import STLClassifier, UD3Classifier  # noqa: E402

from sklearn_mtl import DMTRLClassifier  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore", UserWarning)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist5k.npz"
SIZES, EPOCHS, SEED = (50, 200), 40, 0
ARCH = dict(conv_layers=((8, 5), (16, 4)), hidden_layer_sizes=(64,), input_shape=(1, 28, 28),
            loss="hinge", lr=1e-3, batch_size=64, max_epochs=EPOCHS, random_state=SEED)


def long_form(images, labels):
    n = len(labels)
    X = np.vstack([np.column_stack([images, np.full(n, t)]) for t in range(10)])
    y = np.concatenate([np.where(labels == t, 1, -1) for t in range(10)])
    return X, y


def errors(est, images, labels):
    X, y = long_form(images, labels)
    binary = float(np.mean(est.predict(X) != y))
    scores = est.decision_function(X).reshape(10, len(labels)).T
    return binary, float(np.mean(scores.argmax(1) != labels))


def main():
    data = np.load(DATA)
    images = data["imgs"].reshape(len(data["labs"]), -1).astype(np.float32) / 255
    labels = data["labs"]
    test_images, test_labels = images[4000:], labels[4000:]
    rng = np.random.RandomState(SEED)
    print(__doc__.strip().splitlines()[0])
    print(f"# sizes {SIZES}, {EPOCHS} epochs per stage, Adam lr 1e-3, batch 64, hinge loss,"
          " 1 seed, 1 torch thread, shared 2-core machine")
    print(f"{'n_train':>7s} {'model':>8s} {'binary err':>10s} {'multi err':>9s} "
          f"{'ranks (task mode last)':>40s} {'s':>5s}")
    for size in SIZES:
        subset = rng.choice(4000, size, replace=False)
        X, y = long_form(images[subset], labels[subset])
        models = {
            "STL": STLClassifier(**ARCH),
            "UD-MTL": UD3Classifier(**ARCH),
            **{f: DMTRLClassifier(f, **ARCH) for f in ("laf", "tucker", "tt")},
        }
        for name, est in models.items():
            start = time.time()
            est.fit(X, y)
            binary, multi = errors(est, test_images, test_labels)
            ranks = getattr(est, "ranks_", {}) or {}
            ranks_text = " ".join(f"{k}:{v[-1]}" for k, v in ranks.items())
            extra = ""
            if getattr(est, "stl_module_", None) is not None:
                extra = f"  STL-stage final train hinge {est.stl_history_[-1, 'train_loss']:.4f}"
            print(f"{size:7d} {name:>8s} {binary:10.4f} {multi:9.4f} {ranks_text:>40s} "
                  f"{time.time() - start:5.0f}{extra}", flush=True)


if __name__ == "__main__":
    main()
