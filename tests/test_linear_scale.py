"""The linear solvers at scale: the working-set AMTL B-step against the full one."""

import numpy as np
import pytest
import torch

from sklearn_mtl.linear._amtl import _transfer_step_full, transfer_step


def _problem(n_tasks, n_features, seed=0):
    rng = np.random.RandomState(seed)
    coef = rng.randn(n_tasks, 3) @ rng.randn(3, n_features) + 0.3 * rng.randn(n_tasks, n_features)
    losses = rng.rand(n_tasks) + 0.5
    return torch.tensor(coef), torch.tensor(losses)


def _objective(transfer, coef, losses, mu, lam):
    reconstruction = ((coef - transfer.T @ coef) ** 2).sum()
    return float(lam * reconstruction + mu * (losses[:, None] * transfer.abs()).sum())


@pytest.mark.parametrize("positive", [True, False])
def test_working_set_b_step_matches_full_solution(positive):
    coef, losses = _problem(10, 6)
    mu, lam = 0.5, 0.1
    full = _transfer_step_full(coef, losses, mu, lam, positive=positive,
                               max_iter=20000, tol=1e-13)
    working = transfer_step(coef, losses, mu, lam, positive=positive,
                            max_rounds=50, max_iter=5000, tol=1e-10)
    assert torch.all(torch.diagonal(working) == 0)
    if positive:
        assert torch.all(working >= 0)
    np.testing.assert_allclose(_objective(working, coef, losses, mu, lam),
                               _objective(full, coef, losses, mu, lam), rtol=1e-7)
    np.testing.assert_allclose(working.numpy(), full.numpy(), atol=1e-4)


def test_working_set_b_step_is_monotone_from_a_warm_start():
    coef, losses = _problem(40, 8, seed=1)
    mu, lam = 1.0, 0.1
    start = transfer_step(coef, losses, mu, lam, max_rounds=1, max_iter=5)
    before = _objective(start, coef, losses, mu, lam)
    after = _objective(transfer_step(coef, losses, mu, lam, start=start), coef, losses,
                       mu, lam)
    assert after <= before + 1e-12
    assert after < _objective(torch.zeros(40, 40, dtype=torch.float64), coef, losses, mu, lam)

