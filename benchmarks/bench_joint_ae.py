"""JointAE (Epstein, Meir & Michaeli 2017) on the mnist5k subset: the paper's Sec. 4.1
reconstruction claim, its Table 2 transfer comparison, and a speed check.

Run (about 20 minutes wall, 14 CPU minutes, on one core of the shared machine)::

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_joint_ae.py \
        > benchmarks/results/bench_joint_ae.txt

Data: ``../shared/data/mnist5k.npz`` (5,000 MNIST digits), rows 0-3999 for
training draws, rows 4000-4999 as the test set; pixels scaled to [0, 1]. Task
"0-4" holds the digits 0-4, task "5-9" the digits 5-9 (the paper's X^1, X^2).

1. Reconstruction (paper: JAE MSE 5.4 vs a pair of standard autoencoders 5.6, on
   full MNIST). JAE of the spec's Fig. 1 reading: per task and branch
   784-500-250-125-15, the 125->15 layer of the common branches tied, decoders
   15-125-250-500, merge 500+500 -> 784 sigmoid. Baseline: one plain autoencoder
   per task, 784-1000-500-250-30-250-500-1000-784 (the un-split network of the
   same widths; ``n_private=0, shared_depth=[]``, nothing tied, so the two are
   trained independently). Error: per-image sum of squared errors (the scale of
   the paper's numbers) on the test rows of each task.
2. Transfer (paper Table 2: baseline 89.4 / branch transfer 92.3 / end-to-end
   96.6 for X1 -> X2, 95.8 / 96.1 / 98.3 for X2 -> X1). Source: 2,000 labelled
   training rows of one task; target: 500 training rows of the other, all
   labelled ("500 samples") in protocol A, 10 labels per digit (50, the rest
   y = -1) in protocol B. Baseline: an MLP (60, 30) on the target's labelled
   rows (scikit-learn, Adam). Accuracy on the test rows of the target digits.
3. Speed: seconds per epoch (CPU time of this process) of JointAEClassifier
   against a plain PyTorch loop over the same module, same data, batches,
   optimiser and objective.
4. Shared-layer depth (paper Table 3), ``--only depth``: end-to-end transfer
   0-4 <-> 5-9 (2,000 labelled source rows, 500 labelled target rows, as in
   protocol A) with the tie at depth 1..5 of a smaller branch
   784-256-64-15 (layers 1: 784->256, 2: 256->64, 3: 64->15 the bottleneck,
   4: 15->64, 5: 64->256), 20 epochs.
5. MNIST <-> USPS (paper Table 4, and Table 3's MNIST-USPS rows), ``--only
   domain``: ``../shared/data/usps5k.npz`` (16x16, rows 0-3999 for training
   draws, 4000-4999 test) beside mnist5k; 2,000 MNIST and 1,800 USPS rows, all
   used for the reconstruction; the source labelled, 20 labels per digit (200)
   of the target, the rest y = -1. USPS rows are padded to 784 columns
   (``input_shape={MNIST: (1, 28, 28), USPS: (1, 16, 16)}``), dense branches of
   the same small size (the Appendix's conv USPS branch is too slow for this
   CPU budget). End-to-end with the tie at depth 2..5 (depth 1 cannot be tied:
   784 vs 256 inputs), branch transfer at the bottleneck, and an MLP (60, 30)
   on the 200 target labels alone. Accuracy on the target's test rows.

Sections 4 and 5 (848 s wall, 14 minutes, on one core of the loaded machine)::

    OMP_NUM_THREADS=1 python benchmarks/bench_joint_ae.py --only depth,domain \
        --epochs 20 --transfer-epochs 20 >> benchmarks/results/bench_joint_ae.txt
"""

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.neural_network import MLPClassifier
from skorch.callbacks import Callback

from sklearn_mtl.neural._joint_ae import (
    JointAEClassifier,
    JointAutoencoder,
    reconstruction_errors,
)
from sklearn_mtl.nn import CrossEntropyLoss, task_weighted_loss

