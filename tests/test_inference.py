"""ONNX export and the TensorFlow-free OnnxClassifier: the same predictions as the Keras networks."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_fer.estimators import CNNClassifier, ModernCNNClassifier, MultiTaskCNNClassifier
from sklearn_fer.faces import FaceCropper
from sklearn_fer.inference import OnnxClassifier, export_onnx, load_onnx

TINY_MODERN = dict(widths=(4, 8), head_units=8, epochs=1, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def modern(faces):
    # Trained in bfloat16 with augmentation and shift + flip test-time views: the hardest case to export.
    return ModernCNNClassifier(**TINY_MODERN, dtype_policy="mixed_bfloat16", tta_shift=2).fit(faces.data[:200], faces.target[:200])


def test_onnx_predicts_as_the_float32_keras_network(tmp_path, faces):
    network = ModernCNNClassifier(**TINY_MODERN, dtype_policy="float32", tta_shift=1).fit(faces.data[:200], faces.target[:200])
    onnx = load_onnx(export_onnx(network, tmp_path / "net.onnx"))
    assert isinstance(onnx, OnnxClassifier)
    expected = network.predict_proba(faces.data[200:260])
    assert np.abs(onnx.predict_proba(faces.data[200:260]) - expected).max() <= 1e-4
    assert np.array_equal(onnx.predict(faces.images[200:260]), network.predict(faces.data[200:260]))
    assert np.array_equal(onnx.classes_, network.classes_) and onnx.n_features_in_ == 2304


def test_a_cropping_network_exports_its_central_crop(tmp_path, faces):
    network = ModernCNNClassifier(**TINY_MODERN, crop_size=44, tta_shift=2).fit(faces.data[:200], faces.target[:200])
    onnx = load_onnx(export_onnx(network, tmp_path / "crop.onnx"))
    assert np.abs(onnx.predict_proba(faces.data[200:260]) - network.predict_proba(faces.data[200:260])).max() <= 1e-4


def test_a_network_with_shortcuts_and_squeeze_excitation_gates_exports(tmp_path, faces):
    network = ModernCNNClassifier(**TINY_MODERN, residual=True, squeeze_excitation=4).fit(faces.data[:200], faces.target[:200])
    onnx = load_onnx(export_onnx(network, tmp_path / "se.onnx"))
    assert np.abs(onnx.predict_proba(faces.data[200:260]) - network.predict_proba(faces.data[200:260])).max() <= 1e-4


def test_a_bfloat16_network_exports_in_float32(tmp_path, faces, modern):
    onnx = load_onnx(export_onnx(modern, tmp_path / "net.onnx"))
    # bfloat16 keeps 8 bits of mantissa: the float32 export agrees on the classes, to rounding on the probabilities.
    assert np.abs(onnx.predict_proba(faces.data[200:260]) - modern.predict_proba(faces.data[200:260])).max() < 0.02
    assert (onnx.predict(faces.data[200:260]) == modern.predict(faces.data[200:260])).mean() >= 0.95


def test_string_classes_and_the_multitask_head_survive_export(tmp_path, faces):
    names = np.where(faces.target[:200] % 2 == 0, "calm", "tense")
    network = CNNClassifier(filters=(4,), dense_units=8, epochs=1, random_state=0).fit(faces.data[:200], names)
    onnx = load_onnx(export_onnx(network, tmp_path / "cnn.onnx"))
    assert onnx.classes_.tolist() == ["calm", "tense"]
    assert np.array_equal(onnx.predict(faces.data[:30]), network.predict(faces.data[:30]))
    digits = (np.random.default_rng(0).integers(0, 256, (40, 8, 8)), np.arange(40) % 4)
    multitask = MultiTaskCNNClassifier(filters=(4,), dense_units=8, epochs=1, aux_data=digits, random_state=0)
    multitask.fit(faces.data[:200], faces.target[:200])
    onnx = load_onnx(export_onnx(multitask, tmp_path / "multitask.onnx"))
    assert np.abs(onnx.predict_proba(faces.data[:30]) - multitask.predict_proba(faces.data[:30])).max() <= 1e-4


def test_a_pipeline_with_a_face_cropper_exports_both(tmp_path, modern):
    from skimage import data as photos

    pipeline = make_pipeline(FaceCropper(margin=0.1), modern)
    loaded = load_onnx(export_onnx(pipeline, tmp_path / "pipe.onnx"))
    assert isinstance(loaded, Pipeline) and loaded[0].get_params()["margin"] == 0.1
    assert loaded.predict([photos.astronaut()]).shape == (1,)
    with pytest.raises(ValueError, match=r"step\(s\) \['functiontransformer'\] have no ONNX form"):
        export_onnx(make_pipeline(FunctionTransformer(), modern), tmp_path / "x.onnx")


def test_onnx_classifier_is_a_clonable_picklable_classifier(tmp_path, faces, modern):
    path = export_onnx(modern, tmp_path / "net.onnx")
    fitted = OnnxClassifier(str(path)).fit()
    again = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(again.predict(faces.data[:20]), fitted.predict(faces.data[:20]))
    assert clone(fitted).fit().score(faces.data[:50], faces.target[:50]) == fitted.score(faces.data[:50], faces.target[:50])
    with pytest.raises(ValueError, match=r"expects faces of \(48, 48\)"):
        fitted.predict(np.zeros((2, 100)))


def test_damaged_and_foreign_files_are_named(tmp_path, modern):
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(export_onnx(modern, tmp_path / "net.onnx").read_bytes()[:500])
    with pytest.raises(ValueError, match=r"damaged\.onnx: not a readable ONNX model"):
        OnnxClassifier(str(damaged)).fit()
    with pytest.raises(ValueError, match=r"missing\.onnx' does not exist"):
        OnnxClassifier(str(tmp_path / "missing.onnx")).fit()
    with pytest.raises(ValueError, match="export_onnx needs a sklearn-fer network"):
        export_onnx(FaceCropper(), tmp_path / "x.onnx")
    with pytest.raises(ValueError, match=r"must end in \.onnx"):
        export_onnx(modern, tmp_path / "x.keras")
