"""A GridSearchCV that saves every finished candidate, so an interrupted grid resumes where it stopped."""

import os
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid

from ._checkpoint import (
    CheckpointedSearchMixin,
    check_fingerprint,
    evaluate_despite_lost_workers,
    read_checkpoint,
    search_fingerprint,
    write_atomically,
)

_CHECKPOINT_FORMAT = "sklearn-fer-grid-checkpoint-1"


def _candidate_key(params):
    return repr(sorted(params.items()))


class ResumableGridSearchCV(CheckpointedSearchMixin, GridSearchCV):
    """:class:`~sklearn.model_selection.GridSearchCV` that resumes after an interruption.

    With ``checkpoint`` set, candidates are evaluated ``n_jobs`` at a time and
    the scores of each finished batch are written to that file before the next
    batch starts. Fitting the same search again
    on the same data evaluates only the candidates not in the file, then selects
    and refits over the whole grid exactly as ``GridSearchCV`` does (``cv_results_``
    lists the candidates in grid order, saved and new alike). With
    ``checkpoint=None`` it is a plain ``GridSearchCV``.

    A CNN candidate on FER2013 trains for many minutes on a CPU, so a grid of
    them may not fit in one run; this lets it be built across several.

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

    # Without a checkpoint: with one, a second fit on other data is refused by design (tests/test_search.py).
    _test_params = [dict(estimator=LogisticRegression(max_iter=200), param_grid={"C": [0.1, 1.0]}, cv=2)]

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

    def _start_checkpoint(self, X, y):
        self._saved = {}
        if self.checkpoint is None:
            return
        self._fingerprint = search_fingerprint(self, X, y)
        path = Path(self.checkpoint)
        if path.exists():
            state = read_checkpoint(path, fmt=_CHECKPOINT_FORMAT, argument="checkpoint", writer="ResumableGridSearchCV")
            check_fingerprint(path, "checkpoint", state["fingerprint"], self._fingerprint)
            self._saved = state["candidates"]

    def _forget_checkpoint(self):
        for scratch in ("_saved", "_fingerprint", "_grid_order"):
            self.__dict__.pop(scratch, None)

    def _run_search(self, evaluate_candidates):
        grid = list(ParameterGrid(self.param_grid))
        self.n_resumed_candidates_ = 0
        if self.checkpoint is None:
            evaluate_despite_lost_workers(evaluate_candidates, grid)
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
            evaluate_despite_lost_workers(evaluate_candidates, pending[start : start + batch])

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        if self.checkpoint is None:
            return super()._format_results(candidate_params, n_splits, out, more_results)
        for index, params in enumerate(candidate_params):
            self._saved[_candidate_key(params)] = (params, out[index * n_splits : (index + 1) * n_splits])
        state = {"format": _CHECKPOINT_FORMAT, "fingerprint": self._fingerprint, "candidates": self._saved}
        write_atomically(self.checkpoint, state)
        # Candidates of another grid over the same search stay in the file (a wider grid reuses them) but not in the results.
        in_grid = [item for item in self._saved.items() if item[0] in self._grid_order]
        ordered = sorted(in_grid, key=lambda item: self._grid_order[item[0]])
        all_params = [params for _, (params, _) in ordered]
        all_out = [fold for _, (_, folds) in ordered for fold in folds]
        return super()._format_results(all_params, n_splits, all_out, more_results)