torch.set_num_threads(1)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist5k.npz"
USPS = DATA.with_name("usps5k.npz")

JAE = dict(hidden_layer_sizes=(500, 250, 125), n_private=15, n_shared=15)
PLAIN_AE = dict(hidden_layer_sizes=(1000, 500, 250), n_private=0, n_shared=30,
                shared_depth=[])
SMALL = dict(hidden_layer_sizes=(256, 64), n_private=15, n_shared=15)
PAPER_DEPTH = {"0-4 -> 5-9": {1: 96.5, 2: 95.4, 3: 95.8, 4: 96.1, 5: 96.0},
               "5-9 -> 0-4": {1: 98.3, 2: 97.6, 3: 97.8, 4: 98.2, 5: 98.3},
               "MNIST -> USPS": {3: 84.8, 5: 87.6}, "USPS -> MNIST": {3: 83.2, 5: 86.9}}
PAPER_DOMAIN = {"MNIST -> USPS": "JAE 87.6 +- 3.2 (ADDA 89.4, CoGAN 91.2)",
                "USPS -> MNIST": "JAE 86.9 +- 5.2 (ADDA 90.1, CoGAN 89.1)"}
PAPER_RECON = {"JAE": 5.4, "two AEs": 5.6}
PAPER_TRANSFER = {"0-4 -> 5-9": (89.4, 92.3, 96.6), "5-9 -> 0-4": (95.8, 96.1, 98.3)}


def load():
    data = np.load(DATA)
    X = data["imgs"].reshape(len(data["imgs"]), -1).astype(np.float32) / 255
    y = data["labs"].astype(int)
    return (X[:4000], y[:4000]), (X[4000:], y[4000:])


def long_form(X, task):
    return np.column_stack([X, np.full(len(X), task, dtype=np.float32)])


def reconstruction(train, test, seeds, epochs):
    (X, y), (Xt, yt) = train, test
    Xl = np.vstack([long_form(X[y < 5], 0), long_form(X[y >= 5], 1)])
    Xtl = np.vstack([long_form(Xt[yt < 5], 0), long_form(Xt[yt >= 5], 1)])
    print(f"\n## 1. Reconstruction, {np.sum(y < 5)} + {np.sum(y >= 5)} training rows, "
          f"{len(Xtl)} test rows, {epochs} epochs, batch 128 per task, Adam 1e-3")
    print("per-image sum of squared errors on the test rows (lower is better)")
    print(f"{'seed':>4} {'model':>8} {'0-4':>7} {'5-9':>7} {'mean':>7} {'params':>9} {'s':>6}")
    results = {"JAE": [], "two AEs": []}
    for seed in seeds:
        for name, params in (("JAE", JAE), ("two AEs", PLAIN_AE)):
            start = time.process_time()
            ae = JointAutoencoder(**params, max_epochs=epochs, batch_size=128,
                                  random_state=seed).fit(Xl)
            errors = ae.reconstruction_error(Xtl, per_image=True)
            mean = float(np.mean(list(errors.values())))
            results[name].append(mean)
            print(f"{seed:>4} {name:>8} {errors[0.0]:7.3f} {errors[1.0]:7.3f} {mean:7.3f} "
                  f"{ae.n_parameters_:9d} {time.process_time() - start:6.0f}", flush=True)
            if name == "JAE":
                mixing = ae.code_mixing(Xtl, cv=3)
                print(f"     JAE codes on test rows: Fisher private "
                      f"{mixing['private']['fisher']:.3f} / shared "
                      f"{mixing['shared']['fisher']:.3f} = ratio "
                      f"{mixing['fisher_ratio']:.2f} (paper 2.6 on t-SNE); task "
                      f"separability private {mixing['private']['separability']:.3f}, "
                      f"shared {mixing['shared']['separability']:.3f}; own/other variance "
                      f"private {mixing['own_vs_other_variance']['private']:.2f}, shared "
                      f"{mixing['own_vs_other_variance']['shared']:.2f} (paper ~1.35 / ~1)")
    jae, plain = np.array(results["JAE"]), np.array(results["two AEs"])
    print(f"mean over seeds: JAE {jae.mean():.3f} +- {jae.std():.3f}, two AEs "
          f"{plain.mean():.3f} +- {plain.std():.3f}; JAE lower in "
          f"{int(np.sum(jae < plain))}/{len(seeds)} seeds; relative "
          f"{100 * (1 - jae.mean() / plain.mean()):+.1f}% (paper: 5.4 vs 5.6, +3.6%)")


