"""Pure Keras network builders: each function returns a compiled ``keras.Model``.

They know nothing about scikit-learn; the estimators in :mod:`sklearn_fer.estimators`
call them with their hyper-parameters. Every classifier ends in a softmax
trained with categorical cross-entropy (the baseline report's grid CNNs used a ReLU
output and sat at chance level).

Every builder takes ``dtype_policy``, a Keras dtype policy name: ``"auto"`` (the
fastest one this machine runs natively, :func:`resolve_dtype_policy`), ``"float32"``,
``"mixed_bfloat16"`` (several times faster training on CPUs with AMX or
AVX512-BF16, and on TPUs) / ``"mixed_float16"`` (GPUs). The input normalisation,
the augmentation and the softmax outputs always compute in float32.
"""

from contextlib import contextmanager
from numbers import Integral

from ._precision import resolve_dtype_policy


def _keras():
    import keras

    return keras


@contextmanager
def _dtype_policy(name):
    """Layers made inside compute in the dtype policy ``name``."""
    keras = _keras()
    name = resolve_dtype_policy(name)
    # Keras has no scoped policy: set the global (thread-local) one and put it back.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def make_optimizer(name, learning_rate):
    """A Keras optimizer from its name (``"adam"``, ``"sgd"``, ``"rmsprop"``, ``"adamw"``, ...) or its config.

    ``name`` may also be a Keras optimizer config, ``{"class_name": "SGD", "config": {"momentum": 0.9,
    "nesterov": True, "weight_decay": 5e-4}}``, for settings beyond the defaults. ``learning_rate`` is a
    float or a ``keras.optimizers.schedules.LearningRateSchedule`` (every builder's ``learning_rate``
    accepts either) and wins over one in the config.
    """
    keras = _keras()
    if isinstance(name, dict):
        if set(name) - {"class_name", "config"} or "class_name" not in name:
            raise ValueError(f"optimizer config {name!r}: expected {{'class_name': ..., 'config': {{...}}}}")
        class_name, config = name["class_name"], {**name.get("config", {}), "learning_rate": learning_rate}
    else:
        class_name, config = name, {"learning_rate": learning_rate}
        if name.lower() == "sgd":
            config["momentum"] = 0.9
    try:
        return keras.optimizers.get({"class_name": class_name, "config": config})
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"optimizer {name!r}: {error}; use a Keras optimizer name such as 'adam', 'sgd', 'rmsprop', or its config"
        ) from None


def augmentation_layers(*, rotation=0.0, flip=False, shift=0.0, zoom=0.0, crop=None, erasing=0.0, seed=None):
    """Random augmentation layers: active when training, identity at inference (Keras semantics),
    except the crop, which keeps the central crop at inference.

    Parameters
    ----------
    rotation : float
        Maximum rotation in degrees.
    flip : bool
        Random horizontal flips.
    shift : float
        Maximum translation as a fraction of the image size.
    zoom : float
        Maximum zoom in/out as a fraction.
    crop : int or None
        A random ``crop`` x ``crop`` window of each image, after the other
        augmentations (:class:`~sklearn_fer.networks.PerImageRandomCrop`).
    erasing : float
        The probability that a random rectangle of each image (each side 14-57%
        of the image's, Keras's ``RandomErasing``) is set to 0, the mean
        of the standardised faces, after the crop. 0: none.
    seed : int or None
    """
    keras = _keras()
    layers = []
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed, name="augment_flip"))
    if rotation:
        layers.append(keras.layers.RandomRotation(rotation / 360.0, fill_mode="nearest", seed=seed, name="augment_rotation"))
    if shift:
        layers.append(keras.layers.RandomTranslation(shift, shift, fill_mode="nearest", seed=seed, name="augment_shift"))
    if zoom:
        layers.append(keras.layers.RandomZoom(zoom, zoom, fill_mode="nearest", seed=seed, name="augment_zoom"))
    if crop:
        from ._layers import PerImageRandomCrop  # imports TensorFlow: only when a network is built

        layers.append(PerImageRandomCrop(crop, crop, seed=seed, name="augment_crop"))
    if erasing:
        # factor=(p, p): Keras draws each image's erasing probability from this range.
        layers.append(keras.layers.RandomErasing(factor=(erasing, erasing), fill_value=0.0, seed=seed, name="augment_erasing"))
    return layers


