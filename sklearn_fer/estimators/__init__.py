"""Network classifiers (scikeras + Keras). TensorFlow is imported only when a network is built."""

from ._auxiliary import MultiTaskCNNClassifier, TransferCNNClassifier, default_source_digits
from ._base import FERNetworkClassifier, ImageEncoder, load_model
from ._networks import CNNClassifier, FNNClassifier, ModernCNNClassifier

ESTIMATORS = {
    cls.__name__: cls
    for cls in (FNNClassifier, CNNClassifier, TransferCNNClassifier, MultiTaskCNNClassifier, ModernCNNClassifier)
}

__all__ = [
    "CNNClassifier",
    "ESTIMATORS",
    "FERNetworkClassifier",
    "FNNClassifier",
    "ImageEncoder",
    "ModernCNNClassifier",
    "MultiTaskCNNClassifier",
    "TransferCNNClassifier",
    "default_source_digits",
    "load_model",
]
