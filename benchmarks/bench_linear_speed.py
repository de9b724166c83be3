"""Linear multi-task estimators against a loop of per-task sklearn fits: time and peak memory.

Each (estimator, number of tasks) cell runs in a fresh subprocess, so its peak
resident memory (``ru_maxrss``) is its own: the interpreter with numpy, torch and
sklearn imported, the data, and the fit. The baseline is a loop of per-task
sklearn fits (``Ridge`` or ``LogisticRegression``) on the same rows, timed in the
same subprocess. One BLAS thread and one torch thread throughout; CPU time is
reported beside wall time because the machine may be shared.

    python benchmarks/bench_linear_speed.py                   # dense and sparse, all sizes
    python benchmarks/bench_linear_speed.py --tasks 10 100 --kinds dense

Dense data: ``n`` rows per task, ``d = 50`` features (GoMTL n_latent=5). Sparse
data: text-like, ``d = 2,000``, density 1 %. AMTL is run up to T = 2,000 (its
transfer matrix is T x T). Cells that exceed ``--timeout`` seconds are reported
as such.
"""

import argparse
import json
import os
import subprocess
import sys

CELL = r"""
import json, resource, sys, time
import numpy as np, scipy.sparse as sp, torch
from threadpoolctl import threadpool_limits
torch.set_num_threads(1)
threadpool_limits(1)
from sklearn.linear_model import LogisticRegression, Ridge
import sklearn_mtl

spec = json.loads(sys.argv[1])
rng = np.random.RandomState(0)
T, n, d, kind = spec["tasks"], spec["rows"], spec["features"], spec["kind"]
task = np.repeat(np.arange(T), n)
basis = rng.randn(5, d)
weights = rng.randn(T, 5) @ basis
if kind == "sparse":
    features = sp.random(T * n, d, density=0.01, format="csr", random_state=rng,
                         data_rvs=lambda k: rng.poisson(2.0, k) + 1.0)
    signal = np.asarray(features.multiply(weights[task]).sum(1)).ravel()
    X = sp.hstack([features, sp.csr_matrix(task[:, None].astype(float))]).tocsr()
else:
    features = rng.randn(T * n, d)
    signal = np.einsum("nd,nd->n", features, weights[task])
    X = np.column_stack([features, task])
classifier = spec["estimator"].endswith("Classifier")
y = (signal > np.median(signal)).astype(int) if classifier else signal + 0.5 * rng.randn(T * n)
if classifier:
    for t in range(T):  # both labels in every task
        y[t * n], y[t * n + 1] = 0, 1

est = getattr(sklearn_mtl, spec["estimator"])(**spec["params"])
wall, cpu = time.perf_counter(), time.process_time()
est.fit(X, y)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

base = LogisticRegression() if classifier else Ridge()
base_wall, base_cpu = time.perf_counter(), time.process_time()
for t in range(T):
    rows = slice(t * n, (t + 1) * n)
    base.fit(features[rows], y[rows])
base_wall, base_cpu = time.perf_counter() - base_wall, time.process_time() - base_cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "cpu": cpu, "base_wall": base_wall, "base_cpu": base_cpu,
                  "peak_mb": peak_mb, "n_iter": int(getattr(est, "n_iter_", -1))}))
"""

ESTIMATORS = {
    "GoMTLRegressor": {"n_latent": 5, "random_state": 0},
    "GoMTLClassifier": {"n_latent": 5, "random_state": 0},
    "AMTLRegressor": {},
    "AMTLClassifier": {},
    "AMTFLRegressor": {"n_latent": 10, "random_state": 0},
    "AMTFLClassifier": {"n_latent": 10, "random_state": 0},
}
AMTL_MAX_TASKS = 2000

