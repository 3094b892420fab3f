"""HOGTransformer (batched) against a per-image skimage.feature.hog loop on the FER2013 training set.

    python benchmarks/bench_hog.py --data ../shared/data/fer2013
"""

import numpy as np
from skimage.feature import hog

from _common import Timer, machine, parser
from sklearn_fer.datasets import load_fer2013
from sklearn_fer.features import HOGTransformer

PARAMS = dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))


def main():
    p = parser(__doc__)
    p.add_argument("--n-jobs", type=int, default=1)
    args = p.parse_args()
    images = load_fer2013(args.data, usage="Training", progress=False).images
    print(f"machine: {machine()}; {len(images)} Training images, HOG {PARAMS}")
    with Timer() as loop:
        reference = np.stack([hog(image, **PARAMS) for image in images])
    for n_jobs in sorted({1, args.n_jobs}):
        transformer = HOGTransformer(**PARAMS, n_jobs=n_jobs)
        with Timer() as batched:
            features = transformer.fit_transform(images)
        error = np.abs(features - reference).max()
        print(
            f"n_jobs={n_jobs}: skimage loop {loop.seconds:6.2f} s ({len(images) / loop.seconds:7.0f} img/s) | "
            f"HOGTransformer {batched.seconds:5.2f} s ({len(images) / batched.seconds:7.0f} img/s) | "
            f"speed-up {loop.seconds / batched.seconds:5.1f}x | max abs diff {error:.1e}"
        )


if __name__ == "__main__":
    main()