def _stem(input_shape, mean, variance, augmentation):
    """Input, standardisation with training statistics, then augmentation."""
    keras = _keras()
    inputs = keras.Input(shape=input_shape, name="image")
    x = keras.layers.Normalization(axis=None, mean=mean, variance=variance, dtype="float32", name="standardize")(inputs)
    for layer in augmentation:
        x = layer(x)
    return inputs, x


def _compile(model, optimizer, *, label_smoothing=0.0, loss_weights=None):
    keras = _keras()
    outputs = model.output_names
    loss = {name: keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing) for name in outputs}
    metrics = {name: [keras.metrics.CategoricalAccuracy(name="accuracy")] for name in outputs}
    if len(outputs) == 1:
        model.compile(optimizer=optimizer, loss=loss[outputs[0]], metrics=metrics[outputs[0]])
        return model
    # Multi-task samples carry a label for one head only (weight 0 on the other), so the
    # accuracies must be weighted or the unlabelled samples would count.
    model.compile(optimizer=optimizer, loss=loss, weighted_metrics=metrics, loss_weights=loss_weights)
    return model


def _batch_norm(name):
    from ._layers import FusedBatchNormalization  # imports TensorFlow: only when a network is built

    return FusedBatchNormalization(name=name)


def _dense_head(x, n_classes, units, dropout, *, name="emotion", prefix="head"):
    """Dense(units, relu) -> dropout -> softmax output ``name``: the baseline report's classifier head."""
    keras = _keras()
    x = keras.layers.Dense(units, activation="relu", name=f"{prefix}_dense")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name=f"{prefix}_dropout")(x)
    return keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name=name)(x)


def build_fnn(
    input_shape,
    n_classes,
    *,
    hidden_layer_sizes=(1152,),
    activation="relu",
    dropout=0.0,
    optimizer="adam",
    learning_rate=1e-3,
    mean=0.0,
    variance=1.0,
    augmentation=(),
    label_smoothing=0.0,
    dtype_policy="float32",
):
    """Feed-forward net (the baseline report's Dense 2304 -> 1152 -> 7)."""
    with _dtype_policy(dtype_policy):
        keras = _keras()
        inputs, x = _stem(input_shape, mean, variance, augmentation)
        x = keras.layers.Flatten()(x)
        for i, units in enumerate(hidden_layer_sizes):
            x = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(x)
            if dropout:
                x = keras.layers.Dropout(dropout)(x)
        outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="emotion")(x)
        model = keras.Model(inputs, outputs, name="fnn")
        return _compile(model, make_optimizer(optimizer, learning_rate), label_smoothing=label_smoothing)


