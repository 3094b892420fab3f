"""Behaviour shared by every network estimator (scikeras ``KerasClassifier`` subclasses)."""

import inspect
import json
import math
import random
import warnings
import zipfile
from collections import defaultdict
from contextlib import contextmanager

from numbers import Integral, Real

import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator, TransformerMixin
from scipy import sparse
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._images import flatten_images, image_layout, resolve_image_shape
from .._tta import test_time_views
from ..networks import DTYPE_POLICIES, resolve_dtype_policy, runs_natively
from ..networks import _layers  # noqa: F401  registers our Keras layers, which unpickling and load_model need
from ._feeding import array_dataset

# Batch size of the compiled forward pass used by predict / predict_proba.
_PREDICT_BATCH = 1024
_METADATA_FILE = "sklearn_fer.json"

_COMMON_PARAMETERS = """
    image_shape : tuple of int, default={image_shape!r}
        ``(h, w)`` of flat input rows (one dimension may be -1); image-shaped
        input ``(n, h, w[, 1])`` is accepted as well.
    optimizer : str or dict, default={optimizer!r}
        Keras optimizer name ("adam", "sgd" (momentum 0.9), "rmsprop", "adamw", ...) or config
        (``{{"class_name": "SGD", "config": {{"momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}}}}``).
        With ``"use_ema": True`` in the config (and ``"ema_momentum"``), the fitted network has the
        optimizer's exponential moving average of the weights; with ``early_stopping``, validation
        scores and the restored best epoch are the averaged weights' as well.
    learning_rate : float, default={learning_rate!r}
    lr_schedule : {{"cosine", "plateau", None}}, default={lr_schedule!r}
        ``"cosine"``: cosine decay of the learning rate to zero over the ``epochs``
        (per optimizer step); ``"plateau"``: halve it when the ``monitor`` value has not
        improved for 3 epochs (``ReduceLROnPlateau``); ``None``: constant.
        With a schedule, ``history_["learning_rate"]`` holds the rate of each epoch.
    batch_size : int, default={batch_size!r}
    epochs : int, default={epochs!r}
    class_weight : None, "balanced" or dict, default={class_weight!r}
        ``"balanced"`` weights samples inversely to class frequency (disgust is 1.5% of FER2013).
    rotation : float, default={rotation!r}
        Random rotation (degrees) applied on the fly during ``fit`` only.
    flip : bool, default={flip!r}
        Random horizontal flips during ``fit`` only.
    shift : float, default={shift!r}
        Random translation (fraction of the size) during ``fit`` only.
    zoom : float, default={zoom!r}
        Random zoom (fraction) during ``fit`` only.
    label_smoothing : float, default={label_smoothing!r}
        Label smoothing of the categorical cross-entropy.
    tta_flip : bool, default={tta_flip!r}
        Test-time flip averaging: ``predict`` / ``predict_proba`` average the
        outputs on each face and on its mirror image (twice the prediction cost).
    tta_shift : int, default={tta_shift!r}
        Test-time shift averaging: with ``s > 0``, ``predict`` / ``predict_proba``
        average the outputs on each face moved by ``-s``, 0 and ``s`` pixels along
        each axis (9 positions, edge pixels repeated as the ``shift`` augmentation
        fills them; each with its mirror image if ``tta_flip``: 18 views). It pays
        off for networks trained with ``shift``; 0 switches it off.
    dtype_policy : {{"auto", "float32", "mixed_bfloat16", "mixed_float16"}}, default={dtype_policy!r}
        Keras dtype policy of the network's layers. ``"auto"``: the fastest one
        this machine runs natively (``"mixed_float16"`` on a GPU, ``"mixed_bfloat16"``
        on a CPU with AMX-BF16 or AVX512-BF16, ``"float32"`` otherwise; see
        :func:`sklearn_fer.networks.resolve_dtype_policy`). On a CPU without native
        bfloat16 the mixed policies are emulated and slower. Inputs and softmax
        outputs stay float32.
    early_stopping : bool, default={early_stopping!r}
        Hold out ``validation_fraction`` of the training data (stratified) and
        stop when its ``monitor`` value has not improved for ``n_iter_no_change``
        epochs, restoring the weights of the best epoch.
    validation_fraction : float, default={validation_fraction!r}
    n_iter_no_change : int, default={n_iter_no_change!r}
    monitor : {{"accuracy", "loss"}}, default={monitor!r}
        What early stopping and ``lr_schedule="plateau"`` watch (on the
        validation split with ``early_stopping``, else on the training data):
        categorical accuracy, as scikit-learn's ``MLPClassifier`` does, or the
        cross-entropy loss, Keras's usual choice. Without augmentation the
        validation loss often starts rising while accuracy still improves.
    random_state : int or None, default={random_state!r}
        Seed: two fits with the same seed give identical predictions.
    verbose : int, default={verbose!r}
        Keras progress output (1: progress bar, 2: one line per epoch).

    Attributes
    ----------
    model_ : keras.Model
        The trained network.
    history_ : dict of str -> list of float
        Per-epoch loss and categorical accuracy (``val_*`` with early stopping).
    classes_ : ndarray
        Class labels.
    n_features_in_ : int
        Pixels per image.
    dtype_policy_ : str
        The dtype policy the network was built in (``dtype_policy`` resolved).
"""


