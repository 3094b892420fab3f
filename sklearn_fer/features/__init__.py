"""Classical features: batched HOG (equal to scikit-image's), LBP histograms and a bag of dense visual words."""

from .._discovery import estimators_defined_in
from . import _transformers
from ._hog import hog_batch, hog_image

# Every transformer class of _transformers.py, exported as it is defined.
_TRANSFORMERS = estimators_defined_in(_transformers)
globals().update(_TRANSFORMERS)

__all__ = [*sorted(_TRANSFORMERS), "hog_batch", "hog_image"]
