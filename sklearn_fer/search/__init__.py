"""Searches: resumable grid and scikit-learn style hyperopt searches, hpsklearn components, the seed's presets.

Importing this module does not import TensorFlow; the network components import it
when a point of their space is drawn.
"""

from ._components import (
    DEFAULT_DISTRIBUTIONS,
    cnn_classifier,
    fnn_classifier,
    hog_transformer,
    image_standardizer,
    lbp_transformer,
    modern_cnn_classifier,
    multitask_cnn_classifier,
    pixel_scaler,
    spawned_trials,
    transfer_cnn_classifier,
    zca_whitening,
)
from ._grid_search import ResumableGridSearchCV
from ._hyperopt_search import HyperoptSearchCV
from ._presets import SEED_CNN_GRID, SEED_MAX_EVALS, seed_component, seed_grid_search, seed_hyperopt_search, seed_space

__all__ = [
    "DEFAULT_DISTRIBUTIONS",
    "HyperoptSearchCV",
    "ResumableGridSearchCV",
    "SEED_CNN_GRID",
    "SEED_MAX_EVALS",
    "cnn_classifier",
    "fnn_classifier",
    "hog_transformer",
    "image_standardizer",
    "lbp_transformer",
    "modern_cnn_classifier",
    "multitask_cnn_classifier",
    "pixel_scaler",
    "seed_component",
    "seed_grid_search",
    "seed_hyperopt_search",
    "seed_space",
    "spawned_trials",
    "transfer_cnn_classifier",
    "zca_whitening",
]
