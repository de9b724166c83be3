"""DMTRL on the paper's MNIST protocol (section 4.1), scaled to ../shared/data/mnist5k.npz.

Run from the repository root::

    python benchmarks/bench_dmtrl_mnist.py | tee benchmarks/results/bench_dmtrl_mnist.txt

A benchmark recorded beside the paper's claims, not a CI gate.

Protocol
    mnist5k.npz (5000 images, 500 per digit), pixels / 255. Test images: the last
    1000 (indices 4000-4999, about 100 per digit), the same for every run. Training
    images: for seed s, ``RandomState(s)`` permutes each digit's images among the
    first 4000 and takes one image of each digit in turn, so a training set of n
    images holds exactly n/10 of each digit (every one-vs-rest task has n/10
    positives) and the sets of one seed are nested (50 in 100 in 200 in 400). The
    paper draws plain random subsets of the 60k; this balanced draw keeps every
    task two-class at n=50.
    10 one-vs-rest binary tasks on the same images (homogeneous MTL), long form: one
    row per (image, task), y in {-1, +1}, hinge loss (the paper's), objective the mean
    over tasks of each task's mean loss.
    Network: the paper's modified LeNet narrowed to 8@5x5 conv, 2x2 max-pool,
    16@4x4 conv, 2x2 max-pool, FC 64, 1 output per task (the paper: 32, 64, 512),
    ReLU, valid convolutions. Adam, lr 1e-3, batch 64 rows, a fixed number of epochs
    (EPOCHS per stage, no early stopping), 1 torch thread. The estimators'
    ``random_state`` is the seed, so a seed changes both the training images and the
    initial weights.

Models (all built from the same network class, see _baselines.py)
    STL      10 independent nets (EPOCHS epochs).
    STL+ft   the STL nets trained EPOCHS more epochs with Adam restarted: DMTRL's
             schedule (single-task stage + fine-tuning stage) with no factorisation.
             The control for "is DMTRL's gain sharing, or just more training?".
    UD-MTL   shared-bottom: conv1, conv2, fc1 hard-shared, the output layer per task
             (the paper's cross-validated N=3 of 4), EPOCHS epochs.
    laf/tucker/tt  DMTRL, init="stl", rank=0.1 (the paper's epsilon = 10%), every
             layer (output included) factorised: EPOCHS single-task epochs, then
             EPOCHS epochs end to end.
    The single-task stage of DMTRL (and of STL+ft) is the STL model of the same seed:
    the same seed builds the same initial nets and trains them on the same rows with
    the same settings. It is trained once per (size, seed) and reused (with torch's
    random stream restored as it was after that training), which makes every fit
    bit-identical to a plain ``DMTRLClassifier(...).fit``; the self-check printed
    first verifies this on a small case.

Metrics on the 1000 test images: mean binary error over the 10 one-vs-rest tasks
(the sign of each task's score), and the 10-class error of the argmax over the 10
task scores. Also printed: each model's final training hinge loss (the last epoch's
mean), DMTRL's single-task-stage final training hinge (the spec's warning: near zero
means the training rows are separated and the STL init has little left to learn),
and the task-mode rank of every layer chosen by rank=0.1 (10 = full: DMTRL then
starts as an exact reparametrisation of the STL nets).

Diagnostic (not a tuned result): DMTRL-LAF with rank=DIAG_RANK (an explicit
rank K for every layer, below the full task rank of 10) on seed 0 at every size,
fixed before any test error of this script was seen.

The paper's claim (Fig. 2; no number is stated, see spec_dmtrl.md section 6.1): every
MTL method beats STL, the margin grows as data shrink, and DMTRL-TT/Tucker beat
UD-MTL at very small training sizes and are comparable at larger ones. Stated numbers:
with 1000 training images DMTRL is "below 6%" mean binary error, against about 14%
for shallow matrix MTL on PCA-64 features.
"""

import argparse
import copy
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import STLClassifier, UD3Classifier  # noqa: E402

import sklearn_mtl  # noqa: E402
from sklearn_mtl import DMTRLClassifier  # noqa: E402

