"""Speed of GoMTLRegressor.fit against T independent scikit-learn Ridge fits.

Run from the repository root::

    python benchmarks/bench_gomtl.py --profile | tee benchmarks/results/bench_gomtl.txt

Data: ``make_low_rank_tasks(n_tasks=T, n_samples=30, n_features=50, n_bases=5,
random_state=0)`` for T = 10, 100, 1000, 10000 (30 rows per task, 50 features).
Timed, each the median of 3 repeats with ``torch.set_num_threads(1)`` (the machine is
shared):

- ``ridge loop``: a Python loop over the tasks fitting ``sklearn.linear_model.Ridge
  (alpha=1.0)`` on each task's rows (grouping the rows by task is inside the timing).
- ``GoMTL default``: ``GoMTLRegressor(n_latent=5, random_state=0)`` with its default
  ``max_iter`` and ``tol``: the time to convergence, which mixes cost per iteration
  with the number of iterations.
- ``GoMTL 50 it``: the same with ``max_iter=50, tol=0``, so exactly 50 outer iterations
  (L-step, S-step, rescale) are run at every T: this measures the cost of a fit, not
  convergence speed.

Growth factors are the ratios of times between consecutive T (10x more tasks each); a
method whose cost is linear in T shows about 10x each. An untimed diagnostic pass
counts the inner iterations of the batched S-step solver (``proximal_gradient``),
whose stopping rule looks at the largest residual over all tasks. ``--profile``
adds a cProfile of the fixed-iteration fit at the smallest and largest T.
"""

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import Ridge

from sklearn_mtl import GoMTLRegressor
from sklearn_mtl.datasets import make_low_rank_tasks
from sklearn_mtl.linear import _gomtl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gomtl_real import print_environment  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TASK_COUNTS = (10, 100, 1000, 10000)
N_PER_TASK, N_FEATURES, N_LATENT = 30, 50, 5
REPEATS = 3
SETTINGS = {
    "GoMTL default": {},
    "GoMTL 50 it": {"max_iter": 50, "tol": 0.0},
}


def ridge_loop(X, y):
    tasks = X[:, -1]
    order = np.argsort(tasks, kind="stable")
    labels, starts = np.unique(tasks[order], return_index=True)
    bounds = list(starts) + [len(order)]
    models = []
    for i in range(len(labels)):
        rows = order[bounds[i]:bounds[i + 1]]
        models.append(Ridge(alpha=1.0).fit(X[rows, :-1], y[rows]))
    return models


