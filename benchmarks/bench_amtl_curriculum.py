"""AMTL's two solvers on the twin-task data: the alternation and the curriculum.

Run from the repository root::

    python benchmarks/bench_amtl_curriculum.py | tee benchmarks/results/bench_amtl_curriculum.txt

Data: ``make_asymmetric_tasks`` with the acceptance tests' "twins" (6 easy tasks,
noise 1, and 6 hard twins, noise 4; 60 rows per task, d=30) and the imbalanced
setting (easy: 100 rows, noise 1; hard: 30 rows, noise 4; d=20), seeds 0-9. Score:
each task's population RMSE (exact for x ~ N(0, I)), averaged within the easy and
within the hard tasks, then over seeds.

Rows: ``STL`` per-task ``RidgeCV``; ``AMTL alternating`` and ``AMTL curriculum``
at the defaults (``transfer_strength=0.1``, ``transfer_sparsity=1``), which differ
only in ``solver``. ``first6`` counts the seeds on which the curriculum learnt all
six easy tasks before any hard one; ``time`` is the mean fit time in seconds.

The question: does the 2016 paper's one-task-at-a-time approximation order the
tasks by reliability, and what does it cost or gain against the alternation?
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from sklearn_mtl import AMTLRegressor
from sklearn_mtl.datasets import make_asymmetric_tasks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
from bench_amtl_real import print_environment  # noqa: E402
from test_amtl import (  # noqa: E402  (the acceptance tests' data and baselines)
    IMBALANCED,
    TWINS,
    _per_task_ridge,
    _population_rmse,
)

SEEDS = range(10)


def run(name, setting):
    print(f"## {name}: {setting}")
    rows = {"STL": [], "AMTL alternating": [], "AMTL curriculum": []}
    times = {key: [] for key in rows}
    first6 = 0
    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **setting)
        start = time.perf_counter()
        fits = {"STL": _per_task_ridge(X, y)}
        times["STL"].append(time.perf_counter() - start)
        for key, solver in [("AMTL alternating", "alternating"),
                            ("AMTL curriculum", "curriculum")]:
            start = time.perf_counter()
            est = AMTLRegressor(solver=solver).fit(X, y)
            times[key].append(time.perf_counter() - start)
            fits[key] = (est.coef_, est.intercept_)
            if solver == "curriculum":
                order = np.searchsorted(est.tasks_, est.curriculum_order_)
                first6 += bool(truth.reliable[order[:6]].all())
        for key, (coef, intercept) in fits.items():
            rmse = _population_rmse(coef, intercept, truth)
            rows[key].append((rmse[truth.reliable].mean(), rmse[~truth.reliable].mean()))
    stl = np.mean(rows["STL"], axis=0)
    print(f"{'model':>18} | {'easy':>6} {'hard':>6} {'e/STL':>6} {'h/STL':>6} | time")
    for key, values in rows.items():
        easy, hard = np.mean(values, axis=0)
        print(f"{key:>18} | {easy:6.3f} {hard:6.3f} {easy / stl[0]:6.3f} "
              f"{hard / stl[1]:6.3f} | {np.mean(times[key]):.3f}")
    print(f"curriculum first6 (all easy tasks learnt first): {first6}/{len(SEEDS)}")
    print()


if __name__ == "__main__":
    torch.set_num_threads(1)
    with threadpool_limits(1):
        print("# AMTL alternation against curriculum (benchmarks/bench_amtl_curriculum.py)")
        print_environment()
        print()
        run("Twins", TWINS)
        run("Imbalanced", IMBALANCED)
