"""The network shipped with sklearn-fer: trained on FER2013, ready to predict, no training needed.

``load_pretrained()`` returns it as a fitted scikit-learn classifier (Keras; it
can be trained further), ``load_pretrained(backend="onnx")`` as a TensorFlow-free
one for fast start-up. ``model_card()`` says how it was made and how well it does.
"""

import hashlib
import json
import warnings
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
CARD = DATA / "model_card.json"
BACKENDS = ("keras", "onnx")


@lru_cache(maxsize=None)
def model_card():
    """The shipped model's card: recipe, data, PublicTest metrics, training time, versions, sha256 of its files.

    Returns
    -------
    card : dict
    """
    if not CARD.is_file():
        raise ValueError(f"the pretrained model's card {str(CARD)!r} is missing; reinstall sklearn-fer")
    return json.loads(CARD.read_text())


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pretrained_file(backend="keras"):
    """The path of the shipped model's file for ``backend``, after checking its sha256 against the card.

    Raises
    ------
    ValueError
        If the file is missing or damaged (its sha256 differs from the card's).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    entry = model_card()["files"][backend]
    path = DATA / entry["name"]
    if not path.is_file():
        raise ValueError(f"the pretrained model file {str(path)!r} is missing; reinstall sklearn-fer")
    actual = _sha256(path)
    if actual != entry["sha256"]:
        raise ValueError(
            f"the pretrained model file {str(path)!r} is damaged: its sha256 is {actual}, the model card "
            f"expects {entry['sha256']}; reinstall sklearn-fer"
        )
    return path


def load_pretrained(backend="keras"):
    """The shipped FER2013 network, as a fitted scikit-learn classifier.

    Parameters
    ----------
    backend : {"keras", "onnx"}, default="keras"
        ``"keras"``: a :class:`~sklearn_fer.estimators.ModernCNNClassifier`
        (imports TensorFlow): usable in a ``Pipeline``, in
        ``sklearn.frozen.FrozenEstimator``, and trainable further with
        ``partial_fit`` (one epoch a call, at a constant learning rate of 1e-4) on
        your own labelled faces. ``"onnx"``: an
        :class:`~sklearn_fer.inference.OnnxClassifier` with the same predictions
        (onnxruntime, no TensorFlow: starts in a fraction of the time).

    Returns
    -------
    model : fitted classifier
        Input: 48x48 grayscale faces with pixels 0-255, as flat rows ``(n, 2304)``
        or images ``(n, 48, 48)``: FER2013's layout, or
        :class:`~sklearn_fer.faces.FaceCropper`'s output for photos.
        ``classes_`` are the emotion ids 0-6 (see :data:`sklearn_fer.EMOTIONS`).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_fer.faces import FaceCropper
    >>> from sklearn_fer.pretrained import load_pretrained
    >>> model = make_pipeline(FaceCropper(), load_pretrained(backend="onnx"))
    >>> model.predict(["photo.jpg"])  # doctest: +SKIP
    """
    path = pretrained_file(backend)
    if backend == "onnx":
        from ..inference import OnnxClassifier

        return OnnxClassifier(str(path)).fit()
    from ..estimators import load_model

    with warnings.catch_warnings():
        # The shipped file carries a fresh optimizer without state (its moments would triple the file's
        # size); Keras warns that it has no variables to load for it, which is by design.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        return load_model(path)


def shipped_network():
    """The shipped network as a bare :class:`~sklearn_fer.inference.OnnxNetwork` (onnxruntime only).

    What ``sklearn-fer predict`` runs: no scikit-learn and no TensorFlow to import.
    ``load_pretrained(backend="onnx")`` is the same network as a scikit-learn classifier.
    """
    from ..inference import OnnxNetwork

    return OnnxNetwork(pretrained_file("onnx"))


__all__ = ["load_pretrained", "model_card", "pretrained_file", "shipped_network"]
