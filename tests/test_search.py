"""Searches: hpsklearn components, the baseline report presets, the resumable HyperoptSearchCV, Dask."""

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hyperopt import hp
from hyperopt.pyll.stochastic import sample
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from _fixtures import SlowCentroidClassifier
from sklearn_fer.datasets import official_split
from sklearn_fer.search import (
    BASELINE_CNN_GRID,
    HyperoptSearchCV,
    ResumableGridSearchCV,
    cnn_classifier,
    multitask_cnn_classifier,
    pixel_scaler,
    baseline_component,
    baseline_grid_search,
    baseline_hyperopt_search,
    baseline_space,
    spawned_trials,
)

TESTS = Path(__file__).parent
TINY_CNN = dict(filters=(4, 8), dense_units=16, epochs=1, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def small_faces():
    from sklearn_fer.datasets import make_synthetic_faces

    return make_synthetic_faces(210, random_state=3)


# -- components ------------------------------------------------------------------------------------


def _searchable_classes():
    from sklearn_fer import all_estimators

    return [(name, cls) for name, cls in all_estimators() if getattr(cls, "_search_space", None)]


@pytest.mark.parametrize("class_name", [name for name, _ in _searchable_classes()])
def test_every_class_with_a_search_space_has_a_component(class_name):
    import sklearn_fer.search
    from sklearn_fer.search._components import component_name

    component = getattr(sklearn_fer.search, component_name(class_name))
    _check_component_draws_unfitted_estimators_that_vary(component, class_name)


def test_the_components_include_every_network_and_the_classical_transformers():
    names = {name for name, _ in _searchable_classes()}
    assert {"FNNClassifier", "CNNClassifier", "TransferCNNClassifier", "MultiTaskCNNClassifier", "ModernCNNClassifier"} <= names
    assert {"HOGTransformer", "LBPTransformer", "PixelScaler", "ImageStandardizer", "ZCAWhitening"} <= names
    assert multitask_cnn_classifier.__name__ == "multitask_cnn_classifier" and "Searched by default" in cnn_classifier.__doc__


def _check_component_draws_unfitted_estimators_that_vary(component, class_name):
    drawn = [sample(component("c"), rng=np.random.default_rng(seed)) for seed in range(6)]
    assert all(type(e).__name__ == class_name for e in drawn)
    assert len({repr(sorted(e.get_params().items())) for e in drawn}) > 1, "the default space should vary something"
    labels = {str(node.arg["label"].obj) for node in _hyperparameters(component("c"))}
    assert labels and all(label.startswith("c.") for label in labels)


def _hyperparameters(node):
    from hyperopt.pyll import dfs

    return [n for n in dfs(node) if n.name == "hyperopt_param"]


def test_fixed_arguments_override_the_default_distributions():
    node = cnn_classifier("cnn", kernel_size=5, epochs=3, dropout=hp.uniform("mine", 0.2, 0.21))
    labels = {str(n.arg["label"].obj) for n in _hyperparameters(node)}
    assert "cnn.kernel_size" not in labels and "mine" in labels and "cnn.dropout" not in labels
    for seed in range(4):
        cnn = sample(node, rng=np.random.default_rng(seed))
        assert cnn.kernel_size == 5 and cnn.epochs == 3 and 0.2 <= cnn.dropout <= 0.21


def test_components_reject_unknown_parameters():
    with pytest.raises(ValueError, match=r"CNNClassifier has no parameter\(s\) \['kernel'\]"):
        cnn_classifier("cnn", kernel=3)


def test_importing_search_and_a_transformer_component_does_not_import_tensorflow():
    code = (
        "import sys, sklearn_fer.search; sklearn_fer.search.hog_transformer('hog'); "
        "hasattr(sklearn_fer.search, '__wrapped__'); print('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# -- baseline presets ------------------------------------------------------------------------------------


def test_baseline_spaces_hold_the_baseline_values():
    draws = [sample(baseline_space("cnn"), rng=np.random.default_rng(s)) for s in range(40)]
    assert {d["kernel_size"] for d in draws} == {1, 3, 5}
    assert {d["optimizer"] for d in draws} == {"adam", "sgd"}
    assert all(0.1 <= d["dropout"] <= 0.35 for d in draws)
    draws = [sample(baseline_space("fnn", step="net"), rng=np.random.default_rng(s)) for s in range(40)]
    assert {d["net__activation"] for d in draws} == {"relu", "sigmoid", "tanh"}
    assert all(0.1 <= d["net__dropout"] <= 0.5 for d in draws)
    with pytest.raises(ValueError, match="no baseline space for 'svm'"):
        baseline_space("svm")


def test_baseline_presets_are_configured_like_the_baseline_report():
    search = baseline_hyperopt_search("cnn")
    assert search.max_evals == 25 and search.algo == "tpe" and type(search.estimator).__name__ == "CNNClassifier"
    grid = baseline_grid_search()
    assert grid.param_grid == BASELINE_CNN_GRID == {"dropout": [0.1, 0.2, 0.3, 0.4, 0.5], "kernel_size": [2, 3]}
    assert grid.refit == "accuracy" and {"accuracy", "balanced_accuracy", "f1_macro"} <= set(grid.scoring)
    node = baseline_component("cnn", "baseline", epochs=2)
    assert {str(n.arg["label"].obj) for n in _hyperparameters(node)} == {"baseline.kernel_size", "baseline.dropout", "baseline.optimizer"}


def test_baseline_grid_on_the_official_split_refits_on_the_chosen_metric(small_faces):
    from sklearn_fer.estimators import CNNClassifier

    usage = np.where(np.arange(len(small_faces.target)) < 150, "Training", "PublicTest")
    search = baseline_grid_search(
        CNNClassifier(**TINY_CNN), param_grid={"dropout": [0.1, 0.5], "kernel_size": [2, 3]}, cv=official_split(usage), refit="balanced_accuracy"
    )
    search.fit(small_faces.data, small_faces.target)
    results = search.cv_results_
    assert len(results["params"]) == 4 and "mean_test_f1_macro" in results and "mean_test_recall_disgust" in results
    assert search.best_index_ == int(np.argmin(results["rank_test_balanced_accuracy"]))
    assert search.best_estimator_.dropout == search.best_params_["dropout"]
    assert search.predict(small_faces.data[:5]).shape == (5,)


def test_integer_cv_of_a_search_over_a_network_is_stratified():
    from sklearn.model_selection import check_cv

    search = baseline_grid_search(cv=5)
    assert isinstance(check_cv(search.cv, np.arange(20) % 2, classifier=True), StratifiedKFold)
    from sklearn.base import is_classifier

    assert is_classifier(search.estimator) and is_classifier(HyperoptSearchCV(search.estimator, baseline_space("cnn")))


# -- ResumableGridSearchCV ----------------------------------------------------------------------------


class InterruptibleCentroids(SlowCentroidClassifier):
    """Counts its fits, and raises KeyboardInterrupt (as Ctrl-C would) when fitted with ``interrupt_at``."""

    interrupt_at = None
    n_fits = 0

    def fit(self, X, y):
        if self.shrink == type(self).interrupt_at:
            raise KeyboardInterrupt
        type(self).n_fits += 1
        return super().fit(X, y)


SHRINK_GRID = {"shrink": [0.0, 0.25, 0.5, 0.75, 1.0]}


def _fits_of(search, X, y):
    InterruptibleCentroids.n_fits = 0
    search.fit(X, y)
    return InterruptibleCentroids.n_fits


def test_an_interrupted_grid_search_resumes_where_it_stopped(tmp_path, monkeypatch):
    X, y = _digits()
    checkpoint = tmp_path / "grid.pkl"
    monkeypatch.setattr(InterruptibleCentroids, "interrupt_at", 0.75)
    with pytest.raises(KeyboardInterrupt):
        ResumableGridSearchCV(InterruptibleCentroids(), SHRINK_GRID, cv=2, checkpoint=checkpoint).fit(X, y)
    monkeypatch.setattr(InterruptibleCentroids, "interrupt_at", None)

    resumed = ResumableGridSearchCV(InterruptibleCentroids(), SHRINK_GRID, cv=2, checkpoint=checkpoint)
    # Only the two unfinished candidates are fitted (2 folds each), then the refit.
    assert _fits_of(resumed, X, y) == 2 * 2 + 1 and resumed.n_resumed_candidates_ == 3
    plain = GridSearchCV(InterruptibleCentroids(), SHRINK_GRID, cv=2)
    assert _fits_of(plain, X, y) == 5 * 2 + 1
    assert resumed.cv_results_["params"] == plain.cv_results_["params"]
    for key in ("mean_test_score", "split0_test_score", "split1_test_score", "rank_test_score"):
        np.testing.assert_array_equal(resumed.cv_results_[key], plain.cv_results_[key])
    assert resumed.best_params_ == plain.best_params_ and resumed.best_estimator_.shrink == plain.best_params_["shrink"]
    np.testing.assert_array_equal(resumed.predict(X), plain.predict(X))
    assert not hasattr(resumed, "_saved") and pickle.loads(pickle.dumps(resumed)).best_index_ == plain.best_index_

    # Everything saved: scikit-learn's search needs one evaluation, so only the last candidate runs again.
    again = ResumableGridSearchCV(InterruptibleCentroids(), SHRINK_GRID, cv=2, checkpoint=checkpoint)
    assert _fits_of(again, X, y) == 1 * 2 + 1 and again.n_resumed_candidates_ == 4
    np.testing.assert_array_equal(again.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"])

    # A wider grid over the same search reuses the saved candidates.
    wider = ResumableGridSearchCV(InterruptibleCentroids(), {"shrink": [0.0, 0.1, 0.25]}, cv=2, checkpoint=checkpoint)
    assert _fits_of(wider, X, y) == 1 * 2 + 1 and wider.n_resumed_candidates_ == 2
    assert [p["shrink"] for p in wider.cv_results_["params"]] == [0.0, 0.1, 0.25]


def test_grid_checkpoint_of_another_search_is_refused(tmp_path):
    X, y = _digits()
    checkpoint = tmp_path / "grid.pkl"
    ResumableGridSearchCV(InterruptibleCentroids(), {"shrink": [0.0, 0.5]}, cv=2, checkpoint=checkpoint).fit(X, y)
    others = {
        "data": (dict(cv=2), X[:200], y[:200]),
        "cv": (dict(cv=3), X, y),
        "scoring": (dict(cv=2, scoring="balanced_accuracy"), X, y),
        "estimator": (dict(cv=2, estimator=InterruptibleCentroids(delay=0.01)), X, y),
    }
    for what, (settings, X_other, y_other) in others.items():
        settings = {"estimator": InterruptibleCentroids(), **settings}
        search = ResumableGridSearchCV(param_grid={"shrink": [0.0, 0.5]}, checkpoint=checkpoint, **settings)
        with pytest.raises(ValueError, match=f"belongs to a search with other {what};.*delete it"):
            search.fit(X_other, y_other)
    # verbosity is not part of a search's identity
    ResumableGridSearchCV(InterruptibleCentroids(), {"shrink": [0.0, 0.5]}, cv=2, verbose=1, checkpoint=checkpoint).fit(X, y)
    (tmp_path / "other.pkl").write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(ValueError, match="other.pkl.*not written by ResumableGridSearchCV"):
        ResumableGridSearchCV(InterruptibleCentroids(), {"shrink": [0.0]}, cv=2, checkpoint=tmp_path / "other.pkl").fit(X, y)
    with pytest.raises(ValueError, match="checkpoint"):
        ResumableGridSearchCV(InterruptibleCentroids(), {"shrink": [0.0]}, cv=2, checkpoint=3).fit(X, y)


class RecordingCentroids(SlowCentroidClassifier):
    """Records the (shrink, delay) of every fit, to tell the candidates' fits from the refit."""

    fits = []

    def fit(self, X, y):
        type(self).fits.append((self.shrink, self.delay))
        return super().fit(X, y)


@pytest.mark.parametrize("search_class", ["grid", "hyperopt"])
def test_refit_params_apply_to_the_refit_only(tmp_path, search_class):
    X, y = _digits()
    grid = {"shrink": [0.0, 0.5, 0.9]}
    if search_class == "grid":
        make = lambda **extra: ResumableGridSearchCV(  # noqa: E731
            RecordingCentroids(), grid, cv=2, scoring=["accuracy", "f1_macro"], refit="accuracy", **extra
        )
    else:
        space = {"shrink": hp.choice("shrink", grid["shrink"])}
        make = lambda **extra: HyperoptSearchCV(RecordingCentroids(), space, max_evals=5, cv=2, random_state=0, verbose=0, **extra)  # noqa: E731
    plain = make().fit(X, y)
    RecordingCentroids.fits = []
    search = make(refit_params={"delay": 0.001}).fit(X, y)
    *candidate_fits, refit = RecordingCentroids.fits
    # The candidates are compared with the estimator's own settings, the chosen one refitted with refit_params.
    assert {delay for _, delay in candidate_fits} == {0.0} and refit == (search.best_params_["shrink"], 0.001)
    assert search.best_params_ == plain.best_params_ and search.best_index_ == plain.best_index_
    assert search.best_score_ == plain.best_score_ and search.refit_time_ >= 0.001
    assert search.best_estimator_.delay == 0.001 and search.refit_params == {"delay": 0.001}
    np.testing.assert_array_equal(search.predict(X), plain.predict(X))
    # Where both name a parameter, refit_params wins (the searched value stays in best_params_).
    overridden = make(refit_params={"shrink": 1.0}).fit(X, y)
    assert overridden.best_estimator_.shrink == 1.0 and overridden.best_params_ == plain.best_params_
    with pytest.raises(ValueError, match=r"refit_params names parameter\(s\) \['epochs'\] that RecordingCentroids does not have"):
        make(refit_params={"epochs": 30}).fit(X, y)


def test_grid_refit_params_need_a_selection_metric():
    X, y = _digits()
    with pytest.raises(ValueError, match="refit_params needs refit to name the selection metric"):
        ResumableGridSearchCV(
            SlowCentroidClassifier(), {"shrink": [0.0, 0.5]}, cv=2, scoring=["accuracy", "f1_macro"], refit=False,
            refit_params={"delay": 0.0},
        ).fit(X, y)
    single = ResumableGridSearchCV(SlowCentroidClassifier(), {"shrink": [0.0, 0.5]}, cv=2, refit_params={"delay": 0.0}).fit(X, y)
    assert single.best_params_ == GridSearchCV(SlowCentroidClassifier(), {"shrink": [0.0, 0.5]}, cv=2).fit(X, y).best_params_


# -- HyperoptSearchCV ------------------------------------------------------------------------------------


class PidRecordingCentroids(SlowCentroidClassifier):
    """Appends the id of the process that fits it to ``record`` (a file), wherever joblib runs it."""

    def __init__(self, shrink=0.0, delay=0.0, record=None):
        super().__init__(shrink=shrink, delay=delay)
        self.record = record

    def fit(self, X, y):
        with open(self.record, "a") as record:
            record.write(f"{os.getpid()}\n")
        return super().fit(X, y)


@pytest.mark.parametrize("n_jobs, fits_here", [(None, True), (2, False)])
def test_hyperopt_folds_run_here_or_in_joblib_workers_as_in_grid_search(tmp_path, n_jobs, fits_here):
    X, y = _digits()
    record = tmp_path / "pids.txt"
    space = {"shrink": hp.uniform("shrink", 0, 1)}
    HyperoptSearchCV(PidRecordingCentroids(record=str(record)), space, max_evals=2, cv=2, n_jobs=n_jobs, refit=False, verbose=0).fit(X, y)
    pids = set(record.read_text().split())
    assert (pids == {str(os.getpid())}) is fits_here


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300] % 7


def test_hyperopt_search_reports_real_values_not_choice_indices():
    X, y = _digits()
    space = {"shrink": hp.choice("shrink", [0.0, 0.5, 0.9, 0.99])}
    search = HyperoptSearchCV(SlowCentroidClassifier(), space, max_evals=6, cv=3, random_state=0, verbose=0).fit(X, y)
    table = pd.DataFrame(search.cv_results_)
    assert len(table) == 6 and set(table["param_shrink"]) <= {0.0, 0.5, 0.9, 0.99}
    assert search.best_params_["shrink"] in (0.0, 0.5, 0.9, 0.99)
    assert search.best_params_ == table["params"][search.best_index_]
    assert search.best_score_ == pytest.approx(table["mean_test_accuracy"].max())
    assert table["rank_test_accuracy"][search.best_index_] == 1
    assert search.best_estimator_.shrink == search.best_params_["shrink"]
    assert search.score(X, y) == pytest.approx(np.mean(search.predict(X) == y))
    assert {"split2_test_f1_macro", "mean_fit_time", "trial_status"} <= set(table.columns)


def test_hyperopt_search_validates_its_parameters():
    X, y = _digits()
    with pytest.raises(ValueError, match=r"does not have"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"shrinkage": hp.uniform("s", 0, 1)}, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match=r"refit must be set to a scorer key.*'auc' was passed"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.uniform("s", 0, 1)}, refit="auc", verbose=0).fit(X, y)
    with pytest.raises(ValueError, match=r"'algo' parameter of HyperoptSearchCV must be"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.uniform("s", 0, 1)}, algo="bayes", verbose=0).fit(X, y)
    with pytest.raises(ValueError, match=r"'max_evals' parameter of HyperoptSearchCV must be"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.uniform("s", 0, 1)}, max_evals=0, verbose=0).fit(X, y)


