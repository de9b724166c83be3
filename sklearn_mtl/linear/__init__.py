"""Shallow multi-task estimators, each solved by its paper's own optimisation."""

from ._amtfl import AMTFLClassifier, AMTFLRegressor
from ._amtl import AMTLClassifier, AMTLRegressor
from ._cv import (
    AMTFLClassifierCV,
    AMTFLRegressorCV,
    AMTLClassifierCV,
    AMTLRegressorCV,
    GoMTLClassifierCV,
    GoMTLRegressorCV,
)
from ._gomtl import GoMTLClassifier, GoMTLRegressor

__all__ = [
    "AMTFLClassifier",
    "AMTFLClassifierCV",
    "AMTFLRegressor",
    "AMTFLRegressorCV",
    "AMTLClassifier",
    "AMTLClassifierCV",
    "AMTLRegressor",
    "AMTLRegressorCV",
    "GoMTLClassifier",
    "GoMTLClassifierCV",
    "GoMTLRegressor",
    "GoMTLRegressorCV",
]
