"""Named, reproducible experiments: an unfitted Pipeline per name, and a runner that writes results.

Every experiment fits on the Training split and reports the PublicTest split
with the shared metrics (:func:`sklearn_fer.metrics.evaluate`). With no data
path the embedded synthetic faces are used, so everything runs offline.
"""

import json
import platform
import time
from pathlib import Path

import numpy as np

from ._constants import EMOTIONS

# The seed report's figures (its PrivateTest accuracy), shown beside ours.
SEED_FIGURES = {
    "hog_svm": None,
    "fnn": 0.455,
    "cnn": 0.585,
    "cnn_augmented": "57.7-60.3%",
    "transfer": 0.409,
    "multitask": None,
    "modern": None,
}

DESCRIPTIONS = {
    "hog_svm": "HOG (9 orientations, 8x8 cells, 2x2 blocks) + scaler + RBF SVC",
    "fnn": "Feed-forward net 2304-1152-7",
    "cnn": "Seed CNN (32-32, 64-64, dense 512)",
    "cnn_augmented": "Seed CNN + in-fit augmentation (flip, rotation, shift)",
    "transfer": "MNIST-pretrained CNN, new head, fine-tuned",
    "multitask": "Joint MNIST + FER multi-task CNN",
    "modern": "Modern VGG-style CNN (BN, aug, cosine LR, label smoothing, flip TTA)",
}


def _network_params(quick, random_state, verbose):
    if quick:
        return dict(epochs=2, batch_size=32, random_state=random_state, verbose=verbose)
    return dict(epochs=30, early_stopping=True, random_state=random_state, verbose=verbose)


