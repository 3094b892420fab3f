"""Quiet TensorFlow by default: its C++ start-up lines and retracing warnings tell a user nothing to act on."""

import os


def quiet_tensorflow():
    """Hide TensorFlow's C++ log below errors, unless the user set ``TF_CPP_MIN_LOG_LEVEL``.

    Call before TensorFlow is first imported; later calls change nothing.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
