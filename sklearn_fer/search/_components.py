"""hyperopt-sklearn style search-space components for the sklearn-fer estimators.

Each component is a function ``component(name, **fixed)`` returning a hyperopt
``pyll`` node that evaluates to an unfitted estimator, exactly like
``hpsklearn.components`` (``svc(name)``, ``mlp_classifier(name)``, ...): every
parameter of the class's ``_search_space`` gets its distribution, labelled
``"<name>.<param>"``, and a keyword argument fixes a parameter (or replaces its
distribution by your own hyperopt expression). There is one component per
discovered class with a search space, named after it (``CNNClassifier`` ->
``cnn_classifier``); making a network's component imports TensorFlow. Use them
with ``hpsklearn.HyperoptEstimator``::

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

_DISTRIBUTIONS = {
    "choice": lambda label, options: hp.choice(label, options),
    "uniform": lambda label, low, high: hp.uniform(label, low, high),
    "loguniform": lambda label, low, high: hp.loguniform(label, np.log(low), np.log(high)),
}


@scope.define
def sklearn_fer_estimator(estimator_class, **params):
    """Build ``estimator_class(**params)``; pyll calls this when a point of the space is drawn."""
    return estimator_class(**params)


def distribution(label, spec):
    """The hyperopt expression of a ``_search_space`` entry: ``("choice", options)``,
    ``("uniform", low, high)`` or ``("loguniform", low, high)``."""
    kind, *arguments = spec
    if kind not in _DISTRIBUTIONS:
        raise ValueError(f"search space entry {label!r}: unknown distribution {kind!r}, expected one of {sorted(_DISTRIBUTIONS)}")
    return _DISTRIBUTIONS[kind](label, *arguments)


def estimator_node(estimator_class, params):
    """A pyll node drawing ``estimator_class(**params)``, where values may be hyperopt expressions.

    Raises
    ------
    ValueError
        When ``params`` names a parameter the estimator does not have.
    """
    known = [p for p in inspect.signature(estimator_class.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(f"{estimator_class.__name__} has no parameter(s) {unknown}; its parameters are {known}")
    return scope.sklearn_fer_estimator(estimator_class, **params)


def make_component(estimator_class):
    """The hpsklearn component of ``estimator_class``, from its ``_search_space``."""
    class_name = estimator_class.__name__

    def component(name, **fixed):
        defaults = {param: distribution(f"{name}.{param}", spec) for param, spec in estimator_class._search_space.items()}
        return estimator_node(estimator_class, {**defaults, **fixed})

    component.__name__ = component.__qualname__ = component_name(class_name)
    searched = ", ".join(estimator_class._search_space)
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


def component_name(class_name):
    """``CNNClassifier`` -> ``cnn_classifier``, ``MultiTaskCNNClassifier`` -> ``multitask_cnn_classifier``."""
    import re

    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]+", class_name.replace("MultiTask", "Multitask"))
    return "_".join(word.lower() for word in words)


def find_component(name):
    """The component called ``name``, or None when no discovered class with a search space has that name."""
    from .._discovery import find_estimator

    found = find_estimator(lambda class_name: component_name(class_name) == name)
    if found is None or not getattr(found, "_search_space", None):
        return None
    return make_component(found)


def default_distributions():
    """``{class name: {parameter: factory of a label}}`` for every class with a search space."""
    from .._discovery import all_estimators

    return {
        name: {param: (lambda label, spec=spec: distribution(label, spec)) for param, spec in cls._search_space.items()}
        for name, cls in all_estimators()
        if getattr(cls, "_search_space", None)
    }


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
