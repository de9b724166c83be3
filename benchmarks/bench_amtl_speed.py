"""Speed of AMTLRegressor.fit against T independent scikit-learn Ridge fits.

Run from the repository root::

    python benchmarks/bench_amtl_speed.py | tee benchmarks/results/bench_amtl_speed.txt

Data: ``make_asymmetric_tasks`` with T/2 reliable and T/2 unreliable tasks (twins,
``n_parents=1``), 60 rows per task, d=50, noise 1 and 4, ``random_state=0``, for
T = 10, 100, 500. Timed with one torch and one BLAS thread (the machine is shared),
the median of ``REPEATS[T]`` runs (3, or 1 at T=500):

- ``ridge loop``: a Python loop over the tasks fitting ``sklearn.linear_model.Ridge
  (alpha=1.0)`` on each task's rows (the loop of ``bench_gomtl.py``).
- ``AMTL default``: ``AMTLRegressor()`` with its defaults (``max_iter=20,
  tol=1e-4``): time to convergence.
- ``AMTL 10 it``: ``max_iter=10, tol=0``, exactly 10 alternations at every T: the
  cost of a fit, not of convergence.

For context, not speed: the mean squared weight error ``||w_t - w_t*||^2`` of the
reliable and unreliable tasks, ridge loop against AMTL default.

Then the B-step alone, at the W of the fitted default model: the batched form used
by the estimator (one monotone FISTA over all T columns at once, ``transfer_step``)
against the per-column form of the spec's pilot, a Python loop calling
``sklearn.linear_model.Lasso(positive=True)`` once per task on the rescaled design
``W_{-t} / l`` (the same optimisation problem; the largest entry-wise difference of
the two solutions and their B-step objectives are printed). Both are run from
B = 0 to a tight tolerance here (FISTA up to 5000 iterations, tol 1e-10; Lasso tol
1e-10), unlike inside ``fit``, where a B-step runs at most 200 warm-started
iterations per alternation.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import Lasso
from threadpoolctl import threadpool_limits

from sklearn_mtl.datasets import make_asymmetric_tasks
from sklearn_mtl.linear._amtl import AMTLRegressor, transfer_step
from sklearn_mtl.linear._solvers import DTYPE

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_amtl_real import print_environment  # noqa: E402
from bench_gomtl import ridge_loop  # noqa: E402

TASK_COUNTS = (10, 100, 500)
N_PER_TASK, N_FEATURES = 60, 50
REPEATS = {10: 3, 100: 3, 500: 1}
SETTINGS = {
    "AMTL default": {},
    "AMTL 10 it": {"max_iter": 10, "tol": 0.0},
}


def median_time(fit, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def lasso_loop(coef, losses, sparsity, strength):
    """The B-step as T separate non-negative lassos (sklearn), one per target task."""
    n_tasks, d = coef.shape
    scaled = np.maximum(losses, 1e-8)
    B = np.zeros((n_tasks, n_tasks))
    for t in range(n_tasks):
        sources = np.flatnonzero(np.arange(n_tasks) != t)
        design = coef[sources].T / scaled[sources]
        # lambda ||w_t - W b||^2 + mu sum_s l_s b_s, with beta_s = l_s b_s and the
        # objective divided by 2 lambda d: Lasso's (1/2n)||.||^2 + alpha ||beta||_1.
        model = Lasso(alpha=sparsity / (2 * strength * d), positive=True,
                      fit_intercept=False, max_iter=100000, tol=1e-10)
        model.fit(design, coef[t])
        B[sources, t] = model.coef_ / scaled[sources]
    return B


def b_objective(B, coef, losses, sparsity, strength):
    """The B-step objective: lambda ||W - W B||_F^2 + mu sum_s l_s sum_t B[s, t]."""
    return float(strength * ((B.T @ coef - coef) ** 2).sum()
                 + sparsity * (losses[:, None] * np.abs(B)).sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=list(TASK_COUNTS))
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    torch.set_num_threads(1)
    task_counts = sorted(args.tasks)

    print("# AMTLRegressor.fit speed (benchmarks/bench_amtl_speed.py)")
    print_environment()
    print(f"setup        : median of {REPEATS} repeats (T: n); n={N_PER_TASK} rows per task, "
          f"d={N_FEATURES}; T/2 reliable + T/2 unreliable twin tasks")
    print("(the machine is shared with other jobs: expect +-20% noise)\n")

    results, iterations, bstep, errors, reliable = {}, {}, {}, {}, {}
    with threadpool_limits(1):
        for T in task_counts:
            X, y, truth = make_asymmetric_tasks(
                n_reliable=T // 2, n_unreliable=T - T // 2,
                n_samples_reliable=N_PER_TASK, n_samples_unreliable=N_PER_TASK,
                n_features=N_FEATURES, noise_reliable=1.0, noise_unreliable=4.0,
                return_structure=True, random_state=0)
            repeats = REPEATS.get(T, 1)
            results[("ridge loop", T)], ridges = median_time(lambda: ridge_loop(X, y),
                                                             repeats)
            fitted = None
            for name, params in SETTINGS.items():
                seconds, estimator = median_time(lambda: AMTLRegressor(**params).fit(X, y),
                                                 repeats)
                results[(name, T)] = seconds
                iterations[(name, T)] = estimator.n_iter_
                fitted = fitted or estimator
            ridge_coef = np.stack([model.coef_ for model in ridges])
            errors[T] = [((coef - truth.coef) ** 2).sum(1) for coef in (ridge_coef,
                                                                        fitted.coef_)]
            reliable[T] = truth.reliable
            coef = torch.as_tensor(fitted.coef_, dtype=DTYPE)
            losses = torch.as_tensor(fitted.task_losses_, dtype=DTYPE)
            mu, lam = fitted.transfer_sparsity, fitted.transfer_strength
            batched_s, B_batched = median_time(
                lambda: transfer_step(coef, losses, mu, lam, max_iter=5000,
                                      tol=1e-10).numpy(), repeats)
            loop_s, B_loop = median_time(
                lambda: lasso_loop(fitted.coef_, fitted.task_losses_, mu, lam), 1)
            bstep[T] = (batched_s, loop_s, float(np.abs(B_batched - B_loop).max()),
                        float(np.abs(B_loop).max()),
                        b_objective(B_batched, fitted.coef_, fitted.task_losses_, mu, lam),
                        b_objective(B_loop, fitted.coef_, fitted.task_losses_, mu, lam))
            print(f"T={T:>4} done", file=sys.stderr)

    names = ["ridge loop"] + list(SETTINGS)
    print(f"{'method':>13} {'T':>4} {'outer it':>8} {'seconds':>9} {'ms/task':>8} "
          f"{'x ridge':>8} {'growth':>7}")
    for name in names:
        for i, T in enumerate(task_counts):
            seconds = results[(name, T)]
            growth = f"{seconds / results[(name, task_counts[i - 1])]:.1f}x" if i else "-"
            print(f"{name:>13} {T:>4} {iterations.get((name, T), '-'):>8} "
                  f"{seconds:>9.3f} {1000 * seconds / T:>8.2f} "
                  f"{seconds / results[('ridge loop', T)]:>8.1f} {growth:>7}")
        print()
    print("x ridge = seconds / seconds of the ridge loop at the same T; growth = seconds "
          "/ seconds at the previous T\n(T 10->100 is 10x more tasks, 100->500 is 5x; "
          "B has T^2 entries, so AMTL grows faster than linearly).\n")

    print("Weight error (context): mean ||w_t - w_t*||^2, reliable / unreliable tasks")
    print(f"{'T':>4} {'ridge loop':>17} {'AMTL default':>17}")
    for T in task_counts:
        ridge_err, amtl_err = errors[T]
        mask = reliable[T]
        print(f"{T:>4} {ridge_err[mask].mean():>8.2f} / {ridge_err[~mask].mean():>6.2f} "
              f"{amtl_err[mask].mean():>8.2f} / {amtl_err[~mask].mean():>6.2f}")
    print()

    print("B-step alone, at the fitted W (tol 1e-10): batched FISTA vs a loop of T "
          "sklearn Lasso fits")
    print(f"{'T':>4} {'batched s':>10} {'Lasso loop s':>13} {'loop / batched':>15} "
          f"{'max |B diff|':>13} {'max |B|':>8} {'obj batched':>14} {'obj loop':>14}")
    for T in task_counts:
        batched_s, loop_s, diff, scale, obj_batched, obj_loop = bstep[T]
        print(f"{T:>4} {batched_s:>10.3f} {loop_s:>13.3f} {loop_s / batched_s:>15.1f} "
              f"{diff:>13.2e} {scale:>8.3f} {obj_batched:>14.6f} {obj_loop:>14.6f}")


if __name__ == "__main__":
    main()
