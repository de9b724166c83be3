"""RobustJointNets benchmark: cost of the coupling in n, stacked-fit speed, MNIST/USPS.

Run from the project root (about 10 minutes on 2 CPU cores):

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_robust_joint.py \
        | tee benchmarks/results/bench_robust_joint.txt

1. Coupling cost: forward + backward of the consistency term of a 256-64-64-10
   MLP stacked n = 2, 8, 32 times, by the Laplacian form the estimator uses
   (``tr(A^T L A)`` per layer) against the explicit sum over the n(n-1)/2 pairs
   of squared differences (which materialises the pairwise differences).
2. Per-epoch time of the stacked fit at n = 8 datasets against the same
   estimator with one task (one plain network) on the same rows and batches.
3. MNIST/USPS (``../shared/data``, 16x16; MNIST downsampled by area averaging):
   two large datasets (MNIST, USPS, 800 training rows each) next to two small
   ones (40 rows each, disjoint digits of the same sources). Classifiers: test
   accuracy of isolated networks (lam=0), one pooled network, L2 coupling
   (IRLS stage off) and RobustJointNets, 3 seeds. Autoencoders: test
   reconstruction error and completion error (a 6x6 centre square cut out of the
   input, the full image as target) for the same four.
"""

import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from sklearn_mtl.neural._robust_joint import (
    RobustJointAutoencoder,
    RobustJointNetClassifier,
    StackedNet,
)

torch.set_num_threads(1)
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def timeit(fn, repeat=20):
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


# --------------------------------------------------------------------------- 1. coupling


def pairwise_penalty(net):
    """The same term, written as the explicit pairwise sum (reference only)."""
    total = 0.0
    upper = torch.triu_indices(net.n_tasks, net.n_tasks, offset=1)
    for b, block in enumerate(net.blocks):
        w = net.pair_weights[b][upper[0], upper[1]]
        sq = 0.0
        for layer in block:
            scale = net.layer_scale(layer)
            for p in net.layers[layer].parameters():
                a = p.flatten(1)
                diff = a[upper[0]] - a[upper[1]]  # (n(n-1)/2, p): the O(n^2 p) copy
                sq = sq + scale * (diff ** 2).sum(1)
        total = total + (w * sq).sum()
    return net.lam * total


def bench_coupling():
    print("== 1. Coupling term: forward + backward, 256-64-64-10 MLP (25.3k parameters "
          "per network)")
    print(f"{'n':>4} {'laplacian ms':>13} {'pairwise ms':>12} {'ratio':>6} "
          f"{'pairwise copy MB':>17} {'agree':>6}")
    for n in (2, 8, 32):
        torch.manual_seed(0)
        net = StackedNet(n, 256, (64, 64), [10])
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.01 * torch.randn_like(p))
        net.set_pair_weights(np.random.RandomState(0).rand(len(net.blocks), n, n) * 0.5
                             + 0.5 * np.eye(n)[None])
        w = net.pair_weights
        net.pair_weights.copy_((w + w.transpose(1, 2)) / 2)

        def run(fn):
            net.zero_grad()
            fn().backward()

        lap = timeit(lambda: run(net.coupling_penalty))
        pair = timeit(lambda: run(lambda: pairwise_penalty(net)))
        agree = np.isclose(float(net.coupling_penalty().detach()),
                           float(pairwise_penalty(net).detach()),
                           rtol=1e-3)
        copy_mb = n * (n - 1) / 2 * sum(p[0].numel() for p in net.parameters()) * 4 / 2**20
        print(f"{n:>4} {lap * 1e3:>13.2f} {pair * 1e3:>12.2f} {pair / lap:>6.1f} "
              f"{copy_mb:>17.1f} {str(agree):>6}")
    print("Laplacian form: O(n p + n^2) memory, one (n, n) x (n, p) product per layer; "
          "pairwise: O(n^2 p) memory.\n")


# --------------------------------------------------------------------------- data


def load_digit_sources():
    mnist = np.load(DATA / "mnist5k.npz")
    usps = np.load(DATA / "usps5k.npz")
    m = torch.as_tensor(mnist["imgs"], dtype=torch.float32)[:, None] / 255.0
    m = F.interpolate(m, size=(16, 16), mode="area")[:, 0].numpy()
    u = usps["imgs"].astype(np.float32)
    u = (u - u.min()) / (u.max() - u.min())
    return {"mnist": (m.reshape(len(m), -1), mnist["labs"].astype(int)),
            "usps": (u.reshape(len(u), -1), usps["labs"].astype(int))}


