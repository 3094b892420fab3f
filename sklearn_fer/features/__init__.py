"""Classical features: batched HOG (equal to scikit-image's) and LBP histograms."""

from ._hog import hog_batch, hog_image
from ._transformers import HOGTransformer, LBPTransformer

__all__ = ["HOGTransformer", "LBPTransformer", "hog_batch", "hog_image"]
