"""Neural multi-task estimators on a shared skorch base (:mod:`._net`).

A new deep method is a module built from :mod:`sklearn_mtl.nn` plus a few hooks of
the base (see the developer page, "How a deep method is built").
"""

from ._deep_amtfl import DeepAMTFLClassifier, DeepAMTFLRegressor
from ._dmtrl import DMTRLClassifier, DMTRLRegressor
from ._joint_ae import JointAEClassifier, JointAutoencoder
from ._net import MultiTaskNet, task_weighted_loss
from ._robust_joint import (
    RobustJointAutoencoder,
    RobustJointGAN,
    RobustJointNetClassifier,
    RobustJointNetRegressor,
)

__all__ = [
    "DMTRLClassifier",
    "DMTRLRegressor",
    "DeepAMTFLClassifier",
    "DeepAMTFLRegressor",
    "JointAEClassifier",
    "JointAutoencoder",
    "MultiTaskNet",
    "RobustJointAutoencoder",
    "RobustJointGAN",
    "RobustJointNetClassifier",
    "RobustJointNetRegressor",
    "task_weighted_loss",
]
