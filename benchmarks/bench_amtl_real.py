"""AMTL on real data: School (regression) and Landmine (classification).

Run from the repository root::

    python benchmarks/bench_amtl_real.py | tee benchmarks/results/bench_amtl_real.txt

The protocols are those of ``bench_gomtl_real.py`` (same splits, same baselines, same
helpers, imported from it), so the numbers of the two scripts are comparable split
by split.

School
    139 schools = 139 regression tasks. Split ``seed`` in 0..9: ``train_test_split(
    test_size=0.25, stratify=task, random_state=seed)``, i.e. 75/25 within every task.
    Features standardised on the training part (``TaskAwareScaler``, inside the
    Pipeline so that each CV fold re-fits it). AMTL's (transfer_strength, transfer_sparsity)
    chosen by ``GridSearchCV`` over ``SCHOOL_GRID``, 3 folds ``StratifiedKFold(3,
    shuffle=True, random_state=seed)`` stratified by task, "neg_mean_squared_error".
    Baselines on the same standardised features: STL = one ``RidgeCV`` per task;
    pooled = one ``RidgeCV`` on all rows, the task ignored; GoMTL with
    ``bench_gomtl_real.SCHOOL_GRID`` by the same CV (context). Metrics on the test
    part, pooled over all test rows: RMSE and explained variance ``1 - MSE /
    Var(y_test)``.

Landmine
    29 mine fields = 29 binary tasks (about 6% mines). Split ``seed`` in 0..9:
    ``train_test_split(train_size=0.2, stratify=2 * task + label,
    random_state=seed)``: 20% of each task for training (3 to 10 mines per task),
    the usual small-training-fraction regime for this data. Standardised on the
    training part. AMTLClassifier by ``GridSearchCV`` over ``LANDMINE_GRID``, 3
    folds stratified by task and label, scoring the mean per-task AUC. Baselines:
    STL = one ``LogisticRegressionCV`` per task; pooled = one on all rows; GoMTL with
    ``bench_gomtl_real.LANDMINE_GRID`` (context). Metric: mean over the 29 tasks of
    the test ROC AUC of ``decision_function``.

Reference ([A] = Lee, Yang & Hwang 2018, Table 1, Argyriou et al.'s School splits, a
different protocol): School RMSE AMTL 10.13, STL 10.16, GO-MTL 9.87.
"""

import argparse
import datetime
import hashlib
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

