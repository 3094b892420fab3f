"""Training speed of the modern CNN with our fused batch norm against Keras's BatchNormalization.

Both networks are the benchmark recipe's (widths 32-64-128-256, bfloat16 compute, no augmentation so
that only the network differs), trained on the same Training faces in alternating rounds (whichever
runs first in a round may be favoured by the machine's state, so the order alternates).

    python benchmarks/bench_batch_norm.py --data ../shared/data/fer2013 --n-fit 6000 --rounds 2
"""

import time

import numpy as np

from _common import machine, parser
from sklearn_fer.datasets import load_fer2013


def networks(n_classes):
    import keras

    from sklearn_fer.networks import FusedBatchNormalization, build_modern_cnn

    def keras_batch_norm(layer):
        if isinstance(layer, FusedBatchNormalization):
            return keras.layers.BatchNormalization.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    fused = build_modern_cnn((48, 48, 1), n_classes, widths=(32, 64, 128, 256), dropout=0.15, dtype_policy="mixed_bfloat16")
    with_keras = keras.models.clone_model(fused, clone_function=keras_batch_norm)
    with_keras.compile(optimizer="adamw", loss="categorical_crossentropy")
    fused.compile(optimizer="adamw", loss="categorical_crossentropy")
    return {"fused": fused, "keras": with_keras}


def epoch_seconds(model, X, Y, epochs):
    model.fit(X[:256], Y[:256], batch_size=64, epochs=1, verbose=0)  # tracing, outside the timing
    start = time.perf_counter()
    model.fit(X, Y, batch_size=64, epochs=epochs, verbose=0)
    return (time.perf_counter() - start) / epochs


def main():
    p = parser(__doc__)
    p.add_argument("--n-fit", type=int, default=6000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    rows = np.random.default_rng(0).choice(len(train.target), args.n_fit, replace=False)
    X = (train.images[rows, :, :, None] / 255.0).astype("float32")
    Y = np.eye(7, dtype="float32")[train.target[rows]]
    models = networks(7)
    print(f"machine: {machine()}; modern CNN 32-64-128-256, bfloat16, {args.n_fit} Training faces, batch 64", flush=True)
    times = {name: [] for name in models}
    for round_ in range(args.rounds):
        order = list(models) if round_ % 2 == 0 else list(models)[::-1]
        for name in order:
            times[name].append(epoch_seconds(models[name], X, Y, args.epochs))
        print(f"round {round_ + 1}: " + ", ".join(f"{name} {times[name][-1]:.1f} s/epoch" for name in order), flush=True)
    fused, plain = np.median(times["fused"]), np.median(times["keras"])
    print(f"median s/epoch: keras BatchNormalization {plain:.1f}, FusedBatchNormalization {fused:.1f} -> {plain / fused:.2f}x")


if __name__ == "__main__":
    main()