def make_datasets(sources, seed, n_large=800, n_small=40, n_test=400):
    """Four datasets: MNIST-large, USPS-large, MNIST-small, USPS-small."""
    rng = np.random.RandomState(seed)
    train, test = [], []
    names = []
    for t, (source, size) in enumerate([("mnist", n_large), ("usps", n_large),
                                        ("mnist", n_small), ("usps", n_small)]):
        X, y = sources[source]
        names.append(f"{source}-{'large' if size == n_large else 'small'}")
        # Disjoint rows per dataset (large ones from the first half, small from the second).
        half = len(X) // 2
        pool = np.arange(half) if size == n_large else np.arange(half, len(X))
        rows = rng.permutation(pool)
        # Training rows stratified (size / 10 per digit): every dataset has all 10
        # classes, so the output layers have one shape and are coupled.
        tr = np.concatenate([rows[y[rows] == c][:size // 10] for c in range(10)])
        te = np.setdiff1d(rows, tr)[:n_test]
        train.append((X[tr], y[tr], np.full(size, t)))
        test.append((X[te], y[te], np.full(len(te), t)))
    stack = lambda parts: tuple(np.concatenate(a) for a in zip(*parts))  # noqa: E731
    return stack(train), stack(test), names


# --------------------------------------------------------------------------- 2. speed


def bench_speed(sources):
    print("== 2. Per-epoch time: stacked fit at n = 8 vs one plain network, same rows")
    X, y = sources["mnist"]
    rows = np.random.RandomState(0).permutation(len(X))[:4000]
    X, y, t = X[rows], y[rows], np.arange(4000) % 8
    common = dict(hidden_layer_sizes=(64, 64), batch_size=128, n_init_epochs=6,
                  irls_every=3, max_irls_iter=2, irls_tol=0.0, task_column=None,
                  random_state=0)
    RobustJointNetClassifier(**{**common, "n_init_epochs": 1, "max_irls_iter": 0}).fit(X, y)
    timings = {"stacked": np.inf, "plain": np.inf}
    # Interleaved, best of 5 whole fits each (callbacks and diagnostics included):
    # the shared machine's load changes from minute to minute.
    for _ in range(5):
        for name, tasks in (("stacked", {"tasks": t}), ("plain", {})):
            begin = time.perf_counter()
            est = RobustJointNetClassifier(**common).fit(X, y, **tasks)
            timings[name] = min(timings[name],
                                (time.perf_counter() - begin) / len(est.history_))
    ts, tp = timings["stacked"], timings["plain"]
    print(f"4000 rows, 64-64 MLP on 16x16 digits, batch 128, time per epoch (whole fit / "
          f"epochs, best of 5, interleaved): stacked n=8 "
          f"{ts * 1e3:.1f} ms, one network {tp * 1e3:.1f} ms, ratio {ts / tp:.2f} "
          "(target <= 1.5)\n")


# --------------------------------------------------------------------------- 3. accuracy


def per_dataset_accuracy(est, X, y, t, pooled=False):
    pred = est.predict(X) if pooled else est.predict(X, tasks=t)
    return np.array([np.mean(pred[t == k] == y[t == k]) for k in range(4)])


SCHEDULE = dict(n_init_epochs=30, irls_every=15, max_irls_iter=4)
TOTAL = 30 + 4 * 15


def methods(base):
    return {
        "isolated": {**base, "lam": 0.0},
        "pooled": {**base, "n_init_epochs": TOTAL, "max_irls_iter": 0},
        "l2": {**base, "n_init_epochs": TOTAL, "max_irls_iter": 0},
        "robust": base,
    }


def bench_classification(sources, seeds=(0, 1, 2)):
    print("== 3a. Classification, test accuracy per dataset "
          "(mnist-large, usps-large, mnist-small, usps-small)")
    base = dict(hidden_layer_sizes=(64, 64), batch_size=64, lr=1e-3, task_column=None,
                **SCHEDULE)
    results = {name: [] for name in methods(base)}
    for seed in seeds:
        (X, y, t), (Xt, yt, tt), names = make_datasets(sources, seed)
        for name, params in methods({**base, "random_state": seed}).items():
            start = time.perf_counter()
            if name == "pooled":
                est = RobustJointNetClassifier(**params).fit(X, y)
                acc = per_dataset_accuracy(est, Xt, yt, tt, pooled=True)
            else:
                est = RobustJointNetClassifier(**params).fit(X, y, tasks=t)
                acc = per_dataset_accuracy(est, Xt, yt, tt)
            results[name].append(acc)
            extra = ""
            if name == "robust":
                w = est.sharing_weights_[-1]
                extra = (f"  w(out) m-large/m-small {w[0, 2]:.2f} u-large/u-small "
                         f"{w[1, 3]:.2f} m-large/u-large {w[0, 1]:.2f}  clusters(out) "
                         f"{est.clusters_[-1].tolist()}  sigma {np.round(est.sigma_, 4)}"
                         f"  n_irls {est.n_irls_iter_} last delta "
                         f"{est.irls_deltas_[-1]:.3f}")
            print(f"seed {seed} {name:>9}: " + " ".join(f"{a:.3f}" for a in acc)
                  + f"  ({time.perf_counter() - start:.0f} s){extra}", flush=True)
    print("mean over seeds (small datasets' mean in the last column):")
    for name, accs in results.items():
        accs = np.array(accs)
        print(f"  {name:>9}: " + " ".join(f"{a:.3f}" for a in accs.mean(0))
              + f"   small {accs[:, 2:].mean():.3f} +- {accs[:, 2:].mean(1).std():.3f}")
    print()


def bench_autoencoder(sources, seeds=(0, 1, 2)):
    print("== 3b. Autoencoders: test reconstruction error (sum of squares per image) "
          "and completion error (mean squared error inside the 6x6 hole), per dataset")
    base = dict(hidden_layer_sizes=(128,), n_components=32, batch_size=64, lr=1e-3,
                task_column=None, **SCHEDULE)
    hole = np.zeros((16, 16), dtype=bool)
    hole[5:11, 5:11] = True
    rec = {name: [] for name in methods(base)}
    comp = {name: [] for name in methods(base)}
    for seed in seeds:
        (X, _, t), (Xt, _, tt), _ = make_datasets(sources, seed)
        cut, cut_t = X.copy(), Xt.copy()
        cut[:, hole.ravel()] = 0.0
        cut_t[:, hole.ravel()] = 0.0
        for name, params in methods({**base, "random_state": seed}).items():
            start = time.perf_counter()
            tasks = {} if name == "pooled" else {"tasks": t}
            test_tasks = {} if name == "pooled" else {"tasks": tt}
            ae = RobustJointAutoencoder(**params).fit(X, **tasks)
            r = np.sum((ae.reconstruct(Xt, **test_tasks) - Xt) ** 2, 1)
            ae_c = RobustJointAutoencoder(**params).fit(cut, X, **tasks)
            filled = ae_c.reconstruct(cut_t, **test_tasks)[:, hole.ravel()]
            c = np.mean((filled - Xt[:, hole.ravel()]) ** 2, 1)
            rec[name].append([r[tt == k].mean() for k in range(4)])
            comp[name].append([c[tt == k].mean() for k in range(4)])
            print(f"seed {seed} {name:>9}: recon " + " ".join(f"{v:.2f}" for v in rec[name][-1])
                  + "  completion " + " ".join(f"{v:.4f}" for v in comp[name][-1])
                  + f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    print("mean over seeds:")
    for name in rec:
        r, c = np.mean(rec[name], 0), np.mean(comp[name], 0)
        print(f"  {name:>9}: recon " + " ".join(f"{v:.2f}" for v in r)
              + "  completion " + " ".join(f"{v:.4f}" for v in c))
    print()


if __name__ == "__main__":
    start = time.perf_counter()
    print(f"torch {torch.__version__}, 1 thread\n")
    bench_coupling()
    sources = load_digit_sources()
    bench_speed(sources)
    bench_classification(sources)
    bench_autoencoder(sources)
    print(f"total {time.perf_counter() - start:.0f} s")
