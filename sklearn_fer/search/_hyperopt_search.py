"""A scikit-learn style hyperopt search: ``fit`` / ``best_params_`` / ``cv_results_``, resumable."""

import contextlib
import multiprocessing
import os
import pickle
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import joblib
import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv, cross_validate
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

_TRIALS_FORMAT = 1
_TRIAL_PROCESSES = ("in-process", "spawn")


def _suggest(algo):
    import hyperopt

    algorithms = {"tpe": hyperopt.tpe.suggest, "rand": hyperopt.rand.suggest, "anneal": hyperopt.anneal.suggest}
    if callable(algo):
        return algo
    if algo not in algorithms:
        raise ValueError(f"algo={algo!r}: expected one of {sorted(algorithms)} or a hyperopt suggest function")
    return algorithms[algo]


def _cross_validate_trial(estimator, X, y, cv, scorers, n_jobs, error_score, fit_params):
    """One trial's cross-validation; a module-level function so a spawned process can run it."""
    return cross_validate(
        estimator, X, y, cv=cv, scoring=scorers, n_jobs=n_jobs, error_score=error_score, params=fit_params or None
    )


def _estimator_has(method):
    def check(search):
        if hasattr(search, "best_estimator_"):
            return hasattr(search.best_estimator_, method)
        return hasattr(search.estimator, method)

    return check


def _read_saved_state(path, *, fmt, argument, kind, writer):
    """The dict pickled by :func:`_write_atomically` at ``path``, checked to carry ``"format": fmt``.

    ``argument`` (the parameter naming the file), ``kind`` (what the file holds) and
    ``writer`` (the class that writes it) make the errors name the file and what was expected.
    """
    try:
        with open(path, "rb") as stream:
            state = pickle.load(stream)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        raise ValueError(f"{argument} {str(path)!r} is not a readable sklearn-fer {kind} ({error})") from None
    if not isinstance(state, dict) or state.get("format") != fmt:
        raise ValueError(f"{argument} {str(path)!r} was not written by {writer}")
    return state


def _check_parameter_names(argument, names, estimator):
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


def _search_fingerprint(search, X, y):
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
        "return_train_score": getattr(search, "return_train_score", False),
    }


def _write_atomically(path, payload):
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


class HyperoptSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyper-parameter search with hyperopt (TPE by default), the scikit-learn way.

    Like :class:`~sklearn.model_selection.RandomizedSearchCV`, but the next
    candidate is proposed by hyperopt from the scores seen so far. Each trial
    cross-validates a clone of ``estimator`` with the drawn parameters; the
    trials are written to ``trials_file`` after every evaluation, so an
    interrupted search started again with the same file resumes where it
    stopped (and, with a fixed ``random_state``, proposes the same candidates
    an uninterrupted search would have).

    Parameters
    ----------
    estimator : estimator
        Cloned for every trial.
    space : dict of str -> hyperopt expression
        Parameter names of ``estimator`` (``step__param`` for a Pipeline) mapped to
        ``hp.choice`` / ``hp.uniform`` / ... expressions or fixed values; see
        :func:`sklearn_fer.search.seed_space` for the seed report's spaces.
    max_evals : int, default=25
        Total number of trials, counting those resumed from ``trials_file``.
    algo : {"tpe", "rand", "anneal"} or callable, default="tpe"
    scoring : str, callable, dict or None, default=None
        ``None`` uses the shared FER scorers (:func:`sklearn_fer.metrics.fer_scorers`).
    refit : bool or str, default="accuracy"
        The metric that selects the best trial (a key of ``scoring``; with a
        single str/callable scoring use ``True``). ``False`` selects on the
        first metric and does not refit.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn (stratified 5-fold for classifiers); pass
        :func:`sklearn_fer.datasets.official_split` for the official protocol.
    n_jobs : int, default=None
        Folds evaluated in parallel (joblib; use ``joblib.parallel_backend("dask")``
        to run them on a Dask cluster). A single split (the official protocol)
        runs in the calling process, with all its threads.
    trials_file : str or path, default=None
        Where to keep the trials (pickle). ``None`` keeps them in memory only.
        The file is tied to the search: resuming it over other parameters, data,
        splitter, scoring or estimator settings (except ``verbose``) raises a
        ``ValueError``.
    trial_process : {"in-process", "spawn"}, default="in-process"
        Where a trial runs. "spawn" runs it in a freshly spawned worker process
        (never forked, so safe with TensorFlow), isolating its memory.
    error_score : "raise" or float, default=np.nan
        Score of a failed fit; a trial whose selection score is NaN counts as failed.
    random_state : int or None, default=None
        Seeds hyperopt's proposals.
    verbose : int, default=1
        0: silent; 1: a progress bar with the best score so far.
    refit_params : dict, default=None
        Parameters set on the best trial's estimator for the refit only, e.g.
        ``{"epochs": 30}``: the trials are compared on a short epoch budget
        (affordable on a CPU) and the chosen parameters are trained on the full
        budget. They override ``best_params_`` where both name a parameter.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the best trial as real values (``space_eval``), e.g.
        ``{"kernel_size": 5}``, not the index of the choice.
    best_score_ : float
        Mean cross-validated score of the best trial on the ``refit`` metric.
    best_index_ : int
        Row of the best trial in ``cv_results_``.
    best_estimator_ : estimator
        ``estimator`` refitted on all the data with ``best_params_`` (if ``refit``).
    cv_results_ : dict of numpy arrays
        One row per trial, in scikit-learn's layout (``params``, ``param_<name>``,
        ``mean_test_<metric>``, ``std_test_<metric>``, ``split<k>_test_<metric>``,
        ``rank_test_<metric>``, ``mean_fit_time``, ...) plus ``trial_status``;
        ``pandas.DataFrame(search.cv_results_)`` gives the trial table.
    trials_ : hyperopt.Trials
    n_resumed_trials_ : int
        Trials loaded from ``trials_file`` rather than evaluated in this ``fit``.
    refit_time_ : float
        Seconds spent refitting the best estimator.
    scorer_ : dict
    multimetric_ : bool

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
        trial_process="in-process",
        error_score=np.nan,
        random_state=None,
        verbose=1,
        refit_params=None,
    ):
        self.estimator = estimator
        self.space = space
        self.max_evals = max_evals
        self.algo = algo
        self.scoring = scoring
        self.refit = refit
        self.cv = cv
        self.n_jobs = n_jobs
        self.trials_file = trials_file
        self.trial_process = trial_process
        self.error_score = error_score
        self.random_state = random_state
        self.verbose = verbose
        self.refit_params = refit_params

    # -- validation -------------------------------------------------------------------------------

    def _scorers(self):
        if self.scoring is None:
            from ..metrics import fer_scorers

            return fer_scorers(), True
        if isinstance(self.scoring, dict):
            return dict(self.scoring), True
        return {"score": check_scoring(self.estimator, self.scoring)}, False

    def _selection_metric(self, scorers, multimetric):
        if isinstance(self.refit, str):
            if self.refit not in scorers:
                raise ValueError(f"refit={self.refit!r} is not a scoring metric; the metrics are {sorted(scorers)}")
            return self.refit
        if multimetric and self.refit:
            raise ValueError(f"refit=True with multi-metric scoring: name the selection metric, one of {sorted(scorers)}")
        return next(iter(scorers))

    def _check_search_params(self):
        if not isinstance(self.space, dict) or not self.space:
            raise ValueError(f"space must be a non-empty dict of parameter name -> hyperopt expression, got {self.space!r}")
        _check_parameter_names("space", self.space, self.estimator)
        if not isinstance(self.max_evals, (int, np.integer)) or self.max_evals < 1:
            raise ValueError(f"max_evals must be a positive int, got {self.max_evals!r}")
        if self.refit_params is not None:
            if not isinstance(self.refit_params, dict):
                raise ValueError(f"refit_params must be a dict of parameter name -> value or None, got {self.refit_params!r}")
            _check_parameter_names("refit_params", self.refit_params, self.estimator)
        if self.trial_process not in _TRIAL_PROCESSES:
            raise ValueError(f"trial_process={self.trial_process!r}: expected one of {_TRIAL_PROCESSES}")
        _suggest(self.algo)

    # -- trials on disk -----------------------------------------------------------------------------

    def _load_or_start_trials(self, X, y):
        import hyperopt

        seed = self.random_state if self.random_state is not None else int(np.random.SeedSequence().entropy % 2**32)
        state = {"format": _TRIALS_FORMAT, "parameters": sorted(self.space), "seed": seed, "trials": hyperopt.Trials()}
        if self.trials_file is None:  # nothing to resume or save: no need to hash the data
            return state
        fingerprint = state["fingerprint"] = _search_fingerprint(self, X, y)
        if not Path(self.trials_file).exists():
            return state
        path = str(self.trials_file)
        saved = _read_saved_state(path, fmt=_TRIALS_FORMAT, argument="trials_file", kind="trials file", writer="HyperoptSearchCV")
        if saved["parameters"] != state["parameters"]:
            raise ValueError(
                f"trials_file {path!r} holds a search over {saved['parameters']}, "
                f"not over {state['parameters']}; use another file to start a new search"
            )
        if "fingerprint" not in saved:  # written before trials files recorded them: nothing to check against
            warnings.warn(f"trials_file {path!r} does not record the data and settings of its search; resuming it unchecked")
            return {**saved, "fingerprint": fingerprint}
        changed = [what for what, value in fingerprint.items() if saved["fingerprint"].get(what) != value]
        if changed:
            raise ValueError(
                f"trials_file {path!r} belongs to a search with other {', '.join(changed)}; "
                "delete it or name another trials_file to start afresh"
            )
        return saved

    def _save_trials(self, state):
        if self.trials_file is not None:
            _write_atomically(self.trials_file, state)

    # -- search --------------------------------------------------------------------------------------

    def _objective(self, X, y, cv, scorers, metric, fit_params, pool):
        # joblib runs even a lone fold in a worker process capped at cpu_count // n_jobs threads (a
        # CNN trial's typical epoch took 138-140 ms per step there, 116-124 here); None keeps it here,
        # or on the backend of an enclosing joblib.parallel_backend (Dask).
        n_jobs = self.n_jobs if cv.get_n_splits(X, y) > 1 else None

        def evaluate(params):
            import hyperopt

            estimator = clone(self.estimator).set_params(**params)
            arguments = (estimator, X, y, cv, scorers, n_jobs, self.error_score, fit_params)
            error = None
            try:
                if pool is None:
                    scores = _cross_validate_trial(*arguments)
                else:
                    scores = pool.submit(_cross_validate_trial, *arguments).result()
            except ValueError as raised:
                # scikit-learn raises when every fold of a candidate failed, whatever error_score says;
                # that makes this one trial a failure, not the whole search.
                if self.error_score == "raise":
                    raise
                error = str(raised).strip()
                scores = self._failed_scores(cv.get_n_splits(X, y), scorers)
            folds = {key: np.asarray(value, dtype=float).tolist() for key, value in scores.items()}
            mean = float(np.mean(folds[f"test_{metric}"]))
            ok = np.isfinite(mean)
            return {
                "status": hyperopt.STATUS_OK if ok else hyperopt.STATUS_FAIL,
                "loss": -mean if ok else None,
                "folds": folds,
                "params": params,
                "error": error,
            }

        return evaluate

    @staticmethod
    def _failed_scores(n_splits, scorers):
        nan = [np.nan] * n_splits
        return {"fit_time": nan, "score_time": nan, **{f"test_{metric}": nan for metric in scorers}}

    @contextlib.contextmanager
    def _trial_pool(self):
        """``None`` (run trials here) or one spawned worker process reused by every trial."""
        if self.trial_process == "in-process":
            yield None
            return
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool

    def _run_trials(self, state, objective):
        import hyperopt
        from tqdm.auto import tqdm

        trials = state["trials"]
        suggest = _suggest(self.algo)
        progress = tqdm(total=self.max_evals, initial=len(trials.trials), desc="hyperopt trials", disable=not self.verbose)
        with progress:
            while len(trials.trials) < self.max_evals:
                # A per-trial generator keyed on (seed, trial number) is what makes a resumed
                # search propose the same candidates as an uninterrupted one.
                rstate = np.random.default_rng([state["seed"], len(trials.trials)])
                try:
                    hyperopt.fmin(
                        objective, self.space, algo=suggest, max_evals=len(trials.trials) + 1, trials=trials,
                        rstate=rstate, show_progressbar=False, return_argmin=False,
                    )
                except hyperopt.exceptions.AllTrialsFailed:
                    pass  # fmin's closing argmin finds no success yet; the failed trial is recorded all the same
                self._save_trials(state)
                progress.update(1)
                losses = [loss for loss in trials.losses() if loss is not None]
                if losses:
                    progress.set_postfix(best=f"{-min(losses):.4f}")

    def fit(self, X, y=None, **fit_params):
        """Run the trials (resuming from ``trials_file``), then refit the best parameters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or images
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Passed to the estimator's ``fit`` in every trial and in the refit.

        Returns
        -------
        self : HyperoptSearchCV
        """
        from hyperopt import STATUS_OK

        self._check_search_params()
        scorers, self.multimetric_ = self._scorers()
        metric = self._selection_metric(scorers, self.multimetric_)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        state = self._load_or_start_trials(X, y)
        self.n_resumed_trials_ = len(state["trials"].trials)
        with self._trial_pool() as pool:
            self._run_trials(state, self._objective(X, y, cv, scorers, metric, fit_params, pool))
        self.trials_ = state["trials"]
        self.scorer_ = scorers
        self.cv_results_ = self._results_table(self.trials_, scorers)
        if not any(trial["result"]["status"] == STATUS_OK for trial in self.trials_.trials):
            last_error = self.trials_.trials[-1]["result"].get("error") or "score NaN"
            raise ValueError(
                f"all {len(self.trials_.trials)} hyperopt trials failed; the last one with: {last_error[:500]} "
                "(error_score='raise' shows the original exception)"
            )
        self.best_index_ = int(np.nanargmax(self.cv_results_[f"mean_test_{metric}"]))
        self.best_params_ = self._best_params()
        self.best_score_ = float(self.cv_results_[f"mean_test_{metric}"][self.best_index_])
        if self.refit:
            start = time.perf_counter()
            refit_params = {**self.best_params_, **(self.refit_params or {})}
            self.best_estimator_ = clone(self.estimator).set_params(**refit_params).fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _best_params(self):
        from hyperopt import space_eval

        best = self.trials_.trials[self.best_index_]
        values = {label: vals[0] for label, vals in best["misc"]["vals"].items() if vals}
        return space_eval(self.space, values)

    @staticmethod
    def _results_table(trials, scorers):
        rows = [trial["result"] for trial in trials.trials]
        params = [row["params"] for row in rows]
        results = {"params": params, "trial_status": np.array([row["status"] for row in rows])}
        for name in sorted({key for p in params for key in p}):
            column = np.ma.masked_all(len(params), dtype=object)
            for i, p in enumerate(params):
                if name in p:
                    column[i] = p[name]
            results[f"param_{name}"] = column
        for key in ("fit_time", "score_time"):
            times = np.array([row["folds"][key] for row in rows], dtype=float)
            results[f"mean_{key}"], results[f"std_{key}"] = times.mean(axis=1), times.std(axis=1)
        for metric in scorers:
            folds = np.array([row["folds"][f"test_{metric}"] for row in rows], dtype=float)
            for k in range(folds.shape[1]):
                results[f"split{k}_test_{metric}"] = folds[:, k]
            mean = folds.mean(axis=1)
            results[f"mean_test_{metric}"], results[f"std_test_{metric}"] = mean, folds.std(axis=1)
            # Failed trials (NaN) rank last.
            ranks = rankdata(np.where(np.isnan(mean), np.inf, -mean), method="min").astype(np.int32)
            results[f"rank_test_{metric}"] = ranks
        return results

    # -- the best estimator's methods -------------------------------------------------------------

    @property
    def classes_(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with ``best_estimator_``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from ``best_estimator_``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    def score(self, X, y=None):
        """The selection metric of ``best_estimator_`` on ``(X, y)``."""
        check_is_fitted(self, "best_estimator_")
        scorers, multimetric = self._scorers()
        return scorers[self._selection_metric(scorers, multimetric)](self.best_estimator_, X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator_tags = self.estimator.__sklearn_tags__()
        tags.estimator_type = estimator_tags.estimator_type
        tags.classifier_tags = estimator_tags.classifier_tags
        tags.input_tags = estimator_tags.input_tags
        return tags
