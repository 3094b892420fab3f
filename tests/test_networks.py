"""The pure Keras side: builders and our own layers."""

import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from sklearn_fer.estimators import ModernCNNClassifier
from sklearn_fer.networks import FusedBatchNormalization, PerImageRandomCrop, build_cnn, build_modern_cnn, rebuild


def _twin_layers(shape, policy, rng):
    """A Keras batch norm and ours with the same (random) scale and offset."""
    keras_bn = keras.layers.BatchNormalization(momentum=0.5, dtype=policy)
    fused_bn = FusedBatchNormalization(momentum=0.5, dtype=policy)
    gamma, beta = rng.normal(size=(2, shape[-1])).astype("float32")
    for layer in (keras_bn, fused_bn):
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    return keras_bn, fused_bn


@pytest.mark.parametrize("policy, atol", [("float32", 1e-5), ("mixed_bfloat16", 1e-2)])
def test_fused_batch_norm_matches_keras_batch_norm(policy, atol, rng):
    x = tf.constant(rng.normal(1.0, 3.0, size=(8, 5, 6, 3)).astype("float32"))
    if policy == "mixed_bfloat16":
        x = tf.cast(x, "bfloat16")
    keras_bn, fused_bn = _twin_layers(x.shape, policy, rng)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outputs = [layer(x, training=True) for layer in (keras_bn, fused_bn)]
        losses = [tf.reduce_sum(tf.cast(out, "float32") ** 2) for out in outputs]
    assert outputs[0].dtype == outputs[1].dtype
    np.testing.assert_allclose(*(np.float32(out) for out in outputs), atol=atol)
    # Moving statistics: 8 * 5 * 6 = 240 values per channel, so the biased and unbiased
    # variances differ by 0.4%, which this tolerance would catch.
    np.testing.assert_allclose(keras_bn.moving_mean.numpy(), fused_bn.moving_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(keras_bn.moving_variance.numpy(), fused_bn.moving_variance.numpy(), rtol=1e-5)
    for variable in ("gamma", "beta"):
        grads = [tape.gradient(loss, getattr(layer, variable)) for loss, layer in zip(losses, (keras_bn, fused_bn))]
        np.testing.assert_allclose(*grads, rtol=1e-3, atol=atol)
    grads = [np.float32(tape.gradient(loss, x)) for loss in losses]
    np.testing.assert_allclose(*grads, rtol=1e-3, atol=atol)
    inference = [np.float32(layer(x, training=False)) for layer in (keras_bn, fused_bn)]
    np.testing.assert_allclose(*inference, atol=atol)


def test_fused_batch_norm_falls_back_to_keras_off_its_fast_path(rng, monkeypatch):
    fused_calls = []
    fused_op = tf.compat.v1.nn.fused_batch_norm
    monkeypatch.setattr(tf.compat.v1.nn, "fused_batch_norm", lambda *a, **k: fused_calls.append(1) or fused_op(*a, **k))
    for x in (rng.normal(size=(16, 7)), rng.normal(size=(4, 3, 3, 2))):
        x = tf.constant(x.astype("float32"))
        keras_bn, fused_bn = _twin_layers(x.shape, "float32", rng)
        if x.shape.rank == 4:
            fused_bn.center = keras_bn.center = False  # no offset: not covered by the fused op
        np.testing.assert_allclose(keras_bn(x, training=True), fused_bn(x, training=True), rtol=1e-6)
        np.testing.assert_allclose(keras_bn.moving_variance.numpy(), fused_bn.moving_variance.numpy(), rtol=1e-6)
    assert fused_calls == []


def test_batch_norm_builders_use_the_fused_layer():
    modern = build_modern_cnn((48, 48, 1), 7, widths=(4, 8), head_units=8)
    cnn = build_cnn((48, 48, 1), 7, filters=(4,), dense_units=8, batch_norm=True)
    for model, expected in ((modern, 5), (cnn, 2)):  # 2 per block, and the modern head's
        assert sum(isinstance(layer, FusedBatchNormalization) for layer in model.layers) == expected


def test_pickled_batch_norm_network_loads_in_a_fresh_process(faces, tmp_path):
    X, y = faces.data[:140], faces.target[:140]
    estimator = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, random_state=0).fit(X, y)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(estimator))
    np.save(tmp_path / "X.npy", X[:20])
    estimator.save(tmp_path / "model.keras")
    code = (
        "import pickle, sys, numpy as np; from pathlib import Path; folder = Path(sys.argv[1]); "
        "X = np.load(folder / 'X.npy'); "
        "np.save(folder / 'pickled.npy', pickle.loads((folder / 'model.pkl').read_bytes()).predict_proba(X)); "
        "from sklearn_fer.estimators import load_model; "
        "np.save(folder / 'keras.npy', load_model(folder / 'model.keras').predict_proba(X))"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, capture_output=True, text=True)
    expected = estimator.predict_proba(X[:20])
    for name in ("pickled", "keras"):
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.npy"), expected, rtol=1e-5)


