"""Making the shipped model: a trained network -> inference-ready Keras + ONNX files and a model card."""

import json
import platform
from pathlib import Path

from .._constants import EMOTIONS
from . import _sha256

FINE_TUNING_LEARNING_RATE = 1e-4
KERAS_NAME, ONNX_NAME = "fer2013_modern.keras", "fer2013_modern.onnx"


def _versions():
    import keras
    import onnxruntime
    import sklearn
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def shippable(network):
    """The trained network as shipped: float32 layers, a fresh optimizer (no state) for fine-tuning, silent.

    float32 makes the Keras network and its ONNX export predict the same on
    every machine, whatever dtype policy it trained in; ``verbose=0`` keeps
    fine-tuning quiet unless the user asks for progress, as any estimator.
    """
    from sklearn.base import clone

    from ..networks import rebuild
    from ..networks._builders import _compile, make_optimizer

    model = rebuild(network.model_, dtype_policy="float32")
    _compile(model, make_optimizer(network.optimizer, FINE_TUNING_LEARNING_RATE), label_smoothing=network.label_smoothing)
    shipped = clone(network).set_params(dtype_policy="float32", verbose=0)
    fitted = {key: value for key, value in vars(network).items() if key.endswith("_") and not key.startswith("__")}
    vars(shipped).update(fitted, model_=model)
    shipped.__dict__.pop("_forward_fn", None)
    return shipped


def write_pretrained(network, out, *, card):
    """Write the shipped files into ``out``: the Keras network, its ONNX export and ``model_card.json``.

    Parameters
    ----------
    network : fitted FER network classifier
    out : path
    card : dict
        What the card says beyond the files and versions: recipe, data, metrics,
        training time, the command that retrains it.

    Returns
    -------
    card : dict
        As written, with ``files`` (name, bytes, sha256 of each) and ``versions``.
    """
    from ..inference import export_onnx

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shipped = shippable(network)
    shipped.save(out / KERAS_NAME)
    export_onnx(shipped, out / ONNX_NAME)
    files = {
        backend: {"name": name, "bytes": (out / name).stat().st_size, "sha256": _sha256(out / name)}
        for backend, name in (("keras", KERAS_NAME), ("onnx", ONNX_NAME))
    }
    card = {
        **card,
        "classes": {int(label): EMOTIONS[int(label)] for label in shipped.classes_},
        "fine_tuning": f"partial_fit trains one epoch a call with {network.optimizer} at a constant learning rate of {FINE_TUNING_LEARNING_RATE}",
        "files": files,
        "versions": _versions(),
    }
    (out / "model_card.json").write_text(json.dumps(card, indent=1) + "\n")
    return card