def test_trials_file_of_another_search_is_refused(tmp_path):
    X, y = _digits()
    path = tmp_path / "trials.pkl"
    HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.uniform("s", 0, 1)}, max_evals=1, trials_file=path, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match=r"holds a search over \['shrink'\], not over \['delay'\]"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"delay": hp.uniform("d", 0, 0.01)}, max_evals=2, trials_file=path, verbose=0).fit(X, y)
    others = {
        "data": (dict(), X[:200], y[:200]),
        "cv": (dict(cv=2), X, y),
        "scoring": (dict(scoring="balanced_accuracy", refit=True), X, y),
        "estimator": (dict(estimator=SlowCentroidClassifier(delay=0.001)), X, y),
    }
    for what, (settings, X_other, y_other) in others.items():
        settings = {"estimator": SlowCentroidClassifier(), **settings}
        search = HyperoptSearchCV(space={"shrink": hp.uniform("s", 0, 1)}, max_evals=2, trials_file=path, verbose=0, **settings)
        with pytest.raises(ValueError, match=f"belongs to a search with other {what};.*delete it"):
            search.fit(X_other, y_other)
    path.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="is not a readable HyperoptSearchCV checkpoint"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.uniform("s", 0, 1)}, trials_file=path, verbose=0).fit(X, y)


