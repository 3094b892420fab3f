"""From photos and videos to emotions: reading, face detection, FER2013-style crops, and analysis tables."""

from ._analyze import NO_FACE, analyze, analyze_video, annotate, plot_emotions_over_time, video_summary
from ._crop import FRAMING, FaceCropper, crop_face
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
    "list_images",
    "plot_emotions_over_time",
    "read_image",
    "video_summary",
]
