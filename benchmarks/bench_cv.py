"""The cross-validated linear estimators on School and Landmine, against the
baselines of :func:`sklearn_mtl.model_selection.baseline_report`, and the search's
fit time against ``GridSearchCV`` of the base estimator over the same grid.

Run from the repository root (one thread; about 12 minutes on the shared machine):

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 .venv/bin/python benchmarks/bench_cv.py

Writes ``benchmarks/results/bench_cv.txt``. The two data sets run in two worker
processes side by side; each part's lines are collected in order.

Protocol, subsampled to fit the time budget (stated again in the output):

- outer splits: 2 ``TaskShuffleSplit`` splits, 70% of each task's rows for training
  (School) and 20% (Landmine, the papers' protocol); every model of a split is
  fitted on the same rows and scored on the rest by ``baseline_report``;
- the CV estimators search with an inner ``cv=2`` (TaskStratifiedKFold) and small
  grids given below, not their default grids (which are larger), and their base
  estimators run with capped iterations (GoMTL ``max_iter=30``, ``tol=1e-3``;
  AMTFL ``max_iter=150``);
- the timing compares, on the first split's training rows, the CV estimator's fit
  (search and refit) with ``GridSearchCV(base, same grid, same folds)`` (search
  and refit, without the no-sharing candidate, which GridSearchCV cannot hold).
"""

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")
RESULTS = ROOT / "benchmarks" / "results" / "bench_cv.txt"
N_SPLITS = 2


def _grids(name, X, y):
    """Small grids for the benchmark, on the CV estimators' own data-scaled rules."""
    task = X[:, -1]
    rows = np.bincount(np.unique(task, return_inverse=True)[1]).mean() * 0.7 * 0.5
    variance = float(np.var(y))
    if name.startswith("GoMTL"):
        s = rows * (variance if "Regressor" in name else 1.0)
        return dict(sparsities=list(s * np.array([1e-3, 1e-2])),
                    basis_penalties=[float(s)]), dict(max_iter=30)
    if name.startswith("AMTL"):
        v = float(np.mean(np.var(X[:, :-1], axis=0)))
        return dict(transfer_strengths=list(v * np.array([1e-3, 1e-2, 1e-1])),
                    transfer_sparsities=[1.0, 1e12]), {}
    scale = variance if "Regressor" in name else 1.0
    return dict(transfer_strengths=[0.0, 1.0],
                sparsities=[scale * 1e-2]), dict(max_iter=150)


