"""Seconds per epoch: DMTRLClassifier (skorch base) against a plain PyTorch loop.

Both train the same module (a DMTRL net built by the estimator, random init) on the
same long-form data, with the same optimiser, batch size, loss (task-uniform
logistic loss) and shuffling; only the training loop differs. Run:

    python benchmarks/bench_neural.py > benchmarks/results/bench_neural.txt
"""

import copy
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from sklearn_mtl import DMTRLClassifier
from sklearn_mtl.neural._net import LogisticLoss, task_weighted_loss

torch.set_num_threads(1)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist5k.npz"
N_IMAGES, N_EPOCHS, BATCH, ROUNDS = 1000, 4, 256, 3


def long_form(n_images):
    data = np.load(DATA)
    images = data["imgs"][:n_images].reshape(n_images, -1).astype(np.float32) / 255
    labels = data["labs"][:n_images]
    # 10 one-vs-rest tasks, every task sees every image (shared input, long form).
    X = np.vstack([np.column_stack([images, np.full(n_images, t)]) for t in range(10)])
    y = np.concatenate([(labels == t).astype(int) for t in range(10)])
    return X, y


def plain_loop(module, X, y, n_epochs, lr, seed):
    torch.manual_seed(seed)
    x = torch.as_tensor(np.ascontiguousarray(X[:, :-1], dtype=np.float32))
    task = torch.as_tensor(X[:, -1], dtype=torch.long)
    target = torch.as_tensor(y, dtype=torch.float32)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    criterion = LogisticLoss()
    durations = []
    for _ in range(n_epochs):
        start = time.perf_counter()
        module.train()
        for index in torch.randperm(len(target)).split(BATCH):
            optimizer.zero_grad()
            loss = task_weighted_loss(criterion(module(x[index], task[index]), target[index]),
                                      task[index], 10)
            loss.backward()
            optimizer.step()
        durations.append(time.perf_counter() - start)
    return durations


def main():
    X, y = long_form(N_IMAGES)
    print(f"# bench_neural: {N_IMAGES} mnist5k images x 10 one-vs-rest tasks = {len(y)} rows,"
          f" batch {BATCH}, {ROUNDS} alternating rounds of {N_EPOCHS} epochs "
          "each (first epoch of a round dropped), fastest epoch reported, 1 torch thread")
    print(f"# python {platform.python_version()}, torch {torch.__version__}, "
          f"{platform.processor() or platform.machine()}; shared 2-core machine")
    configs = {
        "MLP 784-64-1, LAF": dict(factorisation="laf", hidden_layer_sizes=(64,)),
        "MLP 784-64-1, Tucker": dict(factorisation="tucker", hidden_layer_sizes=(64,)),
        "LeNet 8@5x5,16@4x4,FC64, TT": dict(factorisation="tt", hidden_layer_sizes=(64,),
                                            conv_layers=((8, 5), (16, 4)),
                                            input_shape=(1, 28, 28)),
    }
    print(f"{'model':32s} {'skorch s/epoch':>15s} {'plain s/epoch':>14s} {'ratio':>6s}")
    for name, params in configs.items():
        est = DMTRLClassifier(**params, init="random", rank=8, max_epochs=0, lr=1e-3,
                              batch_size=BATCH, random_state=0).fit(X, y)
        initial = copy.deepcopy(est.net_.module_)
        est.set_params(max_epochs=N_EPOCHS, warm_start=False)
        skorch_times, plain_times = [], []
        # Alternate the two loops so that load from other processes hits both.
        for _ in range(ROUNDS):
            est.fit(X, y)
            skorch_times += list(est.net_.history[1:, "dur"])
            plain_times += plain_loop(copy.deepcopy(initial), X, y, N_EPOCHS, 1e-3, 0)[1:]
        skorch_epoch, plain_epoch = min(skorch_times), min(plain_times)
        print(f"{name:32s} {skorch_epoch:15.3f} {plain_epoch:14.3f} "
              f"{skorch_epoch / plain_epoch:6.2f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