def conv_trunk(
    x,
    *,
    filters=(32, 64),
    convs_per_block=2,
    kernel_size=3,
    padding="same",
    batch_norm=False,
    dropout=0.25,
    residual=False,
    squeeze_excitation=None,
    prefix="conv",
):
    """The baseline report's trunk: per block ``convs_per_block`` convolutions, max-pool, dropout.

    ``convs_per_block`` is one count for every block or a sequence of one count per block of
    ``filters``. With ``residual``, each block adds its input to its last convolution's output
    before the last ReLU (a ResNet basic block, then the pooling); where the width changes, the input
    passes through a 1x1 convolution (and batch norm with ``batch_norm``) first. With
    ``squeeze_excitation`` (a reduction ratio), each block's last convolution output is rescaled
    channel by channel by a squeeze-and-excitation gate (:func:`squeeze_excitation_gate`) before
    the shortcut joins it, as in SE-ResNet.
    """
    keras = _keras()
    for block, (width, n_convs) in enumerate(zip(filters, _per_block(convs_per_block, filters))):
        shortcut = x
        for i in range(n_convs):
            x = keras.layers.Conv2D(width, kernel_size, padding=padding, use_bias=not batch_norm, name=f"{prefix}{block}_{i}")(x)
            if batch_norm:
                x = _batch_norm(f"{prefix}{block}_{i}_bn")(x)
            if squeeze_excitation and i == n_convs - 1:
                x = squeeze_excitation_gate(x, squeeze_excitation, name=f"{prefix}{block}_se")
            if residual and i == n_convs - 1:
                x = keras.layers.Add(name=f"{prefix}{block}_add")([x, _projected(shortcut, width, batch_norm, f"{prefix}{block}_shortcut")])
            x = keras.layers.Activation("relu")(x)
        # "same" pooling also works on images with an odd or unit size (1 x k rows in the checks).
        x = keras.layers.MaxPooling2D(2, padding="same", name=f"{prefix}{block}_pool")(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    return x


def squeeze_excitation_gate(x, ratio, *, name):
    """``x`` rescaled channel by channel by a squeeze-and-excitation gate (Hu et al. 2018).

    The gate averages each channel over the map, passes the averages through a bottleneck
    of ``channels // ratio`` ReLU units (at least one) and a sigmoid layer of one unit a
    channel, and multiplies each channel of ``x`` by its unit's output.
    """
    layers = _keras().layers
    channels = x.shape[-1]
    gate = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_squeeze")(x)
    gate = layers.Dense(max(1, channels // ratio), activation="relu", name=f"{name}_reduce")(gate)
    gate = layers.Dense(channels, activation="sigmoid", name=f"{name}_expand")(gate)
    return layers.Multiply(name=f"{name}_scale")([x, gate])


def _per_block(convs_per_block, filters):
    """One convolution count per block of ``filters``."""
    if isinstance(convs_per_block, Integral):
        return (int(convs_per_block),) * len(filters)
    counts = tuple(convs_per_block)
    if len(counts) != len(filters) or not all(isinstance(n, Integral) and n >= 1 for n in counts):
        raise ValueError(
            f"convs_per_block={counts} must be one positive int per block of widths={tuple(filters)} ({len(filters)} blocks), or one int"
        )
    return tuple(int(n) for n in counts)


def _projected(x, width, batch_norm, name):
    """``x`` itself when it is ``width`` channels wide, else its 1x1 convolution to ``width`` channels."""
    if x.shape[-1] == width:
        return x
    x = _keras().layers.Conv2D(width, 1, use_bias=not batch_norm, name=name)(x)
    return _batch_norm(f"{name}_bn")(x) if batch_norm else x


def build_cnn(
    input_shape,
    n_classes,
    *,
    filters=(32, 64),
    kernel_size=3,
    padding="same",
    batch_norm=False,
    dropout=0.25,
    dense_units=512,
    dense_dropout=0.5,
    optimizer="adam",
    learning_rate=1e-3,
    mean=0.0,
    variance=1.0,
    augmentation=(),
    label_smoothing=0.0,
    resize_to=None,
    name="cnn",
    dtype_policy="float32",
):
    """The baseline report's CNN: Conv 32-32 -> pool -> dropout -> Conv 64-64 -> pool -> dropout -> Dense 512 -> softmax."""
    with _dtype_policy(dtype_policy):
        keras = _keras()
        inputs, x = _stem(input_shape, mean, variance, augmentation)
        if resize_to is not None:
            x = keras.layers.Resizing(*resize_to, name="resize")(x)
        x = conv_trunk(x, filters=filters, kernel_size=kernel_size, padding=padding, batch_norm=batch_norm, dropout=dropout)
        outputs = _dense_head(keras.layers.Flatten(name="flatten")(x), n_classes, dense_units, dense_dropout)
        model = keras.Model(inputs, outputs, name=name)
        return _compile(model, make_optimizer(optimizer, learning_rate), label_smoothing=label_smoothing)


def build_transfer_cnn(
    source,
    input_shape,
    n_classes,
    *,
    freeze="all",
    dense_units=512,
    dense_dropout=0.5,
    optimizer="adam",
    learning_rate=1e-3,
    mean=0.0,
    variance=1.0,
    augmentation=(),
    label_smoothing=0.0,
    dtype_policy="float32",
):
    """A new 7-way head on the convolutional trunk of a trained source CNN.

    Parameters
    ----------
    source : keras.Model
        A trained CNN (e.g. on MNIST) whose conv layers are named ``conv*``; its
        input size decides the size FER images are resized to.
    freeze : "all", "none" or int
        Freeze every source conv layer, none, or the first ``k`` of them.
    """
    with _dtype_policy(dtype_policy):
        keras = _keras()
        source_convs = [layer for layer in source.layers if isinstance(layer, keras.layers.Conv2D)]
        if not source_convs:
            raise ValueError("the source model has no Conv2D layers to transfer")
        n_frozen = {"all": len(source_convs), "none": 0}.get(freeze, freeze)
        if not isinstance(n_frozen, int) or not 0 <= n_frozen <= len(source_convs):
            raise ValueError(f"freeze must be 'all', 'none' or an int in 0..{len(source_convs)}, got {freeze!r}")
        inputs, x = _stem(input_shape, mean, variance, augmentation)
        source_size = tuple(source.inputs[0].shape[1:3])
        if source_size != tuple(input_shape[:2]):
            x = keras.layers.Resizing(*source_size, name="resize")(x)
        # Re-apply the source's layers after its stem (input, normalisation, resizing), sharing weights.
        conv_index = 0
        for layer in source.layers:
            if isinstance(layer, (keras.layers.InputLayer, keras.layers.Normalization, keras.layers.Resizing)):
                continue
            if layer.name == "flatten":
                break
            if isinstance(layer, keras.layers.Conv2D):
                layer.trainable = conv_index >= n_frozen
                conv_index += 1
            x = layer(x)
        outputs = _dense_head(keras.layers.Flatten(name="flatten")(x), n_classes, dense_units, dense_dropout)
        model = keras.Model(inputs, outputs, name="transfer_cnn")
        return _compile(model, make_optimizer(optimizer, learning_rate), label_smoothing=label_smoothing)


def build_multitask_cnn(
    input_shape,
    n_classes,
    n_aux_classes,
    *,
    filters=(32, 64),
    kernel_size=3,
    batch_norm=False,
    dropout=0.25,
    dense_units=512,
    dense_dropout=0.5,
    aux_loss_weight=0.5,
    optimizer="adam",
    learning_rate=1e-3,
    mean=0.0,
    variance=1.0,
    augmentation=(),
    label_smoothing=0.0,
    dtype_policy="float32",
):
    """One conv trunk shared by a FER head (``"emotion"``) and an auxiliary head (``"aux"``, e.g. MNIST)."""
    with _dtype_policy(dtype_policy):
        keras = _keras()
        inputs, x = _stem(input_shape, mean, variance, augmentation)
        x = conv_trunk(x, filters=filters, kernel_size=kernel_size, batch_norm=batch_norm, dropout=dropout)
        x = keras.layers.Flatten(name="flatten")(x)
        heads = {
            head: _dense_head(x, size, dense_units, dense_dropout, name=head, prefix=head)
            for head, size in (("emotion", n_classes), ("aux", n_aux_classes))
        }
        model = keras.Model(inputs, heads, name="multitask_cnn")
        return _compile(
            model,
            make_optimizer(optimizer, learning_rate),
            label_smoothing=label_smoothing,
            loss_weights={"emotion": 1.0, "aux": aux_loss_weight},
        )


def build_modern_cnn(
    input_shape,
    n_classes,
    *,
    widths=(64, 128, 256, 512),
    convs_per_block=2,
    dropout=0.3,
    head_units=256,
    residual=False,
    squeeze_excitation=None,
    optimizer="adamw",
    learning_rate=2e-3,
    mean=0.0,
    variance=1.0,
    augmentation=(),
    label_smoothing=0.1,
    dtype_policy="float32",
):
    """VGG-style blocks (conv-BN-ReLU x n, max-pool, dropout), global average pooling, dense head.

    ``convs_per_block``: one count for every block, or one per block of ``widths``.
    ``residual=True`` adds a shortcut around each block's convolutions, and ``squeeze_excitation``
    (a reduction ratio) a squeeze-and-excitation gate on each block's last convolution (:func:`conv_trunk`).
    """
    with _dtype_policy(dtype_policy):
        keras = _keras()
        inputs, x = _stem(input_shape, mean, variance, augmentation)
        x = conv_trunk(
            x,
            filters=widths,
            convs_per_block=convs_per_block,
            batch_norm=True,
            dropout=dropout,
            residual=residual,
            squeeze_excitation=squeeze_excitation,
            prefix="block",
        )
        x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
        x = keras.layers.Dense(head_units, use_bias=False, name="head_dense")(x)
        x = _batch_norm("head_bn")(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.Dropout(0.5, name="head_dropout")(x)
        outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="emotion")(x)
        model = keras.Model(inputs, outputs, name="modern_cnn")
        return _compile(model, make_optimizer(optimizer, learning_rate), label_smoothing=label_smoothing)


_RANDOM_AUGMENTATION = (
    "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomCrop", "RandomContrast", "RandomBrightness", "RandomErasing",
)


def rebuild(model, *, dtype_policy="float32", inference_only=False, output=None):
    """A copy of a trained functional model in another dtype policy, as an inference graph, or with one output.

    Parameters
    ----------
    model : keras.Model
        A functional model (every builder here makes one).
    dtype_policy : str, default="float32"
        The dtype policy of every layer of the copy. ``"float32"`` gives a model
        that computes identically on every machine (and exports to ONNX exactly).
    inference_only : bool, default=False
        ``True`` replaces the random augmentation layers (identity at inference
        anyway) by ``Identity`` layers, a random crop by its central
        ``Cropping2D``, and the input standardisation by the
        equivalent ``Rescaling``: a graph of constants that exporters (ONNX)
        understand.
    output : str, default=None
        Keep only this named output (e.g. ``"emotion"`` of a multi-task network).

    Returns
    -------
    copy : keras.Model
        Uncompiled, with the trained weights (including batch-norm statistics).
    """
    import numpy as np

    keras = _keras()
    dtype_policy = resolve_dtype_policy(dtype_policy)

    def clone_layer(layer):
        if inference_only and type(layer).__name__ in _RANDOM_AUGMENTATION:
            return keras.layers.Identity(name=layer.name)
        if inference_only and type(layer).__name__ == "PerImageRandomCrop":
            return _central_crop(layer)
        if inference_only and isinstance(layer, keras.layers.Normalization) and layer.axis == ():
            std = float(np.sqrt(np.maximum(np.asarray(layer.variance).item(), keras.backend.epsilon() ** 2)))
            mean = float(np.asarray(layer.mean).item())
            return keras.layers.Rescaling(1.0 / std, offset=-mean / std, dtype="float32", name=layer.name)
        config = layer.get_config()
        config["dtype"] = "float32" if layer.dtype_policy.name == "float32" else dtype_policy
        return type(layer).from_config(config)

    copy = keras.models.clone_model(model, clone_function=clone_layer)
    for layer in copy.layers:
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    if output is not None:
        outputs = dict(zip(copy.output_names, copy.outputs))
        if output not in outputs:
            raise ValueError(f"the model has no output {output!r}; its outputs: {', '.join(outputs)}")
        copy = keras.Model(copy.inputs, outputs[output], name=copy.name)
    if inference_only:
        copy.trainable = False  # batch norm uses its moving statistics however an exporter calls it
    # Called once, as exporters require.
    copy(np.zeros((1, *copy.input_shape[1:]), dtype="float32"), training=False)
    return copy


def _central_crop(layer):
    """The ``Cropping2D`` that cuts what a trained ``PerImageRandomCrop`` keeps at inference."""
    keras = _keras()
    input_shape = layer.input.shape
    top, left = layer.centre_offsets(input_shape)
    bottom, right = input_shape[1] - layer.height - top, input_shape[2] - layer.width - left
    return keras.layers.Cropping2D(((top, bottom), (left, right)), dtype="float32", name=layer.name)
