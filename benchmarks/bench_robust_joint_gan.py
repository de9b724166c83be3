"""RobustJointGAN benchmark: a small digit dataset trained jointly with a large one.

Run from the project root (about 5 minutes on one thread):

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_robust_joint_gan.py

writes ``benchmarks/results/bench_robust_joint_gan.txt`` and
``benchmarks/results/bench_robust_joint_gan.png``.

Data: ``load_digits`` (8x8, scaled to [0, 1]) split once into a *judge* half
and a *GAN* half. The judge half trains a fixed digit classifier
(LogisticRegression, test accuracy printed) and a PCA(16) feature space; a
held-out part of it is the real reference set. From the GAN half, per seed, a
small dataset (task 0, ``N_SMALL`` rows) and a large related one (task 1,
``N_LARGE`` other rows: same digits, other writers) are drawn.

Compared, for the small dataset's generator (one fit of both datasets each,
same schedule, batches and epochs):

* ``alone``: ``lam=0``, exactly isolated training of the small pair (the
  tests check that the other dataset then has no effect on it);
* ``L2``: ``lam=10``, the L2-coupled stage only (``max_irls_iter=0`` and as
  many epochs);
* ``robust``: ``lam=10``, the L2 start then IRLS (RobustJointNets).

Judged on 1000 samples of task 0 by: the fixed classifier's mean confidence
(max probability), an Inception-score analogue ``exp E KL(p(y|x) || p(y))``
(1 to 10, higher means confident and diverse), the entropy-based class
coverage, and the Frechet distance in PCA(16) space to the real held-out
digits (lower is better). Real rows (the small training set itself, and the
held-out rows against themselves split in two) give the reference values.
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy import linalg
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

from sklearn_mtl.neural._robust_joint import RobustJointGAN

torch.set_num_threads(1)
RESULTS = Path(__file__).resolve().parent / "results"
N_SMALL, N_LARGE, N_SAMPLES = 40, 700, 1000
SEEDS = (0, 1, 2)
EPOCHS_L2, IRLS_EVERY, MAX_IRLS = 100, 50, 4
COMMON = dict(hidden_layer_sizes=(128,), latent_dim=16, lr=1e-3, batch_size=64,
              net_params={"optimizer__betas": (0.5, 0.999)}, task_column=None)


def frechet(a, b):
    mu_a, mu_b = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(ca @ cb).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(ca + cb - 2 * covmean))


def judge_scores(images, clf, pca, reference):
    p = clf.predict_proba(images)
    marginal = p.mean(0)
    kl = (p * (np.log(p + 1e-12) - np.log(marginal + 1e-12))).sum(1)
    coverage = float(np.exp(-(marginal * np.log(marginal + 1e-12)).sum()))
    return {"confidence": float(p.max(1).mean()), "IS": float(np.exp(kl.mean())),
            "coverage": coverage,
            "FD": frechet(pca.transform(images), pca.transform(reference))}


def main():
    out_lines = []

    def say(line=""):
        print(line)
        out_lines.append(line)
        sys.stdout.flush()

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    perm = np.random.RandomState(123).permutation(len(X))
    judge, pool = perm[: len(X) // 2], perm[len(X) // 2:]
    judge_train, judge_test = judge[: len(judge) // 2], judge[len(judge) // 2:]
    clf = LogisticRegression(max_iter=2000).fit(X[judge_train], y[judge_train])
    pca = PCA(16, random_state=0).fit(X[judge_train])
    reference = X[judge_test]
    say("RobustJointGAN on load_digits (8x8): small dataset (task 0, "
        f"{N_SMALL} rows) alone vs with a large related one (task 1, {N_LARGE} rows)")
    say(f"judge: LogisticRegression on {len(judge_train)} real digits, test accuracy "
        f"{clf.score(X[judge_test], y[judge_test]):.3f}; PCA(16) feature space; "
        f"reference: {len(reference)} held-out real digits")
    say(f"schedule: {EPOCHS_L2} L2 epochs + up to {MAX_IRLS} x {IRLS_EVERY} IRLS epochs "
        f"(L2 and alone: the same {EPOCHS_L2 + MAX_IRLS * IRLS_EVERY} epochs), "
        f"batch 64, Adam lr 1e-3 betas (0.5, 0.999), MLP G 16-128-64, D 64-128-1")
    half = len(reference) // 2
    real_ref = judge_scores(reference[:half], clf, pca, reference[half:])
    say("reference, real held-out half vs the other half: " + ", ".join(
        f"{k} {v:.3f}" for k, v in real_ref.items()))
    configs = {
        "alone": dict(lam=0.0, n_init_epochs=EPOCHS_L2 + MAX_IRLS * IRLS_EVERY,
                      irls_every=1, max_irls_iter=0),
        "L2": dict(lam=10.0, n_init_epochs=EPOCHS_L2 + MAX_IRLS * IRLS_EVERY,
                   irls_every=1, max_irls_iter=0),
        "robust": dict(lam=10.0, n_init_epochs=EPOCHS_L2, irls_every=IRLS_EVERY,
                       max_irls_iter=MAX_IRLS),
    }
    rows = {name: [] for name in ["real small set", *configs, "large task's G"]}
    grids = {}
    for seed in SEEDS:
        rng = np.random.RandomState(seed)
        chosen = rng.permutation(pool)
        small, large = chosen[:N_SMALL], chosen[N_SMALL:N_SMALL + N_LARGE]
        Xtr = np.vstack([X[small], X[large]])
        tasks = np.r_[np.zeros(N_SMALL, int), np.ones(N_LARGE, int)]
        rows["real small set"].append(judge_scores(X[small], clf, pca, reference))
        for name, params in configs.items():
            start = time.perf_counter()
            gan = RobustJointGAN(**COMMON, **params, random_state=seed).fit(Xtr, tasks=tasks)
            wall = time.perf_counter() - start
            images = gan.sample(N_SAMPLES, task=0, random_state=seed)
            scores = judge_scores(images, clf, pca, reference)
            scores["wall_s"] = wall
            rows[name].append(scores)
            if name == "robust":
                rows["large task's G"].append(judge_scores(
                    gan.sample(N_SAMPLES, task=1, random_state=seed), clf, pca, reference))
                w01 = dict(zip(["+".join(b) for b in gan.block_layers_],
                               np.round(gan.sharing_weights_[:, 0, 1], 3).tolist()))
                say(f"seed {seed}: robust fit {len(gan.history_)} epochs, sigma "
                    f"{np.round(gan.sigma_, 4).tolist()}, final w(0,1) per block {w01}")
            if seed == SEEDS[0]:
                grids[name] = images[:10]
        if seed == SEEDS[0]:
            grids["real small set"] = X[small][:10]
    say("")
    say(f"task 0 samples, mean +- std over seeds {list(SEEDS)} "
        "(confidence, IS, coverage: higher better, max 1/10/10; FD: lower better)")
    say(f"{'model':<16}{'confidence':>16}{'IS':>16}{'coverage':>16}{'FD':>16}{'fit s':>9}")
    for name, values in rows.items():
        cells = []
        for key in ("confidence", "IS", "coverage", "FD"):
            v = np.array([r[key] for r in values])
            cells.append(f"{v.mean():>9.3f} +-{v.std():.3f}")
        wall = np.mean([r.get("wall_s", np.nan) for r in values])
        say(f"{name:<16}" + "".join(f"{c:>16}" for c in cells) + f"{wall:>9.1f}")
    fd = {n: np.array([r["FD"] for r in rows[n]]) for n in configs}
    say("")
    say("per-seed FD, robust - alone: "
        f"{np.round(fd['robust'] - fd['alone'], 3).tolist()}; L2 - alone: "
        f"{np.round(fd['L2'] - fd['alone'], 3).tolist()}")
    (RESULTS / "bench_robust_joint_gan.txt").write_text("\n".join(out_lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["real small set", "alone", "L2", "robust"]
    fig, axes = plt.subplots(len(names), 10, figsize=(10, 4.4))
    for r, name in enumerate(names):
        for c in range(10):
            ax = axes[r, c]
            ax.imshow(grids[name][c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(f"task 0 ({N_SMALL} training digits), seed {SEEDS[0]}")
    fig.tight_layout()
    fig.savefig(RESULTS / "bench_robust_joint_gan.png", dpi=80)


if __name__ == "__main__":
    main()
