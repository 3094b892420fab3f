"""Idle waits at the start of each epoch: Keras's own NumPy feeding against our array_dataset.

Keras feeds NumPy arrays through a tf.data pipeline with autotuning on; our estimators feed
sklearn_fer.estimators._feeding.array_dataset, which switches autotuning off. For each feed the
script trains on the FER2013 Training faces (10% held out for validation, as early stopping does)
and prints, per epoch, how long the first batch took to arrive and how long the epoch took.

--mode sleep (default) stretches every epoch to --epoch-seconds by sleeping after each batch of a
tiny network, so the machine stays nearly idle and any wait is the pipeline's own. --mode cnn trains
the baseline CNN (build_cnn's defaults) at full speed instead.

    python benchmarks/bench_epoch_stalls.py --data ../shared/data/fer2013 --epochs 8 --epoch-seconds 25
    python benchmarks/bench_epoch_stalls.py --data ../shared/data/fer2013 --mode cnn --epochs 4
"""

import math
import time

import keras
import numpy as np

from _common import machine, parser
from sklearn_fer.datasets import load_fer2013


class EpochClock(keras.callbacks.Callback):
    """Records each epoch's first-batch wait and duration; sleeps after each batch if asked."""

    def __init__(self, sleep_per_batch):
        super().__init__()
        self.sleep_per_batch = sleep_per_batch
        self.first_batch, self.duration = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.begin = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if batch == 0:
            self.first_batch.append(time.perf_counter() - self.begin)
        time.sleep(self.sleep_per_batch)

    def on_epoch_end(self, epoch, logs=None):
        self.duration.append(time.perf_counter() - self.begin)


def network(mode, n_classes):
    from sklearn_fer.networks import build_cnn

    if mode == "cnn":
        return build_cnn((48, 48, 1), n_classes)
    model = keras.Sequential(
        [keras.Input((48, 48, 1)), keras.layers.Conv2D(4, 3), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(n_classes, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def fit(feed, mode, train, validation, args):
    from sklearn_fer.estimators._feeding import array_dataset

    keras.utils.set_random_seed(0)
    model = network(mode, train[1].shape[1])
    steps = math.ceil(len(train[0]) / args.batch_size)
    clock = EpochClock(args.epoch_seconds / steps if mode == "sleep" else 0.0)
    if feed == "keras":
        model.fit(*train, batch_size=args.batch_size, validation_data=validation, epochs=args.epochs, verbose=0, callbacks=[clock], shuffle=True)
    else:
        model.fit(
            array_dataset(train, args.batch_size, shuffle=True, seed=0),
            validation_data=array_dataset(validation, args.batch_size),
            epochs=args.epochs,
            verbose=0,
            callbacks=[clock],
        )
    return clock


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["sleep", "cnn"], default="sleep")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--epoch-seconds", type=float, default=25.0, help="length of a --mode sleep epoch")
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args()

    faces = load_fer2013(args.data, usage="Training", progress=False)
    X = (faces.images[..., None] / 255.0).astype("float32")
    Y = np.eye(7, dtype="float32")[faces.target]
    n_train = len(X) - len(X) // 10
    rows = np.random.default_rng(0).permutation(len(X))
    train, validation = (X[rows[:n_train]], Y[rows[:n_train]]), (X[rows[n_train:]], Y[rows[n_train:]])
    print(f"{machine()}; {n_train} training faces, {len(X) - n_train} validation; mode {args.mode}, {args.epochs} epochs")
    for feed in ("keras", "ours"):
        clock = fit(feed, args.mode, train, validation, args)
        waits = " ".join(f"{s:5.2f}" for s in clock.first_batch)
        print(f"{feed:>5} feed: first batch of each epoch (s): {waits}; total after epoch 1: {sum(clock.first_batch[1:]):.1f} s")
        print(f"{'':>5}       epoch durations (s):            {' '.join(f'{s:5.1f}' for s in clock.duration)}")


if __name__ == "__main__":
    main()
