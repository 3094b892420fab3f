"""Classical face features as transformers: HOG, LBP histograms and a bag of visual words."""

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._images import ImageShapeMixin, ImageTransformerMixin
from ._hog import BLOCK_NORMS, hog_batch, hog_output_size

# Small batches keep the per-pixel temporaries in cache: ~2x faster than one big batch.
_BATCH = 256


def _in_batches(function, images, n_jobs):
    batches = [images[i : i + _BATCH] for i in range(0, len(images), _BATCH)]
    if not batches:
        return function(images)
    # Threads, not processes: the NumPy work releases the GIL and nothing is copied.
    results = Parallel(n_jobs=n_jobs, prefer="threads")(delayed(function)(batch) for batch in batches)
    return np.concatenate(results)


def _pair(value, name):
    pair = tuple(int(v) for v in value)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a pair of positive integers, got {value!r}")
    return pair


class HOGTransformer(ImageShapeMixin, ImageTransformerMixin):
    """Histogram of Oriented Gradients feature vectors (scikit-image's HOG, batched).

    Each row equals ``skimage.feature.hog(image, ...)`` of that image (to
    within 1e-6), but whole batches are processed at once, >10x faster than a
    per-image loop on FER2013.

    Parameters
    ----------
    orientations : int, default=9
        Number of orientation bins.
    pixels_per_cell : tuple of int, default=(8, 8)
        Cell size in pixels.
    cells_per_block : tuple of int, default=(3, 3)
        Cells per normalisation block.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalisation.
    transform_sqrt : bool, default=False
        Power-law compression (square root) before the gradients; needs
        non-negative pixels.
    image_shape : tuple of int, default=None
        ``(h, w)`` of flat input rows; ``None`` takes it from image-shaped input
        or assumes square images.
    n_jobs : int, default=None
        Threads working on batches in parallel (``-1``: all cores).

    Attributes
    ----------
    image_shape_ : tuple of int
        Shape of the images seen in ``fit``.
    n_features_in_ : int
        Pixels per image.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import LinearSVC
    >>> from sklearn_fer.datasets import make_synthetic_faces
    >>> X, y = make_synthetic_faces(140, random_state=0, return_X_y=True)
    >>> make_pipeline(HOGTransformer(), LinearSVC()).fit(X, y).score(X, y) > 0.5
    True
    """

    _input_dtype = "numeric"  # integer pixels stay integers: the batched kernels take them as they are
    _search_space = {
        "orientations": ("choice", [6, 8, 9, 12]),
        "pixels_per_cell": ("choice", [(6, 6), (8, 8), (12, 12)]),
        "cells_per_block": ("choice", [(1, 1), (2, 2), (3, 3)]),
        "transform_sqrt": ("choice", [False, True]),
    }
    _test_params = [{"orientations": 4, "pixels_per_cell": (1, 1), "cells_per_block": (1, 1), "image_shape": (1, -1)}]
    _parameter_constraints = {
        "orientations": [Interval(Integral, 1, None, closed="left")],
        "pixels_per_cell": [tuple, list],
        "cells_per_block": [tuple, list],
        "block_norm": [StrOptions(set(BLOCK_NORMS))],
        "transform_sqrt": ["boolean"],
        "image_shape": [tuple, list, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        orientations=9,
        pixels_per_cell=(8, 8),
        cells_per_block=(3, 3),
        block_norm="L2-Hys",
        transform_sqrt=False,
        image_shape=None,
        n_jobs=None,
    ):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.image_shape = image_shape
        self.n_jobs = n_jobs

    def _hog_params(self):
        return dict(
            orientations=self.orientations,
            pixels_per_cell=_pair(self.pixels_per_cell, "pixels_per_cell"),
            cells_per_block=_pair(self.cells_per_block, "cells_per_block"),
        )

    def _fit_input(self, X_raw, X_flat):
        """Check that a HOG block fits in the images and record their shape."""
        super()._fit_input(X_raw, X_flat)
        if self.transform_sqrt and X_flat.min() < 0:
            raise ValueError("transform_sqrt=True needs non-negative pixels, got negative values")
        self._n_features_out = hog_output_size(self.image_shape_, **self._hog_params())

    def transform(self, X):
        """HOG vector of every image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self)
        X_flat, _ = self._check_input(X, reset=False)
        images = self._as_images(X, X_flat)
        params = dict(self._hog_params(), block_norm=self.block_norm, transform_sqrt=self.transform_sqrt)
        return _in_batches(lambda batch: hog_batch(batch, **params), images, self.n_jobs)

    def get_feature_names_out(self, input_features=None):
        """Names ``hog_b{block_row}_{block_col}_c{cell_row}_{cell_col}_o{orientation}``.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        params = self._hog_params()
        (c_row, c_col), (b_row, b_col) = params["pixels_per_cell"], params["cells_per_block"]
        n_blocks_row = self.image_shape_[0] // c_row - b_row + 1
        n_blocks_col = self.image_shape_[1] // c_col - b_col + 1
        names = [
            f"hog_b{r}_{c}_c{i}_{j}_o{o}"
            for r in range(n_blocks_row)
            for c in range(n_blocks_col)
            for i in range(b_row)
            for j in range(b_col)
            for o in range(self.orientations)
        ]
        return np.array(names, dtype=object)


_LBP_BINS = {
    "default": lambda p: 2**p,
    "ror": lambda p: 2**p,
    "uniform": lambda p: p + 2,
    "nri_uniform": lambda p: p * (p - 1) + 3,
}


class LBPTransformer(ImageShapeMixin, ImageTransformerMixin):
    """Local Binary Pattern histograms over a grid of cells (scikit-image's ``local_binary_pattern``).

    Each image is coded with LBP, divided into ``grid`` cells, and each cell
    contributes a normalised histogram of its codes; the histograms are
    concatenated.

    Parameters
    ----------
    n_points : int, default=8
        Circularly symmetric neighbour points (``P``).
    radius : float, default=1
        Radius of the circle (``R``).
    method : {"default", "ror", "uniform", "nri_uniform"}, default="uniform"
        LBP variant (see :func:`skimage.feature.local_binary_pattern`).
    grid : tuple of int, default=(6, 6)
        Cells per image (rows, columns).
    image_shape : tuple of int, default=None
        ``(h, w)`` of flat input rows; ``None`` infers it.
    n_jobs : int, default=None
        Threads computing LBP codes in parallel.

    Attributes
    ----------
    image_shape_ : tuple of int
    n_bins_ : int
        Histogram bins per cell.
    """

    _input_dtype = "numeric"  # integer pixels stay integers: the batched kernels take them as they are
    _search_space = {"radius": ("choice", [1, 2, 3]), "grid": ("choice", [(4, 4), (6, 6), (8, 8)])}
    _test_params = [{"n_points": 4, "radius": 1, "grid": (1, 1), "image_shape": (1, -1)}]
    _parameter_constraints = {
        "n_points": [Interval(Integral, 1, 24, closed="both")],
        "radius": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions(set(_LBP_BINS))],
        "grid": [tuple, list],
        "image_shape": [tuple, list, None],
        "n_jobs": [Integral, None],
    }

    def __init__(self, n_points=8, radius=1, method="uniform", grid=(6, 6), image_shape=None, n_jobs=None):
        self.n_points = n_points
        self.radius = radius
        self.method = method
        self.grid = grid
        self.image_shape = image_shape
        self.n_jobs = n_jobs

    def _fit_input(self, X_raw, X_flat):
        """Record the image shape and check the grid fits."""
        grid = _pair(self.grid, "grid")
        super()._fit_input(X_raw, X_flat)
        if grid[0] > self.image_shape_[0] or grid[1] > self.image_shape_[1]:
            raise ValueError(f"grid={grid} has more cells than the {self.image_shape_} images have pixels")
        self.n_bins_ = _LBP_BINS[self.method](self.n_points)

    def _codes(self, images):
        from skimage.feature import local_binary_pattern

        with warnings.catch_warnings():
            # LBP only compares neighbours, so scaled float images give the same codes as uint8 ones.
            # np.array(image): scikit-image needs a writable copy (input may be a read-only memmap).
            warnings.filterwarnings("ignore", message=".*floating-point images.*")
            return np.stack([local_binary_pattern(np.array(image), self.n_points, self.radius, self.method) for image in images])

    def transform(self, X):
        """Concatenated per-cell LBP histograms (each sums to 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        features : ndarray of shape (n_samples, grid_rows * grid_cols * n_bins_)
        """
        check_is_fitted(self)
        X_flat, _ = self._check_input(X, reset=False)
        images = self._as_images(X, X_flat)
        codes = _in_batches(self._codes, images, self.n_jobs).astype(np.int64)
        return self._histograms(codes)

    def _histograms(self, codes):
        n, height, width = codes.shape
        rows, cols = _pair(self.grid, "grid")
        cell_row = np.arange(height) * rows // height
        cell_col = np.arange(width) * cols // width
        cell = cell_row[:, None] * cols + cell_col[None, :]
        n_cells = rows * cols
        index = (np.arange(n)[:, None, None] * n_cells + cell[None]) * self.n_bins_ + codes
        counts = np.bincount(index.ravel(), minlength=n * n_cells * self.n_bins_).reshape(n, n_cells, self.n_bins_)
        cell_sizes = np.bincount(cell.ravel(), minlength=n_cells)[None, :, None]
        return (counts / cell_sizes).reshape(n, -1)

    def get_feature_names_out(self, input_features=None):
        """Names ``lbp_c{cell}_b{bin}``.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        rows, cols = _pair(self.grid, "grid")
        return np.array([f"lbp_c{c}_b{b}" for c in range(rows * cols) for b in range(self.n_bins_)], dtype=object)


class BagOfVisualWords(ImageShapeMixin, ImageTransformerMixin):
    """Dense DAISY descriptors coded against a learned codebook and pooled in a spatial pyramid.

    ``fit`` computes DAISY descriptors (:func:`skimage.feature.daisy`) on a
    grid over the training images and clusters a sample of them into
    ``n_words`` visual words (:class:`~sklearn.cluster.MiniBatchKMeans`).
    ``transform`` gives each descriptor its nearest word and counts the words
    in every cell of a spatial pyramid (the whole image, then 2x2 cells, ...):
    each cell's histogram is normalised to frequencies, then square-rooted
    (``power=0.5``: the Hellinger map, for linear and RBF kernels).
    Images smaller than a descriptor's window (``2 * radius + 1``) are padded
    with their edge pixels.

    Parameters
    ----------
    n_words : int, default=256
        Size of the codebook.
    step : int, default=4
        Pixels between descriptor centres.
    radius : int, default=8
        Radius of the outermost DAISY ring, in pixels.
    rings : int, default=2
    histograms : int, default=6
        Histograms per ring.
    orientations : int, default=8
        Orientation bins per histogram.
    pyramid : tuple of int, default=(1, 2)
        Cells per side at each level (``(1, 2)``: the whole image and 2x2 cells).
    power : float, default=0.5
        Exponent applied to the cell frequencies (1: plain frequencies).
    max_descriptors : int, default=100_000
        Descriptors sampled from the training images to learn the codebook.
    image_shape : tuple of int, default=None
        ``(h, w)`` of flat input rows; ``None`` infers it.
    random_state : int, RandomState instance or None, default=None
        Sampling of the descriptors and the k-means initialisation.
    n_jobs : int, default=None
        Threads computing descriptors in parallel.

    Attributes
    ----------
    image_shape_ : tuple of int
    codebook_ : MiniBatchKMeans
        The fitted clustering; ``codebook_.cluster_centers_`` are the words.
    """

    _search_space = {"n_words": ("choice", [128, 256, 512]), "step": ("choice", [2, 3, 4]), "radius": ("choice", [5, 8, 11])}
    _test_params = [
        {"n_words": 2, "step": 1, "radius": 1, "rings": 1, "histograms": 4, "orientations": 4, "pyramid": (1,), "image_shape": (1, -1)}
    ]
    _parameter_constraints = {
        "n_words": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "radius": [Interval(Integral, 1, None, closed="left")],
        "rings": [Interval(Integral, 1, None, closed="left")],
        "histograms": [Interval(Integral, 1, None, closed="left")],
        "orientations": [Interval(Integral, 1, None, closed="left")],
        "pyramid": [tuple, list],
        "power": [Interval(Real, 0, None, closed="neither")],
        "max_descriptors": [Interval(Integral, 1, None, closed="left")],
        "image_shape": [tuple, list, None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        n_words=256,
        step=4,
        radius=8,
        rings=2,
        histograms=6,
        orientations=8,
        pyramid=(1, 2),
        power=0.5,
        max_descriptors=100_000,
        image_shape=None,
        random_state=None,
        n_jobs=None,
    ):
        self.n_words = n_words
        self.step = step
        self.radius = radius
        self.rings = rings
        self.histograms = histograms
        self.orientations = orientations
        self.pyramid = pyramid
        self.power = power
        self.max_descriptors = max_descriptors
        self.image_shape = image_shape
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _pyramid_levels(self):
        levels = tuple(int(cells) for cells in self.pyramid)
        if not levels or min(levels) < 1:
            raise ValueError(f"pyramid must list positive numbers of cells per side, got {self.pyramid!r}")
        return levels

    def _fit_input(self, X_raw, X_flat):
        """Learn the codebook from descriptors of a sample of the training images."""
        from sklearn.cluster import MiniBatchKMeans
        from sklearn.utils import check_random_state

        self._pyramid_levels()
        super()._fit_input(X_raw, X_flat)
        rng = check_random_state(self.random_state)
        images = self._as_images(X_raw, X_flat)
        per_image = self._descriptors(images[:1]).shape[1]
        n_images = min(len(images), max(1, -(-self.max_descriptors // per_image)))
        chosen = np.sort(rng.choice(len(images), n_images, replace=False))
        descriptors = _in_batches(self._descriptors, images[chosen], self.n_jobs).reshape(-1, self._descriptor_size())
        if len(descriptors) > self.max_descriptors:
            descriptors = descriptors[rng.choice(len(descriptors), self.max_descriptors, replace=False)]
        if len(descriptors) < self.n_words:
            raise ValueError(
                f"n_words={self.n_words} needs at least as many descriptors; the training images give {len(descriptors)}"
            )
        self.codebook_ = MiniBatchKMeans(
            n_clusters=self.n_words, batch_size=4096, n_init=3, random_state=rng.randint(np.iinfo(np.int32).max)
        ).fit(descriptors)

    def _descriptor_size(self):
        return (self.rings * self.histograms + 1) * self.orientations

    def _padded(self, image):
        window = 2 * self.radius + 1
        short = [max(0, window - side) for side in image.shape]
        if not any(short):
            return image
        return np.pad(image, [(s // 2, s - s // 2) for s in short], mode="edge")

    def _daisy(self, image):
        """DAISY descriptors of one (padded) image: an array of shape (rows, cols, descriptor size)."""
        from skimage.feature import daisy

        return daisy(
            self._padded(np.asarray(image, dtype=np.float64)), step=self.step, radius=self.radius, rings=self.rings,
            histograms=self.histograms, orientations=self.orientations,
        )

    def _descriptors(self, images):
        """DAISY descriptors of each image: an array of shape (n, positions, descriptor size)."""
        return np.stack([self._daisy(image).reshape(-1, self._descriptor_size()) for image in images])

    def _descriptor_grid(self, image_shape):
        """(rows, cols) of the descriptor centres in the (padded) images."""
        return self._daisy(np.zeros(image_shape)).shape[:2]

    def transform(self, X):
        """Spatial-pyramid histograms of the visual words.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w[, 1])

        Returns
        -------
        features : ndarray of shape (n_samples, n_words * sum(cells ** 2 for cells in pyramid))
        """
        check_is_fitted(self)
        X_flat, _ = self._check_input(X, reset=False)
        images = self._as_images(X, X_flat)
        words = _in_batches(self._words, images, self.n_jobs)
        return self._histograms(words, self._descriptor_grid(images.shape[1:]))

    def _words(self, images):
        descriptors = self._descriptors(images)
        return self.codebook_.predict(descriptors.reshape(-1, descriptors.shape[-1])).reshape(len(images), -1)

    def _histograms(self, words, grid):
        n = len(words)
        rows, cols = np.divmod(np.arange(grid[0] * grid[1]), grid[1])
        levels = []
        for cells in self._pyramid_levels():
            cell = (rows * cells // grid[0]) * cells + cols * cells // grid[1]
            index = (np.arange(n)[:, None] * cells**2 + cell[None, :]) * self.n_words + words
            counts = np.bincount(index.ravel(), minlength=n * cells**2 * self.n_words).reshape(n, cells**2, self.n_words)
            sizes = np.maximum(np.bincount(cell, minlength=cells**2), 1)[None, :, None]
            levels.append(((counts / sizes) ** self.power).reshape(n, -1))
        return np.hstack(levels)

    def get_feature_names_out(self, input_features=None):
        """Names ``bovw_l{level}_c{cell}_w{word}``.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        return np.array(
            [
                f"bovw_l{level}_c{cell}_w{word}"
                for level, cells in enumerate(self._pyramid_levels())
                for cell in range(cells**2)
                for word in range(self.n_words)
            ],
            dtype=object,
        )
