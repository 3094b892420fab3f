"""Network classifiers (scikeras + Keras). Importing this module imports TensorFlow, quietly:
its C++ start-up log is hidden unless ``TF_CPP_MIN_LOG_LEVEL`` is set, and so are its retracing warnings."""

from .._quiet import hide_retracing_warnings, quiet_tensorflow

quiet_tensorflow()

from .._discovery import estimators_defined_in  # noqa: E402
from . import _auxiliary, _distilled, _networks  # noqa: E402  (the modules that define the estimators)
from ._auxiliary import default_source_digits  # noqa: E402
from ._base import FERNetworkClassifier, load_model, network_classes  # noqa: E402

# Every network class defined in this package, by name (what a saved model's metadata names). A new
# network class in _networks.py is exported here, and found by sklearn_fer.all_estimators, as it is.
ESTIMATORS = {**estimators_defined_in(_networks), **estimators_defined_in(_auxiliary)}
globals().update(ESTIMATORS)
DistilledClassifier = _distilled.DistilledClassifier

hide_retracing_warnings()

__all__ = [*sorted(ESTIMATORS), "DistilledClassifier", "ESTIMATORS", "FERNetworkClassifier", "default_source_digits", "load_model", "network_classes"]
