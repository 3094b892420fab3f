"""Network classifiers (scikeras + Keras). Importing this module imports TensorFlow, quietly:
its C++ start-up log is hidden unless ``TF_CPP_MIN_LOG_LEVEL`` is set, and so are its retracing warnings."""

from .._quiet import hide_retracing_warnings, quiet_tensorflow

quiet_tensorflow()

from ._auxiliary import MultiTaskCNNClassifier, TransferCNNClassifier, default_source_digits  # noqa: E402
from ._base import FERNetworkClassifier, load_model, network_classes  # noqa: E402
from ._networks import CNNClassifier, FNNClassifier, ModernCNNClassifier  # noqa: E402

hide_retracing_warnings()

# Every network class, by name (what a saved model's metadata names).
ESTIMATORS = {cls.__name__: cls for cls in network_classes()}

__all__ = [
    "CNNClassifier",
    "ESTIMATORS",
    "FERNetworkClassifier",
    "FNNClassifier",
    "ModernCNNClassifier",
    "MultiTaskCNNClassifier",
    "TransferCNNClassifier",
    "default_source_digits",
    "load_model",
]
