"""Plots people would rather look at than read: confusion matrices, loss curves, benchmark bars."""

import numpy as np

from .._constants import EMOTIONS
from ._scoring import LABELS


def _axes(ax, figsize):
    # The backend is the caller's (a notebook's inline one, say); only the command line chooses one.
    if ax is not None:
        return ax.figure, ax
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


# Width of a bar's "68.0%" label in axis units (the x axis spans up to 1.0).
_LABEL_WIDTH = 0.07


def plot_benchmark(names, accuracies, *, baseline_figures=None, references=None, ax=None, title=None):
    """Horizontal bars of accuracy per experiment, with the baseline report's figure marked on each bar.

    Parameters
    ----------
    names : list of str
        Experiments, top to bottom.
    accuracies : list of float in [0, 1]
    baseline_figures : list of (None, float or (low, high)), default=None
        The figure to beat per experiment: a float is drawn as a tick, a
        range as a band; ``None`` marks nothing.
    references : dict of str to float, default=None
        Published figures drawn as dashed vertical lines across all bars, each
        named in the legend with its figure.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    figure : matplotlib Figure
    """
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    if len(names) != len(accuracies):
        raise ValueError(f"plot_benchmark: {len(names)} names but {len(accuracies)} accuracies")
    baseline_figures = [None] * len(names) if baseline_figures is None else list(baseline_figures)
    if len(baseline_figures) != len(names):
        raise ValueError(f"plot_benchmark: {len(names)} names but {len(baseline_figures)} baseline figures")
    references = dict(references or {})
    figure, ax = _axes(ax, (7, 0.6 + 0.32 * len(names) + 0.2 * (len(references) + 1) * bool(references)))
    rows = np.arange(len(names))
    ax.barh(rows, accuracies, color="tab:blue", height=0.6)
    for row, accuracy, baseline in zip(rows, accuracies, baseline_figures):
        # Our figure at the end of our bar (inside it when it is wide enough), or at its start when the
        # baseline's mark falls where the figure would be; the baseline's figure beside its mark.
        inside = accuracy >= 0.1
        marked_at_the_end = baseline is not None and accuracy - _LABEL_WIDTH < np.min(baseline) < accuracy
        x, ha = (0.005, "left") if inside and marked_at_the_end else (accuracy - 0.005, "right") if inside else (accuracy + 0.005, "left")
        ax.text(x, row, f"{100 * accuracy:.1f}%", va="center", fontsize=7, ha=ha, color="white" if inside else "black")
        if baseline is None:
            continue
        low, high = np.min(baseline), np.max(baseline)  # a float is a range of width zero
        if high > low:
            ax.fill_betweenx([row - 0.4, row + 0.4], low, high, color="tab:orange", alpha=0.5, linewidth=0)
            text = f"{100 * low:.1f}-{100 * high:.1f}%"
        else:
            ax.plot([low, low], [row - 0.4, row + 0.4], color="tab:orange", linewidth=2.5)
            text = f"{100 * low:.1f}%"
        ax.text(max(high, accuracy) + 0.005, row, text, va="center", fontsize=7, color="tab:orange")
    ax.set_yticks(rows, names, fontsize=8)
    ax.invert_yaxis()
    reference_lines = [
        ax.axvline(figure_, color=f"C{2 + index % 8}", linestyle="--", linewidth=1, label=f"published: {100 * figure_:.1f}% {label}")
        for index, (label, figure_) in enumerate(references.items())
    ]
    highest = max([*accuracies, *(np.max(b) for b in baseline_figures if b is not None), *references.values()], default=0)
    ax.set_xlim(0, min(1.0, highest + 0.15))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    # Below the axes: inside, it hid the accuracy label of whichever bar was longest at its corner.
    ax.legend(
        handles=[Patch(color="tab:blue", label="ours"), Patch(color="tab:orange", label="baseline report"), *reference_lines],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        ncol=1 if references else 2,
        fontsize=8,
        frameon=False,
    )
    ax.set_title(title or "Accuracy per experiment")
    figure.tight_layout()
    return figure