def test_hyperopt_search_clones_and_pickles():
    from sklearn.base import clone

    X, y = _digits()
    search = HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.uniform("shrink", 0, 1)}, max_evals=2, cv=2, random_state=0, verbose=0)
    copy = clone(search)
    assert copy.get_params()["max_evals"] == 2 and set(copy.space) == {"shrink"}
    fitted = pickle.loads(pickle.dumps(copy.fit(X, y)))
    np.testing.assert_array_equal(fitted.predict(X), copy.predict(X))
    assert fitted.best_params_ == copy.best_params_


def test_failed_trials_rank_last_and_all_failed_is_an_error():
    X, y = _digits()
    space = {"shrink": hp.choice("shrink", [0.0, "not a number"])}
    search = HyperoptSearchCV(SlowCentroidClassifier(), space, max_evals=6, cv=2, random_state=1, verbose=0).fit(X, y)
    table = pd.DataFrame(search.cv_results_)
    drawn = [[0.0, "not a number"][trial["misc"]["vals"]["shrink"][0]] for trial in search.trials_.trials]
    assert len(table) == 6 and table["param_shrink"].tolist() == drawn, "one row per trial, in trial order"
    failed = table["param_shrink"] == "not a number"
    assert failed.any() and (~failed).any(), "the draw should hold both values"
    assert (table["trial_status"][failed] == "fail").all() and (table["trial_status"][~failed] == "ok").all()
    assert table["rank_test_accuracy"][failed].min() > table["rank_test_accuracy"][~failed].max()
    assert search.best_params_ == {"shrink": 0.0}
    with pytest.raises(ValueError, match="all 2 hyperopt trials failed; the last one with: TypeError: unsupported operand type"):
        HyperoptSearchCV(SlowCentroidClassifier(), {"shrink": hp.choice("s", ["x"])}, max_evals=2, cv=2, verbose=0).fit(X, y)


