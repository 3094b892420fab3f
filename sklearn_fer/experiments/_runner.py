"""Building and running a named experiment: fit on Training, score PublicTest, write the outputs."""

import json
import platform
import time
from pathlib import Path

from ._recipes import Settings
from ._registry import EXPERIMENTS

SYNTHETIC_SOURCE = "synthetic faces (embedded demo data)"
# Synthetic faces a run without data splits 80/20 into train and test; quick runs are smoke runs, not measurements.
N_SYNTHETIC = 1400
N_SYNTHETIC_QUICK = 700


def _experiment(name):
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; known experiments: {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def make_experiment(
    name, *, quick=False, aux_data=None, random_state=0, verbose=0, n_jobs=None, max_evals=None, trials_file=None, dtype_policy="auto"
):
    """The unfitted estimator of a named experiment.

    Parameters
    ----------
    name : str
        One of :data:`EXPERIMENTS`.
    quick : bool, default=False
        Tiny networks and 2 epochs (smoke runs, tests, the README demo).
    aux_data : tuple (X, y) or None
        Source / auxiliary data (MNIST) for "transfer" and "multitask";
        ``None`` uses scikit-learn's bundled digits.
    random_state : int, default=0
    verbose : int, default=0
        0: silent; 1: one line per epoch, search progress bars; 2 and up: Keras progress bars too.
    n_jobs : int, default=None
        Parallel HOG extraction / search candidates.
    max_evals : int, default=None
        Trials of the hyperopt experiments (default: the baseline report's 25; 2 when ``quick``).
    trials_file : path, default=None
        Where a search experiment keeps its finished hyperopt trials or grid
        candidates, so that fitting it again resumes the search.
    dtype_policy : str, default="auto"
        Keras dtype policy of the networks; ``"auto"``: the fastest one this
        machine runs natively (:func:`sklearn_fer.networks.resolve_dtype_policy`).

    Returns
    -------
    estimator : Pipeline, classifier, GridSearchCV or HyperoptSearchCV
    """
    settings = Settings(quick, aux_data, random_state, verbose, n_jobs, max_evals, trials_file, dtype_policy)
    return _experiment(name).build(settings)


def load_experiment_data(data=None, *, n_synthetic=N_SYNTHETIC, random_state=0, progress=True):
    """``(X_train, y_train, X_test, y_test, source)``: FER2013 Training / PublicTest, or synthetic faces."""
    from ..datasets import load_fer2013, make_synthetic_faces

    if data is None:
        faces = make_synthetic_faces(n_synthetic, random_state=random_state)
        split = int(0.8 * n_synthetic)
        return faces.data[:split], faces.target[:split], faces.data[split:], faces.target[split:], SYNTHETIC_SOURCE
    fer = load_fer2013(data, usage=["Training", "PublicTest"], progress=progress)
    train, test = fer.usage == "Training", fer.usage == "PublicTest"
    if not train.any() or not test.any():
        raise ValueError(f"{data}: experiments need both Training and PublicTest samples; found {sorted(set(fer.usage))}")
    return fer.data[train], fer.target[train], fer.data[test], fer.target[test], str(data)


def _environment():
    import sklearn

    versions = {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "architecture": platform.machine()}
    try:
        import keras
        import tensorflow as tf

        versions.update(tensorflow=tf.__version__, keras=keras.__version__)
    except ImportError:  # pragma: no cover - networks are optional at run time
        pass
    return versions


def fitted_network(estimator):
    """The fitted last step (the best one of a search), where ``history_`` lives."""
    estimator = getattr(estimator, "best_estimator_", estimator)
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


def run_experiment(
    name, *, data=None, out="sklearn-fer-output", quick=False, aux_data=None, random_state=0, verbose=0, n_jobs=None, max_evals=None,
    dtype_policy="auto",
):
    """Fit a named experiment on Training, score PublicTest, and write its outputs.

    Writes into ``out/<name>/``: ``results.json`` (shared metrics, parameters,
    best parameters of a search, fit / predict times, ``environment``: library
    versions and CPU architecture, ``machine``: CPU model, cores and arithmetic),
    ``confusion_matrix.png``, ``loss_curve.png`` (networks; an ensemble's
    ``results.json`` holds each member's history instead),
    ``search_results.csv`` (searches: one row per candidate) and the fitted
    model (``model.keras`` for networks, ``model.joblib`` otherwise). Search
    experiments keep their finished hyperopt trials or grid candidates in
    ``trials.pkl`` (``trials-quick.pkl`` with ``quick``): running the same
    command again after an interruption resumes the search; delete the file to
    start afresh.

    Parameters
    ----------
    name : str
        One of :data:`EXPERIMENTS`.
    data : path or None
        FER2013 (any layout :func:`~sklearn_fer.datasets.load_fer2013` reads); ``None``
        uses the embedded synthetic faces.
    out : path
        Output folder (one sub-folder per experiment).
    quick, aux_data, random_state, verbose, n_jobs, max_evals, dtype_policy
        As in :func:`make_experiment`.

    Returns
    -------
    results : dict
        What ``results.json`` holds.
    """
    import joblib
    import matplotlib.pyplot as plt
    import pandas as pd

    from ..metrics import evaluate, plot_confusion_matrix, plot_history, score_predictions
    from ..networks import describe_machine, resolve_dtype_policy

    experiment = _experiment(name)
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    trials_file = folder / ("trials-quick.pkl" if quick else "trials.pkl") if experiment.kind == "search" else None
    settings = Settings(quick, aux_data, random_state, verbose, n_jobs, max_evals, trials_file, dtype_policy)
    estimator = experiment.build(settings)
    n_synthetic = N_SYNTHETIC_QUICK if quick else N_SYNTHETIC
    X_train, y_train, X_test, y_test, source = load_experiment_data(
        data, n_synthetic=n_synthetic, random_state=random_state, progress=verbose > 0
    )
    start = time.time()
    results, y_pred = evaluate(estimator, X_test, y_test, X_fit=X_train, y_fit=y_train, return_predictions=True)
    results.update(
        experiment=name,
        description=experiment.describe(settings),
        data=source,
        quick=quick,
        random_state=random_state,
        n_train=int(len(y_train)),
        dtype_policy=resolve_dtype_policy(dtype_policy),
        wall_seconds=time.time() - start,
        baseline_figure=experiment.baseline_figure,
        params={k: repr(v) for k, v in estimator.get_params(deep=False).items() if k != "steps"},
        environment=_environment(),
        machine=describe_machine(),
    )
    if hasattr(estimator, "best_params_"):
        results.update(best_params=estimator.best_params_, best_validation_score=estimator.best_score_)
        for resumed in ("n_resumed_trials_", "n_resumed_candidates_"):
            if hasattr(estimator, resumed):
                results[resumed.rstrip("_")] = getattr(estimator, resumed)
        pd.DataFrame(estimator.cv_results_).to_csv(folder / "search_results.csv", index=False)
    figure = plot_confusion_matrix(y_test, y_pred, title=f"{name}: {_test_split_name(source)}")
    figure.savefig(folder / "confusion_matrix.png", dpi=110)
    plt.close(figure)
    network = fitted_network(estimator)
    if hasattr(network, "history_"):
        results["history"] = dict(network.history_)
        figure = plot_history(network.history_, title=f"{name}: training history")
        figure.savefig(folder / "loss_curve.png", dpi=110)
        plt.close(figure)
    members = getattr(estimator, "named_estimators_", {})  # an ensemble's members
    member_histories = {name: dict(member.history_) for name, member in members.items() if hasattr(member, "history_")}
    if member_histories:
        results["member_histories"] = member_histories
    if members:  # what the ensemble gains over each of its members
        results["member_scores"] = {name: score_predictions(y_test, member.predict(X_test)) for name, member in members.items()}
    if hasattr(getattr(estimator, "best_estimator_", estimator), "save"):
        network.save(folder / "model.keras")
    else:
        joblib.dump(getattr(estimator, "best_estimator_", estimator), folder / "model.joblib")
    (folder / "results.json").write_text(json.dumps(results, indent=1, default=str))
    return results


def _test_split_name(source):
    return "held-out synthetic faces" if source == SYNTHETIC_SOURCE else "PublicTest"


def finished_results(name, *, out, data=None, quick=False, random_state=0):
    """The ``results.json`` of an earlier run of ``name`` on the same data, mode and seed, or ``None``.

    Lets ``sklearn-fer benchmark --resume`` build a long table across interruptions.
    A ``results.json`` without ``random_state`` counts as seed 0, the default.
    """
    path = Path(out) / name / "results.json"
    if not path.is_file():
        return None
    results = json.loads(path.read_text())
    source = SYNTHETIC_SOURCE if data is None else str(data)
    same_run = results.get("data") == source and results.get("quick") == quick and results.get("random_state", 0) == random_state
    return results if same_run else None
