"""Input handling shared by every transformer: flat ``(n, h*w)`` or image ``(n, h, w[, 1])`` arrays."""

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


def image_layout(X):
    """Trailing shape ``(h, w)`` or ``(h, w, 1)`` of image-shaped input, ``None`` for flat input."""
    ndim = getattr(X, "ndim", None)
    if ndim is None or ndim < 3:
        return None
    if ndim > 4 or (ndim == 4 and X.shape[3] != 1):
        raise ValueError(f"expected images of shape (n, h, w) or (n, h, w, 1), got an array of shape {X.shape}")
    return tuple(X.shape[1:])


def flatten_images(X):
    """``X`` as ``(n, h*w)`` when image-shaped, unchanged otherwise."""
    return X.reshape(len(X), -1) if image_layout(X) is not None else X


def restore_layout(flat, layout, image_shape=None):
    """Give a flat result back the caller's layout (images stay images, flat stays flat)."""
    if layout is None:
        return flat
    shape = tuple(image_shape) if image_shape is not None else layout[:2]
    return flat.reshape(len(flat), *shape, *layout[2:])


def resolve_image_shape(image_shape, X, n_features):
    """The ``(h, w)`` of each sample, from the input's own shape or from ``image_shape``."""
    layout = image_layout(X)
    if layout is not None:
        if image_shape is not None and tuple(image_shape) != layout[:2]:
            raise ValueError(f"image_shape={tuple(image_shape)} does not match the input images of shape {layout[:2]}")
        return layout[:2]
    if image_shape is not None:
        shape = _infer_minus_one(tuple(int(v) for v in image_shape), n_features)
        if len(shape) != 2 or math.prod(shape) != n_features:
            raise ValueError(f"image_shape={tuple(image_shape)} needs {math.prod(shape)} features per sample, got {n_features}")
        return shape
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"cannot infer a square image from {n_features} features per sample; pass image_shape=(h, w) "
            "or image-shaped input (n, h, w)"
        )
    return (side, side)


def _infer_minus_one(shape, n_features):
    """Like NumPy's reshape, one dimension given as -1 is inferred from the number of features."""
    if len(shape) == 2 and shape.count(-1) == 1:
        known = shape[1 - shape.index(-1)]
        if known > 0 and n_features % known == 0:
            return tuple(n_features // known if v == -1 else v for v in shape)
    return shape


class ImageTransformerMixin(TransformerMixin, BaseEstimator):
    """Validation shared by the transformers: accepts flat or image-shaped input.

    ``_check_input`` flattens image input, runs :func:`validate_data` (so
    ``n_features_in_`` is the number of pixels) and returns the flat float
    array together with the layout needed to give the result its shape back.
    """

    # Pixels are made float unless a transformer keeps integer input (HOG, LBP: "numeric").
    _input_dtype = (np.float64, np.float32)

    def _check_input(self, X, *, reset):
        if not reset:
            check_is_fitted(self)
        layout = image_layout(X)
        X_flat = validate_data(self, flatten_images(X), reset=reset, dtype=self._input_dtype)
        return X_flat, layout

    def fit(self, X, y=None):
        """Validate the parameters and the training images, and learn from them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])
        y : ignored

        Returns
        -------
        self : object
        """
        self._validate_params()
        X_flat, _ = self._check_input(X, reset=True)
        self._fit_input(X, X_flat)
        return self

    def _fit_input(self, X_raw, X_flat):
        """What a transformer learns from its validated training input (nothing by default)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


class ImageShapeMixin:
    """For transformers that need the 2-D structure of each sample."""

    def _fit_input(self, X_raw, X_flat):
        self.image_shape_ = resolve_image_shape(self.image_shape, X_raw, X_flat.shape[1])

    def _as_images(self, X_raw, X_flat):
        shape = resolve_image_shape(self.image_shape_, X_raw, X_flat.shape[1])
        return X_flat.reshape(len(X_flat), *shape)