def _part(dataset):
    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    from sklearn.model_selection import GridSearchCV

    import sklearn_mtl
    from sklearn_mtl.datasets import load_landmine, load_school
    from sklearn_mtl.model_selection import (
        TaskShuffleSplit,
        TaskStratifiedKFold,
        baseline_report,
    )

    if dataset == "school":
        X, y = load_school(DATA / "school.mat", return_X_y=True)
        names, train_size = ["GoMTLRegressorCV", "AMTLRegressorCV", "AMTFLRegressorCV"], 0.7
    else:
        X, y = load_landmine(DATA / "landmine.mat", return_X_y=True)
        names = ["GoMTLClassifierCV", "AMTLClassifierCV", "AMTFLClassifierCV"]
        train_size = 0.2
    shuffle = TaskShuffleSplit(n_splits=50, train_size=train_size,
                               test_size=1 - train_size, random_state=0)
    task = np.unique(X[:, -1], return_inverse=True)[1]
    outer = []
    for train, test in shuffle.split(X, y):
        # Landmine (6% positives, 20% training): keep the first splits whose
        # training rows hold both labels in every task, which the per-task
        # baselines need (a condition on the training rows only).
        if dataset == "landmine" and any(
                np.unique(y[train][task[train] == t]).size < 2 for t in np.unique(task)):
            continue
        outer.append((train, test))
        if len(outer) == N_SPLITS:
            break
    lines = [f"== {dataset}: {X.shape[0]} rows, {len(np.unique(X[:, -1]))} tasks, "
             f"{X.shape[1] - 1} features; {N_SPLITS} outer splits, train share "
             f"{train_size} per task"]
    for name in names:
        cls = getattr(sklearn_mtl, name)
        grids, base_params = _grids(name, X, y)
        est = cls(**grids, cv=2, random_state=0,
                  max_iter=base_params.get("max_iter"),
                  estimator_params={"tol": 1e-3} if name.startswith("GoMTL") else None)
        start = time.perf_counter()
        report = baseline_report(est, X, y, cv=outer)
        report_time = time.perf_counter() - start
        overall = report.loc["overall"]
        metric = dict(report.attrs)
        lines.append(f"-- {name}  grid {grids}  base {base_params}")
        lines.append(f"   metric: {metric} ('overall' row of baseline_report; "
                     f"{N_SPLITS} splits; "
                     f"{report_time:.0f} s for the report)")
        for column in ("estimator", "per_task", "pooled", "pooled_task_intercepts"):
            lines.append(f"   {column:24s} {overall[column]:.4f}")
        if "mean per task" in report.index:
            mean_row = report.loc["mean per task"]
            lines.append("   mean per task: " + ", ".join(
                f"{c} {mean_row[c]:.4f}" for c in ("estimator", "per_task", "pooled",
                                                   "pooled_task_intercepts")))
        verdict = ("BEATS" if overall["gain_low"] > 0 else
                   "beats (interval includes 0)" if overall["gain"] > 0 else
                   "DOES NOT BEAT")
        lines.append(f"   gain over best baseline ({overall['best_baseline']}): "
                     f"{overall['gain']:+.4f} [{overall['gain_low']:+.4f}, "
                     f"{overall['gain_high']:+.4f}] -> {name} {verdict} the best baseline")
        # Timing on the first split's training rows, same inner folds.
        train, _ = outer[0]
        X_train, y_train = X[train], y[train]
        start = time.perf_counter()
        fitted = est.fit(X_train, y_train)
        cv_time = time.perf_counter() - start
        base = cls._base_class(random_state=0, **base_params,
                               **({"tol": 1e-3} if name.startswith("GoMTL") else {}))
        param_grid = {p: list(fitted._resolved_grids(
            *fitted._validate_task_data(X_train, y_train, reset=False,
                                        accept_sparse=("csr",))[:2], y_train)[p])
            for p, _, _ in cls._grids}
        scoring = "neg_log_loss" if "Classifier" in name else None
        start = time.perf_counter()
        GridSearchCV(base, param_grid, cv=TaskStratifiedKFold(2, random_state=0),
                     scoring=scoring).fit(X_train, y_train)
        gs_time = time.perf_counter() - start
        n_grid = len(fitted.cv_results_["params"]) - 1
        lines.append(f"   chosen on split 0: {fitted.best_params_}")
        lines.append(f"   fit time, split 0: {name} {cv_time:.1f} s ({n_grid} grid points "
                     f"+ no-sharing candidate) vs GridSearchCV {gs_time:.1f} s "
                     f"({n_grid} grid points); no warm start in the base estimator")
        print("\n".join(lines[-8:]), flush=True)
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] != "--only":
        print(_part(sys.argv[1]))
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    # Each worker's output goes to its own file as it runs, so a part that is
    # stopped leaves what it had measured.
    only = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "--only" else None
    datasets = only or ["school", "landmine"]
    parts = {d: RESULTS.with_name(f"bench_cv.{d}.log") for d in datasets}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    workers = {}
    for dataset, part in parts.items():
        with open(part, "w") as log:
            workers[dataset] = subprocess.Popen([sys.executable, __file__, dataset],
                                                env=env, stdout=log,
                                                stderr=subprocess.STDOUT, text=True)
    outputs = {}
    for dataset, worker in workers.items():
        worker.wait()
        out = parts[dataset].read_text()
        if worker.returncode != 0:
            out = out.split("== ", 1)[-1] + f"\n[{dataset} failed]\n"
        else:
            out = out.rsplit("== ", 1)[-1]
        outputs[dataset] = out
        parts[dataset].unlink()
    text = ["bench_cv.py: the cross-validated linear estimators against the baselines "
            "of baseline_report (per-task tuned, pooled, pooled with per-task "
            "intercepts), and their fit time against GridSearchCV of the base estimator.",
            "SUBSAMPLED to fit ~12 minutes on one thread per data set: 2 outer "
            "TaskShuffleSplit splits, inner cv=2, small grids (below) instead of the "
            "default grids, capped base iterations (GoMTL max_iter=30 tol=1e-3, AMTFL "
            "max_iter=150).",
            "Scores: School RMSE (pooled over test rows, lower is better), Landmine mean "
            "per-task AUC (higher is better); gain is oriented so positive = the CV "
            "estimator is better, with the report's corrected resampled-t interval."]
    previous = {}
    if only and RESULTS.exists():
        # --only DATASET reruns one part and keeps the other parts' recorded lines.
        for block in RESULTS.read_text().split("== ")[1:]:
            previous[block.split(":", 1)[0]] = block.split("\ntotal wall time")[0]
    for dataset in ("school", "landmine"):
        if dataset in outputs:
            text.append("== " + outputs[dataset].strip())
        elif dataset in previous:
            text.append("== " + previous[dataset].strip()
                        + "\n(recorded by an earlier run of this script)")
    text.append(f"total wall time {time.perf_counter() - start:.0f} s"
                + (f" (this run: {', '.join(datasets)})" if only else ""))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(line for line in text if line is not None) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
