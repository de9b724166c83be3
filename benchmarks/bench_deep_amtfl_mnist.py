"""Deep-AMTFL on MNIST-Imbalanced (Lee, Yang & Hwang 2018, Table 2 and Fig. 6).

Run from the repository root::

    python benchmarks/bench_deep_amtfl_mnist.py | tee benchmarks/results/bench_deep_amtfl_mnist.txt
    python benchmarks/bench_deep_amtfl_mnist.py --epochs 20 --seeds 0   # a quick look

Data (spec_amtfl.md section 7, "Reproduce offline"). ``../shared/data/mnist5k.npz``
holds 500 images per class. Class c (0..9) trains on its first 200 - 20 c images in
the file's order (200, 180, ..., 20: 1,100 images), as the authors' code takes the
first N_c images; the test set is images 200..499 of every class (300 per class,
3,000 in all, balanced). Pixels / 255, in [0, 1]. The training and test images are
the same for every seed; a seed (``random_state``) sets the network initialisation
and the minibatch order. All models of one seed share the seed, so they start from
the same backbone weights and see the same batches (paired comparison).

Network: the paper's LeNet-Conv at full width, conv 5x5x20 - ReLU - maxpool 2 -
conv 5x5x50 - ReLU - maxpool 2 - FC 500 + ReLU (= Z, the feature layer) - FC 10,
one-vs-rest sigmoid outputs (task t = "is it class t?"; the spec: the paper never
uses a softmax), prediction = argmax of the 10 logits. All three models are
``DeepAMTFLClassifier(one_vs_rest=True, task_column=None)`` with this backbone,
the same optimiser, epochs and batches; they differ only in the objective:

- CNN (the paper's base network): alpha = gamma = mu = 0; l2 weight decay
  lambda = 1e-4 (lambda/2 ||W||^2) on every layer: the estimator's
  ``basis_penalty`` on the lower layers (biases included, as the authors'
  tf.nn.l2_loss) and the same lambda on the head weights W^(L) through an Adam
  parameter group (Adam's coupled weight_decay adds lambda W to the gradient,
  the gradient of lambda/2 ||W||^2).
- MT-CNN (the paper's "CNN with l1 instead of l2 on the last layer"):
  ``transfer_sparsity=0, transfer_strength=0`` (no feedback, no autoencoder; A
  gets no gradient), ``sparsity`` mu = 1e-4 (mu ||W^(L)||_1), lambda = 1e-4 on
  the lower layers.
- Deep-AMTFL: the values of the authors' run.sh / spec section 3, not tuned here:
  alpha = 0.1, gamma = 0.01, mu = lambda = 1e-4, delta_t = 1e-3 sqrt(mean N /
  N_t) (``sample_size_penalty="auto"``). No hyper-parameter is chosen on the
  test images (nor on any other data: none is tuned).
- AMTFL a=0 (an extra control, not in the paper's table): Deep-AMTFL with
  alpha = 0, i.e. the symmetric autoencoder (gamma = 0.01) without the
  loss-weighted l1 on A; it separates the effect of the asymmetry from that of
  the reconstruction term.

Optimisation: Adam, batch 100, reshuffled every epoch, the learning rate cut x0.1
at half of the epochs, the last epoch reported (no early stopping), as in the
authors' code. The authors train 1000 epochs at 1e-4 then 1e-5. Here the
full-width LeNet costs 0.4-1.0 s per epoch (1 torch thread, the second core busy
with other work; the spec's 0.17 s per epoch was not reproduced), so 1000 epochs
x 20 fits would take 2-5 hours. A measured probe (Deep-AMTFL, seed 0, 150 epochs
at the authors' lr 1e-4, not recorded in the results file) still had a falling
objective (0.81 at epoch 131, 0.64 at 150) and 99.2% training accuracy: merely
cutting the epochs at lr 1e-4 leaves the nets under-trained. The default is
therefore the offline protocol of spec_amtfl.md section 7 ("Benchmark, not a
gate"): lr 1e-3 then 1e-4, 100 epochs (10x the step size for 1/10 of the
epochs), the same for every model. ``--lr 1e-4 --epochs 1000`` runs the authors'
schedule.

Metric: the paper's average per-class error % (mean over the 10 classes of the
error on that class's 300 test images), the per-class errors, and for Deep-AMTFL
the outgoing feedback ||a_t^o||_1 of every class with its Spearman correlation
to the class's training size N_t (Fig. 6: the feedback flows from the large to
the small classes, so it should rise with N_t), and the share of |A W^(L)| above
the diagonal (source class < target class, i.e. from larger to smaller classes).

Reference numbers (the paper, Table 2, 5 runs, the standard 10k MNIST test set):
CNN 8.13, MT-CNN 8.72, Deep-AMTL 8.52, Deep-AMTFL 5.82 (Deep-AMTL is not run here).

What the recorded run shows (benchmarks/results/bench_deep_amtfl_mnist.txt; 5
seeds, 100 epochs, 23 min)
- Mean per-class error: Deep-AMTFL 4.83 ± 0.33, alpha=0 control 5.46 ± 0.22,
  MT-CNN 6.79 ± 0.25, CNN 6.87 ± 0.28. Deep-AMTFL is below CNN, MT-CNN and the
  control on 5/5 seeds; classes 7-9: 9.58 vs 14.60 (CNN), 14.67 (MT-CNN), 11.22
  (control). MT-CNN is not worse than CNN here (the paper: 8.72 vs 8.13).
- Every model reaches 0% training error; per-class training losses are ~1e-4 to
  3e-3, of the order of the size term delta_t, which therefore sets much of the
  reliability weight.
- Spearman(N_t, ||a_t||_1) = +0.90 for Deep-AMTFL, but +0.87 already for the
  alpha=0 control: the large-to-small direction of Fig. 6 comes mostly from the
  autoencoder. |A W^(L)| is not upper-triangular (half of its off-diagonal mass
  above the diagonal), so Fig. 6(b) is not reproduced.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import skorch
import sklearn
import torch
from scipy.stats import spearmanr
from skorch.callbacks import LRScheduler

from sklearn_mtl import DeepAMTFLClassifier

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist5k.npz"

N_TRAIN = tuple(200 - 20 * c for c in range(10))  # 200, 180, ..., 20
TEST_RANGE = (200, 500)  # images 200..499 of every class
LAMBDA = 1e-4
LENET = dict(conv_layers=((20, 5), (50, 5)), hidden_layer_sizes=(500,),
             input_shape=(1, 28, 28))
MODELS = {
    "CNN": dict(transfer_sparsity=0.0, transfer_strength=0.0, sparsity=0.0,
                basis_penalty=LAMBDA, head_l2=LAMBDA),
    "MT-CNN": dict(transfer_sparsity=0.0, transfer_strength=0.0, sparsity=1e-4,
                   basis_penalty=LAMBDA),
    "AMTFL a=0": dict(transfer_sparsity=0.0, transfer_strength=0.01, sparsity=1e-4,
                      basis_penalty=LAMBDA),
    "Deep-AMTFL": dict(transfer_sparsity=0.1, transfer_strength=0.01, sparsity=1e-4,
                       basis_penalty=LAMBDA),
}
PAPER = {"CNN": 8.13, "MT-CNN": 8.72, "Deep-AMTL": 8.52, "Deep-AMTFL": 5.82}
RARE = (7, 8, 9)


def print_environment(args):
    def git(*command):
        return subprocess.run(["git", *command], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "sklearn_mtl")
    print(f"command      : python {' '.join(sys.argv)}")
    print(f"date         : {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine      : {platform.machine()}, nproc={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} at start (shared machine), no GPU")
    print(f"versions     : torch {torch.__version__}, skorch {skorch.__version__}, "
          f"scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, "
          f"numpy {np.__version__}, python {platform.python_version()}")
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"code         : git {git('rev-parse', '--short', 'HEAD') or '?'}"
          + (" + uncommitted sklearn_mtl files" if dirty else ""))
    print(f"data         : {args.data}; train = first N_c images of class c, N_c = "
          f"{', '.join(map(str, N_TRAIN))} ({sum(N_TRAIN)} images); test = images "
          f"{TEST_RANGE[0]}..{TEST_RANGE[1] - 1} of every class "
          f"({TEST_RANGE[1] - TEST_RANGE[0]} per class)")
    print("network      : full-width LeNet-Conv 20@5x5-pool-50@5x5-pool-FC500(Z)-FC10, "
          "one-vs-rest sigmoids, argmax prediction")
    print(f"training     : Adam, batch 100, lr {args.lr:g} for epochs 1..{args.epochs // 2}, "
          f"{args.lr / 10:g} for epochs {args.epochs // 2 + 1}..{args.epochs}; last epoch "
          "reported; the same for every model")
    if (args.lr, args.epochs) != (1e-4, 1000):
        print("               NOT the authors' schedule (lr 1e-4 then 1e-5, 1000 epochs): "
              "REDUCED for time to the spec's offline protocol (section 7), see the "
              "script's docstring")
    print(f"seeds        : {list(args.seeds)} (initialisation and batch order; data fixed)")
    for name, params in MODELS.items():
        print(f"{name:>13}: alpha={params['transfer_sparsity']}, "
              f"gamma={params['transfer_strength']}, mu={params['sparsity']}, "
              f"lambda={params['basis_penalty']} (lower layers)"
              + (f", l2 {params['head_l2']} on the head weights" if "head_l2" in params
                 else ", no l2 on the head"))
    print("Deep-AMTFL hyper-parameters: the authors' run.sh values, not tuned here")


def load_data(path):
    data = np.load(path)
    images = data["imgs"].reshape(len(data["labs"]), -1).astype(np.float32) / 255.0
    labels = data["labs"].astype(np.int64)
    train, test = [], []
    for c in range(10):
        rows = np.flatnonzero(labels == c)  # the file's order
        train.append(rows[:N_TRAIN[c]])
        test.append(rows[TEST_RANGE[0]:TEST_RANGE[1]])
    train, test = np.concatenate(train), np.concatenate(test)
    return images[train], labels[train], images[test], labels[test]


def make_model(name, epochs, seed, lr):
    params = dict(MODELS[name])
    head_l2 = params.pop("head_l2", 0.0)
    net_params = ({"optimizer__param_groups": [("head.weight", {"weight_decay": head_l2})]}
                  if head_l2 else None)
    scheduler = LRScheduler(policy=torch.optim.lr_scheduler.MultiStepLR,
                            milestones=[epochs // 2], gamma=0.1)
    return DeepAMTFLClassifier(
        one_vs_rest=True, task_column=None, **LENET, **params, max_epochs=epochs,
        lr=lr, batch_size=100, optimizer=torch.optim.Adam, callbacks=[scheduler],
        net_params=net_params, random_state=seed)


def per_class_error(prediction, labels):
    return np.array([np.mean(prediction[labels == c] != c) for c in range(10)]) * 100


def mean_std(values, digits=2):
    values = np.asarray(values, dtype=float)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.{digits}f} ± {std:.{digits}f}"


def upper_share(transfer):
    """Share of the off-diagonal |A W| mass above the diagonal (source < target)."""
    magnitude = np.abs(transfer)
    upper = np.triu(magnitude, 1).sum()
    lower = np.tril(magnitude, -1).sum()
    return upper / (upper + lower)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3,
                        help="initial learning rate, cut x0.1 at half of the epochs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS),
                        help="a subset of the models (default: all four)")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"error: {args.data} not found; pass --data.")
    sys.stdout.reconfigure(line_buffering=True)
    torch.set_num_threads(1)

    print("# Deep-AMTFL on MNIST-Imbalanced (benchmarks/bench_deep_amtfl_mnist.py)")
    print_environment(args)
    X, y, X_test, y_test = load_data(args.data)
    n_train = np.bincount(y, minlength=10)
    assert tuple(n_train) == N_TRAIN
    print()

    names = list(args.models)
    errors = {name: [] for name in names}        # (seeds, 10) per-class error %
    train_losses = {name: [] for name in names}  # (seeds, 10) per-class training BCE
    train_errors = {name: [] for name in names}
    feedback_models = [n for n in names if MODELS[n]["transfer_strength"]]
    outgoing = {n: [] for n in feedback_models}
    rho = {n: [] for n in feedback_models}
    upper = {n: [] for n in feedback_models}
    start_all = time.perf_counter()
    for seed in args.seeds:
        print(f"## seed {seed}")
        for name in names:
            start = time.perf_counter()
            est = make_model(name, args.epochs, seed, args.lr).fit(X, y)
            seconds = time.perf_counter() - start
            err = per_class_error(est.predict(X_test), y_test)
            train_err = per_class_error(est.predict(X), y)
            errors[name].append(err)
            train_losses[name].append(est.task_losses_)
            train_errors[name].append(train_err)
            history = est.net_.history
            half = args.epochs // 2
            print(f"{name:>10} [{seconds:.0f}s] mean per-class error {err.mean():.2f}% | "
                  "per class 0..9: " + " ".join(f"{e:.1f}" for e in err))
            print(f"{'':>10} final objective {history[-1, 'train_loss']:.4f} "
                  f"(epoch {half}: {history[half - 1, 'train_loss']:.4f}); "
                  f"training error {train_err.mean():.2f}%; per-class training BCE L_t 0..9: "
                  + " ".join(f"{v:.1e}" for v in est.task_losses_))
            if name in feedback_models:
                out = est.outgoing_transfer_
                outgoing[name].append(out)
                rho[name].append(spearmanr(n_train, out)[0])
                upper[name].append(upper_share(est.task_transfer_))
                print(f"{'':>10} outgoing feedback ||a_t||_1 0..9: "
                      + " ".join(f"{v:.3f}" for v in out)
                      + f"; Spearman(N_t, ||a_t||_1) = {rho[name][-1]:+.2f}; |A W| above "
                      f"the diagonal (large -> small class): {upper[name][-1]:.2f} of the "
                      f"off-diagonal; reconstruction error {est.reconstruction_error_:.4f}")
        print()

    errors = {k: np.array(v) for k, v in errors.items()}
    seeds = len(args.seeds)
    print(f"## Summary over {seeds} seeds ({args.epochs} epochs, lr {args.lr:g}; paper: "
          "1000 epochs at 1e-4, 5 runs, the 10k MNIST test set)")
    print(f"{'model':>10} {'mean per-class error %':>23} {'paper':>6}   per seed")
    for name in ["CNN", "MT-CNN", "Deep-AMTL", "AMTFL a=0", "Deep-AMTFL"]:
        paper = f"{PAPER[name]:>6.2f}" if name in PAPER else f"{'-':>6}"
        if name not in names:
            print(f"{name:>10} {'(not run)':>23} {paper}")
            continue
        means = errors[name].mean(1)
        print(f"{name:>10} {mean_std(means):>23} {paper}   "
              + " / ".join(f"{m:.2f}" for m in means))

    print("\nper-class test error %, mean ± std over seeds (N_c = training images)")
    print(f"{'class':>5} {'N_c':>4} " + " ".join(f"{n:>14}" for n in names))
    for c in range(10):
        print(f"{c:>5} {N_TRAIN[c]:>4} "
              + " ".join(f"{mean_std(errors[n][:, c]):>14}" for n in names))
    print(f"{'7-9':>5} {'':>4} "
          + " ".join(f"{mean_std(errors[n][:, list(RARE)].mean(1)):>14}" for n in names))

    print("\nper-class training BCE L_t (mean over seeds) and training error %")
    for name in names:
        losses = np.mean(train_losses[name], axis=0)
        print(f"{name:>10} L_t 0..9: " + " ".join(f"{v:.1e}" for v in losses)
              + f"; training error {np.mean(train_errors[name]):.2f}%")

    baselines = [n for n in ["CNN", "MT-CNN", "AMTFL a=0"] if n in names]
    if "Deep-AMTFL" not in names or not baselines:
        print(f"\ntotal runtime: {time.perf_counter() - start_all:.0f}s")
        return
    amtfl = errors["Deep-AMTFL"].mean(1)
    print()
    for name in baselines:
        base = errors[name].mean(1)
        wins = int(np.sum(amtfl < base))
        rare = int(np.sum(errors["Deep-AMTFL"][:, list(RARE)].mean(1)
                          < errors[name][:, list(RARE)].mean(1)))
        print(f"Deep-AMTFL below {name} on {wins}/{seeds} seeds "
              f"(paired mean {name} - Deep-AMTFL = {np.mean(base - amtfl):+.2f} pp); "
              f"on classes 7-9 on {rare}/{seeds} seeds")
    best = min(np.mean(errors[n].mean(1)) for n in baselines)
    verdict = "beats" if amtfl.mean() < best else "does NOT beat"
    print(f"On average Deep-AMTFL {verdict} both baselines "
          f"({amtfl.mean():.2f}% vs best baseline {best:.2f}%).")
    for name in feedback_models:
        print(f"\n{name}: outgoing feedback ||a_t||_1 per class 0..9, mean over seeds: "
              + " ".join(f"{v:.3f}" for v in np.mean(outgoing[name], axis=0)))
        print(f"{name}: Spearman(N_t, ||a_t||_1) per seed: "
              + " / ".join(f"{r:+.2f}" for r in rho[name])
              + f"; mean {np.mean(rho[name]):+.2f} (positive: the large classes feed "
              "the features, as in the paper's Fig. 6)")
        print(f"{name}: |A W| share above the diagonal (large -> small class) per seed: "
              + " / ".join(f"{u:.2f}" for u in upper[name]))
    print(f"\ntotal runtime: {time.perf_counter() - start_all:.0f}s")


if __name__ == "__main__":
    main()
