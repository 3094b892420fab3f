"""Running an exported network with onnxruntime: NumPy only, no scikit-learn or TensorFlow (fast start-up)."""

import json
from pathlib import Path

import numpy as np

from .._tta import test_time_views

METADATA_KEY = "sklearn_fer"
_BATCH = 256


def open_session(path):
    """An onnxruntime session of ``path`` (CPU).

    Raises
    ------
    ValueError
        Naming the file, if it is missing or not a readable ONNX model.
    """
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"ONNX model {str(path)!r} does not exist")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types for damaged files
        raise ValueError(f"{path}: not a readable ONNX model ({type(error).__name__}: {str(error).splitlines()[0]})") from None


class OnnxNetwork:
    """An ONNX file written by ``export_onnx``, ready to predict: its classes, its input shape, its test-time views.

    :class:`~sklearn_fer.inference.OnnxClassifier` is the scikit-learn estimator built on it.

    Parameters
    ----------
    path : str or path-like
    """

    def __init__(self, path):
        self.path = str(path)
        self.session = open_session(path)
        try:
            self.metadata = json.loads(self.session.get_modelmeta().custom_metadata_map[METADATA_KEY])
        except KeyError:
            raise ValueError(f"{path}: not exported by sklearn-fer (no {METADATA_KEY!r} metadata)") from None
        self.classes_ = np.array(self.metadata["classes"], dtype=self.metadata["classes_dtype"])
        self.image_shape = tuple(self.metadata["image_shape"])
        self.n_features_in_ = int(np.prod(self.image_shape))

    def images(self, X):
        """Faces as ``(n, h, w, 1)`` float32, from flat rows or ``(n, h, w[, 1])`` images."""
        X = np.asarray(X)
        if X.ndim in (3, 4):
            X = X.reshape(len(X), -1)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has shape {X.shape}, but the network expects faces of {self.image_shape} "
                f"({self.n_features_in_} pixels per row, or (n, h, w) images)"
            )
        return X.astype(np.float32).reshape(len(X), *self.image_shape, 1)

    def _run(self, images):
        name = self.session.get_inputs()[0].name
        parts = [self.session.run(None, {name: images[i : i + _BATCH]})[0] for i in range(0, len(images), _BATCH)]
        return np.concatenate(parts) if parts else np.zeros((0, len(self.classes_)), np.float32)

    def predict_proba(self, X):
        """Class probabilities averaged over the network's test-time views (shifts, mirror images)."""
        images = self.images(X)
        views = test_time_views(images, shift=self.metadata["tta_shift"], flip=self.metadata["tta_flip"])
        return np.mean([self._run(view) for view in views], axis=0)

    def predict(self, X):
        """The most probable class of each face."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
