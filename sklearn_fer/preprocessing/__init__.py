"""Image preprocessing transformers (flat or image-shaped input, statistics learned in fit only)."""

from ._transformers import ImageReshaper, ImageResizer, ImageStandardizer, PixelScaler, SobelEdges, ZCAWhitening

__all__ = ["ImageReshaper", "ImageResizer", "ImageStandardizer", "PixelScaler", "SobelEdges", "ZCAWhitening"]
