"""Training speed of the shipped recipe's network at other block widths, side by side.

Each width set is the network of the shipped recipe's split runs (``lever_network("crop44", "residual")``:
44x44 crops, shortcuts, the recipe's augmentation and dtype policy) with only ``widths`` changed. The
estimator builds each network; each then trains on the same Training faces for ``--epochs`` epochs a
round, in alternating rounds (the order reverses from one round to the next, since whichever runs first
may be favoured by the machine's state). Prints the training images/s of each width set, medians over
the rounds, with their ratio to the first set and its multiply-adds relative to the first. The batches
come from the estimators' own feed (``array_dataset``, shuffled), as in their fits.

    python benchmarks/bench_widths.py --data ../shared/data/fer2013 --widths 32,64,128,256 40,80,160,320 48,80,160,320
"""

import time

import numpy as np

from _common import machine, parser
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.estimators._feeding import array_dataset
from sklearn_fer.experiments import lever_network

BATCH = 64


def built_network(widths, X, y):
    """The shipped recipe's split network with ``widths``, built (untrained) by its estimator."""
    network = lever_network("crop44", "residual").set_params(widths=widths, verbose=0)
    return network.initialize(X, y)


def images_per_second(model, images, targets, epochs):
    """Training throughput of ``model.fit`` on the estimators' feed over ``epochs`` epochs, after a short untimed warm-up."""
    model.fit(array_dataset((images[: 4 * BATCH], targets[: 4 * BATCH]), BATCH), epochs=1, verbose=0)
    batches = array_dataset((images, targets), BATCH, shuffle=True, seed=0)
    start = time.perf_counter()
    model.fit(batches, epochs=epochs, verbose=0)
    return epochs * len(images) / (time.perf_counter() - start)


def multiply_adds(model):
    """Multiply-adds of one forward pass through the model's convolutions and dense layers."""
    total = 0
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        output_shape = layer.output.shape
        positions = int(np.prod(output_shape[1:-1])) if len(output_shape) > 2 else 1
        total += positions * int(np.prod(kernel.shape))
    return total


def main():
    p = parser(__doc__)
    p.add_argument("--widths", nargs="+", required=True, help="width sets to compare, each as comma-separated channels, e.g. 32,64,128,256")
    p.add_argument("--n-fit", type=int, default=4000, help="Training faces a round")
    p.add_argument("--epochs", type=int, default=2, help="timed epochs a round")
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    width_sets = [tuple(int(channels) for channels in spec.split(",")) for spec in args.widths]
    train = load_fer2013(args.data, usage="Training", progress=False)
    rows = np.random.default_rng(0).choice(len(train.target), args.n_fit, replace=False)
    X, y = train.data[rows], train.target[rows]
    networks = {widths: built_network(widths, X, y) for widths in width_sets}
    first = networks[width_sets[0]]
    images = first.feature_encoder_.transform(X)
    targets = first.target_encoder_.transform(y)
    print(f"machine: {machine()}; dtype policy {first.dtype_policy_}; {args.n_fit} Training faces, batch {BATCH}", flush=True)
    speeds = {widths: [] for widths in width_sets}
    for round_ in range(args.rounds):
        order = width_sets if round_ % 2 == 0 else width_sets[::-1]
        for widths in order:
            speeds[widths].append(images_per_second(networks[widths].model_, images, targets, args.epochs))
        print(f"round {round_ + 1}: " + ", ".join(f"{widths} {speeds[widths][-1]:.0f} img/s" for widths in order), flush=True)
    base_speed, base_work = np.median(speeds[width_sets[0]]), multiply_adds(first.model_)
    print("| widths | training images/s | time a face vs the first | multiply-adds vs the first |")
    print("|---|---|---|---|")
    for widths in width_sets:
        speed = np.median(speeds[widths])
        work = multiply_adds(networks[widths].model_) / base_work
        print(f"| {', '.join(map(str, widths))} | {speed:.0f} | {base_speed / speed:.2f}x | {work:.2f}x |")


if __name__ == "__main__":
    main()
