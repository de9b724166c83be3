"""Multi-domain learning (paper v1, section 4.4) scaled down: MNIST + USPS.

Two domains (tasks) with the same 10 digits. USPS 16x16 images are upscaled to
28x28 (bilinear) so both domains share one input shape (the paper used 32x32x3).
Models: STL (one net per domain; STL-2x trained as many epochs as DMTRL's two
stages together), ALL (one net on the pooled data, domain
ignored), DMTRL-LAF/Tucker/TT (STL init, rank=0.1). Net: 8@5x5, 16@4x4, FC 64.
Deviation: the 10-way output of each domain is a per-task softmax head (not
factorised), the package's heterogeneous path; the paper factorises it too.
Scaled down: 100 and 400 training images per domain from the first 4000, test
on the last 1000 of each file, seed 0, 20 epochs per stage.
Run: python benchmarks/bench_dmtrl_mdl.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import STLClassifier  # noqa: E402

from sklearn_mtl import DMTRLClassifier  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore", UserWarning)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SIZES, EPOCHS, SEED = (100, 400), 20, 0
ARCH = dict(conv_layers=((8, 5), (16, 4)), hidden_layer_sizes=(64,), input_shape=(1, 28, 28),
            lr=1e-3, batch_size=64, max_epochs=EPOCHS, random_state=SEED)


def load():
    mnist = np.load(DATA / "mnist5k.npz")
    usps = np.load(DATA / "usps5k.npz")
    m = mnist["imgs"].astype(np.float32) / 255
    u = torch.as_tensor(usps["imgs"].astype(np.float32) / 255)[:, None]
    u = F.interpolate(u, size=(28, 28), mode="bilinear", align_corners=False)[:, 0].numpy()
    return [(m.reshape(len(m), -1), mnist["labs"]), (u.reshape(len(u), -1), usps["labs"])]


def main():
    domains = load()
    rng = np.random.RandomState(SEED)
    print(__doc__.strip().splitlines()[0])
    print(f"# sizes per domain {SIZES}, {EPOCHS} epochs per stage, Adam lr 1e-3, batch 64, "
          "log loss, 1 seed, 1 torch thread, shared 2-core machine")
    print(f"{'n/domain':>8s} {'model':>7s} {'MNIST err':>9s} {'USPS err':>9s} {'s':>4s}")
    tests = [(np.column_stack([x[4000:], np.full(1000, d)]), y[4000:])
             for d, (x, y) in enumerate(domains)]
    for size in SIZES:
        parts = []
        for d, (x, y) in enumerate(domains):
            rows = rng.choice(4000, size, replace=False)
            parts.append((np.column_stack([x[rows], np.full(size, d)]), y[rows]))
        X = np.vstack([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        X_pooled = X.copy()
        X_pooled[:, -1] = 0
        models = {
            "STL": (STLClassifier(**ARCH), X),
            # DMTRL trains 2 x EPOCHS in all (single-task stage + fine-tuning).
            "STL-2x": (STLClassifier(**{**ARCH, "max_epochs": 2 * EPOCHS}), X),
            "ALL": (STLClassifier(**ARCH), X_pooled),
            **{f: (DMTRLClassifier(f, **ARCH), X) for f in ("laf", "tucker", "tt")},
        }
        for name, (est, X_fit) in models.items():
            start = time.time()
            est.fit(X_fit, y)
            errs = []
            for X_test, y_test in tests:
                if name == "ALL":
                    X_test = X_test.copy()
                    X_test[:, -1] = 0
                errs.append(float(np.mean(est.predict(X_test) != y_test)))
            print(f"{size:8d} {name:>7s} {errs[0]:9.4f} {errs[1]:9.4f} "
                  f"{time.time() - start:4.0f}", flush=True)


if __name__ == "__main__":
    main()