def _common_parameters_doc(cls):
    """The parameters every network shares, with this class's defaults (read from its signature)."""
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if parameter.default is not parameter.empty
    }
    return _COMMON_PARAMETERS.format(**defaults).strip("\n")


def _mean_and_variance(X, rows=4096):
    """Pixel mean and variance in float64, a block of rows at a time (FER2013 as float64 would take 0.5 GB)."""
    total = squares = 0.0
    for start in range(0, len(X), rows):
        block = X[start : start + rows].astype(np.float64)
        total += block.sum()
        squares += np.square(block).sum()
    count = max(X.size, 1)
    mean = total / count
    return float(mean), float(max(squares / count - mean**2, 0.0)) or 1.0


class ImageEncoder(TransformerMixin, BaseEstimator):
    """Feature encoder of the networks: flat or image input -> ``(n, h, w, 1)`` float32.

    Also learns the mean and variance of the training pixels, which the
    networks use in their first (normalisation) layer, so raw 0-255 input,
    scaled input or standardised input all work.

    Parameters
    ----------
    image_shape : tuple of int or None
        ``(h, w)`` of flat rows (one dimension may be -1); ``None`` infers a square.
    """

    def __init__(self, image_shape=None):
        self.image_shape = image_shape

    def fit(self, X, y=None):
        """Learn the image shape and the pixel mean / variance."""
        self.image_shape_ = resolve_image_shape(self.image_shape, X, flatten_images(X).shape[1])
        self.mean_, self.variance_ = _mean_and_variance(np.asarray(X))
        return self

    def transform(self, X):
        """Images as ``(n, h, w, 1)`` float32."""
        check_is_fitted(self)
        X = np.asarray(X, dtype=np.float32)
        return X.reshape(len(X), *self.image_shape_, 1)


def _column_to_1d(y):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; it was raveled to shape (n_samples,).",
            DataConversionWarning,
            stacklevel=4,
        )
        return y.ravel()
    return y


class OneHotTargetEncoder(TransformerMixin, BaseEstimator):
    """Target encoder of the networks: labels -> one-hot float32, softmax -> labels.

    scikeras's encoder gives binary problems a single column, which does not fit
    a softmax with categorical cross-entropy; this one always gives one column per class.
    """

    def fit(self, y):
        """Learn the classes (at least two)."""
        self.classes_ = np.unique(np.asarray(y).ravel())
        if len(self.classes_) < 2:
            raise ValueError(f"a classifier needs samples of at least 2 classes, got 1 class: {self.classes_.tolist()}")
        return self

    def get_metadata(self):
        return {"classes_": self.classes_, "n_classes_": len(self.classes_), "n_outputs_expected_": 1}

    def transform(self, y):
        """One-hot encode labels."""
        y = np.asarray(y).ravel()
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y contains labels not seen in fit: {np.unique(y[unknown]).tolist()}")
        return (y[:, None] == self.classes_[None, :]).astype(np.float32)

    def inverse_transform(self, y_proba, return_proba=False):
        """Labels (or the probabilities themselves) from softmax outputs."""
        if return_proba:
            return y_proba
        return self.classes_[np.argmax(y_proba, axis=1)]


