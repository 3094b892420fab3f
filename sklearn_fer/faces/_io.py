"""Reading photos of any size and format into uint8 arrays (TensorFlow-free)."""

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")


def describe(source, index=None):
    """How an image is named in messages and results: its path, else its index in the input."""
    if isinstance(source, (str, Path)):
        return str(source)
    return f"image {index}" if index is not None else "image"


def _pil_to_array(image):
    """A PIL image (EXIF orientation applied) as ``(h, w)`` or ``(h, w, 3)`` uint8."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _array_to_uint8(np.asarray(image), name="image")
    if image.mode in ("L", "RGB"):
        return np.asarray(image, dtype=np.uint8)
    # Bilevel images become gray; every other mode (palette, alpha, CMYK, ...) RGB, alpha dropped.
    return np.asarray(image.convert("L" if image.mode == "1" else "RGB"), dtype=np.uint8)


def _array_to_uint8(array, name):
    """Any numeric image array as uint8: 16-bit and wider integers scaled, floats read as 0-1 or 0-255."""
    array = np.asarray(array)
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.integer):
        top = 65535 if array.max(initial=0) > 255 else 255
        return np.clip(np.round(array.astype(np.float64) * (255 / top)), 0, 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: the image holds NaN or infinite values")
        scale = 255.0 if array.max(initial=0.0) <= 1.0 else 1.0
        return np.clip(np.round(array * scale), 0, 255).astype(np.uint8)
    raise ValueError(f"{name}: expected a numeric image array, got dtype {array.dtype}")


def _channels(array, name):
    """``(h, w)`` gray or ``(h, w, 3)`` RGB from gray, gray + alpha, RGB or RGBA arrays."""
    if array.ndim == 2:
        return array
    if array.ndim == 3 and array.shape[2] == 1:
        return array[:, :, 0]
    if array.ndim == 3 and array.shape[2] in (2, 4):
        return array[:, :, 0] if array.shape[2] == 2 else array[:, :, :3]  # alpha dropped
    if array.ndim == 3 and array.shape[2] == 3:
        return array
    raise ValueError(f"{name}: expected an image of shape (h, w), (h, w, 1), (h, w, 3) or (h, w, 4), got {array.shape}")


def read_image(source, *, name=None):
    """A photo as a uint8 array: ``(h, w)`` grayscale or ``(h, w, 3)`` RGB.

    Parameters
    ----------
    source : str, path, PIL.Image.Image or array-like
        A file (any format Pillow reads; JPEG EXIF orientation is applied), a PIL
        image, or an array: grayscale ``(h, w)``, ``(h, w, 1)``, RGB, RGBA (alpha is
        dropped), of uint8, 16-bit or wider integers (scaled to 0-255), or floats
        (0-1 or 0-255).
    name : str, optional
        How the image is named in error messages (default: its path, or "image").

    Returns
    -------
    image : ndarray of uint8

    Raises
    ------
    ValueError
        Naming the image, if the file is missing or unreadable or the array has no image shape.
    """
    from PIL import Image, UnidentifiedImageError

    name = name or describe(source)
    if isinstance(source, (str, Path)):
        try:
            with Image.open(source) as image:
                image.load()
                return _channels(_pil_to_array(image), name)
        except FileNotFoundError:
            raise ValueError(f"image {str(source)!r} does not exist") from None
        except IsADirectoryError:
            raise ValueError(f"{name}: is a folder, not an image") from None
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise ValueError(f"{name}: unreadable image ({error})") from None
    if isinstance(source, Image.Image):
        return _channels(_pil_to_array(source), name)
    return _channels(_array_to_uint8(source, name), name)


def to_gray(image):
    """``(h, w)`` uint8 luminance (ITU-R 601-2, as PIL's ``convert("L")``)."""
    if image.ndim == 2:
        return image
    weights = np.array([0.299, 0.587, 0.114])
    return np.clip(np.round(image[:, :, :3] @ weights), 0, 255).astype(np.uint8)


def to_rgb(image):
    """``(h, w, 3)`` uint8."""
    return image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)


def list_images(paths):
    """Image files of files and folders (folders searched recursively, by suffix), in a stable order.

    A path that is not a folder is kept as given, whatever its suffix, so that a
    missing or unreadable file is reported when it is read rather than skipped.
    """
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files.append(path)
    return files
