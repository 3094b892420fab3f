"""Baseline CNN: single-image predict_proba latency through the sklearn API vs keras model.predict,
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
    p.add_argument("--rounds", type=int, default=4, help="interleaved wrapped/raw fit pairs")
    args = p.parse_args()
    import keras

    from sklearn_fer.datasets import load_fer2013
    from sklearn_fer.estimators import CNNClassifier
    from sklearn_fer.networks import build_cnn

    fer = load_fer2013(args.data, usage="Training", progress=False)
    order = np.random.default_rng(0).permutation(len(fer.target))[: args.n_fit]
    X, y = fer.data[order], fer.target[order]
    print(f"machine: {machine()}; baseline CNN (32-32, 64-64, dense 512), {len(y)} Training images, batch 64")

    images = X.reshape(-1, 48, 48, 1).astype(np.float32)
    one_hot = np.eye(7, dtype=np.float32)[y]

    def wrapped_fit():
        model = CNNClassifier(epochs=args.epochs, batch_size=64)
        timer = EpochTimer()
        original = model._callbacks
        model._callbacks = lambda has_validation: original(has_validation) + [timer.callback]
        start = time.perf_counter()
        model.fit(X, y)
        return model, statistics.median(timer.seconds[1:]), time.perf_counter() - start

    def raw_fit():
        network = build_cnn((48, 48, 1), 7, mean=float(X.mean()), variance=float(X.var()))
        timer = EpochTimer()
        start = time.perf_counter()
        network.fit(images, one_hot, batch_size=64, epochs=args.epochs, verbose=0, callbacks=[timer.callback])
        return network, statistics.median(timer.seconds[1:]), time.perf_counter() - start

    # Interleaved rounds (wrapped first, then raw first, ...) so that drifts of this shared machine
    # hit both sides alike; the per-round ratios show the noise next to the gap being measured.
    epoch_ratios, total_ratios = [], []
    for round_ in range(args.rounds):
        first, second = (wrapped_fit, raw_fit) if round_ % 2 == 0 else (raw_fit, wrapped_fit)
        results = {first.__name__: first(), second.__name__: second()}
        wrapped, wrapped_epoch, wrapped_total = results["wrapped_fit"]
        _, raw_epoch, raw_total = results["raw_fit"]
        epoch_ratios.append(raw_epoch / wrapped_epoch)
        total_ratios.append(raw_total / wrapped_total)
        print(
            f"round {round_ + 1} ({first.__name__} first): wrapped {len(y) / wrapped_epoch:5.0f} img/s, raw {len(y) / raw_epoch:5.0f} img/s "
            f"(epochs 2..{args.epochs}, median) -> ratio {epoch_ratios[-1]:.3f}; whole fit {wrapped_total:.1f} s vs {raw_total:.1f} s "
            f"-> {total_ratios[-1]:.3f}",
            flush=True,
        )
    print(
        f"fit: wrapped/raw throughput, median over {args.rounds} rounds: per epoch {statistics.median(epoch_ratios):.3f} "
        f"(range {min(epoch_ratios):.3f}-{max(epoch_ratios):.3f}), whole fit incl. data preparation {statistics.median(total_ratios):.3f}"
    )

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
