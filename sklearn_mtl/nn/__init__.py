"""Torch building blocks for deep multi-task models.

Task-factorised dense and convolutional layers (DMTRL's LAF, Tucker and
Tensor-Train sharing structures), per-task output heads, the decompositions
that initialise the factors, and sharing diagnostics on task-factor matrices.
"""

from ._decompositions import (
    FACTORISATIONS,
    Decomposition,
    check_factorisation,
    compose,
    decompose,
    select_rank,
    shared_factors,
    task_factor,
)
from ._factorised import TaskFactorisedConv2d, TaskFactorisedLinear, TaskSpecificLinear
from ..metrics import sharing_strength, sharing_strength_cosine, task_similarity

__all__ = [
    "FACTORISATIONS",
    "Decomposition",
    "TaskFactorisedConv2d",
    "TaskFactorisedLinear",
    "TaskSpecificLinear",
    "check_factorisation",
    "compose",
    "decompose",
    "select_rank",
    "shared_factors",
    "sharing_strength",
    "sharing_strength_cosine",
    "task_factor",
    "task_similarity",
]
