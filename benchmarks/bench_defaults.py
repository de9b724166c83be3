"""Do the linear estimators' DEFAULTS hold up against the baselines a user would fit?

Issue 12, "Defaults that scale with the data": every linear estimator with its
defaults, alone and behind ``TaskAwareScaler`` (``make_pipeline``), against the
better of {per-task model tuned per task, pooled model, pooled model with per-task
intercepts}, all cross-fitted on the same ``TaskStratifiedKFold`` folds by
:func:`sklearn_mtl.model_selection.baseline_report`.

Criteria (per estimator and data set):

- regression: the estimator's RMSE (mean of the per-task RMSEs, each task once)
  is at most 1.02 times the best baseline's;
- classification: its mean per-task AUC is at least the best baseline's minus 0.01;
- the scaler: the pipeline is not worse than the bare estimator by more than the
  same tolerance (2% RMSE, 0.01 AUC).

A row PASSes when the bare estimator and the pipeline both meet the baseline
criterion and the scaler criterion holds.

Run: OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 .venv/bin/python benchmarks/bench_defaults.py
[--only school,landmine,low_rank,asymmetric,sparse_text] [--folds 3]
Writes benchmarks/results/bench_defaults.txt.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.pipeline import make_pipeline

from sklearn_mtl import (
    AMTFLClassifier,
    AMTFLRegressor,
    AMTLClassifier,
    AMTLRegressor,
    GoMTLClassifier,
    GoMTLRegressor,
)
from sklearn_mtl.datasets import (
    load_landmine,
    load_school,
    make_asymmetric_tasks,
    make_low_rank_tasks,
    make_sparse_text_tasks,
)
from sklearn_mtl.model_selection import TaskStratifiedKFold, baseline_report
from sklearn_mtl.utils import TaskAwareScaler

torch.set_num_threads(1)
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "bench_defaults.txt"
RMSE_TOL, AUC_TOL = 0.02, 0.01


def _task_subset(X, y, n_tasks=None, rows_per_task=None, seed=0):
    """Keep the first ``n_tasks`` tasks and at most ``rows_per_task`` random rows
    of each (a smaller run on a shared 2-core machine; stated in the output)."""
    tasks = np.asarray(X[:, -1]).ravel()
    rng = np.random.RandomState(seed)
    keep = []
    for t in np.unique(tasks)[:n_tasks]:
        rows = np.flatnonzero(tasks == t)
        if rows_per_task is not None and rows.size > rows_per_task:
            rows = np.sort(rng.choice(rows, rows_per_task, replace=False))
        keep.append(rows)
    keep = np.concatenate(keep)
    return X[keep], y[keep]


def datasets():
    """name -> (kind, loader); loaders return long-form X (task column last), y."""
    return {
        "school": ("regression",
                   lambda: _task_subset(*load_school(DATA / "school.mat", return_X_y=True),
                                        n_tasks=40)),
        "landmine": ("classification",
                     lambda: _task_subset(*load_landmine(DATA / "landmine.mat",
                                                           return_X_y=True),
                                          rows_per_task=200)),
        "low_rank": ("regression",
                     lambda: make_low_rank_tasks(n_tasks=20, n_samples=30,
                                                 random_state=0)),
        "asymmetric": ("regression",
                       lambda: make_asymmetric_tasks(random_state=0)),
        "sparse_text": ("classification",
                        lambda: make_sparse_text_tasks(n_tasks=4,
                                                       n_samples_per_task=60,
                                                       n_features=1000,
                                                       random_state=0)),
    }


ESTIMATORS = {
    "regression": [GoMTLRegressor, AMTLRegressor, AMTFLRegressor],
    "classification": [GoMTLClassifier, AMTLClassifier, AMTFLClassifier],
}


def summary(report, kind):
    row = report.loc["mean per task" if kind == "regression" else "overall"]
    best = row["best_baseline"]
    return float(row["estimator"]), float(row[best]), best, {
        b: float(row[b]) for b in ("per_task", "pooled", "pooled_task_intercepts")}


def meets(score, reference, kind):
    if kind == "regression":
        return score <= (1.0 + RMSE_TOL) * reference
    return score >= reference - AUC_TOL


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=None)
    parser.add_argument("--folds", type=int, default=2)
    args = parser.parse_args()
    names = list(datasets()) if args.only is None else args.only.split(",")
    lines = [
        "bench_defaults: linear estimators with DEFAULT parameters vs the best of "
        "{per-task tuned, pooled, pooled + task intercepts}",
        f"command: OMP_NUM_THREADS=1 python benchmarks/bench_defaults.py"
        f"{'' if args.only is None else ' --only ' + args.only} --folds {args.folds}",
        f"cv: TaskStratifiedKFold({args.folds}, shuffle within tasks, random_state=0); "
        "regression score = mean of per-task RMSEs (lower better), classification = "
        "mean per-task ROC AUC (higher better)",
        f"PASS: bare and scaled within {RMSE_TOL:.0%} RMSE / {AUC_TOL} AUC of the best "
        "baseline, and the scaler not worse than bare by more than that tolerance",
        "sizes: school = its first 40 tasks (all rows); landmine = all 29 tasks, 200 "
        "random rows each; low_rank 20 tasks x 30; asymmetric defaults; sparse_text 4 "
        "tasks x 60 rows x 1000 words (machine shared by 5 jobs)",
        "",
        f"{'dataset':<12}{'estimator':<18}{'bare':>9}{'scaled':>9}{'best_base':>10}"
        f"  {'(which)':<24}{'per_task':>9}{'pooled':>9}{'pool+int':>9}"
        f"{'fit_s':>7}  verdict",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    out = RESULTS if args.only is None else RESULTS.with_suffix(
        "." + args.only.replace(",", "_") + ".txt")
    all_data = datasets()
    for name in names:
        kind, load = all_data[name]
        X, y = load()
        if sp.issparse(X):
            X = sp.csr_matrix(X)
        cv = TaskStratifiedKFold(args.folds, shuffle=True, random_state=0)
        for cls in ESTIMATORS[kind]:
            start = time.perf_counter()
            bare = baseline_report(cls(), X, y, cv=cv)
            scaler = TaskAwareScaler(with_mean=not sp.issparse(X))
            scaled = baseline_report(make_pipeline(scaler, cls()), X, y, cv=cv)
            elapsed = time.perf_counter() - start
            s_bare, ref, best, base = summary(bare, kind)
            s_scaled = summary(scaled, kind)[0]
            reasons = []
            if not meets(s_bare, ref, kind):
                reasons.append("bare<base")
            if not meets(s_scaled, ref, kind):
                reasons.append("scaled<base")
            if not meets(s_scaled, s_bare, kind):
                reasons.append("scaler hurts")
            verdict = "PASS" if not reasons else "FAIL (" + ", ".join(reasons) + ")"
            line = (f"{name:<12}{cls.__name__:<18}{s_bare:>9.4f}{s_scaled:>9.4f}"
                    f"{ref:>10.4f}  {best:<24}{base['per_task']:>9.4f}"
                    f"{base['pooled']:>9.4f}{base['pooled_task_intercepts']:>9.4f}"
                    f"{elapsed:>7.0f}  {verdict}")
            print(line, flush=True)
            lines.append(line)
            # Written after every row, so that an interrupted run keeps its rows.
            out.write_text("\n".join(lines) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    sys.exit(main())
