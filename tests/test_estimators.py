"""The network classifiers: sklearn behaviour, training options, persistence."""

import pickle

import joblib
import keras
import numpy as np
import pytest
from scikeras.wrappers import KerasClassifier
from sklearn.base import clone, is_classifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_fer.estimators import (
    CNNClassifier,
    FNNClassifier,
    ModernCNNClassifier,
    MultiTaskCNNClassifier,
    TransferCNNClassifier,
    load_model,
)
from sklearn_fer.metrics import plot_history
from sklearn_fer.networks import build_cnn
from sklearn_fer.preprocessing import PixelScaler

TINY = {
    "fnn": lambda **kw: FNNClassifier(hidden_layer_sizes=(32,), **kw),
    "cnn": lambda **kw: CNNClassifier(filters=(4, 8), dense_units=16, **kw),
    "transfer": lambda **kw: TransferCNNClassifier(filters=(4, 8), dense_units=16, source_epochs=1, **kw),
    "multitask": lambda **kw: MultiTaskCNNClassifier(filters=(4, 8), dense_units=16, **kw),
    "modern": lambda **kw: ModernCNNClassifier(widths=(4, 8), head_units=8, **kw),
}


@pytest.fixture(scope="module")
def data(faces):
    return faces.data[:280], faces.target[:280], faces.data[280:350], faces.target[280:350]


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_network_is_a_classifier_that_predicts_probabilities(name, data):
    X, y, X_test, y_test = data
    estimator = TINY[name](epochs=1, random_state=0)
    assert is_classifier(estimator)
    assert isinstance(check_cv(5, y, classifier=is_classifier(estimator)), StratifiedKFold)
    assert estimator.fit(X, y) is estimator
    proba = estimator.predict_proba(X_test)
    assert proba.shape == (len(X_test), 7)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(estimator.predict(X_test), estimator.classes_[proba.argmax(axis=1)])
    assert estimator.score(X_test, y_test) == accuracy_score(y_test, estimator.predict(X_test))
    assert set(estimator.history_) >= {"loss"} and len(estimator.history_["loss"]) == 1
    output = estimator.model_.get_layer("emotion")
    assert output.activation is keras.activations.softmax
    assert "CategoricalCrossentropy" in type(estimator.model_.loss if name != "multitask" else estimator.model_.loss["emotion"]).__name__


def test_scikeras_alone_is_not_a_classifier_but_ours_are():
    # The bug our __sklearn_tags__ fixes: GridSearchCV(cv=5) would use KFold, not StratifiedKFold.
    assert not is_classifier(KerasClassifier(model=None))
    assert all(is_classifier(make()) for make in TINY.values())


def test_gridsearch_uses_stratified_folds(data, monkeypatch):
    X, y, _, _ = data
    seen = []
    original = StratifiedKFold.split
    monkeypatch.setattr(StratifiedKFold, "split", lambda self, *a, **k: seen.append(1) or original(self, *a, **k))
    search = GridSearchCV(TINY["fnn"](epochs=1), {"dropout": [0.0, 0.2]}, cv=2).fit(X, y)
    assert seen and search.best_params_["dropout"] in (0.0, 0.2)


def test_pipeline_cross_val_clone_and_pickle(data, tmp_path):
    X, y, X_test, _ = data
    pipe = make_pipeline(PixelScaler(), TINY["cnn"](epochs=1, random_state=0))
    assert cross_val_score(pipe, X, y, cv=2).shape == (2,)
    pipe.fit(X, y)
    expected = pipe.predict_proba(X_test)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(pipe)).predict_proba(X_test), expected, rtol=1e-6)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    np.testing.assert_allclose(joblib.load(tmp_path / "pipe.joblib").predict_proba(X_test), expected, rtol=1e-6)
    assert clone(pipe).get_params()["cnnclassifier__filters"] == (4, 8)


