"""sklearn_mtl: multi-task learning estimators for scikit-learn."""

from .linear import GoMTLClassifier, GoMTLRegressor
from .neural import DMTRLClassifier, DMTRLRegressor
from .utils import TaskAwareScaler, TaskAwareTransformer

__version__ = "0.1.0"

__all__ = [
    "DMTRLClassifier",
    "DMTRLRegressor",
    "GoMTLClassifier",
    "GoMTLRegressor",
    "TaskAwareScaler",
    "TaskAwareTransformer",
]