def transfer(train, test, seeds, epochs, transfer_epochs, protocols):
    (X, y), (Xt, yt) = train, test
    print(f"\n## 2. Transfer, source 2000 labelled rows, target 500 rows; {epochs} epochs "
          f"(branch transfer: {epochs} unsupervised + {transfer_epochs} per supervised "
          "stage), batch 128 per task, Adam 1e-3; accuracy (%) on the target's test rows")
    print(f"{'protocol':>9} {'direction':>11} {'seed':>4} {'MLP(60,30)':>10} "
          f"{'branch':>7} {'end2end':>7} {'s':>6}")
    summary = {}
    for protocol in protocols:
        for source, target in ((0, 1), (1, 0)):
            name = ("0-4 -> 5-9", "5-9 -> 0-4")[source]
            scores = []
            for seed in seeds:
                rng = np.random.RandomState(seed)
                in_task = [np.flatnonzero((y >= 5) == bool(t)) for t in (0, 1)]
                src = rng.choice(in_task[source], 2000, replace=False)
                tgt = rng.choice(in_task[target], 500, replace=False)
                y_tgt = y[tgt].copy()
                if protocol == "B":
                    keep = np.concatenate([rng.permutation(np.flatnonzero(y_tgt == c))[:10]
                                           for c in np.unique(y_tgt)])
                    unlabelled = np.setdiff1d(np.arange(500), keep)
                    y_tgt[unlabelled] = -1
                labelled = y_tgt >= 0
                Xl = np.vstack([long_form(X[src], source), long_form(X[tgt], target)])
                yl = np.concatenate([y[src], y_tgt])
                test_rows = (yt >= 5) == bool(target)
                Xtest, ytest = long_form(Xt[test_rows], target), yt[test_rows]
                start = time.process_time()
                mlp = MLPClassifier((60, 30), max_iter=500, random_state=seed)
                row = [100 * mlp.fit(X[tgt][labelled], y_tgt[labelled]).score(Xt[test_rows],
                                                                              ytest)]
                for strategy in ("branch_transfer", "end_to_end"):
                    clf = JointAEClassifier(strategy, **JAE, max_epochs=epochs,
                                            transfer_max_epochs=transfer_epochs,
                                            batch_size=128, random_state=seed).fit(Xl, yl)
                    row.append(100 * clf.score(Xtest, ytest))
                scores.append(row)
                print(f"{protocol:>9} {name:>11} {seed:>4} {row[0]:10.1f} {row[1]:7.1f} "
                      f"{row[2]:7.1f} {time.process_time() - start:6.0f}", flush=True)
            summary[protocol, name] = np.array(scores)
    print("\nmean +- std over seeds (paper, full MNIST: baseline / branch / end-to-end)")
    for (protocol, name), scores in summary.items():
        mean, std = scores.mean(0), scores.std(0)
        paper = " / ".join(f"{v:.1f}" for v in PAPER_TRANSFER[name])
        print(f"{protocol:>9} {name:>11}: MLP {mean[0]:.1f}+-{std[0]:.1f}, branch "
              f"{mean[1]:.1f}+-{std[1]:.1f}, end-to-end {mean[2]:.1f}+-{std[2]:.1f}   "
              f"(paper {paper}); end-to-end > MLP in "
              f"{int(np.sum(scores[:, 2] > scores[:, 0]))}/{len(scores)} seeds, branch > MLP "
              f"in {int(np.sum(scores[:, 1] > scores[:, 0]))}/{len(scores)}")