import sklearn_mtl
from sklearn_mtl import GoMTLClassifier, GoMTLRegressor, TaskAwareScaler
from sklearn_mtl.datasets import load_landmine, load_school
from sklearn_mtl.linear._amtl import AMTLClassifier, AMTLRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gomtl_real import (  # noqa: E402
    ALPHAS,
    LANDMINE_GRID as GOMTL_LANDMINE_GRID,
    LANDMINE_TRAIN_FRACTION,
    SCHOOL_GRID as GOMTL_SCHOOL_GRID,
    _logistic_cv,
    mean_std,
    mean_task_auc,
    per_task_ridge,
    task_auc,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
SEEDS = range(10)

# Both grids were narrowed by 3-fold CV on the training part of split 0 only (never on
# test data), to keep the script near 10 minutes on 2 busy cores: ``--only narrow``
# prints the CV score of every point of WIDE_SCHOOL_GRID / WIDE_LANDMINE_GRID (the
# output is recorded in benchmarks/results/bench_amtl_narrow.txt).
# School: the best points were (lambda, mu) = (1, 1) (CV RMSE 10.44), (3, 1) (10.45),
# (0.3, 3) (10.55), (0.3, 1) (10.57), (1, 3) (10.61); every point with mu <= 0.1 scored
# 10.76-11.45. lambda = 3 is left out: it ties lambda = 1 at 2-3x the fit time. At
# mu = 3 and lambda = 0.3 no transfer survives (per-task ridge), so CV can turn
# transfer off.
SCHOOL_GRID = {
    "amtlregressor__transfer_strength": [0.3, 1.0],
    "amtlregressor__transfer_sparsity": [1.0, 3.0],
}
# Landmine: the best were (0.1, 3) (CV AUC 0.721), (0.1, 10) (0.707), (0.1, 1) (0.698),
# (0.01, 1) (0.686); the other points scored 0.638-0.680.
LANDMINE_GRID = {
    "amtlclassifier__transfer_strength": [0.01, 0.1, 1.0],
    "amtlclassifier__transfer_sparsity": [1.0, 3.0],
}

REFERENCE_SCHOOL_RMSE = {"AMTL": 10.13, "STL": 10.16, "GoMTL": 9.87}


def code_version():
    """Git commit, plus a digest of the solver files when they differ from it."""
    def git(*command):
        return subprocess.run(["git", *command], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()

    files = ["sklearn_mtl/linear/_amtl.py", "sklearn_mtl/linear/_solvers.py"]
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    if not git("status", "--porcelain", "--", *files):
        return f"git {head}"
    digest = hashlib.sha1(b"".join((REPO / f).read_bytes() for f in files)).hexdigest()
    return f"git {head} + uncommitted changes to {', '.join(files)} (sha1 {digest[:10]})"


def print_environment():
    print(f"command      : python {' '.join(sys.argv)}")
    print(f"date         : {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine      : {platform.node() or '?'}, {platform.machine()}, "
          f"nproc={os.cpu_count()}, {platform.platform()}")
    print(f"versions     : sklearn_mtl {sklearn_mtl.__version__}, torch {torch.__version__}, "
          f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"python {platform.python_version()}")
    print("threads      : torch 1, BLAS 1 (the machine is shared)")
    print(f"code         : {code_version()}")


def _row(values, width, fmt):
    return " ".join(f"{v:>{width}{fmt}}" for v in values)


def run_school(data):
    print("## School: 10 random 75/25 splits within each task")
    print(f"AMTL grid (3-fold CV stratified by task, neg MSE): {SCHOOL_GRID}")
    print(f"GoMTL grid (context, same CV): {GOMTL_SCHOOL_GRID}")
    X, y = load_school(path=data / "school.mat", return_X_y=True)
    print(f"data: {X.shape[0]} rows, {X.shape[1] - 1} features, "
          f"{len(np.unique(X[:, -1]))} tasks")
    names = ["AMTL", "STL", "GoMTL", "pooled"]
    rmse = {name: [] for name in names}
    ev = {name: [] for name in names}
    print(f"{'seed':>4} {'lam':>5} {'mu':>5} {'out':>5} {'it':>3} | "
          + _row(["RMSE " + n for n in names], 11, "") + " | "
          + _row(["EV " + n for n in names], 9, "") + " | time")
    for seed in SEEDS:
        start = time.perf_counter()
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=X[:, -1], random_state=seed)
        folds = list(StratifiedKFold(3, shuffle=True, random_state=seed)
                     .split(X_train, X_train[:, -1]))
        amtl = GridSearchCV(make_pipeline(TaskAwareScaler(), AMTLRegressor()),
                            SCHOOL_GRID, cv=folds,
                            scoring="neg_mean_squared_error").fit(X_train, y_train)
        gomtl = GridSearchCV(make_pipeline(TaskAwareScaler(), GoMTLRegressor(random_state=0)),
                             GOMTL_SCHOOL_GRID, cv=folds,
                             scoring="neg_mean_squared_error").fit(X_train, y_train)
        scaler = TaskAwareScaler().fit(X_train)
        S_train, S_test = scaler.transform(X_train), scaler.transform(X_test)
        predictions = {
            "AMTL": amtl.predict(X_test),
            "STL": per_task_ridge(S_train, y_train, S_test),
            "GoMTL": gomtl.predict(X_test),
            "pooled": RidgeCV(alphas=ALPHAS).fit(S_train[:, :-1], y_train)
            .predict(S_test[:, :-1]),
        }
        for name, prediction in predictions.items():
            mse = np.mean((prediction - y_test) ** 2)
            rmse[name].append(np.sqrt(mse))
            ev[name].append(1 - mse / np.var(y_test))
        best, fitted = amtl.best_params_, amtl.best_estimator_[-1]
        print(f"{seed:>4} {best['amtlregressor__transfer_strength']:>5g} "
              f"{best['amtlregressor__transfer_sparsity']:>5g} "
              f"{fitted.outgoing_transfer_.mean():>5.2f} {fitted.n_iter_:>3} | "
              + _row([rmse[n][-1] for n in names], 11, ".4f") + " | "
              + _row([ev[n][-1] for n in names], 9, ".4f")
              + f" | {time.perf_counter() - start:.0f}s")
    print("\nmean ± std (sample std over the 10 splits); 'out' = mean outgoing transfer")
    print(f"{'method':>8} {'RMSE':>18} {'EV':>18}   [A] RMSE (other protocol)")
    for name in names:
        reference = REFERENCE_SCHOOL_RMSE.get(name)
        print(f"{name:>8} {mean_std(rmse[name]):>18} {mean_std(ev[name]):>18}   "
              + (f"{reference:.2f}" if reference else "-"))
    gap = np.array(rmse["STL"]) - np.array(rmse["AMTL"])
    print(f"AMTL RMSE below STL on {int((gap > 0).sum())}/{len(gap)} splits; paired "
          f"mean STL - AMTL = {gap.mean():.4f} (std {gap.std(ddof=1):.4f})")
    verdict = "yes" if np.mean(rmse["AMTL"]) < np.mean(rmse["STL"]) else "no"
    print(f"mean AMTL RMSE < mean STL RMSE: {verdict}\n")


def run_landmine(data):
    print(f"## Landmine: {LANDMINE_TRAIN_FRACTION:.0%} of each task for training "
          "(stratified by task and label), 10 seeds")
    print(f"AMTL grid (3-fold CV stratified by task and label, mean per-task AUC): "
          f"{LANDMINE_GRID}")
    print(f"GoMTL grid (context, same CV): {GOMTL_LANDMINE_GRID}")
    X, y = load_landmine(path=data / "landmine.mat", return_X_y=True)
    tasks = np.unique(X[:, -1])
    print(f"data: {X.shape[0]} rows, {X.shape[1] - 1} features, {len(tasks)} tasks, "
          f"{y.mean():.1%} positive")
    names = ["AMTL", "STL", "GoMTL", "pooled"]
    auc = {name: [] for name in names}
    print(f"{'seed':>4} {'lam':>5} {'mu':>5} {'out':>5} {'it':>3} | "
          + _row(["AUC " + n for n in names], 11, "") + " | time")
    for seed in SEEDS:
        start = time.perf_counter()
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, train_size=LANDMINE_TRAIN_FRACTION, stratify=2 * X[:, -1] + y,
            random_state=seed)
        folds = list(StratifiedKFold(3, shuffle=True, random_state=seed)
                     .split(X_train, 2 * X_train[:, -1] + y_train))
        amtl = GridSearchCV(make_pipeline(TaskAwareScaler(), AMTLClassifier()),
                            LANDMINE_GRID, cv=folds, scoring=mean_task_auc
                            ).fit(X_train, y_train)
        gomtl = GridSearchCV(make_pipeline(TaskAwareScaler(),
                                           GoMTLClassifier(random_state=0)),
                             GOMTL_LANDMINE_GRID, cv=folds, scoring=mean_task_auc
                             ).fit(X_train, y_train)
        scaler = TaskAwareScaler().fit(X_train)
        S_train, S_test = scaler.transform(X_train), scaler.transform(X_test)
        stl_scores = np.empty(len(y_test))
        for t in tasks:
            train, test = S_train[:, -1] == t, S_test[:, -1] == t
            model = _logistic_cv(seed).fit(S_train[train, :-1], y_train[train])
            stl_scores[test] = model.decision_function(S_test[test, :-1])
        pooled = _logistic_cv(seed).fit(S_train[:, :-1], y_train)
        auc["AMTL"].append(mean_task_auc(amtl, X_test, y_test))
        auc["STL"].append(task_auc(stl_scores, S_test, y_test))
        auc["GoMTL"].append(mean_task_auc(gomtl, X_test, y_test))
        auc["pooled"].append(task_auc(pooled.decision_function(S_test[:, :-1]), S_test,
                                      y_test))
        best, fitted = amtl.best_params_, amtl.best_estimator_[-1]
        print(f"{seed:>4} {best['amtlclassifier__transfer_strength']:>5g} "
              f"{best['amtlclassifier__transfer_sparsity']:>5g} "
              f"{fitted.outgoing_transfer_.mean():>5.2f} {fitted.n_iter_:>3} | "
              + _row([auc[n][-1] for n in names], 11, ".4f")
              + f" | {time.perf_counter() - start:.0f}s")
    print("\nmean per-task AUC, mean ± std over the 10 seeds")
    for name in names:
        print(f"{name:>8} {mean_std(auc[name]):>18}")
    gap = np.array(auc["AMTL"]) - np.array(auc["STL"])
    print(f"AMTL AUC above STL on {int((gap > 0).sum())}/{len(gap)} seeds; paired mean "
          f"AMTL - STL = {gap.mean():.4f} (std {gap.std(ddof=1):.4f})")
    verdict = "yes" if np.mean(auc["AMTL"]) > np.mean(auc["STL"]) else "no"
    print(f"mean AMTL AUC > mean STL AUC: {verdict}\n")