def test_flat_and_image_input_agree(data):
    X, y, X_test, _ = data
    estimator = TINY["cnn"](epochs=1, random_state=0).fit(X, y)
    images = X_test.reshape(-1, 48, 48)
    np.testing.assert_allclose(estimator.predict_proba(images), estimator.predict_proba(X_test), rtol=1e-6)
    np.testing.assert_allclose(estimator.predict_proba(images[..., None]), estimator.predict_proba(X_test), rtol=1e-6)


@pytest.mark.parametrize("kind", sorted(TINY))
def test_tta_flip_averages_each_face_with_its_mirror_image(data, kind):
    X, y, X_test, _ = data
    estimator = TINY[kind](epochs=1, tta_flip=False, random_state=0).fit(X, y)
    mirrored = X_test.reshape(-1, 48, 48)[:, :, ::-1].reshape(len(X_test), -1)
    plain, on_mirrors = estimator.predict_proba(X_test), estimator.predict_proba(mirrored)
    assert not np.allclose(plain, on_mirrors, atol=1e-4)  # else the average below would prove nothing
    estimator.set_params(tta_flip=True)
    np.testing.assert_allclose(estimator.predict_proba(X_test), (plain + on_mirrors) / 2, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(estimator.predict(X_test), estimator.classes_[((plain + on_mirrors) / 2).argmax(axis=1)])
    assert TINY[kind]().tta_flip is (kind == "modern")  # off by default except in the modern recipe


def _moved(X, dy, dx):
    """Faces moved by (dy, dx) pixels, the uncovered border filled with the nearest edge pixel."""
    from scipy.ndimage import shift

    return np.stack([shift(face, (dy, dx), order=0, mode="nearest") for face in X.reshape(-1, 48, 48)]).reshape(len(X), -1)


@pytest.mark.parametrize("tta_flip", [False, True])
def test_tta_shift_averages_nine_shifted_positions(data, tta_flip):
    X, y, X_test, _ = data
    estimator = TINY["cnn"](epochs=1, tta_flip=tta_flip, random_state=0).fit(X, y)
    assert estimator.tta_shift == 0
    unshifted = estimator.predict_proba(X_test)
    views = [estimator.predict_proba(_moved(X_test, dy, dx)) for dy in (-2, 0, 2) for dx in (-2, 0, 2)]
    assert not np.allclose(views[0], unshifted, atol=1e-4)  # else the average below would prove nothing
    estimator.set_params(tta_shift=2)
    np.testing.assert_allclose(estimator.predict_proba(X_test), np.mean(views, axis=0), rtol=1e-5, atol=1e-7)
    estimator.set_params(tta_shift=-1)
    with pytest.raises(ValueError, match="tta_shift must be an integer number of pixels in \\[0, 48\\), got -1"):
        estimator.predict(X_test)


def test_random_state_makes_fits_identical(data):
    X, y, X_test, _ = data
    first = TINY["cnn"](epochs=2, flip=True, random_state=3).fit(X, y).predict_proba(X_test)
    second = TINY["cnn"](epochs=2, flip=True, random_state=3).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(first, second)


def test_augmentation_is_active_in_fit_and_inactive_in_predict(data):
    X, y, X_test, _ = data
    estimator = TINY["cnn"](epochs=1, flip=True, rotation=20, shift=0.2, zoom=0.2, random_state=0).fit(X, y)
    names = [layer.name for layer in estimator.model_.layers]
    assert {"augment_flip", "augment_rotation", "augment_shift", "augment_zoom"} <= set(names)
    images = estimator.feature_encoder_.transform(X_test)
    augmenter = keras.Sequential([estimator.model_.get_layer(n) for n in names if n.startswith("augment_")])
    # Training mode (what model.fit runs) changes the images; inference mode leaves them alone.
    assert not np.allclose(np.asarray(augmenter(images, training=True)), images)
    np.testing.assert_array_equal(np.asarray(augmenter(images, training=False)), images)
    np.testing.assert_allclose(
        estimator.predict_proba(X_test), np.asarray(estimator.model_(images, training=False)), rtol=1e-5, atol=1e-6
    )


def _unbatched(dataset):
    """The arrays a tf.data pipeline fed to Keras, in the order of one pass."""
    batches = list(dataset.as_numpy_iterator())
    return tuple(np.concatenate(parts) for parts in zip(*batches))


def test_balanced_class_weight_reaches_keras(data, monkeypatch):
    X, y, _, _ = data
    X, y = X[: 40 + 200], np.r_[np.zeros(200, int), np.ones(40, int)]
    seen = {}
    original = keras.Model.fit

    def spy(self, dataset, *args, **kwargs):
        _, targets, seen["weights"] = _unbatched(dataset)
        seen["labels"] = targets.argmax(axis=1)
        return original(self, dataset, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    TINY["fnn"](epochs=1, class_weight="balanced").fit(X, y)
    labels, weights = seen["labels"], seen["weights"]
    assert np.bincount(labels).tolist() == [200, 40]
    np.testing.assert_allclose(weights[labels == 1], 240 / (2 * 40))
    np.testing.assert_allclose(weights[labels == 0], 240 / (2 * 200))


def test_early_stopping_holds_out_a_validation_split_and_stops(data):
    X, y, _, _ = data
    shuffled = np.random.default_rng(0).permutation(y)  # unlearnable labels: validation loss cannot improve for long
    estimator = TINY["fnn"](epochs=40, early_stopping=True, n_iter_no_change=2, learning_rate=1e-2, random_state=0).fit(X, shuffled)
    history = estimator.history_
    assert "val_loss" in history and "val_accuracy" in history
    assert len(history["loss"]) < 40
    assert plot_history(history).axes


def test_early_stopping_split_is_stratified_and_seeded(data, monkeypatch):
    from sklearn.model_selection import train_test_split

    X, _, _, _ = data
    y = np.r_[np.zeros(200, int), np.ones(40, int), np.full(40, 2)]  # imbalanced, as FER2013 is
    seen = {}
    original = keras.Model.fit

    def spy(self, *args, **kwargs):
        seen["validation"] = _unbatched(kwargs["validation_data"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    TINY["fnn"](epochs=1, early_stopping=True, validation_fraction=0.25, random_state=3).fit(X, y)
    X_val, y_val, _ = seen["validation"]
    assert np.bincount(y_val.argmax(axis=1)).tolist() == [50, 10, 10]  # a quarter of each class
    _, expected = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=3)
    np.testing.assert_array_equal(X_val.reshape(len(X_val), -1), X[expected].astype(np.float32))


@pytest.mark.parametrize("monitor", ["accuracy", "loss"])
def test_early_stopping_restores_the_best_epoch_of_its_monitor(faces, monitor):
    from sklearn.model_selection import train_test_split

    X, y = faces.data, faces.target
    estimator = TINY["fnn"](epochs=12, early_stopping=True, n_iter_no_change=2, monitor=monitor, random_state=0).fit(X, y)
    history = estimator.history_
    values = history[f"val_{monitor}"]
    best = int(np.argmax(values) if monitor == "accuracy" else np.argmin(values))
    assert len(values) == 12 or len(values) == best + 1 + 2  # stopped 2 epochs after the best one
    _, validation = train_test_split(np.arange(len(y)), test_size=0.1, stratify=y, random_state=0)
    # The restored weights are the best epoch's: they reproduce its logged validation accuracy.
    assert estimator.score(X[validation], y[validation]) == pytest.approx(history["val_accuracy"][best], abs=1e-6)


def test_multitask_monitors_its_emotion_head(data):
    X, y, _, _ = data
    estimator = TINY["multitask"](epochs=1, early_stopping=True, aux_data=(X[:40].reshape(-1, 48, 48), y[:40] % 3))
    callbacks = estimator.set_params(monitor="accuracy")._callbacks(True)
    assert [(c.monitor, c.mode) for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)] == [("val_emotion_accuracy", "max")]
    estimator.fit(X, y)
    assert "val_emotion_accuracy" in estimator.history_
    callbacks = estimator.set_params(monitor="loss", lr_schedule="plateau")._callbacks(True)
    assert {(type(c).__name__, c.monitor, c.mode) for c in callbacks} == {
        ("EarlyStopping", "val_loss", "min"), ("ReduceLROnPlateau", "val_loss", "min")
    }


def test_save_and_load_keras_format(data, tmp_path):
    X, y, X_test, _ = data
    estimator = TINY["modern"](epochs=1, random_state=0).fit(X, y)
    estimator.save(tmp_path / "modern.keras")
    loaded = load_model(tmp_path / "modern.keras")
    assert type(loaded) is ModernCNNClassifier and loaded.get_params()["widths"] == (4, 8)
    np.testing.assert_allclose(loaded.predict_proba(X_test), estimator.predict_proba(X_test), rtol=1e-5)
    np.testing.assert_array_equal(loaded.predict(X_test), estimator.predict(X_test))
    with pytest.raises(ValueError, match="must end in .keras"):
        estimator.save(tmp_path / "model.h5")
    plain = tmp_path / "plain.keras"
    estimator.model_.save(plain)
    with pytest.raises(ValueError, match="not saved by sklearn-fer"):
        load_model(plain)


def test_multitask_reports_categorical_accuracy_per_head(data, rng):
    X, y, X_test, y_test = data
    aux = (rng.integers(0, 256, (60, 28, 28)), np.arange(60) % 10)
    estimator = TINY["multitask"](aux_data=aux, epochs=2, random_state=0).fit(X, y)
    assert {"emotion_accuracy", "aux_accuracy"} <= set(estimator.history_)
    assert estimator.n_aux_classes_ == 10
    stopped = TINY["multitask"](aux_data=aux, epochs=2, early_stopping=True, random_state=0).fit(X, y)
    assert "val_emotion_accuracy" in stopped.history_ and not any(k.startswith("val_aux_") for k in stopped.history_)
    images = estimator.feature_encoder_.transform(X_test)
    one_hot = estimator.target_encoder_.transform(y_test)
    targets = {"emotion": one_hot, "aux": np.zeros((len(X_test), 10), np.float32)}
    weights = {"emotion": np.ones(len(X_test), np.float32), "aux": np.zeros(len(X_test), np.float32)}
    reported = estimator.model_.evaluate(images, targets, sample_weight=weights, return_dict=True, verbose=0)
    # The accuracy Keras reports is the classification accuracy (the baseline report's 86% was binary accuracy).
    assert reported["emotion_accuracy"] == pytest.approx(accuracy_score(y_test, estimator.predict(X_test)), abs=1e-6)


def test_transfer_freezes_the_source_convolutions(data, faces):
    X, y, X_test, _ = data
    source = build_cnn((28, 28, 1), 10, filters=(4, 8), dense_units=16)
    source_weights = [w.copy() for w in source.get_layer("conv0_0").get_weights()]
    frozen = TransferCNNClassifier(source_model=source, filters=(4, 8), dense_units=16, freeze="all", epochs=1, random_state=0)
    frozen.fit(X, y)
    transferred = frozen.model_.get_layer("conv0_0")
    assert not transferred.trainable
    for before, after in zip(source_weights, transferred.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert frozen.model_.get_layer("resize").output.shape[1:3] == (28, 28)
    tuned = TransferCNNClassifier(source_model=source, filters=(4, 8), dense_units=16, freeze=1, epochs=1, random_state=0)
    tuned.fit(X, y)
    assert not tuned.model_.get_layer("conv0_0").trainable and tuned.model_.get_layer("conv0_1").trainable
    # The caller's source model is not modified.
    assert source.get_layer("conv0_0").trainable


def test_transfer_trains_a_source_and_fine_tunes(data):
    X, y, _, _ = data
    estimator = TINY["transfer"](epochs=1, fine_tune_epochs=1, random_state=0).fit(X, y)
    assert len(estimator.source_history_["loss"]) == 1
    assert len(estimator.history_["loss"]) == 2 and len(estimator.history_["accuracy"]) == 2
    assert all(layer.trainable for layer in estimator.model_.layers)


@pytest.mark.parametrize("name", sorted(TINY))
def test_cosine_schedule_decays_the_learning_rate_to_zero_over_the_run(name, data):
    X, y, _, _ = data
    estimator = TINY[name](epochs=2, learning_rate=0.01, lr_schedule="cosine", early_stopping=True, random_state=0)
    rates = estimator.fit(X, y).history_["learning_rate"]
    # Logged at each epoch's end: cosine decay over all steps of the 2 epochs (auxiliary images included).
    np.testing.assert_allclose(rates, [0.01 * 0.5 * (1 + np.cos(np.pi * k / 2)) for k in (1, 2)], atol=1e-6)


@pytest.mark.parametrize("name", sorted(TINY))
def test_mixed_bfloat16_computes_in_bfloat16_between_float32_inputs_and_outputs(name, data):
    X, y, X_test, _ = data
    estimator = TINY[name](epochs=1, dtype_policy="mixed_bfloat16", random_state=0).fit(X, y)
    layers = estimator.model_.layers
    hidden = [layer for layer in layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and layer.name not in ("emotion", "aux")]
    assert hidden and all(layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32" for layer in hidden)
    outputs = [layer for layer in layers if layer.name in ("emotion", "aux", "standardize")]
    assert len(outputs) == (3 if name == "multitask" else 2) and all(layer.compute_dtype == "float32" for layer in outputs)
    proba = estimator.predict_proba(X_test)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert keras.config.dtype_policy().name == "float32"  # the builder put the global policy back


@pytest.fixture
def bfloat16_native(fresh_auto):
    """This process treats bfloat16 as native, as a CPU with AVX512-BF16 or AMX does (without, copies
    are rebuilt in float32: test_precision covers that path)."""
    from sklearn_fer.networks import _precision

    fresh_auto.setenv(_precision.ENVIRONMENT_VARIABLE, "mixed_bfloat16")


def test_mixed_bfloat16_network_survives_pickle_and_keras_format(data, tmp_path, bfloat16_native):
    X, y, X_test, _ = data
    estimator = TINY["cnn"](epochs=1, dtype_policy="mixed_bfloat16", random_state=0).fit(X, y)
    estimator.save(tmp_path / "cnn.keras")
    for copy in (load_model(tmp_path / "cnn.keras"), pickle.loads(pickle.dumps(estimator))):
        assert copy.model_.get_layer("conv0_0").compute_dtype == "bfloat16"
        np.testing.assert_array_equal(copy.predict_proba(X_test), estimator.predict_proba(X_test))


def test_plateau_schedule_and_constant_rate(data):
    X, y, _, _ = data
    plateau = TINY["fnn"](epochs=2, lr_schedule="plateau").fit(X, y)
    assert plateau.history_["learning_rate"] == pytest.approx([1e-3, 1e-3])
    assert any(isinstance(c, keras.callbacks.ReduceLROnPlateau) for c in plateau._callbacks(False))
    constant = TINY["fnn"](epochs=2).fit(X, y)
    assert "learning_rate" not in constant.history_
    assert float(constant.model_.optimizer.learning_rate) == pytest.approx(1e-3)


def test_docstrings_show_each_networks_own_defaults():
    assert "lr_schedule : {\"cosine\", \"plateau\", None}, default='cosine'" in ModernCNNClassifier.__doc__
    assert "optimizer : str or dict, default='adamw'" in ModernCNNClassifier.__doc__
    assert "lr_schedule : {\"cosine\", \"plateau\", None}, default=None" in CNNClassifier.__doc__
    assert "{common}" not in TransferCNNClassifier.__doc__ and "learning_rate : float, default=0.001" in TransferCNNClassifier.__doc__


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(validation_fraction=1.5), "validation_fraction"),
        (dict(epochs=0), "The 'epochs' parameter of FNNClassifier must be an int in the range \\[1, inf\\). Got 0"),
        (dict(class_weight="weird"), "class_weight"),
        (dict(monitor="f1"), "The 'monitor' parameter of FNNClassifier must be a str among .*'loss'.* Got 'f1'"),
        (dict(lr_schedule="step"), "The 'lr_schedule' parameter of FNNClassifier must be a str among .*'cosine'.* or None. Got 'step'"),
        (dict(dropout=2), "The 'dropout' parameter of FNNClassifier must be a float in the range \\[0.0, 1.0\\). Got 2"),
        (dict(learning_rate=-1), "The 'learning_rate' parameter of FNNClassifier must be a float in the range \\(0.0, inf\\). Got -1"),
        (dict(optimizer="nonsense"), "optimizer 'nonsense': Could not interpret optimizer identifier"),
        (dict(optimizer={"class_name": "SGD", "config": {"nesterovv": True}}), "optimizer .*: Argument\\(s\\) not recognized: \\{'nesterovv'"),
        (dict(optimizer={"config": {}}), "optimizer config \\{'config': \\{\\}\\}: expected \\{'class_name'"),
        (dict(dtype_policy="float16"), "The 'dtype_policy' parameter of FNNClassifier must be a str among .*'auto'.* Got 'float16'"),
        (dict(image_shape=(10, 10)), "image_shape=\\(10, 10\\) needs 100 features"),
        (dict(tta_shift=48), "tta_shift must be an integer number of pixels in \\[0, 48\\), got 48"),
        (dict(tta_shift=1.5), "The 'tta_shift' parameter of FNNClassifier must be an int"),
    ],
)
def test_bad_parameters_raise_clear_errors(data, params, message):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=message):
        TINY["fnn"](**{"epochs": 1, **params}).fit(X, y)