def test_a_finished_trials_file_gives_the_same_results_again(tmp_path):
    X, y = _digits()
    space = {"shrink": hp.choice("shrink", [0.0, "not a number", 0.5, 0.9])}
    settings = dict(max_evals=5, cv=2, random_state=3, trials_file=tmp_path / "trials.pkl", verbose=0)
    first = HyperoptSearchCV(SlowCentroidClassifier(), space, **settings).fit(X, y)
    again = HyperoptSearchCV(SlowCentroidClassifier(), space, **settings).fit(X, y)
    assert first.n_resumed_trials_ == 0 and again.n_resumed_trials_ == 5
    assert again.cv_results_["params"] == first.cv_results_["params"] and "fail" in first.cv_results_["trial_status"]
    np.testing.assert_array_equal(again.cv_results_["trial_status"], first.cv_results_["trial_status"])
    np.testing.assert_allclose(again.cv_results_["mean_test_accuracy"], first.cv_results_["mean_test_accuracy"])
    np.testing.assert_array_equal(again.cv_results_["rank_test_accuracy"], first.cv_results_["rank_test_accuracy"])
    assert again.best_params_ == first.best_params_ and again.best_index_ == first.best_index_


INTERRUPTED_SEARCH = """
import sys
from hyperopt import hp
from _fixtures import SlowCentroidClassifier
from sklearn.datasets import load_digits
from sklearn_fer.search import HyperoptSearchCV

X, y = load_digits(return_X_y=True)
search = HyperoptSearchCV(SlowCentroidClassifier(delay={delay}), {{"shrink": hp.uniform("shrink", 0, 1)}},
                          max_evals=8, cv=2, random_state=7, trials_file=sys.argv[1], verbose=0)
search.fit(X[:300], y[:300] % 7)
"""


