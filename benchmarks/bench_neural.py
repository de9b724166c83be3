"""Seconds per epoch: the skorch-based estimators against a plain PyTorch loop.

DMTRLClassifier, DeepAMTFLClassifier and JointAEClassifier. For each, both loops train the same module
(built by the estimator, before any training) on the same data, with the same
optimiser, batch size, objective and shuffling; only the training loop differs.
DMTRL: long-form one-vs-rest tasks, task-uniform logistic loss. Deep-AMTFL: the
paper's one-vs-rest layout (features only, one multi-class label), the full eq. 7
objective computed by the same ``deep_amtfl_objective`` in both loops. Run:

    python benchmarks/bench_neural.py > benchmarks/results/bench_neural.txt

JointAE: two tasks (mnist5k digits 0-4 and 5-9, 1,000 images each, every other
row unlabelled), the paper's MNIST branch (500, 250, 125) with 15 + 15 bottleneck
units, end-to-end, ``batching="mixed"`` (the plain loop shuffles all rows
together); the objective is ``bench_joint_ae.jae_objective`` in the plain loop.
``--only jointae`` (or ``dmtrl``, ``amtfl``, comma-separated) runs some rows only;
append those to the results file rather than overwrite it::

    python benchmarks/bench_neural.py --only jointae >> benchmarks/results/bench_neural.txt

Each epoch is timed twice: wall clock (skorch's own ``dur`` column, and
``perf_counter`` in the plain loop) and CPU time of this process
(``time.process_time``, by a skorch callback and in the plain loop). With one torch
and one BLAS thread the CPU time is what the loop costs, and it is much less
disturbed than the wall clock when other processes share the cores.
"""

import argparse
import copy
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback
from threadpoolctl import threadpool_limits

from bench_joint_ae import JAE, jae_objective, label_codes, speed_data
from sklearn_mtl import DeepAMTFLClassifier, DMTRLClassifier
from sklearn_mtl.neural import JointAEClassifier
from sklearn_mtl.neural._deep_amtfl import deep_amtfl_objective
from sklearn_mtl.nn import LogisticLoss, task_weighted_loss

torch.set_num_threads(1)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist5k.npz"
N_IMAGES, N_EPOCHS, BATCH, ROUNDS = 1000, 4, 256, 5
N_IMAGES_AMTFL = 5000  # one row per image in the one-vs-rest layout
AMTFL = dict(transfer_sparsity=1.0, transfer_strength=0.01, sparsity=1e-4,
             basis_penalty=1e-4)


class EpochCPUTimer(Callback):
    """Records each epoch's CPU time (this process) in the history as ``cpu``."""

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = time.process_time()

    def on_epoch_end(self, net, **kwargs):
        net.history.record("cpu", time.process_time() - self.start_)


def long_form(n_images):
    pixels, labels = images(n_images)
    # 10 one-vs-rest tasks, every task sees every image (shared input, long form).
    X = np.vstack([np.column_stack([pixels, np.full(n_images, t)]) for t in range(10)])
    y = np.concatenate([(labels == t).astype(int) for t in range(10)])
    return X, y


def images(n_images):
    data = np.load(DATA)
    return (data["imgs"][:n_images].reshape(n_images, -1).astype(np.float32) / 255,
            data["labs"][:n_images])


def dmtrl_loss(module, batch_x, batch_task, batch_y, criterion=LogisticLoss()):
    return task_weighted_loss(criterion(module(batch_x, batch_task), batch_y), batch_task, 10)


def deep_amtfl_loss(module, batch_x, batch_task, batch_y):
    outputs = module(batch_x, batch_task)
    onehot = torch.nn.functional.one_hot(batch_y.long(), 10).float()
    losses = torch.nn.functional.binary_cross_entropy_with_logits(
        outputs["prediction"], onehot, reduction="none").mean(0)
    return sum(deep_amtfl_objective(module, outputs, losses, **AMTFL).values())


def plain_loop(module, x, task, target, objective, n_epochs, lr, seed):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    durations, cpu = [], []
    for _ in range(n_epochs):
        start, start_cpu = time.perf_counter(), time.process_time()
        module.train()
        for index in torch.randperm(len(target)).split(BATCH):
            optimizer.zero_grad()
            loss = objective(module, x[index], task[index], target[index])
            loss.backward()
            optimizer.step()
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return durations, cpu


