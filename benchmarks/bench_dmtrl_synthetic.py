"""Spec AT1 and AT2 at their full protocol (3 seeds), recorded; the tests run reduced
versions. Run: python benchmarks/bench_dmtrl_synthetic.py"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import UD1Regressor  # noqa: E402
from test_dmtrl import _rank3_linear_tasks, _smallest_principal_cosine, _teacher_tasks  # noqa

from sklearn_mtl import DMTRLRegressor  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore", UserWarning)
FACTORISATIONS = ["laf", "tucker", "tt"]


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def at1():
    print("## AT1: 12 linear tasks from a rank-3 basis, n_t=25, 2000 full-batch Adam "
          "steps (lr 1e-2) per stage, rank=0.1")
    print(f"{'seed':>4s} {'fact':>6s} {'ranks':>10s} {'MSE':>7s} {'STL MSE':>8s} "
          f"{'cos':>7s} {'sim gap':>8s}")
    for seed in range(3):
        X, y, X_test, y_test, basis = _rank3_linear_tasks(seed)
        for f in FACTORISATIONS:
            est = DMTRLRegressor(f, hidden_layer_sizes=(), max_epochs=2000, lr=1e-2,
                                 batch_size=-1, random_state=0).fit(X, y)
            stl = est._forward(X_test, None, module=est.stl_module_)[0]
            W = np.column_stack([est.task_weights("out", t)[:, 0] for t in est.tasks_])
            cos = _smallest_principal_cosine(np.linalg.svd(W)[0][:, :3], basis)
            S = est.task_similarity_["out"]
            g = np.arange(12) % 3
            same = (g[:, None] == g[None, :]) & ~np.eye(12, dtype=bool)
            gap = S[same].mean() - S[g[:, None] != g[None, :]].mean()
            print(f"{seed:4d} {f:>6s} {str(est.ranks_['out']):>10s} "
                  f"{mse(est.predict(X_test), y_test):7.4f} {mse(stl, y_test):8.4f} "
                  f"{cos:7.4f} {gap:8.3f}", flush=True)


def at2(epochs=1000):
    print(f"\n## AT2: teacher with a shared hidden layer, students 20-16-1 ReLU, {epochs} "
          "full-batch Adam steps (lr 1e-2) per stage, rank=0.1, STL init; test MSE, "
          "mean over seeds 0-2")
    for n in (30, 60):
        scores = {k: [] for k in ["stl", "ud-mtl", *FACTORISATIONS]}
        for seed in range(3):
            X, y, X_test, y_test = _teacher_tasks(seed, n)
            for f in FACTORISATIONS:
                est = DMTRLRegressor(f, hidden_layer_sizes=(16,), max_epochs=epochs, lr=1e-2,
                                     batch_size=-1, random_state=seed).fit(X, y)
                scores[f].append(mse(est.predict(X_test), y_test))
            scores["stl"].append(mse(est._forward(X_test, None, module=est.stl_module_)[0],
                                     y_test))
            ud = UD1Regressor(hidden_layer_sizes=(16,), max_epochs=epochs, lr=1e-2,
                              batch_size=-1, random_state=seed).fit(X, y)
            scores["ud-mtl"].append(mse(ud.predict(X_test), y_test))
        means = {k: np.mean(v) for k, v in scores.items()}
        print(f"n_t={n}: " + "  ".join(f"{k} {v:.3f}" for k, v in means.items())
              + "   ratio to STL: " + "  ".join(
                  f"{k} {means[k] / means['stl']:.3f}" for k in FACTORISATIONS), flush=True)
        for k, v in scores.items():
            print(f"    {k:7s} per seed: " + " ".join(f"{s:.3f}" for s in v))


if __name__ == "__main__":
    start = time.time()
    print("# bench_dmtrl_synthetic: spec AT1/AT2 full protocol; 1 torch thread, shared "
          "2-core machine")
    at1()
    at2()
    print(f"\n# total {time.time() - start:.0f} s")