def depth_study(train, test, seeds, epochs):
    (X, y), (Xt, yt) = train, test
    depths = [1, 2, 3, 4, 5]
    print(f"\n## 4. Shared-layer depth (paper Table 3), 0-4 <-> 5-9: source 2000 labelled, "
          f"target 500 labelled rows; end-to-end, branch {SMALL}, tie at depth d (3 = the "
          f"bottleneck), {epochs} epochs, batch 128 per task, Adam 1e-3; accuracy (%) on "
          "the target's test rows")
    print(f"{'direction':>11} {'seed':>4} " + " ".join(f"{'d=' + str(d):>6}" for d in depths)
          + f" {'s':>6}")
    summary = {}
    for source, target in ((0, 1), (1, 0)):
        name = ("0-4 -> 5-9", "5-9 -> 0-4")[source]
        rows = []
        for seed in seeds:
            rng = np.random.RandomState(seed)
            in_task = [np.flatnonzero((y >= 5) == bool(t)) for t in (0, 1)]
            src = rng.choice(in_task[source], 2000, replace=False)
            tgt = rng.choice(in_task[target], 500, replace=False)
            Xl = np.vstack([long_form(X[src], source), long_form(X[tgt], target)])
            yl = np.concatenate([y[src], y[tgt]])
            test_rows = (yt >= 5) == bool(target)
            start = time.process_time()
            row = []
            for depth in depths:
                clf = JointAEClassifier(**SMALL, shared_depth=depth, max_epochs=epochs,
                                        batch_size=128, random_state=seed).fit(Xl, yl)
                row.append(100 * clf.score(long_form(Xt[test_rows], target), yt[test_rows]))
            rows.append(row)
            print(f"{name:>11} {seed:>4} " + " ".join(f"{v:6.1f}" for v in row)
                  + f" {time.process_time() - start:6.0f}", flush=True)
        summary[name] = np.array(rows)
    _depth_summary(summary, depths)


def _depth_summary(summary, depths):
    print("mean +- std over seeds (paper, full MNIST / the paper's USPS architecture)")
    for name, scores in summary.items():
        cells = []
        for j, d in enumerate(depths):
            paper = PAPER_DEPTH[name].get(d)
            cells.append(f"d={d} {scores[:, j].mean():.1f}+-{scores[:, j].std():.1f}"
                         + (f" ({paper})" if paper else ""))
        best = depths[int(np.argmax(scores.mean(0)))]
        print(f"{name:>13}: " + ", ".join(cells) + f"; best mean at d={best}; spread "
              f"{np.ptp(scores.mean(0)):.1f} points")


def load_usps():
    data = np.load(USPS)
    X = np.zeros((len(data["imgs"]), 784), dtype=np.float32)
    X[:, :256] = data["imgs"].reshape(len(data["imgs"]), -1).astype(np.float32) / 255
    y = data["labs"].astype(int)
    return (X[:4000], y[:4000]), (X[4000:], y[4000:])


