"""Tests of the task-factorised layers, their decompositions and sharing diagnostics."""

import math
import re

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from sklearn_mtl.nn import (
    TaskFactorisedConv2d,
    TaskFactorisedLinear,
    TaskSpecificLinear,
    compose,
    decompose,
    select_rank,
    sharing_strength,
    sharing_strength_cosine,
    task_similarity,
)

torch.set_num_threads(1)

FACTORISATIONS = ["laf", "tucker", "tt"]


def _low_multilinear_rank_stack(shape, rank, noise, seed):
    """A stack with every Tucker (and hence TT and LAF) rank equal to `rank`, plus noise."""
    rng = np.random.default_rng(seed)
    core = rng.normal(size=(rank,) * len(shape))
    factors = [np.linalg.qr(rng.normal(size=(d, rank)))[0] for d in shape]
    stack = compose("tucker", (core, *factors))
    return stack + noise * np.linalg.norm(stack) / math.sqrt(stack.size) * rng.normal(size=shape)


# --------------------------------------------------------------------- exactness


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
def test_full_rank_dense_reproduces_weights(factorisation):
    stack = np.random.default_rng(0).normal(size=(5, 4, 3))
    bias = np.random.default_rng(1).normal(size=(3, 4))
    layer = TaskFactorisedLinear.from_weights(
        stack, bias, factorisation, rank=100, dtype=torch.float64
    )
    assert layer.init_reconstruction_error < 1e-12
    np.testing.assert_allclose(layer.task_weights().detach().numpy(), stack, atol=1e-12)
    np.testing.assert_allclose(layer.bias.detach().numpy(), bias)


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
def test_full_rank_conv_reproduces_kernels(factorisation):
    stack = np.random.default_rng(2).normal(size=(3, 2, 2, 4, 5))  # H, W, C, M, T
    layer = TaskFactorisedConv2d.from_weights(
        stack, None, factorisation, rank=1000, dtype=torch.float64
    )
    assert layer.bias is None
    np.testing.assert_allclose(layer.task_weights().detach().numpy(), stack, atol=1e-12)
    expected_torch_layout = np.transpose(stack, (4, 3, 2, 0, 1))
    np.testing.assert_allclose(
        layer.task_kernels().detach().numpy(), expected_torch_layout, atol=1e-12
    )


def test_from_modules_matches_single_task_nets_at_full_rank():
    torch.manual_seed(0)
    nets = [torch.nn.Linear(6, 3).double() for _ in range(4)]
    layer = TaskFactorisedLinear.from_modules(nets, "tt", rank=100, dtype=torch.float64)
    x = torch.randn(8, 6, dtype=torch.float64)
    task = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0])
    expected = torch.stack([nets[t](x[i]) for i, t in enumerate(task.tolist())])
    torch.testing.assert_close(layer(x, task), expected)


def test_compose_task_first_is_a_moved_axis():
    stack = np.random.default_rng(3).normal(size=(4, 3, 2, 5))
    for factorisation in FACTORISATIONS:
        factors = decompose(stack, factorisation, rank=2).factors
        np.testing.assert_allclose(
            compose(factorisation, factors, task_first=True),
            np.moveaxis(compose(factorisation, factors), -1, 0),
        )


# --------------------------------------------------------------------- parameter counts


@pytest.mark.parametrize(
    ("factorisation", "ranks"), [("laf", (2,)), ("tucker", (3, 2, 2)), ("tt", (3, 2))]
)
def test_parameter_counts_match_the_paper(factorisation, ranks):
    in_features, out_features, n_tasks = 7, 5, 4
    layer = TaskFactorisedLinear(
        in_features, out_features, n_tasks, factorisation, rank=ranks
    )
    dims = (in_features, out_features, n_tasks)
    if factorisation == "laf":
        expected = ranks[0] * in_features * out_features + ranks[0] * n_tasks
    elif factorisation == "tucker":
        expected = math.prod(ranks) + sum(d * k for d, k in zip(dims, ranks))
    else:
        links = (1, *ranks, 1)
        expected = sum(links[n] * dims[n] * links[n + 1] for n in range(3))
    assert layer.ranks == ranks
    assert layer.n_parameters == expected


