"""Image preprocessing transformers, fitted on training data only.

The baseline report normalised with statistics of the whole data set (validation and test
included); here every statistic is learned in ``fit`` and merely applied in
``transform``, so a Pipeline inside cross-validation cannot leak.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, OneToOneFeatureMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._images import ImageShapeMixin, ImageTransformerMixin, restore_layout


class PixelScaler(OneToOneFeatureMixin, ImageTransformerMixin):
    """Scale raw 0-255 pixels: ``x / 255`` (``"unit"``) or ``x / 255 - 0.5`` (``"centered"``, the baseline report's).

    Stateless; accepts flat ``(n, h*w)`` or image ``(n, h, w[, 1])`` input and
    returns the same layout.

    Parameters
    ----------
    mode : {"unit", "centered"}, default="unit"
        ``"unit"`` maps to [0, 1], ``"centered"`` to [-0.5, 0.5].
    max_value : float, default=255.0
        The value of a white pixel.
    """

    _search_space = {"mode": ("choice", ["unit", "centered"])}
    _test_params = [{}, {"mode": "centered"}]
    _parameter_constraints = {
        "mode": [StrOptions({"unit", "centered"})],
        "max_value": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, mode="unit", max_value=255.0):
        self.mode = mode
        self.max_value = max_value

    def transform(self, X):
        """Scale the pixels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        X_scaled : ndarray of the input's shape
        """
        self._validate_params()  # stateless: fit is optional (requires_fit=False)
        X_flat, layout = self._check_input(X, reset=False)
        scaled = X_flat / self.max_value
        if self.mode == "centered":
            scaled = scaled - 0.5
        return restore_layout(scaled, layout)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


class ImageStandardizer(OneToOneFeatureMixin, ImageTransformerMixin):
    """Zero-mean, unit-variance images, with statistics learned in ``fit``.

    Parameters
    ----------
    mode : {"dataset", "pixel", "sample"}, default="dataset"
        ``"dataset"``: one mean and std over all training pixels (Keras's
        ``featurewise_center``/``featurewise_std_normalization`` on grayscale);
        ``"pixel"``: a mean and std per pixel position; ``"sample"``: each image
        standardised by its own mean and std (stateless; ``samplewise_*``).
    epsilon : float, default=1e-6
        Added to the std to avoid division by zero on constant images.

    Attributes
    ----------
    mean_ : float or ndarray of shape (n_features,)
        Learned mean (not set for ``mode="sample"``).
    scale_ : float or ndarray of shape (n_features,)
        Learned standard deviation (not set for ``mode="sample"``).
    """

    _search_space = {"mode": ("choice", ["dataset", "pixel", "sample"])}
    _test_params = [{"mode": "dataset"}, {"mode": "pixel"}, {"mode": "sample"}]
    _parameter_constraints = {
        "mode": [StrOptions({"dataset", "pixel", "sample"})],
        "epsilon": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, mode="dataset", epsilon=1e-6):
        self.mode = mode
        self.epsilon = epsilon

    def _fit_input(self, X_raw, X_flat):
        """Learn the mean and standard deviation from training images."""
        if self.mode == "dataset":
            self.mean_, self.scale_ = float(X_flat.mean()), float(X_flat.std())
        elif self.mode == "pixel":
            self.mean_, self.scale_ = X_flat.mean(axis=0), X_flat.std(axis=0)

    def transform(self, X):
        """Standardise images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        X_standardized : ndarray of the input's shape
        """
        check_is_fitted(self)
        X_flat, layout = self._check_input(X, reset=False)
        if self.mode == "sample":
            mean, scale = X_flat.mean(axis=1, keepdims=True), X_flat.std(axis=1, keepdims=True)
        else:
            mean, scale = self.mean_, self.scale_
        return restore_layout((X_flat - mean) / (scale + self.epsilon), layout)


class ZCAWhitening(OneToOneFeatureMixin, ImageTransformerMixin):
    """ZCA whitening learned on the training images (Keras's ``zca_whitening``).

    Parameters
    ----------
    epsilon : float, default=1e-2
        Regularisation added to the eigenvalues of the pixel covariance; larger
        values whiten less (and amplify less noise). Data are expected in the
        0-1 or standardised range (put a :class:`PixelScaler` first).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (n_features, n_features)
        The symmetric whitening matrix ``U diag(1/sqrt(s + epsilon)) U^T``.
    """

    _search_space = {"epsilon": ("loguniform", 1e-3, 1e-1)}
    _test_params = [{}]
    _parameter_constraints = {"epsilon": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, epsilon=1e-2):
        self.epsilon = epsilon

    def _fit_input(self, X_raw, X_flat):
        """Learn the whitening matrix from training images."""
        self.mean_ = X_flat.mean(axis=0)
        centered = X_flat - self.mean_
        covariance = centered.T @ centered / max(len(X_flat) - 1, 1)
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        eigenvalues = np.clip(eigenvalues, 0.0, None)
        self.components_ = (eigenvectors / np.sqrt(eigenvalues + self.epsilon)) @ eigenvectors.T

    def transform(self, X):
        """Whiten images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        X_white : ndarray of the input's shape
        """
        check_is_fitted(self)
        X_flat, layout = self._check_input(X, reset=False)
        return restore_layout((X_flat - self.mean_) @ self.components_, layout)


class ImageResizer(ClassNamePrefixFeaturesOutMixin, ImageShapeMixin, ImageTransformerMixin):
    """Resize every image, e.g. 48x48 FER faces to 28x28 for MNIST-pretrained nets.

    Parameters
    ----------
    output_shape : tuple of int, default=(28, 28)
        ``(h, w)`` of the resized images.
    image_shape : tuple of int, default=None
        ``(h, w)`` of flat input rows; ``None`` takes it from image-shaped input
        or assumes square images.
    order : int, default=1
        Spline interpolation order (0 nearest, 1 bilinear, 3 bicubic).
    anti_aliasing : bool, default=True
        Smooth before downsampling.

    Attributes
    ----------
    image_shape_ : tuple of int
        Shape of the input images seen in ``fit``.
    """

    _test_params = [{"output_shape": (1, 2), "image_shape": (1, -1)}]
    _parameter_constraints = {
        "output_shape": [tuple, list],
        "image_shape": [tuple, list, None],
        "order": [Interval(Integral, 0, 5, closed="both")],
        "anti_aliasing": ["boolean"],
    }

    def __init__(self, output_shape=(28, 28), image_shape=None, order=1, anti_aliasing=True):
        self.output_shape = output_shape
        self.image_shape = image_shape
        self.order = order
        self.anti_aliasing = anti_aliasing

    def _fit_input(self, X_raw, X_flat):
        """Check the output shape and record the input image shape."""
        if len(self.output_shape) != 2 or min(self.output_shape) < 1:
            raise ValueError(f"output_shape must be (h, w) with positive sizes, got {self.output_shape!r}")
        super()._fit_input(X_raw, X_flat)
        self._n_features_out = int(np.prod(self.output_shape))

    def transform(self, X):
        """Resize images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        X_resized : ndarray of shape (n_samples, h_out*w_out) or (n_samples, h_out, w_out[, 1])
        """
        from skimage.transform import resize

        check_is_fitted(self)
        X_flat, layout = self._check_input(X, reset=False)
        images = self._as_images(X, X_flat)
        resized = resize(
            images,
            (len(images), *self.output_shape),
            order=self.order,
            anti_aliasing=self.anti_aliasing,
            preserve_range=True,
            mode="edge",
        )
        # The batch axis must not be smoothed or interpolated.
        return restore_layout(resized.reshape(len(images), -1), layout, self.output_shape)


class SobelEdges(OneToOneFeatureMixin, ImageShapeMixin, ImageTransformerMixin):
    """Sobel edge magnitude of each image (same size as the input).

    Parameters
    ----------
    image_shape : tuple of int, default=None
        ``(h, w)`` of flat input rows; ``None`` takes it from image-shaped input
        or assumes square images.

    Attributes
    ----------
    image_shape_ : tuple of int
    """

    _test_params = [{"image_shape": (1, -1)}]
    _parameter_constraints = {"image_shape": [tuple, list, None]}

    def __init__(self, image_shape=None):
        self.image_shape = image_shape

    def transform(self, X):
        """Edge magnitude ``hypot(sobel_rows, sobel_cols)`` per image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        X_edges : ndarray of the input's shape
        """
        from scipy import ndimage

        check_is_fitted(self)
        X_flat, layout = self._check_input(X, reset=False)
        images = self._as_images(X, X_flat)
        # ndimage.sobel would also smooth along the batch axis, mixing neighbouring images.
        derivative, smooth = [-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]
        g_row = ndimage.correlate1d(ndimage.correlate1d(images, derivative, axis=1), smooth, axis=2)
        g_col = ndimage.correlate1d(ndimage.correlate1d(images, derivative, axis=2), smooth, axis=1)
        edges = np.hypot(g_row, g_col)
        return restore_layout(edges.reshape(len(images), -1), layout)


class ImageReshaper(ImageShapeMixin, ImageTransformerMixin):
    """Reshape between flat rows and images (for Keras steps inside a Pipeline).

    Parameters
    ----------
    to : {"image", "flat"}, default="image"
        ``"image"`` gives ``(n, h, w, 1)`` (channels last, as Keras expects),
        ``"flat"`` gives ``(n, h*w)``.
    image_shape : tuple of int, default=None
        ``(h, w)`` of flat input rows; ``None`` infers it (square images).

    Attributes
    ----------
    image_shape_ : tuple of int
    """

    _test_params = [{"to": "flat", "image_shape": (1, -1)}]
    _parameter_constraints = {"to": [StrOptions({"image", "flat"})], "image_shape": [tuple, list, None]}

    def __init__(self, to="image", image_shape=None):
        self.to = to
        self.image_shape = image_shape

    def transform(self, X):
        """Reshape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        X_reshaped : ndarray of shape (n_samples, h, w, 1) or (n_samples, h*w)
        """
        check_is_fitted(self)
        X_flat, _ = self._check_input(X, reset=False)
        if self.to == "flat":
            return X_flat
        return self._as_images(X, X_flat)[..., np.newaxis]

    def get_feature_names_out(self, input_features=None):
        """Pixel names; only meaningful for ``to="flat"``.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        return np.array([f"pixel{i}" for i in range(self.n_features_in_)], dtype=object)
