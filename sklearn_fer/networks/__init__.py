"""Pure Keras network builders (functions returning compiled models), kept apart from the estimators."""

from .._quiet import quiet_tensorflow

quiet_tensorflow()  # before anything here imports TensorFlow

from ._builders import (
    augmentation_layers,
    build_cnn,
    build_fnn,
    build_modern_cnn,
    build_multitask_cnn,
    build_transfer_cnn,
    conv_trunk,
    make_optimizer,
    rebuild,
    squeeze_excitation_gate,
)
from ._precision import DTYPE_POLICIES, cpu_flags, describe_dtype_policy, describe_machine, resolve_dtype_policy, runs_natively

__all__ = [
    "DTYPE_POLICIES",
    "FusedBatchNormalization",
    "PerImageRandomCrop",
    "augmentation_layers",
    "build_cnn",
    "build_fnn",
    "build_modern_cnn",
    "build_multitask_cnn",
    "build_transfer_cnn",
    "conv_trunk",
    "make_optimizer",
    "rebuild",
    "squeeze_excitation_gate",
    "cpu_flags",
    "describe_machine",
    "describe_dtype_policy",
    "resolve_dtype_policy",
    "runs_natively",
]


def __getattr__(name):
    if name in ("FusedBatchNormalization", "PerImageRandomCrop"):  # their module imports TensorFlow: only on first use
        from . import _layers

        return getattr(_layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
