"""Face detection: OpenCV's Haar cascade (fast, TensorFlow-free) and MTCNN (eye landmarks, harder poses)."""

import functools
import os
from dataclasses import dataclass

import numpy as np

from ._io import read_image, to_gray, to_rgb

DETECTORS = ("haar", "mtcnn")


@dataclass(frozen=True)
class Face:
    """One detected face.

    Attributes
    ----------
    box : tuple of int
        ``(x, y, width, height)`` in pixels of the photo (origin top left).
    confidence : float
        MTCNN: the probability that the box holds a face. Haar: the cascade's
        last-stage score (higher is more certain; not a probability).
    left_eye, right_eye : tuple of float or None
        Eye centres ``(x, y)``, as seen in the image (``left_eye`` is the one
        nearer the image's left edge), where the detector finds them (MTCNN).
    """

    box: tuple
    confidence: float
    left_eye: tuple = None
    right_eye: tuple = None

    @property
    def area(self):
        return self.box[2] * self.box[3]


@functools.lru_cache(maxsize=None)
def _haar_cascade():
    import cv2

    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():  # pragma: no cover - a broken OpenCV install
        raise RuntimeError(f"OpenCV could not load its Haar cascade {path!r}; reinstall opencv-python-headless<5")
    return cascade


def _haar_faces(image, min_size):
    # No histogram equalisation: on a photo with a large plain background it flattens the face's contrast.
    gray = to_gray(image)
    boxes, _, weights = _haar_cascade().detectMultiScale3(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size), outputRejectLevels=True
    )
    return [Face(tuple(int(v) for v in box), float(weight)) for box, weight in zip(boxes, np.ravel(weights))]


@functools.lru_cache(maxsize=None)
def _mtcnn():
    from .._quiet import quiet_tensorflow

    quiet_tensorflow()
    try:
        from mtcnn import MTCNN
    except ImportError:  # pragma: no cover - mtcnn is a dependency
        raise ImportError("detector='mtcnn' needs the mtcnn package: pip install mtcnn") from None
    return MTCNN()


def _mtcnn_faces(image, min_size):
    faces = []
    for found in _mtcnn().detect_faces(to_rgb(image)):
        x, y, w, h = (int(round(v)) for v in found["box"])
        if min(w, h) < min_size:
            continue
        eyes = found.get("keypoints", {})
        left, right = sorted((tuple(map(float, eyes[k])) for k in ("left_eye", "right_eye") if k in eyes), key=lambda p: p[0]) or (None, None)
        faces.append(Face((x, y, w, h), float(found["confidence"]), left, right))
    return faces


def detect_faces(image, detector="haar", *, min_size=20):
    """Find the faces in a photo.

    Parameters
    ----------
    image : str, path, PIL.Image.Image or array-like
        A photo of any size: a file (EXIF orientation applied), a PIL image or an
        array (grayscale, RGB, RGBA, 16-bit; see :func:`read_image`).
    detector : {"haar", "mtcnn"} or callable, default="haar"
        ``"haar"``: OpenCV's frontal-face Haar cascade (fast; no TensorFlow).
        ``"mtcnn"``: the MTCNN network of the ``mtcnn`` package (TensorFlow;
        slower, finds harder poses and gives eye landmarks). A callable takes
        the uint8 image array and returns a list of :class:`Face`.
    min_size : int, default=20
        Smallest face side in pixels.

    Returns
    -------
    faces : list of Face
        Largest first.
    """
    image = read_image(image)
    if callable(detector):
        faces = list(detector(image))
    elif detector == "haar":
        faces = _haar_faces(image, min_size)
    elif detector == "mtcnn":
        faces = _mtcnn_faces(image, min_size)
    else:
        raise ValueError(f"detector must be 'haar', 'mtcnn' or a callable, got {detector!r}")
    return sorted(faces, key=lambda face: -face.area)
