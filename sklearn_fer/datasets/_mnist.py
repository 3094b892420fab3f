"""MNIST in the original IDX format, the source task for transfer and multi-task nets."""

import gzip
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

_IDX_DTYPES = {0x08: np.uint8}


def _open(path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path):
    """Read one IDX file (``.gz`` or raw) into an ndarray.

    Raises
    ------
    ValueError
        If the file is not an unsigned-byte IDX file or is truncated.
    """
    path = Path(path)
    try:
        with _open(path) as stream:
            raw = stream.read()
    except (OSError, EOFError) as error:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"{path}: cannot read IDX file ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (bad magic number {raw[:4].hex()!r})")
    n_dims = raw[3]
    header_end = 4 + 4 * n_dims
    shape = tuple(int(v) for v in np.frombuffer(raw[4:header_end], dtype=">u4"))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_end)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: IDX header promises shape {shape} ({int(np.prod(shape))} values), found {data.size}")
    return data.reshape(shape)


def _find(folder, kind):
    matches = sorted(folder.glob(f"*{kind}-idx*-ubyte*"))
    if not matches:
        raise ValueError(f"{folder}: no MNIST {kind} file (*{kind}-idx?-ubyte[.gz]) found")
    # Prefer the test set (the 10k digits shipped with the project data), then training.
    return next((m for m in matches if m.name.startswith("t10k")), matches[0])


def load_mnist(path, *, return_X_y=False):
    """Load MNIST digits from IDX files.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``*-images-idx3-ubyte[.gz]`` and ``*-labels-idx1-ubyte[.gz]``,
        or the images file itself (the labels file is found next to it).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images`` (n, 28, 28) uint8, ``data`` (n, 784), ``target`` (n,) int,
        ``target_names`` (the digits 0-9).
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"MNIST path {str(path)!r} does not exist")
    if path.is_file():
        images_file = path
        labels_file = path.with_name(path.name.replace("images-idx3", "labels-idx1"))
    else:
        images_file, labels_file = _find(path, "images"), _find(path, "labels")
    images = read_idx(images_file)
    target = read_idx(labels_file).astype(np.int64)
    if images.ndim != 3 or target.ndim != 1 or len(images) != len(target):
        raise ValueError(f"{images_file} / {labels_file}: expected (n, rows, cols) images and n labels, got {images.shape} and {target.shape}")
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(images=images, data=data, target=target, target_names=np.arange(10), DESCR="MNIST handwritten digits (IDX format)")