def _saved_trials(path):
    try:
        with open(path, "rb") as stream:
            return pickle.load(stream)["trials"].trials
    except FileNotFoundError:
        return []


def test_an_interrupted_search_resumes_where_it_stopped(tmp_path):
    trials_file = tmp_path / "trials.pkl"
    script = tmp_path / "search.py"
    script.write_text(textwrap.dedent(INTERRUPTED_SEARCH.format(delay=0.4)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, str(script), str(trials_file)], env=env)
    deadline = time.time() + 120
    while len(_saved_trials(trials_file)) < 3 and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # a hard interruption: nothing gets to clean up
    process.wait()
    done_before = len(_saved_trials(trials_file))
    assert 3 <= done_before < 8, f"the search should have been interrupted midway, it had {done_before} trials"

    X, y = _digits()
    space = {"shrink": hp.uniform("shrink", 0, 1)}
    resumed = HyperoptSearchCV(
        SlowCentroidClassifier(delay=0.4), space, max_evals=8, cv=2, random_state=7, trials_file=trials_file, verbose=0
    ).fit(X, y)
    assert resumed.n_resumed_trials_ == done_before and len(resumed.trials_.trials) == 8
    uninterrupted = HyperoptSearchCV(SlowCentroidClassifier(delay=0.0), space, max_evals=8, cv=2, random_state=7, verbose=0).fit(X, y)
    resumed_values = [p["shrink"] for p in resumed.cv_results_["params"]]
    assert resumed_values == pytest.approx([p["shrink"] for p in uninterrupted.cv_results_["params"]])
    assert len(_saved_trials(trials_file)) == 8


