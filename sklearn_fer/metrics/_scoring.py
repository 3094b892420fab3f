"""One set of metrics for every experiment, as searches' ``scoring=`` and as ``evaluate``."""

from time import perf_counter

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    make_scorer,
    recall_score,
)

from .._constants import EMOTIONS

LABELS = tuple(range(len(EMOTIONS)))
SCALAR_METRICS = ("accuracy", "balanced_accuracy", "f1_macro") + tuple(f"recall_{e}" for e in EMOTIONS)


def fer_scorers():
    """The shared scorers, as a dict for multi-metric searches.

    Returns
    -------
    scorers : dict of str -> scorer
        ``accuracy``, ``balanced_accuracy``, ``f1_macro`` and ``recall_<emotion>``
        for each of the 7 emotions. Use as ``GridSearchCV(..., scoring=fer_scorers(),
        refit="accuracy")``; fit and score times are in ``cv_results_``
        (``mean_fit_time``, ``mean_score_time``).
    """
    scorers = {
        "accuracy": make_scorer(accuracy_score),
        "balanced_accuracy": make_scorer(balanced_accuracy_score),
        "f1_macro": make_scorer(f1_score, average="macro", labels=list(LABELS), zero_division=0.0),
    }
    for label, emotion in enumerate(EMOTIONS):
        # Keyword arguments rather than a closure keep the scorers picklable (spawned trials, Dask).
        scorers[f"recall_{emotion}"] = make_scorer(recall_score, labels=[label], average="macro", zero_division=0.0)
    return scorers


def score_predictions(y_true, y_pred):
    """Every shared metric of a set of predictions.

    Returns
    -------
    scores : dict
        The scalar metrics of :func:`fer_scorers`, ``confusion_matrix`` (7x7
        list, rows are true labels) and ``n_samples``.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    scores = {
        "accuracy": accuracy_score(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, average="macro", labels=list(LABELS), zero_division=0.0),
    }
    recalls = recall_score(y_true, y_pred, labels=list(LABELS), average=None, zero_division=0.0)
    scores.update({f"recall_{e}": float(r) for e, r in zip(EMOTIONS, recalls)})
    scores = {k: float(v) for k, v in scores.items()}
    scores["confusion_matrix"] = confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist()
    scores["n_samples"] = int(len(y_true))
    return scores


def evaluate(estimator, X, y, *, X_fit=None, y_fit=None, return_predictions=False):
    """Score a classifier with the shared metrics, timing fit and predict.

    Parameters
    ----------
    estimator : classifier or Pipeline
        Fitted already, unless ``X_fit`` is given.
    X, y : array-like
        Evaluation data.
    X_fit, y_fit : array-like, default=None
        When given, the estimator is fitted on them first and ``fit_time`` is
        reported.
    return_predictions : bool, default=False
        Also return the predictions the scores came from, so that a caller
        plotting or inspecting them does not predict ``X`` a second time.

    Returns
    -------
    results : dict
        :func:`score_predictions` plus ``fit_time`` (s, or None),
        ``predict_time`` (s, whole set) and ``predict_time_per_sample`` (ms).
    y_pred : ndarray of shape (n_samples,)
        The estimator's predictions for ``X``; only when ``return_predictions``.
    """
    fit_time = None
    if X_fit is not None:
        start = perf_counter()
        estimator.fit(X_fit, y_fit)
        fit_time = perf_counter() - start
    start = perf_counter()
    y_pred = estimator.predict(X)
    predict_time = perf_counter() - start
    results = score_predictions(y, y_pred)
    results.update(
        fit_time=fit_time,
        predict_time=predict_time,
        predict_time_per_sample=1000.0 * predict_time / max(len(y_pred), 1),
    )
    return (results, y_pred) if return_predictions else results


def evaluation_frame(results):
    """Scalar metrics of one or more :func:`evaluate` results as a DataFrame (one row each).

    Parameters
    ----------
    results : dict of name -> result, or a single result dict
    """
    import pandas as pd

    if "accuracy" in results:
        results = {"model": results}
    columns = list(SCALAR_METRICS) + ["fit_time", "predict_time"]
    return pd.DataFrame({name: {c: r.get(c) for c in columns} for name, r in results.items()}).T