def test_single_class_is_rejected(data):
    X, _, _, _ = data
    with pytest.raises(ValueError, match="at least 2 classes"):
        TINY["fnn"](epochs=1).fit(X[:10], np.zeros(10, int))


def test_an_optimizer_config_sets_what_a_name_cannot(data, tmp_path):
    from sklearn_fer.estimators import load_model

    X, y, _, _ = data
    config = {"class_name": "SGD", "config": {"momentum": 0.8, "nesterov": True, "weight_decay": 5e-4}}
    network = TINY["cnn"](epochs=1, optimizer=config, learning_rate=0.02, lr_schedule=None).fit(X, y)
    optimizer = network.model_.optimizer
    assert type(optimizer).__name__ == "SGD" and optimizer.nesterov and optimizer.weight_decay == 5e-4
    assert np.isclose(float(optimizer.momentum), 0.8) and np.isclose(float(optimizer.learning_rate), 0.02)
    network.save(tmp_path / "sgd.keras")
    assert load_model(tmp_path / "sgd.keras").get_params()["optimizer"] == config


def test_a_weight_averaging_optimizer_validates_and_restores_the_averaged_weights(data):
    # ema_momentum=1.0 freezes Keras's moving average at the weights after the first step, so every
    # epoch validates the same averaged weights, and fits of any length restore the same network.
    X, y, _, _ = data
    averaged = {"class_name": "Adam", "config": {"use_ema": True, "ema_momentum": 1.0}}
    fits = [
        TINY["fnn"](epochs=epochs, optimizer=averaged, early_stopping=True, n_iter_no_change=10, random_state=0).fit(X, y)
        for epochs in (3, 4)
    ]
    assert np.ptp(fits[1].history_["val_loss"]) < 1e-6
    np.testing.assert_allclose(fits[0].predict_proba(X), fits[1].predict_proba(X), atol=1e-6)
    raw = TINY["fnn"](epochs=3, early_stopping=True, n_iter_no_change=10, random_state=0).fit(X, y)
    assert np.ptp(raw.history_["val_loss"]) > 1e-3
    # Without validation, Keras puts the average in place at the end of fit.
    on_all = [TINY["fnn"](epochs=epochs, optimizer=averaged, random_state=0).fit(X, y) for epochs in (2, 3)]
    np.testing.assert_allclose(on_all[0].predict_proba(X), on_all[1].predict_proba(X), atol=1e-6)