def test_hyperopt_search_of_a_keras_cnn_in_joblib_worker_processes(small_faces):
    from sklearn_fer.estimators import CNNClassifier

    search = HyperoptSearchCV(
        CNNClassifier(**TINY_CNN), baseline_space("cnn"), max_evals=2, cv=2, n_jobs=2, random_state=0, verbose=0
    )
    search.fit(small_faces.data, small_faces.target)
    assert search.best_params_["kernel_size"] in (1, 3, 5) and search.best_params_["optimizer"] in ("adam", "sgd")
    assert (search.cv_results_["trial_status"] == "ok").all()
    assert search.best_estimator_.kernel_size == search.best_params_["kernel_size"]
    assert search.predict_proba(small_faces.data[:4]).shape == (4, 7)


def test_hpsklearn_estimator_with_our_components_runs_keras_trials_safely(small_faces):
    from hpsklearn import HyperoptEstimator

    search = HyperoptEstimator(
        classifier=baseline_component("cnn", "cnn", **TINY_CNN), preprocessing=[pixel_scaler("scale")], max_evals=2, trial_timeout=300, seed=0
    )
    with spawned_trials():
        search.fit(small_faces.data, small_faces.target)
    assert all(t["result"]["status"] == "ok" for t in search.trials.trials)
    best = search.best_model()
    assert type(best["learner"]).__name__ == "CNNClassifier" and best["learner"].kernel_size in (1, 3, 5)
    assert 0.0 <= search.score(small_faces.data, small_faces.target) <= 1.0


