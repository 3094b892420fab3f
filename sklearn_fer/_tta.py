"""Test-time views of faces, shared by the Keras networks and their ONNX exports (NumPy only)."""

import numpy as np


def test_time_views(X, *, shift=0, flip=False):
    """The faces as given, moved by ``shift`` pixels along each axis, and mirrored.

    Parameters
    ----------
    X : ndarray of shape (n, h, w, 1)
    shift : int, default=0
        With ``s > 0``: the 9 positions ``-s, 0, s`` along each axis, edge pixels
        repeated (as the ``shift`` augmentation fills them).
    flip : bool, default=False
        Each view also mirrored: a face and its mirror image show the same emotion.

    Yields
    ------
    view : ndarray of shape (n, h, w, 1), C-contiguous
    """
    s = int(shift)
    height, width = X.shape[1:3]
    offsets = [(dy, dx) for dy in (-s, 0, s) for dx in (-s, 0, s)] if s else [(0, 0)]
    padded = np.pad(X, ((0, 0), (s, s), (s, s), (0, 0)), mode="edge") if s else X
    for dy, dx in offsets:
        view = padded[:, s + dy : s + dy + height, s + dx : s + dx + width]
        yield np.ascontiguousarray(view)
        if flip:
            yield np.ascontiguousarray(view[:, :, ::-1])