# -- soft targets and distillation ------------------------------------------------------------------


def _one_hot(labels, n_classes=7):
    return np.eye(n_classes, dtype=np.float32)[labels]


def test_target_probabilities_replace_the_labels(data):
    X, y, _, _ = data
    by_labels = TINY["fnn"](epochs=3, random_state=0).fit(X, y)
    by_one_hot = TINY["fnn"](epochs=3, random_state=0).fit(X, y, target_probabilities=_one_hot(y))
    np.testing.assert_allclose(by_one_hot.predict_proba(X), by_labels.predict_proba(X), atol=1e-6)
    shifted = (y + 1) % 7  # the targets say another class than y for every face
    taught = TINY["fnn"](epochs=8, random_state=0).fit(X, y, target_probabilities=_one_hot(shifted))
    assert (taught.predict(X) == shifted).mean() > 0.5 > (taught.predict(X) == y).mean()


def test_bad_target_probabilities_are_refused(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=r"target_probabilities has shape \(280, 6\); expected \(280, 7\)"):
        TINY["fnn"](epochs=1).fit(X, y, target_probabilities=np.full((280, 6), 1 / 6))
    with pytest.raises(ValueError, match="each row must sum to 1"):
        TINY["fnn"](epochs=1).fit(X, y, target_probabilities=np.full((280, 7), 0.5))


