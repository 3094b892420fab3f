"""Searches: resumable grid and hyperopt searches on scikit-learn's ``BaseSearchCV``, hpsklearn
components, and the baseline report's presets.

Importing this module does not import TensorFlow. There is one hpsklearn component per
estimator or transformer class with a search space (``cnn_classifier``, ``hog_transformer``,
... see :func:`sklearn_fer.all_estimators`); making a network's component imports TensorFlow.
"""

from ._components import estimator_node, make_component, spawned_trials
from ._grid_search import ResumableGridSearchCV
from ._hyperopt_search import HyperoptSearchCV
from ._presets import (
    BASELINE_CNN_GRID,
    BASELINE_MAX_EVALS,
    baseline_component,
    baseline_grid_search,
    baseline_hyperopt_search,
    baseline_space,
)

__all__ = [
    "BASELINE_CNN_GRID",
    "BASELINE_MAX_EVALS",
    "HyperoptSearchCV",
    "ResumableGridSearchCV",
    "baseline_component",
    "baseline_grid_search",
    "baseline_hyperopt_search",
    "baseline_space",
    "estimator_node",
    "make_component",
    "spawned_trials",
]


def __getattr__(name):
    if name.startswith("_"):  # probes such as __wrapped__ are never components: no need to import every estimator
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name == "DEFAULT_DISTRIBUTIONS":
        from ._components import default_distributions

        return default_distributions()
    from ._components import find_component

    component = find_component(name)
    if component is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return component
