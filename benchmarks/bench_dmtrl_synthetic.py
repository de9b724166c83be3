"""Spec AT1 (seeds 0-4) and AT2 (3 seeds), recorded; the tests run reduced versions.

Run: python benchmarks/bench_dmtrl_synthetic.py [--section at1|at2|all]
(default all). benchmarks/results/bench_dmtrl_synthetic.txt holds the latest output
of each section; after re-running one section, replace only that section there.
"""

import argparse
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
from sklearn_mtl.nn import decompose  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore", UserWarning)
FACTORISATIONS = ["laf", "tucker", "tt"]


def mse(a, b):
    return float(np.mean((a - b) ** 2))


STL_PROTOCOLS = [  # (label, lr, single-task steps)
    ("spec", 1e-2, 2000),
    ("spec x4", 1e-2, 8000),
    ("lr 3e-2", 3e-2, 4000),
    ("lr 0.1", 1e-1, 2000),
]


def _tails(matrix):
    """Relative Frobenius error of the best rank-K approximation, K = 0, 1, ..."""
    energy = np.linalg.svd(matrix, compute_uv=False) ** 2
    return np.sqrt(np.cumsum(energy[::-1])[::-1] / energy.sum())


def _stl_stack(est):
    """Single-task weights (d, T) and biases (T,) as the decomposition sees them."""
    layer = est.stl_module_.layers[0]
    return (layer.weight_stack()[:, 0, :].numpy().astype(np.float64),
            layer.bias.detach().numpy()[:, 0].astype(np.float64))


def _least_squares(X, y, X_test, y_test, features=None):
    """Per-task least squares with an intercept (on ``features(x)`` if given)."""
    features = features or (lambda z: z)
    task, task_test = X[:, -1].astype(int), X_test[:, -1].astype(int)
    weights, train, test = [], [], []
    for t in range(12):
        design = np.column_stack([features(X[task == t, :-1]), np.ones((task == t).sum())])
        coef = np.linalg.lstsq(design, y[task == t], rcond=None)[0]
        design_test = np.column_stack([features(X_test[task_test == t, :-1]),
                                       np.ones((task_test == t).sum())])
        weights.append(coef[:-1])
        train.append(mse(design @ coef, y[task == t]))
        test.append(mse(design_test @ coef, y_test[task_test == t]))
    return np.column_stack(weights), float(np.mean(train)), float(np.mean(test))


def _ranks(stack):
    return " ".join(str(decompose(stack, f, rank=0.1).ranks) for f in FACTORISATIONS)


def at1_rank_rule(seeds=range(5)):
    print("### AT1a: single-task stage and the rank rule at rank=0.1 (Frobenius)")
    print("STL stage = full-batch Adam on the task-uniform MSE; 'LS' = exact per-task least "
          "squares with intercept; train MSE is the mean over tasks; dist = "
          "||W - W_LS||_F / ||W_LS||_F; tail@K = relative Frobenius error of the best rank-K "
          "approximation of the 20 x 12 weight stack (+b: with the bias row appended, not "
          "what is decomposed); ranks = LAF / Tucker / TT")
    print(f"{'seed':>4s} {'STL stage':>18s} {'train':>7s} {'test':>7s} {'dist':>7s} "
          f"{'sigma_1..5':>36s} {'tail@3':>7s} {'tail@4':>7s} {'+b@3':>6s}  ranks")
    for seed in seeds:
        X, y, X_test, y_test, _ = _rank3_linear_tasks(seed)
        exact, ls_train, ls_test = _least_squares(X, y, X_test, y_test)
        rows = [("LS (exact)", exact, None, ls_train, ls_test)]
        for label, lr, steps in STL_PROTOCOLS:
            est = DMTRLRegressor(hidden_layer_sizes=(), stl_max_epochs=steps, max_epochs=0,
                                 lr=lr, batch_size=-1, random_state=0).fit(X, y)
            weights, bias = _stl_stack(est)
            rows.append((f"{label} {steps}", weights, bias,
                         mse(est._forward(X, None, module=est.stl_module_)[0], y),
                         mse(est._forward(X_test, None, module=est.stl_module_)[0], y_test)))
        for label, weights, bias, train, test in rows:
            tails = _tails(weights)
            with_bias = "" if bias is None else f"{_tails(np.vstack([weights, bias]))[3]:6.4f}"
            dist = np.linalg.norm(weights - exact) / np.linalg.norm(exact)
            sigma = np.linalg.svd(weights, compute_uv=False)[:5]
            print(f"{seed:4d} {label:>18s} {train:7.4f} {test:7.4f} {dist:7.4f} "
                  f"{' '.join(f'{v:6.3f}' for v in sigma):>36s} {tails[3]:7.4f} "
                  f"{tails[4]:7.4f} {with_bias:>6s}  {_ranks(weights[:, None, :])}", flush=True)


def at1_full_fit(seeds=range(5), lr=3e-2, stl_steps=4000, steps=2000):
    print(f"\n### AT1b: full fit; STL stage {stl_steps} full-batch Adam steps (lr {lr:g}, "
          f"converged: see AT1a), then {steps} DMTRL steps (lr {lr:g}), rank=0.1")
    print("oracle = per-task least squares on the true 3-d basis + intercept; ratio = MSE / "
          "STL MSE; cos = smallest principal cosine to the true basis; sim gap = mean "
          "within-group minus across-group task_similarity_")
    print(f"{'seed':>4s} {'fact':>6s} {'ranks':>10s} {'MSE':>7s} {'STL MSE':>8s} "
          f"{'oracle':>7s} {'ratio':>6s} {'cos':>7s} {'sim gap':>8s}")
    for seed in seeds:
        X, y, X_test, y_test, basis = _rank3_linear_tasks(seed)
        oracle = _least_squares(X, y, X_test, y_test, lambda z: z @ basis)[2]
        for f in FACTORISATIONS:
            est = DMTRLRegressor(f, hidden_layer_sizes=(), stl_max_epochs=stl_steps,
                                 max_epochs=steps, lr=lr, batch_size=-1,
                                 random_state=0).fit(X, y)
            stl = mse(est._forward(X_test, None, module=est.stl_module_)[0], y_test)
            W = np.column_stack([est.task_weights("out", t)[:, 0] for t in est.tasks_])
            cos = _smallest_principal_cosine(np.linalg.svd(W)[0][:, :3], basis)
            S = est.task_similarity_["out"]
            g = np.arange(12) % 3
            same = (g[:, None] == g[None, :]) & ~np.eye(12, dtype=bool)
            gap = S[same].mean() - S[g[:, None] != g[None, :]].mean()
            error = mse(est.predict(X_test), y_test)
            print(f"{seed:4d} {f:>6s} {str(est.ranks_['out']):>10s} {error:7.4f} {stl:8.4f} "
                  f"{oracle:7.4f} {error / stl:6.3f} {cos:7.4f} {gap:8.3f}", flush=True)


def at1():
    print("## AT1: 12 linear tasks from a rank-3 basis (d=20, n_t=25, noise sd 0.1, 200 "
          "test rows per task), seeds 0-4")
    at1_rank_rule()
    at1_full_fit()


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
    parser = argparse.ArgumentParser()
    parser.add_argument("--section", choices=["at1", "at2", "all"], default="all")
    section = parser.parse_args().section
    start = time.time()
    print(f"# bench_dmtrl_synthetic --section {section}; 1 torch thread, shared 2-core "
          "machine")
    if section in ("at1", "all"):
        at1()
    if section in ("at2", "all"):
        at2()
    print(f"\n# total {time.time() - start:.0f} s")