def _numbered_images(n, side=12):
    """Images whose pixel values are their flat positions, so a crop tells where it was cut."""
    return np.broadcast_to(np.arange(side * side, dtype="float32").reshape(1, side, side, 1), (n, side, side, 1)).copy()


def test_random_crop_cuts_each_image_at_its_own_place():
    images = _numbered_images(200)
    crops = np.asarray(PerImageRandomCrop(8, 9, seed=0)(images, training=True))
    assert crops.shape == (200, 8, 9, 1)
    tops, lefts = crops[:, 0, 0, 0] // 12, crops[:, 0, 0, 0] % 12
    assert set(tops.astype(int)) == set(range(5)) and set(lefts.astype(int)) == set(range(4))
    for crop, top, left in zip(crops, tops.astype(int), lefts.astype(int)):
        np.testing.assert_array_equal(crop, images[0, top : top + 8, left : left + 9])


def test_random_crop_keeps_the_central_window_at_inference_and_in_the_exported_graph():
    images = _numbered_images(3)
    layer = PerImageRandomCrop(8, 9)
    np.testing.assert_array_equal(layer(images, training=False), images[:, 2:10, 1:10])
    inputs = keras.Input((12, 12, 1))
    model = keras.Model(inputs, keras.layers.Flatten()(layer(inputs)))
    inference = rebuild(model, inference_only=True)
    assert isinstance(inference.layers[1], keras.layers.Cropping2D)
    np.testing.assert_array_equal(inference(images), model(images, training=False))


def test_random_crop_larger_than_the_image_is_refused(faces):
    with pytest.raises(ValueError, match="a 13x13 crop does not fit in 12x12 images"):
        PerImageRandomCrop(13, 13)(_numbered_images(1), training=True)
    network = ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, crop_size=50)
    with pytest.raises(ValueError, match=r"crop_size=50 does not fit in the 48x48 images; use at most 48"):
        network.fit(faces.data[:40], faces.target[:40])


def test_cropping_network_saves_loads_and_predicts_on_central_crops(faces, tmp_path):
    from sklearn_fer.estimators import load_model

    X, y = faces.data[:160], faces.target[:160]
    network = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, crop_size=40, tta_shift=2, random_state=0).fit(X, y)
    assert network.model_.get_layer("augment_crop").output.shape[1:3] == (40, 40)
    network.save(tmp_path / "crop.keras")
    loaded = load_model(tmp_path / "crop.keras")
    np.testing.assert_allclose(loaded.predict_proba(X[:20]), network.predict_proba(X[:20]), rtol=1e-5)




