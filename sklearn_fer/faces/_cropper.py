"""The ``FaceCropper`` transformer: photos -> FER2013-style face crops in a scikit-learn pipeline."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._crop import crop_face, fit_square, framing_for
from ._detect import detect_faces
from ._io import describe, read_image, to_gray


class FaceCropper(TransformerMixin, BaseEstimator):
    """Photos -> FER2013-style face crops: detect, level the eyes, crop a square, resize, grayscale.

    In a ``Pipeline`` before a FER classifier it maps each photo to one face,
    so the same pipeline scores photos and FER2013 faces: input that is already
    a face of ``output_shape`` (flat rows of ``h * w`` pixels, or ``(n, h, w)``
    images) passes through unchanged.

    Parameters
    ----------
    detector : {"haar", "mtcnn"} or callable, default="haar"
        See :func:`detect_faces`.
    output_shape : tuple of int, default=(48, 48)
        ``(h, w)`` of each crop (FER2013: 48x48).
    margin : "auto" or float, default="auto"
        ``"auto"``: FER2013's own framing for the detector (:data:`FRAMING`,
        measured by ``benchmarks/bench_face_framing.py``). A float ``m``: a square
        of side ``(1 + 2 m)`` box widths around the box's centre.
    align : bool, default=True
        Level the eyes where the detector gives eye landmarks (MTCNN).
    face : {"largest", "most_confident"}, default="largest"
        Which face of a photo with several.
    no_face : {"raise", "whole_image"}, default="raise"
        A photo without a face: ``"raise"`` a ``ValueError`` naming it, or use the
        ``"whole_image"`` (centre-cropped to a square) with a warning naming it.
    min_size : int, default=20
        Smallest face side in pixels.

    Attributes
    ----------
    n_features_out_ : int
        Pixels per crop.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_fer.faces import FaceCropper
    >>> from sklearn_fer.pretrained import load_pretrained
    >>> model = make_pipeline(FaceCropper(), load_pretrained())  # doctest: +SKIP
    >>> model.predict(["photo.jpg"])  # doctest: +SKIP
    """

    # No _test_params: the common checks feed random arrays, which hold no faces (tests/test_faces.py covers it).
    _parameter_constraints = {
        "detector": [StrOptions({"haar", "mtcnn"}), callable],
        "output_shape": [tuple, list],
        "margin": [StrOptions({"auto"}), Interval(Real, -0.4, None, closed="left")],
        "align": ["boolean"],
        "face": [StrOptions({"largest", "most_confident"})],
        "no_face": [StrOptions({"raise", "whole_image"})],
        "min_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, detector="haar", output_shape=(48, 48), margin="auto", align=True, face="largest", no_face="raise", min_size=20):
        self.detector = detector
        self.output_shape = output_shape
        self.margin = margin
        self.align = align
        self.face = face
        self.no_face = no_face
        self.min_size = min_size

    def fit(self, X=None, y=None):
        """Validate the parameters (nothing is learned).

        Returns
        -------
        self : object
        """
        self._validate_params()
        self._checked_output_shape()
        self.n_features_out_ = int(np.prod(self.output_shape))
        return self

    def _checked_output_shape(self):
        shape = tuple(self.output_shape)
        if len(shape) != 2 or not all(isinstance(v, Integral) and v > 0 for v in shape):
            raise ValueError(f"output_shape must be a pair of positive integers (h, w), got {self.output_shape!r}")
        return shape

    def framing(self):
        """The ``(side / box width, dx, dy)`` framing used with this detector and margin."""
        return framing_for(self.detector, self.margin)

    def _faces_already(self, X):
        """``X`` as flat face rows if it already is FER-style faces of ``output_shape``, else None."""
        if not isinstance(X, np.ndarray) or X.dtype == object:
            return None
        h, w = self._checked_output_shape()
        if X.ndim == 2 and X.shape[1] == h * w:
            return X
        if X.ndim in (3, 4) and X.shape[1:3] == (h, w) and (X.ndim == 3 or X.shape[3] == 1):
            return X.reshape(len(X), h * w)
        return None

    def _pick(self, faces):
        key = (lambda f: f.area) if self.face == "largest" else (lambda f: f.confidence)
        return max(faces, key=key)

    def crop(self, photo, name="image"):
        """One photo -> ``(h, w)`` uint8 face crop (a face of ``output_shape`` passes through)."""
        shape = self._checked_output_shape()
        image = read_image(photo, name=name)
        if image.shape[:2] == shape:
            return to_gray(image)
        faces = detect_faces(image, self.detector, min_size=self.min_size)
        if faces:
            return crop_face(image, self._pick(faces), framing=self.framing(), output_shape=shape, align=self.align)
        if self.no_face == "raise":
            raise ValueError(f"{name}: no face found (detector={self.detector!r}); pass no_face='whole_image' to use the whole photo")
        warnings.warn(f"{name}: no face found (detector={self.detector!r}); using the whole photo", UserWarning, stacklevel=3)
        return fit_square(image, shape)

    def transform(self, X):
        """Crop one face out of each photo.

        Parameters
        ----------
        X : list of photos, or array
            Paths, PIL images or arrays of any size (see :func:`read_image`); an
            array ``(n, H, W[, 3])`` is n photos. FER-style faces of
            ``output_shape`` (flat ``(n, h*w)`` rows or ``(n, h, w)``) pass through.

        Returns
        -------
        faces : ndarray of shape (n_photos, h * w)
            uint8 pixels, one flat row per photo (FER2013's layout).
        """
        self._validate_params()
        shape = self._checked_output_shape()
        faces = self._faces_already(X)
        if faces is not None:
            return faces
        if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
            raise ValueError(f"FaceCropper expects a list of photos (paths, PIL images or arrays), got {type(X).__name__}")
        crops = [self.crop(photo, name=describe(photo, i)) for i, photo in enumerate(X)]
        return np.stack(crops).reshape(len(crops), shape[0] * shape[1]) if crops else np.zeros((0, shape[0] * shape[1]), np.uint8)

    def get_feature_names_out(self, input_features=None):
        """``pixel0 ... pixel{h*w-1}``: the crop's pixels, row by row."""
        h, w = self._checked_output_shape()
        return np.asarray([f"pixel{i}" for i in range(h * w)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = self.detector == "mtcnn"
        return tags