WIDE_SCHOOL_GRID = {"amtlregressor__transfer_strength": [0.03, 0.1, 0.3, 1.0, 3.0],
                    "amtlregressor__transfer_sparsity": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0]}
WIDE_LANDMINE_GRID = {"amtlclassifier__transfer_strength": [0.001, 0.01, 0.1, 1.0, 3.0],
                      "amtlclassifier__transfer_sparsity": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0]}


def narrow_grids(data):
    """The CV scores behind SCHOOL_GRID / LANDMINE_GRID: the wide grids, scored by the
    benchmark's own 3-fold CV on the training part of split 0 only (no test rows)."""
    X, y = load_school(path=data / "school.mat", return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, stratify=X[:, -1],
                                              random_state=0)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0)
                 .split(X_train, X_train[:, -1]))
    school = GridSearchCV(make_pipeline(TaskAwareScaler(), AMTLRegressor()),
                          WIDE_SCHOOL_GRID, cv=folds,
                          scoring="neg_mean_squared_error").fit(X_train, y_train)
    X, y = load_landmine(path=data / "landmine.mat", return_X_y=True)
    X_train, _, y_train, _ = train_test_split(
        X, y, train_size=LANDMINE_TRAIN_FRACTION, stratify=2 * X[:, -1] + y,
        random_state=0)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0)
                 .split(X_train, 2 * X_train[:, -1] + y_train))
    landmine = GridSearchCV(make_pipeline(TaskAwareScaler(), AMTLClassifier()),
                            WIDE_LANDMINE_GRID, cv=folds,
                            scoring=mean_task_auc).fit(X_train, y_train)
    for name, search, convert in [("School CV RMSE", school, lambda v: np.sqrt(-v)),
                                  ("Landmine CV mean per-task AUC", landmine, float)]:
        print(f"## grid narrowing, split 0 training part: {name}")
        results = search.cv_results_
        for params, score, seconds in zip(results["params"], results["mean_test_score"],
                                          results["mean_fit_time"]):
            values = " ".join(f"{key.split('__')[1]}={value:g}"
                              for key, value in params.items())
            print(f"   {values:40s} {convert(score):8.4f}   {seconds:5.1f} s/fit")
        print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding school.mat and landmine.mat "
                             "(default: ../shared/data from the repository root)")
    parser.add_argument("--only", choices=["school", "landmine", "narrow"],
                        help="run one section only; 'narrow' prints the CV scores of "
                             "the wide grids that SCHOOL_GRID and LANDMINE_GRID were "
                             "narrowed from")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    sections = [args.only] if args.only else ["school", "landmine"]
    needed = {"school": ["school.mat"], "landmine": ["landmine.mat"],
              "narrow": ["school.mat", "landmine.mat"]}
    missing = [name for s in sections for name in needed[s]
               if not (args.data / name).exists()]
    if missing:
        sys.exit(f"error: {', '.join(missing)} not found in {args.data}. The shared data "
                 "folder ships with CI only; pass --data FOLDER with local copies.")

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=sklearn.exceptions.ConvergenceWarning)
    print("# AMTL on real data (benchmarks/bench_amtl_real.py)")
    print_environment()
    print(f"data         : {args.data}\n")
    start = time.perf_counter()
    runners = {"school": run_school, "landmine": run_landmine, "narrow": narrow_grids}
    with threadpool_limits(1):
        for section in sections:
            section_start = time.perf_counter()
            runners[section](args.data)
            print(f"[{section}: {time.perf_counter() - section_start:.0f}s]\n")
    print(f"total runtime: {time.perf_counter() - start:.0f}s")


if __name__ == "__main__":
    main()