def test_residual_blocks_add_each_blocks_input_projected_only_where_the_width_changes():
    plain = build_modern_cnn((12, 12, 1), 3, widths=(4, 4, 8), head_units=8)
    model = build_modern_cnn((12, 12, 1), 3, widths=(4, 4, 8), head_units=8, residual=True)
    names = [layer.name for layer in model.layers]
    assert [name for name in names if name.endswith("_add")] == ["block0_add", "block1_add", "block2_add"]
    assert [name for name in names if name.endswith("_shortcut")] == ["block0_shortcut", "block2_shortcut"]
    assert not any("_add" in layer.name or "shortcut" in layer.name for layer in plain.layers)
    # block1 (4 -> 4 channels) adds its input itself: the add's second input is block0's output (its dropout).
    assert isinstance(model.get_layer("block1_add").input[1]._keras_history.operation, keras.layers.Dropout)
    shortcut_weights = sum(int(np.prod(w.shape)) for name in ("block0_shortcut", "block2_shortcut") for w in model.get_layer(name).weights)
    shortcut_bn = sum(int(np.prod(w.shape)) for name in ("block0_shortcut_bn", "block2_shortcut_bn") for w in model.get_layer(name).weights)
    assert model.count_params() == plain.count_params() + shortcut_weights + shortcut_bn


def test_convs_per_block_takes_one_count_per_block():
    model = build_modern_cnn((12, 12, 1), 3, widths=(4, 8, 8), convs_per_block=(1, 2, 3), head_units=8, residual=True)
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D) and "shortcut" not in layer.name]
    assert convs == ["block0_0", "block1_0", "block1_1", "block2_0", "block2_1", "block2_2"]
    # The shortcut joins each block after its last convolution, however many it has.
    assert [model.get_layer(f"block{b}_add").input[0]._keras_history.operation.name for b in range(3)] == ["block0_0_bn", "block1_1_bn", "block2_2_bn"]
    with pytest.raises(ValueError, match=r"convs_per_block=\(2, 3\) must be one positive int per block of widths=\(4, 8, 8\) \(3 blocks\)"):
        build_modern_cnn((12, 12, 1), 3, widths=(4, 8, 8), convs_per_block=(2, 3))


def test_network_with_per_block_convs_fits_saves_and_loads_and_rejects_a_count_per_missing_block(faces, tmp_path):
    from sklearn_fer.estimators import load_model

    X, y = faces.data[:120], faces.target[:120]
    network = ModernCNNClassifier(widths=(4, 8), convs_per_block=(1, 2), head_units=8, epochs=1, random_state=0).fit(X, y)
    assert "block1_1" in [layer.name for layer in network.model_.layers] and "block0_1" not in [layer.name for layer in network.model_.layers]
    network.save(tmp_path / "deep.keras")
    np.testing.assert_allclose(load_model(tmp_path / "deep.keras").predict_proba(X[:10]), network.predict_proba(X[:10]), rtol=1e-5)
    for counts in ((2, 2, 3), (2, 0)):
        with pytest.raises(ValueError, match=r"convs_per_block=.* must be one positive int per block of widths=\(4, 8\) \(2 blocks\)"):
            ModernCNNClassifier(widths=(4, 8), convs_per_block=counts, head_units=8, epochs=1).fit(X, y)


def test_erasing_zeroes_one_rectangle_of_each_training_face_after_the_crop_and_nothing_at_inference():
    from sklearn_fer.networks import augmentation_layers

    layers = augmentation_layers(flip=True, crop=40, erasing=1.0, seed=0)
    assert [layer.name for layer in layers][-2:] == ["augment_crop", "augment_erasing"]
    erasing = layers[-1]
    faces = tf.constant(np.random.default_rng(0).uniform(1.0, 2.0, size=(16, 40, 40, 1)).astype("float32"))
    erased = np.asarray(erasing(faces, training=True)) == 0.0
    for mask in erased[..., 0]:  # one filled rectangle a face, each side 14-57% of the face's
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        assert mask.sum() == rows.size * cols.size and np.ptp(rows) + 1 == rows.size and np.ptp(cols) + 1 == cols.size
        assert 0.1 * 40 <= rows.size <= 0.6 * 40 and 0.1 * 40 <= cols.size <= 0.6 * 40
    np.testing.assert_array_equal(np.asarray(erasing(faces, training=False)), np.asarray(faces))
    assert not any(layer.name == "augment_erasing" for layer in augmentation_layers(crop=40, seed=0))