def make_experiment(name, *, quick=False, aux_data=None, random_state=0, verbose=0, n_jobs=None):
    """The unfitted estimator of a named experiment.

    Parameters
    ----------
    name : str
        One of :data:`DESCRIPTIONS`.
    quick : bool, default=False
        Tiny networks and 2 epochs (smoke runs, tests, the README demo).
    aux_data : tuple (X, y) or None
        Source / auxiliary data (MNIST) for "transfer" and "multitask";
        ``None`` uses scikit-learn's bundled digits.

    Returns
    -------
    estimator : Pipeline or classifier
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from .features import HOGTransformer

    if name not in DESCRIPTIONS:
        raise ValueError(f"unknown experiment {name!r}; known experiments: {', '.join(DESCRIPTIONS)}")
    if name == "hog_svm":
        hog = HOGTransformer(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2), n_jobs=n_jobs)
        return make_pipeline(hog, StandardScaler(), SVC(C=1.0))
    from . import estimators

    params = _network_params(quick, random_state, verbose)
    small_cnn = dict(filters=(8, 16), dense_units=64) if quick else {}
    makers = {
        "fnn": lambda: estimators.FNNClassifier(hidden_layer_sizes=(128,) if quick else (1152,), dropout=0.3, **params),
        "cnn": lambda: estimators.CNNClassifier(**small_cnn, **params),
        "cnn_augmented": lambda: estimators.CNNClassifier(flip=True, rotation=10, shift=0.1, **small_cnn, **params),
        "transfer": lambda: estimators.TransferCNNClassifier(
            source_data=aux_data, source_epochs=1 if quick else 3, fine_tune_epochs=1 if quick else 15, **small_cnn, **params
        ),
        "multitask": lambda: estimators.MultiTaskCNNClassifier(aux_data=aux_data, **small_cnn, **params),
        "modern": lambda: estimators.ModernCNNClassifier(widths=(8, 16) if quick else (32, 64, 128, 256), head_units=32 if quick else 256, **params),
    }
    return makers[name]()


def load_experiment_data(data=None, *, n_synthetic=1400, random_state=0, progress=True):
    """``(X_train, y_train, X_test, y_test, source)``: FER2013 Training / PublicTest, or synthetic faces."""
    from .datasets import load_fer2013, make_synthetic_faces

    if data is None:
        faces = make_synthetic_faces(n_synthetic, random_state=random_state)
        split = int(0.8 * n_synthetic)
        return faces.data[:split], faces.target[:split], faces.data[split:], faces.target[split:], "synthetic faces (embedded demo data)"
    fer = load_fer2013(data, usage=["Training", "PublicTest"], progress=progress)
    train, test = fer.usage == "Training", fer.usage == "PublicTest"
    if not train.any() or not test.any():
        raise ValueError(f"{data}: experiments need both Training and PublicTest samples; found {sorted(set(fer.usage))}")
    return fer.data[train], fer.target[train], fer.data[test], fer.target[test], str(data)


def _environment():
    import sklearn

    versions = {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "machine": platform.machine()}
    try:
        import keras
        import tensorflow as tf

        versions.update(tensorflow=tf.__version__, keras=keras.__version__)
    except ImportError:  # pragma: no cover - networks are optional at run time
        pass
    return versions


def _final_estimator(estimator):
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


def run_experiment(name, *, data=None, out="sklearn-fer-output", quick=False, aux_data=None, random_state=0, verbose=0, n_jobs=None):
    """Fit a named experiment on Training, score PublicTest, and write its outputs.

    Writes into ``out/<name>/``: ``results.json`` (shared metrics, parameters,
    fit / predict times, environment), ``row.md`` (a Markdown table row),
    ``confusion_matrix.png``, ``loss_curve.png`` (networks) and the fitted model
    (``model.keras`` for networks, ``model.joblib`` otherwise).

    Returns
    -------
    results : dict
    """
    import joblib
    import matplotlib.pyplot as plt

    from .metrics import evaluate, plot_confusion_matrix, plot_history

    estimator = make_experiment(name, quick=quick, aux_data=aux_data, random_state=random_state, verbose=verbose, n_jobs=n_jobs)
    X_train, y_train, X_test, y_test, source = load_experiment_data(data, random_state=random_state, progress=verbose > 0)
    folder = Path(out) / name
    folder.mkdir(parents=True, exist_ok=True)
    start = time.time()
    results = evaluate(estimator, X_test, y_test, X_fit=X_train, y_fit=y_train)
    results.update(
        experiment=name,
        description=DESCRIPTIONS[name],
        data=source,
        quick=quick,
        n_train=int(len(y_train)),
        wall_seconds=time.time() - start,
        seed_figure=SEED_FIGURES[name],
        params={k: repr(v) for k, v in estimator.get_params(deep=False).items() if k != "steps"},
        environment=_environment(),
    )
    final = _final_estimator(estimator)
    figure = plot_confusion_matrix(y_test, estimator.predict(X_test), title=f"{name}: PublicTest")
    figure.savefig(folder / "confusion_matrix.png", dpi=110)
    plt.close(figure)
    if hasattr(final, "history_"):
        results["history"] = dict(final.history_)
        figure = plot_history(final.history_, title=f"{name}: training history")
        figure.savefig(folder / "loss_curve.png", dpi=110)
        plt.close(figure)
        final.save(folder / "model.keras")
    else:
        joblib.dump(estimator, folder / "model.joblib")
    (folder / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (folder / "row.md").write_text(markdown_row(results) + "\n")
    return results


def _percent(value):
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{100 * value:.1f}%"


MARKDOWN_HEADER = (
    "| experiment | seed (PrivateTest) | ours: accuracy | balanced acc. | macro-F1 | fit | wall |\n"
    "|---|---|---|---|---|---|---|"
)


def markdown_row(results):
    """One row of the benchmark table (seed figure beside ours)."""
    return (
        f"| {results['experiment']}: {results['description']} | {_percent(results['seed_figure'])} | "
        f"{_percent(results['accuracy'])} | {_percent(results['balanced_accuracy'])} | {_percent(results['f1_macro'])} | "
        f"{results['fit_time']:.0f} s | {results['wall_seconds'] / 60:.1f} min |"
    )


def class_counts(target, usage):
    """Per-split class counts (the seed's "Angry 3995 ... Total 28709" table) as a DataFrame."""
    import pandas as pd

    frame = pd.crosstab(pd.Categorical(np.asarray(EMOTIONS)[target], categories=EMOTIONS), np.asarray(usage), dropna=False)
    frame.loc["Total"] = frame.sum()
    return frame
