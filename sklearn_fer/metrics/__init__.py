"""The shared scorer set, evaluation helper and plots."""

from ._plots import plot_benchmark, plot_confusion_matrix, plot_history
from ._scoring import SCALAR_METRICS, evaluate, evaluation_frame, fer_scorers, score_predictions

__all__ = [
    "SCALAR_METRICS",
    "evaluate",
    "evaluation_frame",
    "fer_scorers",
    "plot_benchmark",
    "plot_confusion_matrix",
    "plot_history",
    "score_predictions",
]
