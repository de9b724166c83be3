"""sklearn_mtl: multi-task learning estimators for scikit-learn."""

from .linear import (
    AMTFLClassifier,
    AMTFLClassifierCV,
    AMTFLRegressor,
    AMTFLRegressorCV,
    AMTLClassifier,
    AMTLClassifierCV,
    AMTLRegressor,
    AMTLRegressorCV,
    GoMTLClassifier,
    GoMTLClassifierCV,
    GoMTLRegressor,
    GoMTLRegressorCV,
)
from .neural import (
    DeepAMTFLClassifier,
    DeepAMTFLRegressor,
    DMTRLClassifier,
    DMTRLRegressor,
    JointAEClassifier,
    JointAutoencoder,
    RobustJointAutoencoder,
    RobustJointGAN,
    RobustJointNetClassifier,
    RobustJointNetRegressor,
)
from .utils import TaskAwareScaler, TaskAwareTransformer

__version__ = "0.1.0"

__all__ = [
    "AMTFLClassifier",
    "AMTFLClassifierCV",
    "AMTFLRegressor",
    "AMTFLRegressorCV",
    "AMTLClassifier",
    "AMTLClassifierCV",
    "AMTLRegressor",
    "AMTLRegressorCV",
    "DMTRLClassifier",
    "DMTRLRegressor",
    "DeepAMTFLClassifier",
    "DeepAMTFLRegressor",
    "GoMTLClassifier",
    "GoMTLClassifierCV",
    "GoMTLRegressor",
    "GoMTLRegressorCV",
    "JointAEClassifier",
    "JointAutoencoder",
    "RobustJointAutoencoder",
    "RobustJointGAN",
    "RobustJointNetClassifier",
    "RobustJointNetRegressor",
    "TaskAwareScaler",
    "TaskAwareTransformer",
]
