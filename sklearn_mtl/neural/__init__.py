"""Neural multi-task estimators on a shared skorch base (:mod:`._net`)."""

from ._dmtrl import DMTRLClassifier, DMTRLRegressor
from ._deep_amtfl import DeepAMTFLClassifier, DeepAMTFLRegressor
from ._net import MultiTaskNet, task_weighted_loss

__all__ = ["DMTRLClassifier", "DMTRLRegressor", "DeepAMTFLClassifier", "DeepAMTFLRegressor", "MultiTaskNet", "task_weighted_loss"]
