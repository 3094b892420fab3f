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
