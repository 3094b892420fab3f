"""Networks as ONNX files, and a TensorFlow-free scikit-learn classifier that runs them (onnxruntime)."""

import json
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ._runtime import METADATA_KEY, OnnxNetwork


def _network_and_cropper(model):
    """The fitted network of ``model`` and the FaceCropper before it, if any."""
    from sklearn.pipeline import Pipeline

    from ..faces import FaceCropper

    if not isinstance(model, Pipeline):
        return model, None
    *before, (_, network) = model.steps
    croppers = [step for _, step in before if isinstance(step, FaceCropper)]
    others = [name for name, step in before if not isinstance(step, FaceCropper) and step not in (None, "passthrough")]
    if others:
        raise ValueError(
            f"export_onnx exports a network, optionally after a FaceCropper; the pipeline's step(s) {others} have no "
            "ONNX form here: export the network alone and apply those steps before OnnxClassifier"
        )
    return network, (croppers[-1] if croppers else None)


def export_onnx(model, path):
    """Write a fitted network (or a ``Pipeline`` of ``FaceCropper`` + network) as an ONNX file.

    The file holds the network in float32 (whatever dtype policy it trained
    in, so it predicts the same on every machine) and, as metadata, what
    :class:`OnnxClassifier` needs: the classes, the image shape, the test-time
    views and the cropper's parameters. Needs TensorFlow and ``tf2onnx`` to
    export; running the file needs only ``onnxruntime``.

    Parameters
    ----------
    model : fitted FER network classifier, or Pipeline
        E.g. a :class:`~sklearn_fer.estimators.ModernCNNClassifier` or
        :func:`~sklearn_fer.pretrained.load_pretrained`'s model.
    path : str or path-like
        Destination, ending in ``.onnx``.

    Returns
    -------
    path : Path
    """
    import onnx

    from ..estimators import FERNetworkClassifier
    from ..networks import rebuild

    network, cropper = _network_and_cropper(model)
    if not isinstance(network, FERNetworkClassifier):
        raise ValueError(f"export_onnx needs a sklearn-fer network (or a Pipeline ending in one), got {type(network).__name__}")
    check_is_fitted(network, "model_")
    path = Path(path)
    if path.suffix != ".onnx":
        raise ValueError(f"export_onnx: the path must end in .onnx, got {str(path)!r}")
    outputs = network.model_.output_names
    keras_model = rebuild(
        network.model_, dtype_policy="float32", inference_only=True, output="emotion" if len(outputs) > 1 else None
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    keras_model.export(str(path), format="onnx", verbose=False)
    metadata = {
        "estimator": type(network).__name__,
        "classes": network.classes_.tolist(),
        "classes_dtype": str(network.classes_.dtype),
        "image_shape": list(network.feature_encoder_.image_shape_),
        "tta_shift": int(network.tta_shift),
        "tta_flip": bool(network.tta_flip),
        "face_cropper": None if cropper is None else {k: v for k, v in cropper.get_params().items() if not callable(v)},
    }
    proto = onnx.load(str(path))
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
    onnx.save(proto, str(path))
    return path


class OnnxClassifier(ClassifierMixin, BaseEstimator):
    """A network exported by :func:`export_onnx`, as a fitted scikit-learn classifier (no TensorFlow).

    Predicts as the Keras network does, test-time views included, through
    ``onnxruntime``. Use it where start-up time matters (the command line, a
    service); use the Keras network to train further.

    Parameters
    ----------
    path : str or path-like
        The ``.onnx`` file.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    n_features_in_ : int
        Pixels per face.
    image_shape_ : tuple of int
        ``(h, w)`` of each face.
    metadata_ : dict
        What :func:`export_onnx` recorded.
    network_ : OnnxNetwork
        The onnxruntime session behind it.
    """

    def __init__(self, path=None):
        self.path = path

    def fit(self, X=None, y=None):
        """Load the exported network (nothing is learned; ``X`` and ``y`` are ignored).

        Returns
        -------
        self : object
        """
        if self.path is None:
            raise ValueError("OnnxClassifier needs path=, the .onnx file written by export_onnx")
        self.network_ = OnnxNetwork(self.path)
        self.metadata_ = self.network_.metadata
        self.classes_ = self.network_.classes_
        self.image_shape_ = self.network_.image_shape
        self.n_features_in_ = self.network_.n_features_in_
        return self

    def predict_proba(self, X):
        """Class probabilities, averaged over the network's test-time views.

        Parameters
        ----------
        X : array-like of shape (n_samples, h * w) or (n_samples, h, w[, 1])
            Faces, pixel values as the network was trained on (0-255 for FER2013).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "network_")
        return self.network_.predict_proba(X)

    def predict(self, X):
        """The most probable class of each face."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("network_", None)  # an onnxruntime session cannot be pickled; reopened on unpickling
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "classes_" in state:
            self.network_ = OnnxNetwork(self.path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        return tags


def load_onnx(path):
    """A fitted :class:`OnnxClassifier`, behind a ``FaceCropper`` if one was exported with it.

    Returns
    -------
    model : OnnxClassifier or Pipeline
    """
    from sklearn.pipeline import make_pipeline

    classifier = OnnxClassifier(path).fit()
    cropper = classifier.metadata_.get("face_cropper")
    if cropper is None:
        return classifier
    from ..faces import FaceCropper

    params = {k: tuple(v) if isinstance(v, list) else v for k, v in cropper.items()}
    return make_pipeline(FaceCropper(**params), classifier)