def domain_adaptation(train, test, seeds, epochs, transfer_epochs):
    (usps_train, usps_test) = load_usps()
    domains = {"MNIST": (train, test, 2000), "USPS": (usps_train, usps_test, 1800)}
    shapes = {0.0: (1, 28, 28), 1.0: (1, 16, 16)}
    depths = [2, 3, 4, 5]
    print(f"\n## 5. MNIST <-> USPS (paper Table 4; Table 3's MNIST-USPS rows): 2000 MNIST + "
          f"1800 USPS rows (task 0 = MNIST, 1 = USPS, USPS padded to 784 columns), the "
          f"source all labelled, 20 labels per digit of the target; branch {SMALL}; "
          f"{epochs} epochs (branch transfer: {epochs} + {transfer_epochs} + "
          f"{transfer_epochs}), batch 128 per task, Adam 1e-3; accuracy (%) on the target's "
          "1000 test rows")
    print(f"{'direction':>13} {'seed':>4} {'MLP(60,30)':>10} {'branch':>7} "
          + " ".join(f"{'e2e d=' + str(d):>8}" for d in depths) + f" {'s':>6}")
    summary = {}
    for source, target in (("MNIST", "USPS"), ("USPS", "MNIST")):
        name = f"{source} -> {target}"
        t_src, t_tgt = (0.0, 1.0) if source == "MNIST" else (1.0, 0.0)
        (Xs, ys), _, n_src = domains[source]
        (Xg, yg), (Xgt, ygt), n_tgt = domains[target]
        width = 784 if target == "MNIST" else 256
        rows = []
        for seed in seeds:
            rng = np.random.RandomState(seed)
            src = rng.choice(len(ys), n_src, replace=False)
            tgt = rng.choice(len(yg), n_tgt, replace=False)
            y_tgt = np.full(n_tgt, -1)
            keep = np.concatenate([rng.permutation(np.flatnonzero(yg[tgt] == c))[:20]
                                   for c in range(10)])
            y_tgt[keep] = yg[tgt][keep]
            Xl = np.vstack([long_form(Xs[src], t_src), long_form(Xg[tgt], t_tgt)])
            yl = np.concatenate([ys[src], y_tgt])
            Xtest = long_form(Xgt, t_tgt)
            start = time.process_time()
            mlp = MLPClassifier((60, 30), max_iter=500, random_state=seed)
            row = [100 * mlp.fit(Xg[tgt][keep][:, :width], yg[tgt][keep]).score(
                Xgt[:, :width], ygt)]
            clf = JointAEClassifier("branch_transfer", **SMALL, input_shape=shapes,
                                    max_epochs=epochs, transfer_max_epochs=transfer_epochs,
                                    batch_size=128, random_state=seed).fit(Xl, yl)
            row.append(100 * clf.score(Xtest, ygt))
            for depth in depths:
                clf = JointAEClassifier(**SMALL, input_shape=shapes, shared_depth=depth,
                                        max_epochs=epochs, batch_size=128,
                                        random_state=seed).fit(Xl, yl)
                row.append(100 * clf.score(Xtest, ygt))
            rows.append(row)
            print(f"{name:>13} {seed:>4} {row[0]:10.1f} {row[1]:7.1f} "
                  + " ".join(f"{v:8.1f}" for v in row[2:])
                  + f" {time.process_time() - start:6.0f}", flush=True)
        summary[name] = np.array(rows)
    print("mean +- std over seeds (paper Table 4 in brackets; its JAE used 200 target labels "
          "too)")
    for name, scores in summary.items():
        mean, std = scores.mean(0), scores.std(0)
        best = 2 + int(np.argmax(mean[2:]))
        print(f"{name:>13}: MLP {mean[0]:.1f}+-{std[0]:.1f}, branch {mean[1]:.1f}+-{std[1]:.1f}, "
              f"end-to-end (bottleneck, d=3) {mean[3]:.1f}+-{std[3]:.1f}, best depth d="
              f"{depths[best - 2]} {mean[best]:.1f}; e2e d=3 > MLP in "
              f"{int(np.sum(scores[:, 3] > scores[:, 0]))}/{len(scores)} seeds   "
              f"[paper {PAPER_DOMAIN[name]}]")
    _depth_summary({name: scores[:, 2:] for name, scores in summary.items()}, depths)


class EpochCPUTimer(Callback):
    """Records each epoch's CPU time (this process) in the history as ``cpu``."""

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = time.process_time()

    def on_epoch_end(self, net, **kwargs):
        net.history.record("cpu", time.process_time() - self.start_)


def jae_objective(module, xb, tb, yb, n_tasks=2, criterion=CrossEntropyLoss()):
    """JointAETrainer's end-to-end objective written by hand: task-uniform
    cross-entropy on the labelled rows (y >= 0, per-task label codes) plus the
    task-uniform reconstruction error of every row. Shared with bench_neural.py."""
    out = module(xb, tb)
    mask = yb >= 0
    safe = torch.where(mask, yb, torch.zeros((), dtype=yb.dtype))
    loss = task_weighted_loss(criterion(out["prediction"], safe), tb, n_tasks, mask=mask)
    return loss + task_weighted_loss(reconstruction_errors(out, xb), tb, n_tasks)


