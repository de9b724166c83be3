"""sklearn_mtl: multi-task learning estimators for scikit-learn."""

from .linear import (
    AMTFLClassifier,
    AMTFLRegressor,
    AMTLClassifier,
    AMTLRegressor,
    GoMTLClassifier,
    GoMTLRegressor,
)
from .neural import (
    DeepAMTFLClassifier,
    DeepAMTFLRegressor,
    DMTRLClassifier,
    DMTRLRegressor,
    JointAEClassifier,
    JointAutoencoder,
    RobustJointAutoencoder,
    RobustJointNetClassifier,
    RobustJointNetRegressor,
)
from .utils import TaskAwareScaler, TaskAwareTransformer

__version__ = "0.1.0"

__all__ = [
    "AMTFLClassifier",
    "AMTFLRegressor",
    "AMTLClassifier",
    "AMTLRegressor",
    "DMTRLClassifier",
    "DMTRLRegressor",
    "DeepAMTFLClassifier",
    "DeepAMTFLRegressor",
    "GoMTLClassifier",
    "GoMTLRegressor",
    "JointAEClassifier",
    "JointAutoencoder",
    "RobustJointAutoencoder",
    "RobustJointNetClassifier",
    "RobustJointNetRegressor",
    "TaskAwareScaler",
    "TaskAwareTransformer",
]
