"""Pure Keras network builders (functions returning compiled models), kept apart from the estimators."""

from ._builders import (
    DTYPE_POLICIES,
    augmentation_layers,
    build_cnn,
    build_fnn,
    build_modern_cnn,
    build_multitask_cnn,
    build_transfer_cnn,
    conv_trunk,
    make_optimizer,
)

__all__ = [
    "DTYPE_POLICIES",
    "augmentation_layers",
    "build_cnn",
    "build_fnn",
    "build_modern_cnn",
    "build_multitask_cnn",
    "build_transfer_cnn",
    "conv_trunk",
    "make_optimizer",
]
