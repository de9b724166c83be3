"""Shallow multi-task estimators, each solved by its paper's own optimisation."""

from ._gomtl import GoMTLClassifier, GoMTLRegressor

__all__ = ["GoMTLClassifier", "GoMTLRegressor"]
