"""hyperopt-sklearn style search-space components for the sklearn-fer estimators.

Each component is a function ``component(name, **fixed)`` returning a hyperopt
``pyll`` node that evaluates to an unfitted estimator, exactly like
``hpsklearn.components`` (``svc(name)``, ``mlp_classifier(name)``, ...): every
searchable parameter gets a default distribution labelled ``"<name>.<param>"``,
and a keyword argument fixes a parameter (or replaces its distribution by your
own hyperopt expression). Use them with ``hpsklearn.HyperoptEstimator``::

    from hpsklearn import HyperoptEstimator
    from sklearn_fer.search import cnn_classifier, image_standardizer, spawned_trials

    search = HyperoptEstimator(classifier=cnn_classifier("cnn", epochs=10),
                               preprocessing=[image_standardizer("std")], max_evals=25)
    with spawned_trials():          # TensorFlow is not fork-safe
        search.fit(X, y)
"""

import contextlib
import inspect
import multiprocessing

import numpy as np
from hyperopt import hp
from hyperopt.pyll import scope

_ESTIMATOR_MODULES = {
    "FNNClassifier": "sklearn_fer.estimators",
    "CNNClassifier": "sklearn_fer.estimators",
    "TransferCNNClassifier": "sklearn_fer.estimators",
    "MultiTaskCNNClassifier": "sklearn_fer.estimators",
    "ModernCNNClassifier": "sklearn_fer.estimators",
    "HOGTransformer": "sklearn_fer.features",
    "LBPTransformer": "sklearn_fer.features",
    "PixelScaler": "sklearn_fer.preprocessing",
    "ImageStandardizer": "sklearn_fer.preprocessing",
    "ZCAWhitening": "sklearn_fer.preprocessing",
}


def _estimator_class(class_name):
    import importlib

    return getattr(importlib.import_module(_ESTIMATOR_MODULES[class_name]), class_name)


@scope.define
def sklearn_fer_estimator(class_name, **params):
    """Build ``class_name(**params)``; pyll calls this when a point of the space is drawn."""
    return _estimator_class(class_name)(**params)


def _log_uniform(label, low, high):
    return hp.loguniform(label, np.log(low), np.log(high))


# Default distributions: factories of a label, so one dict serves every component name.
_NETWORK_TRAINING = {
    "optimizer": lambda label: hp.choice(label, ["adam", "sgd", "rmsprop"]),
    "learning_rate": lambda label: _log_uniform(label, 1e-4, 1e-2),
    "batch_size": lambda label: hp.choice(label, [32, 64, 128]),
}
_CONV_TRUNK = {
    "kernel_size": lambda label: hp.choice(label, [1, 2, 3, 5]),
    "dropout": lambda label: hp.uniform(label, 0.1, 0.5),
    "batch_norm": lambda label: hp.choice(label, [False, True]),
    "dense_units": lambda label: hp.choice(label, [256, 512, 1024]),
}
DEFAULT_DISTRIBUTIONS = {
    "FNNClassifier": {
        "hidden_layer_sizes": lambda label: hp.choice(label, [(512,), (1152,), (2048,), (1024, 512), (2304, 1152)]),
        "activation": lambda label: hp.choice(label, ["relu", "elu", "tanh", "sigmoid"]),
        "dropout": lambda label: hp.uniform(label, 0.0, 0.6),
        **_NETWORK_TRAINING,
    },
    "CNNClassifier": {**_CONV_TRUNK, **_NETWORK_TRAINING},
    "TransferCNNClassifier": {
        "freeze": lambda label: hp.choice(label, ["all", "none", 2, 4]),
        "fine_tune_learning_rate": lambda label: _log_uniform(label, 1e-5, 1e-3),
        "dropout": lambda label: hp.uniform(label, 0.1, 0.5),
        **_NETWORK_TRAINING,
    },
    "MultiTaskCNNClassifier": {
        "aux_loss_weight": lambda label: hp.uniform(label, 0.05, 1.0),
        **_CONV_TRUNK,
        **_NETWORK_TRAINING,
    },
    "ModernCNNClassifier": {
        "dropout": lambda label: hp.uniform(label, 0.2, 0.6),
        "label_smoothing": lambda label: hp.uniform(label, 0.0, 0.2),
        "learning_rate": lambda label: _log_uniform(label, 3e-4, 3e-3),
        "lr_schedule": lambda label: hp.choice(label, ["cosine", "plateau"]),
    },
    "HOGTransformer": {
        "orientations": lambda label: hp.choice(label, [6, 8, 9, 12]),
        "pixels_per_cell": lambda label: hp.choice(label, [(6, 6), (8, 8), (12, 12)]),
        "cells_per_block": lambda label: hp.choice(label, [(1, 1), (2, 2), (3, 3)]),
        "transform_sqrt": lambda label: hp.choice(label, [False, True]),
    },
    "LBPTransformer": {
        "radius": lambda label: hp.choice(label, [1, 2, 3]),
        "grid": lambda label: hp.choice(label, [(4, 4), (6, 6), (8, 8)]),
    },
    "PixelScaler": {"mode": lambda label: hp.choice(label, ["unit", "centered"])},
    "ImageStandardizer": {"mode": lambda label: hp.choice(label, ["dataset", "pixel", "sample"])},
    "ZCAWhitening": {"epsilon": lambda label: _log_uniform(label, 1e-3, 1e-1)},
}