def test_soften_is_the_softmax_of_logits_over_the_temperature():
    from scipy.special import softmax

    from sklearn_fer.estimators._distilled import soften

    logits = np.random.default_rng(0).normal(size=(5, 7)) * 3
    np.testing.assert_allclose(soften(softmax(logits, axis=1), 1.0), softmax(logits, axis=1), rtol=1e-6)
    np.testing.assert_allclose(soften(softmax(logits, axis=1), 4.0), softmax(logits / 4.0, axis=1), rtol=1e-6)


def test_distilled_student_learns_from_a_frozen_teacher(data):
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    from sklearn_fer.estimators import DistilledClassifier

    X, y, X_test, _ = data
    # A teacher that confidently names another class than y for every training face.
    teacher = LogisticRegression(max_iter=300).fit(X / 255.0, (y + 1) % 7)
    frozen = FrozenEstimator(make_pipeline(PixelScaler(), teacher))
    teacher_says = frozen.predict(X)
    assert (teacher_says == (y + 1) % 7).mean() > 0.95
    student = TINY["fnn"](epochs=8, random_state=0)
    copying = DistilledClassifier(frozen, student, temperature=1.0, alpha=0.0)
    assert copying.fit(X, y) is copying
    assert copying.teacher_ is frozen  # frozen: kept as it is, not refitted
    np.testing.assert_array_equal(copying.classes_, np.arange(7))
    np.testing.assert_allclose(copying.predict_proba(X_test), copying.student_.predict_proba(X_test))
    # alpha=0: the student learns what the teacher says; alpha=1: the labels alone.
    labels_only = DistilledClassifier(frozen, student, alpha=1.0).fit(X, y)
    assert (copying.predict(X) == teacher_says).mean() > 0.5 > (copying.predict(X) == y).mean()
    assert (labels_only.predict(X) == y).mean() > 0.5 > (labels_only.predict(X) == teacher_says).mean()
    np.testing.assert_allclose(labels_only.predict_proba(X_test), clone(student).fit(X, y).predict_proba(X_test), atol=1e-6)


def test_a_teacher_without_some_classes_of_y_is_refused(data):
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    from sklearn_fer.estimators import DistilledClassifier

    X, y, _, _ = data
    partial = LogisticRegression(max_iter=50).fit(X[y < 5], y[y < 5])
    with pytest.raises(ValueError, match=r"the teacher knows the classes \[0, 1, 2, 3, 4\]; y also has \[5, 6\]"):
        DistilledClassifier(FrozenEstimator(partial), TINY["fnn"](epochs=1)).fit(X, y)
