"""Model selection for multi-task data: task-stratified splitters, a baseline report."""

from ._report import baseline_report
from ._split import TaskShuffleSplit, TaskStratifiedKFold

__all__ = ["TaskShuffleSplit", "TaskStratifiedKFold", "baseline_report"]
