"""Image preprocessing transformers (flat or image-shaped input, statistics learned in fit only)."""

from .._discovery import estimators_defined_in
from . import _transformers

# Every transformer class of _transformers.py, exported as it is defined.
_TRANSFORMERS = estimators_defined_in(_transformers)
globals().update(_TRANSFORMERS)

__all__ = sorted(_TRANSFORMERS)
