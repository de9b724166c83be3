"""Task-index handling: validation, encoding, long/short form, task-aware transforms."""

from ._long_form import from_long_form, to_long_form
from ._preprocessing import TaskAwareScaler, TaskAwareTransformer
from ._tasks import TaskColumnWarning, encode_tasks, split_task_column, validate_task_data

__all__ = [
    "TaskAwareScaler",
    "TaskColumnWarning",
    "TaskAwareTransformer",
    "encode_tasks",
    "from_long_form",
    "split_task_column",
    "to_long_form",
    "validate_task_data",
]
