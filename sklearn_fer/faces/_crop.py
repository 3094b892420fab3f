"""FER2013-style face crops from photos: ``crop_face`` and the ``FaceCropper`` transformer."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._detect import detect_faces
from ._io import describe, read_image, to_gray

# FER2013's framing in each detector's terms, measured by benchmarks/bench_face_framing.py on
# Training faces: the FER2013 square's side over the detected box's width, and the offset of its
# centre from the box's centre (x, y, in box widths).
FRAMING = {"haar": (1.03, 0.0, 0.0), "mtcnn": (1.28, 0.0, -0.015)}


def face_square(face, framing):
    """``(cx, cy, side)``: the square a face is cropped to, by ``framing = (side / width, dx, dy)``."""
    x, y, w, h = face.box
    ratio, dx, dy = framing
    return x + w / 2 + dx * w, y + h / 2 + dy * w, ratio * w


def eye_angle(face):
    """The eyes' tilt in degrees (counter-clockwise as the image shows it), 0 without landmarks."""
    if face.left_eye is None or face.right_eye is None:
        return 0.0
    (lx, ly), (rx, ry) = face.left_eye, face.right_eye
    return math.degrees(math.atan2(ry - ly, rx - lx))


def crop_face(image, face, *, framing=FRAMING["haar"], output_shape=(48, 48), align=True):
    """Cut one face out of a photo as a FER2013-style grayscale crop.

    Parameters
    ----------
    image : array-like
        The photo (any input :func:`read_image` takes).
    face : Face
        Where the face is (from :func:`detect_faces`).
    framing : tuple of float, default=FRAMING["haar"]
        ``(side / box width, dx, dy)``: the crop is a square ``side / box width``
        times the box's width, centred ``(dx, dy)`` box widths from the box's centre.
    output_shape : tuple of int, default=(48, 48)
        ``(h, w)`` of the crop.
    align : bool, default=True
        Rotate so that the eyes are level, where the face has eye landmarks.

    Returns
    -------
    crop : ndarray of uint8, shape output_shape
        Parts of the square outside the photo are filled by repeating its edge pixels.
    """
    import cv2

    gray = to_gray(read_image(image))
    cx, cy, side = face_square(face, framing)
    angle = eye_angle(face) if align else 0.0
    size = max(int(round(side)), 1)
    # One affine warp: rotate about the square's centre, then move that centre to the middle of a
    # size x size canvas; the resize that follows averages pixels (no aliasing on large faces).
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[:, 2] += (size / 2 - cx, size / 2 - cy)
    square = cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    height, width = output_shape
    interpolation = cv2.INTER_AREA if size >= max(height, width) else cv2.INTER_CUBIC
    return cv2.resize(square, (width, height), interpolation=interpolation)


def fit_square(image, output_shape):
    """A whole image as a face crop without distortion: centre-cropped to a square, then resized."""
    import cv2

    gray = to_gray(read_image(image))
    height, width = gray.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = gray[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side >= max(output_shape) else cv2.INTER_CUBIC
    return cv2.resize(square, output_shape[::-1], interpolation=interpolation)


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
        if self.margin == "auto":
            return FRAMING.get(self.detector, FRAMING["haar"]) if isinstance(self.detector, str) else FRAMING["haar"]
        return (1 + 2 * self.margin, 0.0, 0.0)

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
