"""Synthetic multi-task generators and loaders of real multi-task benchmarks."""

from ._asymmetric import make_asymmetric_tasks
from ._real import load_landmine, load_school
from ._synthetic import make_low_rank_tasks, make_sparse_text_tasks

__all__ = [
    "load_landmine",
    "load_school",
    "make_asymmetric_tasks",
    "make_low_rank_tasks",
    "make_sparse_text_tasks",
]
