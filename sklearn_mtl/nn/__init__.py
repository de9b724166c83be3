"""Torch building blocks for deep multi-task models.

Per-task, shared and task-factorised dense and convolutional layers (DMTRL's
LAF, Tucker and Tensor-Train sharing structures), per-task output heads, the
general :class:`TaskNetwork` built from a list of layer kinds, the one
architecture check (:func:`check_backbone`), the objective terms more than one
method uses (per-row losses, per-task means, AMTFL's asymmetric autoencoder
term), the decompositions that initialise the factors, and sharing diagnostics
on task-factor matrices.
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
from ._network import (
    LAYER_KINDS,
    PerTaskConv2d,
    PerTaskLinear,
    SharedConv2d,
    SharedLinear,
    TaskNetwork,
    check_backbone,
    layer_shapes,
)
from ._objectives import (
    CrossEntropyLoss,
    HingeLoss,
    LogisticLoss,
    SquaredErrorLoss,
    labelled_rows,
    loss_weighted_feedback,
    outgoing_feedback,
    per_task_mean,
    reconstruction_error,
    sample_size_terms,
    task_weighted_loss,
)
from ..metrics import sharing_strength, sharing_strength_cosine, task_similarity

__all__ = [
    "CrossEntropyLoss",
    "FACTORISATIONS",
    "Decomposition",
    "HingeLoss",
    "LAYER_KINDS",
    "LogisticLoss",
    "PerTaskConv2d",
    "PerTaskLinear",
    "SharedConv2d",
    "SharedLinear",
    "SquaredErrorLoss",
    "TaskNetwork",
    "TaskFactorisedConv2d",
    "TaskFactorisedLinear",
    "TaskSpecificLinear",
    "check_backbone",
    "check_factorisation",
    "compose",
    "decompose",
    "labelled_rows",
    "layer_shapes",
    "loss_weighted_feedback",
    "outgoing_feedback",
    "per_task_mean",
    "reconstruction_error",
    "sample_size_terms",
    "select_rank",
    "shared_factors",
    "sharing_strength",
    "sharing_strength_cosine",
    "task_factor",
    "task_similarity",
    "task_weighted_loss",
]