def median_time(fit, repeats=REPEATS):
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def count_inner_iterations(X, y, params):
    """Fit once with proximal_gradient wrapped to count its iterations (untimed)."""
    original = _gomtl.proximal_gradient
    counts = []

    def counting(smooth, x0, lipschitz, penalty, **kwargs):
        calls = [0]

        def counted(s):
            calls[0] += 1
            return smooth(s)

        result = original(counted, x0, lipschitz, penalty, **kwargs)
        # One gradient evaluation and one objective evaluation per iteration, plus
        # the objective at the start.
        counts.append((calls[0] - 1) // 2)
        return result

    _gomtl.proximal_gradient = counting
    try:
        estimator = GoMTLRegressor(n_latent=N_LATENT, random_state=0, **params).fit(X, y)
    finally:
        _gomtl.proximal_gradient = original
    return estimator.n_iter_, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the fixed-iteration fit at the smallest and the "
                             "largest T")
    parser.add_argument("--tasks", type=int, nargs="+", default=list(TASK_COUNTS),
                        help="task counts T to time (default: 10 100 1000 10000)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows through `| tee`
    task_counts = sorted(args.tasks)
    torch.set_num_threads(1)

    print("# GoMTLRegressor.fit speed (benchmarks/bench_gomtl.py)")
    print_environment()
    defaults = GoMTLRegressor().get_params()
    print(f"setup        : median of {REPEATS} repeats; n={N_PER_TASK} rows per task, "
          f"d={N_FEATURES}, n_latent={N_LATENT}; defaults max_iter={defaults['max_iter']}, "
          f"tol={defaults['tol']}")
    print("(the machine is shared with other jobs: expect +-20% noise)\n")

    total_start, cpu_start = time.perf_counter(), time.process_time()
    results = {}
    iterations = {}
    inner = {}
    for T in task_counts:
        X, y = make_low_rank_tasks(n_tasks=T, n_samples=N_PER_TASK,
                                   n_features=N_FEATURES, n_bases=N_LATENT,
                                   random_state=0)
        results[("ridge loop", T)], _ = median_time(lambda: ridge_loop(X, y))
        for name, params in SETTINGS.items():
            seconds, estimator = median_time(
                lambda: GoMTLRegressor(n_latent=N_LATENT, random_state=0, **params)
                .fit(X, y))
            results[(name, T)] = seconds
            iterations[(name, T)] = estimator.n_iter_
            n_iter, counts = count_inner_iterations(X, y, params)
            inner[(name, T)] = (len(counts), float(np.mean(counts)), max(counts))
        print(f"T={T:>5} done ({time.perf_counter() - total_start:.0f}s elapsed)",
              file=sys.stderr)

    names = ["ridge loop"] + list(SETTINGS)
    header = (f"{'method':>14} {'T':>5} {'outer it':>8} {'seconds':>9} {'s/task':>9} "
              f"{'ms/outer it':>11} {'x ridge':>8} {'growth':>7}")
    print(header)
    for name in names:
        for i, T in enumerate(task_counts):
            seconds = results[(name, T)]
            n_iter = iterations.get((name, T))
            growth = (f"{seconds / results[(name, task_counts[i - 1])]:.1f}x"
                      if i else "-")
            per_iter = f"{1000 * seconds / n_iter:.2f}" if n_iter else "-"
            print(f"{name:>14} {T:>5} {n_iter or '-':>8} {seconds:>9.3f} "
                  f"{seconds / T:>9.2e} {per_iter:>11} "
                  f"{seconds / results[('ridge loop', T)]:>8.1f} {growth:>7}")
        print()
    print("x ridge = seconds / seconds of the ridge loop at the same T; growth = seconds "
          "/ seconds at the previous T.\n")

    print("S-step solver (batched FISTA over all tasks, stops on the largest residual):")
    print(f"{'method':>14} {'T':>5} {'S-steps':>8} {'mean inner it':>14} "
          f"{'max inner it':>13}")
    for name in SETTINGS:
        for T in task_counts:
            calls, mean_it, max_it = inner[(name, T)]
            print(f"{name:>14} {T:>5} {calls:>8} {mean_it:>14.1f} {max_it:>13}")
    print()

    print("Linearity in T, growth of the time per 10x more tasks (linear: about 10x; "
          "below 5x: sublinear,\nfixed per-call overhead dominates; above 20x: "
          "superlinear). For GoMTL, also the time per outer iteration:")

    def verdict(factor, decades):
        factor = factor ** (1 / decades)
        return ("sublinear" if factor < 5 else "about linear" if factor <= 20
                else "SUPERLINEAR")

    for name in names:
        times = [results[(name, T)] for T in task_counts]
        if name in SETTINGS:
            per_iter = [results[(name, T)] / iterations[(name, T)] for T in task_counts]
        for label, series in [("time", times)] + (
                [("time / outer it", per_iter)] if name in SETTINGS else []):
            steps = []
            for i in range(1, len(task_counts)):
                decades = np.log10(task_counts[i] / task_counts[i - 1])
                factor = series[i] / series[i - 1]
                steps.append(f"T {task_counts[i - 1]}->{task_counts[i]}: {factor:.1f}x "
                             f"({verdict(factor, decades)})")
            print(f"{name:>14} {label:<15}: " + "; ".join(steps))
    print()

    if args.profile:
        for T in sorted({task_counts[0], task_counts[-1]}):
            X, y = make_low_rank_tasks(n_tasks=T, n_samples=N_PER_TASK,
                                       n_features=N_FEATURES, n_bases=N_LATENT,
                                       random_state=0)
            profiler = cProfile.Profile()
            profiler.enable()
            GoMTLRegressor(n_latent=N_LATENT, random_state=0,
                           **SETTINGS["GoMTL 50 it"]).fit(X, y)
            profiler.disable()
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(15)
            text = stream.getvalue()
            total = text[text.find("function calls"):].splitlines()[0]
            text = text[text.find("   ncalls"):].rstrip()
            print(f"cProfile, GoMTL 50 it, T={T} ({total}), top 15 by own time:")
            print(text.replace(str(sys.prefix), "<venv>").replace(str(REPO), "<repo>"))
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_callers(
                r"functional.py:\d+\(einsum\)")
            callers = [line for line in stream.getvalue().splitlines()
                       if "_gomtl.py" in line or "_solvers.py" in line]
            print("  torch.einsum time by caller (ncalls tottime cumtime caller):")
            for line in callers:
                line = line.split("<-")[-1].strip() if "<-" in line else line.strip()
                print("   ", line.replace(str(REPO), "<repo>"))
            print()

    print(f"total runtime: {time.perf_counter() - total_start:.0f}s wall, "
          f"{time.process_time() - cpu_start:.0f}s CPU")


if __name__ == "__main__":
    main()