@contextmanager
def _seeded(seed):
    """Seed Python, NumPy, TensorFlow and Keras with deterministic ops; restore everything afterwards.

    scikeras has a similar helper, but it can leave op determinism switched on,
    after which any unseeded fit fails ("Random ops require a seed").
    """
    if seed is None:
        yield
        return
    import keras
    import tensorflow as tf
    from tensorflow.python.framework import config

    was_deterministic = config.is_op_determinism_enabled()
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        keras.utils.set_random_seed(seed)
        config.enable_op_determinism()
        yield
    finally:
        if not was_deterministic:
            config.disable_op_determinism()
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        tf.random.set_seed(None)


class FERNetworkClassifier(KerasClassifier):
    """Base class of the network classifiers.

    scikeras 0.13 puts ``ClassifierMixin`` after ``BaseEstimator`` in its MRO,
    so scikit-learn 1.7 does not see a classifier (``is_classifier`` is False
    and ``cv=5`` silently means KFold). Putting the mixin first is impossible
    (inconsistent MRO), so :meth:`__sklearn_tags__` sets the classifier tags.

    Subclasses define ``__init__`` (storing their parameters, nothing else),
    ``_parameter_constraints`` for their own parameters (extending this
    class's, as scikit-learn's ``MLPClassifier`` extends its base's), and
    ``_build_network(input_shape, n_classes)`` returning a compiled Keras model.
    ``fit``, ``partial_fit`` and ``initialize`` validate every parameter before
    any data is encoded or any network is built.
    """

    _abstract = True  # a base class, not a network: all_estimators skips it

    # ``monitor`` values -> the Keras history key of the FER output
    _MONITORED = {"accuracy": "accuracy", "loss": "loss"}

    _parameter_constraints: dict = {
        "image_shape": [tuple, list, None],
        "optimizer": [str, dict],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"cosine", "plateau"}), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "flip": ["boolean"],
        "shift": [Interval(Real, 0, 1, closed="left")],
        "zoom": [Interval(Real, 0, 1, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "tta_flip": ["boolean"],
        "tta_shift": [Interval(Integral, 0, None, closed="left")],
        "dtype_policy": [StrOptions(set(DTYPE_POLICIES))],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "monitor": [StrOptions({"accuracy", "loss"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def fit(self, X, y, sample_weight=None, *, target_probabilities=None, **kwargs):
        """Build a new network and train it on ``(X, y)`` for ``epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, h * w) or (n_samples, h, w[, 1])
            Faces as flat rows or images.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        target_probabilities : array-like of shape (n_samples, n_classes), default=None
            Soft targets (knowledge distillation, :class:`DistilledClassifier`): the
            network learns to give these class probabilities (columns in the order of
            ``np.unique(y)``, rows summing to 1) instead of the one-hot labels; ``y``
            still names the classes. ``None``: the labels.
        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self._validate_params()
        self._target_probabilities = None if target_probabilities is None else np.asarray(target_probabilities, dtype=np.float32)
        try:
            return super().fit(X, y, sample_weight=sample_weight, **kwargs)
        finally:
            del self._target_probabilities

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one more epoch, keeping the network (built on the first call).

        Parameters
        ----------
        X, y, sample_weight, **kwargs
            As in :meth:`fit`.
        classes : array-like, default=None
            All the classes, needed on the first call when ``y`` does not hold them all.

        Returns
        -------
        self : object
            The classifier.
        """
        self._validate_params()
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight, **kwargs)

    def initialize(self, X, y):
        """Build the network for ``(X, y)`` without training it.

        Parameters
        ----------
        X, y
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The classifier, ready for ``predict`` (untrained) or ``partial_fit``.
        """
        self._validate_params()
        return super().initialize(X, y)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and "{common}" in cls.__doc__:
            cls.__doc__ = cls.__doc__.replace("{common}", _common_parameters_doc(cls))

    # scikeras settings that are not hyper-parameters here (class attributes, so
    # get_params / clone only see the parameters of __init__).
    model = None
    build_fn = None
    warm_start = False
    loss = "categorical_crossentropy"
    metrics = None
    callbacks = None
    validation_split = 0.0
    shuffle = True
    run_eagerly = False
    validation_batch_size = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    # ------------------------------------------------------------------ building

    @property
    def target_encoder(self):
        return OneHotTargetEncoder()

    @property
    def feature_encoder(self):
        # With image_shape=None, image-shaped training input tells the shape (see _validate_data).
        return ImageEncoder(image_shape=self.image_shape or self.__dict__.get("_fit_image_shape"))

    def _augmentation_params(self):
        """Keyword arguments of :func:`~sklearn_fer.networks.augmentation_layers` (subclasses add theirs)."""
        return dict(rotation=self.rotation, flip=self.flip, shift=self.shift, zoom=self.zoom)

    def _augmentation(self):
        from ..networks import augmentation_layers

        return augmentation_layers(**self._augmentation_params(), seed=self._random_state)

    def _common_build_args(self, n_extra_samples=0):
        """Builder arguments every network takes, including its (scheduled) learning rate."""
        encoder = self.feature_encoder_
        return dict(
            learning_rate=self._scheduled(self.learning_rate, self.epochs, n_extra_samples),
            mean=encoder.mean_,
            variance=encoder.variance_,
            augmentation=self._augmentation(),
            label_smoothing=self.label_smoothing,
            dtype_policy=self.dtype_policy_,
        )

    def _keras_build_fn(self):
        self.dtype_policy_ = resolve_dtype_policy(self.dtype_policy)
        self._checked_tta_shift(self.feature_encoder_.image_shape_)
        input_shape = (*self.feature_encoder_.image_shape_, 1)
        return self._build_network(input_shape, self.n_classes_)

    def _build_keras_model(self):
        # Seeded here rather than by scikeras (see _seeded); scikeras seeds only when _random_state is set.
        seed, self._random_state = self._random_state, None
        try:
            with _seeded(seed):
                return super()._build_keras_model()
        finally:
            self._random_state = seed

    def _seed_context(self):
        return _seeded(self._random_state)

    def _scheduled(self, learning_rate, epochs, n_extra_samples=0):
        """The optimizer's learning rate: ``learning_rate``, or its cosine decay to zero over ``epochs``.

        The decay is counted in optimizer steps, so it needs the number of samples
        each epoch trains on: the training rows less the early-stopping split, plus
        ``n_extra_samples`` (e.g. the auxiliary images of the multi-task network).
        """
        if self.lr_schedule != "cosine":
            return learning_rate
        import keras

        n_rows = self.X_shape_[0]
        if self.early_stopping:
            n_rows -= math.ceil(n_rows * self.validation_fraction)  # train_test_split's test size
        steps = math.ceil((n_rows + n_extra_samples) / self.batch_size) * epochs
        return keras.optimizers.schedules.CosineDecay(learning_rate, max(steps, 1))

    # ------------------------------------------------------------------ fitting

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Image-shaped input (n, h, w[, 1]) and flat rows are the same data: validate as flat rows,
        # so n_features_in_ is the pixel count and either layout works at predict time.
        if X is not None and sparse.issparse(X):
            raise TypeError(f"{type(self).__name__} does not accept sparse input (images are dense); pass a dense array")
        if X is not None:
            X = np.asarray(X)  # lists, DataFrames and array-likes all become arrays here
        if reset and X is not None and y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        if y is not None and reset:
            y = _column_to_1d(y)
            check_classification_targets(y)
        if reset:
            self.__dict__.pop("_fit_image_shape", None)
        if X is not None and image_layout(X) is not None:
            if reset and self.image_shape is None:
                self._fit_image_shape = tuple(X.shape[1:3])
            X = flatten_images(X)
        if X is not None and not reset and hasattr(self, "n_features_in_") and X.ndim == 2:
            n_features = X.shape[1]
            if n_features != self.n_features_in_:
                raise ValueError(
                    f"X has {n_features} features, but {type(self).__name__} is expecting {self.n_features_in_} features as input."
                )
        return super()._validate_data(X=X, y=y, reset=reset, y_numeric=y_numeric)

    def _check_model_compatibility(self, y):
        # Our builders always end in one softmax per task; scikeras's check assumes one output.
        return None

    def _validation_data(self, X, y, sample_weight):
        """Stratified inner split for early stopping: ``(train, validation)`` tuples of (X, y, w)."""
        from sklearn.model_selection import train_test_split

        labels = y.argmax(axis=1)
        stratify = labels if np.unique(labels, return_counts=True)[1].min() >= 2 else None
        weights = np.ones(len(X), dtype=np.float32) if sample_weight is None else sample_weight
        try:
            parts = train_test_split(X, y, weights, test_size=self.validation_fraction, stratify=stratify, random_state=self._random_state)
        except ValueError:  # too few samples per class for a stratified split
            parts = train_test_split(X, y, weights, test_size=self.validation_fraction, random_state=self._random_state)
        X_train, X_val, y_train, y_val, w_train, w_val = parts
        return (X_train, y_train, w_train), (X_val, y_val, w_val)

    def _callbacks(self, has_validation):
        import keras

        name = self._MONITORED[self.monitor]
        monitor, mode = (f"val_{name}" if has_validation else name), ("max" if self.monitor == "accuracy" else "min")
        callbacks = []
        if has_validation and _averages_weights(getattr(self, "model_", None)):
            # Before early stopping: the validation scores, the best epoch and the restored weights are
            # those of the optimizer's moving average of the weights, which the fitted network keeps.
            callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
        if self.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=self.n_iter_no_change, restore_best_weights=True)
            )
        if self.lr_schedule == "plateau":
            # Also writes the learning rate of each epoch into the history.
            callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode=mode, factor=0.5, patience=3, min_lr=1e-5))
        elif self.lr_schedule == "cosine":
            callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=self._log_learning_rate))
        return callbacks

    def _log_learning_rate(self, epoch, logs):
        logs["learning_rate"] = float(self.model_.optimizer.learning_rate)

    def _batch_mixing(self):
        """``array_dataset``'s mixing of the training batches (``mixup=``, ``cutmix=``); networks that offer it override this."""
        return {}

    def _add_auxiliary_task(self, train, validation):
        """Hook for networks trained on a second data set besides FER (multi-task)."""
        return train, validation

    def _soft_targets(self, y):
        """``target_probabilities`` given to ``fit`` in place of the one-hot ``y``, checked; else ``y``."""
        probabilities = getattr(self, "_target_probabilities", None)
        if probabilities is None:
            return y
        if probabilities.shape != y.shape:
            raise ValueError(
                f"target_probabilities has shape {probabilities.shape}; expected {y.shape}: "
                f"one row per sample, one column per class of y ({self.classes_.tolist()})"
            )
        if not np.all(np.isfinite(probabilities)) or probabilities.min() < 0 or not np.allclose(probabilities.sum(axis=1), 1, atol=1e-3):
            raise ValueError("target_probabilities must be finite, non-negative, and each row must sum to 1")
        return probabilities

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        self.__dict__.pop("_forward_fn", None)
        y = self._soft_targets(y)
        train, validation = (X, y, sample_weight), None
        if self.early_stopping:
            train, validation = self._validation_data(X, y, sample_weight)
        train, validation = self._add_auxiliary_task(train, validation)
        with self._seed_context():
            history = self.model_.fit(
                array_dataset(train, self.batch_size, shuffle=True, seed=self._random_state, **self._batch_mixing()),
                validation_data=None if validation is None else array_dataset(validation, self.batch_size),
                epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch,
                verbose=self.verbose,
                callbacks=self._callbacks(validation is not None),
            )
        self._record_history(history.history, append=warm_start and initial_epoch > 0)
        self._make_forward()

    def _record_history(self, history, *, append):
        if not append or not hasattr(self, "history_"):
            self.history_ = defaultdict(list)
        for key, values in history.items():
            self.history_[key] += [float(v) for v in values]

    # ------------------------------------------------------------------ predicting

    def _inference_output(self, outputs):
        return outputs

    def _make_forward(self):
        """Trace-once forward pass (made after fit, so predict leaves the estimator unchanged)."""
        import tensorflow as tf

        model = self.model_
        spec = tf.TensorSpec([None, *self.feature_encoder_.image_shape_, 1], tf.float32)
        function = tf.function(
            lambda x: self._inference_output(model(x, training=False)), input_signature=[spec], autograph=False
        )
        # TensorFlow counts traces per source line, so every fitted estimator's one trace looks like
        # "retracing" of a single function and floods the log with warnings; each traces only once.
        function._omit_frequent_tracing_warning = True
        # The concrete function skips tf.function's per-call signature matching (~0.5 ms of a 4-5 ms
        # single-image prediction).
        self._forward_fn = function.get_concrete_function()
        return self._forward_fn

    def _forward(self, X):
        """Softmax outputs of ``(n, h, w, 1)`` images, averaged over their test-time views."""
        return np.mean([self._softmax_outputs(view) for view in self._test_time_views(X)], axis=0)

    def _test_time_views(self, X):
        """The faces as given, shifted by ``tta_shift`` pixels, and mirrored (``tta_flip``)."""
        return test_time_views(X, shift=self._checked_tta_shift(X.shape[1:3]), flip=self.tta_flip)

    def _checked_tta_shift(self, image_shape):
        s = self.tta_shift
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or not 0 <= s < min(image_shape):
            raise ValueError(f"tta_shift must be an integer number of pixels in [0, {min(image_shape)}), got {s!r}")
        return int(s)

    def _softmax_outputs(self, X):
        """Softmax outputs through a compiled TensorFlow graph (no ``model.predict`` per-call overhead)."""
        import tensorflow as tf

        forward = self.__dict__.get("_forward_fn") or self._make_forward()
        parts = [forward(tf.constant(X[i : i + _PREDICT_BATCH])).numpy() for i in range(0, len(X), _PREDICT_BATCH)]
        return np.concatenate(parts) if parts else np.zeros((0, self.n_classes_), dtype=np.float32)

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X=X, y=None)
        return self._forward(self.feature_encoder_.transform(X))

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the parent may hand back the live __dict__
        state.pop("_forward_fn", None)  # a traced tf.function cannot be pickled; rebuilt on demand
        return state

    # ------------------------------------------------------------------ persistence

    def save(self, path):
        """Save in Keras's native ``.keras`` format, with the scikit-learn metadata inside.

        Unlike pickle, loading a ``.keras`` file runs no arbitrary code
        (``safe_mode``). Reload with :func:`sklearn_fer.estimators.load_model`.

        Parameters
        ----------
        path : str or path-like
            Destination, ending in ``.keras``.
        """
        check_is_fitted(self, "model_")
        path = str(path)
        if not path.endswith(".keras"):
            raise ValueError(f"save: the path must end in .keras, got {path!r}")
        self.model_.save(path)
        encoder = self.feature_encoder_
        metadata = {
            "class": type(self).__name__,
            "params": _jsonable_params(self),
            "classes": self.classes_.tolist(),
            "y_dtype": str(self.y_dtype_),
            "X_dtype": str(self.X_dtype_),
            "X_shape": list(self.X_shape_),
            "image_shape": list(encoder.image_shape_),
            "mean": encoder.mean_,
            "variance": encoder.variance_,
            "history": dict(getattr(self, "history_", {})),
        }
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(_METADATA_FILE, json.dumps(metadata))

    @classmethod
    def _from_saved(cls, model, metadata):
        estimator = cls(**_restored_params(cls, metadata["params"]))
        estimator._random_state = None
        estimator.model_, estimator.dtype_policy_ = _runnable_here(model)
        estimator.X_dtype_ = np.dtype(metadata["X_dtype"])
        estimator.X_shape_ = tuple(metadata["X_shape"])
        estimator.n_features_in_ = estimator.X_shape_[1]
        classes = np.array(metadata["classes"], dtype=metadata["y_dtype"])
        estimator.y_dtype_, estimator.y_ndim_ = classes.dtype, 1
        estimator.classes_ = None
        estimator.target_type_ = "multiclass" if len(classes) > 2 else "binary"
        estimator.target_encoder_ = estimator.target_encoder.fit(classes)
        vars(estimator).update(**estimator.target_encoder_.get_metadata())
        encoder = ImageEncoder(image_shape=tuple(metadata["image_shape"]))
        encoder.image_shape_ = tuple(metadata["image_shape"])
        encoder.mean_, encoder.variance_ = metadata["mean"], metadata["variance"]
        estimator.feature_encoder_ = encoder
        estimator.history_ = defaultdict(list, metadata["history"])
        return estimator