def test_an_erasing_network_fits_saves_loads_and_rebuilds_for_inference_without_its_erasing(faces, tmp_path):
    from sklearn_fer.estimators import load_model

    X, y = faces.data[:120], faces.target[:120]
    network = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, crop_size=44, erasing=0.5, random_state=0).fit(X, y)
    assert network.model_.get_layer("augment_erasing").factor == (0.5, 0.5)
    network.save(tmp_path / "erasing.keras")
    np.testing.assert_allclose(load_model(tmp_path / "erasing.keras").predict_proba(X[:10]), network.predict_proba(X[:10]), rtol=1e-5)
    inference = rebuild(network.model_, inference_only=True)
    assert isinstance(inference.get_layer("augment_erasing"), keras.layers.Identity)
    with pytest.raises(ValueError, match="'erasing' parameter"):
        ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, erasing=1.5).fit(X, y)


def test_squeeze_excitation_rescales_each_blocks_last_convolution_before_the_shortcut_joins_it():
    plain = build_modern_cnn((12, 12, 1), 3, widths=(4, 16), convs_per_block=(1, 2), head_units=8, residual=True)
    model = build_modern_cnn((12, 12, 1), 3, widths=(4, 16), convs_per_block=(1, 2), head_units=8, residual=True, squeeze_excitation=8)
    assert [layer.name for layer in model.layers if layer.name.endswith("_se_scale")] == ["block0_se_scale", "block1_se_scale"]
    assert not any("_se_" in layer.name for layer in plain.layers)
    # The gate takes the last convolution's batch-norm output and feeds the shortcut's add.
    assert [model.get_layer(f"block{b}_se_scale").input[0]._keras_history.operation.name for b in range(2)] == ["block0_0_bn", "block1_1_bn"]
    assert [model.get_layer(f"block{b}_add").input[0]._keras_history.operation.name for b in range(2)] == ["block0_se_scale", "block1_se_scale"]
    # Bottlenecks of channels // 8 units, at least one: 4 channels -> 1 unit, 16 channels -> 2 units.
    assert [model.get_layer(f"block{b}_se_reduce").units for b in range(2)] == [1, 2]
    gate_weights = (4 * 1 + 1) + (1 * 4 + 4) + (16 * 2 + 2) + (2 * 16 + 16)
    assert model.count_params() == plain.count_params() + gate_weights


def test_squeeze_excitation_gate_multiplies_each_channel_by_a_sigmoid_of_the_channel_means():
    from sklearn_fer.networks import squeeze_excitation_gate

    inputs = keras.Input((3, 3, 2))
    model = keras.Model(inputs, squeeze_excitation_gate(inputs, 2, name="se"))
    reduce_kernel, reduce_bias = np.array([[1.0], [-1.0]]), np.array([0.5])
    expand_kernel, expand_bias = np.array([[2.0, -1.0]]), np.array([0.0, 1.0])
    model.get_layer("se_reduce").set_weights([reduce_kernel, reduce_bias])
    model.get_layer("se_expand").set_weights([expand_kernel, expand_bias])
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 2)).astype("float32")
    means = x.mean(axis=(1, 2))
    hidden = np.maximum(means @ reduce_kernel + reduce_bias, 0)
    gate = 1 / (1 + np.exp(-(hidden @ expand_kernel + expand_bias)))
    np.testing.assert_allclose(model.predict(x, verbose=0), x * gate[:, None, None, :], rtol=1e-5, atol=1e-6)


