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
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


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
