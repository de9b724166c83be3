"""Multi-domain learning (paper v1, section 4.4) scaled down: MNIST + USPS.

Two domains (tasks) with the same 10 digits. USPS 16x16 images are upscaled to
28x28 (bilinear) so both domains share one input shape (the paper used 32x32x3).
Models: STL (one net per domain; STL-2x trained as many epochs as DMTRL's two
stages together), ALL (one net on the pooled data, domain
ignored), DMTRL-LAF/Tucker/TT (STL init, rank=0.1). Net: 8@5x5, 16@4x4, FC 64.
The 10-way output: laf/tucker/tt use one softmax head per domain (not shared,
output_layer="per_task"); laf-F/tucker-F/tt-F factorise it across the domains
like the other layers (output_layer="factorised", the paper's Fig. 1).
Scaled down: 100 and 400 training images per domain from the first 4000, test
on the last 1000 of each file, seeds 0-2 (training subset and torch seed),
20 epochs per stage. Errors are mean (std) over the seeds.
Run: python benchmarks/bench_dmtrl_mdl.py [--seeds 0 1 2]
"""

import argparse
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
RESULT = Path(__file__).resolve().parent / "results" / "bench_dmtrl_mdl.txt"
SIZES, EPOCHS = (100, 400), 20
ARCH = dict(conv_layers=((8, 5), (16, 4)), hidden_layer_sizes=(64,), input_shape=(1, 28, 28),
            lr=1e-3, batch_size=64, max_epochs=EPOCHS)
LINES = []


def out(line):
    print(line, flush=True)
    LINES.append(line)


def load():
    mnist = np.load(DATA / "mnist5k.npz")
    usps = np.load(DATA / "usps5k.npz")
    m = mnist["imgs"].astype(np.float32) / 255
    u = torch.as_tensor(usps["imgs"].astype(np.float32) / 255)[:, None]
    u = F.interpolate(u, size=(28, 28), mode="bilinear", align_corners=False)[:, 0].numpy()
    return [(m.reshape(len(m), -1), mnist["labs"]), (u.reshape(len(u), -1), usps["labs"])]


def models(X, X_pooled, seed):
    arch = {**ARCH, "random_state": seed}
    return {
        "STL": (STLClassifier(**arch), X),
        # DMTRL trains 2 x EPOCHS in all (single-task stage + fine-tuning).
        "STL-2x": (STLClassifier(**{**arch, "max_epochs": 2 * EPOCHS}), X),
        "ALL": (STLClassifier(**arch), X_pooled),
        **{f: (DMTRLClassifier(f, **arch), X) for f in ("laf", "tucker", "tt")},
        **{f"{f}-F": (DMTRLClassifier(f, output_layer="factorised", **arch), X)
           for f in ("laf", "tucker", "tt")},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    seeds = parser.parse_args().seeds
    domains = load()
    out(__doc__.strip().splitlines()[0])
    out(f"# sizes per domain {SIZES}, {EPOCHS} epochs per stage, Adam lr 1e-3, batch 64, "
        f"log loss, seeds {seeds}, 1 torch thread, shared 2-core machine")
    out("# -F: output_layer='factorised' (10-way output factorised across domains); "
        "s: mean fit+predict seconds per seed")
    out(f"{'n/domain':>8s} {'model':>8s} {'MNIST err':>15s} {'USPS err':>15s} {'s':>4s}")
    tests = [(np.column_stack([x[4000:], np.full(1000, d)]), y[4000:])
             for d, (x, y) in enumerate(domains)]
    for size in SIZES:
        errs, times = {}, {}
        for seed in seeds:
            rng = np.random.RandomState(seed)
            parts = []
            for d, (x, y) in enumerate(domains):
                rows = rng.choice(4000, size, replace=False)
                parts.append((np.column_stack([x[rows], np.full(size, d)]), y[rows]))
            X = np.vstack([p[0] for p in parts])
            y = np.concatenate([p[1] for p in parts])
            X_pooled = X.copy()
            X_pooled[:, -1] = 0
            for name, (est, X_fit) in models(X, X_pooled, seed).items():
                start = time.time()
                est.fit(X_fit, y)
                row = []
                for X_test, y_test in tests:
                    if name == "ALL":
                        X_test = X_test.copy()
                        X_test[:, -1] = 0
                    row.append(float(np.mean(est.predict(X_test) != y_test)))
                errs.setdefault(name, []).append(row)
                times.setdefault(name, []).append(time.time() - start)
                print(f"#   size {size} seed {seed} {name}: {row} "
                      f"{times[name][-1]:.0f}s", flush=True)
        for name, rows in errs.items():
            rows = np.array(rows)
            cells = [f"{m:.4f} ({sd:.4f})" for m, sd in zip(rows.mean(0), rows.std(0))]
            out(f"{size:8d} {name:>8s} {cells[0]:>15s} {cells[1]:>15s} "
                f"{np.mean(times[name]):4.0f}")
        # Written after every size, so an interrupted run keeps what it measured.
        RESULT.write_text("\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
