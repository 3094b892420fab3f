"""From photos and videos to emotions: reading, face detection, FER2013-style crops, and analysis tables.

Everything here but ``FaceCropper`` (a scikit-learn transformer, imported on first use) loads
without scikit-learn or TensorFlow, so the photo path starts fast.
"""

from ._analyze import NO_FACE, analyze, analyze_video, annotate, plot_emotions_over_time, probability_columns, video_summary
from ._crop import FRAMING, crop_face, framing_for
from ._detect import DETECTORS, Face, detect_faces
from ._io import IMAGE_SUFFIXES, list_images, read_image

__all__ = [
    "DETECTORS",
    "FRAMING",
    "Face",
    "FaceCropper",
    "IMAGE_SUFFIXES",
    "NO_FACE",
    "analyze",
    "analyze_video",
    "annotate",
    "crop_face",
    "detect_faces",
    "framing_for",
    "list_images",
    "plot_emotions_over_time",
    "probability_columns",
    "read_image",
    "video_summary",
]


def __getattr__(name):
    if name == "FaceCropper":
        from ._cropper import FaceCropper

        return FaceCropper
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