# The AMTL B-step alone, at the rank-<=d weights of a fit (d = 50): the previous
# full-matrix FISTA (200 iterations) against the working-set step, from B = 0 and
# then warm-started three more times (as the alternation calls it), with objective.
BSTEP = r"""
import json, resource, sys, time
import numpy as np, torch
torch.set_num_threads(1)
from sklearn_mtl.linear._amtl import _transfer_step_full, transfer_step
spec = json.loads(sys.argv[1])
T, d = spec["tasks"], 50
rng = np.random.RandomState(0)
coef = torch.tensor(rng.randn(T, 5) @ rng.randn(5, d) + 0.3 * rng.randn(T, d))
losses = torch.tensor(rng.rand(T) + 0.5)
step = _transfer_step_full if spec["method"] == "full" else transfer_step
times, B = [], None
for _ in range(4):
    start = time.process_time()
    B = step(coef, losses, 1.0, 0.1, start=B)
    times.append(time.process_time() - start)
objective = float(0.1 * ((coef - B.T @ coef) ** 2).sum() + (losses[:, None] * B).sum())
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"first": times[0], "total": sum(times), "objective": objective,
                  "nnz": int((B != 0).sum()), "peak_mb": peak_mb}))
"""


def run_cell(spec, timeout, code=CELL):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    try:
        out = subprocess.run([sys.executable, "-c", code, json.dumps(spec)],
                             capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1][:120]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--kinds", nargs="+", default=["dense", "sparse"])
    parser.add_argument("--estimators", nargs="+", default=list(ESTIMATORS))
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--bstep-tasks", type=int, nargs="*", default=[100, 1000, 2000])
    args = parser.parse_args()
    if args.bstep_tasks:
        print("AMTL B-step alone (d = 50, rank-5 weights plus noise, mu=1, lambda=0.1): "
              "4 calls, warm-started; CPU s")
        print(f"{'method':12s} {'T':>6s} {'1st s':>8s} {'4 calls s':>10s} "
              f"{'objective':>12s} {'nnz':>8s} {'peak MB':>8s}")
        for n_tasks in args.bstep_tasks:
            for method in ("full", "working-set"):
                r = run_cell({"tasks": n_tasks, "method": method}, args.timeout, BSTEP)
                if r is None or "error" in r:
                    print(f"{method:12s} {n_tasks:6d}   {r and r['error'] or 'timed out'}",
                          flush=True)
                    continue
                print(f"{method:12s} {n_tasks:6d} {r['first']:8.2f} {r['total']:10.2f} "
                      f"{r['objective']:12.3f} {r['nnz']:8d} {r['peak_mb']:8.0f}",
                      flush=True)
        print()
    print(f"rows per task n={args.rows}; one BLAS and one torch thread; "
          f"timeout {args.timeout:.0f} s per cell")
    header = (f"{'kind':6s} {'estimator':16s} {'T':>6s} {'fit s':>8s} {'cpu s':>8s} "
              f"{'loop s':>8s} {'ratio':>7s} {'peak MB':>8s} {'iters':>6s}")
    for kind in args.kinds:
        features = 2000 if kind == "sparse" else 50
        print(f"\n{kind}: d = {features}\n{header}")
        for name in args.estimators:
            for n_tasks in args.tasks:
                if name.startswith("AMTL") and n_tasks > AMTL_MAX_TASKS:
                    continue
                spec = {"estimator": name, "params": ESTIMATORS[name], "tasks": n_tasks,
                        "rows": args.rows, "features": features, "kind": kind}
                result = run_cell(spec, args.timeout)
                if result is None:
                    print(f"{kind:6s} {name:16s} {n_tasks:6d}   > {args.timeout:.0f} s "
                          "(timed out)", flush=True)
                elif "error" in result:
                    print(f"{kind:6s} {name:16s} {n_tasks:6d}   error: {result['error']}",
                          flush=True)
                else:
                    ratio = result["cpu"] / max(result["base_cpu"], 1e-9)
                    print(f"{kind:6s} {name:16s} {n_tasks:6d} {result['wall']:8.2f} "
                          f"{result['cpu']:8.2f} {result['base_cpu']:8.2f} {ratio:6.1f}x "
                          f"{result['peak_mb']:8.0f} {result['n_iter']:6d}", flush=True)


if __name__ == "__main__":
    main()