def test_conv_parameter_count_tt():
    ranks = (2, 3, 4, 2)
    conv = TaskFactorisedConv2d(3, 6, (5, 4), 4, "tt", rank=ranks)
    dims, links = (5, 4, 3, 6, 4), (1, *ranks, 1)
    assert conv.n_parameters == sum(links[n] * dims[n] * links[n + 1] for n in range(5))


# --------------------------------------------------------------------- rank selection


def test_eps_picks_the_true_rank_of_a_rank_3_stack():
    stack = _low_multilinear_rank_stack((8, 6, 10), rank=3, noise=1e-4, seed=0)
    expected_ranks = {"laf": (3,), "tucker": (3, 3, 3), "tt": (3, 3)}
    for factorisation, ranks in expected_ranks.items():
        result = decompose(stack, factorisation, rank=0.1)
        assert result.ranks == ranks, factorisation
        assert result.relative_error <= 0.1
        assert result.relative_error < 1e-3


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
def test_eps_error_bound_and_minimal_rank(factorisation):
    # Noisy stack: ranks are not obvious, the guarantee must still hold.
    stack = _low_multilinear_rank_stack((6, 5, 7), rank=3, noise=0.3, seed=1)
    eps = 0.2
    result = decompose(stack, factorisation, rank=eps)
    # LAF truncates one SVD; Tucker and TT truncate N and N-1 unfoldings at eps each.
    n_truncations = {"laf": 1, "tucker": 3, "tt": 2}[factorisation]
    assert result.relative_error <= math.sqrt(n_truncations) * eps + 1e-12
    if factorisation == "laf":
        assert result.relative_error <= eps
        smaller = decompose(stack, "laf", rank=(result.ranks[0] - 1,))
        assert smaller.relative_error > eps


def test_tt_ranks_follow_the_sweep():
    """TT's eps applies at each step of the TT-SVD sweep to the matrix it carries
    (the authors' tt_dcmp), not to the unfoldings of the untruncated stack, which
    on this stack would give a second rank of 4 instead of 3."""
    stack = _low_multilinear_rank_stack((6, 5, 7), rank=3, noise=0.3, seed=0)
    ranks = decompose(stack, "tt", rank=0.2).ranks
    first = stack.reshape(6, -1)
    assert ranks[0] == select_rank(first, 0.2)
    _, s, vt = np.linalg.svd(first, full_matrices=False)
    carried = (s[: ranks[0], None] * vt[: ranks[0]]).reshape(ranks[0] * 5, 7)
    assert ranks[1] == select_rank(carried, 0.2)
    assert select_rank(stack.reshape(30, 7), 0.2) == ranks[1] + 1


def test_select_rank_frobenius_rule():
    singular_values = np.array([1.0, 0.5, 0.3, 0.2, 0.15, 0.12, 0.11, 0.09, 0.05, 0.01])
    # The spec's worked example: a crisp 10% Frobenius rule keeps 7.
    assert select_rank(np.diag(singular_values), 0.1) == 7
    assert select_rank(np.zeros((3, 4)), 0.1) == 1


def test_int_rank_is_capped_at_each_mode():
    layer = TaskFactorisedLinear(3, 2, 4, "tucker", rank=50)
    assert layer.ranks == (3, 2, 4)
    conv = TaskFactorisedConv2d(2, 3, 2, 3, "tt", rank=50)
    # TT bounds: min(prod left, prod right) along the sweep H, W, C, M, T.
    assert conv.ranks == (2, 4, 8, 3)


# --------------------------------------------------------------------- errors


