"""Shallow multi-task estimators, each solved by its paper's own optimisation."""

from ._amtfl import AMTFLClassifier, AMTFLRegressor
from ._amtl import AMTLClassifier, AMTLRegressor
from ._gomtl import GoMTLClassifier, GoMTLRegressor

__all__ = [
    "AMTFLClassifier",
    "AMTFLRegressor",
    "AMTLClassifier",
    "AMTLRegressor",
    "GoMTLClassifier",
    "GoMTLRegressor",
]
