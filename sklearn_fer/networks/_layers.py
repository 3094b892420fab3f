"""Keras layers of sklearn-fer.

This module imports TensorFlow; the builders import it only when they build a
network, and the estimators import it so that pickled and ``.keras`` models
using its layers load in a fresh process.
"""

from .._quiet import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402  (after the log level is set)
import tensorflow as tf  # noqa: E402


@keras.saving.register_keras_serializable(package="sklearn_fer")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` computed by TensorFlow's fused kernel.

    Keras 3 normalises with separate moment, cast and arithmetic ops in float32.
    TensorFlow's single ``FusedBatchNormV3`` op gives the same results (to
    rounding) in a much faster training step on a CPU (``benchmarks/bench_batch_norm.py``). Same
    arguments, weights and moving statistics as the Keras layer; inputs that
    the fused op does not cover (not 4-D channels-last, masked, no centre or
    scale, synchronised, another backend) go through the Keras layer unchanged.
    """

    def _fusable(self, inputs, mask):
        return (
            keras.backend.backend() == "tensorflow"
            and mask is None
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and self.center
            and self.scale
            and not self.synchronized
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        if training and self.trainable:
            outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                inputs, self.gamma, self.beta, epsilon=self.epsilon, is_training=True
            )[:3]
            self._update_moving_statistics(mean, variance, inputs)
        else:
            outputs = tf.compat.v1.nn.fused_batch_norm(
                inputs,
                self.gamma,
                self.beta,
                mean=self.moving_mean,
                variance=self.moving_variance,
                epsilon=self.epsilon,
                is_training=False,
            )[0]
        return tf.cast(outputs, self.compute_dtype)

    def _update_moving_statistics(self, mean, variance, inputs):
        # The fused op returns the unbiased (n - 1) batch variance; Keras's layer
        # averages the biased one, and so must this one for identical statistics.
        shape = tf.shape(inputs)
        n = tf.cast(shape[0] * shape[1] * shape[2], tf.float32)
        variance = variance * (n - 1.0) / tf.maximum(n, 2.0)
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving.assign(moving * self.momentum + batch * (1.0 - self.momentum))


@keras.saving.register_keras_serializable(package="sklearn_fer")
class PerImageRandomCrop(keras.layers.Layer):
    """A random ``height`` x ``width`` crop of each image in training, the central crop at inference.

    Keras's ``RandomCrop`` cuts every image of a batch at the same place and
    resizes instead of cropping at inference; this layer draws an offset for
    each image, so a batch holds many framings of its faces, and the network
    predicts on the central crop (test-time shifts then act as off-centre crops).

    Parameters
    ----------
    height, width : int
        Size of the crops; at most the input's.
    seed : int or None
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _margins(self, input_shape):
        spare_rows, spare_cols = input_shape[1] - self.height, input_shape[2] - self.width
        if spare_rows < 0 or spare_cols < 0:
            raise ValueError(
                f"{self.name}: a {self.height}x{self.width} crop does not fit in {input_shape[1]}x{input_shape[2]} images"
            )
        return spare_rows, spare_cols

    def centre_offsets(self, input_shape):
        """(top, left) of the central crop: what inference uses."""
        spare_rows, spare_cols = self._margins(input_shape)
        return spare_rows // 2, spare_cols // 2

    def call(self, inputs, training=None):
        spare_rows, spare_cols = self._margins(inputs.shape)
        if not training:
            top, left = self.centre_offsets(inputs.shape)
            return inputs[:, top : top + self.height, left : left + self.width]
        batch = tf.shape(inputs)[0]
        top = keras.random.randint((batch,), 0, spare_rows + 1, seed=self.seed_generator, dtype="int32")
        left = keras.random.randint((batch,), 0, spare_cols + 1, seed=self.seed_generator, dtype="int32")
        rows = top[:, None] + tf.range(self.height)[None, :]
        cols = left[:, None] + tf.range(self.width)[None, :]
        crops = tf.gather(inputs, rows, axis=1, batch_dims=1)
        return tf.gather(crops, cols, axis=2, batch_dims=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.height, self.width, *input_shape[3:])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width, "seed": self.seed}