def _averages_weights(model):
    """Whether a built Keras model's optimizer (or the one a loss-scaling optimizer wraps) keeps a moving
    average of the weights (``use_ema``); ``False`` before the model is built."""
    optimizer = getattr(model, "optimizer", None)
    return bool(getattr(getattr(optimizer, "inner_optimizer", optimizer), "use_ema", False))


def _restored_params(cls, params):
    """Saved parameters with their tuples back: JSON writes tuples as lists (``(1152,)`` -> ``[1152]``)."""
    defaults = {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()}
    return {
        name: tuple(value) if isinstance(value, list) and isinstance(defaults.get(name), tuple) else value
        for name, value in params.items()
    }


def _model_policy(model):
    """The reduced-precision dtype policy a Keras model computes in, or ``"float32"``."""
    names = {layer.dtype_policy.name for layer in model.layers}
    return next((name for name in sorted(names) if name != "float32"), "float32")


def _runnable_here(model):
    """The model, rebuilt in float32 if it computes in a precision this machine would only emulate.

    A network trained in ``mixed_bfloat16`` on a CPU with native bfloat16 then
    predicts (and trains further) at full speed on a CPU without it, with the
    same weights and its compiled optimizer settings.
    """
    from ..networks import rebuild

    policy = _model_policy(model)
    if runs_natively(policy):
        return model, policy
    copy = rebuild(model, dtype_policy="float32")
    if model.compiled:
        copy.compile_from_config(model.get_compile_config())
    return copy, "float32"


