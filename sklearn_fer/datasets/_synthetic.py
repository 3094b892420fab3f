"""Embedded demo data: procedurally drawn synthetic faces (no download needed).

These are *synthetic* cartoons, not photographs of people. They exist so that
every example, test and CLI command runs on a fresh machine with no data; the
accuracy reached on them says nothing about accuracy on real faces.
"""

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._constants import EMOTIONS, IMAGE_SIZE

# Per-class mean of the facial parameters (canonical coordinates: x right, y down,
# face roughly in [-1, 1]). Columns: mouth curvature (+ smile), mouth opening,
# mouth width, inner-brow height offset (+ raised), outer-brow height offset,
# eye opening, mouth asymmetry (tilt), brow height.
_PARAMETERS = ("curve", "open", "width", "brow_inner", "brow_outer", "eye", "tilt", "brow_y")
_CLASS_MEANS = np.array(
    [
        # curve  open  width inner outer  eye  tilt  brow_y
        [-0.04, 0.00, 0.26, -0.10, 0.05, 0.06, 0.00, 0.00],  # angry: V brows, narrow eyes, tight mouth
        [-0.07, 0.03, 0.24, -0.06, 0.00, 0.05, 0.10, 0.02],  # disgust: asymmetric raised lip, squint
        [-0.02, 0.07, 0.32, 0.09, -0.02, 0.12, 0.00, -0.06],  # fear: inner brows up, wide eyes, stretched mouth
        [0.12, 0.03, 0.33, 0.00, 0.00, 0.08, 0.00, 0.00],  # happy: smile
        [-0.10, 0.00, 0.26, 0.08, -0.05, 0.07, 0.00, 0.02],  # sad: frown, inner brows up
        [0.00, 0.16, 0.18, 0.04, 0.04, 0.13, 0.00, -0.10],  # surprise: open round mouth, high brows
        [0.00, 0.00, 0.28, 0.00, 0.00, 0.09, 0.00, 0.00],  # neutral
    ]
)
_CLASS_JITTER = np.array([0.035, 0.025, 0.04, 0.035, 0.035, 0.02, 0.03, 0.035])


def _soft(distance, width):
    """Anti-aliased ink: 1 inside (distance < 0), 0 outside, smooth over ``width``."""
    return 1.0 / (1.0 + np.exp(np.clip(distance / width, -30, 30)))


def _draw(params, pose, rng):
    n = len(params)
    p = {name: params[:, i, None, None] for i, name in enumerate(_PARAMETERS)}
    axis = np.linspace(-1.0, 1.0, IMAGE_SIZE)
    gx, gy = np.meshgrid(axis, axis)
    angle, scale, dx, dy = (pose[:, i, None, None] for i in range(4))
    # Inverse pose: canonical face coordinates of each output pixel.
    cos, sin = np.cos(angle), np.sin(angle)
    x = (cos * (gx - dx) + sin * (gy - dy)) / scale
    y = (-sin * (gx - dx) + cos * (gy - dy)) / scale

    head = _soft(np.sqrt((x / 0.72) ** 2 + (y / 0.92) ** 2) - 1.0, 0.03)
    ink = np.zeros((n, IMAGE_SIZE, IMAGE_SIZE))
    for side in (-1.0, 1.0):
        eye = np.sqrt(((x - side * 0.3) / 0.13) ** 2 + ((y + 0.15) / p["eye"]) ** 2) - 1.0
        ink = np.maximum(ink, _soft(eye, 0.12))
        # Eyebrow: a segment from the inner to the outer end.
        t = np.clip((side * x - 0.12) / 0.34, 0.0, 1.0)
        brow_y = -0.38 + p["brow_y"] - p["brow_inner"] * (1 - t) - p["brow_outer"] * t
        brow_x = side * (0.12 + 0.34 * t)
        brow = np.hypot(x - brow_x, y - brow_y) - 0.035
        ink = np.maximum(ink, _soft(brow, 0.02))
    nose = np.hypot(x, y - np.clip(y, -0.05, 0.2)) - 0.025
    ink = np.maximum(ink, 0.5 * _soft(nose, 0.02))

    u = np.clip(x / p["width"], -1.0, 1.0)
    lip = 0.48 + p["curve"] * (1 - u**2) + p["tilt"] * u - p["curve"] * 0.5
    inside = np.abs(x) < p["width"]
    upper = np.abs(y - lip) - 0.03
    lower = y - (lip + p["open"] * (1 - u**2))
    mouth = np.where(inside, np.minimum(upper, np.maximum(lip - y, lower)), 1.0)
    ink = np.maximum(ink, _soft(mouth, 0.02))

    skin = rng.uniform(0.45, 0.8, (n, 1, 1))
    background = rng.uniform(0.05, 0.6, (n, 1, 1))
    light = rng.normal(0.0, 0.15, (n, 2, 1, 1))
    image = background + head * (skin - background) - head * ink * skin * 0.85
    image = image + light[:, 0] * gx + light[:, 1] * gy
    image = image + rng.normal(0.0, 0.06, image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def make_synthetic_faces(n_samples=700, *, random_state=None, return_X_y=False):
    """Generate the embedded demo data set of synthetic 48x48 faces.

    Seven classes (the FER2013 emotions) differ by mouth curvature, opening,
    width and asymmetry, eyebrow height and angle, and eye opening. Each face
    has a random pose (rotation, scale, shift), lighting gradient, skin and
    background tone and pixel noise, and the facial parameters are jittered
    per sample, so the task is learnable but not trivial.

    This data is **synthetic**: it is for demos, tests and smoke runs only.

    Parameters
    ----------
    n_samples : int, default=700
        Number of faces; classes are balanced (as equal as ``n_samples`` allows).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible data.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Same fields as :func:`load_fer2013`: ``images`` (n, 48, 48) uint8,
        ``data`` (n, 2304), ``target``, ``target_names``, ``usage`` (all
        ``"Training"``), ``DESCR``.
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    rng = check_random_state(random_state)
    target = rng.permutation(np.arange(n_samples) % len(EMOTIONS))
    params = _CLASS_MEANS[target] + rng.normal(0.0, 1.0, (n_samples, len(_PARAMETERS))) * _CLASS_JITTER
    params[:, 1] = np.maximum(params[:, 1], 0.0)  # mouth opening
    params[:, 2] = np.maximum(params[:, 2], 0.1)  # mouth width
    params[:, 5] = np.maximum(params[:, 5], 0.015)  # eye opening
    pose = np.column_stack(
        [
            rng.normal(0.0, 0.15, n_samples),  # rotation (rad)
            rng.uniform(0.8, 1.1, n_samples),  # scale
            rng.normal(0.0, 0.06, (n_samples, 2)),  # shift
        ]
    )
    images = np.concatenate([_draw(params[i : i + 512], pose[i : i + 512], rng) for i in range(0, n_samples, 512)])
    data = images.reshape(n_samples, -1)
    if return_X_y:
        return data, target
    return Bunch(
        images=images,
        data=data,
        target=target.astype(np.int64),
        target_names=np.array(EMOTIONS),
        usage=np.full(n_samples, "Training"),
        filenames=None,
        DESCR=make_synthetic_faces.__doc__,
    )
