"""Helpers shared by the benchmark scripts."""

import argparse
import platform
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fer2013"


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", default=str(DEFAULT_DATA), help="FER2013 path (CSV or image folders)")
    return p


def machine():
    from sklearn_fer.networks import describe_machine

    return f"{describe_machine()}, Python {platform.python_version()}"


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def random_subsets(train, test, n, seed=0):
    """Smoke runs: ``n`` random Training faces and ``n // 8`` random PublicTest ones, in place (Bunches)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    for bunch, size in ((train, n), (test, n // 8)):
        rows = rng.permutation(len(bunch.target))[:size]
        bunch.data, bunch.target = bunch.data[rows], bunch.target[rows]


def early_stopping_rows(network, targets, stratified=True):
    """Indices of the Training rows a network held out for early stopping (its validation split).

    The same call as the estimator's split: it depends only on the labels, ``validation_fraction`` and
    the random seed, so it recovers the rows of a network that bench_networks.py trained on Training.
    """
    import numpy as np
    from sklearn.model_selection import train_test_split

    _, validation = train_test_split(
        np.arange(len(targets)),
        test_size=network.validation_fraction,
        stratify=targets if stratified else None,
        random_state=network.random_state,
    )
    return validation
