"""Every estimator with device="cuda": predictions against the CPU fit, and GPU vs CPU time.

Run it whenever a GPU is at hand and record its output in
``benchmarks/results/bench_gpu.txt``::

    python benchmarks/bench_gpu.py > benchmarks/results/bench_gpu.txt

The size is one where a GPU can matter (a few thousand rows, tens of tasks, a
hidden layer of a few hundred units); ``--scale`` multiplies it. Each estimator
is fitted on the CPU and on the GPU from the same ``random_state``; float32
networks and float64 solvers differ by rounding only, so predictions must agree
to the tolerance printed. Without CUDA the script says so and measures nothing.
"""

import argparse
import time

import numpy as np
import torch
from sklearn.base import clone, is_classifier

from sklearn_mtl import (
    AMTFLClassifier,
    AMTFLRegressor,
    AMTLClassifier,
    AMTLRegressor,
    DeepAMTFLClassifier,
    DeepAMTFLRegressor,
    DMTRLClassifier,
    DMTRLRegressor,
    GoMTLClassifier,
    GoMTLRegressor,
)
from sklearn_mtl.datasets import make_low_rank_tasks


def estimators(hidden):
    net = dict(hidden_layer_sizes=(hidden,), max_epochs=20, batch_size=256, random_state=0)
    return [
        GoMTLRegressor(n_latent=5, max_iter=100, random_state=0),
        GoMTLClassifier(n_latent=5, max_iter=100, random_state=0),
        AMTLRegressor(max_iter=10),
        AMTLClassifier(max_iter=10),
        AMTFLRegressor(n_latent=20, max_iter=300, random_state=0),
        AMTFLClassifier(n_latent=20, max_iter=300, random_state=0),
        DMTRLRegressor(**net),
        DMTRLClassifier(**net),
        DeepAMTFLRegressor(**net),
        DeepAMTFLClassifier(**net),
    ]


def timed_fit(estimator, X, y, device):
    est = clone(estimator).set_params(device=device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    est.fit(X, y)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return est, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("No CUDA device on this machine: nothing was measured.")
        return
    print(f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")
    n_tasks, n_per_task = 40, int(100 * args.scale)
    X, y = make_low_rank_tasks(n_tasks=n_tasks, n_samples=n_per_task, n_features=100,
                               random_state=0)
    labels = (y > np.median(y)).astype(int)
    print(f"data: {n_tasks} tasks x {n_per_task} rows, 100 features\n")
    print(f"{'estimator':22s} {'cpu s':>8s} {'gpu s':>8s} {'speed-up':>9s} "
          f"{'max |diff|':>11s} agree")
    for estimator in estimators(hidden=int(256 * args.scale)):
        target = labels if is_classifier(estimator) else y
        cpu, cpu_time = timed_fit(estimator, X, target, "cpu")
        timed_fit(estimator, X, target, "cuda")  # warm-up: kernels, allocator
        gpu, gpu_time = timed_fit(estimator, X, target, "cuda")
        if is_classifier(estimator):
            a, b = cpu.predict_proba(X)[:, 1], gpu.predict_proba(X)[:, 1]
        else:
            a, b = cpu.predict(X), gpu.predict(X)
        diff = float(np.max(np.abs(a - b)))
        tolerance = 1e-3 * max(1.0, float(np.max(np.abs(a))))
        print(f"{type(estimator).__name__:22s} {cpu_time:8.2f} {gpu_time:8.2f} "
              f"{cpu_time / gpu_time:8.1f}x {diff:11.2e} {'yes' if diff <= tolerance else 'NO'}")


if __name__ == "__main__":
    main()
