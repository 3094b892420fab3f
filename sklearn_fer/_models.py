"""Loading a model from a file or the shipped one, and naming its classes (TensorFlow only when needed)."""

from pathlib import Path

import numpy as np

from ._constants import EMOTIONS


def load_model_file(path):
    """A fitted model from a ``.keras`` (sklearn-fer network), ``.onnx`` (``export_onnx``) or ``.joblib`` / ``.pkl`` file.

    Raises
    ------
    ValueError
        Naming the file, if it is missing, of an unknown kind or damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".keras":
        from .estimators import load_model

        return load_model(path)
    if suffix == ".onnx":
        from .inference import load_onnx

        return load_onnx(path)
    if suffix in (".joblib", ".pkl"):
        import joblib

        try:
            return joblib.load(path)
        except Exception as error:  # pickle raises many types for damaged files
            raise ValueError(f"{path}: not a readable model file ({type(error).__name__}: {error})") from None
    raise ValueError(f"{path}: unknown model format; expected .keras (sklearn-fer network), .onnx (export_onnx) or .joblib")


def resolve_model(model):
    """``None`` -> the shipped network (ONNX, no TensorFlow); a path -> the model in it; a model as it is."""
    if model is None:
        from .pretrained import load_pretrained

        return load_pretrained(backend="onnx")
    if isinstance(model, (str, Path)):
        return load_model_file(model)
    return model


def class_names(classes):
    """Printable names of a model's classes: emotion ids 0-6 become their names; other labels print as they are."""
    classes = np.asarray(classes)
    if np.issubdtype(classes.dtype, np.integer) and classes.size and classes.min() >= 0 and classes.max() < len(EMOTIONS):
        return [EMOTIONS[int(label)] for label in classes]
    return [str(label) for label in classes]


def emotion_ids(labels):
    """Labels as emotion ids 0-6: ids stay, emotion names (any case) become their ids.

    Raises
    ------
    ValueError
        If a label is neither an id 0-6 nor an emotion name.
    """
    labels = np.asarray(labels)
    if np.issubdtype(labels.dtype, np.integer):
        return labels
    lookup = {name: i for i, name in enumerate(EMOTIONS)}
    unknown = sorted({str(v) for v in labels.ravel() if str(v).lower() not in lookup})
    if unknown:
        raise ValueError(f"labels {unknown[:5]} are neither emotion ids 0-6 nor emotion names ({', '.join(EMOTIONS)})")
    return np.array([lookup[str(v).lower()] for v in labels.ravel()]).reshape(labels.shape)
