"""Networks that learn from a second data set: MNIST transfer and joint MNIST + FER multi-task."""

import os

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._base import _seeded
from ._feeding import array_dataset
from ._networks import CONV_SPACE, TINY_CONV, TRAINING_SPACE, CNNClassifier


def default_source_digits():
    """scikit-learn's bundled 8x8 digits upscaled to 28x28 (0-255), used when no source data is given."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _resize_images(digits.images * (255.0 / 16.0), (28, 28)), digits.target


def _resize_images(images, shape):
    from skimage.transform import resize

    images = np.asarray(images, dtype=np.float64)
    if images.shape[1:3] == tuple(shape):
        return images
    return resize(images, (len(images), *shape), order=1, anti_aliasing=True, preserve_range=True)


def _as_square_images(X, name):
    X = np.asarray(X)
    if X.ndim == 4 and X.shape[-1] == 1:
        X = X[..., 0]
    if X.ndim == 2:
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(f"{name}: flat rows must be square images, got {X.shape[1]} values per row")
        X = X.reshape(len(X), side, side)
    if X.ndim != 3:
        raise ValueError(f"{name}: expected images (n, h, w) or flat rows (n, h*w), got shape {X.shape}")
    return X


def _check_pair(data, name):
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(f"{name} must be a pair (X, y), got {type(data).__name__}")
    X, y = _as_square_images(data[0], name), np.asarray(data[1])
    if len(X) != len(y):
        raise ValueError(f"{name}: X has {len(X)} samples but y has {len(y)}")
    return X, y


def _one_hot(labels, classes):
    return (np.asarray(labels)[:, None] == np.asarray(classes)[None, :]).astype(np.float32)


def _tiny_task():
    """40 random 4x4 images of 4 classes: an auxiliary or source task small enough for the common checks."""
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, (40, 4, 4)), np.arange(40) % 4


class TransferCNNClassifier(CNNClassifier):
    """CNN pretrained on a source task (MNIST in the baseline report) with a new 7-way head for FER.

    In ``fit``: a CNN of the baseline report's architecture is trained on the source data
    (or loaded from ``source_model``), its conv layers are moved to a network
    whose FER input is resized to the source size inside the model, the first
    layers are frozen as asked, a new head is trained, and optionally the whole
    network is fine-tuned at a lower learning rate.

    Parameters
    ----------
    source_data : tuple (X_src, y_src) or None, default=None
        Source images (flat square rows or ``(n, h, w)``) and labels, e.g.
        ``load_mnist(path, return_X_y=True)``. ``None``: scikit-learn's bundled
        digits upscaled to 28x28.
    source_model : str, path or keras.Model, default=None
        A trained source CNN (``.keras`` file or model) to use instead of training one.
    source_epochs : int, default=3
    source_input_shape : tuple of int, default=(28, 28)
        Size the source images are resized to (and FER images, inside the network).
    freeze : "all", "none" or int, default="all"
        Freeze all source conv layers, none, or the first ``k``.
    fine_tune_epochs : int, default=0
        Epochs of training the whole network after the head.
    fine_tune_learning_rate : float, default=1e-4
    filters, kernel_size, padding, batch_norm, dropout, dense_units, dense_dropout
        Architecture of the source CNN and the new head (see :class:`CNNClassifier`).
{common}
    source_history_ : dict
        Training history of the source network (empty when it was loaded).
    """

    _search_space = {
        "freeze": ("choice", ["all", "none", 2, 4]),
        "fine_tune_learning_rate": ("loguniform", 1e-5, 1e-3),
        "dropout": ("uniform", 0.1, 0.5),
        **TRAINING_SPACE,
    }
    # A tiny source task keeps each check fast; tests/test_common.py swaps in a saved source model.
    _test_params = [dict(TINY_CONV, source_data=_tiny_task(), source_epochs=1, freeze="none")]
    _parameter_constraints: dict = {
        **CNNClassifier._parameter_constraints,
        "source_data": [tuple, list, None],
        "source_model": [str, os.PathLike, HasMethods(["save", "get_layer"]), None],  # a path or a keras.Model
        "source_epochs": [Interval(Integral, 1, None, closed="left")],
        "source_input_shape": [tuple, list],
        "freeze": [StrOptions({"all", "none"}), Interval(Integral, 0, None, closed="left")],
        "fine_tune_epochs": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        source_data=None,
        source_model=None,
        source_epochs=3,
        source_input_shape=(28, 28),
        freeze="all",
        fine_tune_epochs=0,
        fine_tune_learning_rate=1e-4,
        filters=(32, 64),
        kernel_size=3,
        padding="same",
        batch_norm=False,
        dropout=0.25,
        dense_units=512,
        dense_dropout=0.5,
        image_shape=(48, 48),
        optimizer="adam",
        learning_rate=1e-3,
        lr_schedule=None,
        batch_size=64,
        epochs=10,
        class_weight=None,
        rotation=0.0,
        flip=False,
        shift=0.0,
        zoom=0.0,
        label_smoothing=0.0,
        tta_flip=False,
        tta_shift=0,
        dtype_policy="float32",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        monitor="accuracy",
        random_state=None,
        verbose=0,
    ):
        self.source_data = source_data
        self.source_model = source_model
        self.source_epochs = source_epochs
        self.source_input_shape = source_input_shape
        self.freeze = freeze
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.filters = filters
        self.kernel_size = kernel_size
        self.padding = padding
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.dense_units = dense_units
        self.dense_dropout = dense_dropout
        self.image_shape = image_shape
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.class_weight = class_weight
        self.rotation = rotation
        self.flip = flip
        self.shift = shift
        self.zoom = zoom
        self.label_smoothing = label_smoothing
        self.tta_flip = tta_flip
        self.tta_shift = tta_shift
        self.dtype_policy = dtype_policy
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor
        self.random_state = random_state
        self.verbose = verbose

    def _train_source(self):
        from ..networks import build_cnn

        X_src, y_src = _check_pair(self.source_data, "source_data") if self.source_data is not None else default_source_digits()
        X_src = _resize_images(X_src, self.source_input_shape).astype(np.float32)[..., np.newaxis]
        classes = np.unique(y_src)
        model = build_cnn(
            X_src.shape[1:],
            len(classes),
            mean=float(X_src.mean()),
            variance=float(X_src.var()) or 1.0,
            name="source_cnn",
            learning_rate=self.learning_rate,
            dtype_policy=self.dtype_policy_,
            **self._cnn_args(),
        )
        with _seeded(self._random_state):
            source = array_dataset((X_src, _one_hot(y_src, classes)), self.batch_size, shuffle=True, seed=self._random_state)
            history = model.fit(source, epochs=self.source_epochs, verbose=self.verbose)
        self.source_history_ = {k: [float(v) for v in vs] for k, vs in history.history.items()}
        return model

    def _load_source(self):
        import keras

        self.source_history_ = {}
        if isinstance(self.source_model, keras.Model):
            # A copy: freezing layers must not change the caller's model.
            copy = keras.models.clone_model(self.source_model)
            copy.set_weights(self.source_model.get_weights())
            return copy
        if isinstance(self.source_model, (str, os.PathLike)):
            if not os.path.isfile(self.source_model):
                raise ValueError(f"source_model {str(self.source_model)!r} does not exist")
            return keras.models.load_model(self.source_model, safe_mode=True)
        raise ValueError(f"source_model must be a path or a keras.Model, got {type(self.source_model).__name__}")

    def _build_network(self, input_shape, n_classes):
        from ..networks import build_transfer_cnn

        source = self._load_source() if self.source_model is not None else self._train_source()
        return build_transfer_cnn(
            source,
            input_shape,
            n_classes,
            freeze=self.freeze,
            dense_units=self.dense_units,
            dense_dropout=self.dense_dropout,
            optimizer=self.optimizer,
            **self._common_build_args(),
        )

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        super()._fit_keras_model(X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs)
        if not self.fine_tune_epochs:
            return
        import keras

        from ..networks import make_optimizer

        for layer in self.model_.layers:
            layer.trainable = True
        self.model_.compile(
            optimizer=make_optimizer(self.optimizer, self._scheduled(self.fine_tune_learning_rate, self.fine_tune_epochs)),
            loss=self.model_.loss,
            metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
        )
        done = len(self.history_["loss"])
        super()._fit_keras_model(X, y, sample_weight, True, self.fine_tune_epochs, done, **kwargs)


class MultiTaskCNNClassifier(CNNClassifier):
    """One conv trunk shared by a FER head and an auxiliary head (MNIST in the baseline report), trained jointly.

    Each batch mixes FER faces and auxiliary images (resized to the FER size);
    every sample is labelled for its own head only (weight 0 on the other).
    ``predict``, ``predict_proba`` and ``score`` are for FER. ``history_``
    reports *categorical* accuracy per head (``emotion_accuracy``,
    ``aux_accuracy``): the baseline report's 86% was binary accuracy of a binary
    cross-entropy model on 7 classes, not a classification accuracy.

    Parameters
    ----------
    aux_data : tuple (X_aux, y_aux) or None, default=None
        Auxiliary images and labels (e.g. ``load_mnist(path, return_X_y=True)``);
        ``None``: scikit-learn's bundled digits upscaled.
    aux_loss_weight : float, default=0.5
        Weight of the auxiliary loss relative to the FER loss.
    filters, kernel_size, padding, batch_norm, dropout, dense_units, dense_dropout
        Architecture of the shared trunk and of each head (see :class:`CNNClassifier`).
{common}
    n_aux_classes_ : int
        Number of auxiliary classes.
    """

    _search_space = {"aux_loss_weight": ("uniform", 0.05, 1.0), **CONV_SPACE, **TRAINING_SPACE}
    _test_params = [dict(TINY_CONV, aux_data=_tiny_task())]
    _parameter_constraints: dict = {
        **CNNClassifier._parameter_constraints,
        "aux_data": [tuple, list, None],
        "aux_loss_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        aux_data=None,
        aux_loss_weight=0.5,
        filters=(32, 64),
        kernel_size=3,
        padding="same",
        batch_norm=False,
        dropout=0.25,
        dense_units=512,
        dense_dropout=0.5,
        image_shape=(48, 48),
        optimizer="adam",
        learning_rate=1e-3,
        lr_schedule=None,
        batch_size=64,
        epochs=10,
        class_weight=None,
        rotation=0.0,
        flip=False,
        shift=0.0,
        zoom=0.0,
        label_smoothing=0.0,
        tta_flip=False,
        tta_shift=0,
        dtype_policy="float32",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        monitor="accuracy",
        random_state=None,
        verbose=0,
    ):
        self.aux_data = aux_data
        self.aux_loss_weight = aux_loss_weight
        self.filters = filters
        self.kernel_size = kernel_size
        self.padding = padding
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.dense_units = dense_units
        self.dense_dropout = dense_dropout
        self.image_shape = image_shape
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.class_weight = class_weight
        self.rotation = rotation
        self.flip = flip
        self.shift = shift
        self.zoom = zoom
        self.label_smoothing = label_smoothing
        self.tta_flip = tta_flip
        self.tta_shift = tta_shift
        self.dtype_policy = dtype_policy
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor
        self.random_state = random_state
        self.verbose = verbose

    def _aux_pair(self):
        """The auxiliary ``(images, labels)`` as given (validated, not yet resized)."""
        return _check_pair(self.aux_data, "aux_data") if self.aux_data is not None else default_source_digits()

    def _build_network(self, input_shape, n_classes):
        from ..networks import build_multitask_cnn

        _, y_aux = self._aux_pair()
        self.aux_classes_ = np.unique(y_aux)
        self.n_aux_classes_ = len(self.aux_classes_)
        args = self._cnn_args()
        args.pop("padding")
        return build_multitask_cnn(
            input_shape,
            n_classes,
            self.n_aux_classes_,
            aux_loss_weight=self.aux_loss_weight,
            **args,
            **self._common_build_args(n_extra_samples=len(y_aux)),
        )

    # The validation split holds FER faces only, so its total loss is the emotion head's.
    _MONITORED = {"accuracy": "emotion_accuracy", "loss": "loss"}

    def _inference_output(self, outputs):
        return outputs["emotion"]

    def _record_history(self, history, *, append):
        # The inner validation split holds FER faces only: its auxiliary-head "metrics" are
        # averages over zero weights (reported as 0.0), so they are left out rather than shown.
        history = {key: values for key, values in history.items() if not key.startswith("val_aux_")}
        super()._record_history(history, append=append)

    def _add_auxiliary_task(self, train, validation):
        X_aux, y_aux = self._aux_pair()
        X_aux = _resize_images(X_aux, self.feature_encoder_.image_shape_).astype(np.float32)[..., np.newaxis]
        y_aux = _one_hot(y_aux, self.aux_classes_)
        X, y, weights = train
        weights = np.ones(len(X), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
        if validation is not None:
            validation = self._joint(validation, (X_aux[:0], y_aux[:0]))
        return self._joint((X, y, weights), (X_aux, y_aux)), validation

    @staticmethod
    def _joint(fer, aux):
        """FER and auxiliary samples in one set; each is labelled (weight 1) for its own head only."""
        (X, y, w), (X_aux, y_aux) = fer, aux
        n, m = len(X), len(X_aux)
        X_all = np.concatenate([X, X_aux])
        targets = {
            "emotion": np.concatenate([y, np.zeros((m, y.shape[1]), np.float32)]),
            "aux": np.concatenate([np.zeros((n, y_aux.shape[1]), np.float32), y_aux]),
        }
        weights = {
            "emotion": np.concatenate([w, np.zeros(m, np.float32)]).astype(np.float32),
            "aux": np.concatenate([np.zeros(n, np.float32), np.ones(m, np.float32)]),
        }
        return X_all, targets, weights
