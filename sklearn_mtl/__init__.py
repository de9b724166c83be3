"""sklearn_mtl: multi-task learning estimators for scikit-learn."""

from .linear import GoMTLClassifier, GoMTLRegressor
from .utils import TaskAwareScaler, TaskAwareTransformer

__version__ = "0.1.0"

__all__ = [
    "GoMTLClassifier",
    "GoMTLRegressor",
    "TaskAwareScaler",
    "TaskAwareTransformer",
]
