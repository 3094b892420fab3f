"""Data loaders: FER2013 (CSV or image folders), MNIST (IDX) and the embedded synthetic faces."""

from ._cache import get_data_home
from ._fer2013 import detect_layout, load_fer2013
from ._mnist import load_mnist, read_idx
from ._pixels import parse_pixel_strings
from ._splits import official_split
from ._synthetic import make_synthetic_faces

__all__ = [
    "detect_layout",
    "get_data_home",
    "load_fer2013",
    "load_mnist",
    "make_synthetic_faces",
    "official_split",
    "parse_pixel_strings",
    "read_idx",
]
