"""sklearn-fer: scikit-learn compatible facial expression recognition.

Importing the package is cheap: TensorFlow/Keras are imported with the network
estimators (``sklearn_fer.estimators``) or when a builder is called.
"""

import importlib

from ._constants import EMOTIONS, IMAGE_SHAPE, USAGES

__version__ = "0.1.0"

# Public functions re-exported lazily so that `import sklearn_fer` stays fast; every estimator,
# transformer and search class is found by all_estimators (e.g. sklearn_fer.CNNClassifier).
_LAZY = {
    "all_estimators": "sklearn_fer._discovery",
    "load_fer2013": "sklearn_fer.datasets",
    "load_mnist": "sklearn_fer.datasets",
    "make_synthetic_faces": "sklearn_fer.datasets",
    "official_split": "sklearn_fer.datasets",
    "evaluate": "sklearn_fer.metrics",
    "fer_scorers": "sklearn_fer.metrics",
    "analyze": "sklearn_fer.faces",
    "analyze_video": "sklearn_fer.faces",
    "detect_faces": "sklearn_fer.faces",
    "load_pretrained": "sklearn_fer.pretrained",
    "export_onnx": "sklearn_fer.inference",
}

__all__ = ["EMOTIONS", "IMAGE_SHAPE", "USAGES", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name[:1].isupper():
        from ._discovery import find_estimator

        found = find_estimator(lambda class_name: class_name == name)
        if found is not None:
            return found
    raise AttributeError(f"module 'sklearn_fer' has no attribute {name!r}")
