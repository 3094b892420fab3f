"""Fast, TensorFlow-free inference: networks exported to ONNX and run by onnxruntime.

``OnnxNetwork`` (NumPy + onnxruntime only) loads without scikit-learn, for the fastest start-up;
the other names import scikit-learn on first use.
"""

from ._runtime import OnnxNetwork

_LAZY = {"OnnxClassifier": "_onnx", "export_onnx": "_onnx", "load_onnx": "_onnx"}

__all__ = ["OnnxClassifier", "OnnxNetwork", "export_onnx", "load_onnx"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
