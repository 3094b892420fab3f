"""The sklearn-fer command line and the named experiments, run end to end in --quick mode."""

import json
import os
import platform
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.dummy import DummyClassifier

from _fixtures import write_idx, write_image_folders
from sklearn_fer import EMOTIONS
from sklearn_fer.cli import main
from sklearn_fer.experiments import (
    DESCRIPTIONS, EXPERIMENTS, N_SYNTHETIC_QUICK, TUNED_NETWORKS, class_counts, load_experiment_data, make_experiment, run_experiment, tuned_network,
)


def _cli(*args, cwd):
    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}  # the CLI's own default
    return subprocess.run([sys.executable, "-m", "sklearn_fer.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


# TensorFlow's C++ log lines: "2026-11-30 22:28:18.183295: I tensorflow/core/util/port.cc:153] ..."
TF_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] ", re.MULTILINE)


@pytest.fixture(scope="module")
def fer_folder(tmp_path_factory, faces_module):
    root = tmp_path_factory.mktemp("fer")
    usages = np.where(np.arange(len(faces_module.target)) < 210, "Training", "PublicTest")
    return write_image_folders(root, faces_module.images, faces_module.target, usages, suffix=".jpg")


@pytest.fixture(scope="module")
def faces_module():
    from sklearn_fer.datasets import make_synthetic_faces

    return make_synthetic_faces(280, random_state=1)


def test_data_command_prints_counts_and_draws_samples(tmp_path, fer_folder):
    result = _cli("data", str(fer_folder), "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Training" in result.stdout and "PublicTest" in result.stdout and "Total" in result.stdout
    assert (tmp_path / "samples.png").stat().st_size > 1000


def test_class_counts_table():
    table = class_counts(np.array([0, 0, 3, 6]), np.array(["Training", "Training", "Training", "PublicTest"]))
    assert table.loc["angry", "Training"] == 2 and table.loc["Total", "Training"] == 3
    assert list(table.index[:-1]) == list(EMOTIONS)


def test_hog_experiment_runs_and_writes_every_output(tmp_path, fer_folder):
    result = _cli("run", "hog_svm", "--data", str(fer_folder), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "hog_svm"
    results = json.loads((folder / "results.json").read_text())
    assert results["n_train"] == 210 and 0 <= results["accuracy"] <= 1
    assert results["environment"]["architecture"] == platform.machine() and "cores" in results["machine"]
    assert (folder / "confusion_matrix.png").exists() and (folder / "model.joblib").exists()
    assert "| experiment | baseline report (PrivateTest) | ours: accuracy |" in result.stdout, "the row has its header"
    assert "\n| hog_svm: HOG" in result.stdout


class _PredictCountingClassifier(DummyClassifier):
    """Counts the samples it is asked to predict, to show how often a run predicts the test set."""

    predicted_sizes = []

    def predict(self, X):
        self.predicted_sizes.append(len(X))
        return super().predict(X)


def test_a_run_predicts_the_test_set_once_for_its_scores_and_confusion_matrix(tmp_path, monkeypatch):
    from sklearn_fer.experiments._registry import Experiment

    monkeypatch.setattr(_PredictCountingClassifier, "predicted_sizes", [])
    counting = Experiment("counting", "a classifier counting its predictions", lambda s: _PredictCountingClassifier())
    monkeypatch.setitem(EXPERIMENTS, "counting", counting)
    results = run_experiment("counting", out=tmp_path, quick=True)
    _, y_train, _, y_test, _ = load_experiment_data(n_synthetic=N_SYNTHETIC_QUICK, progress=False)
    assert _PredictCountingClassifier.predicted_sizes == [len(y_test)]
    assert (tmp_path / "counting" / "confusion_matrix.png").exists()
    most_frequent = np.bincount(y_train).argmax()
    assert results["accuracy"] == pytest.approx(np.mean(y_test == most_frequent))


def _feature_steps(pipeline):
    """A classical pipeline's feature makers by step name: a FeatureUnion's members, or its single first step."""
    name, first = pipeline.steps[0]
    return dict(first.transformer_list) if hasattr(first, "transformer_list") else {name: first}


@pytest.mark.parametrize("name", ["hog_lbp_svm", "bovw_svm", "hog_lbp_bovw_svm"])
def test_classical_experiments_run_quick_with_their_recorded_configuration(tmp_path, name):
    from sklearn_fer.experiments import (
        BOVW_FEATURES,
        CHOSEN_HOG,
        CHOSEN_SVC_C,
        CLASSICAL_PCA_COMPONENTS,
        LBP_FEATURES,
        QUICK_BOVW_FEATURES,
        QUICK_CLASSICAL_PCA_COMPONENTS,
    )

    assert main(["run", name, "--quick", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / name / "results.json").read_text())
    assert results["quick"] is True and 0 <= results["accuracy"] <= 1 and (tmp_path / name / "model.joblib").exists()
    quick, full = make_experiment(name, quick=True), make_experiment(name)
    assert quick.steps[-1][1].C == CHOSEN_SVC_C
    features, full_features = _feature_steps(quick), _feature_steps(full)
    if "hogtransformer" in features:
        hog, lbp = features["hogtransformer"], features["lbptransformer"]
        assert hog.get_params() | CHOSEN_HOG == hog.get_params() and lbp.get_params() | LBP_FEATURES == lbp.get_params()
    if "bagofvisualwords" in features:
        bovw, full_bovw = features["bagofvisualwords"], full_features["bagofvisualwords"]
        assert bovw.get_params() | QUICK_BOVW_FEATURES == bovw.get_params()
        assert full_bovw.get_params() | BOVW_FEATURES == full_bovw.get_params()
    if name == "hog_lbp_bovw_svm":
        assert (quick.named_steps["pca"].n_components, full.named_steps["pca"].n_components) == (
            QUICK_CLASSICAL_PCA_COMPONENTS, CLASSICAL_PCA_COMPONENTS,
        )


# hog_svm, hog_svm_grid, fnn_hyperopt, the votes and the classical pipelines run end to end in their own tests. Of the lever
# ablation, the crop lever runs (the others differ only in parameters, checked below).
@pytest.mark.parametrize(
    "name",
    [n for n in DESCRIPTIONS if n not in ("hog_svm", "hog_svm_grid", "hog_lbp_svm", "bovw_svm", "hog_lbp_bovw_svm", "fnn_hyperopt", "modern_vote", "pretrained_classical_vote") and (not n.startswith("split_") or n == "split_crop44")],
)
def test_each_network_experiment_runs_quick(tmp_path, name):
    assert main(["run", name, "--quick", "--out", str(tmp_path)]) == 0
    folder = tmp_path / name
    results = json.loads((folder / "results.json").read_text())
    assert results["data"].startswith("synthetic") and results["quick"] is True
    assert {"accuracy", "balanced_accuracy", "f1_macro", "fit_time", "predict_time", "history"} <= set(results)
    fitted = make_experiment(name, quick=True)
    # Pipelines keep their transformers, so they are saved whole with joblib; bare networks as .keras.
    model_file = "model.joblib" if hasattr(getattr(fitted, "estimator", fitted), "steps") else "model.keras"
    assert (folder / "loss_curve.png").exists() and (folder / model_file).exists()
    if name in ("cnn_grid", "cnn_hyperopt"):  # searches keep what they finished, to resume after an interruption
        assert (folder / "trials-quick.pkl").exists()
        # Candidates train 1 epoch in quick mode; the chosen one is refitted on the full (quick) budget of 2.
        assert fitted.estimator.epochs == 1 and fitted.refit_params == {"epochs": 2} and len(results["history"]["loss"]) == 2
        assert results["n_resumed_candidates" if name == "cnn_grid" else "n_resumed_trials"] == 0


def test_run_seeds_the_experiment_with_random_state_and_records_it(tmp_path):
    assert main(["run", "cnn", "--quick", "--random-state", "4", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "cnn" / "results.json").read_text())
    assert results["random_state"] == 4 and results["params"]["random_state"] == "4"
    assert main(["run", "cnn", "--quick", "--out", str(tmp_path / "default")]) == 0
    assert json.loads((tmp_path / "default" / "cnn" / "results.json").read_text())["params"]["random_state"] == "0"


def test_modern_vote_is_a_soft_vote_of_seeded_modern_networks(tmp_path):
    import joblib
    from sklearn.ensemble import VotingClassifier

    from sklearn_fer.datasets import make_synthetic_faces
    from sklearn_fer.experiments import VOTE_MEMBER_EPOCHS, VOTE_MEMBERS

    full = make_experiment("modern_vote", random_state=5)
    modern = tuned_network("modern").get_params()
    assert isinstance(full, VotingClassifier) and full.voting == "soft" and len(full.estimators) == VOTE_MEMBERS
    assert VOTE_MEMBERS * VOTE_MEMBER_EPOCHS == modern["epochs"], "the members train the epochs of one modern run"
    for i, (name, member) in enumerate(full.estimators):
        changed = {key: value for key, value in member.get_params().items() if value != modern[key]}
        assert name == f"seed{5 + i}" and changed == {"epochs": VOTE_MEMBER_EPOCHS, "random_state": 5 + i}
    assert main(["run", "modern_vote", "--quick", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "modern_vote" / "results.json").read_text())
    assert sorted(results["member_histories"]) == ["seed0", "seed1", "seed2"]
    assert all(len(history["loss"]) == 2 for history in results["member_histories"].values())
    vote = joblib.load(tmp_path / "modern_vote" / "model.joblib")
    faces = make_synthetic_faces(20, random_state=9).data
    members = [member.predict_proba(faces) for member in vote.estimators_]
    np.testing.assert_allclose(vote.predict_proba(faces), np.mean(members, axis=0), atol=1e-6)
    assert not np.allclose(members[0], members[1]), "the seeds differ"


def test_pretrained_classical_vote_averages_the_frozen_shipped_network_and_the_classical_pipeline(tmp_path):
    import joblib
    from sklearn.ensemble import VotingClassifier
    from sklearn.frozen import FrozenEstimator

    from sklearn_fer.datasets import make_synthetic_faces
    from sklearn_fer.pretrained import load_pretrained

    full = make_experiment("pretrained_classical_vote", random_state=3)
    (network_name, network), (classical_name, classical) = full.estimators
    assert isinstance(full, VotingClassifier) and full.voting == "soft" and full.weights is None
    assert network_name == "pretrained" and isinstance(network, FrozenEstimator)
    expected = make_experiment("hog_lbp_bovw_svm", random_state=3).set_params(svc__probability=True, svc__random_state=3)
    assert classical_name == "hog_lbp_bovw_svm" and repr(classical.get_params()) == repr(expected.get_params())
    assert main(["run", "pretrained_classical_vote", "--quick", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "pretrained_classical_vote"
    results = json.loads((folder / "results.json").read_text())
    assert sorted(results["member_scores"]) == ["hog_lbp_bovw_svm", "pretrained"]
    vote = joblib.load(folder / "model.joblib")
    faces = make_synthetic_faces(20, random_state=9).data
    shipped = load_pretrained()
    np.testing.assert_allclose(vote.named_estimators_["pretrained"].predict_proba(faces), shipped.predict_proba(faces), atol=1e-6, err_msg="the shipped network did not retrain")
    members = [member.predict_proba(faces) for member in vote.estimators_]
    np.testing.assert_allclose(vote.predict_proba(faces), np.mean(members, axis=0), atol=1e-6)
    scores = results["member_scores"]["pretrained"]
    test = load_experiment_data(n_synthetic=N_SYNTHETIC_QUICK)[2:4]  # the quick run's held-out faces
    assert scores["accuracy"] == pytest.approx(float(np.mean(shipped.predict(test[0]) == test[1])))


def test_hog_svm_grid_selects_on_the_hold_out_with_candidates_on_a_third_of_training(tmp_path):
    import joblib

    assert main(["run", "hog_svm_grid", "--quick", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "hog_svm_grid" / "results.json").read_text())
    assert set(results["best_params"]) == {"svc__C"} and results["n_resumed_candidates"] == 0
    candidates = pd.read_csv(tmp_path / "hog_svm_grid" / "search_results.csv")
    assert len(candidates) == 2 and candidates["rank_test_accuracy"].min() == 1
    search = make_experiment("hog_svm_grid", quick=True)
    (train, validation), = search.cv.split(np.zeros((900, 1)), np.arange(900) % 7)
    assert len(validation) == 90 and len(train) == 300, "candidates fit on a third of Training, compared on a tenth"
    model = joblib.load(tmp_path / "hog_svm_grid" / "model.joblib")
    assert model.get_params()["svc__C"] == results["best_params"]["svc__C"]


def test_evaluate_and_predict_a_saved_network(tmp_path, fer_folder):
    assert main(["run", "fnn", "--quick", "--data", str(fer_folder), "--out", str(tmp_path), "--dtype-policy", "mixed_bfloat16"]) == 0
    assert json.loads((tmp_path / "fnn" / "results.json").read_text())["dtype_policy"] == "mixed_bfloat16"
    model = tmp_path / "fnn" / "model.keras"
    evaluated = _cli("evaluate", str(model), "--data", str(fer_folder), cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert not TF_LOG_LINE.search(evaluated.stderr), evaluated.stderr
    scores = json.loads(evaluated.stdout)
    assert scores["n_samples"] == 70 and 0 <= scores["accuracy"] <= 1
    image = tmp_path / "face.png"
    Image.fromarray(np.full((100, 80, 3), 128, dtype=np.uint8)).save(image)
    predicted = _cli("predict", "--model", str(model), "--detector", "none", "--format", "json", str(image), cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    (row,) = json.loads(predicted.stdout)
    assert row["source"] == str(image) and row["emotion"] in EMOTIONS
    assert sum(row[name] for name in EMOTIONS) == pytest.approx(1, abs=0.02)


def test_cli_errors_are_clear_and_nonzero(tmp_path, capsys):
    assert main(["run", "nope", "--quick", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "unknown experiment 'nope'; known experiments: hog_svm, hog_svm_grid, " in error
    assert all(name in error for name in EXPERIMENTS)
    assert main(["data", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("x")
    assert main(["data", str(tmp_path)]) == 2
    assert "unrecognised FER2013 layout" in capsys.readouterr().err
    assert main(["predict", "--model", str(tmp_path / "notes.txt"), "x.png"]) == 2
    assert "unknown model format" in capsys.readouterr().err


def test_benchmark_writes_a_report_with_baseline_figures(tmp_path, capsys):
    from sklearn_fer.networks import describe_dtype_policy, describe_machine, resolve_dtype_policy

    assert main(["benchmark", "--quick", "--experiments", "hog_svm,fnn", "--out", str(tmp_path)]) == 0
    # The policy "auto" chose is said first and recorded.
    assert capsys.readouterr().out.splitlines()[0] == f"dtype policy: {describe_dtype_policy('auto')}"
    assert json.loads((tmp_path / "fnn" / "results.json").read_text())["dtype_policy"] == resolve_dtype_policy("auto")
    report = (tmp_path / "report.md").read_text()
    assert "| hog_svm:" in report and "| fnn:" in report and "45.5%" in report and "synthetic" in report
    fnn = json.loads((tmp_path / "fnn" / "results.json").read_text())
    baseline_row = next(line for line in report.splitlines() if line.startswith("| FNN (hyperopt-tuned) |"))
    assert f"| fnn {100 * fnn['accuracy']:.1f}% |" in baseline_row and "(fnn) |" in baseline_row
    assert "![Accuracy per experiment on held-out synthetic faces (demo data); the baseline report's figures marked](report.png)" in report
    assert (tmp_path / "results.csv").read_text().startswith("experiment,description,best_params,accuracy")
    assert (tmp_path / "report.png").stat().st_size > 1000
    # Per-face predict time, each emotion's recall and the machine; no published records on demo data.
    assert fnn["machine"] == describe_machine()
    fnn_row = next(line for line in report.splitlines() if line.startswith("| fnn: "))
    assert fnn_row.endswith(f"| {fnn['predict_time_per_sample']:.1f} |")
    recalls = " | ".join(f"{100 * fnn[f'recall_{emotion}']:.1f}%" for emotion in EMOTIONS)
    assert f"| fnn | {recalls} | {describe_machine()} |" in report
    assert "## Published records" not in report


def _finished(name, accuracy):
    return {"experiment": name, "accuracy": accuracy}


def test_baseline_comparison_names_the_best_row_and_beats_a_range_only_above_its_top():
    from sklearn_fer.experiments import baseline_comparison

    table = baseline_comparison(
        [_finished("fnn", 0.409), _finished("fnn_tuned", 0.482), _finished("cnn_rotation", 0.577), _finished("multitask", 0.545)]
    )
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()[2:]}
    assert rows["FNN (hyperopt-tuned)"].endswith("| fnn 40.9%, fnn_tuned 48.2% | 48.2% (fnn_tuned) | yes (+2.7 points) |")
    augmentation = rows["CNN + augmentation (standardisation, ZCA whitening, rotation)"]
    assert "| 57.7-60.3% |" in augmentation and augmentation.endswith("| 57.7% (cnn_rotation) | no (-2.6 points) |")
    assert rows["CNN (grid / hyperopt-tuned)"].endswith("| - | - | not run |")
    assert rows["MNIST + FER multi-task"].endswith("| no comparable baseline figure |")
    assert len(rows) == 5


def test_transfer_on_real_data_without_mnist_says_which_digits_it_uses(tmp_path, fer_folder, capsys):
    assert main(["run", "transfer", "--quick", "--data", str(fer_folder), "--out", str(tmp_path)]) == 0
    assert "note: transfer has no --mnist, so its source task is scikit-learn's bundled 8x8 digits" in capsys.readouterr().err
    assert main(["run", "transfer", "--quick", "--out", str(tmp_path)]) == 0  # the synthetic demo: no note
    assert "--mnist" not in capsys.readouterr().err
    digits = np.random.default_rng(0).integers(0, 256, (30, 28, 28))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", digits, compress=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(30) % 10, compress=True)
    assert main(["run", "transfer", "--quick", "--data", str(fer_folder), "--mnist", str(tmp_path), "--out", str(tmp_path)]) == 0
    assert "--mnist" not in capsys.readouterr().err
    source = json.loads((tmp_path / "transfer" / "results.json").read_text())["params"]["source_data"]
    assert "shape=(30, 784)" in source


def test_every_experiment_is_a_clonable_estimator_made_afresh():
    from sklearn.base import clone

    for name in DESCRIPTIONS:
        first, second = make_experiment(name, quick=True), make_experiment(name, quick=True)
        assert first is not second, name
        copy = clone(first)  # raises when a recipe keeps state clone cannot rebuild from its parameters
        assert type(copy) is type(first) and copy.get_params(deep=False).keys() == first.get_params(deep=False).keys(), name


@pytest.mark.parametrize("name", ["transfer", "multitask"])  # the others run as the *_tuned / modern experiments
def test_tuned_recipes_fit_quick(name):
    from sklearn_fer.datasets import make_synthetic_faces

    faces = make_synthetic_faces(140, random_state=0)
    network = tuned_network(name, quick=True, dtype_policy="float32").fit(faces.data, faces.target)
    assert network.predict_proba(faces.data[:5]).shape == (5, 7) and network.history_["loss"]


def test_each_lever_experiment_is_the_modern_recipe_with_its_lever_on_the_split():
    from sklearn_fer.cli import benchmark_names
    from sklearn_fer.experiments import EXPERIMENTS, LEVER_BUDGET, MODERN_LEVERS, lever_network

    recipe = tuned_network("modern").get_params()
    for lever, (params, wording) in MODERN_LEVERS.items():
        experiment = EXPERIMENTS[f"split_{lever}"]
        network = make_experiment(f"split_{lever}", random_state=3).get_params()
        changed = {key: value for key, value in network.items() if value != recipe[key]}
        assert changed == {**LEVER_BUDGET, **params, "random_state": 3}, lever
        assert network["validation_fraction"] == 0.1 and wording in experiment.description and not experiment.in_table
    assert LEVER_BUDGET == {"epochs": 50, "early_stopping": True} and set(MODERN_LEVERS) >= {"recipe", "crop44", "mixup02"}
    quick = lever_network("mixup02", quick=True).get_params()
    assert quick["epochs"] == 2 and quick["early_stopping"] and quick["mixup"] == 0.2
    with pytest.raises(ValueError, match="unknown lever 'cutmix'; known: recipe, crop44"):
        lever_network("cutmix")
    # The levers on top of the crop lever and of the shipped recipe (crop44 + residual): the base network
    # with one more lever, each against the base on the same split.
    on_crop44 = [lever for lever in MODERN_LEVERS if lever not in ("recipe", "crop44", "crop40")]
    on_shipped = [lever for lever in on_crop44 if lever != "residual"]
    expected = {f"split_crop44_{lever}" for lever in on_crop44} | {f"split_crop44_residual_{lever}" for lever in on_shipped}
    assert {name for name in EXPERIMENTS if name.startswith("split_crop44_")} == expected | {"split_crop44_residual_epochs75"}
    for base, stacked in (("split_crop44", on_crop44), ("split_crop44_residual", on_shipped)):
        base_params = make_experiment(base, random_state=3).get_params()
        for lever in stacked:
            network = make_experiment(f"{base}_{lever}", random_state=3).get_params()
            changed = {key: value for key, value in network.items() if value != base_params[key]}
            assert changed == MODERN_LEVERS[lever][0] and network["crop_size"] == 44, (base, lever)
            assert f"against {base}" in EXPERIMENTS[f"{base}_{lever}"].description and not EXPERIMENTS[f"{base}_{lever}"].in_table
    # A lever that sets a base lever's parameter takes its place: the shipped recipe with 40x40 crops.
    shipped = make_experiment("split_crop44_residual", random_state=3).get_params()
    crop40 = make_experiment("split_crop40_residual", random_state=3).get_params()
    assert {key: value for key, value in crop40.items() if value != shipped[key]} == {"crop_size": 40}
    assert "against split_crop44_residual" in EXPERIMENTS["split_crop40_residual"].description
    assert {name for name in EXPERIMENTS if "crop40" in name} == {"split_crop40", "split_crop40_residual"}
    # The shipped recipe with the full-length budget on the split: only the epochs differ; --quick keeps 2.
    longer = make_experiment("split_crop44_residual_epochs75", random_state=3).get_params()
    assert {key: value for key, value in longer.items() if value != shipped[key]} == {"epochs": 75}
    assert make_experiment("split_crop44_residual_epochs75", quick=True).get_params()["epochs"] == 2
    assert "against split_crop44_residual" in EXPERIMENTS["split_crop44_residual_epochs75"].description
    shipped_without_dropout = make_experiment("split_crop44_residual_dropout0").get_params()
    assert shipped_without_dropout["residual"] and shipped_without_dropout["dropout"] == 0.0
    with pytest.raises(ValueError, match="levers 'sgd_nesterov' and 'sgd_nesterov_lr05' both set optimizer"):
        lever_network("sgd_nesterov", "sgd_nesterov_lr05")
    with pytest.raises(ValueError, match="name at least one lever"):
        lever_network()
    # `benchmark` runs the table; the ablation only when named.
    assert "modern" in benchmark_names() and not any(name.startswith("split_") for name in benchmark_names())
    assert benchmark_names("split_crop44,modern") == ["split_crop44", "modern"]
    with pytest.raises(ValueError, match="unknown experiment 'split_nope'"):
        benchmark_names("modern,split_nope")


def test_tuned_recipes_are_the_measured_ones():
    from sklearn_fer.cli import benchmark_names

    recipes = {name: tuned_network(name).get_params() for name in TUNED_NETWORKS}
    assert recipes["modern"]["widths"] == (32, 64, 128, 256) and recipes["modern"]["tta_shift"] == 3 and recipes["modern"]["epochs"] == 75
    assert recipes["fnn"]["fnnclassifier__hidden_layer_sizes"] == (2048, 1024)
    assert not recipes["fnn"]["fnnclassifier__early_stopping"] and not recipes["modern"]["early_stopping"]
    assert recipes["cnn"]["dtype_policy"] == "auto" and recipes["cnn"]["lr_schedule"] == "cosine"
    cropped = make_experiment("modern_crop44").get_params()
    assert cropped == {**recipes["modern"], "crop_size": 44}, "the modern recipe with the crop lever and nothing else"
    shortcuts = make_experiment("modern_crop44_residual").get_params()
    assert shortcuts == {**cropped, "residual": True}, "the shipped recipe with the residual lever and nothing else"
    assert {"modern_crop44", "modern_crop44_residual"} <= set(benchmark_names()), "the shipped network's recipe is in the table"
    with pytest.raises(ValueError, match="unknown tuned network 'resnet'; known: fnn, cnn, transfer, multitask, modern"):
        tuned_network("resnet")


@pytest.mark.parametrize("name", ["hog_fnn", "cnn_grid", "cnn_hyperopt", "multitask", "cnn_tuned"])
def test_make_experiment_passes_the_dtype_policy_to_its_network(name):
    experiment = make_experiment(name, quick=True, dtype_policy="mixed_bfloat16")
    params = {key.split("__")[-1]: value for key, value in experiment.get_params().items()}
    assert params["dtype_policy"] == "mixed_bfloat16"


def test_a_hyperopt_experiment_run_again_resumes_its_trials(tmp_path):
    assert main(["run", "fnn_hyperopt", "--quick", "--max-evals", "1", "--out", str(tmp_path)]) == 0
    assert main(["run", "fnn_hyperopt", "--quick", "--max-evals", "3", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "fnn_hyperopt"
    results = json.loads((folder / "results.json").read_text())
    assert results["n_resumed_trials"] == 1 and set(results["best_params"]) == {"activation", "dropout", "optimizer"}
    table = (folder / "search_results.csv").read_text().splitlines()
    assert len(table) == 1 + 3
    assert (folder / "loss_curve.png").exists() and (folder / "model.keras").exists() and (folder / "confusion_matrix.png").exists()


def test_benchmark_resume_reuses_finished_rows_only(tmp_path, capsys):
    assert main(["benchmark", "--quick", "--experiments", "hog_svm", "--out", str(tmp_path)]) == 0
    first = (tmp_path / "hog_svm" / "results.json").read_text()
    capsys.readouterr()
    assert main(["benchmark", "--quick", "--resume", "--experiments", "hog_svm,fnn", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "finished earlier" in printed and printed.count("finished earlier") == 1
    assert (tmp_path / "hog_svm" / "results.json").read_text() == first
    report = (tmp_path / "report.md").read_text()
    assert "| hog_svm:" in report and "| fnn:" in report
    assert main(["benchmark", "--quick", "--resume", "--random-state", "1", "--experiments", "hog_svm", "--out", str(tmp_path)]) == 0
    assert "finished earlier" not in capsys.readouterr().out  # another seed is another run
    assert json.loads((tmp_path / "hog_svm" / "results.json").read_text())["random_state"] == 1


def _table_rows(report):
    return [line for line in report.splitlines() if re.match(r"^\| \w+( \(random_state=\d+\))?: ", line)]


def _recall_rows(report):
    return [line for line in report.splitlines() if re.match(r"^\| \w+ \| [0-9.]+% \|", line)]


def test_report_renders_the_benchmark_report_from_its_recorded_results(tmp_path):
    assert main(["benchmark", "--quick", "--experiments", "hog_svm,fnn", "--out", str(tmp_path / "ran")]) == 0
    ran = (tmp_path / "ran" / "report.md").read_text()
    assert "reported on held-out synthetic faces (demo data)" in ran and "reported on PublicTest" not in ran
    for recorded in (tmp_path / "ran", tmp_path / "ran" / "results.csv"):  # the results.json folder, or the table
        assert main(["report", str(recorded), "--out", str(tmp_path / "rebuilt"), "--source", "the quick run"]) == 0
        rebuilt = (tmp_path / "rebuilt" / "report.md").read_text()
        assert len(_table_rows(ran)) == 2 and _table_rows(rebuilt) == _table_rows(ran)
        assert len(_recall_rows(ran)) == 2 and _recall_rows(rebuilt) == _recall_rows(ran)
        assert "Data: the quick run." in rebuilt and "## Against the baseline report's rows" in rebuilt
        assert (tmp_path / "rebuilt" / "report.png").stat().st_size > 1000


def test_a_quick_search_is_described_with_the_budgets_it_trained():
    from sklearn_fer.experiments import EXPERIMENTS, Settings

    grid = EXPERIMENTS["cnn_grid"]
    assert grid.describe(Settings()) == "Baseline CNN, grid dropout [0.1..0.5] x kernel [2, 3] (candidates 10 epochs, refit 30)"
    assert grid.describe(Settings(quick=True)) == "Baseline CNN, grid dropout [0.1, 0.5] x kernel [3] (candidates 1 epochs, refit 2)"


def test_modern_descriptions_name_the_epochs_their_settings_train():
    from sklearn_fer.experiments import EXPERIMENTS, Settings, make_experiment

    for quick in (False, True):
        crop, vote = (make_experiment(name, quick=quick) for name in ("modern_crop44", "modern_vote"))
        assert f"{crop.epochs} epochs on all of Training" in EXPERIMENTS["modern_crop44"].describe(Settings(quick=quick))
        member_epochs = {member.epochs for _, member in vote.estimators}
        assert len(member_epochs) == 1
        assert f"networks of {member_epochs.pop()} epochs" in EXPERIMENTS["modern_vote"].describe(Settings(quick=quick))
        lever = make_experiment("split_crop44_residual_se8", quick=quick)
        assert f"; {lever.epochs} epochs on 90% of Training" in EXPERIMENTS["split_crop44_residual_se8"].describe(Settings(quick=quick))


def test_a_table_reads_back_with_its_selected_parameters(tmp_path):
    from sklearn_fer.experiments import markdown_row, read_results, write_table

    results = {
        "experiment": "cnn_grid",
        "description": "Baseline CNN, grid (candidates 10 epochs, refit 30)",
        "best_params": {"classifier__dropout": 0.4, "classifier__kernel_size": 3, "classifier__optimizer": "adam"},
        "accuracy": 0.5754,
        "balanced_accuracy": 0.535,
        "f1_macro": 0.555,
        "fit_time": 3853.2,
        "wall_seconds": 3853.9,
    }
    (read,) = read_results(write_table([results], tmp_path / "results.csv"))
    assert read == results and markdown_row(read) == markdown_row(results)
    assert "| 58.5% | 57.5% |" in markdown_row(read), "the baseline figure comes from the experiment's record"


def test_report_compares_recorded_results_with_the_baseline(tmp_path):
    table = tmp_path / "results.csv"
    table.write_text(
        "experiment,description,best_params,accuracy,balanced_accuracy,f1_macro,fit_time,wall_seconds\n"
        "fnn,Feed-forward net 2304-1152-7,,0.409,0.383,0.403,197,198\n"
        "cnn_tuned,Our recipe of the baseline CNN,,0.637,0.589,0.604,1574,1578\n"
        "transfer,\"MNIST-pretrained CNN, new head, fine-tuned\",,0.515,0.481,0.501,753,756\n"
    )
    assert main(["report", str(table), "--out", str(tmp_path / "report")]) == 0
    report = (tmp_path / "report" / "report.md").read_text()
    comparison = {line.split(" | ")[0].lstrip("| "): line for line in report.splitlines() if line.startswith("| ") and " | " in line}
    assert comparison["FNN (hyperopt-tuned)"].endswith("| fnn 40.9% | 40.9% (fnn) | no (-4.6 points) |")
    assert comparison["CNN (grid / hyperopt-tuned)"].endswith("| cnn_tuned 63.7% | 63.7% (cnn_tuned) | yes (+5.2 points) |")
    augmentation = comparison["CNN + augmentation (standardisation, ZCA whitening, rotation)"]
    assert augmentation.endswith("| 63.7% (cnn_tuned) | yes (+3.4 points) |")
    assert comparison["MNIST transfer"].endswith("| 51.5% (transfer) | yes (+10.6 points) |")
    assert f"Data: the results recorded in {table}." in report and "Accuracy on PublicTest" not in report
    assert "| single VGG-type network (Pramerdorfer & Kampel 2016) | 72.7% |" in report, "FER2013 results get the published records"
    assert "Recall of each emotion" not in report, "this table recorded no recalls"


HEADER = "experiment,description,best_params,accuracy,balanced_accuracy,f1_macro,fit_time,wall_seconds\n"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("results.csv", HEADER + "fnn,FNN,,40.9%,0.38,0.40,197,198\n", "line 2, column accuracy: expected a number, got '40.9%'"),
        ("results.csv", HEADER + "fnn,FNN,relu,0.409,0.38,0.40,197,198\n", "line 2, column best_params: expected a JSON object"),
        ("results.csv", "experiment,accuracy\nfnn,0.4\n", "a results table needs the columns"),
        ("results.json", "{not json", "not a results.json file"),
        ("rows.md", "| fnn: FNN | 45.5% |\n", "expected a results.json file, a .csv table or a folder of results"),
    ],
)
def test_report_names_the_file_line_and_column_of_bad_results(tmp_path, capsys, name, content, message):
    recorded = tmp_path / name
    recorded.write_text(content)
    assert main(["report", str(recorded), "--out", str(tmp_path / "report")]) == 2
    error = capsys.readouterr().err
    assert message in error and str(recorded) in error
    assert not (tmp_path / "report" / "report.md").exists()


def test_report_refuses_a_missing_file_and_an_experiment_in_two_files(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.csv")]) == 2
    assert f"results file '{tmp_path / 'missing.csv'}' does not exist" in capsys.readouterr().err
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(HEADER + "fnn,FNN,,0.409,0.383,0.403,197,198\n")
    assert main(["report", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", str(tmp_path / "report")]) == 2
    assert f"experiment 'fnn' is in both {tmp_path / 'a.csv'} and {tmp_path / 'b.csv'}" in capsys.readouterr().err


def test_report_gives_each_seed_of_an_experiment_its_own_row(tmp_path, capsys):
    from sklearn_fer.experiments import read_results, write_table

    runs = {}
    for seed, accuracy in ((0, 0.684), (1, 0.679)):
        run = {"experiment": "cnn_tuned", "description": "Our recipe", "accuracy": accuracy, "balanced_accuracy": 0.6,
               "f1_macro": 0.6, "fit_time": 10.0, "wall_seconds": 11.0, "random_state": seed}
        runs[seed] = tmp_path / f"seed{seed}.json"
        runs[seed].write_text(json.dumps(run))
    assert main(["report", str(runs[0]), str(runs[1]), "--out", str(tmp_path / "report")]) == 0
    report = (tmp_path / "report" / "report.md").read_text()
    rows = _table_rows(report)
    assert rows[0].startswith("| cnn_tuned: Our recipe |") and "| 68.4% |" in rows[0]
    assert rows[1].startswith("| cnn_tuned (random_state=1): Our recipe |") and "| 67.9% |" in rows[1]
    assert "| cnn_tuned 68.4%, cnn_tuned (random_state=1) 67.9% | 68.4% (cnn_tuned) |" in report
    table = write_table(read_results(runs[1]), tmp_path / "results.csv")
    (read,) = read_results(table)
    assert read["random_state"] == 1
    assert main(["report", str(runs[1]), str(table), "--out", str(tmp_path / "again")]) == 2
    assert f"experiment 'cnn_tuned (random_state=1)' is in both {runs[1]} and {table}" in capsys.readouterr().err
    table.write_text(table.read_text().replace(",1,", ",one,"))
    assert main(["report", str(table), "--out", str(tmp_path / "bad")]) == 2
    assert f"{table}, line 2, column random_state: expected an integer, got 'one'" in capsys.readouterr().err


def test_a_search_run_from_the_command_line_prints_no_pkg_resources_warning(tmp_path):
    result = _cli("run", "fnn_hyperopt", "--quick", "--max-evals", "1", "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "| fnn_hyperopt:" in result.stdout
    assert "pkg_resources" not in result.stderr, result.stderr
