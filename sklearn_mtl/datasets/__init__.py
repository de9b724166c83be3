"""Synthetic multi-task generators and loaders of real multi-task benchmarks."""

from ._real import load_landmine, load_school
from ._synthetic import make_low_rank_tasks

__all__ = [
    "load_landmine",
    "load_school",
    "make_low_rank_tasks",
]