torch.set_num_threads(1)
REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "mnist5k.npz"
SIZES, SEEDS, EPOCHS = (50, 100, 200, 400), (0, 1, 2), 40
DIAG_RANK, DIAG_SEED = 5, 0
N_POOL, N_TEST = 4000, 1000
FACTORISATIONS = ("laf", "tucker", "tt")
MODELS = ("STL", "STL+ft", "UD-MTL") + FACTORISATIONS
ARCH = dict(conv_layers=((8, 5), (16, 4)), hidden_layer_sizes=(64,), input_shape=(1, 28, 28),
            loss="hinge", lr=1e-3, batch_size=64)


# --------------------------------------------------------------------------- stage cache

_STAGE_CACHE = {}
_CACHE_HITS = [0]
_INDEPENDENT = ("PerTaskLinear", "PerTaskConv2d")


def _digest(*arrays):
    h = hashlib.sha1()
    for a in arrays:
        a = a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


class _CachedSingleTaskStage:
    """Memoise the training of an all-independent (single-task) net.

    A benchmark-side workaround (the library has no way to pass trained
    single-task nets to DMTRL): the first training of the single-task nets for a
    given seed, data and settings is stored with torch's random state right after
    it; later identical trainings return a copy and restore that state, so the
    rest of the fit runs exactly as without the cache.
    """

    def _train_module(self, module, X, y, n_tasks, *, max_epochs=None, callbacks="default",
                      warm_start=False):
        independent = all(type(layer).__name__ in _INDEPENDENT for layer in module.layers)
        no_callbacks = callbacks is None or (callbacks == "default" and self.callbacks is None)
        if not (independent and no_callbacks and not warm_start):
            return super()._train_module(module, X, y, n_tasks, max_epochs=max_epochs,
                                         callbacks=callbacks, warm_start=warm_start)
        epochs = self.max_epochs if max_epochs is None else max_epochs
        key = (self._seed, epochs, self.lr, self.batch_size, getattr(self, "loss", None),
               repr(self._architecture), self.task_weighting, repr(self.net_params),
               _digest(X["x"], X["task"], y), _digest(*module.state_dict().values()))
        if key not in _STAGE_CACHE:
            net = super()._train_module(module, X, y, n_tasks, max_epochs=max_epochs,
                                        callbacks=callbacks, warm_start=warm_start)
            _STAGE_CACHE[key] = (copy.deepcopy(net), torch.get_rng_state())
        else:
            _CACHE_HITS[0] += 1
        net, state = _STAGE_CACHE[key]
        torch.set_rng_state(state)
        return copy.deepcopy(net)


class CachedSTL(_CachedSingleTaskStage, STLClassifier):
    pass


class CachedDMTRL(_CachedSingleTaskStage, DMTRLClassifier):
    pass


class STLFinetune(_CachedSingleTaskStage, STLClassifier):
    """STL nets trained ``stl_max_epochs``, then ``max_epochs`` more with a fresh
    optimiser: DMTRL's two-stage schedule without the factorisation."""

    def _build_module(self, n_features, n_tasks, output_sizes, X, y):
        module = super()._build_module(n_features, n_tasks, output_sizes, X, y)
        epochs = self.max_epochs if self.stl_max_epochs is None else self.stl_max_epochs
        net = self._train_module(module, X, y, n_tasks, max_epochs=epochs, callbacks=None)
        self.stl_history_ = net.history
        return net.module_


# --------------------------------------------------------------------------- data


def load():
    data = np.load(DATA)
    images = data["imgs"].reshape(len(data["labs"]), -1).astype(np.float32) / 255
    return images, data["labs"].astype(int)


def training_order(labels, seed):
    """Indices into the pool: a random image of each digit in turn."""
    rng = np.random.RandomState(seed)
    per_digit = [rng.permutation(np.flatnonzero(labels[:N_POOL] == d)) for d in range(10)]
    return np.array([i for group in zip(*per_digit) for i in group])


def long_form(images, labels):
    n = len(labels)
    X = np.vstack([np.column_stack([images, np.full(n, t, dtype=np.float32)])
                   for t in range(10)])
    y = np.concatenate([np.where(labels == t, 1, -1) for t in range(10)])
    return X, y


def errors(est, X_test, y_test, test_labels):
    binary = float(np.mean(est.predict(X_test) != y_test))
    scores = est.decision_function(X_test).reshape(10, len(test_labels)).T
    return binary, float(np.mean(scores.argmax(1) != test_labels))