def test_unknown_factorisation_message():
    with pytest.raises(ValueError) as error:
        TaskFactorisedLinear(3, 2, 2, factorisation="foo")
    assert str(error.value) == "factorisation='foo' is not one of 'laf', 'tucker', 'tt'"


def test_svd_is_an_alias_of_laf():
    assert TaskFactorisedLinear(3, 2, 2, factorisation="svd", rank=1).factorisation == "laf"


@pytest.mark.parametrize(
    ("factorisation", "rank", "message"),
    [
        ("tt", (5, 9), "rank=(5, 9) is larger than allowed: TT rank 2 can be at most 4 for this layer"),
        ("tucker", (2, 7, 2), "rank=(2, 7, 2) is larger than allowed: Tucker rank 2 can be at most 6 for this layer"),
        ("laf", (5,), "rank=(5,) is larger than allowed: LAF rank can be at most 4 for this layer"),
    ],
)
def test_too_large_rank_message(factorisation, rank, message):
    stack = np.random.default_rng(0).normal(size=(8, 6, 4))
    with pytest.raises(ValueError) as error:
        TaskFactorisedLinear.from_weights(stack, factorisation=factorisation, rank=rank)
    assert str(error.value) == message


@pytest.mark.parametrize("rank", [0.0, 1.0, 1.5, 0, -2, (2,), "3", True])
def test_invalid_ranks_raise(rank):
    with pytest.raises(ValueError, match=re.escape(f"rank={rank!r}")):
        decompose(np.ones((4, 3, 2)), "tt", rank=rank)


def test_bad_task_ids_raise():
    layer = TaskFactorisedLinear(3, 2, 2, rank=1)
    with pytest.raises(ValueError, match=re.escape("task ids must lie in [0, 2)")):
        layer(torch.randn(2, 3), torch.tensor([0, 2]))
    with pytest.raises(TypeError, match="must be integers"):
        layer(torch.randn(2, 3), torch.tensor([0.0, 1.0]))


# --------------------------------------------------------------------- forward


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
def test_dense_forward_of_a_mixed_batch(factorisation):
    torch.manual_seed(0)
    layer = TaskFactorisedLinear(7, 5, 4, factorisation, rank=2, dtype=torch.float64)
    x = torch.randn(11, 7, dtype=torch.float64)
    task = torch.tensor([3, 0, 0, 2, 1, 3, 3, 0, 2, 2, 1])
    weights = layer.task_weights()
    expected = torch.stack(
        [x[i] @ weights[..., t] + layer.bias[t] for i, t in enumerate(task.tolist())]
    )
    torch.testing.assert_close(layer(x, task), expected)
    # One task for the whole batch (the fast path) agrees too.
    torch.testing.assert_close(layer(x, 2), x @ weights[..., 2] + layer.bias[2])


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
def test_conv_forward_of_a_mixed_batch(factorisation):
    torch.manual_seed(0)
    conv = TaskFactorisedConv2d(
        2, 3, (3, 2), 3, factorisation, rank=2, stride=2, padding=1, dtype=torch.float64
    )
    x = torch.randn(5, 2, 7, 6, dtype=torch.float64)
    task = torch.tensor([2, 0, 2, 1, 0])
    stack = conv.task_weights()  # (H, W, C, M, T), the paper's order
    expected = torch.cat(
        [
            F.conv2d(
                x[i : i + 1], stack[..., t].permute(3, 2, 0, 1), conv.bias[t], stride=2, padding=1
            )
            for i, t in enumerate(task.tolist())
        ]
    )
    torch.testing.assert_close(conv(x, task), expected)