def speed_data(train, n_per_task=1000):
    """2 x n_per_task rows (tasks 0-4 and 5-9), every other row unlabelled (y = -1)."""
    X, y = train
    Xl = np.vstack([long_form(X[y < 5][:n_per_task], 0), long_form(X[y >= 5][:n_per_task], 1)])
    yl = np.concatenate([y[y < 5][:n_per_task], y[y >= 5][:n_per_task]])
    yl[::2] = -1
    return Xl, yl


def label_codes(clf, Xl, yl):
    """Each labelled row's index in its task's ``task_classes_`` (-1: unlabelled)."""
    codes = np.full(len(yl), -1)
    for t, classes in enumerate(clf.task_classes_):
        rows = (Xl[:, -1] == t) & (yl >= 0)
        codes[rows] = np.searchsorted(classes, yl[rows])
    return codes


def plain_loop(module, x, task, y, n_epochs, batch, lr, n_tasks):
    """The same objective as JointAETrainer, in a hand-written loop."""
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    cpu = []
    for _ in range(n_epochs):
        start = time.process_time()
        module.train()
        for index in torch.randperm(len(y)).split(batch):
            optimizer.zero_grad()
            loss = jae_objective(module, x[index], task[index], y[index], n_tasks)
            loss.backward()
            optimizer.step()
        cpu.append(time.process_time() - start)
    return cpu


def speed(train, n_epochs=4, rounds=3):
    Xl, yl = speed_data(train)
    print(f"\n## 3. Speed: {len(yl)} rows (half unlabelled), JAE {JAE}, batch 128, "
          f"batching='mixed' (the plain loop shuffles all rows the same way), {n_epochs} "
          f"epochs x {rounds} rounds; CPU seconds per epoch, median")
    est_times, plain_times = [], []
    for r in range(rounds):
        timer = EpochCPUTimer()
        clf = JointAEClassifier(**JAE, batching="mixed", max_epochs=n_epochs, batch_size=128,
                                callbacks=[timer], random_state=r).fit(Xl, yl)
        est_times += list(clf.net_.history[:, "cpu"])
        module = JointAEClassifier(**JAE, max_epochs=0, random_state=r).fit(Xl, yl).net_.module_
        x = torch.as_tensor(Xl[:, :-1])
        task = torch.as_tensor(Xl[:, -1]).long()
        codes = label_codes(clf, Xl, yl)
        torch.manual_seed(r)
        plain_times += plain_loop(module, x, task, torch.as_tensor(codes), n_epochs, 128, 1e-3,
                                  2)
    est, plain = float(np.median(est_times)), float(np.median(plain_times))
    print(f"JointAEClassifier {est:.3f} s/epoch, plain torch loop {plain:.3f} s/epoch, "
          f"ratio {est / plain:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--transfer-epochs", type=int, default=20)
    parser.add_argument("--protocols", default="AB")
    parser.add_argument("--only", default="recon,transfer,speed")
    args = parser.parse_args()
    print(f"# bench_joint_ae: mnist5k, seeds 0-{args.seeds - 1}; python "
          f"{platform.python_version()}, torch {torch.__version__}, scikit-learn "
          f"{sklearn.__version__}, 1 torch thread; {' '.join(sys.argv[1:]) or 'defaults'}")
    train, test = load()
    seeds = list(range(args.seeds))
    start = time.time()
    only = args.only.split(",")
    if "recon" in only:
        reconstruction(train, test, seeds, args.epochs)
    if "transfer" in only:
        transfer(train, test, seeds, args.epochs, args.transfer_epochs, args.protocols)
    if "speed" in only:
        speed(train)
    if "depth" in only:
        depth_study(train, test, seeds, args.epochs)
    if "domain" in only:
        domain_adaptation(train, test, seeds, args.epochs, args.transfer_epochs)
    print(f"\ntotal wall time {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
