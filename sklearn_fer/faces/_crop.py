"""FER2013-style face crops from photos: the framing, eye levelling and resizing (no scikit-learn: fast to import)."""

import math

from ._io import read_image, to_gray

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
    return _resized(square, output_shape)


def _resized(square, output_shape):
    """A square image resized to ``(h, w)``: averaging pixels when shrinking (no aliasing), cubic when enlarging."""
    import cv2

    height, width = output_shape
    interpolation = cv2.INTER_AREA if len(square) >= max(height, width) else cv2.INTER_CUBIC
    return cv2.resize(square, (width, height), interpolation=interpolation)


def fit_square(image, output_shape):
    """A whole image as a face crop without distortion: centre-cropped to a square, then resized."""
    gray = to_gray(read_image(image))
    height, width = gray.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return _resized(gray[top : top + side, left : left + side], output_shape)


def framing_for(detector, margin="auto"):
    """``(side / box width, dx, dy)``: FER2013's framing for ``detector`` (``margin="auto"``), or a square
    of ``1 + 2 * margin`` box widths around the box's centre."""
    if margin == "auto":
        return FRAMING.get(detector, FRAMING["haar"]) if isinstance(detector, str) else FRAMING["haar"]
    return (1 + 2 * margin, 0.0, 0.0)
