"""Plots people would rather look at than read: confusion matrices and loss curves."""

import numpy as np

from .._constants import EMOTIONS
from ._scoring import LABELS


def _axes(ax, figsize):
    import matplotlib

    if ax is not None:
        return ax.figure, ax
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)


def plot_confusion_matrix(y_true, y_pred, *, normalize="true", ax=None, title=None):
    """Confusion matrix with emotion names on both axes.

    Parameters
    ----------
    y_true, y_pred : array-like of int in 0-6
    normalize : {"true", "pred", "all"} or None, default="true"
        As in :func:`sklearn.metrics.confusion_matrix` (``"true"``: rows are recalls).
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    figure : matplotlib Figure
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, ax = _axes(ax, (6.5, 5.5))
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=list(LABELS),
        display_labels=list(EMOTIONS),
        normalize=normalize,
        values_format=".2f" if normalize else "d",
        cmap="Blues",
        ax=ax,
        colorbar=False,
    )
    ax.set_title(title or "Confusion matrix")
    ax.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    return figure


def plot_history(history, *, ax=None, title=None):
    """Loss (and accuracy, on a second axis) per epoch from a fitted network's ``history_``.

    Parameters
    ----------
    history : dict of str -> list of float
        Keras-style history, e.g. ``estimator.history_``.

    Returns
    -------
    figure : matplotlib Figure
    """
    figure, ax = _axes(ax, (6.5, 4))
    if not history:
        raise ValueError("plot_history: the history is empty (was the estimator fitted?)")
    for key, values in history.items():
        if "loss" in key:
            ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    accuracy_keys = [k for k in history if "acc" in k]
    if accuracy_keys:
        right = ax.twinx()
        for key in accuracy_keys:
            right.plot(np.arange(1, len(history[key]) + 1), history[key], linestyle="--", label=key)
        right.set_ylabel("accuracy")
        right.legend(loc="center right", fontsize=8)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title or "Training history")
    figure.tight_layout()
    return figure