def make_model(name, seed, epochs, rank=0.1):
    common = dict(**ARCH, max_epochs=epochs, random_state=seed)
    if name == "STL":
        return CachedSTL(**common)
    if name == "STL+ft":
        return STLFinetune(**common, stl_max_epochs=epochs)
    if name == "UD-MTL":
        return UD3Classifier(**common)
    return CachedDMTRL(name, **common, rank=rank, stl_max_epochs=epochs)


def task_ranks(est):
    ranks = getattr(est, "ranks_", None) or {}
    # LAF ranks are (K,); Tucker and TT put the task mode last.
    return "/".join(str(v[-1]) for v in ranks.values())


def fit_and_score(name, est, X, y, X_test, y_test, test_labels):
    start = time.time()
    with warnings.catch_warnings():
        # The full-task-rank warning is expected at rank=0.1; the ranks are printed.
        warnings.simplefilter("ignore", UserWarning)
        est.fit(X, y)
    binary, multi = errors(est, X_test, y_test, test_labels)
    stl_hinge = (f"{est.stl_history_[-1, 'train_loss']:.4f}"
                 if getattr(est, "stl_history_", None) is not None else "-")
    return dict(binary=binary, multi=multi, hinge=est.net_.history[-1, "train_loss"],
                stl_hinge=stl_hinge, ranks=task_ranks(est) or "-",
                seconds=time.time() - start)


# --------------------------------------------------------------------------- report


