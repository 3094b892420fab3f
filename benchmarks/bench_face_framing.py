"""How FER2013 frames a face, in each detector's terms: the numbers behind FaceCropper's framing.

Each sampled Training face is upscaled 4x and pasted in the middle of a larger noisy canvas; the
detector runs on the canvas, and the face's own square (the FER2013 crop) is compared with the box
found: its side over the box's width, and the offset of its centre from the box's centre, in box
widths. The medians are what ``sklearn_fer.faces.FRAMING`` holds.

    python benchmarks/bench_face_framing.py --data ../shared/data/fer2013 --n 2000
"""

import numpy as np
from _common import machine, parser

from sklearn_fer.datasets import load_fer2013
from sklearn_fer.faces import detect_faces


def framing(images, detector, *, scale=4, rng):
    import cv2

    side = images.shape[1] * scale
    ratios, offsets_x, offsets_y = [], [], []
    for face in images:
        canvas = rng.normal(128, 30, (3 * side, 3 * side)).clip(0, 255).astype(np.uint8)
        canvas[side : 2 * side, side : 2 * side] = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        found = detect_faces(canvas, detector)
        if not found:
            continue
        x, y, w, h = found[0].box
        if not (x < 1.5 * side < x + w and y < 1.5 * side < y + h):
            continue  # a box elsewhere on the canvas, not this face
        ratios.append(side / w)
        offsets_x.append((1.5 * side - (x + w / 2)) / w)
        offsets_y.append((1.5 * side - (y + h / 2)) / w)
    return len(images), np.array(ratios), np.array(offsets_x), np.array(offsets_y)


def main():
    p = parser(__doc__)
    p.add_argument("--n", type=int, default=2000, help="Training faces to sample (MTCNN uses a quarter of them)")
    p.add_argument("--detectors", default="haar,mtcnn")
    args = p.parse_args()
    train = load_fer2013(args.data, usage="Training", progress=False)
    rng = np.random.default_rng(0)
    print(f"machine: {machine()}")
    print("| detector | faces | found | side / box width (median, IQR) | centre offset x, y (box widths, median) |")
    print("|---|---|---|---|---|")
    for detector in args.detectors.split(","):
        n = args.n if detector == "haar" else max(args.n // 4, 1)
        sample = train.images[rng.choice(len(train.images), n, replace=False)]
        total, ratios, dx, dy = framing(sample, detector, rng=rng)
        q1, median, q3 = np.percentile(ratios, [25, 50, 75])
        print(
            f"| {detector} | {total} | {len(ratios) / total:.1%} | {median:.3f} ({q1:.3f}-{q3:.3f}) | "
            f"{np.median(dx):+.3f}, {np.median(dy):+.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