def test_squeeze_excitation_network_fits_saves_loads_and_rejects_a_ratio_below_one(faces, tmp_path):
    from sklearn_fer.estimators import load_model

    X, y = faces.data[:120], faces.target[:120]
    network = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, squeeze_excitation=4, random_state=0).fit(X, y)
    assert network.model_.get_layer("block1_se_reduce").units == 2
    network.save(tmp_path / "se.keras")
    np.testing.assert_allclose(load_model(tmp_path / "se.keras").predict_proba(X[:10]), network.predict_proba(X[:10]), rtol=1e-5)
    with pytest.raises(ValueError, match="'squeeze_excitation' parameter"):
        ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, squeeze_excitation=0).fit(X, y)


def test_residual_network_fits_saves_and_loads(faces, tmp_path):
    from sklearn_fer.estimators import load_model

    X, y = faces.data[:120], faces.target[:120]
    network = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, residual=True, random_state=0).fit(X, y)
    assert network.model_.get_layer("block1_add") is not None
    network.save(tmp_path / "residual.keras")
    np.testing.assert_allclose(load_model(tmp_path / "residual.keras").predict_proba(X[:10]), network.predict_proba(X[:10]), rtol=1e-5)

def test_mixup_and_cutmix_reach_the_training_batches_only(faces, monkeypatch):
    from sklearn_fer.estimators import _base

    calls = []

    def recording(arrays, batch_size, **options):
        calls.append((options.get("mixup", 0.0), options.get("cutmix", 0.0)))
        return array_dataset(arrays, batch_size, **options)

    array_dataset = _base.array_dataset
    monkeypatch.setattr(_base, "array_dataset", recording)
    X, y = faces.data[:120], faces.target[:120]
    network = ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, mixup=0.3, early_stopping=True, random_state=0).fit(X, y)
    assert calls == [(0.3, 0.0), (0.0, 0.0)], "mixed training batches, unmixed validation batches"
    assert network.predict_proba(X[:5]).shape == (5, len(np.unique(y)))
    calls.clear()
    ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, cutmix=1.0, early_stopping=True, random_state=0).fit(X, y)
    assert calls == [(0.0, 1.0), (0.0, 0.0)]
    calls.clear()
    ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, random_state=0).fit(X, y)
    assert calls == [(0.0, 0.0)]
    with pytest.raises(ValueError, match="'mixup' parameter of ModernCNNClassifier must be a float in the range"):
        ModernCNNClassifier(mixup=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="'cutmix' parameter of ModernCNNClassifier must be a float in the range"):
        ModernCNNClassifier(cutmix=-1.0).fit(X, y)
    with pytest.raises(ValueError, match=r"mixup=0.2 and cutmix=1.0: use one of the two \(the other 0\)"):
        ModernCNNClassifier(widths=(4,), head_units=8, epochs=1, mixup=0.2, cutmix=1.0).fit(X, y)

_QUIET_SCRIPT = """
import numpy as np
from sklearn_fer.networks import make_optimizer
make_optimizer("adam", 0.1)
from sklearn_fer.estimators import CNNClassifier
X, y = np.random.default_rng(0).random((40, 2304)), np.arange(40) % 2
for _ in range(6):  # fits in one process trace their own step functions (TensorFlow's "retracing")
    CNNClassifier(filters=(2,), dense_units=4, epochs=1, batch_size=8).fit(X, y).predict(X[:3])
"""


@pytest.mark.parametrize("user_level", [None, "0"])
def test_the_python_api_is_quiet_unless_the_user_asks_for_tensorflow_logs(user_level):
    import os

    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    if user_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = user_level
    stderr = subprocess.run([sys.executable, "-c", _QUIET_SCRIPT], env=env, capture_output=True, text=True, check=True).stderr
    if user_level is None:
        assert "oneDNN" not in stderr and "cuInit" not in stderr and "retracing" not in stderr, stderr
    else:  # the user's level wins: TensorFlow's C++ start-up lines are back
        assert "oneDNN custom operations" in stderr or "cpu_feature_guard" in stderr, stderr
