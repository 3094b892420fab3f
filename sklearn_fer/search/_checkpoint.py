"""What both searches share: checkpoint files and a refit with its own parameters.

A checkpoint is a pickled dict written atomically (a kill mid-write leaves the
previous file intact), tagged with a format string and with a fingerprint of
the data and settings its scores depend on, so that it is never resumed by
another search.
"""

import concurrent.futures
import os
import pickle
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import BaseEstimator, clone


def write_atomically(path, payload):
    """Pickle ``payload`` to ``path`` via a temporary file, so a kill mid-write leaves the old file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(payload, stream)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def read_checkpoint(path, *, fmt, argument, writer):
    """The dict that :func:`write_atomically` wrote to ``path``, checked to carry ``"format": fmt``.

    ``argument`` (the parameter naming the file) and ``writer`` (the class that
    writes it) make the errors name the file and what was expected.
    """
    try:
        with open(path, "rb") as stream:
            state = pickle.load(stream)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, ValueError) as error:
        raise ValueError(f"{argument} {str(path)!r} is not a readable {writer} checkpoint ({error})") from None
    if not isinstance(state, dict) or state.get("format") != fmt:
        raise ValueError(f"{argument} {str(path)!r} was not written by {writer}")
    return state


# How often a batch of candidates is evaluated again after a lost worker cancelled its tasks.
LOST_WORKER_RETRIES = 3


def evaluate_despite_lost_workers(evaluate_candidates, candidates):
    """``evaluate_candidates(candidates)``, again when a lost worker cancelled some of its tasks.

    On a Dask cluster, joblib scatters large arguments (the data, the split indices) to one
    worker; when that worker dies they are gone, and Dask cancels the tasks that need them
    instead of rerunning them. The batch then runs again on the workers that are left
    (scikit-learn has recorded nothing of it yet).
    """
    for attempt in range(LOST_WORKER_RETRIES + 1):
        try:
            return evaluate_candidates(candidates)
        except concurrent.futures.CancelledError as error:
            if attempt == LOST_WORKER_RETRIES:
                raise
            warnings.warn(f"evaluating {len(candidates)} candidate(s) again: their tasks were cancelled ({error})", RuntimeWarning)


def check_fingerprint(path, argument, saved, current):
    """ValueError when the search that wrote ``path`` had other data or settings than this one."""
    changed = [what for what, value in current.items() if saved.get(what) != value]
    if changed:
        raise ValueError(
            f"{argument} {str(path)!r} belongs to a search with other {', '.join(changed)}; "
            f"delete it or name another {argument} to start afresh"
        )


def check_parameter_names(argument, names, estimator):
    """ValueError naming ``argument`` when ``names`` holds parameters ``estimator`` does not have."""
    unknown = sorted(set(names) - set(estimator.get_params(deep=True)))
    if unknown:
        raise ValueError(f"{argument} names parameter(s) {unknown} that {type(estimator).__name__} does not have")


def _digest(value):
    """A hash of ``value``'s content; its repr when it cannot be pickled (e.g. a lambda scorer)."""
    try:
        return joblib.hash(value)
    except (pickle.PicklingError, TypeError, AttributeError):
        return repr(value)


def search_fingerprint(search, X, y):
    """What a saved candidate's scores depend on, apart from its own parameters."""

    def comparable(value):
        return type(value).__name__ if isinstance(value, BaseEstimator) else value

    settings = {
        name: comparable(value) for name, value in search.estimator.get_params(deep=True).items() if not name.endswith("verbose")
    }
    return {
        "data": _digest((X, y)),
        "cv": _digest(search.cv),  # a hash, not the repr: numpy abbreviates long arrays (PredefinedSplit)
        "scoring": _digest(search.scoring),
        "estimator": _digest((type(search.estimator).__name__, settings)),
        "return_train_score": search.return_train_score,
    }


class CheckpointedSearchMixin:
    """``fit`` of a :class:`~sklearn.model_selection._search.BaseSearchCV` with a checkpoint and ``refit_params``.

    The search class provides ``_start_checkpoint(X, y)`` (read what a previous
    fit saved, before any candidate runs) and ``_forget_checkpoint()`` (drop
    that scratch state). ``refit_params`` are set on the best candidate for the
    refit only: candidates are compared on a short epoch budget and the chosen
    one is trained on the full budget.
    """

    def fit(self, X, y=None, **params):
        """Evaluate the candidates not yet in the checkpoint, then select and refit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or images
        y : array-like of shape (n_samples,)
        **params : dict
            Passed to the estimator's ``fit`` (as in scikit-learn's searches).

        Returns
        -------
        self : object
            The fitted search.
        """
        self._validate_params()  # before the checkpoint is read; BaseSearchCV.fit validates only later
        try:
            self._start_checkpoint(X, y)
            if not self.refit_params:
                return super().fit(X, y, **params)
            metric = self._refit_metric_for_refit_params()
            refit, self.refit = self.refit, False  # select and refit below, with refit_params
            try:
                super().fit(X, y, **params)
            finally:
                self.refit = refit
            self._refit_with_refit_params(metric, X, y, params)
            return self
        finally:
            self._forget_checkpoint()

    def _refit_metric_for_refit_params(self):
        check_parameter_names("refit_params", self.refit_params, self.estimator)
        if isinstance(self.refit, str):
            return self.refit
        if self.refit is True and not isinstance(self.scoring, (dict, list, tuple, set)):
            return "score"
        raise ValueError(
            f"refit_params needs refit to name the selection metric (or refit=True with one metric), got refit={self.refit!r}"
        )

    def _refit_with_refit_params(self, metric, X, y, params):
        self.best_index_ = int(np.argmin(self.cv_results_[f"rank_test_{metric}"]))
        self.best_score_ = float(self.cv_results_[f"mean_test_{metric}"][self.best_index_])
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        start = time.perf_counter()
        self.best_estimator_ = clone(self.estimator).set_params(**{**clone(self.best_params_, safe=False), **self.refit_params})
        self.best_estimator_.fit(X, y, **params)
        self.refit_time_ = time.perf_counter() - start
        if hasattr(self.best_estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.best_estimator_.feature_names_in_
