"""Plots of fitted multi-task structure: transfer and feedback matrices.

matplotlib is an optional dependency (``pip install sklearn_mtl[plot]``); it is
imported when a plot is drawn, not when this module is.
"""

from ._plotting import plot_feedback_matrix, plot_transfer_matrix

__all__ = ["plot_feedback_matrix", "plot_transfer_matrix"]
