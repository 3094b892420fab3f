"""Seed CNN: single-image predict_proba latency through the sklearn API vs keras model.predict,
and wrapped fit throughput vs a raw keras.Model.fit of the same network.

    python bench_speed.py --data ../../shared/data/fer2013
"""

import statistics
import time

import numpy as np

from _common import machine, parser


class EpochTimer:
    """Keras callback recording the wall time of each epoch."""

    def __init__(self):
        import keras

        timer = self

        class _Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                timer.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                timer.seconds.append(time.perf_counter() - timer.start)

        self.seconds = []
        self.callback = _Callback()


def median_ms(function, repeats):
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main():
    p = parser(__doc__)
    p.add_argument("--n-fit", type=int, default=6400, help="training images for the throughput comparison")
    p.add_argument("--epochs", type=int, default=4)
    args = p.parse_args()
    import keras

    from sklearn_fer.datasets import load_fer2013
    from sklearn_fer.estimators import CNNClassifier
    from sklearn_fer.networks import build_cnn

    fer = load_fer2013(args.data, usage="Training", progress=False)
    order = np.random.default_rng(0).permutation(len(fer.target))[: args.n_fit]
    X, y = fer.data[order], fer.target[order]
    print(f"machine: {machine()}; seed CNN (32-32, 64-64, dense 512), {len(y)} Training images, batch 64")

    def wrapped_fit(random_state):
        model = CNNClassifier(epochs=args.epochs, batch_size=64, random_state=random_state)
        timer = EpochTimer()
        original = model._callbacks
        model._callbacks = lambda has_validation: original(has_validation) + [timer.callback]
        model.fit(X, y)
        return model, statistics.median(timer.seconds[1:])

    # random_state=None: same op kernels as the raw fit; random_state=0 also switches on deterministic ops.
    wrapped, wrapped_epoch = wrapped_fit(None)
    _, seeded_epoch = wrapped_fit(0)

    raw = build_cnn((48, 48, 1), 7, mean=float(X.mean()), variance=float(X.var()))
    raw_timer = EpochTimer()
    images = X.reshape(-1, 48, 48, 1).astype(np.float32)
    raw.fit(images, np.eye(7, dtype=np.float32)[y], batch_size=64, epochs=args.epochs, verbose=0, callbacks=[raw_timer.callback])
    raw_epoch = statistics.median(raw_timer.seconds[1:])
    print(
        f"fit: wrapped {len(y) / wrapped_epoch:7.0f} img/s ({wrapped_epoch:.1f} s/epoch) | raw keras {len(y) / raw_epoch:7.0f} img/s "
        f"({raw_epoch:.1f} s/epoch) | wrapped/raw throughput {raw_epoch / wrapped_epoch:.3f} (epochs 2..{args.epochs}, median)"
    )
    print(f"fit with random_state=0 (deterministic ops): {len(y) / seeded_epoch:7.0f} img/s, {raw_epoch / seeded_epoch:.3f} of raw")

    one = X[:1]
    one_image = images[:1]
    print(
        f"single image, median: predict_proba (sklearn API) {median_ms(lambda: wrapped.predict_proba(one), 300):.2f} ms | "
        f"predict {median_ms(lambda: wrapped.predict(one), 300):.2f} ms | "
        f"keras model.predict {median_ms(lambda: wrapped.model_.predict(one_image, verbose=0), 50):.2f} ms | "
        f"keras model(x) eager {median_ms(lambda: wrapped.model_(one_image, training=False), 50):.2f} ms"
    )
    batch = X[:1000]
    print(
        f"1000 images: predict_proba {median_ms(lambda: wrapped.predict_proba(batch), 5):.0f} ms | "
        f"keras model.predict {median_ms(lambda: wrapped.model_.predict(images[:1000], verbose=0), 5):.0f} ms"
    )
    keras.backend.clear_session()


if __name__ == "__main__":
    main()
