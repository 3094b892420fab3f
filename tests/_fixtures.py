"""Small FER2013 files in every layout (and MNIST IDX files), written to a temporary folder."""

import gzip
import time

import numpy as np
from PIL import Image
from sklearn.base import BaseEstimator, ClassifierMixin

from sklearn_fer import EMOTIONS


def pixel_strings(images):
    return [" ".join(map(str, image.ravel())) for image in images]


def write_classic_csv(path, images, labels, usages):
    lines = ["emotion,pixels,Usage"]
    lines += [f"{label},{pixels},{usage}" for label, pixels, usage in zip(labels, pixel_strings(images), usages)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_split_csv(path, images, labels):
    lines = ["emotion,pixels"] + [f"{label},{pixels}" for label, pixels in zip(labels, pixel_strings(images))]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_idx(path, array, compress):
    """An IDX file of unsigned bytes (MNIST's format), gzipped if ``compress``."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    payload = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


def write_image_folders(root, images, labels, usages, *, prefixes=True, suffix=".png"):
    """Kaggle layout: train/<emotion>/Training_<i>.png, test/<emotion>/PublicTest_<i>.png ..."""
    for i, (image, label, usage) in enumerate(zip(images, labels, usages)):
        split = "train" if usage == "Training" else "test"
        folder = root / split / EMOTIONS[label]
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{usage}_{i:05d}{suffix}" if prefixes else f"img_{i:05d}{suffix}"
        Image.fromarray(np.asarray(image, dtype=np.uint8)).save(folder / name)
    return root


class SlowCentroidClassifier(ClassifierMixin, BaseEstimator):
    """Nearest shrunken centroid that sleeps in ``fit``: a cheap, slow-enough trial for search tests."""

    def __init__(self, shrink=0.0, delay=0.0):
        self.shrink = shrink
        self.delay = delay

    def fit(self, X, y):
        time.sleep(self.delay)
        X, y = np.asarray(X, dtype=float), np.asarray(y)
        self.classes_ = np.unique(y)
        overall = X.mean(axis=0)
        self.centroids_ = np.stack([(1 - self.shrink) * X[y == c].mean(axis=0) + self.shrink * overall for c in self.classes_])
        return self

    def predict(self, X):
        distances = ((np.asarray(X, dtype=float)[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        return self.classes_[distances.argmin(axis=1)]