def _jsonable_params(estimator):
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        try:
            json.dumps(value)
        except TypeError:
            continue  # e.g. source data arrays: not needed to predict
        params[name] = value
    return params


def load_model(path):
    """Load an estimator saved with ``save(path)`` (``.keras`` + scikit-learn metadata).

    Returns
    -------
    estimator : FERNetworkClassifier
        Ready to ``predict`` / ``predict_proba`` / ``score``.
    """
    import keras

    networks = {cls.__name__: cls for cls in network_classes()}

    try:
        with zipfile.ZipFile(path) as archive:
            if _METADATA_FILE not in archive.namelist():
                raise ValueError(f"{path}: not saved by sklearn-fer (no {_METADATA_FILE} inside the .keras file)")
            metadata = json.loads(archive.read(_METADATA_FILE))
        model = keras.models.load_model(path, safe_mode=True)
    except FileNotFoundError:
        raise ValueError(f"model file {str(path)!r} does not exist") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: damaged or not a .keras file ({type(error).__name__}: {error})") from None
    return networks[metadata["class"]]._from_saved(model, metadata)


def network_classes():
    """Every concrete subclass of :class:`FERNetworkClassifier` defined so far (the networks)."""
    found, pending = [], list(FERNetworkClassifier.__subclasses__())
    while pending:
        cls = pending.pop(0)
        pending.extend(cls.__subclasses__())
        if not cls.__dict__.get("_abstract", False) and cls not in found:
            found.append(cls)
    return found
