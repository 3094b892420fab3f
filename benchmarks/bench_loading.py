"""FER2013 load time, cold (parsing every file) and cached (.npz keyed on the sources).

    python benchmarks/bench_loading.py --data ../shared/data/fer2013
"""

import tempfile
from pathlib import Path

import numpy as np

from _common import Timer, machine, parser
from sklearn_fer.datasets import load_fer2013


def main():
    args = parser(__doc__).parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as cache:
        with Timer() as cold:
            fer = load_fer2013(args.data, data_home=cache, progress=False)
        with Timer() as cached:
            again = load_fer2013(args.data, data_home=cache, progress=False)
    assert np.array_equal(fer.images, again.images)
    for usage in ("Training", "PublicTest", "PrivateTest"):
        print(f"{usage:12s} {int(np.sum(fer.usage == usage)):6d} images")
    print(f"image folders, cold load   : {cold.seconds:6.2f} s ({len(fer.target)} images)")
    print(f"image folders, cached load : {cached.seconds:6.2f} s")
    csv_load_times(fer)


def csv_load_times(fer):
    """The classic fer2013.csv has 35,887 rows; write one of that size from the images and time its parsing."""
    n_private = 35887 - len(fer.target)
    images = np.concatenate([fer.images, fer.images[fer.usage == "PublicTest"][:n_private]])
    targets = np.concatenate([fer.target, fer.target[fer.usage == "PublicTest"][:n_private]])
    usages = np.concatenate([fer.usage, np.full(n_private, "PrivateTest")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fer2013.csv"
        with open(path, "w") as stream:
            stream.write("emotion,pixels,Usage\n")
            for label, image, usage in zip(targets, images, usages):
                stream.write(f"{label},{' '.join(map(str, image.ravel()))},{usage}\n")
        with Timer() as cold:
            parsed = load_fer2013(path, data_home=folder, progress=False)
        with Timer() as cached:
            load_fer2013(path, data_home=folder, progress=False)
        assert np.array_equal(parsed.images, images)
        size = path.stat().st_size / 1e6
    print(f"fer2013.csv ({len(targets)} rows, {size:.0f} MB), cold parse : {cold.seconds:6.2f} s")
    print(f"fer2013.csv, cached load : {cached.seconds:6.2f} s")


if __name__ == "__main__":
    main()