def _parameter_names(class_name):
    return [p for p in inspect.signature(_estimator_class(class_name).__init__).parameters if p != "self"]


def estimator_node(class_name, params):
    """A pyll node drawing ``class_name(**params)``, where values may be hyperopt expressions.

    Raises
    ------
    ValueError
        When ``params`` names a parameter the estimator does not have.
    """
    known = _parameter_names(class_name)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(f"{class_name} has no parameter(s) {unknown}; its parameters are {known}")
    return scope.sklearn_fer_estimator(class_name, **params)


def _component(class_name, function_name):
    def component(name, **fixed):
        defaults = {param: make(f"{name}.{param}") for param, make in DEFAULT_DISTRIBUTIONS[class_name].items()}
        return estimator_node(class_name, {**defaults, **fixed})

    component.__name__ = component.__qualname__ = function_name
    searched = ", ".join(DEFAULT_DISTRIBUTIONS[class_name])
    component.__doc__ = f"""Search space of a :class:`{class_name}` (hpsklearn component).

    Parameters
    ----------
    name : str
        Prefix of the hyperopt labels (``"<name>.<param>"``); unique per search.
    **fixed
        Parameters of the estimator to fix (a value) or to search differently
        (a hyperopt expression). Searched by default: {searched}.

    Returns
    -------
    node : hyperopt.pyll.Apply
        Evaluates to an unfitted ``{class_name}``.
    """
    return component


fnn_classifier = _component("FNNClassifier", "fnn_classifier")
cnn_classifier = _component("CNNClassifier", "cnn_classifier")
transfer_cnn_classifier = _component("TransferCNNClassifier", "transfer_cnn_classifier")
multitask_cnn_classifier = _component("MultiTaskCNNClassifier", "multitask_cnn_classifier")
modern_cnn_classifier = _component("ModernCNNClassifier", "modern_cnn_classifier")
hog_transformer = _component("HOGTransformer", "hog_transformer")
lbp_transformer = _component("LBPTransformer", "lbp_transformer")
pixel_scaler = _component("PixelScaler", "pixel_scaler")
image_standardizer = _component("ImageStandardizer", "image_standardizer")
zca_whitening = _component("ZCAWhitening", "zca_whitening")


@contextlib.contextmanager
def spawned_trials():
    """Run ``hpsklearn.HyperoptEstimator`` trials in spawned, not forked, processes.

    hpsklearn evaluates every trial in a ``multiprocessing.Process``, which is
    forked on Linux; a fork of a process whose TensorFlow runtime has started
    can deadlock. Inside this context the trials start with ``spawn`` (a fresh
    interpreter per trial: slower to start, safe for TensorFlow).
    """
    from hpsklearn.estimator import estimator as hpsklearn_estimator

    original = hpsklearn_estimator.Process
    hpsklearn_estimator.Process = multiprocessing.get_context("spawn").Process
    try:
        yield
    finally:
        hpsklearn_estimator.Process = original
