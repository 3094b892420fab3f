"""Saved networks load with exactly their parameters; damaged model files get clear errors naming them."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_fer.cli import main
from sklearn_fer.estimators import FNNClassifier, ModernCNNClassifier, load_model


@pytest.fixture(scope="module")
def saved(tmp_path_factory, faces):
    network = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, random_state=0).fit(faces.data[:100], faces.target[:100])
    path = tmp_path_factory.mktemp("models") / "net.keras"
    network.save(path)
    return network, path


def test_parameters_round_trip_exactly(saved):
    network, path = saved
    loaded = load_model(path)
    assert loaded.get_params() == network.get_params()
    assert isinstance(loaded.widths, tuple) and isinstance(loaded.image_shape, tuple)
    assert clone(loaded).get_params() == clone(network).get_params()
    fnn = FNNClassifier(hidden_layer_sizes=(16, 8))
    assert type(fnn.get_params()["hidden_layer_sizes"]) is tuple


@pytest.mark.parametrize("damage", ["truncated", "random", "empty"])
def test_damaged_keras_files_are_named(tmp_path, saved, capsys, damage):
    _, path = saved
    data = {"truncated": path.read_bytes()[: path.stat().st_size // 2], "random": np.random.default_rng(0).bytes(5000), "empty": b""}
    broken = tmp_path / f"{damage}.keras"
    broken.write_bytes(data[damage])
    with pytest.raises(ValueError, match=rf"{damage}\.keras: damaged or not a \.keras file"):
        load_model(broken)
    assert main(["predict", "--model", str(broken), str(broken)]) == 2
    assert f"sklearn-fer: error: {broken}: damaged or not a .keras file" in capsys.readouterr().err


def test_damaged_joblib_files_are_named(tmp_path, capsys):
    broken = tmp_path / "model.joblib"
    broken.write_bytes(b"\x80\x04 half a pickle")
    assert main(["evaluate", str(broken), "--data", str(tmp_path)]) == 2
    assert f"{broken}: not a readable model file" in capsys.readouterr().err