def test_random_init_is_drawn_like_torch_layers():
    torch.manual_seed(0)
    in_features = 20
    layer = TaskFactorisedLinear(in_features, 8, 5, "laf", rank=100)
    weights = layer.task_weights().detach()
    bound = 1 / math.sqrt(in_features)
    # At full rank the composed weights are the drawn Kaiming-uniform weights.
    assert weights.abs().max() <= bound + 1e-6
    assert abs(weights.std().item() - bound / math.sqrt(3)) < 0.1 * bound
    torch.manual_seed(0)
    again = TaskFactorisedLinear(in_features, 8, 5, "laf", rank=100)
    torch.testing.assert_close(again.task_weights(), layer.task_weights())


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
@pytest.mark.parametrize("layer_type", ["dense", "conv"])
def test_gradients_reach_every_factor(factorisation, layer_type):
    torch.manual_seed(0)
    if layer_type == "dense":
        layer = TaskFactorisedLinear(4, 3, 3, factorisation, rank=2)
        x = torch.randn(6, 4)
    else:
        layer = TaskFactorisedConv2d(2, 3, 2, 3, factorisation, rank=2)
        x = torch.randn(6, 2, 4, 4)
    task = torch.tensor([0, 1, 2, 0, 1, 2])
    layer(x, task).pow(2).sum().backward()
    for name, parameter in layer.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


# --------------------------------------------------------------------- diagnostics


@pytest.mark.parametrize("factorisation", FACTORISATIONS)
def test_task_factor_and_shared_factors(factorisation):
    layer = TaskFactorisedLinear(5, 4, 3, factorisation, rank=2)
    assert tuple(layer.task_factor().shape) == (2, 3)
    shared = layer.shared_factors()
    expected_names = {"laf": {"L"}, "tucker": {"core", "U1", "U2"}, "tt": {"U1", "U2"}}
    assert set(shared) == expected_names[factorisation]
    if factorisation == "laf":
        assert tuple(shared["L"].shape) == (20, 2)
    if factorisation == "tucker":
        torch.testing.assert_close(layer.task_factor(), layer.U3.T)


@pytest.mark.parametrize("n_tasks", [2, 3, 10])
def test_sharing_strength_reference_points(n_tasks):
    identity = np.eye(n_tasks)
    hard_shared = np.vstack([np.ones(n_tasks), np.zeros(n_tasks)])
    e = math.e
    assert sharing_strength_cosine(identity) == pytest.approx(0.0, abs=1e-12)
    assert sharing_strength_cosine(hard_shared) == pytest.approx(1.0)
    assert sharing_strength(hard_shared) == pytest.approx(1.0)
    expected_identity = (2 * e + n_tasks - 2) / (e**2 + n_tasks - 1)
    assert sharing_strength(identity) == pytest.approx(expected_identity)


def test_sharing_diagnostics_ignore_sign_and_column_scale():
    codes = np.array([[1.0, -3.0, 0.0], [0.0, 0.0, 2.0]])
    similarity = task_similarity(codes)
    np.testing.assert_allclose(similarity, [[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    assert sharing_strength_cosine(codes) == pytest.approx(1 / 3)
    assert np.isnan(sharing_strength_cosine(np.ones((3, 1))))
    assert sharing_strength_cosine(torch.tensor(codes, requires_grad=True)) == pytest.approx(1 / 3)


# --------------------------------------------------------------------- heterogeneous heads


def test_task_specific_heads():
    torch.manual_seed(0)
    head = TaskSpecificLinear(4, [2, 3, 1])
    x = torch.randn(6, 4)
    task = torch.tensor([1, 0, 2, 1, 2, 0])
    out = head(x, task)
    assert out.shape == (6, 3)
    mask = head.output_mask(task)
    for i, t in enumerate(task.tolist()):
        width = head.out_features_per_task[t]
        torch.testing.assert_close(out[i, :width], head.heads[t](x[i]))
        assert torch.isneginf(out[i, width:]).all()
        assert mask[i].tolist() == [c < width for c in range(3)]
    # The -inf fill drops out of cross-entropy: a finite loss with finite gradients.
    loss = F.cross_entropy(out, torch.tensor([1, 0, 0, 2, 0, 1]))
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in head.parameters())
