"""sklearn-fer: scikit-learn compatible facial expression recognition.

Importing the package is cheap: TensorFlow/Keras are only imported when a
network estimator is fitted or a builder is called.
"""

import importlib

from ._constants import EMOTIONS, IMAGE_SHAPE, USAGES

__version__ = "0.1.0"

# Public names re-exported lazily so that `import sklearn_fer` stays fast.
_LAZY = {
    "load_fer2013": "sklearn_fer.datasets",
    "load_mnist": "sklearn_fer.datasets",
    "make_synthetic_faces": "sklearn_fer.datasets",
    "official_split": "sklearn_fer.datasets",
    "HOGTransformer": "sklearn_fer.features",
    "LBPTransformer": "sklearn_fer.features",
    "evaluate": "sklearn_fer.metrics",
    "fer_scorers": "sklearn_fer.metrics",
    "FNNClassifier": "sklearn_fer.estimators",
    "CNNClassifier": "sklearn_fer.estimators",
    "TransferCNNClassifier": "sklearn_fer.estimators",
    "MultiTaskCNNClassifier": "sklearn_fer.estimators",
    "ModernCNNClassifier": "sklearn_fer.estimators",
    "analyze": "sklearn_fer.faces",
    "analyze_video": "sklearn_fer.faces",
    "detect_faces": "sklearn_fer.faces",
    "FaceCropper": "sklearn_fer.faces",
    "load_pretrained": "sklearn_fer.pretrained",
    "export_onnx": "sklearn_fer.inference",
}

__all__ = ["EMOTIONS", "IMAGE_SHAPE", "USAGES", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sklearn_fer' has no attribute {name!r}")
