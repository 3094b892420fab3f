"""FER2013 load time, cold (parsing every file) and cached (.npz keyed on the sources).

    python benchmarks/bench_loading.py --data ../shared/data/fer2013
"""

import tempfile

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
    print(f"cold load   : {cold.seconds:6.2f} s ({len(fer.target)} images)")
    print(f"cached load : {cached.seconds:6.2f} s")


if __name__ == "__main__":
    main()
