"""FER2013 image folders: load_fer2013 cold against a bare PIL loop, cached against np.load, side by side.

Each round times, in alternating order: a bare loop of ``PIL.Image.open(f).convert("L")`` over every
file, a cold ``load_fer2013`` (fresh cache folder; worker processes, one per core) and a cold one decoding
in this process (``n_jobs=1``), then a cached ``load_fer2013`` (the same cache again) and ``np.load`` of
the cached images array alone. Ratios per round, then medians.

    python benchmarks/bench_loading.py --data ../shared/data/fer2013 --rounds 3
"""

import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

from _common import machine, parser
from sklearn_fer.datasets import load_fer2013


def _seconds(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def bare_pil_loop(files):
    from PIL import Image

    return np.stack([np.asarray(Image.open(file).convert("L")) for file in files])


def one_round(data, files, order):
    times = {}
    with tempfile.TemporaryDirectory() as cache:
        for step in order:
            if step == "bare PIL loop":
                times[step], bare = _seconds(lambda: bare_pil_loop(files))
            elif step == "load_fer2013 cold":
                times[step], fer = _seconds(lambda: load_fer2013(data, data_home=cache, progress=False))
            elif step == "load_fer2013 cold, n_jobs=1":
                with tempfile.TemporaryDirectory() as own_cache:
                    times[step], here = _seconds(lambda: load_fer2013(data, data_home=own_cache, n_jobs=1, progress=False))
        times["load_fer2013 cached"], again = _seconds(lambda: load_fer2013(data, data_home=cache, progress=False))
        cached_images = next(Path(cache).glob("fer2013-*/images.npy"))
        times["np.load of the cached images"], images = _seconds(lambda: np.load(cached_images))
    assert np.array_equal(fer.images, again.images) and np.array_equal(images, fer.images) and np.array_equal(here.images, fer.images)
    by_name = dict(zip(fer.filenames, fer.images))
    assert all(np.array_equal(by_name[str(file)], image) for file, image in zip(files[::97], bare[::97])), "same pixels as PIL"
    return times


def main():
    p = parser(__doc__)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    files = sorted(Path(args.data).rglob("*.jpg"))
    print(f"machine: {machine()}; {len(files)} image files")
    rounds = []
    for index in range(args.rounds):
        order = ["bare PIL loop", "load_fer2013 cold", "load_fer2013 cold, n_jobs=1"][:: 1 if index % 2 == 0 else -1]
        times = one_round(args.data, files, order)
        rounds.append(times)
        print(f"round {index + 1}: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in times.items()), flush=True)
    medians = {name: median(r[name] for r in rounds) for name in rounds[0]}
    cold_speedup = median(r["bare PIL loop"] / r["load_fer2013 cold"] for r in rounds)
    in_process_speedup = median(r["bare PIL loop"] / r["load_fer2013 cold, n_jobs=1"] for r in rounds)
    cached_ratio = median(r["load_fer2013 cached"] / r["np.load of the cached images"] for r in rounds)
    print("| step | median s |\n|---|---|")
    for name, seconds in medians.items():
        print(f"| {name} | {seconds:.3f} |")
    print(f"cold: {cold_speedup:.2f}x as fast as the bare PIL loop (goal >= 2); decoding in this process: {in_process_speedup:.2f}x")
    print(f"cached: {cached_ratio:.2f}x the time of np.load of the images (goal <= 1.5)")


if __name__ == "__main__":
    main()