def compare(name, est, X, y, x, task, target, objective):
    """Time both loops on the module ``est`` builds, in alternating rounds."""
    est.set_params(max_epochs=0).fit(X, y)
    initial = copy.deepcopy(est.net_.module_)
    est.set_params(max_epochs=N_EPOCHS, warm_start=False, callbacks=[EpochCPUTimer()])
    times = {"skorch": ([], []), "plain": ([], [])}
    # Alternate the two loops so that load from other processes hits both.
    for _ in range(ROUNDS):
        est.fit(X, y)
        times["skorch"][0].extend(est.net_.history[1:, "dur"])
        times["skorch"][1].extend(est.net_.history[1:, "cpu"])
        wall, cpu = plain_loop(copy.deepcopy(initial), x, task, target, objective,
                               N_EPOCHS, 1e-3, 0)
        times["plain"][0].extend(wall[1:])
        times["plain"][1].extend(cpu[1:])
    skorch_wall, plain_wall = min(times["skorch"][0]), min(times["plain"][0])
    skorch_cpu = float(np.median(times["skorch"][1]))
    plain_cpu = float(np.median(times["plain"][1]))
    print(f"{name:38s} {skorch_wall:11.3f} {plain_wall:10.3f} "
          f"{skorch_wall / plain_wall:6.2f} {skorch_cpu:10.3f} {plain_cpu:9.3f} "
          f"{skorch_cpu / plain_cpu:6.2f}", flush=True)


def jointae_rows():
    pixels, labels = images(N_IMAGES_AMTFL)
    Xl, yl = speed_data((pixels[:4000], labels[:4000]))
    est = JointAEClassifier(**JAE, batching="mixed", lr=1e-3, batch_size=BATCH,
                            random_state=0)
    est.set_params(max_epochs=0).fit(Xl, yl)
    codes = torch.as_tensor(label_codes(est, Xl, yl))
    compare(f"JointAE MLP {JAE['hidden_layer_sizes']}, 15+15", est, Xl, yl,
            torch.as_tensor(np.ascontiguousarray(Xl[:, :-1], dtype=np.float32)),
            torch.as_tensor(Xl[:, -1]).long(), codes, jae_objective)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="dmtrl,amtfl,jointae",
                        help="comma-separated rows to run: dmtrl, amtfl, jointae")
    only = parser.parse_args().only.split(",")
    X, y = long_form(N_IMAGES)
    print(f"# bench_neural: {N_IMAGES} mnist5k images x 10 one-vs-rest tasks = {len(y)} rows,"
          f" batch {BATCH}, {ROUNDS} alternating rounds of {N_EPOCHS} epochs each (first "
          "epoch of a round dropped), 1 torch thread, 1 BLAS thread")
    print(f"# python {platform.python_version()}, torch {torch.__version__}, "
          f"{platform.processor() or platform.machine()}, nproc={os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} at start (shared machine)")
    print("# wall: fastest epoch of each loop; cpu: median epoch CPU time of each loop")
    configs = {
        "MLP 784-64-1, LAF": dict(factorisation="laf", hidden_layer_sizes=(64,)),
        "MLP 784-64-1, Tucker": dict(factorisation="tucker", hidden_layer_sizes=(64,)),
        "LeNet 8@5x5,16@4x4,FC64, TT": dict(factorisation="tt", hidden_layer_sizes=(64,),
                                            conv_layers=((8, 5), (16, 4)),
                                            input_shape=(1, 28, 28)),
    }
    print(f"# Deep-AMTFL rows: {N_IMAGES_AMTFL} images, one row each (one-vs-rest layout)")
    print(f"{'model':38s} {'skorch wall':>11s} {'plain wall':>10s} {'ratio':>6s} "
          f"{'skorch cpu':>10s} {'plain cpu':>9s} {'ratio':>6s}")
    x = torch.as_tensor(np.ascontiguousarray(X[:, :-1], dtype=np.float32))
    task = torch.as_tensor(X[:, -1], dtype=torch.long)
    target = torch.as_tensor(y, dtype=torch.float32)
    if only != ["dmtrl", "amtfl", "jointae"]:
        print(f"# --only {','.join(only)}: rows to add to the record, not a full run")
    for name, params in configs.items() if "dmtrl" in only else ():
        est = DMTRLClassifier(**params, init="random", rank=8, lr=1e-3, batch_size=BATCH,
                              random_state=0)
        compare(f"DMTRL {name}", est, X, y, x, task, target, dmtrl_loss)
    pixels, labels = images(N_IMAGES_AMTFL)
    amtfl_configs = {
        "MLP 784-64(Z)-10": dict(hidden_layer_sizes=(64,)),
        "LeNet 8@5x5,16@4x4,FC64(Z)": dict(hidden_layer_sizes=(64,),
                                            conv_layers=((8, 5), (16, 4)),
                                            input_shape=(1, 28, 28)),
    }
    for name, params in amtfl_configs.items() if "amtfl" in only else ():
        est = DeepAMTFLClassifier(one_vs_rest=True, task_column=None, **AMTFL, **params,
                                  lr=1e-3, batch_size=BATCH, random_state=0)
        compare(f"Deep-AMTFL {name}", est, pixels, labels, torch.as_tensor(pixels),
                torch.zeros(len(labels), dtype=torch.long), torch.as_tensor(labels),
                deep_amtfl_loss)
    if "jointae" in only:
        print(f"# JointAE rows: 2 x 1000 mnist5k images, half unlabelled, batch {BATCH}")
        jointae_rows()


if __name__ == "__main__":
    with threadpool_limits(1):
        sys.exit(main())
