"""A hyperopt search on scikit-learn's ``BaseSearchCV``: ``fit`` / ``best_params_`` / ``cv_results_``, resumable."""

import os
from numbers import Integral
from pathlib import Path

import numpy as np
from hyperopt import hp
from sklearn.base import is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval, StrOptions

from ._checkpoint import (
    CheckpointedSearchMixin,
    check_fingerprint,
    check_parameter_names,
    evaluate_despite_lost_workers,
    read_checkpoint,
    search_fingerprint,
    write_atomically,
)

_TRIALS_FORMAT = "sklearn-fer-hyperopt-trials-2"
_ALGORITHMS = ("tpe", "rand", "anneal")


def _suggest(algo):
    import hyperopt

    if callable(algo):
        return algo
    return {"tpe": hyperopt.tpe.suggest, "rand": hyperopt.rand.suggest, "anneal": hyperopt.anneal.suggest}[algo]


class HyperoptSearchCV(CheckpointedSearchMixin, BaseSearchCV):
    """Hyper-parameter search with hyperopt (TPE by default) on scikit-learn's ``BaseSearchCV``.

    Like :class:`~sklearn.model_selection.RandomizedSearchCV`, but the next
    candidate is proposed by hyperopt from the scores seen so far: the search's
    ``_run_search`` runs hyperopt's ``fmin`` with an objective that evaluates
    one candidate at a time through scikit-learn's ``evaluate_candidates``
    (cross-validation, scoring, ``cv_results_``, selection, refit and the
    delegated ``predict`` / ``predict_proba`` / ``decision_function`` / ``score``
    are scikit-learn's). The trials are written to ``trials_file`` after every
    evaluation, so an interrupted search started again with the same file
    resumes where it stopped (and, with a fixed ``random_state``, proposes the
    same candidates an uninterrupted search would have).

    Parameters
    ----------
    estimator : estimator
        Cloned for every trial.
    space : dict of str -> hyperopt expression
        Parameter names of ``estimator`` (``step__param`` for a Pipeline) mapped to
        ``hp.choice`` / ``hp.uniform`` / ... expressions or fixed values; see
        :func:`sklearn_fer.search.baseline_space` for the baseline report's spaces.
    max_evals : int, default=25
        Total number of trials, counting those resumed from ``trials_file``.
    algo : {"tpe", "rand", "anneal"} or callable, default="tpe"
    scoring : str, callable, list, dict or None, default=None
        ``None`` uses the shared FER scorers (:func:`sklearn_fer.metrics.fer_scorers`).
    refit : bool, str or callable, default="accuracy"
        As in :class:`~sklearn.model_selection.GridSearchCV`. hyperopt minimises
        the negative of the ``refit`` metric (a key of ``scoring``), or of the
        first metric when ``refit`` does not name one.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (stratified 5-fold for classifiers); pass
        :func:`sklearn_fer.datasets.official_split` for the official protocol.
    n_jobs : int, default=None
        Folds of a trial evaluated in parallel, as in ``GridSearchCV``: joblib's
        worker processes are fresh interpreters (never forked, so safe with
        TensorFlow); ``joblib.parallel_backend("dask")`` runs them on a Dask
        cluster. ``None`` runs them here, with all the threads of this process.
    trials_file : str or path, default=None
        Where to keep the trials (pickle). ``None`` keeps them in memory only.
        The file is tied to the search: resuming it over other parameters, data,
        splitter, scoring or estimator settings (except ``verbose``) raises a
        ``ValueError``.
    error_score : "raise" or float, default=np.nan
        Score of a failed fit; a trial whose selection score is NaN counts as failed.
    random_state : int or None, default=None
        Seeds hyperopt's proposals.
    verbose : int, default=1
        0: silent; 1: a progress bar with the best score so far (and
        scikit-learn's line per trial); higher: scikit-learn's fold messages.
    refit_params : dict, default=None
        Parameters set on the best trial's estimator for the refit only, e.g.
        ``{"epochs": 30}``: the trials are compared on a short epoch budget
        (affordable on a CPU) and the chosen parameters are trained on the full
        budget. They override ``best_params_`` where both name a parameter.
    pre_dispatch, return_train_score
        As in :class:`~sklearn.model_selection.GridSearchCV`.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the best trial as real values, e.g. ``{"kernel_size": 5}``,
        not the index of the choice.
    best_score_, best_index_, best_estimator_, refit_time_, scorer_, multimetric_, n_splits_
        As in :class:`~sklearn.model_selection.GridSearchCV`.
    cv_results_ : dict of numpy arrays
        One row per trial in trial order, in scikit-learn's layout, plus
        ``trial_status`` ("ok" or "fail"); ``pandas.DataFrame(search.cv_results_)``
        gives the trial table.
    trials_ : hyperopt.Trials
    n_resumed_trials_ : int
        Trials loaded from ``trials_file`` rather than evaluated in this ``fit``.

    Notes
    -----
    scikit-learn's search needs at least one successful evaluation per
    ``fit``: when the trials file already holds every trial, or this ``fit``'s
    last trials failed, the last successful trial is evaluated again (its
    scores are not recorded twice).

    Examples
    --------
    >>> from hyperopt import hp
    >>> from sklearn_fer.search import HyperoptSearchCV
    >>> search = HyperoptSearchCV(CNNClassifier(epochs=10),  # doctest: +SKIP
    ...                           {"kernel_size": hp.choice("kernel_size", [1, 3, 5]),
    ...                            "dropout": hp.uniform("dropout", 0.1, 0.35)},
    ...                           max_evals=25, trials_file="cnn_trials.pkl").fit(X, y)
    >>> search.best_params_  # doctest: +SKIP
    {'dropout': 0.21..., 'kernel_size': 5}
    """

    _test_params = [
        dict(estimator=LogisticRegression(max_iter=200), space={"C": hp.loguniform("C", -2, 1)}, max_evals=2, cv=2, random_state=0, verbose=0)
    ]

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "space": [dict],
        "max_evals": [Interval(Integral, 1, None, closed="left")],
        "algo": [StrOptions(set(_ALGORITHMS)), callable],
        "trials_file": [str, os.PathLike, None],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
        "refit_params": [dict, None],
    }

    def __init__(
        self,
        estimator,
        space,
        *,
        max_evals=25,
        algo="tpe",
        scoring=None,
        refit="accuracy",
        cv=None,
        n_jobs=None,
        trials_file=None,
        error_score=np.nan,
        random_state=None,
        verbose=1,
        refit_params=None,
        pre_dispatch="2*n_jobs",
        return_train_score=False,
    ):
        super().__init__(
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.space = space
        self.max_evals = max_evals
        self.algo = algo
        self.trials_file = trials_file
        self.random_state = random_state
        self.refit_params = refit_params

    # -- scoring: the shared FER metrics by default -----------------------------------------------

    def _get_scorers(self):
        if self.scoring is not None:
            return super()._get_scorers()
        from ..metrics import fer_scorers

        self.scoring = fer_scorers()
        try:
            return super()._get_scorers()
        finally:
            self.scoring = None

    def _metric_names(self):
        """The names of the metrics, or None for a single (str or callable) one."""
        if self.scoring is None:
            from ..metrics import fer_scorers

            return list(fer_scorers())
        if isinstance(self.scoring, (dict, list, tuple, set)):
            return list(self.scoring)
        return None

    def _selection_metric(self):
        """The metric hyperopt minimises the negative of: ``refit``'s, else the first one."""
        if isinstance(self.refit, str):
            return self.refit
        names = self._metric_names()
        return "score" if names is None else names[0]

    # -- the trials file ---------------------------------------------------------------------------

    def _start_checkpoint(self, X, y):
        import hyperopt

        if not self.space:
            raise ValueError("space must be a non-empty dict of parameter name -> hyperopt expression, got {}")
        check_parameter_names("space", self.space, self.estimator)
        self._n_splits = check_cv(self.cv, y, classifier=is_classifier(self.estimator)).get_n_splits(X, y)
        seed = self.random_state if self.random_state is not None else int(np.random.SeedSequence().entropy % 2**32)
        self._state = {"format": _TRIALS_FORMAT, "parameters": sorted(self.space), "seed": seed, "trials": hyperopt.Trials(), "records": []}
        if self.trials_file is None:  # nothing to resume or save: no need to hash the data
            return
        self._state["fingerprint"] = search_fingerprint(self, X, y)
        path = Path(self.trials_file)
        if not path.exists():
            return
        saved = read_checkpoint(path, fmt=_TRIALS_FORMAT, argument="trials_file", writer="HyperoptSearchCV")
        if saved["parameters"] != self._state["parameters"]:
            raise ValueError(
                f"trials_file {str(path)!r} holds a search over {saved['parameters']}, "
                f"not over {self._state['parameters']}; use another file to start a new search"
            )
        check_fingerprint(path, "trials_file", saved["fingerprint"], self._state["fingerprint"])
        self._state = saved

    def _forget_checkpoint(self):
        for scratch in ("_state", "_recording", "_n_splits", "_n_formatted"):
            self.__dict__.pop(scratch, None)

    def _save_trials(self):
        if self.trials_file is not None:
            write_atomically(self.trials_file, self._state)

    # -- the search: hyperopt proposes, BaseSearchCV evaluates ------------------------------------

    def _run_search(self, evaluate_candidates):
        import hyperopt
        from tqdm.auto import tqdm

        metric = self._selection_metric()
        self._recording = False
        trials = self._state["trials"]
        self.n_resumed_trials_ = len(trials.trials)
        self._n_formatted = None

        def objective(params):
            self._recording = True
            try:
                results = evaluate_despite_lost_workers(evaluate_candidates, [params])
            except ValueError as error:
                # BaseSearchCV raises when every fit of an evaluation failed, whatever error_score
                # says; for one trial of many that is a failed trial, not a failed search.
                if self.error_score == "raise":
                    raise
                self._record(params, self._failed_folds(str(error)))
                return {"status": hyperopt.STATUS_FAIL, "loss": None}
            finally:
                self._recording = False
            score = results[f"mean_test_{metric}"][-1]
            if not np.isfinite(score):
                return {"status": hyperopt.STATUS_FAIL, "loss": None}
            return {"status": hyperopt.STATUS_OK, "loss": -float(score)}

        suggest = _suggest(self.algo)
        progress = tqdm(total=self.max_evals, initial=len(trials.trials), desc="hyperopt trials", disable=not self.verbose)
        with progress:
            while len(trials.trials) < self.max_evals:
                # A per-trial generator keyed on (seed, trial number) makes a resumed search
                # propose the same candidates as an uninterrupted one.
                rstate = np.random.default_rng([self._state["seed"], len(trials.trials)])
                try:
                    hyperopt.fmin(
                        objective, self.space, algo=suggest, max_evals=len(trials.trials) + 1, trials=trials,
                        rstate=rstate, show_progressbar=False, return_argmin=False,
                    )
                except hyperopt.exceptions.AllTrialsFailed:
                    pass  # fmin's closing argmin finds no success yet; the failed trial is recorded all the same
                self._save_trials()
                progress.update(1)
                losses = [loss for loss in trials.losses() if loss is not None]
                if losses:
                    progress.set_postfix(best=f"{-min(losses):.4f}")
        self._finish_results(evaluate_candidates)
        self.trials_ = trials

    def _finish_results(self, evaluate_candidates):
        """Make BaseSearchCV's last results cover every trial (see Notes)."""
        records = self._state["records"]
        ok = [params for params, folds in records if not all(fold["fit_error"] for fold in folds)]
        if not ok:
            # scikit-learn's message ends with the traceback of the failed fits: keep its last line
            last_error = records[-1][1][0]["fit_error"].strip().splitlines()[-1]
            raise ValueError(
                f"all {len(records)} hyperopt trials failed; the last one with: {last_error[:500]} "
                "(error_score='raise' shows the original exception)"
            )
        if self._n_formatted != len(records):  # nothing evaluated in this fit, or failed trials since
            evaluate_despite_lost_workers(evaluate_candidates, [ok[-1]])  # scored again, not recorded again

    def _record(self, params, folds):
        self._state["records"].append((params, folds))

    def _failed_folds(self, message):
        names = self._metric_names()
        scores = self.error_score if names is None else {name: self.error_score for name in names}
        fold = {"fit_error": message, "test_scores": scores, "n_test_samples": 0, "fit_time": np.nan, "score_time": np.nan}
        if self.return_train_score:
            fold["train_scores"] = scores
        return [dict(fold) for _ in range(self._n_splits)]

    def _format_results(self, candidate_params, n_splits, out, more_results=None):
        if self._recording:
            self._record(candidate_params[-1], out[-n_splits:])
        records = self._state["records"]
        params = [params for params, _ in records]
        folds = [fold for _, record in records for fold in record]
        status = ["fail" if all(fold["fit_error"] for fold in record) else "ok" for _, record in records]
        results = super()._format_results(params, n_splits, folds, {**(more_results or {}), "trial_status": status})
        # A trial whose selection score is NaN failed too.
        finite = np.isfinite(results[f"mean_test_{self._selection_metric()}"])
        results["trial_status"] = np.where(finite, results["trial_status"], "fail")
        self._n_formatted = len(records)
        return results
