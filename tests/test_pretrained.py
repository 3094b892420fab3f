"""The shipped network: loads without training, both backends agree, checks its files, fits into scikit-learn."""

import shutil

import numpy as np
import pytest
from skimage import data as photos
from sklearn.ensemble import VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import sklearn_fer.pretrained as pretrained
from sklearn_fer import EMOTIONS
from sklearn_fer.estimators import ModernCNNClassifier
from sklearn_fer.faces import FaceCropper
from sklearn_fer.inference import OnnxClassifier
from sklearn_fer.pretrained import load_pretrained, model_card


@pytest.fixture(scope="module")
def keras_model():
    return load_pretrained()


@pytest.fixture(scope="module")
def onnx_model():
    return load_pretrained(backend="onnx")


def test_the_card_describes_the_shipped_files():
    card = model_card()
    assert set(card["classes"].values()) == set(EMOTIONS)
    assert 0.6 < card["publictest"]["accuracy"] < 1 and len(card["publictest"]["confusion_matrix"]) == 7
    assert sum(map(sum, card["publictest"]["confusion_matrix"])) == 3589
    assert "ship_pretrained.py" in card["retrain"] and card["versions"]["tensorflow"]
    for entry in card["files"].values():
        assert (pretrained.DATA / entry["name"]).stat().st_size == entry["bytes"] <= 10_000_000


def test_loading_the_shipped_network_does_not_warn_about_its_stateless_optimizer(recwarn):
    load_pretrained()
    assert not [w for w in recwarn if "optimizer" in str(w.message)], [str(w.message) for w in recwarn]


def test_both_backends_give_the_same_probabilities(keras_model, onnx_model, faces):
    assert isinstance(keras_model, ModernCNNClassifier) and isinstance(onnx_model, OnnxClassifier)
    crops = FaceCropper().transform([photos.astronaut()])
    X = np.vstack([faces.data[:40], crops])
    assert np.abs(keras_model.predict_proba(X) - onnx_model.predict_proba(X)).max() <= 1e-4
    assert keras_model.classes_.tolist() == list(range(7))
    assert EMOTIONS[int(onnx_model.predict(crops)[0])] == "happy"  # the astronaut smiles


def test_a_damaged_file_is_caught_by_its_sha256(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(pretrained.DATA, copy)
    onnx_file = copy / model_card()["files"]["onnx"]["name"]
    onnx_file.write_bytes(onnx_file.read_bytes()[:-100])
    monkeypatch.setattr(pretrained, "DATA", copy)
    with pytest.raises(ValueError, match=r"fer2013_modern\.onnx' is damaged: its sha256 is [0-9a-f]{64}, the model card expects"):
        load_pretrained(backend="onnx")
    with pytest.raises(ValueError, match="backend must be one of 'keras', 'onnx'"):
        load_pretrained(backend="torch")


def test_pipeline_frozen_voting_and_fine_tuning(keras_model, onnx_model, faces, capsys):
    model = make_pipeline(FaceCropper(), onnx_model)
    assert model.predict([photos.astronaut()]).shape == (1,)
    X, y = faces.data[:140], faces.target[:140]
    voting = VotingClassifier(
        [("pretrained", FrozenEstimator(onnx_model)), ("logistic", LogisticRegression(max_iter=200))], voting="soft"
    ).fit(X, y)
    assert voting.predict_proba(X[:5]).shape == (5, 7)
    tuned = load_pretrained()
    before = tuned.predict_proba(X[:20])
    capsys.readouterr()
    tuned.partial_fit(X, y)
    assert capsys.readouterr().out == "", "the shipped network fine-tunes silently (verbose=0) unless asked"
    assert np.abs(tuned.predict_proba(X[:20]) - before).max() > 1e-4  # it trained
    assert np.allclose(keras_model.predict_proba(X[:20]), before)  # the shipped file is untouched