def code_version():
    def git(*command):
        return subprocess.run(["git", *command], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    status = git("status", "--short", "sklearn_mtl")
    return head, status


def print_environment(args):
    head, status = code_version()
    print(f"command      : python {' '.join(sys.argv)}")
    print(f"date         : {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine      : {platform.node() or '?'}, {platform.machine()}, "
          f"nproc={os.cpu_count()}, {platform.platform()} (shared with other jobs)")
    print(f"versions     : sklearn_mtl {sklearn_mtl.__version__}, torch {torch.__version__}, "
          f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"python {platform.python_version()}")
    print(f"threads      : torch {torch.get_num_threads()}")
    print(f"code         : git {head}")
    print("git status --short sklearn_mtl:" + ("".join(f"\n    {line}" for line in
                                                     status.splitlines()) or " (clean)"))
    print(f"settings     : sizes {args.sizes}, seeds {args.seeds}, {args.epochs} epochs per "
          f"stage, {ARCH}, rank=0.1, diagnostic LAF rank={DIAG_RANK} on seed {DIAG_SEED}")


def self_check(images, labels, X_test, y_test, test_labels):
    """A cached DMTRL fit equals a plain DMTRLClassifier fit (small case)."""
    order = training_order(labels, 99)[:50]
    X, y = long_form(images[order], labels[order])
    common = dict(**ARCH, max_epochs=2, stl_max_epochs=2, random_state=99)
    outputs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for est in (DMTRLClassifier("tt", **common), CachedSTL(**common),
                    CachedDMTRL("tt", **common), CachedDMTRL("tt", **common)):
            est.fit(X, y)
            outputs.append(est.decision_function(X_test[:2000]))
    same = all(np.array_equal(outputs[0], out) for out in outputs[2:])
    print(f"self-check   : a DMTRL fit whose single-task stage comes from the cache "
          f"(cache hits {_CACHE_HITS[0]} of 2) gives exactly the decision_function of a plain "
          f"DMTRLClassifier fit (n=50, 2+2 epochs, seed 99, TT): {same}")
    if not same or _CACHE_HITS[0] != 2:
        raise SystemExit("the stage cache changes the results; not running the benchmark")
    _STAGE_CACHE.clear()
    _CACHE_HITS[0] = 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--no-diagnostic", action="store_true")
    args = parser.parse_args()
    t0 = time.time()
    print("# DMTRL on mnist5k, the paper's MNIST protocol scaled down "
          "(benchmarks/bench_dmtrl_mnist.py)")
    print_environment(args)
    images, labels = load()
    test_images, test_labels = images[N_POOL:N_POOL + N_TEST], labels[N_POOL:N_POOL + N_TEST]
    X_test, y_test = long_form(test_images, test_labels)
    self_check(images, labels, X_test, y_test, test_labels)
    print(f"test         : images {N_POOL}-{N_POOL + N_TEST - 1}, "
          f"digit counts {np.bincount(test_labels).tolist()}")

    print("\n## per size and seed (binary = mean error of the 10 one-vs-rest tasks; "
          "multi = argmax 10-class error; hinge = final training hinge loss;\n"
          "## STL-stage = DMTRL's single-task stage final training hinge; ranks = task-mode "
          "rank of conv1/conv2/fc1/out)")
    print(f"{'n':>4s} {'seed':>4s} {'model':>7s} {'binary':>7s} {'multi':>7s} {'hinge':>7s} "
          f"{'STL-stage':>9s} {'ranks':>12s} {'s':>5s}")
    results, diag = {}, {}
    diagnostic = not args.no_diagnostic and DIAG_SEED in args.seeds
    for size in args.sizes:
        for seed in args.seeds:
            train = training_order(labels, seed)[:size]
            X, y = long_form(images[train], labels[train])
            for name in MODELS:
                r = fit_and_score(name, make_model(name, seed, args.epochs), X, y,
                                  X_test, y_test, test_labels)
                results[size, seed, name] = r
                print(f"{size:4d} {seed:4d} {name:>7s} {r['binary']:7.4f} {r['multi']:7.4f} "
                      f"{r['hinge']:7.4f} {r['stl_hinge']:>9s} {r['ranks']:>12s} "
                      f"{r['seconds']:5.0f}", flush=True)
            if diagnostic and seed == DIAG_SEED:
                # Reuses this seed's single-task stage; printed in its own section below.
                est = make_model("laf", seed, args.epochs, rank=DIAG_RANK)
                diag[size] = fit_and_score("laf", est, X, y, X_test, y_test, test_labels)
                diag[size]["init_error"] = "/".join(
                    f"{v:.2f}" for v in est.init_reconstruction_error_.values())
            _STAGE_CACHE.clear()

    print(f"\n## mean over seeds {args.seeds} (binary error / multi-class error)")
    print(f"{'n':>4s} " + " ".join(f"{name:>15s}" for name in MODELS))
    for size in args.sizes:
        cells = []
        for name in MODELS:
            b = np.mean([results[size, s, name]["binary"] for s in args.seeds])
            m = np.mean([results[size, s, name]["multi"] for s in args.seeds])
            cells.append(f"{b:.4f} / {m:.4f}")
        print(f"{size:4d} " + " ".join(f"{c:>15s}" for c in cells))
    print("\n## seeds on which the model's error is below STL's / below STL+ft's "
          "(binary; multi)")
    print(f"{'n':>4s} " + " ".join(f"{name:>19s}" for name in MODELS[2:]))
    for size in args.sizes:
        cells = []
        for name in MODELS[2:]:
            counts = []
            for ref in ("STL", "STL+ft"):
                for metric in ("binary", "multi"):
                    counts.append(sum(results[size, s, name][metric]
                                      < results[size, s, ref][metric] for s in args.seeds))
            cells.append(f"{counts[0]}/{counts[2]}; {counts[1]}/{counts[3]} of {len(args.seeds)}")
        print(f"{size:4d} " + " ".join(f"{c:>19s}" for c in cells))

    if diagnostic:
        print(f"\n## diagnostic, not a tuned result: DMTRL-LAF with rank={DIAG_RANK} "
              f"(K={DIAG_RANK} < 10 tasks in every layer: the STL weights are truncated and "
              f"the tasks must share), seed {DIAG_SEED}; init rel. error per layer")
        print(f"{'n':>4s} {'seed':>4s} {'model':>7s} {'binary':>7s} {'multi':>7s} "
              f"{'hinge':>7s} {'STL-stage':>9s} {'ranks':>12s} {'s':>5s}  init rel. error")
        for size, r in diag.items():
            print(f"{size:4d} {DIAG_SEED:4d} {'laf-K' + str(DIAG_RANK):>7s} {r['binary']:7.4f} "
                  f"{r['multi']:7.4f} {r['hinge']:7.4f} {r['stl_hinge']:>9s} "
                  f"{r['ranks']:>12s} {r['seconds']:5.0f}  {r['init_error']}")
    print(f"\nsingle-task stages reused from the cache: {_CACHE_HITS[0]}")
    print(f"total wall time {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
