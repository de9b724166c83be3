"""AMTL on the twin-task data of its acceptance tests: easy against hard tasks.

Run from the repository root::

    python benchmarks/bench_amtl_synthetic.py | tee benchmarks/results/bench_amtl_synthetic.txt

Data: ``make_asymmetric_tasks`` with the spec's AT1 "twins" (6 easy tasks, noise 1,
and 6 hard twins sharing their weights, noise 4; 60 rows per task, d=30) and the
issue's imbalanced setting (easy: 100 rows, noise 1; hard: 30 rows, noise 4; d=20),
seeds 0-9. Score: each task's population RMSE (exact for x ~ N(0, I), no test set),
averaged within the easy and within the hard tasks, then over seeds.

Rows:

- ``STL``: per-task ``RidgeCV`` (alphas 1e-3..1e3); ``mean-reg``: Evgeniou & Pontil's
  regularised MTL ``w_t = w_0 + v_t``, penalty by GCV; ``GoMTL``: ``n_latent=6``
  (the twins' true rank), other defaults. The last two are the symmetric baselines.
- ``AMTL lam=.., mu=..``: a fixed grid of ``transfer_strength`` (lambda) and
  ``sparsity`` (mu), the same for every seed (not chosen on these seeds).
- ``AMTL CV(mse)`` / ``AMTL CV(task r2)``: lambda and mu chosen per seed by 3-fold CV
  on the training rows, scoring the pooled MSE (which the noisy hard tasks dominate)
  or the mean of the per-task R^2 (every task counts alike).

The question this answers: is there a setting at which the easy tasks are no worse
than per-task models (within 5%) while the hard tasks gain clearly (5% or more) over
both per-task models and the mean-regularised baseline?
"""

import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold
from threadpoolctl import threadpool_limits

from sklearn_mtl import AMTLRegressor, GoMTLRegressor
from sklearn_mtl.datasets import make_asymmetric_tasks
from sklearn_mtl.metrics import per_task_metric

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
from bench_amtl_real import print_environment  # noqa: E402
from test_amtl import (  # noqa: E402  (the acceptance tests' data and baselines)
    IMBALANCED,
    TWINS,
    _mean_regularised,
    _per_task_ridge,
    _population_rmse,
)

SEEDS = range(10)
FIXED = [(0.1, 1.0), (0.1, 3.0), (0.3, 1.0), (0.3, 3.0), (1.0, 1.0)]
GRID = {"transfer_strength": [0.1, 0.3, 1.0], "sparsity": [1.0, 3.0]}


def mean_task_r2(estimator, X, y):
    return float(np.mean(list(per_task_metric(r2_score, y, estimator.predict(X),
                                              X[:, -1]).values())))


def run(name, setting):
    print(f"## {name}: {setting}")
    rows = {}

    def record(label, coef, intercept, truth):
        rmse = _population_rmse(coef, intercept, truth)
        rows.setdefault(label, []).append(
            (rmse[truth.reliable].mean(), rmse[~truth.reliable].mean()))

    for seed in SEEDS:
        X, y, truth = make_asymmetric_tasks(return_structure=True, random_state=seed,
                                            **setting)
        record("STL", *_per_task_ridge(X, y), truth)
        record("mean-reg", *_mean_regularised(X, y), truth)
        gomtl = GoMTLRegressor(n_latent=6, random_state=0).fit(X, y)
        record("GoMTL", gomtl.coef_, gomtl.intercept_, truth)
        for lam, mu in FIXED:
            est = AMTLRegressor(transfer_strength=lam, sparsity=mu).fit(X, y)
            record(f"AMTL lam={lam} mu={mu}", est.coef_, est.intercept_, truth)
        for label, scoring in [("AMTL CV(mse)", "neg_mean_squared_error"),
                               ("AMTL CV(task r2)", mean_task_r2)]:
            search = GridSearchCV(AMTLRegressor(), GRID, scoring=scoring,
                                  cv=KFold(3, shuffle=True, random_state=0)).fit(X, y)
            best = search.best_estimator_
            record(label, best.coef_, best.intercept_, truth)
            params = search.best_params_
            rows.setdefault(label + " picks", []).append(
                (params["transfer_strength"], params["sparsity"]))

    stl = np.array(rows["STL"])
    mean_reg = np.array(rows["mean-reg"])
    print(f"{'model':>24} {'easy RMSE':>10} {'hard RMSE':>10} {'easy/STL':>9} "
          f"{'hard/STL':>9} {'hard/mreg':>9} {'easy ok':>8} {'hard ok':>8}")
    for label, values in rows.items():
        if label.endswith("picks"):
            continue
        values = np.array(values)
        easy, hard = values.mean(0)
        easy_ratio = easy / stl[:, 0].mean()
        hard_ratio = hard / stl[:, 1].mean()
        mreg_ratio = hard / mean_reg[:, 1].mean()
        # Per seed: easy within 5% of STL; hard 5% below both STL and mean-reg.
        easy_ok = int(np.sum(values[:, 0] <= 1.05 * stl[:, 0]))
        hard_ok = int(np.sum((values[:, 1] <= 0.95 * stl[:, 1])
                             & (values[:, 1] <= 0.95 * mean_reg[:, 1])))
        print(f"{label:>24} {easy:10.3f} {hard:10.3f} {easy_ratio:9.3f} {hard_ratio:9.3f} "
              f"{mreg_ratio:9.3f} {easy_ok:>5}/{len(SEEDS)} {hard_ok:>5}/{len(SEEDS)}")
    for label in ("AMTL CV(mse) picks", "AMTL CV(task r2) picks"):
        picks = [f"{lam:g}/{mu:g}" for lam, mu in rows[label]]
        print(f"{label} (lambda/mu per seed): {' '.join(picks)}")
    print()


def main():
    torch.set_num_threads(1)
    print("# AMTL, easy against hard tasks (benchmarks/bench_amtl_synthetic.py)")
    print_environment()
    print("columns: mean population RMSE over seeds 0-9; ratios of those means; "
          "'easy ok' = seeds with easy RMSE <= 1.05 x STL; 'hard ok' = seeds with "
          "hard RMSE <= 0.95 x both STL and mean-reg")
    print()
    with threadpool_limits(1):
        run("Twins (spec AT1)", TWINS)
        run("Imbalanced (the issue's easy/hard setting)", IMBALANCED)


if __name__ == "__main__":
    main()
