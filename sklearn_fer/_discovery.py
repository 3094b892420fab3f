"""One discovery of the package's estimators, transformers and searches (as scikit-learn's ``all_estimators``).

A class is discovered when a public subpackage exports it (its ``__all__``), it is a
scikit-learn estimator, and it is not an abstract base (``_abstract = True`` in its own
body). The top-level exports, the hyperopt-sklearn components (from each class's
``_search_space``) and the common tests (from each class's ``_test_params``) read this
list, so a new network or transformer is one class in one module, plus its builder.
"""

import importlib

# Cheapest imports first: looking a transformer up never imports TensorFlow.
_SUBPACKAGES = ("preprocessing", "features", "faces", "search", "estimators")


def estimators_defined_in(module):
    """``{name: class}`` of the public scikit-learn estimator classes a module defines (not those it imports)."""
    from sklearn.base import BaseEstimator

    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, BaseEstimator) and value.__module__ == module.__name__ and not name.startswith("_")
    }


def _exported_estimators(subpackage):
    from sklearn.base import BaseEstimator

    module = importlib.import_module(f"sklearn_fer.{subpackage}")
    for name in module.__all__:
        value = getattr(module, name)
        if isinstance(value, type) and issubclass(value, BaseEstimator) and not value.__dict__.get("_abstract", False):
            yield name, value


def all_estimators(type_filter=None):
    """Every estimator, transformer and search class of sklearn-fer.

    Parameters
    ----------
    type_filter : {"classifier", "transformer", "search"} or None, default=None
        Only the classes of that kind; ``None``: all of them.

    Returns
    -------
    estimators : list of (str, type)
        ``(class name, class)`` pairs sorted by name.
    """
    from sklearn.model_selection._search import BaseSearchCV

    kinds = {
        None: lambda cls: True,
        "classifier": lambda cls: hasattr(cls, "predict_proba") and not issubclass(cls, BaseSearchCV),
        "transformer": lambda cls: hasattr(cls, "transform") and not issubclass(cls, BaseSearchCV),
        "search": lambda cls: issubclass(cls, BaseSearchCV),
    }
    if type_filter not in kinds:
        raise ValueError(f"type_filter must be one of {sorted(kinds, key=str)}, got {type_filter!r}")
    found = {name: cls for subpackage in _SUBPACKAGES for name, cls in _exported_estimators(subpackage)}
    return sorted((name, cls) for name, cls in found.items() if kinds[type_filter](cls))


def find_estimator(matches):
    """The first discovered class (cheapest subpackage first) whose name satisfies ``matches(name)``, or None."""
    for subpackage in _SUBPACKAGES:
        for name, cls in _exported_estimators(subpackage):
            if matches(name):
                return cls
    return None
