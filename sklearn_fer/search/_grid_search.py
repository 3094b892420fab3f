"""A GridSearchCV that saves every finished candidate, so an interrupted grid resumes where it stopped."""

import os
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, ParameterGrid

from ._hyperopt_search import _check_parameter_names, _read_saved_state, _search_fingerprint, _write_atomically

_CHECKPOINT_FORMAT = "sklearn-fer-grid-checkpoint-1"


def _candidate_key(params):
    return repr(sorted(params.items()))


class ResumableGridSearchCV(GridSearchCV):
    """:class:`~sklearn.model_selection.GridSearchCV` that resumes after an interruption.

    With ``checkpoint`` set, candidates are evaluated ``n_jobs`` at a time and
    the scores of each finished batch are written to that file before the next
    batch starts. Fitting the same search again
    on the same data evaluates only the candidates not in the file, then selects
    and refits over the whole grid exactly as ``GridSearchCV`` does (``cv_results_``
    lists the candidates in grid order, saved and new alike). With
    ``checkpoint=None`` it is a plain ``GridSearchCV``.

    A CNN candidate on FER2013 takes a quarter of an hour on a 2-core CPU, so
    the seed's 10-point grid does not fit in one sitting; this lets it be built
    across several.

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score
        As in :class:`~sklearn.model_selection.GridSearchCV`.
    checkpoint : str or path, default=None
        File of saved candidates. It is tied to the data, the splitter, the
        scoring and the estimator's settings (except ``verbose``): fitting with
        any of them changed raises a ``ValueError``; delete the file or name
        another one to start afresh.
    refit_params : dict, default=None
        Parameters set on the best candidate for the refit only, e.g.
        ``{"epochs": 30}``: the candidates are compared on a short epoch budget
        (affordable on a CPU) and the chosen one is trained on the full budget.
        Needs ``refit`` to name the selection metric (or ``True`` with a single
        metric). ``None``: refit exactly the best candidate, as GridSearchCV does.

    Attributes
    ----------
    n_resumed_candidates_ : int
        Candidates read from ``checkpoint`` instead of being fitted in this ``fit``.
    (others)
        As in :class:`~sklearn.model_selection.GridSearchCV`.

    Notes
    -----
    scikit-learn's search needs at least one evaluation per ``fit``: when the
    file already holds every candidate (e.g. the run was stopped during the
    final refit), the last candidate of the grid is evaluated again.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_fer.datasets import make_synthetic_faces
    >>> faces = make_synthetic_faces(140, random_state=0)
    >>> search = ResumableGridSearchCV(LogisticRegression(max_iter=50), {"C": [0.1, 1.0]}, cv=2,
    ...                                checkpoint="grid.pkl")  # doctest: +SKIP
    >>> search.fit(faces.data, faces.target)  # interrupted? run it again: it resumes  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        **GridSearchCV._parameter_constraints,
        "checkpoint": [str, os.PathLike, None],
        "refit_params": [dict, None],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
        checkpoint=None,
        refit_params=None,
    ):
        super().__init__(
            estimator,
            param_grid,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.checkpoint = checkpoint
        self.refit_params = refit_params

    def fit(self, X, y=None, **params):
        """Evaluate the candidates not yet in ``checkpoint``, then select and refit as GridSearchCV.

        Parameters
        ----------
        X, y, **params
            As in :meth:`sklearn.model_selection.GridSearchCV.fit`.

        Returns
        -------
        self : ResumableGridSearchCV
        """
        self._validate_params()  # before the checkpoint is read; GridSearchCV.fit validates only later
        self._saved = {}
        if self.checkpoint is not None:
            self._fingerprint = _search_fingerprint(self, X, y)
            self._saved = self._read_checkpoint()
        if not self.refit_params:
            try:
                return super().fit(X, y, **params)
            finally:
                self._forget_scratch()
        metric = self._refit_metric_for_refit_params()
        refit, self.refit = self.refit, False  # select and refit below, with refit_params
        try:
            super().fit(X, y, **params)
        finally:
            self.refit = refit
            self._forget_scratch()
        self.best_index_ = int(np.argmin(self.cv_results_[f"rank_test_{metric}"]))
        self.best_score_ = float(self.cv_results_[f"mean_test_{metric}"][self.best_index_])
        self.best_params_ = self.cv_results_["params"][self.best_index_]
        start = time.perf_counter()
        self.best_estimator_ = clone(self.estimator).set_params(**{**clone(self.best_params_, safe=False), **self.refit_params})
        self.best_estimator_.fit(X, y, **params)
        self.refit_time_ = time.perf_counter() - start
        if hasattr(self.best_estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.best_estimator_.feature_names_in_
        return self

    def _forget_scratch(self):
        for scratch in ("_saved", "_fingerprint", "_grid_order"):
            self.__dict__.pop(scratch, None)

    def _refit_metric_for_refit_params(self):
        _check_parameter_names("refit_params", self.refit_params, self.estimator)
        if isinstance(self.refit, str):
            return self.refit
        if self.refit is True and not isinstance(self.scoring, (dict, list, tuple, set)):
            return "score"
        raise ValueError(
            f"refit_params needs refit to name the selection metric (or refit=True with one metric), got refit={self.refit!r}"
        )

    def _read_checkpoint(self):
        path = Path(self.checkpoint)
        if not path.exists():
            return {}
        state = _read_saved_state(
            path, fmt=_CHECKPOINT_FORMAT, argument="checkpoint", kind="grid checkpoint", writer="ResumableGridSearchCV"
        )
        changed = [what for what, value in self._fingerprint.items() if state["fingerprint"].get(what) != value]
        if changed:
            raise ValueError(
                f"checkpoint {str(path)!r} belongs to a search with other {', '.join(changed)}; "
                "delete it or name another checkpoint to start afresh"
            )
        return state["candidates"]

    def _run_search(self, evaluate_candidates):
        grid = list(ParameterGrid(self.param_grid))
        self.n_resumed_candidates_ = 0
        if self.checkpoint is None:
            evaluate_candidates(grid)
            return
        pending = [params for params in grid if _candidate_key(params) not in self._saved]
        if not pending:  # scikit-learn's fit needs at least one evaluation (see Notes)
            pending = grid[-1:]
        self.n_resumed_candidates_ = len(grid) - len(pending)
        if self.verbose > 0 and self.n_resumed_candidates_:
            print(f"{self.n_resumed_candidates_} of {len(grid)} candidates read from {self.checkpoint}")
        self._grid_order = {_candidate_key(params): index for index, params in enumerate(grid)}
        # n_jobs candidates at a time (each saved as soon as its batch is finished), so n_jobs still parallelises
        batch = max(1, joblib.effective_n_jobs(self.n_jobs))
        for start in range(0, len(pending), batch):
            evaluate_candidates(pending[start : start + batch])

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        if self.checkpoint is None:
            return super()._format_results(candidate_params, n_splits, out, more_results)
        for index, params in enumerate(candidate_params):
            self._saved[_candidate_key(params)] = (params, out[index * n_splits : (index + 1) * n_splits])
        state = {"format": _CHECKPOINT_FORMAT, "fingerprint": self._fingerprint, "candidates": self._saved}
        _write_atomically(self.checkpoint, state)
        # Candidates of another grid over the same search stay in the file (a wider grid reuses them) but not in the results.
        in_grid = [item for item in self._saved.items() if item[0] in self._grid_order]
        ordered = sorted(in_grid, key=lambda item: self._grid_order[item[0]])
        all_params = [params for _, (params, _) in ordered]
        all_out = [fold for _, (_, folds) in ordered for fold in folds]
        return super()._format_results(all_params, n_splits, all_out, more_results)
