"""Fast, TensorFlow-free inference: networks exported to ONNX and run by onnxruntime."""

from ._onnx import OnnxClassifier, export_onnx, load_onnx

__all__ = ["OnnxClassifier", "export_onnx", "load_onnx"]