# -- Dask ------------------------------------------------------------------------------------------------


def test_grid_search_runs_on_a_dask_local_cluster(small_faces):
    import joblib
    from distributed import Client, LocalCluster, get_task_stream
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sklearn_fer.estimators import FNNClassifier
    from sklearn_fer.features import HOGTransformer
    from sklearn_fer.preprocessing import PixelScaler

    hog = make_pipeline(HOGTransformer(cells_per_block=(2, 2)), LogisticRegression(max_iter=300))
    hog_grid = {"logisticregression__C": [0.01, 1.0]}
    network = make_pipeline(PixelScaler(), FNNClassifier(hidden_layer_sizes=(16,), epochs=1, random_state=0))
    X, y = small_faces.data, small_faces.target
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        with get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
            hog_on_dask = GridSearchCV(hog, hog_grid, cv=2, n_jobs=-1).fit(X, y)
            network_on_dask = GridSearchCV(network, {"fnnclassifier__dropout": [0.0, 0.5]}, cv=2, n_jobs=-1).fit(X, y)
        workers = set(client.scheduler_info()["workers"])
    assert len(tasks.data) >= 8, "the 2 x 4 fits should have run as Dask tasks"
    assert {task["worker"] for task in tasks.data} <= workers
    local = GridSearchCV(hog, hog_grid, cv=2).fit(X, y)
    np.testing.assert_array_equal(hog_on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    assert np.isfinite(network_on_dask.cv_results_["mean_test_score"]).all()
    assert network_on_dask.predict_proba(X[:3]).shape == (3, 7)


CHECKPOINT_WRITER = """
import sys
import numpy as np
from sklearn_fer.search._checkpoint import write_atomically

path = sys.argv[1]
version = 0
while True:  # ever larger checkpoints, so that a kill lands in the middle of a write
    version += 1
    write_atomically(path, {"format": "test", "version": version, "payload": np.full(2_000_000 + version, version % 251, np.uint8)})
    print(version, flush=True)
"""


def test_a_kill_during_a_checkpoint_write_leaves_the_previous_checkpoint_whole(tmp_path):
    """A checkpoint is never half-written: killed at any moment, the file holds the last complete write."""
    script, path = tmp_path / "writer.py", tmp_path / "trials.pkl"
    script.write_text(CHECKPOINT_WRITER)
    rng = np.random.default_rng(0)
    for _ in range(5):
        process = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        process.stdout.readline()  # at least one complete write
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = pickle.loads(path.read_bytes())  # a truncated pickle would raise here
        assert state["format"] == "test" and len(state["payload"]) == 2_000_000 + state["version"]
        assert (state["payload"] == state["version"] % 251).all()


# -- a real Dask cluster: a scheduler and two workers, each its own process --------------------------------


@pytest.fixture
def dask_cluster(tmp_path):
    """``(scheduler address, {worker name: process})``: started as a user starts them on several machines."""
    import json

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    processes = [subprocess.Popen([*dask, "--scheduler-file", str(scheduler_file), "--port", "0", "--no-dashboard"], env=env, stderr=subprocess.DEVNULL)]
    workers = {}
    try:
        deadline = time.time() + 60
        while not scheduler_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("worker-a", "worker-b"):
            command = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--name", name, "--no-nanny", "--no-dashboard"]
            workers[name] = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        processes += workers.values()
        yield address, workers
    finally:
        for process in processes:
            process.kill()
            process.wait()


def _wait_for_workers(client, n, timeout=60):
    deadline = time.time() + timeout
    while len(client.scheduler_info()["workers"]) < n:
        assert time.time() < deadline, f"the cluster did not reach {n} workers"
        time.sleep(0.1)


def test_a_grid_search_on_a_dask_cluster_survives_a_killed_worker(dask_cluster):
    """Killing a worker mid-search loses nothing: Dask reruns its candidates on the other worker."""
    import threading

    import joblib
    from distributed import Client

    address, workers = dask_cluster
    X, y = _digits()
    grid = {"shrink": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], "delay": [0.25]}
    undisturbed = ResumableGridSearchCV(SlowCentroidClassifier(), grid, cv=2, n_jobs=2).fit(X, y)
    with Client(address) as client:
        _wait_for_workers(client, 2)
        search, done = ResumableGridSearchCV(SlowCentroidClassifier(), grid, cv=2, n_jobs=-1), []

        def run():
            with joblib.parallel_backend("dask"):
                done.append(search.fit(X, y))

        thread = threading.Thread(target=run)
        thread.start()
        victim = next(key for key, info in client.scheduler_info()["workers"].items() if info["name"] == "worker-a")
        deadline = time.time() + 60
        while not client.processing().get(victim) and time.time() < deadline:
            time.sleep(0.02)
        assert client.processing().get(victim), "the victim should be running candidates when it is killed"
        workers["worker-a"].kill()
        thread.join(timeout=120)
        assert done, "the search should finish on the surviving worker"
        assert [info["name"] for info in client.scheduler_info()["workers"].values()] == ["worker-b"]
    assert search.best_params_ == undisturbed.best_params_
    for key in ("params", "mean_test_score", "std_test_score", "rank_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(np.asarray(search.cv_results_[key], dtype=object), np.asarray(undisturbed.cv_results_[key], dtype=object), err_msg=key)


def test_the_cli_runs_a_search_experiment_on_a_dask_cluster(dask_cluster, tmp_path, capsys):
    from distributed import Client

    from sklearn_fer.cli import main

    address, _ = dask_cluster
    with Client(address) as client:
        _wait_for_workers(client, 2)
    assert main(["run", "cnn_grid", "--quick", "--dask", address, "--out", str(tmp_path), "--verbose", "0"]) == 0
    assert f"dask: {address}, 2 workers" in capsys.readouterr().out
    results = json.loads((tmp_path / "cnn_grid" / "results.json").read_text())
    assert set(results["best_params"]) == {"dropout", "kernel_size"}
