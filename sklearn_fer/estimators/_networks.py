"""The baseline report's networks and a strong modern CNN as scikit-learn classifiers."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import FERNetworkClassifier

_FRACTION = Interval(Real, 0, 1, closed="left")
_POSITIVE_INT = Interval(Integral, 1, None, closed="left")

# Search spaces (see sklearn_fer.search's components): (kind, arguments) of a hyperopt distribution.
TRAINING_SPACE = {
    "optimizer": ("choice", ["adam", "sgd", "rmsprop"]),
    "learning_rate": ("loguniform", 1e-4, 1e-2),
    "batch_size": ("choice", [32, 64, 128]),
}
CONV_SPACE = {
    "kernel_size": ("choice", [1, 2, 3, 5]),
    "dropout": ("uniform", 0.1, 0.5),
    "batch_norm": ("choice", [False, True]),
    "dense_units": ("choice", [256, 512, 1024]),
}
# Parameters that make any network tiny for scikit-learn's common checks, which feed (n, k) arrays
# with k = 1..10 features: a 1 x k image, one epoch.
TINY_NETWORK = dict(image_shape=(1, -1), epochs=1, batch_size=16, learning_rate=0.05, random_state=0)
TINY_CONV = dict(TINY_NETWORK, kernel_size=1, dropout=0.0, filters=(4,), dense_units=16, dense_dropout=0.0)


class FNNClassifier(FERNetworkClassifier):
    """Feed-forward network (the baseline report's Dense 2304 -> 1152 -> 7) as a scikit-learn classifier.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(1152,)
    activation : str, default="relu"
        Keras activation of the hidden layers ("relu", "sigmoid", "tanh", ...).
    dropout : float, default=0.0
        Dropout after each hidden layer.
{common}
    """

    _search_space = {
        "hidden_layer_sizes": ("choice", [(512,), (1152,), (2048,), (1024, 512), (2304, 1152)]),
        "activation": ("choice", ["relu", "elu", "tanh", "sigmoid"]),
        "dropout": ("uniform", 0.0, 0.6),
        **TRAINING_SPACE,
    }
    _test_params = [dict(TINY_NETWORK, hidden_layer_sizes=(16,))]
    _parameter_constraints: dict = {
        **FERNetworkClassifier._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
        "activation": [str],
        "dropout": [_FRACTION],
    }

    def __init__(
        self,
        hidden_layer_sizes=(1152,),
        activation="relu",
        dropout=0.0,
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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
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

    def _build_network(self, input_shape, n_classes):
        from ..networks import build_fnn

        return build_fnn(
            input_shape,
            n_classes,
            hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            activation=self.activation,
            dropout=self.dropout,
            optimizer=self.optimizer,
            **self._common_build_args(),
        )


class CNNClassifier(FERNetworkClassifier):
    """The baseline report's CNN as a scikit-learn classifier.

    Conv(f1)-Conv(f1) -> max-pool -> dropout -> Conv(f2)-Conv(f2) -> max-pool ->
    dropout -> Dense(dense_units) -> dropout -> softmax.

    Parameters
    ----------
    filters : tuple of int, default=(32, 64)
        Width of each conv block (two convolutions per block).
    kernel_size : int, default=3
        The baseline report searched 1, 2, 3 and 5.
    padding : {"same", "valid"}, default="same"
    batch_norm : bool, default=False
        Batch normalisation after every convolution.
    dropout : float, default=0.25
        Dropout after each conv block.
    dense_units : int, default=512
    dense_dropout : float, default=0.5
{common}
    """

    _search_space = {**CONV_SPACE, **TRAINING_SPACE}
    _test_params = [TINY_CONV]
    _parameter_constraints: dict = {
        **FERNetworkClassifier._parameter_constraints,
        "filters": ["array-like"],
        "kernel_size": [_POSITIVE_INT, tuple],
        "padding": [StrOptions({"same", "valid"})],
        "batch_norm": ["boolean"],
        "dropout": [_FRACTION],
        "dense_units": [_POSITIVE_INT],
        "dense_dropout": [_FRACTION],
    }

    def __init__(
        self,
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

    def _cnn_args(self):
        return dict(
            filters=tuple(self.filters),
            kernel_size=self.kernel_size,
            padding=self.padding,
            batch_norm=self.batch_norm,
            dropout=self.dropout,
            dense_units=self.dense_units,
            dense_dropout=self.dense_dropout,
            optimizer=self.optimizer,
        )

    def _build_network(self, input_shape, n_classes):
        from ..networks import build_cnn

        return build_cnn(input_shape, n_classes, **self._cnn_args(), **self._common_build_args())


class ModernCNNClassifier(FERNetworkClassifier):
    """A strong modern CNN for FER: VGG-style blocks with batch norm, global pooling, augmentation,
    label smoothing, a cosine or on-plateau learning-rate schedule and optional test-time flip and
    shift averaging.

    The defaults are the full-size recipe (for a GPU); the CPU recipe
    (:func:`sklearn_fer.experiments.tuned_network`) halves the widths.

    Parameters
    ----------
    widths : tuple of int, default=(64, 128, 256, 512)
        Width of each block (each block halves the resolution).
    convs_per_block : int or tuple of int, default=2
        Convolutions in each block, or one count per block of ``widths``
        (``(2, 2, 3, 3)``: a third convolution in the last two blocks).
    dropout : float, default=0.3
        Dropout after each block.
    head_units : int, default=256
    residual : bool, default=False
        Add each block's input to its last convolution's output (ResNet-style
        shortcuts; a 1x1 convolution where the width changes).
    squeeze_excitation : int or None, default=None
        Rescale each block's last convolution output channel by channel by a
        squeeze-and-excitation gate whose bottleneck has ``channels //
        squeeze_excitation`` units (at least one). ``None``: no gate.
    crop_size : int or None, default=None
        Train on a random ``crop_size`` x ``crop_size`` window of each face
        (after the other augmentations) and predict on the central one; with
        ``tta_shift``, the shifted views are off-centre crops. ``None``: whole faces.
    erasing : float, default=0.0
        The probability that training erases a random rectangle of a face (each
        side 14-57% of the face's, after the crop), setting it to the mean face
        value: Random Erasing (Zhong et al. 2020). 0: none.
    mixup : float, default=0.0
        Train on mixup batches: each batch blended with the same batch in reverse
        order, images and targets alike, by a weight drawn from
        Beta(``mixup``, ``mixup``) per batch. 0: no mixing.
    cutmix : float, default=0.0
        Train on CutMix batches: in each batch, one rectangle of every face (its
        area drawn from Beta(``cutmix``, ``cutmix``) per batch) replaced by the same
        rectangle of its partner in the reversed batch, targets blended by the
        pixels each face keeps. 0: none; at most one of ``mixup`` and ``cutmix``.
{common}
    """

    _search_space = {
        "dropout": ("uniform", 0.2, 0.6),
        "label_smoothing": ("uniform", 0.0, 0.2),
        "learning_rate": ("loguniform", 3e-4, 3e-3),
        "lr_schedule": ("choice", ["cosine", "plateau"]),
    }
    _test_params = [
        dict(TINY_NETWORK, widths=(4,), convs_per_block=1, head_units=8, dropout=0.0, lr_schedule=None, rotation=0, flip=False, shift=0, zoom=0)
    ]
    _parameter_constraints: dict = {
        **FERNetworkClassifier._parameter_constraints,
        "widths": ["array-like"],
        "convs_per_block": [_POSITIVE_INT, "array-like"],
        "dropout": [_FRACTION],
        "head_units": [_POSITIVE_INT],
        "residual": ["boolean"],
        "squeeze_excitation": [_POSITIVE_INT, None],
        "crop_size": [_POSITIVE_INT, None],
        "erasing": [Interval(Real, 0, 1, closed="both")],
        "mixup": [Interval(Real, 0, None, closed="left")],
        "cutmix": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        widths=(64, 128, 256, 512),
        convs_per_block=2,
        dropout=0.3,
        head_units=256,
        residual=False,
        squeeze_excitation=None,
        crop_size=None,
        erasing=0.0,
        mixup=0.0,
        cutmix=0.0,
        lr_schedule="cosine",
        tta_flip=True,
        tta_shift=0,
        image_shape=(48, 48),
        optimizer="adamw",
        learning_rate=2e-3,
        batch_size=64,
        epochs=30,
        class_weight=None,
        rotation=10.0,
        flip=True,
        shift=0.1,
        zoom=0.1,
        label_smoothing=0.1,
        dtype_policy="float32",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=8,
        monitor="accuracy",
        random_state=None,
        verbose=0,
    ):
        self.widths = widths
        self.convs_per_block = convs_per_block
        self.dropout = dropout
        self.head_units = head_units
        self.residual = residual
        self.squeeze_excitation = squeeze_excitation
        self.crop_size = crop_size
        self.erasing = erasing
        self.mixup = mixup
        self.cutmix = cutmix
        self.lr_schedule = lr_schedule
        self.tta_flip = tta_flip
        self.tta_shift = tta_shift
        self.image_shape = image_shape
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.class_weight = class_weight
        self.rotation = rotation
        self.flip = flip
        self.shift = shift
        self.zoom = zoom
        self.label_smoothing = label_smoothing
        self.dtype_policy = dtype_policy
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor
        self.random_state = random_state
        self.verbose = verbose

    def _augmentation_params(self):
        return {**super()._augmentation_params(), "crop": self.crop_size, "erasing": self.erasing}

    def _batch_mixing(self):
        return {"mixup": self.mixup, "cutmix": self.cutmix}

    def _build_network(self, input_shape, n_classes):
        from ..networks import build_modern_cnn

        if self.crop_size is not None and self.crop_size > min(input_shape[:2]):
            raise ValueError(
                f"crop_size={self.crop_size} does not fit in the {input_shape[0]}x{input_shape[1]} images; use at most {min(input_shape[:2])}"
            )

        return build_modern_cnn(
            input_shape,
            n_classes,
            widths=tuple(self.widths),
            convs_per_block=self.convs_per_block,
            dropout=self.dropout,
            head_units=self.head_units,
            residual=self.residual,
            squeeze_excitation=self.squeeze_excitation,
            optimizer=self.optimizer,
            **self._common_build_args(),
        )
