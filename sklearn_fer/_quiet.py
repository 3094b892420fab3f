"""Quiet TensorFlow by default: its C++ start-up lines and retracing warnings tell a user nothing to act on."""

import logging
import os


def quiet_tensorflow():
    """Hide TensorFlow's C++ log below errors, unless the user set ``TF_CPP_MIN_LOG_LEVEL``.

    Call before TensorFlow is first imported; later calls change nothing.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _NoRetracingNotes(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warnings: every network fitted in one process
    traces its own step functions, which TensorFlow counts as retracing of one function."""

    def filter(self, record):
        return "tf.function retracing" not in record.getMessage()


def hide_retracing_warnings():
    """Install the filter on TensorFlow's Python logger (once)."""
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _NoRetracingNotes) for f in logger.filters):
        logger.addFilter(_NoRetracingNotes())
